"""The taint eviction controller (pkg/controller/tainteviction/taint_eviction.go).

A pod on a node with NoExecute taints is deleted at once when it does not tolerate one of them,
after the shortest ``tolerationSeconds`` of the tolerations it uses when they are bounded, and
never when they are not (``processPodOnNode``, ``getMinTolerationTime``). Every pod gets 300 s
for ``not-ready`` and ``unreachable`` from the DefaultTolerationSeconds admission plugin, so a
Deployment's pods leave a node that went NotReady five minutes later, and its ReplicaSet makes
new ones, which the scheduler puts on nodes without the taint.

Before deleting, the pod gets the ``DisruptionTarget`` condition (``DeletionByTaintManager``,
``Taint manager: deleting due to NoExecute taint``), and an event ``TaintManagerEviction``
(``Marking for deletion Pod <namespace>/<name>``) is recorded. The delay counts from the taint's
``timeAdded`` (upstream counts from when the controller saw it, which is the same moment here).
"""

from __future__ import annotations

import math

from fakeapi.apimachinery import errors
from fakeapi.controllers.base import QueueController, retry_on_conflict
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.controller_utils import PODS_PREFIX, is_pod_terminal, meta, spec_of, status_of
from fakeapi.controllers.informer import ResourceEventHandlerFuncs
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import format_time, parse_time, utc_now
from fakeapi.util.nodeaffinity import tolerates_taint

NAME = "taint-eviction-controller"
SERVICE_ACCOUNT = "taint-eviction-controller"
NODES_PREFIX = "nodes"
DISRUPTION_TARGET = "DisruptionTarget"
DELETION_BY_TAINT_MANAGER = "DeletionByTaintManager"
EVICTION_MESSAGE = "Taint manager: deleting due to NoExecute taint"
EVICTION_REASON = "TaintManagerEviction"
MAX_CONFLICT_RETRIES = 5

Key = tuple[str, ...]


def min_toleration_seconds(tolerations: list[Object], taints: list[Object]) -> float | None:
    """How long the pod may stay: 0 when a taint is not tolerated, the shortest bounded tolerationSeconds of the
    tolerations it uses (getMatchingTolerations, getMinTolerationTime), or None when they tolerate forever."""
    used = []
    for taint in taints:
        toleration = next((t for t in tolerations if tolerates_taint(t, taint)), None)
        if toleration is None:
            return 0.0
        used.append(toleration)
    bounded = [max(float(t["tolerationSeconds"]), 0.0) for t in used if t.get("tolerationSeconds") is not None]
    return min(bounded) if bounded else None


class TaintEvictionController(QueueController[Key]):
    """Deletes pods from nodes with NoExecute taints they do not (or no longer) tolerate."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(NAME, self._sync, ctx.log)
        self._ctx = ctx
        self._client = ctx.client(SERVICE_ACCOUNT)
        self._recorder = ctx.recorder(self._client, NAME)
        self._nodes = ctx.informers.lister(NODES_PREFIX)
        self._pods = ctx.informers.lister(PODS_PREFIX)
        ctx.informers.add_event_handler(
            PODS_PREFIX, ResourceEventHandlerFuncs(add=self._pod_changed, update=lambda _, new: self._pod_changed(new))
        )
        ctx.informers.add_event_handler(
            NODES_PREFIX,
            ResourceEventHandlerFuncs(add=self._node_changed, update=lambda _, new: self._node_changed(new)),
        )

    def _pod_changed(self, pod: Object) -> None:
        if spec_of(pod).get("nodeName"):
            self.enqueue_key(("pod", meta(pod).get("namespace") or "", meta(pod)["name"]), cause="pod changed")

    def _node_changed(self, node: Object) -> None:
        if any(t.get("effect") == "NoExecute" for t in spec_of(node).get("taints") or []):
            self.enqueue_key(("node", meta(node)["name"]), cause="node tainted")

    def _sync(self, key: Key) -> None:
        if key[0] == "node":
            for pod in self._pods.list():
                if spec_of(pod).get("nodeName") == key[1]:
                    self._sync_pod(pod)
            return
        current = self._pods.get(key[1], key[2])
        if current is not None:
            self._sync_pod(current)

    def _sync_pod(self, pod: Object) -> None:
        if meta(pod).get("deletionTimestamp") or is_pod_terminal(pod):
            return
        node = self._nodes.get("", spec_of(pod).get("nodeName") or "")
        taints = [t for t in spec_of(node or {}).get("taints") or [] if t.get("effect") == "NoExecute"]
        if not taints:
            return
        seconds = min_toleration_seconds(spec_of(pod).get("tolerations") or [], taints)
        if seconds is None:
            return
        added = [parse_time(t["timeAdded"]).timestamp() for t in taints if t.get("timeAdded")]
        now = utc_now().timestamp()
        remaining = (min(added, default=now) + seconds) - now
        if remaining > 0 and not math.isinf(remaining):
            self.enqueue_after(("pod", meta(pod).get("namespace") or "", meta(pod)["name"]), remaining, "toleration")
            return
        self._evict(pod)

    def _evict(self, pod: Object) -> None:
        """addConditionAndDeletePod: the DisruptionTarget condition first, then an ordinary (graceful) delete."""
        namespace, name, uid = meta(pod).get("namespace") or "", meta(pod)["name"], meta(pod).get("uid")
        pods = self._ctx.spec(PODS_PREFIX)
        self._recorder.event(pod, "Normal", EVICTION_REASON, f"Marking for deletion Pod {namespace}/{name}")

        def add_condition() -> None:
            current = self._pods.get(namespace, name)
            if current is None or meta(current).get("uid") != uid:
                return
            conditions = [c for c in status_of(current).get("conditions") or [] if c.get("type") != DISRUPTION_TARGET]
            target = {
                "type": DISRUPTION_TARGET,
                "status": "True",
                "reason": DELETION_BY_TAINT_MANAGER,
                "message": EVICTION_MESSAGE,
                "lastTransitionTime": format_time(utc_now()),
            }
            status = {**status_of(current), "conditions": [*conditions, target]}
            self._client.update(pods, {"apiVersion": "v1", "kind": "Pod", **current, "status": status}, "status")

        retry_on_conflict(MAX_CONFLICT_RETRIES, add_condition, f"pod {namespace}/{name} kept conflicting")
        try:
            self._client.delete(pods, namespace, name, uid=uid)
        except errors.StatusError as exc:
            if exc.code not in (404, 409):
                raise
