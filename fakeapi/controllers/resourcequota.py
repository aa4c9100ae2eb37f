"""The resource quota controller (pkg/controller/resourcequota/resource_quota_controller.go).

Each ResourceQuota's status follows its spec and its namespace: ``status.hard`` is ``spec.hard``
and ``status.used`` what the namespace's objects use of each limited resource (zero when nothing
does; pods only if the quota's scopes and scope selector select them), as ``syncResourceQuota`` computes it with the evaluators of ``fakeapi.quota.evaluator``.
A quota is synced when it is created or its limits change, and every quota of a namespace that
limits a resource when an object of that resource is created, changed or deleted there (upstream
replenishes on deletes and updates, and admission charges creates; recomputing on creates too
gives the same numbers).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.quantity import format_quantity
from fakeapi.controllers.base import QueueController
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.controller_utils import meta, spec_of, status_of
from fakeapi.controllers.informer import ResourceEventHandlerFuncs
from fakeapi.quota.evaluator import is_binary, pod_matches_quota_scopes, resource_for, total_usage
from fakeapi.storage.interfaces import Event, Object

NAME = "resourcequota"
SERVICE_ACCOUNT = "resourcequota-controller"
QUOTAS = "resourcequotas"

Key = tuple[str, str]


def used_status(hard: dict[str, Any], usage: dict[str, Fraction]) -> dict[str, str]:
    """status.used: every limited resource, formatted as its limit is written (keys sorted, as Go writes a map)."""
    return {name: format_quantity(usage.get(name, Fraction(0)), binary=is_binary(name, hard)) for name in sorted(hard)}


class ResourceQuotaController(QueueController[Key]):
    """Keys are (namespace, name) of ResourceQuotas."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(NAME, self._sync_quota, ctx.log)
        self._ctx = ctx
        self._client = ctx.client(SERVICE_ACCOUNT)
        self._quotas = ctx.informers.lister(QUOTAS)
        ctx.informers.add_event_handler(
            QUOTAS, ResourceEventHandlerFuncs(add=self._quota_changed, update=lambda _, new: self._quota_changed(new))
        )
        ctx.informers.add_event_handler_for_every_resource(self._replenish)

    def _quota_changed(self, quota: Object) -> None:
        """addQuota: a quota whose status does not show its limits yet."""
        if spec_of(quota).get("hard") != status_of(quota).get("hard"):
            self.enqueue_key((meta(quota).get("namespace") or "", meta(quota)["name"]), cause="quota limits changed")

    def _replenish(self, event: Event) -> None:
        """The quotas of the namespace that limit what changed (the replenishment controllers)."""
        namespace = event.key.namespace
        if not namespace or event.key.prefix == QUOTAS:
            return
        quotas = self._quotas.list(namespace)
        if not quotas:
            return
        store = self._ctx.resources.by_prefix(event.key.prefix)
        if store is None:
            return
        counted = (store.spec.group, store.spec.resource)
        for quota in quotas:
            if any(resource_for(name) == counted for name in spec_of(quota).get("hard") or {}):
                self.enqueue_key((namespace, meta(quota)["name"]), cause=f"{event.type} {store.spec.resource}")

    def _sync_quota(self, key: Key) -> None:
        """syncResourceQuota: recompute the usage of every limited resource and write the status if it changed."""
        namespace, name = key
        quota = self._quotas.get(namespace, name)
        if quota is None or meta(quota).get("deletionTimestamp"):
            return
        hard: dict[str, Any] = dict(spec_of(quota).get("hard") or {})
        usage: dict[str, Fraction] = {}
        for group, resource in {r for r in map(resource_for, hard) if r is not None}:
            store = self._ctx.resources.by_prefix(resource if not group else f"{group}/{resource}")
            if store is None:
                continue
            objects = self._ctx.informers.lister(store.key_prefix).list(namespace)
            if (group, resource) == ("", "pods"):
                objects = [pod for pod in objects if pod_matches_quota_scopes(quota, pod)]
            usage.update(total_usage(group, resource, objects))
        status = {"hard": dict(sorted(hard.items())), "used": used_status(hard, usage)}
        if status_of(quota) == status:
            return
        try:
            self._client.update(self._ctx.spec(QUOTAS), {**quota, "status": status}, "status")
        except errors.StatusError as exc:
            if exc.code == 409:
                self.enqueue_key(key, cause="conflict")
            elif exc.code != 404:
                raise
