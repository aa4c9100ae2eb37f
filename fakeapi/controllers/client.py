"""What a built-in controller talks to: a loopback client and the server's resources.

Upstream controllers reach the API server over HTTPS with a clientset (typed, dynamic or
metadata-only) and map kinds to resources with a discovery-backed RESTMapper. Here
:class:`LoopbackClient` sends the same requests through the server's handler chain without a
socket (``FakeAPIServer.request``), so every write passes defaulting, validation, admission and
the generic Store exactly as a client's would, and :class:`ResourceCatalog` reads the server's
discovery at call time, so resources installed later (custom resources) are seen at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Protocol
from urllib.parse import quote, urlencode

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.schema import GroupVersion
from fakeapi.endpoints.discovery import DiscoveryManager
from fakeapi.registry.generic.store import Store
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.storage.interfaces import Object

MERGE_PATCH = "application/merge-patch+json"
# kube-controller-manager's clients append the controller's identity to client-go's default agent.
USER_AGENT_PREFIX = "kube-controller-manager/v1.37.0 (linux/amd64) kubernetes/0000000"


class LoopbackResponse(Protocol):
    status: int
    body: bytes


class RequestFunc(Protocol):
    """FakeAPIServer.request."""

    def __call__(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: str = "",
        headers: dict[str, str] | None = None,
    ) -> LoopbackResponse: ...


def resource_path(spec: ResourceSpec, namespace: str, name: str = "", subresource: str = "") -> str:
    """The URL path of a collection, an object or a subresource of it."""
    root = f"/apis/{spec.group}/{spec.version}" if spec.group else f"/api/{spec.version}"
    path = f"{root}/namespaces/{quote(namespace)}/{spec.resource}" if spec.namespaced else f"{root}/{spec.resource}"
    if name:
        path += "/" + quote(name)
    if subresource:
        path += "/" + subresource
    return path


def has_status_cause(err: errors.StatusError, cause: str) -> bool:
    """apierrors.HasStatusCause."""
    return any(c.get("reason") == cause for c in err.details.get("causes") or [])


class LoopbackClient:
    """Requests as one controller, through the server's handler chain; failures raise StatusError."""

    def __init__(self, request: RequestFunc, controller: str) -> None:
        self._request = request
        self.user_agent = f"{USER_AGENT_PREFIX}/system:serviceaccount:kube-system:{controller}"

    def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: dict[str, str] | None = None,
        content_type: str = "",
    ) -> Object:
        headers = {"User-Agent": self.user_agent}
        if content_type:
            headers["Content-Type"] = content_type
        response = self._request(method, path, body, query=urlencode(query or {}), headers=headers)
        result: Object = json.loads(response.body) if response.body else {}
        if response.status >= 400:
            raise errors.StatusError(
                response.status, result.get("reason", ""), result.get("message", ""), result.get("details")
            )
        return result

    def get(self, spec: ResourceSpec, namespace: str, name: str, subresource: str = "") -> Object:
        return self._call("GET", resource_path(spec, namespace, name, subresource))

    def get_path(self, path: str, query: dict[str, str] | None = None) -> Object:
        """GET any path (an API without a Store here, as metrics.k8s.io)."""
        return self._call("GET", path, query=query)

    def create(
        self, spec: ResourceSpec, namespace: str, obj: Object, *, name: str = "", subresource: str = ""
    ) -> Object:
        """POST the object to the collection, or to a subresource of ``name`` (a pod's binding or eviction)."""
        body = {"apiVersion": spec.gvk.api_version, "kind": spec.kind, **obj}
        return self._call("POST", resource_path(spec, namespace, name, subresource), body)

    def update(self, spec: ResourceSpec, obj: Object, subresource: str = "") -> Object:
        meta = obj.get("metadata") or {}
        path = resource_path(spec, meta.get("namespace") or "", meta["name"], subresource)
        return self._call("PUT", path, obj)

    def merge_patch(self, spec: ResourceSpec, namespace: str, name: str, patch: Object) -> Object:
        return self._call(
            "PATCH", resource_path(spec, namespace, name), json.dumps(patch).encode(), content_type=MERGE_PATCH
        )

    def delete(
        self,
        spec: ResourceSpec,
        namespace: str,
        name: str,
        *,
        propagation_policy: str | None = None,
        uid: str | None = None,
        grace_period_seconds: int | None = None,
    ) -> None:
        options: Object = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if propagation_policy is not None:
            options["propagationPolicy"] = propagation_policy
        if grace_period_seconds is not None:
            options["gracePeriodSeconds"] = grace_period_seconds
        if uid is not None:
            options["preconditions"] = {"uid": uid}
        self._call("DELETE", resource_path(spec, namespace, name), options)

    def delete_collection(self, spec: ResourceSpec, namespace: str, *, propagation_policy: str) -> None:
        options = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": propagation_policy}
        self._call("DELETE", resource_path(spec, namespace), options)


class ResourceCatalog:
    """The served resources, as discovery and a RESTMapper report them.

    Everything installed in the server's discovery counts, including custom resources
    installed and removed at run time; a resource is represented by the Store of its
    preferred version (the order discovery lists versions in). Lookups go through an index
    that is rebuilt whenever it misses or names a Store that is no longer served.
    """

    def __init__(self, discovery: DiscoveryManager) -> None:
        self._discovery = discovery
        self._by_prefix: dict[str, Store] = {}
        self._by_kind: dict[tuple[GroupVersion, str], Store] = {}

    def served(self) -> Iterator[Store]:
        """The Store of every served resource (no subresources), preferred versions first."""
        group_versions = [GroupVersion("", version) for version in self._discovery.api_versions()["versions"]]
        for group in self._discovery.api_group_list()["groups"]:
            group_versions += [GroupVersion(group["name"], v["version"]) for v in group["versions"]]
        for gv in group_versions:
            installed = self._discovery.group_version(gv)
            if installed is None:
                continue  # removed since the list was made
            for key, resource in list(installed.resources.items()):
                if "/" not in key and isinstance(resource.scope.storage, Store):
                    yield resource.scope.storage

    def by_prefix(self, prefix: str) -> Store | None:
        """The Store that keeps objects under a storage prefix."""
        store = self._by_prefix.get(prefix)
        if store is None or not self._still_served(store):
            self._reindex()
            store = self._by_prefix.get(prefix)
        return store

    def by_kind(self, api_version: str, kind: str) -> Store | None:
        """RESTMapping: the Store serving ``kind`` in exactly that group-version."""
        key = (GroupVersion.parse(api_version), kind)
        store = self._by_kind.get(key)
        if store is None or not self._still_served(store):
            self._reindex()
            store = self._by_kind.get(key)
        return store

    def namespaced_deletable(self) -> list[Store]:
        """One Store per storage prefix of every namespaced resource that can be listed and deleted."""
        seen: set[str] = set()
        result = []
        for store in self.served():
            spec = store.spec
            if not spec.namespaced or "delete" not in spec.verbs or "list" not in spec.verbs:
                continue
            if store.key_prefix not in seen:
                seen.add(store.key_prefix)
                result.append(store)
        return result

    def _still_served(self, store: Store) -> bool:
        installed = self._discovery.group_version(store.spec.group_version)
        resource = None if installed is None else installed.resources.get(store.spec.resource)
        return resource is not None and resource.scope.storage is store

    def _reindex(self) -> None:
        by_prefix: dict[str, Store] = {}
        by_kind: dict[tuple[GroupVersion, str], Store] = {}
        for store in self.served():
            by_prefix.setdefault(store.key_prefix, store)
            by_kind.setdefault((store.spec.group_version, store.spec.kind), store)
        # Swapped whole, so a reader in another worker sees the old index or the new one.
        self._by_prefix, self._by_kind = by_prefix, by_kind
