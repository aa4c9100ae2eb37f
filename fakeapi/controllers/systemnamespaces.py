"""kube-apiserver's system namespaces controller (pkg/controlplane/controller/systemnamespaces).

kube-system, kube-public and kube-node-lease exist on every cluster: the API server creates
them at start and every minute after, so one that is deleted comes back. NamespaceLifecycle
keeps the first two from being deleted; kube-node-lease can be, by a cleanup such as
``kubectl delete namespace --all``, and without it no kubelet can renew its Lease, so every
node goes NotReady for good.

Upstream looks every minute whatever happens; here the look is queued when a system namespace is
deleted, for a minute of server time later, the longest upstream can take.
"""

from __future__ import annotations

from fakeapi.apimachinery import errors
from fakeapi.controllers.base import QueueController
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.informer import ResourceEventHandlerFuncs
from fakeapi.storage.interfaces import Object

NAME = "system-namespaces-controller"
SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")
SYNC_INTERVAL_SECONDS = 60.0
NAMESPACES_PREFIX = "namespaces"


class SystemNamespacesController(QueueController[str]):
    """Keys are namespace names."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(NAME, self._sync, ctx.log)
        self._client = ctx.client(NAME)
        self._spec = lambda: ctx.spec(NAMESPACES_PREFIX)
        self._namespaces = ctx.informers.lister(NAMESPACES_PREFIX)
        ctx.informers.add_event_handler(NAMESPACES_PREFIX, ResourceEventHandlerFuncs(delete=self._deleted))

    def _deleted(self, namespace: Object) -> None:
        name = (namespace.get("metadata") or {}).get("name") or ""
        if name in SYSTEM_NAMESPACES:
            self.enqueue_after(name, SYNC_INTERVAL_SECONDS, cause="system namespace deleted")

    def _sync(self, name: str) -> None:
        if self._namespaces.get("", name) is not None:
            return
        try:
            self._client.create(self._spec(), "", {"metadata": {"name": name}})
        except errors.StatusError as err:
            if err.reason != "AlreadyExists":
                raise
