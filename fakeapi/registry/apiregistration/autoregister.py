"""The local APIServices (kube-apiserver's aggregator.go, kube-aggregator pkg/controllers/autoregister).

A real server registers one APIService per group-version it serves itself, named
``<version>.<group>`` (``v1.`` for the core group), without a Service, labelled
``kube-aggregator.kubernetes.io/automanaged: onstart`` with the priorities of aggregator.go's
table; CRD group-versions get theirs from crdregistration_controller.go (label ``true``,
priorities 1000/100). Their status says ``Available`` with reason ``Local``.

They are made lazily: a server reset copies no APIService, and the first request for
APIServices after it (or after the served group-versions changed) creates the missing ones and
removes those whose group-version is no longer served. Servers whose tests never ask pay nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.schema import GroupVersion
from fakeapi.endpoints.discovery import DiscoveryManager
from fakeapi.endpoints.request import RequestContext, RequestInfo
from fakeapi.registry.builtin_resources import BUILTIN_RESOURCES
from fakeapi.registry.generic.store import Store, StoreWatchStream
from fakeapi.registry.rest import DeleteOptions, ListOptions, UpdatedObjectInfo, WriteOptions
from fakeapi.storage.interfaces import Object

AUTOMANAGED_LABEL = "kube-aggregator.kubernetes.io/automanaged"
_GROUP = "apiregistration.k8s.io"
_AGGREGATOR_USER_AGENT = "kube-apiserver"

# aggregator.go apiVersionPriorities / DefaultGenericAPIServicePriorities: (group minimum, version priority).
_PRIORITIES: dict[GroupVersion, tuple[int, int]] = {
    GroupVersion("", "v1"): (18000, 1),
    GroupVersion("apiregistration.k8s.io", "v1"): (18000, 15),
    GroupVersion("apps", "v1"): (17800, 15),
    GroupVersion("events.k8s.io", "v1"): (17750, 15),
    GroupVersion("authentication.k8s.io", "v1"): (17700, 15),
    GroupVersion("authorization.k8s.io", "v1"): (17600, 15),
    GroupVersion("autoscaling", "v1"): (17500, 15),
    GroupVersion("autoscaling", "v2"): (17500, 30),
    GroupVersion("batch", "v1"): (17400, 15),
    GroupVersion("certificates.k8s.io", "v1"): (17300, 15),
    GroupVersion("networking.k8s.io", "v1"): (17200, 15),
    GroupVersion("policy", "v1"): (17100, 15),
    GroupVersion("rbac.authorization.k8s.io", "v1"): (17000, 15),
    GroupVersion("storage.k8s.io", "v1"): (16800, 15),
    GroupVersion("apiextensions.k8s.io", "v1"): (16700, 15),
    GroupVersion("admissionregistration.k8s.io", "v1"): (16700, 15),
    GroupVersion("scheduling.k8s.io", "v1"): (16600, 15),
    GroupVersion("coordination.k8s.io", "v1"): (16500, 15),
    GroupVersion("node.k8s.io", "v1"): (16300, 15),
    GroupVersion("discovery.k8s.io", "v1"): (16200, 15),
    GroupVersion("flowcontrol.apiserver.k8s.io", "v1"): (16100, 21),
    # Served in process with the simulated kubelets (fakeapi.metrics), with the priorities of
    # metrics-server's own APIService manifest.
    GroupVersion("metrics.k8s.io", "v1beta1"): (100, 100),
}
# crdregistration_controller.go: "CRDs should have relatively low priority".
_CRD_PRIORITIES = (1000, 100)


def apiservice_name(gv: GroupVersion) -> str:
    """``<version>.<group>``: ``v1.apps``, and ``v1.`` for the core group."""
    return f"{gv.version}.{gv.group}"


def local_apiservice(gv: GroupVersion, builtin: bool) -> Object:
    """The APIService the autoregister controller (or the CRD registration controller) creates for ``gv``."""
    group_priority, version_priority = _PRIORITIES.get(gv, (16000, 15)) if builtin else _CRD_PRIORITIES
    return {
        "apiVersion": f"{_GROUP}/v1",
        "kind": "APIService",
        "metadata": {
            "name": apiservice_name(gv),
            "labels": {AUTOMANAGED_LABEL: "onstart" if builtin else "true"},
        },
        "spec": {
            "group": gv.group,
            "version": gv.version,
            "groupPriorityMinimum": group_priority,
            "versionPriority": version_priority,
        },
    }


def served_group_versions(discovery: DiscoveryManager) -> Callable[[], list[tuple[GroupVersion, bool]]]:
    """What ``discovery`` serves now, each group-version with whether it is built in."""
    builtin = {spec.group_version for spec in BUILTIN_RESOURCES} | set(_PRIORITIES)

    def served() -> list[tuple[GroupVersion, bool]]:
        return [
            (installed.group_version, installed.group_version in builtin) for installed in discovery.group_versions()
        ]

    return served


def _context(verb: str, name: str = "") -> RequestContext:
    from fakeapi.authentication.user import APISERVER_USER

    info = RequestInfo(
        path="",
        verb=verb,
        is_resource_request=True,
        api_prefix="apis",
        api_group=_GROUP,
        api_version="v1",
        resource="apiservices",
        name=name,
    )
    return RequestContext(info, APISERVER_USER, _AGGREGATOR_USER_AGENT)


@dataclass
class APIServiceStore(Store):
    """The APIService REST storage: every request first brings the local APIServices up to date.

    ``served`` lists the served group-versions with whether each is built in (not a CRD's);
    without it (a Store built outside a server) nothing is registered.
    """

    served: Callable[[], list[tuple[GroupVersion, bool]]] | None = None

    def _autoregister(self) -> None:
        if self.served is None:
            return
        wanted = {apiservice_name(gv): (gv, builtin) for gv, builtin in self.served()}
        stored, _ = self.storage.get_list(self.key_prefix)
        present = set()
        for obj in stored:
            meta = obj.get("metadata") or {}
            present.add(meta.get("name"))
            if meta.get("name") not in wanted and AUTOMANAGED_LABEL in (meta.get("labels") or {}):
                try:
                    super().delete(_context("delete", meta["name"]), meta["name"], DeleteOptions())
                except errors.StatusError as err:
                    if err.reason != "NotFound":
                        raise
        for name, (gv, builtin) in wanted.items():
            if name in present:
                continue
            try:
                super().create(
                    _context("create"),
                    local_apiservice(gv, builtin),
                    WriteOptions(field_manager=_AGGREGATOR_USER_AGENT),
                )
            except errors.StatusError as err:
                if err.reason != "AlreadyExists":
                    raise

    def get(self, ctx: RequestContext, name: str) -> Object:
        self._autoregister()
        return super().get(ctx, name)

    def list(self, ctx: RequestContext, options: ListOptions) -> Object:
        self._autoregister()
        return super().list(ctx, options)

    def watch(self, ctx: RequestContext, options: ListOptions) -> StoreWatchStream:
        self._autoregister()
        return super().watch(ctx, options)

    def create(self, ctx: RequestContext, obj: Object, options: WriteOptions) -> Object:
        self._autoregister()
        return super().create(ctx, obj, options)

    def update(
        self,
        ctx: RequestContext,
        name: str,
        obj_info: UpdatedObjectInfo,
        options: WriteOptions,
        *,
        force_allow_create: bool = False,
    ) -> tuple[Object, bool]:
        self._autoregister()
        return super().update(ctx, name, obj_info, options, force_allow_create=force_allow_create)
