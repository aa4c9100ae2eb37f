"""Pod garbage collection: pods that no kubelet will ever finish, deleted.

Follows pkg/controller/podgc/gc_controller.go. Upstream gc() runs every 20 seconds over all
pods; here it runs whenever a pod or a node changes (one key, so one pass per settle):

- gcTerminated: finished pods (Succeeded, Failed) above ``terminated_pod_threshold``
  (--terminated-pod-gc-threshold, 12500) are deleted, evicted ones first, then oldest first;
- gcOrphaned: pods bound to a node that does not exist are marked Failed with the
  DisruptionTarget condition (reason DeletionByPodGC) and force-deleted;
- gcUnscheduledTerminating: terminating pods never bound to a node are marked Failed and
  force-deleted, since no kubelet will confirm their deletion.

Upstream waits 40 s (quarantineTime) and asks the API server again before deleting an
orphan, because its node informer may lag; the listers here read the storage, so a missing
node is missing, and the pods go at once.
"""

from __future__ import annotations

from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.controllers.base import QueueController, retry_on_conflict
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.controller_utils import (
    PODS_PREFIX,
    is_pod_terminal,
    meta,
    spec_of,
    status_of,
)
from fakeapi.storage.interfaces import Event, Object
from fakeapi.util.clock import now_rfc3339

NAME = "podgc"
SERVICE_ACCOUNT = "pod-garbage-collector"
NODES_PREFIX = "nodes"
# --terminated-pod-gc-threshold default.
TERMINATED_POD_GC_THRESHOLD = 12500
# v1.DisruptionTarget and the reason and message podgc gives it for a pod whose node is gone.
DISRUPTION_TARGET = "DisruptionTarget"
DELETION_BY_POD_GC = "DeletionByPodGC"
NODE_GONE_MESSAGE = "PodGC: node no longer exists"
MAX_CONFLICT_RETRIES = 5


class PodGCController(QueueController[str]):
    """A single key: every pass looks at all pods."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(NAME, self._gc, ctx.log)
        self._ctx = ctx
        self._client = ctx.client(SERVICE_ACCOUNT)
        self._pods = ctx.informers.lister(PODS_PREFIX)
        self._nodes = ctx.informers.lister(NODES_PREFIX)
        #: Finished pods kept before the oldest are deleted; zero or less keeps them all.
        self.terminated_pod_threshold = TERMINATED_POD_GC_THRESHOLD
        for prefix in (PODS_PREFIX, NODES_PREFIX):
            ctx.informers.add_event_handler(prefix, self._changed)

    def _changed(self, event: Event) -> None:
        self.enqueue_key(self.default_key, cause=f"{event.key.prefix} {event.type.lower()}")

    def _gc(self, _: str) -> None:
        pods = self._pods.list()
        self._gc_terminated(pods)
        self._gc_orphaned(pods)
        self._gc_unscheduled_terminating(pods)

    def _gc_terminated(self, pods: list[Object]) -> None:
        if self.terminated_pod_threshold <= 0:
            return
        terminated = [p for p in pods if is_pod_terminal(p)]
        excess = len(terminated) - self.terminated_pod_threshold
        if excess <= 0:
            return
        # byEvictionAndCreationTimestamp: evicted pods first, then the oldest.
        terminated.sort(
            key=lambda p: (
                status_of(p).get("reason") != "Evicted",
                meta(p).get("creationTimestamp") or "",
                meta(p).get("namespace") or "",
                meta(p)["name"],
            )
        )
        for pod in terminated[:excess]:
            self._mark_failed_and_delete(pod)

    def _gc_orphaned(self, pods: list[Object]) -> None:
        for pod in pods:
            node = spec_of(pod).get("nodeName")
            if not node or self._nodes.get("", node) is not None:
                continue
            condition = {
                "type": DISRUPTION_TARGET,
                "status": "True",
                "reason": DELETION_BY_POD_GC,
                "message": NODE_GONE_MESSAGE,
            }
            self._mark_failed_and_delete(pod, condition)

    def _gc_unscheduled_terminating(self, pods: list[Object]) -> None:
        for pod in pods:
            if meta(pod).get("deletionTimestamp") and not spec_of(pod).get("nodeName"):
                self._mark_failed_and_delete(pod)

    def _mark_failed_and_delete(self, pod: Object, condition: dict[str, Any] | None = None) -> None:
        """markFailedAndDeletePodWithCondition: phase Failed (and the condition) first, then a delete with grace 0."""
        pod_meta = meta(pod)
        namespace, name = pod_meta.get("namespace") or "", pod_meta["name"]
        pods = self._ctx.spec(PODS_PREFIX)
        if not is_pod_terminal(pod):

            def mark_failed() -> None:
                current = self._pods.get(namespace, name)
                if current is None or meta(current).get("uid") != pod_meta.get("uid"):
                    return
                status = dict(status_of(current))
                status["phase"] = "Failed"
                if condition is not None:
                    conditions = [c for c in status.get("conditions") or [] if c.get("type") != condition["type"]]
                    status["conditions"] = [*conditions, {**condition, "lastTransitionTime": now_rfc3339()}]
                self._client.update(pods, {"apiVersion": "v1", "kind": "Pod", **current, "status": status}, "status")

            retry_on_conflict(MAX_CONFLICT_RETRIES, mark_failed, f"pod {namespace}/{name} kept conflicting")
        if pod_meta.get("deletionTimestamp") and pod_meta.get("deletionGracePeriodSeconds") == 0:
            return  # already force-deleted; only finalizers hold it
        try:
            self._client.delete(pods, namespace, name, uid=pod_meta.get("uid"), grace_period_seconds=0)
        except errors.StatusError as exc:
            if exc.code not in (404, 409):
                raise
