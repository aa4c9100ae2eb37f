"""The default scheduler's loop: one pending pod at a time to the node that fits it best.

Follows pkg/scheduler/schedule_one.go (``scheduleOne``: ``schedulingCycle`` then
``bindingCycle``) and eventhandlers.go. A key is a pod; its sync

- leaves the pod alone when it is gone, bound (``spec.nodeName``), being deleted, gated
  (``schedulingGates``) or for another scheduler (``spec.schedulerName``);
- runs the PreFilter of volume binding, then every filter plugin on every node
  (``findNodesThatFitPod``), scores the nodes that fit and takes the best one, ties broken by
  node name so a seeded run binds the same way every time (upstream picks among ties at random);
- binds through ``pods/<name>/binding`` after the volume binder's PreBind, and records a
  ``Scheduled`` event (events.k8s.io/v1, as kube-scheduler's recorder);
- or, when no node fits, writes ``PodScheduled=False`` with reason ``Unschedulable`` and the
  FitError message through ``pods/<name>/status`` and records ``FailedScheduling``.

Upstream parks such pods in an unschedulable queue and moves them back on cluster events that
could make them fit; here the scheduler remembers the pods it could not place and queues them
again when a node is added or changes, a pod is deleted or finishes, or a claim or volume
changes. Nothing waits on real time: each attempt is immediate.
"""

from __future__ import annotations

import threading

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.controllers.base import QueueController, retry_on_conflict
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.controller_utils import (
    find_condition,
    is_pod_terminal,
    meta,
    set_condition,
    spec_of,
    status_of,
)
from fakeapi.controllers.informer import ResourceEventHandlerFuncs
from fakeapi.controllers.record import Observation, create_event, patch_event
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.scheduler.framework.interface import Code, FilterPlugin, ScorePlugin, Status
from fakeapi.scheduler.framework.plugins.nodeaffinity import NodeAffinity
from fakeapi.scheduler.framework.plugins.noderesources.fit import Fit
from fakeapi.scheduler.framework.plugins.nodeunschedulable import NodeUnschedulable
from fakeapi.scheduler.framework.plugins.tainttoleration import TaintToleration
from fakeapi.scheduler.framework.plugins.volumebinding import PodVolumes, VolumeBinding
from fakeapi.scheduler.framework.types import (
    NO_NODES_AVAILABLE,
    FitError,
    NodeInfo,
    PodResources,
    pod_non_zero_requests,
    pod_requests,
)
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import format_micro_time, utc_now

NAME = "scheduler"
SERVICE_ACCOUNT = "kube-scheduler"
DEFAULT_SCHEDULER_NAME = "default-scheduler"
# kube-scheduler runs on the control-plane node; its events.k8s.io recorder reports as "<controller>-<hostname>".
REPORTING_INSTANCE = f"{DEFAULT_SCHEDULER_NAME}-fakeapi-control-plane"
POD_SCHEDULED = "PodScheduled"
# v1.PodReasonUnschedulable.
REASON_UNSCHEDULABLE = "Unschedulable"
# defaultpreemption: what a node's status says about evicting lower-priority pods there.
PREEMPTION_NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_PREEMPTION_VICTIMS = "No preemption victims found for incoming pod"
# How often a write of the pod's status that keeps conflicting is retried in one sync.
MAX_CONFLICT_RETRIES = 5

PodKey = tuple[str, str]


class Scheduler(QueueController[PodKey]):
    """Keys are (namespace, name) of pods waiting for a node."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(NAME, self._schedule_one, ctx.log)
        self._ctx = ctx
        self._client = ctx.client(SERVICE_ACCOUNT)
        self._pods = ctx.informers.lister("pods")
        self._nodes = ctx.informers.lister("nodes")
        self._volume_binding = VolumeBinding(ctx, self._client)
        # The default profile's filters, in its order, and its scores with their weights.
        self._filters: list[FilterPlugin] = [NodeUnschedulable(), TaintToleration(), NodeAffinity(), Fit()]
        self._scores: list[ScorePlugin] = [TaintToleration(), NodeAffinity(), Fit()]
        # Pods that found no node (or wait for their volumes): tried again when the cluster changes.
        # Written by syncs and read by event handlers, which run in the writer's thread: guarded by its own lock.
        # Unschedulable pods in the order they were parked (a dict keeps it), so they are retried in the order
        # they came, whatever their generated names: the same bindings, pod by pod, on every run.
        self._parked: dict[PodKey, None] = {}
        self._parked_lock = threading.Lock()
        # Parsed requests of the bound pods, by (uid, resourceVersion): see _node_infos.
        self._pod_resources: dict[tuple[str, str], PodResources] = {}
        ctx.informers.add_event_handler(
            "pods", ResourceEventHandlerFuncs(add=self._pod_added, update=self._pod_updated, delete=self._pod_deleted)
        )
        ctx.informers.add_event_handler(
            "nodes", ResourceEventHandlerFuncs(add=self._cluster_changed, update=self._node_updated)
        )
        for prefix in ("persistentvolumeclaims", "persistentvolumes", "storage.k8s.io/storageclasses"):
            ctx.informers.add_event_handler(
                prefix,
                ResourceEventHandlerFuncs(add=self._cluster_changed, update=lambda _, new: self._cluster_changed(new)),
            )

    def reset_state(self) -> None:
        with self._parked_lock:
            self._parked.clear()

    def _park(self, key: PodKey, parked: bool = True) -> None:
        with self._parked_lock:
            if parked:
                self._parked.setdefault(key, None)
            else:
                self._parked.pop(key, None)

    # -- event handlers (under the storage lock: only enqueue) -------------------------------

    def _responsible_for(self, pod: Object) -> bool:
        """An unassigned pod of this scheduler that is not being deleted (responsibleForPod and isAssignedPod)."""
        spec = spec_of(pod)
        return (
            not spec.get("nodeName")
            and (spec.get("schedulerName") or DEFAULT_SCHEDULER_NAME) == DEFAULT_SCHEDULER_NAME
            and not meta(pod).get("deletionTimestamp")
            and not is_pod_terminal(pod)
        )

    def _pod_added(self, pod: Object) -> None:
        if self._responsible_for(pod):
            self.enqueue_key(_key(pod), cause="pod added")

    def _pod_updated(self, old: Object, new: Object) -> None:
        if self._responsible_for(new):
            # isPodUpdated: our own status writes (and bookkeeping) are no reason to try again.
            if _scheduling_view(old) != _scheduling_view(new):
                self.enqueue_key(_key(new), cause="pod updated")
        elif spec_of(new).get("nodeName") and is_pod_terminal(new) and not is_pod_terminal(old):
            self._move_parked("assigned pod finished")

    def _pod_deleted(self, pod: Object) -> None:
        self._park(_key(pod), parked=False)
        if spec_of(pod).get("nodeName"):
            self._move_parked("assigned pod deleted")

    def _node_updated(self, old: Object, new: Object) -> None:
        # Heartbeats change only conditions' times; labels, taints, allocatable or cordoning matter.
        if (
            spec_of(old) != spec_of(new)
            or meta(old).get("labels") != meta(new).get("labels")
            or status_of(old).get("allocatable") != status_of(new).get("allocatable")
        ):
            self._move_parked("node updated")

    def _cluster_changed(self, obj: Object) -> None:
        self._move_parked(f"{obj.get('kind') or 'object'} {meta(obj).get('name')} changed")

    def _move_parked(self, cause: str) -> None:
        """MoveAllToActiveOrBackoffQueue: every parked pod gets another attempt."""
        with self._parked_lock:
            keys = list(self._parked)
        for key in keys:
            self.enqueue_key(key, cause=cause)

    # -- the scheduling cycle ---------------------------------------------------------------------

    def _schedule_one(self, key: PodKey) -> None:
        namespace, name = key
        pod = self._pods.get(namespace, name)
        if pod is None or not self._responsible_for(pod) or spec_of(pod).get("schedulingGates"):
            self._park(key, parked=False)
            return
        node_infos = self._node_infos()
        if not node_infos:
            self._park(key)
            self._record_failure(pod, NO_NODES_AVAILABLE)
            return
        pre_filter = self._volume_binding.pre_filter(pod)
        if isinstance(pre_filter, Status):
            statuses = {info.name: pre_filter for info in node_infos}
            fit_error = FitError(len(node_infos), {}, pre_filter_msg=", ".join(pre_filter.reasons))
            self._fail(key, pod, fit_error, statuses)
            return
        statuses = {}
        feasible = []
        for info in node_infos:
            status = self._run_filters(pod, info, pre_filter)
            if status is None:
                feasible.append(info)
            else:
                statuses[info.name] = status
        if not feasible:
            fit_error = FitError(len(node_infos), {n: s.reasons for n, s in statuses.items()})
            self._fail(key, pod, fit_error, statuses)
            return
        node = self._select_host(pod, feasible)
        if not self._volume_binding.pre_bind(pre_filter, node.name):
            # Waiting for a volume to be provisioned or bound on the chosen node; its claim's update brings us back.
            self._park(key)
            return
        self._park(key, parked=False)
        self._bind(pod, node.name)

    def _node_infos(self) -> list[NodeInfo]:
        """A snapshot of every node with the pods bound to it (terminal pods hold no resources).

        Each pod version's requests are parsed once (the scheduler cache's NodeInfo keeps them
        upstream): kept by uid and resourceVersion for the pods of this snapshot only.
        """
        infos = {meta(node)["name"]: NodeInfo(node) for node in self._nodes.list()}
        known, self._pod_resources = self._pod_resources, {}
        for pod in self._pods.list():
            node_name = spec_of(pod).get("nodeName")
            if node_name in infos and not is_pod_terminal(pod):
                version = (meta(pod).get("uid") or "", meta(pod).get("resourceVersion") or "")
                resources = known.get(version) or (pod_requests(pod), pod_non_zero_requests(pod))
                self._pod_resources[version] = resources
                infos[node_name].add_pod(pod, resources)
        return [infos[name] for name in sorted(infos)]

    def _run_filters(self, pod: Object, info: NodeInfo, volumes: PodVolumes) -> Status | None:
        """RunFilterPlugins: the first plugin that rejects the node decides its status."""
        for plugin in self._filters:
            status = plugin.filter(pod, info)
            if status is not None:
                return status
        return self._volume_binding.filter(volumes, info)

    def _select_host(self, pod: Object, feasible: list[NodeInfo]) -> NodeInfo:
        """prioritizeNodes and selectHost: the highest weighted sum of normalised scores, then the first by name."""
        totals = {info.name: 0 for info in feasible}
        for plugin in self._scores:
            raw = {info.name: plugin.score(pod, info) for info in feasible}
            for name, score in plugin.normalize(raw).items():
                totals[name] += score * plugin.weight
        return min(feasible, key=lambda info: (-totals[info.name], info.name))

    # -- the binding cycle and failures ---------------------------------------------------------

    def _bind(self, pod: Object, node: str) -> None:
        pod_meta = meta(pod)
        namespace, name = pod_meta.get("namespace") or "", pod_meta["name"]
        binding = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": name, "namespace": namespace, "uid": pod_meta.get("uid")},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node},
        }
        try:
            self._client.create(self._ctx.spec("pods"), namespace, binding, name=name, subresource="binding")
        except errors.StatusError as exc:
            if exc.code in (404, 409):
                return  # deleted or bound by someone else meanwhile
            raise
        self._record_event(pod, "Normal", "Scheduled", "Binding", f"Successfully assigned {namespace}/{name} to {node}")

    def _fail(self, key: PodKey, pod: Object, fit_error: FitError, statuses: dict[str, Status]) -> None:
        """The PostFilter (default preemption, which finds no victims here) adds its message, then the failure is recorded."""
        self._park(key)
        if (spec_of(pod).get("preemptionPolicy") or "PreemptLowerPriority") == "Never":
            fit_error.post_filter_msg = "preemption: not eligible due to preemptionPolicy=Never"
        else:
            preemption = FitError(
                len(statuses),
                {
                    node: (
                        PREEMPTION_NOT_HELPFUL
                        if status.code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE
                        else NO_PREEMPTION_VICTIMS,
                    )
                    for node, status in statuses.items()
                },
            )
            fit_error.post_filter_msg = "preemption: " + preemption.message().removesuffix(".")
        self._record_failure(pod, fit_error.message())

    def _record_failure(self, pod: Object, message: str) -> None:
        """handleSchedulingFailure: a FailedScheduling event and the PodScheduled condition (updatePod)."""
        self._record_event(pod, "Warning", "FailedScheduling", "Scheduling", message)
        pod_meta = meta(pod)
        namespace, name = pod_meta.get("namespace") or "", pod_meta["name"]
        condition = {
            "type": POD_SCHEDULED,
            "status": "False",
            "lastProbeTime": None,
            "reason": REASON_UNSCHEDULABLE,
            "message": message,
        }

        def write() -> None:
            current = self._pods.get(namespace, name)
            if current is None or spec_of(current).get("nodeName"):
                return
            old = find_condition(status_of(current).get("conditions") or [], POD_SCHEDULED)
            if old is not None and all(old.get(k) == condition[k] for k in ("status", "reason", "message")):
                return
            updated = deep_copy_json(current)
            status = updated.setdefault("status", {})
            status["conditions"] = set_condition(status.get("conditions") or [], condition)
            self._client.update(self._ctx.spec("pods"), updated, subresource="status")

        retry_on_conflict(MAX_CONFLICT_RETRIES, write, f"pod {namespace}/{name} kept changing")

    def _record_event(self, pod: Object, event_type: str, reason: str, action: str, note: str) -> None:
        """An events.k8s.io/v1 Event about the pod, named as client-go's recorder names it (``<pod>.<nanoseconds hex>``).

        The same event again (tools/events getKey: action, reason, controller, pod and note) becomes a
        series, as the events broadcaster records it: the second time the stored Event gets
        ``series`` (count 2); later repeats only count in the recorder's cache (upstream writes them
        with its half-hourly refresh, which is not followed).
        """
        pod_meta = meta(pod)
        namespace = pod_meta.get("namespace") or ""
        spec = self._events_spec()
        now = format_micro_time(utc_now())
        regarding = {
            "kind": "Pod",
            "namespace": namespace,
            "name": pod_meta["name"],
            "uid": pod_meta.get("uid"),
            "apiVersion": "v1",
            "resourceVersion": pod_meta.get("resourceVersion"),
        }
        key = (action, reason, DEFAULT_SCHEDULER_NAME, namespace, pod_meta["name"], pod_meta.get("uid"), note)
        log = self._ctx.event_log
        previous = log.seen(key)
        series = None
        if previous is not None:
            count = previous.count + 1
            series = {"count": 2, "lastObservedTime": now}
            if previous.count > 1 or patch_event(self._client, spec, namespace, previous.name, {"series": series}):
                log.remember(key, Observation(previous.name, count))
                return
        event: Object = {
            "apiVersion": "events.k8s.io/v1",
            "kind": "Event",
            "eventTime": now,
            "reportingController": DEFAULT_SCHEDULER_NAME,
            "reportingInstance": REPORTING_INSTANCE,
            "action": action,
            "reason": reason,
            "regarding": regarding,
            "note": note,
            "type": event_type,
        }
        if series is not None:  # a series whose Event was deleted is recorded again, with its series
            event["series"] = series
        event["metadata"] = {"namespace": namespace}
        name = create_event(self._client, spec, log, pod_meta["name"], event)
        if name is not None:
            log.remember(key, Observation(name, 1 if previous is None else previous.count + 1))

    def _events_spec(self) -> ResourceSpec:
        store = self._ctx.resources.by_kind("events.k8s.io/v1", "Event")
        if store is None:
            raise RuntimeError("events.k8s.io/v1 events are not served")
        return store.spec


def _key(pod: Object) -> PodKey:
    pod_meta = meta(pod)
    return pod_meta.get("namespace") or "", pod_meta.get("name") or ""


def _scheduling_view(pod: Object) -> Object:
    """The pod without what changes on every write (status, resourceVersion, managedFields, generation)."""
    view = {k: v for k, v in pod.items() if k != "status"}
    view["metadata"] = {
        k: v for k, v in meta(pod).items() if k not in ("resourceVersion", "managedFields", "generation")
    }
    return view
