"""The node lifecycle controller (pkg/controller/nodelifecycle/node_lifecycle_controller.go).

For each node it watches the kubelet's heartbeats (the node Lease's renewTime and the Ready
condition's lastHeartbeatTime). When neither moved for ``nodeMonitorGracePeriod``
(``tryUpdateNodeHealth``), it sets the node's Ready, MemoryPressure, DiskPressure and PIDPressure
conditions to Unknown (``NodeStatusUnknown``, ``Kubelet stopped posting node status.``) and marks
the node's pods not ready (``nodeutil.MarkPodsNotReady``), so Services stop routing to them.

It keeps the node's condition taints in step with its Ready condition (``doNoExecuteTaintingPass``
and ``doNoScheduleTaintingPass``): Ready False gives ``node.kubernetes.io/not-ready``, Unknown
``node.kubernetes.io/unreachable``, both with the NoExecute effect (stamped with ``timeAdded``)
and the NoSchedule one; ``spec.unschedulable`` (``kubectl cordon``) gives
``node.kubernetes.io/unschedulable:NoSchedule``. Evicting the pods that do not tolerate a
NoExecute taint is the taint eviction controller's work (``fakeapi.controllers.tainteviction``).

Upstream monitors every node each ``nodeMonitorPeriod`` (5 s). Here each node is looked at when
it or its Lease changes, and once more at the moment its grace period would run out, which gives
the same transitions at the same moments without a heartbeat of its own. That look is periodic
work (``enqueue_after(periodic=True)``): a jump of the server clock does not stop for it while the
kubelet renews its Lease; a kubelet that a test stops queues the moment its Lease goes stale as
ordinary work, so a jump stops there (``fakeapi.kubelet.kubelet``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fakeapi.controllers.base import QueueController, retry_on_conflict
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.controller_utils import PODS_PREFIX, is_pod_terminal, meta, spec_of, status_of
from fakeapi.controllers.informer import ResourceEventHandlerFuncs
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import format_time, parse_time, utc_now

NAME = "nodelifecycle"
SERVICE_ACCOUNT = "node-controller"
NODES_PREFIX = "nodes"
LEASES_PREFIX = "coordination.k8s.io/leases"
NODE_LEASE_NAMESPACE = "kube-node-lease"
# --node-monitor-grace-period: 50 s since v1.32 (40 s before; kube-controller-manager's options).
NODE_MONITOR_GRACE_PERIOD_SECONDS = 50.0
# The conditions the controller sets to Unknown when the kubelet goes silent (tryUpdateNodeHealth).
MONITORED_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")
NODE_STATUS_UNKNOWN = ("NodeStatusUnknown", "Kubelet stopped posting node status.")
NODE_STATUS_NEVER_UPDATED = ("NodeStatusNeverUpdated", "Kubelet never posted node status.")
# pkg/apis/core/v1 well-known taints (TaintNodeNotReady, TaintNodeUnreachable, TaintNodeUnschedulable).
TAINT_NOT_READY = "node.kubernetes.io/not-ready"
TAINT_UNREACHABLE = "node.kubernetes.io/unreachable"
TAINT_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
MANAGED_TAINT_KEYS = (TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE)
MAX_CONFLICT_RETRIES = 5

Key = tuple[str, str]


def condition(node: Object, kind: str) -> Object | None:
    found: Object | None = next((c for c in status_of(node).get("conditions") or [] if c.get("type") == kind), None)
    return found


def desired_taints(node: Object) -> list[tuple[str, str]]:
    """The condition taints the node should carry (key, effect), from its Ready condition and spec.unschedulable."""
    ready = (condition(node, "Ready") or {}).get("status")
    wanted = []
    if ready == "False":
        wanted += [(TAINT_NOT_READY, "NoExecute"), (TAINT_NOT_READY, "NoSchedule")]
    elif ready == "Unknown":
        wanted += [(TAINT_UNREACHABLE, "NoExecute"), (TAINT_UNREACHABLE, "NoSchedule")]
    if spec_of(node).get("unschedulable"):
        wanted.append((TAINT_UNSCHEDULABLE, "NoSchedule"))
    return wanted


class NodeLifecycleController(QueueController[Key]):
    """Node health from heartbeats, condition taints, and pods marked not ready on silent nodes."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(NAME, self._sync, ctx.log)
        self._ctx = ctx
        self._client = ctx.client(SERVICE_ACCOUNT)
        self._nodes = ctx.informers.lister(NODES_PREFIX)
        self._leases = ctx.informers.lister(LEASES_PREFIX)
        self._pods = ctx.informers.lister(PODS_PREFIX)
        #: nodeMonitorGracePeriod in seconds (a constructor setting upstream; tests may shorten it).
        self.grace_period = NODE_MONITOR_GRACE_PERIOD_SECONDS
        ctx.informers.add_event_handler(
            NODES_PREFIX,
            ResourceEventHandlerFuncs(add=self._node_changed, update=lambda _, new: self._node_changed(new)),
        )
        ctx.informers.add_event_handler(
            LEASES_PREFIX,
            ResourceEventHandlerFuncs(add=self._lease_changed, update=lambda _, new: self._lease_changed(new)),
        )

    def _node_changed(self, node: Object) -> None:
        self.enqueue_key(("node", meta(node)["name"]), cause="node changed")

    def _lease_changed(self, lease: Object) -> None:
        if meta(lease).get("namespace") == NODE_LEASE_NAMESPACE:
            self.enqueue_key(("node", meta(lease)["name"]), cause="lease renewed")

    def _sync(self, key: Key) -> None:
        name = key[1]
        node = self._nodes.get("", name)
        if node is None:
            return
        now = utc_now()
        node = self._update_health(node, now)
        self._update_taints(node, now)

    # -- health ---------------------------------------------------------------------------------

    def _probe_time(self, node: Object) -> datetime | None:
        """The last heartbeat: the Lease's renewTime or the Ready condition's lastHeartbeatTime, whichever is later."""
        times = []
        lease = self._leases.get(NODE_LEASE_NAMESPACE, meta(node)["name"])
        renewed = ((lease or {}).get("spec") or {}).get("renewTime")
        if renewed:
            times.append(parse_time(renewed))
        heartbeat = (condition(node, "Ready") or {}).get("lastHeartbeatTime")
        if heartbeat:
            times.append(parse_time(heartbeat))
        if not times and meta(node).get("creationTimestamp"):
            times.append(parse_time(meta(node)["creationTimestamp"]))
        return max(times, default=None)

    def _update_health(self, node: Object, now: datetime) -> Object:
        """tryUpdateNodeHealth: conditions to Unknown once the grace period passed without a heartbeat."""
        if (condition(node, "Ready") or {}).get("status") == "Unknown":
            return node
        probe = self._probe_time(node)
        if probe is None:
            return node
        remaining = probe.timestamp() + self.grace_period - now.timestamp()
        if remaining > 0:
            # A monitoring round: periodic, as upstream's every 5 s (a silent kubelet queues that moment itself).
            self.enqueue_after(("node", meta(node)["name"]), remaining, cause="grace period ends", periodic=True)
            return node
        stamp = format_time(now)
        by_type = {c.get("type"): c for c in status_of(node).get("conditions") or []}
        conditions = [c for c in status_of(node).get("conditions") or [] if c.get("type") not in MONITORED_CONDITIONS]
        for kind in MONITORED_CONDITIONS:
            current = by_type.get(kind)
            reason, message = NODE_STATUS_UNKNOWN if current else NODE_STATUS_NEVER_UPDATED
            updated: Object = {
                "type": kind,
                "status": "Unknown",
                "reason": reason,
                "message": message,
                "lastHeartbeatTime": (current or {}).get("lastHeartbeatTime") or meta(node).get("creationTimestamp"),
                "lastTransitionTime": stamp,
            }
            conditions.append(updated)
        spec = self._ctx.spec(NODES_PREFIX)
        written = self._client.update(spec, {**node, "status": {**status_of(node), "conditions": conditions}}, "status")
        self._mark_pods_not_ready(meta(node)["name"], stamp)
        return written

    def _mark_pods_not_ready(self, node_name: str, stamp: str) -> None:
        """nodeutil.MarkPodsNotReady: each pod on the node gets Ready False (its other conditions stay)."""
        pods = self._ctx.spec(PODS_PREFIX)
        for pod in self._pods.list():
            if spec_of(pod).get("nodeName") != node_name or is_pod_terminal(pod):
                continue
            namespace, name = meta(pod).get("namespace") or "", meta(pod)["name"]

            def write(namespace: str = namespace, name: str = name) -> None:
                current = self._pods.get(namespace, name)
                if current is None:
                    return
                conditions = status_of(current).get("conditions") or []
                if not any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions):
                    return
                changed = [
                    {**c, "status": "False", "lastTransitionTime": stamp} if c.get("type") == "Ready" else c
                    for c in conditions
                ]
                status = {**status_of(current), "conditions": changed}
                self._client.update(pods, {"apiVersion": "v1", "kind": "Pod", **current, "status": status}, "status")

            retry_on_conflict(MAX_CONFLICT_RETRIES, write, f"pod {namespace}/{name} kept conflicting")

    # -- taints ---------------------------------------------------------------------------------

    def _update_taints(self, node: Object, now: datetime) -> None:
        """The condition taints as the Ready condition and spec.unschedulable say; others are left alone."""
        taints: list[Any] = spec_of(node).get("taints") or []
        wanted = desired_taints(node)
        kept = [
            t for t in taints if t.get("key") not in MANAGED_TAINT_KEYS or (t.get("key"), t.get("effect")) in wanted
        ]
        present = {(t.get("key"), t.get("effect")) for t in kept}
        added = [
            {"key": key, "effect": effect, **({"timeAdded": format_time(now)} if effect == "NoExecute" else {})}
            for key, effect in wanted
            if (key, effect) not in present
        ]
        if not added and len(kept) == len(taints):
            return
        spec = {**spec_of(node), "taints": kept + added}
        if not spec["taints"]:
            del spec["taints"]
        self._client.update(self._ctx.spec(NODES_PREFIX), {**node, "spec": spec})
