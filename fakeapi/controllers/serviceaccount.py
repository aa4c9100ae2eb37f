"""The service-account controller: a ``default`` ServiceAccount in every active namespace.

Follows pkg/controller/serviceaccount/serviceaccounts_controller.go: a namespace is queued
when it is added or updated and when one of the ensured accounts in it is deleted; the sync
creates each missing account while the namespace is Active, and ignores the answers that mean
the namespace went away or started terminating meanwhile.
"""

from __future__ import annotations

from fakeapi.apimachinery import errors
from fakeapi.controllers.base import QueueController
from fakeapi.controllers.client import has_status_cause
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.informer import ResourceEventHandlerFuncs
from fakeapi.registry.generic.admission import NAMESPACE_TERMINATING_CAUSE
from fakeapi.storage.interfaces import Object

NAME = "serviceaccount"
SERVICE_ACCOUNT = "service-account-controller"
# ServiceAccountsControllerOptions.ServiceAccounts by default.
SERVICE_ACCOUNTS_TO_ENSURE = ("default",)
NAMESPACES_PREFIX = "namespaces"
SERVICE_ACCOUNTS_PREFIX = "serviceaccounts"


class ServiceAccountsController(QueueController[str]):
    """Keys are namespace names."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(NAME, self._sync_namespace, ctx.log)
        self._resources = ctx.resources
        self._client = ctx.client(SERVICE_ACCOUNT)
        self._namespaces = ctx.informers.lister(NAMESPACES_PREFIX)
        self._service_accounts = ctx.informers.lister(SERVICE_ACCOUNTS_PREFIX)
        ctx.informers.add_event_handler(
            NAMESPACES_PREFIX,
            ResourceEventHandlerFuncs(
                add=lambda ns: self._namespace_changed(ns, "namespace added"),
                update=lambda _, ns: self._namespace_changed(ns, "namespace updated"),
            ),
        )
        ctx.informers.add_event_handler(
            SERVICE_ACCOUNTS_PREFIX, ResourceEventHandlerFuncs(delete=self._service_account_deleted)
        )

    def _namespace_changed(self, namespace: Object, cause: str) -> None:
        self.enqueue_key((namespace.get("metadata") or {}).get("name") or "", cause=cause)

    def _service_account_deleted(self, account: Object) -> None:
        meta = account.get("metadata") or {}
        if meta.get("name") in SERVICE_ACCOUNTS_TO_ENSURE:
            self.enqueue_key(meta.get("namespace") or "", cause=f"serviceaccount {meta.get('name')} deleted")

    def _sync_namespace(self, name: str) -> None:
        namespace = self._namespaces.get("", name)
        if namespace is None or (namespace.get("status") or {}).get("phase") != "Active":
            return
        store = self._resources.by_prefix(SERVICE_ACCOUNTS_PREFIX)
        if store is None:
            return
        for account in SERVICE_ACCOUNTS_TO_ENSURE:
            if self._service_accounts.get(name, account) is not None:
                continue
            try:
                self._client.create(store.spec, name, {"metadata": {"name": account, "namespace": name}})
            except errors.StatusError as exc:
                if exc.code == 409 and exc.reason == "AlreadyExists":
                    continue
                # The namespace started terminating since we looked: nothing to ensure any more.
                if not has_status_cause(exc, NAMESPACE_TERMINATING_CAUSE):
                    raise
