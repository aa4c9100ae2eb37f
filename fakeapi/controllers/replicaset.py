"""The ReplicaSet controller: keep ``spec.replicas`` pods of a ReplicaSet's template alive.

Follows pkg/controller/replicaset/replica_set.go and replica_set_utils.go. A sync lists the
pods of the ReplicaSet's namespace, adopts orphans its selector matches and releases the ones
it owns that no longer match (``claimPods``), creates the missing pods in slow-start batches
(1, 2, 4 ... up to ``burstReplicas``; a failing batch stops the rest) or deletes the surplus,
choosing victims as ``ActivePodsWithRanks`` orders them, and writes the status subresource
when it changed: the counts, ``observedGeneration`` and the ``ReplicaFailure`` condition.

Upstream this one implementation also runs ReplicationControllers through a conversion layer
(pkg/controller/replication). Here :class:`ReplicaKind` carries what differs between the two
(resource, kind, selector shape, status fields), and
:class:`fakeapi.controllers.replication.ReplicationManager` is this controller built with the
ReplicationController's kind.

Upstream tracks "expectations" because its informer cache lags its own writes; the listers
here read the storage, so every sync sees its earlier creates and deletes and there is
nothing to expect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.labels import LabelSelector, SelectorParseError, selector_from_label_selector_dict
from fakeapi.controllers import controller_utils
from fakeapi.controllers.base import QueueController, Requeue, retry_on_conflict
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.controller_utils import (
    POD_CONTROLLER_UID_INDEX,
    PODS_PREFIX,
    meta,
    orphan_pod_index_key,
    pod_controller_uid_index,
    spec_of,
    status_of,
)
from fakeapi.controllers.informer import ResourceEventHandlerFuncs
from fakeapi.storage.interfaces import Object

NAME = "replicaset"
SERVICE_ACCOUNT = "replicaset-controller"
REPLICA_SETS_PREFIX = "apps/replicasets"
# replicaset.BurstReplicas: at most this many pods created or deleted in one sync.
BURST_REPLICAS = 500
# controller.SlowStartInitialBatchSize.
SLOW_START_INITIAL_BATCH_SIZE = 1
# statusUpdateRetries: one retry after the first status write conflicts.
STATUS_UPDATE_TRIES = 2

REPLICA_FAILURE = "ReplicaFailure"
FAILED_CREATE = "FailedCreate"
FAILED_DELETE = "FailedDelete"


def label_selector_of(obj: Object) -> LabelSelector:
    """A ReplicaSet's ``spec.selector`` (a metav1.LabelSelector; missing selects nothing)."""
    return selector_from_label_selector_dict(spec_of(obj).get("selector"))


@dataclass(frozen=True)
class ReplicaKind:
    """What the one replica controller needs to know about the kind it runs (ReplicaSet or ReplicationController).

    Attributes:
        name: The controller's name (the manager's ``--controllers`` name).
        service_account: The kube-system service account it writes as.
        prefix: The storage prefix of the controlled resource.
        api_version: The owner reference's apiVersion.
        kind: The owner reference's kind (also what a pod's controller reference must name).
        selector: The object's selector as a label selector (raises SelectorParseError when invalid).
        terminating_replicas: Whether the status has ``terminatingReplicas``
            (DeploymentReplicaSetTerminatingReplicas, on by default in 1.37; ReplicaSets only).
    """

    name: str
    service_account: str
    prefix: str
    api_version: str
    kind: str
    selector: Callable[[Object], LabelSelector]
    terminating_replicas: bool


REPLICA_SET = ReplicaKind(
    name=NAME,
    service_account=SERVICE_ACCOUNT,
    prefix=REPLICA_SETS_PREFIX,
    api_version="apps/v1",
    kind="ReplicaSet",
    selector=label_selector_of,
    terminating_replicas=True,
)


def key_of(obj: Object) -> str:
    """controller.KeyFunc: ``namespace/name``."""
    return f"{meta(obj).get('namespace') or ''}/{meta(obj).get('name') or ''}"


def is_pod_terminating(pod: Object) -> bool:
    """controller.FilterTerminatingPods' test: being deleted, not yet Succeeded or Failed."""
    return bool(meta(pod).get("deletionTimestamp")) and not controller_utils.is_pod_terminal(pod)


def slow_start_batch(count: int, initial_batch_size: int, create: Callable[[], None]) -> tuple[int, Exception | None]:
    """slowStartBatch: call ``create`` ``count`` times in batches of 1, 2, 4 ...; stop after a batch that failed.

    Upstream runs a batch's calls concurrently; here they run one after another, which gives
    the same pods in a fixed order. Returns how many calls succeeded and the batch's first error.
    """
    remaining, successes = count, 0
    batch = min(remaining, initial_batch_size)
    while batch > 0:
        first_error: Exception | None = None
        for _ in range(batch):
            try:
                create()
                successes += 1
            except errors.StatusError as exc:
                first_error = first_error or exc
        if first_error is not None:
            return successes, first_error
        remaining -= batch
        batch = min(2 * batch, remaining)
    return successes, None


def _omit_zero(status: dict[str, Any], *fields: str) -> None:
    """The counts are ``omitempty`` int32s: a zero is not written, as a real server's JSON leaves it out."""
    for name in fields:
        if not status.get(name):
            status.pop(name, None)


class ReplicaSetController(QueueController[str]):
    """Keys are ``namespace/name`` of the controlled objects."""

    def __init__(self, ctx: ControllerContext, kind: ReplicaKind = REPLICA_SET) -> None:
        super().__init__(kind.name, self._sync_replica_set, ctx.log)
        self.kind = kind
        self._ctx = ctx
        self._client = ctx.client(kind.service_account)
        self._pod_control = controller_utils.PodControl(
            self._client, lambda: ctx.spec(PODS_PREFIX), ctx.recorder(self._client, kind.service_account)
        )
        self._sets = ctx.informers.lister(kind.prefix)
        self._pods = ctx.informers.lister(PODS_PREFIX)
        self._pods_by_controller = ctx.informers.indexer(
            PODS_PREFIX, POD_CONTROLLER_UID_INDEX, pod_controller_uid_index
        )
        ctx.informers.add_event_handler(
            kind.prefix,
            ResourceEventHandlerFuncs(
                add=lambda rs: self.enqueue_key(key_of(rs), cause=f"{kind.kind} added"),
                update=lambda _, rs: self.enqueue_key(key_of(rs), cause=f"{kind.kind} updated"),
                delete=lambda rs: self.enqueue_key(key_of(rs), cause=f"{kind.kind} deleted"),
            ),
        )
        ctx.informers.add_event_handler(
            PODS_PREFIX,
            ResourceEventHandlerFuncs(add=self._add_pod, update=self._update_pod, delete=self._delete_pod),
        )

    # -- event handlers (under the storage lock: only enqueue) -------------------------------

    def _resolve_controller_ref(self, namespace: str, ref: dict[str, Any]) -> Object | None:
        """resolveControllerRef: the controlled object a pod's controller reference names, if it is still that one."""
        if ref.get("kind") != self.kind.kind:
            return None
        owner = self._sets.get(namespace, ref.get("name") or "")
        if owner is None or meta(owner).get("uid") != ref.get("uid"):
            return None
        return owner

    def _pod_owners(self, pod: Object) -> list[Object]:
        """GetPodReplicaSets: the objects in the pod's namespace whose selector matches an orphan pod."""
        labels = meta(pod).get("labels") or {}
        owners = []
        for candidate in self._sets.list(meta(pod).get("namespace") or ""):
            try:
                selector = self.kind.selector(candidate)
            except SelectorParseError:
                continue
            if not selector.empty and selector.matches(labels):
                owners.append(candidate)
        return owners

    def _enqueue_controller_of(self, pod: Object, cause: str) -> Object | None:
        ref = controller_utils.controller_ref(pod)
        owner = None if ref is None else self._resolve_controller_ref(meta(pod).get("namespace") or "", ref)
        if owner is not None:
            self.enqueue_key(key_of(owner), cause=f"pod {meta(pod).get('name')} {cause}")
        return owner

    def _enqueue_matching(self, pod: Object, cause: str) -> None:
        for owner in self._pod_owners(pod):
            self.enqueue_key(key_of(owner), cause=f"orphan pod {meta(pod).get('name')} {cause}")

    def _add_pod(self, pod: Object) -> None:
        """addPod: wake the pod's controller, or every one that may adopt an orphan."""
        if meta(pod).get("deletionTimestamp"):
            self._delete_pod(pod)
        elif controller_utils.controller_ref(pod) is not None:
            self._enqueue_controller_of(pod, "added")
        else:
            self._enqueue_matching(pod, "added")

    def _update_pod(self, old: Object, cur: Object) -> None:
        """updatePod: wake the old and new controllers, or the candidates for an orphan whose labels or owner changed."""
        if meta(old).get("resourceVersion") == meta(cur).get("resourceVersion"):
            return
        label_changed = meta(old).get("labels") != meta(cur).get("labels")
        if meta(cur).get("deletionTimestamp"):
            self._delete_pod(cur)
            if label_changed:
                self._delete_pod(old)
            return
        old_ref, cur_ref = controller_utils.controller_ref(old), controller_utils.controller_ref(cur)
        ref_changed = old_ref != cur_ref
        if ref_changed and old_ref is not None:
            self._enqueue_controller_of(old, "changed controller")
        if cur_ref is not None:
            # A pod becoming ready is requeued for its availability check by the sync itself (see _sync_replica_set).
            self._enqueue_controller_of(cur, "updated")
        elif label_changed or ref_changed:
            self._enqueue_matching(cur, "updated")

    def _delete_pod(self, pod: Object) -> None:
        """deletePod: only the pod's controller cares; orphans being deleted wake nobody."""
        self._enqueue_controller_of(pod, "deleted")

    # -- sync (syncReplicaSet) ------------------------------------------------------------------

    def _sync_replica_set(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        owner = self._sets.get(namespace, name)
        if owner is None:
            return
        try:
            selector = self.kind.selector(owner)
        except SelectorParseError:
            return  # an invalid selector matches nothing; upstream logs it and gives up on the key
        all_pods = self._owned_and_orphan_pods(owner)
        active = self._claim_pods(owner, selector, [p for p in all_pods if controller_utils.is_pod_active(p)])
        terminating: list[Object] = []
        if self.kind.terminating_replicas:
            terminating = self._claim_pods(owner, selector, [p for p in all_pods if is_pod_terminating(p)])
        manage_error: Exception | None = None
        if not meta(owner).get("deletionTimestamp"):
            manage_error = self._manage_replicas(active, owner)
        new_status = self.calculate_status(owner, active, terminating, manage_error)
        self._update_status(namespace, name, meta(owner).get("uid") or "", new_status)
        if manage_error is not None:
            # Upstream returns the error so the key comes back with back-off; here that is a Requeue.
            raise Requeue(str(manage_error))
        self._requeue_for_availability(key, owner, active)

    def _owned_and_orphan_pods(self, owner: Object) -> list[Object]:
        """FilterPodsByOwner with orphans (replica_set.go syncReplicaSet): the pods this object controls and
        the orphans of its namespace, from the pod index, in name order. Pods other controllers own are
        left out, as claiming would skip them: a sync costs what the object owns, not the namespace's pods."""
        namespace = meta(owner).get("namespace") or ""
        owned = [
            p
            for p in self._pods_by_controller.by_index(meta(owner).get("uid") or "")
            if meta(p).get("namespace") == namespace
        ]
        orphans = self._pods_by_controller.by_index(orphan_pod_index_key(namespace))
        return sorted(owned + orphans, key=lambda pod: meta(pod)["name"])

    def _claim_pods(self, owner: Object, selector: LabelSelector, pods: list[Object]) -> list[Object]:
        """claimPods: adopt matching orphans, release owned pods the selector no longer matches."""
        uid = meta(owner).get("uid")

        def can_adopt() -> bool:
            # RecheckDeletionTimestamp: the owner read again, still the same object and not being deleted.
            fresh = self._sets.get(meta(owner).get("namespace") or "", meta(owner)["name"])
            return fresh is not None and meta(fresh).get("uid") == uid and not meta(fresh).get("deletionTimestamp")

        return controller_utils.claim(
            self._client,
            self._pod_control.spec,
            owner,
            controller_utils.new_controller_ref(owner, self.kind.api_version, self.kind.kind),
            selector,
            pods,
            can_adopt,
        )

    def _manage_replicas(self, active: list[Object], owner: Object) -> Exception | None:
        """manageReplicas: create or delete pods so that ``spec.replicas`` are active; the first error, if any."""
        diff = len(active) - int(spec_of(owner).get("replicas", 1))
        namespace = meta(owner).get("namespace") or ""
        if diff < 0:
            template = spec_of(owner).get("template") or {}
            owner_ref = controller_utils.new_controller_ref(owner, self.kind.api_version, self.kind.kind)
            _, error = slow_start_batch(
                min(-diff, BURST_REPLICAS),
                SLOW_START_INITIAL_BATCH_SIZE,
                lambda: self._pod_control.create_pods(namespace, template, owner, owner_ref),
            )
            return error
        if diff > 0:
            first_error: Exception | None = None
            for pod in self._pods_to_delete(active, owner, min(diff, BURST_REPLICAS)):
                try:
                    self._pod_control.delete_pod(pod, owner)
                except errors.StatusError as exc:
                    first_error = first_error or exc
            return first_error
        return None

    def _pods_to_delete(self, active: list[Object], owner: Object, diff: int) -> list[Object]:
        """getPodsToDelete: the first ``diff`` pods in ActivePodsWithRanks order (no sort when all go)."""
        if diff >= len(active):
            return active[:diff]
        own = {meta(p).get("uid") for p in active}
        related = [p for p in self._indirectly_related_pods(owner) if meta(p).get("uid") not in own]
        return controller_utils.rank_pods_for_deletion(active, related)[:diff]

    def _indirectly_related_pods(self, owner: Object) -> list[Object]:
        """getIndirectlyRelatedPods: the active pods of every object with the same controller (a Deployment's ReplicaSets).

        They rank the pods by how many of the family share their node
        (getPodsRankedByRelatedPodsOnSameNode), so a scale down spreads what is left.
        """
        ref = controller_utils.controller_ref(owner)
        if ref is None:
            return []
        namespace = meta(owner).get("namespace") or ""
        pods = [p for p in self._pods.list(namespace) if controller_utils.is_pod_active(p)]
        related: list[Object] = []
        seen: set[str] = set()
        for sibling in self._sets.list(namespace):
            sibling_ref = controller_utils.controller_ref(sibling)
            if sibling_ref is None or sibling_ref.get("uid") != ref.get("uid"):
                continue
            try:
                selector = self.kind.selector(sibling)
            except SelectorParseError:
                continue
            for pod in pods:
                uid = meta(pod).get("uid") or ""
                if uid not in seen and selector.matches(meta(pod).get("labels") or {}):
                    seen.add(uid)
                    related.append(pod)
        return related

    # -- status (replica_set_utils.go) ------------------------------------------------------------

    def calculate_status(
        self, owner: Object, active: list[Object], terminating: list[Object], manage_error: Exception | None
    ) -> dict[str, Any]:
        """calculateStatus: the counts over the active pods, and ReplicaFailure set on a failed create or delete.

        The condition keeps its first message while the failure lasts (upstream sets it only when
        absent) and goes once a sync manages the replicas without an error.
        """
        status = dict(status_of(owner))
        template_labels = (spec_of(owner).get("template") or {}).get("metadata", {}).get("labels") or {}
        min_ready = int(spec_of(owner).get("minReadySeconds") or 0)
        fully_labeled = ready = available = 0
        for pod in active:
            labels = meta(pod).get("labels") or {}
            if all(labels.get(k) == v for k, v in template_labels.items()):
                fully_labeled += 1
            if controller_utils.is_pod_ready(pod):
                ready += 1
                if controller_utils.is_pod_available(pod, min_ready):
                    available += 1
        conditions = list(status.get("conditions") or [])
        failure = controller_utils.find_condition(conditions, REPLICA_FAILURE)
        if manage_error is not None and failure is None:
            diff = len(active) - int(spec_of(owner).get("replicas", 1))
            reason = FAILED_CREATE if diff < 0 else FAILED_DELETE if diff > 0 else ""
            message = manage_error.message if isinstance(manage_error, errors.StatusError) else str(manage_error)
            conditions = controller_utils.set_condition(
                conditions, {"type": REPLICA_FAILURE, "status": "True", "reason": reason, "message": message}
            )
        elif manage_error is None and failure is not None:
            conditions = controller_utils.remove_condition(conditions, REPLICA_FAILURE)
        status.update(
            replicas=len(active), fullyLabeledReplicas=fully_labeled, readyReplicas=ready, availableReplicas=available
        )
        if self.kind.terminating_replicas:
            status["terminatingReplicas"] = len(terminating)
        if conditions:
            status["conditions"] = conditions
        else:
            status.pop("conditions", None)
        _omit_zero(status, "fullyLabeledReplicas", "readyReplicas", "availableReplicas")
        return status

    def _update_status(self, namespace: str, name: str, uid: str, new_status: dict[str, Any]) -> None:
        """updateReplicaSetStatus: write the status subresource only when it (or the observed generation) changed."""

        def write() -> None:
            current = self._sets.get(namespace, name)
            if current is None or meta(current).get("uid") != uid:
                return
            status = {**new_status, "observedGeneration": meta(current).get("generation")}
            if status == status_of(current):
                return
            self._client.update(self._ctx.spec(self.kind.prefix), {**current, "status": status}, subresource="status")

        retry_on_conflict(STATUS_UPDATE_TRIES, write, f"status of {self.kind.kind} {namespace}/{name} kept conflicting")

    def _requeue_for_availability(self, key: str, owner: Object, active: list[Object]) -> None:
        """Sync again when the next ready pod has been ready for ``minReadySeconds``.

        As syncReplicaSet with controller.FindMinNextPodAvailabilityCheck: while some ready pods
        are not yet available, the key comes back at the moment the first of them becomes so
        (on the server clock, so a test moves frozen time forward and settles).
        """
        min_ready = int(spec_of(owner).get("minReadySeconds") or 0)
        if min_ready <= 0:
            return
        waits = [
            wait
            for pod in active
            if not controller_utils.is_pod_available(pod, min_ready)
            and (wait := controller_utils.seconds_until_available(pod, min_ready)) is not None
        ]
        if waits:
            self.enqueue_after(key, min(waits), cause="a ready pod becomes available")
