"""The disruption controller: the status of every PodDisruptionBudget, which evictions read.

Follows pkg/controller/disruption/disruption.go. A budget is queued when it changes and when a
pod its selector matches changes. The sync counts the matching pods: ``expectedPods`` (the
pods, or with maxUnavailable or a percentage minAvailable the scale of the pods' controllers
as getExpectedScale finds it: a ReplicaSet, the Deployment above it, a ReplicationController,
a StatefulSet, or any controller with ``spec.replicas``), ``desiredHealthy`` (percentages
rounded up), ``currentHealthy`` (Ready pods not being deleted and not recently evicted), and
``disruptionsAllowed``; ``disruptedPods`` keeps the evictions the API server granted until the
pod goes or DeletionTimeout (two minutes) passes, when the budget is looked at again. The
DisruptionAllowed condition says SufficientPods or InsufficientPods; a pod whose controller
cannot be found makes the sync fail safe: no disruption allowed, reason SyncFailed.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from fakeapi.apimachinery.labels import LabelSelector, SelectorParseError, selector_from_label_selector_dict
from fakeapi.controllers.base import QueueController, retry_on_conflict
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.controller_utils import (
    PODS_PREFIX,
    controller_ref,
    is_pod_ready,
    meta,
    spec_of,
    status_of,
)
from fakeapi.controllers.informer import ResourceEventHandlerFuncs
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import parse_time, utc_now
from fakeapi.util.poddisruptionbudget import (
    DISRUPTION_ALLOWED,
    SYNC_FAILED,
    set_status_condition,
    update_disruption_allowed_condition,
)

NAME = "disruption"
SERVICE_ACCOUNT = "disruption-controller"
BUDGETS_PREFIX = "policy/poddisruptionbudgets"
# DeletionTimeout: how long an eviction the API server granted keeps its pod out of the healthy count.
DELETION_TIMEOUT = timedelta(minutes=2)
MAX_CONFLICT_RETRIES = 5

BudgetKey = tuple[str, str]


class SyncFailed(Exception):
    """What getExpectedScale reports when a pod's controller cannot be found (the message is upstream's)."""


def scaled_value(value: int | str, total: int) -> int:
    """intstr.GetScaledValueFromIntOrPercent with roundUp, as the controller calls it for both fields."""
    if isinstance(value, int):
        return value
    if value.endswith("%"):
        return math.ceil(int(value[:-1]) * total / 100)
    return int(value)


class DisruptionController(QueueController[BudgetKey]):
    """Keys are (namespace, name) of PodDisruptionBudgets."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(NAME, self._sync_budget, ctx.log)
        self._ctx = ctx
        self._client = ctx.client(SERVICE_ACCOUNT)
        self._budgets = ctx.informers.lister(BUDGETS_PREFIX)
        self._pods = ctx.informers.lister(PODS_PREFIX)
        ctx.informers.add_event_handler(
            BUDGETS_PREFIX,
            ResourceEventHandlerFuncs(
                add=lambda pdb: self._enqueue_budget(pdb, "pdb added"),
                update=lambda _, pdb: self._enqueue_budget(pdb, "pdb updated"),
                delete=lambda pdb: self._enqueue_budget(pdb, "pdb deleted"),
            ),
        )
        ctx.informers.add_event_handler(
            PODS_PREFIX,
            ResourceEventHandlerFuncs(
                add=lambda pod: self._pod_changed(pod, "pod added"),
                update=lambda old, pod: self._pod_changed(old, "pod updated", pod),
                delete=lambda pod: self._pod_changed(pod, "pod deleted"),
            ),
        )

    def _enqueue_budget(self, budget: Object, cause: str) -> None:
        self.enqueue_key((meta(budget).get("namespace") or "", meta(budget)["name"]), cause=cause)

    def _pod_changed(self, pod: Object, cause: str, updated: Object | None = None) -> None:
        """getPdbForPod: the budgets whose selector matches the pod's labels (before and after an update)."""
        label_sets = [meta(p).get("labels") or {} for p in (pod, updated) if p is not None]
        for budget in self._budgets.list(meta(pod).get("namespace") or ""):
            if any(_selector(budget).matches(labels) for labels in label_sets):
                self._enqueue_budget(budget, cause)

    # -- sync -----------------------------------------------------------------------------------

    def _sync_budget(self, key: BudgetKey) -> None:
        retry_on_conflict(
            MAX_CONFLICT_RETRIES, lambda: self._try_sync(key), f"poddisruptionbudget {key[0]}/{key[1]} kept conflicting"
        )

    def _try_sync(self, key: BudgetKey) -> None:
        budget = self._budgets.get(*key)
        if budget is None:
            return
        selector = _selector(budget)
        pods = [p for p in self._pods.list(key[0]) if selector.matches(meta(p).get("labels") or {})]
        try:
            expected, desired_healthy = self._expected_pod_count(budget, pods)
        except SyncFailed as failure:
            self._fail_safe(budget, str(failure))
            return
        now = utc_now()
        disrupted, recheck = _disrupted_pod_map(pods, budget, now)
        current_healthy = sum(
            1
            for pod in pods
            if not meta(pod).get("deletionTimestamp") and meta(pod)["name"] not in disrupted and is_pod_ready(pod)
        )
        self._update_status(budget, current_healthy, desired_healthy, expected, disrupted)
        if recheck is not None:
            self.enqueue_after(key, (recheck - now).total_seconds(), cause="disrupted pod not deleted yet")

    def _expected_pod_count(self, budget: Object, pods: list[Object]) -> tuple[int, int]:
        """getExpectedPodCount: (expectedPods, desiredHealthy)."""
        spec = spec_of(budget)
        if spec.get("maxUnavailable") is not None:
            expected = self._expected_scale(pods)
            desired = expected - scaled_value(spec["maxUnavailable"], expected)
            return expected, max(desired, 0)
        min_available = spec.get("minAvailable")
        if isinstance(min_available, int):
            return len(pods), min_available
        if min_available is not None:
            expected = self._expected_scale(pods)
            return expected, scaled_value(min_available, expected)
        return 0, 0

    def _expected_scale(self, pods: list[Object]) -> int:
        """getExpectedScale: the summed spec.replicas of the pods' controllers; unmanaged pods count for nothing."""
        scales: dict[str, int] = {}
        for pod in pods:
            ref = controller_ref(pod)
            if ref is None:
                continue
            found = self._scale_of(meta(pod).get("namespace") or "", ref)
            if found is None:
                raise SyncFailed(f'found no controllers for pod "{meta(pod)["name"]}"')
            uid, replicas = found
            scales[uid] = replicas
        return sum(scales.values())

    def _scale_of(self, namespace: str, ref: dict[str, Any]) -> tuple[str, int] | None:
        """The finders: the controller the reference names (the Deployment above a ReplicaSet), by uid, and its scale."""
        owner = self._get_owner(namespace, ref)
        if owner is None:
            return None
        if ref.get("kind") == "ReplicaSet":
            above = controller_ref(owner)
            if above is not None and above.get("kind") == "Deployment":
                deployment = self._get_owner(namespace, above)
                return None if deployment is None else self._scale(deployment)
        return self._scale(owner)

    def _get_owner(self, namespace: str, ref: dict[str, Any]) -> Object | None:
        store = self._ctx.resources.by_kind(ref.get("apiVersion") or "", ref.get("kind") or "")
        if store is None:
            return None
        owner = self._ctx.informers.lister(store.key_prefix).get(namespace, ref.get("name") or "")
        if owner is None or meta(owner).get("uid") != ref.get("uid"):
            return None
        return owner

    @staticmethod
    def _scale(owner: Object) -> tuple[str, int]:
        replicas = spec_of(owner).get("replicas")
        return meta(owner)["uid"], 1 if replicas is None else int(replicas)

    # -- writes -----------------------------------------------------------------------------------

    def _update_status(
        self, budget: Object, current_healthy: int, desired_healthy: int, expected: int, disrupted: dict[str, str]
    ) -> None:
        """updatePdbStatus: written only when a count, the disrupted pods or the condition is out of date."""
        allowed = current_healthy - desired_healthy
        if expected <= 0 or allowed <= 0:
            allowed = 0
        generation = int(meta(budget).get("generation") or 0)
        status: dict[str, Any] = {}
        if disrupted:
            status["disruptedPods"] = disrupted
        status.update(
            conditions=list(status_of(budget).get("conditions") or []),
            disruptionsAllowed=allowed,
            currentHealthy=current_healthy,
            desiredHealthy=desired_healthy,
            expectedPods=expected,
            observedGeneration=generation,
        )
        update_disruption_allowed_condition(status)
        self._write_status(budget, status)

    def _fail_safe(self, budget: Object, message: str) -> None:
        """failSafe: allow no disruption and say why, keeping the other counts."""
        status = {**status_of(budget), "disruptionsAllowed": 0}
        status["conditions"] = set_status_condition(
            list(status.get("conditions") or []),
            {
                "type": DISRUPTION_ALLOWED,
                "status": "False",
                "reason": SYNC_FAILED,
                "message": message,
                "observedGeneration": status.get("observedGeneration") or 0,
            },
        )
        self._write_status(budget, status)

    def _write_status(self, budget: Object, status: dict[str, Any]) -> None:
        if status == status_of(budget):
            return
        updated = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", **budget, "status": status}
        self._client.update(self._ctx.spec(BUDGETS_PREFIX), updated, subresource="status")


def _selector(budget: Object) -> LabelSelector:
    """The budget's selector; an invalid one selects nothing."""
    try:
        return selector_from_label_selector_dict(spec_of(budget).get("selector"))
    except SelectorParseError:
        return selector_from_label_selector_dict(None)


def _disrupted_pod_map(pods: list[Object], budget: Object, now: datetime) -> tuple[dict[str, str], datetime | None]:
    """buildDisruptedPodMap: granted evictions of pods still here and not yet deleting, until DeletionTimeout.

    Returns the map and the earliest time an entry expires (when to look again), or None.
    """
    granted: dict[str, str] = status_of(budget).get("disruptedPods") or {}
    result: dict[str, str] = {}
    recheck: datetime | None = None
    for pod in pods:
        name = meta(pod)["name"]
        if meta(pod).get("deletionTimestamp") or name not in granted:
            continue
        expires = parse_time(granted[name]) + DELETION_TIMEOUT
        if expires < now:
            continue  # the eviction was granted but the pod never went: count it again
        recheck = expires if recheck is None or expires < recheck else recheck
        result[name] = granted[name]
    return result, recheck
