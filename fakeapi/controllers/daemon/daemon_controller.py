"""The DaemonSet controller: one pod per eligible node (pkg/controller/daemon/daemon_controller.go).

A sync of ``namespace/name`` claims the DaemonSet's pods (adopting orphans its selector
matches), keeps its ControllerRevisions (update.go), then ``manage``s: every node that should
run a daemon pod (``NodeShouldRunDaemonPod``: nodeSelector, required node affinity, taints
against the template's tolerations plus the default daemon tolerations) and has none gets one,
with its required node affinity replaced by ``metadata.name In [node]`` so the scheduler binds
it there; nodes that should no longer run one lose theirs; a node with several keeps the
oldest. A RollingUpdate then replaces old pods within maxUnavailable / maxSurge (OnDelete
leaves them to the user), old revisions beyond revisionHistoryLimit go, and the status counts
are written with the DaemonSet's generation as ``observedGeneration``.

Pods are found by node through ``GetTargetNodeName``, so a pod the scheduler has not bound yet
counts for the node its affinity names. A pod bound to a node that is gone is left to the
pod garbage collector (podgc), as upstream; one still pending for such a node is deleted here.

Upstream has no handler for node deletion and relies on the pod GC's deletions to resync;
here every DaemonSet is also queued when a node goes, so its status drops the node at once.
Events (SuccessfulCreate, SuccessfulDelete, FailedDaemonPod) are not recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cmp_to_key
from typing import Any

from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.apimachinery.labels import LabelSelector, selector_from_label_selector_dict
from fakeapi.controllers.base import QueueController, retry_on_conflict
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.controller_utils import (
    PODS_PREFIX,
    PodControl,
    claim,
    controller_ref,
    is_pod_available,
    is_pod_ready,
    is_pod_terminal,
    meta,
    new_controller_ref,
    pod_phase,
    seconds_until_available,
    spec_of,
    status_of,
)
from fakeapi.controllers.daemon.update import DaemonSetHistory, NodeToDaemonPods, rolling_update
from fakeapi.controllers.daemon.util import (
    DEFAULT_DAEMON_SET_UNIQUE_LABEL_KEY,
    ROLLING_UPDATE,
    allows_surge,
    create_pod_template,
    is_pod_updated,
    node_should_run_daemon_pod,
    replace_daemon_set_pod_node_name_node_affinity,
    target_node_name,
    template_generation,
)
from fakeapi.controllers.history import PREFIX as REVISIONS_PREFIX
from fakeapi.controllers.informer import ResourceEventHandlerFuncs
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import utc_now

NAME = "daemonset"
SERVICE_ACCOUNT = "daemon-set-controller"
DAEMONSETS_PREFIX = "apps/daemonsets"
NODES_PREFIX = "nodes"
API_VERSION = "apps/v1"
KIND = "DaemonSet"
# How often a status write that keeps conflicting is retried within one sync (storeDaemonSetStatus).
STATUS_UPDATE_RETRIES = 1 + 5
# DaemonSetStatus fields without omitempty: written even when zero.
_REQUIRED_STATUS_FIELDS = ("currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady")


def daemon_set_key(ds: Object) -> str:
    return f"{meta(ds).get('namespace') or ''}/{meta(ds).get('name') or ''}"


def _pod_order(a: Object, b: Object) -> int:
    """podByCreationTimestampAndPhase: bound pods first, then the oldest, then by name."""
    a_bound, b_bound = bool(spec_of(a).get("nodeName")), bool(spec_of(b).get("nodeName"))
    if a_bound != b_bound:
        return -1 if a_bound else 1
    a_key = (meta(a).get("creationTimestamp") or "", meta(a).get("name") or "")
    b_key = (meta(b).get("creationTimestamp") or "", meta(b).get("name") or "")
    return (a_key > b_key) - (a_key < b_key)


def sort_pods(pods: list[Object]) -> list[Object]:
    return sorted(pods, key=cmp_to_key(_pod_order))


class DaemonSetsController(QueueController[str]):
    """Keys are ``namespace/name`` of DaemonSets."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(NAME, self._sync_daemon_set, ctx.log)
        self._ctx = ctx
        self._client = ctx.client(SERVICE_ACCOUNT)
        self._pod_control = PodControl(
            self._client, lambda: ctx.spec(PODS_PREFIX), ctx.recorder(self._client, "daemonset-controller")
        )
        self._daemonsets = ctx.informers.lister(DAEMONSETS_PREFIX)
        self._pods = ctx.informers.lister(PODS_PREFIX)
        self._nodes = ctx.informers.lister(NODES_PREFIX)
        self._history = DaemonSetHistory(
            self._client,
            ctx.informers.lister(REVISIONS_PREFIX),
            lambda: ctx.spec(REVISIONS_PREFIX),
            self._owner_ref,
            self._relabel_pod,
        )
        informers = ctx.informers
        informers.add_event_handler(
            DAEMONSETS_PREFIX,
            ResourceEventHandlerFuncs(
                add=lambda ds: self.enqueue_key(daemon_set_key(ds), "daemonset added"),
                update=lambda _, ds: self.enqueue_key(daemon_set_key(ds), "daemonset updated"),
                delete=lambda ds: self.enqueue_key(daemon_set_key(ds), "daemonset deleted"),
            ),
        )
        informers.add_event_handler(REVISIONS_PREFIX, self._owned_handlers("controllerrevision"))
        informers.add_event_handler(PODS_PREFIX, self._owned_handlers("pod"))
        informers.add_event_handler(
            NODES_PREFIX,
            ResourceEventHandlerFuncs(add=self._add_node, update=self._update_node, delete=self._delete_node),
        )

    # -- event handlers (under the storage lock: only enqueue) ------------------------------------

    def _owner_of(self, obj: Object) -> Object | None:
        """resolveControllerRef: the DaemonSet controlling ``obj``, if it still exists with that uid."""
        ref = controller_ref(obj)
        if ref is None or ref.get("kind") != KIND or ref.get("apiVersion", "").split("/")[0] != "apps":
            return None
        ds = self._daemonsets.get(meta(obj).get("namespace") or "", ref.get("name") or "")
        return ds if ds is not None and meta(ds).get("uid") == ref.get("uid") else None

    def _matching_daemon_sets(self, obj: Object) -> list[Object]:
        """getDaemonSetsForPod / getDaemonSetsForHistory: the DaemonSets whose selector matches an orphan."""
        labels = meta(obj).get("labels") or {}
        result = []
        for ds in self._daemonsets.list(meta(obj).get("namespace") or ""):
            selector = _selector(ds)
            if selector is not None and not selector.empty and selector.matches(labels):
                result.append(ds)
        return result

    def _owned_handlers(self, kind: str) -> ResourceEventHandlerFuncs:
        return ResourceEventHandlerFuncs(
            add=lambda obj: self._owned_changed(f"{kind} {meta(obj).get('name')} added", None, obj),
            update=lambda old, obj: self._owned_changed(f"{kind} {meta(obj).get('name')} updated", old, obj),
            delete=lambda obj: self._owned_changed(f"{kind} {meta(obj).get('name')} deleted", obj, None),
        )

    def _owned_changed(self, cause: str, old: Object | None, new: Object | None) -> None:
        """add/update/deletePod and add/update/deleteHistory: queue the owner, or DaemonSets that may adopt."""
        owners: dict[str, Object] = {}
        for candidate in (old, new):
            if candidate is not None and (owner := self._owner_of(candidate)) is not None:
                owners[daemon_set_key(owner)] = owner
        orphan = new is not None and controller_ref(new) is None and not meta(new).get("deletionTimestamp")
        if orphan and new is not None:
            changed = old is None or (meta(old).get("labels") or {}) != (meta(new).get("labels") or {})
            if changed or controller_ref(old or {}) is not None:
                owners.update((daemon_set_key(ds), ds) for ds in self._matching_daemon_sets(new))
        for key in sorted(owners):
            self.enqueue_key(key, cause)

    def _add_node(self, node: Object) -> None:
        """addNode: queue the DaemonSets that should run a pod on the new node."""
        for ds in self._daemonsets.list():
            if node_should_run_daemon_pod(node, ds)[0]:
                self.enqueue_key(daemon_set_key(ds), f"node {meta(node).get('name')} added")

    def _update_node(self, old: Object, node: Object) -> None:
        """updateNode: queue the DaemonSets whose answer for this node changed (labels, taints, ...)."""
        for ds in self._daemonsets.list():
            if node_should_run_daemon_pod(old, ds) != node_should_run_daemon_pod(node, ds):
                self.enqueue_key(daemon_set_key(ds), f"node {meta(node).get('name')} updated")

    def _delete_node(self, node: Object) -> None:
        for ds in self._daemonsets.list():
            self.enqueue_key(daemon_set_key(ds), f"node {meta(node).get('name')} deleted")

    # -- helpers ------------------------------------------------------------------------------------

    def _owner_ref(self, ds: Object) -> dict[str, Any]:
        return new_controller_ref(ds, API_VERSION, KIND)

    def _can_adopt(self, ds: Object) -> Callable[[], bool]:
        """RecheckDeletionTimestamp: adopt only while the DaemonSet of this uid is still there and not deleting."""

        def check() -> bool:
            fresh = self._daemonsets.get(meta(ds).get("namespace") or "", meta(ds)["name"])
            return (
                fresh is not None
                and meta(fresh).get("uid") == meta(ds).get("uid")
                and not meta(fresh).get("deletionTimestamp")
            )

        return check

    def _relabel_pod(self, pod: Object, hash_value: str) -> None:
        labels = {DEFAULT_DAEMON_SET_UNIQUE_LABEL_KEY: hash_value}
        self._client.merge_patch(
            self._pod_control.spec,
            meta(pod).get("namespace") or "",
            meta(pod)["name"],
            {"metadata": {"labels": labels}},
        )

    def _node_list(self) -> list[Object]:
        return self._nodes.list()

    def _get_daemon_pods(self, ds: Object, selector: LabelSelector) -> list[Object]:
        """getDaemonPods: the pods the DaemonSet controls, after adoption and release."""
        candidates = self._pods.list(meta(ds).get("namespace") or "")
        return claim(
            self._client, self._pod_control.spec, ds, self._owner_ref(ds), selector, candidates, self._can_adopt(ds)
        )

    def _nodes_to_daemon_pods(
        self, ds: Object, selector: LabelSelector, include_deleted_terminal: bool
    ) -> NodeToDaemonPods:
        """getNodesToDaemonPods: the DaemonSet's pods by the node they are for (bound or named by affinity)."""
        result: NodeToDaemonPods = {}
        for pod in self._get_daemon_pods(ds, selector):
            if not include_deleted_terminal and is_pod_terminal(pod) and meta(pod).get("deletionTimestamp"):
                continue
            node_name = target_node_name(pod)
            if node_name is not None:
                result.setdefault(node_name, []).append(pod)
        return result

    # -- sync ---------------------------------------------------------------------------------------

    def _sync_daemon_set(self, key: str) -> None:
        """syncDaemonSet."""
        namespace, _, name = key.partition("/")
        ds = self._daemonsets.get(namespace, name)
        if ds is None:
            return
        selector = _selector(ds)
        # An empty selector would select every pod in the namespace; upstream refuses to act on it.
        if selector is None or selector.empty or meta(ds).get("deletionTimestamp"):
            return
        nodes = self._node_list()
        pods = self._get_daemon_pods(ds, selector)
        current, old, collision_count = self._history.construct_history(ds, pods, self._can_adopt(ds))
        hash_value = (meta(current).get("labels") or {})[DEFAULT_DAEMON_SET_UNIQUE_LABEL_KEY]

        self._manage(ds, selector, nodes, hash_value)
        if (spec_of(ds).get("updateStrategy") or {}).get("type") == ROLLING_UPDATE:
            node_to_pods = self._nodes_to_daemon_pods(ds, selector, False)
            to_delete, to_create = rolling_update(ds, nodes, node_to_pods, hash_value, utc_now())
            self._sync_nodes(ds, to_delete, to_create, hash_value)
        self._history.cleanup_history(ds, old, self._get_daemon_pods(ds, selector))
        self._update_daemon_set_status(key, selector, nodes, hash_value, collision_count)

    def _manage(self, ds: Object, selector: LabelSelector, nodes: list[Object], hash_value: str) -> None:
        """manage: create the missing daemon pods and delete those that should not be where they are."""
        node_to_pods = self._nodes_to_daemon_pods(ds, selector, False)
        nodes_needing: list[str] = []
        to_delete: list[Object] = []
        for node in nodes:
            need, delete = self._pods_should_be_on_node(node, node_to_pods, ds, hash_value)
            nodes_needing += need
            to_delete += delete
        # getUnscheduledPodsWithoutNode: pending pods for nodes that are gone.
        node_names = {meta(node)["name"] for node in nodes}
        for node_name in sorted(node_to_pods):
            if node_name not in node_names:
                to_delete += [p for p in node_to_pods[node_name] if not spec_of(p).get("nodeName")]
        self._sync_nodes(ds, to_delete, nodes_needing, hash_value)

    def _pods_should_be_on_node(
        self, node: Object, node_to_pods: NodeToDaemonPods, ds: Object, hash_value: str
    ) -> tuple[list[str], list[Object]]:
        """podsShouldBeOnNode: (this node, if it needs a pod; the pods to delete from it)."""
        node_name: str = meta(node)["name"]
        should_run, should_continue_running = node_should_run_daemon_pod(node, ds)
        exists = node_name in node_to_pods
        daemon_pods = node_to_pods.get(node_name, [])
        if should_run and not exists:
            return [node_name], []
        if not should_continue_running:
            return [], [p for p in daemon_pods if not meta(p).get("deletionTimestamp")]
        to_delete: list[Object] = []
        running: list[Object] = []
        for pod in daemon_pods:
            if meta(pod).get("deletionTimestamp"):
                continue
            # A failed or succeeded daemon pod cannot restart: it is replaced.
            (to_delete if pod_phase(pod) in ("Failed", "Succeeded") else running).append(pod)
        running = sort_pods(running)
        if not allows_surge(ds):
            return [], to_delete + running[1:]
        if not running:
            return ([node_name] if should_run else []), to_delete
        # With surge, an old pod stays beside the new one only while the old is ready and the new is not available.
        oldest_new: Object | None = None
        oldest_old: Object | None = None
        for pod in running:
            if (meta(pod).get("labels") or {}).get(DEFAULT_DAEMON_SET_UNIQUE_LABEL_KEY) == hash_value:
                if oldest_new is None:
                    oldest_new = pod
                    continue
            elif oldest_old is None:
                oldest_old = pod
                continue
            to_delete.append(pod)
        if oldest_new is not None and oldest_old is not None:
            min_ready = int(spec_of(ds).get("minReadySeconds") or 0)
            if not is_pod_ready(oldest_old) or is_pod_available(oldest_new, min_ready):
                to_delete.append(oldest_old)
        return [], to_delete

    def _sync_nodes(self, ds: Object, to_delete: list[Object], nodes_needing: list[str], hash_value: str) -> None:
        """syncNodes: create a pod pinned (by node affinity) to each node in ``nodes_needing``; delete ``to_delete``."""
        namespace = meta(ds).get("namespace") or ""
        template = create_pod_template(spec_of(ds).get("template") or {}, template_generation(ds), hash_value)
        for node_name in nodes_needing:
            pod_template = deep_copy_json(template)
            pod_spec = pod_template["spec"]
            pod_spec["affinity"] = replace_daemon_set_pod_node_name_node_affinity(pod_spec.get("affinity"), node_name)
            self._pod_control.create_pods(namespace, pod_template, ds, self._owner_ref(ds))
        for pod in to_delete:
            self._pod_control.delete_pod(pod)

    def _update_daemon_set_status(
        self, key: str, selector: LabelSelector, nodes: list[Object], hash_value: str, collision_count: int | None
    ) -> None:
        """updateDaemonSetStatus / storeDaemonSetStatus: the counts, observedGeneration, and a requeue for minReadySeconds."""
        namespace, _, name = key.partition("/")
        ds = self._daemonsets.get(namespace, name)
        if ds is None:
            return
        node_to_pods = self._nodes_to_daemon_pods(ds, selector, True)
        generation = template_generation(ds)
        min_ready = int(spec_of(ds).get("minReadySeconds") or 0)
        counts = dict.fromkeys(
            ("desiredNumberScheduled", "currentNumberScheduled", "numberMisscheduled", "numberReady"), 0
        )
        counts.update(updatedNumberScheduled=0, numberAvailable=0)
        wait: list[float] = []
        now = utc_now()
        for node in nodes:
            should_run, _ = node_should_run_daemon_pod(node, ds)
            daemon_pods = node_to_pods.get(meta(node)["name"], [])
            if not should_run:
                counts["numberMisscheduled"] += bool(daemon_pods)
                continue
            counts["desiredNumberScheduled"] += 1
            if not daemon_pods:
                continue
            counts["currentNumberScheduled"] += 1
            pod = sort_pods(daemon_pods)[0]
            if is_pod_ready(pod):
                counts["numberReady"] += 1
                if is_pod_available(pod, min_ready, now):
                    counts["numberAvailable"] += 1
                else:
                    wait.append(seconds_until_available(pod, min_ready) or 0.0)
            counts["updatedNumberScheduled"] += is_pod_updated(pod, hash_value, generation)
        counts["numberUnavailable"] = counts["desiredNumberScheduled"] - counts["numberAvailable"]
        self._store_status(namespace, name, counts, collision_count)
        if wait:
            self.enqueue_after(key, min(wait), "minReadySeconds")

    def _store_status(self, namespace: str, name: str, counts: dict[str, int], collision_count: int | None) -> None:
        """storeDaemonSetStatus: write the counts unless they and observedGeneration are already current."""

        def write() -> None:
            ds = self._daemonsets.get(namespace, name)
            if ds is None:
                return
            status = dict(status_of(ds))
            for field, value in counts.items():
                if value or field in _REQUIRED_STATUS_FIELDS:
                    status[field] = value
                else:
                    status.pop(field, None)
            status["observedGeneration"] = meta(ds).get("generation")
            if collision_count is not None:
                status["collisionCount"] = collision_count
            if status == status_of(ds):
                return
            self._client.update(self._ctx.spec(DAEMONSETS_PREFIX), {**ds, "status": status}, subresource="status")

        retry_on_conflict(STATUS_UPDATE_RETRIES, write, f"status of daemon set {namespace}/{name} kept conflicting")


def _selector(ds: Object) -> LabelSelector | None:
    """The DaemonSet's selector, or None when it is missing or invalid (validation refuses both)."""
    try:
        return selector_from_label_selector_dict(spec_of(ds).get("selector"))
    except ValueError:
        return None
