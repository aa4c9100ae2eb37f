"""Discovery documents, legacy and aggregated (endpoints/discovery and discovery/aggregated).

Legacy: /api (APIVersions), /apis (APIGroupList), /apis/<group> (APIGroup) and one
APIResourceList per group-version. Aggregated (apidiscovery.k8s.io/v2): the same facts in one
document per root, sent only when the client asks for it and with its own Content-Type,
because client-go picks the parser from the response Content-Type.
"""

from __future__ import annotations

import threading
from typing import Any

from fakeapi.apimachinery.schema import GroupVersion
from fakeapi.endpoints import negotiation
from fakeapi.endpoints.http import Request, ResponseWriter, encode_json_body, write_bytes, write_json
from fakeapi.endpoints.installer import APIGroupVersion

AGGREGATED_GROUP = "apidiscovery.k8s.io"
AGGREGATED_CONTENT_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
_AGGREGATED_VERSIONS = ("v2", "v2beta1")


def wants_aggregated(accept_header: str) -> str | None:
    """The aggregated version the client prefers, if its first usable media range asks for one."""
    for media in negotiation.parse_accept(accept_header):
        if media.param("g") == AGGREGATED_GROUP and media.param("as") == "APIGroupDiscoveryList":
            if media.param("v") in _AGGREGATED_VERSIONS and not media.param("profile"):
                return media.param("v")
            continue
        if media.type in (negotiation.JSON, "*/*", "application/*"):
            return None
    return None


def _version_entry(gv: GroupVersion) -> dict[str, str]:
    return {"groupVersion": str(gv), "version": gv.version}


class DiscoveryManager:
    """Every installed group-version, in priority order; CRDs may add and remove them at run time."""

    def __init__(self, server_address: str = "127.0.0.1:6443") -> None:
        self._lock = threading.Lock()
        self._versions: dict[GroupVersion, APIGroupVersion] = {}
        self._group_order: list[str] = []
        self.server_address = server_address
        # Bumped whenever the served group-versions change, so documents derived from them
        # (OpenAPI) know to rebuild.
        self._generation = 0

    def add(self, installed: APIGroupVersion) -> None:
        with self._lock:
            gv = installed.group_version
            self._versions[gv] = installed
            self._generation += 1
            if gv.group not in self._group_order:
                self._group_order.append(gv.group)

    def remove(self, gv: GroupVersion) -> None:
        with self._lock:
            self._versions.pop(gv, None)
            self._generation += 1
            if not any(v.group == gv.group for v in self._versions):
                self._group_order.remove(gv.group)

    def replace_group(self, group: str, installed: list[APIGroupVersion]) -> None:
        """Serve exactly ``installed`` (preferred version first) for ``group``, in one step.

        Readers see the old set or the new one, never a group half gone: re-installing a
        group that a CRD write changed must not make its resources vanish for a moment.
        """
        with self._lock:
            versions = {gv: v for gv, v in self._versions.items() if gv.group != group}
            versions.update((v.group_version, v) for v in installed)
            self._versions = versions
            self._generation += 1
            if installed and group not in self._group_order:
                self._group_order.append(group)
            elif not installed and group in self._group_order:
                self._group_order.remove(group)

    def group_version(self, gv: GroupVersion) -> APIGroupVersion | None:
        return self._versions.get(gv)

    @property
    def generation(self) -> int:
        """A number that changes whenever a group-version is added or removed."""
        return self._generation

    def group_versions(self) -> list[APIGroupVersion]:
        """Every installed group-version, in installation order."""
        with self._lock:
            return list(self._versions.values())

    def _versions_of(self, group: str) -> list[GroupVersion]:
        """Versions in preference order: the order they were installed in."""
        return [gv for gv in self._versions if gv.group == group]

    # -- legacy documents ---------------------------------------------------------------------

    def api_versions(self) -> dict[str, Any]:
        return {
            "kind": "APIVersions",
            "versions": [gv.version for gv in self._versions_of("")],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": self.server_address}],
        }

    def api_group(self, group: str) -> dict[str, Any] | None:
        versions = self._versions_of(group)
        if not versions:
            return None
        return {
            "name": group,
            "versions": [_version_entry(gv) for gv in versions],
            "preferredVersion": _version_entry(versions[0]),
        }

    def api_group_list(self) -> dict[str, Any]:
        with self._lock:
            groups = [g for g in self._group_order if g]
        entries = [entry for entry in (self.api_group(g) for g in groups) if entry is not None]
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": entries}

    def api_resource_list(self, gv: GroupVersion) -> dict[str, Any] | None:
        installed = self._versions.get(gv)
        if installed is None:
            return None
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": str(gv),
            "resources": installed.api_resources,
        }

    # -- aggregated documents -----------------------------------------------------------------

    def aggregated(self, legacy_root: bool, version: str) -> dict[str, Any]:
        with self._lock:
            groups = [g for g in self._group_order if (g == "") == legacy_root]
        items = []
        for group in groups:
            versions = [self._aggregated_version(self._versions[gv]) for gv in self._versions_of(group)]
            items.append({"metadata": {"name": group}, "versions": versions})
        return {
            "kind": "APIGroupDiscoveryList",
            "apiVersion": f"{AGGREGATED_GROUP}/{version}",
            "metadata": {},
            "items": items,
        }

    def _aggregated_version(self, installed: APIGroupVersion) -> dict[str, Any]:
        gv = installed.group_version
        resources: dict[str, dict[str, Any]] = {}
        for entry in installed.api_resources:
            name, _, sub = entry["name"].partition("/")
            kind = {
                "group": entry.get("group", gv.group),
                "version": entry.get("version", gv.version),
                "kind": entry["kind"],
            }
            if not sub:
                resource: dict[str, Any] = {
                    "resource": name,
                    "responseKind": kind,
                    "scope": "Namespaced" if entry["namespaced"] else "Cluster",
                    "singularResource": entry["singularName"],
                    "verbs": entry["verbs"],
                }
                for key in ("shortNames", "categories"):
                    if key in entry:
                        resource[key] = entry[key]
                resources[name] = resource
            else:
                parent = resources.setdefault(name, {"resource": name})
                parent.setdefault("subresources", []).append(
                    {"subresource": sub, "responseKind": kind, "verbs": entry["verbs"]}
                )
        return {"version": gv.version, "resources": list(resources.values()), "freshness": "Current"}

    # -- handlers -------------------------------------------------------------------------------

    def serve_root(self, req: Request, w: ResponseWriter, legacy_root: bool) -> None:
        version = wants_aggregated(req.headers.get("Accept"))
        if version is not None:
            body = self.aggregated(legacy_root, version)
            content_type = AGGREGATED_CONTENT_TYPE.replace(";v=v2;", f";v={version};")
            write_bytes(w, 200, encode_json_body(body), content_type)
            return
        write_json(w, 200, self.api_versions() if legacy_root else self.api_group_list())
