"""One sync of a StatefulSet's pods, revisions and status (pkg/controller/statefulset/stateful_set_control.go).

``StatefulSetControl.update_stateful_set`` is defaultStatefulSetControl.UpdateStatefulSet:

1. the revisions: the set's template as a ControllerRevision (created, reused, or renumbered
   for a rollback), the current revision named by ``status.currentRevision``;
2. the replicas ``[start, start + replicas)`` each get a pod: missing ones are created at the
   current revision below the partition and at the update revision above it; failed and
   succeeded ones are deleted to be recreated; with OrderedReady (``monotonic``) the loop stops
   at the first pod that is not Running, Ready and available, so ordinals come up one by one;
3. pods outside the range are condemned and deleted from the highest ordinal down, one at a
   time with OrderedReady, all at once with Parallel;
4. RollingUpdate deletes pods not at the update revision from the highest ordinal down to the
   partition, at most ``maxUnavailable`` unavailable at once (MaxUnavailableStatefulSet is on by
   default); OnDelete leaves that to the user;
5. the status is written (once every replica is updated and ready the update revision becomes
   the current one), and revisions beyond ``revisionHistoryLimit`` that no pod uses are deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fakeapi.controllers import history
from fakeapi.controllers.controller_utils import meta, spec_of, status_of
from fakeapi.controllers.history import Histories
from fakeapi.controllers.statefulset import stateful_set_utils as utils
from fakeapi.controllers.statefulset.stateful_pod_control import StatefulPodControl
from fakeapi.storage.interfaces import Object

StatusUpdater = Callable[[Object, dict[str, Any]], None]
# A step of the loop over pods: True when the sync must stop here (OrderedReady waits).
PodStep = Callable[[int], bool]


def run_for_all(count: int, step: PodStep, monotonic: bool) -> bool:
    """runForAll: in order until a step says stop (monotonic), or every step regardless (burst).

    In burst mode a failing step does not keep the others from running; the first failure is
    raised once all have run, as slowStartBatch reports its errors after the batch.
    """
    if monotonic:
        return any(step(i) for i in range(count))
    failure: Exception | None = None
    for i in range(count):
        try:
            step(i)
        except Exception as exc:
            failure = failure or exc
    if failure is not None:
        raise failure
    return False


def compute_status(status: dict[str, Any], min_ready: int, current: str, update: str, *pod_lists: list[Object]) -> None:
    """updateStatus / computeReplicaStatus: count created, ready, available, current and updated pods."""
    counts = dict.fromkeys(("replicas", "readyReplicas", "availableReplicas", "currentReplicas", "updatedReplicas"), 0)
    for pods in pod_lists:
        for pod in pods:
            created = utils.is_created(pod)
            counts["replicas"] += created
            if utils.is_running_and_ready(pod):
                counts["readyReplicas"] += 1
                counts["availableReplicas"] += utils.is_running_and_available(pod, min_ready)
            if created and not utils.is_terminating(pod):
                counts["currentReplicas"] += utils.pod_revision(pod) == current
                counts["updatedReplicas"] += utils.pod_revision(pod) == update
    status.update(counts)


class StatefulSetControl:
    """defaultStatefulSetControl: the pods, revisions and status of one set per call."""

    def __init__(self, pod_control: StatefulPodControl, histories: Histories, update_status: StatusUpdater) -> None:
        self._pods = pod_control
        self._histories = histories
        self._update_status = update_status

    def update_stateful_set(self, stateful_set: Object, pods: list[Object]) -> dict[str, Any]:
        """UpdateStatefulSet: one pass over the set; returns the status it computed (and wrote if it changed)."""
        revisions = self._histories.list_controlled(stateful_set)
        current, update, collision_count = self._stateful_set_revisions(stateful_set, revisions)
        status: dict[str, Any] = {
            "observedGeneration": meta(stateful_set).get("generation") or 0,
            "currentRevision": meta(current)["name"],
            "updateRevision": meta(update)["name"],
            "collisionCount": collision_count,
        }
        try:
            self._update_pods(stateful_set, current, update, pods, status)
        finally:
            # The status is written even when a pod write failed, and the history kept within its limit.
            utils.complete_rolling_update(stateful_set, status)
            if utils.inconsistent_status(stateful_set, status):
                self._update_status(stateful_set, status)
            self._truncate_history(stateful_set, pods, revisions, current, update)
        return status

    # -- revisions ------------------------------------------------------------------------------

    def _stateful_set_revisions(self, stateful_set: Object, revisions: list[Object]) -> tuple[Object, Object, int]:
        """getStatefulSetRevisions: (current, update, collision count).

        The update revision is the latest revision when it holds the set's template, an older
        equal one renumbered to the next revision (a rollback), or a new one.
        """
        collision_count = int(status_of(stateful_set).get("collisionCount") or 0)
        wanted = utils.new_revision(stateful_set, history.next_revision(revisions), collision_count)
        equal = history.find_equal_revisions(revisions, wanted)
        if equal and history.equal_revision(revisions[-1], equal[-1]):
            update = revisions[-1]
        elif equal:
            update = self._histories.update_revision(equal[-1], history.revision_number(wanted))
        else:
            update, collision_count = self._histories.create(stateful_set, wanted, collision_count)
        current_name = status_of(stateful_set).get("currentRevision")
        current = next((r for r in revisions if meta(r).get("name") == current_name), update)
        return current, update, collision_count

    def _truncate_history(
        self, stateful_set: Object, pods: list[Object], revisions: list[Object], current: Object, update: Object
    ) -> None:
        """truncateHistory: delete the oldest revisions beyond the limit that are neither current, update nor a pod's."""
        live = {meta(current).get("name"), meta(update).get("name"), *(utils.pod_revision(p) for p in pods)}
        historic = [r for r in revisions if meta(r).get("name") not in live]
        limit = int(spec_of(stateful_set).get("revisionHistoryLimit") or 0)
        for revision in historic[: max(len(historic) - limit, 0)]:
            self._histories.delete(revision)

    # -- pods -----------------------------------------------------------------------------------

    def _update_pods(
        self, stateful_set: Object, current: Object, update: Object, pods: list[Object], status: dict[str, Any]
    ) -> None:
        """updateStatefulSet: bring the pods to the set's replicas and revisions; ``status`` is kept counted."""
        current_set = utils.apply_revision(stateful_set, current)
        update_set = utils.apply_revision(stateful_set, update)
        current_name, update_name = meta(current)["name"], meta(update)["name"]
        min_ready = utils.min_ready_seconds(stateful_set)
        compute_status(status, min_ready, current_name, update_name, pods)

        start = utils.start_ordinal(stateful_set)
        replicas: list[Object | None] = [None] * utils.replicas_of(stateful_set)
        condemned: list[Object] = []
        for pod in pods:
            if utils.pod_in_ordinal_range(pod, stateful_set):
                replicas[utils.get_ordinal(pod) - start] = pod
            elif utils.get_ordinal(pod) >= 0:
                condemned.append(pod)
        planned = [
            pod
            if pod is not None
            else utils.new_versioned_stateful_set_pod(current_set, update_set, current_name, update_name, start + i)
            for i, pod in enumerate(replicas)
        ]
        condemned.sort(key=utils.get_ordinal, reverse=True)
        unhealthy = [p for p in planned if not utils.is_healthy(p)] + [
            p for p in reversed(condemned) if not utils.is_healthy(p)
        ]
        first_unhealthy = unhealthy[0] if unhealthy else None

        def recount() -> None:
            compute_status(status, min_ready, current_name, update_name, planned, condemned)

        if meta(stateful_set).get("deletionTimestamp"):
            return
        monotonic = not utils.allows_burst(stateful_set)
        try:
            if run_for_all(
                len(planned),
                lambda i: self._process_replica(stateful_set, update_set, monotonic, planned[i]),
                monotonic,
            ):
                return
            if run_for_all(len(condemned), lambda i: self._fix_pod_claim(update_set, condemned[i]), monotonic):
                return
            if run_for_all(
                len(condemned),
                lambda i: self._process_condemned(stateful_set, first_unhealthy, monotonic, condemned[i]),
                monotonic,
            ):
                return
        finally:
            recount()
        if utils.update_strategy(stateful_set).get("type") == utils.ON_DELETE:
            return
        self._rolling_update(stateful_set, planned, update_name, status)

    def _process_replica(self, stateful_set: Object, update_set: Object, monotonic: bool, pod: Object) -> bool:
        """processReplica: recreate a finished pod, create a missing one, wait (OrderedReady) for one not yet available."""
        if utils.is_failed(pod) or utils.is_succeeded(pod):
            if not utils.is_terminating(pod):
                self._pods.delete_stateful_pod(stateful_set, pod)
            # The replacement is created by the sync that sees this one gone.
            return True
        if not utils.is_created(pod):
            if self._pods.pod_claim_is_stale(stateful_set, pod):
                return True
            self._pods.create_stateful_pod(stateful_set, pod)
            return monotonic
        if utils.is_pending(pod):
            self._pods.create_missing_persistent_volume_claims(stateful_set, pod)
        if monotonic and (
            utils.is_terminating(pod)
            or not utils.is_running_and_ready(pod)
            or not utils.is_running_and_available(pod, utils.min_ready_seconds(stateful_set))
        ):
            return True
        if (
            utils.identity_matches(stateful_set, pod)
            and utils.storage_matches(stateful_set, pod)
            and self._pods.claims_match_retention_policy(update_set, pod)
        ):
            return False
        self._pods.update_stateful_pod(update_set, pod)
        return False

    def _fix_pod_claim(self, update_set: Object, pod: Object) -> bool:
        """A condemned pod's claims get the pod as owner (whenScaled Delete) before it goes."""
        if not self._pods.claims_match_retention_policy(update_set, pod):
            self._pods.update_pod_claim_for_retention_policy(update_set, pod)
        return False

    def _process_condemned(
        self, stateful_set: Object, first_unhealthy: Object | None, monotonic: bool, pod: Object
    ) -> bool:
        """processCondemned: delete a pod above the range; OrderedReady waits while another pod is unhealthy."""
        if utils.is_terminating(pod):
            return monotonic
        if (
            monotonic
            and pod is not first_unhealthy
            and (
                not utils.is_running_and_ready(pod)
                or not utils.is_running_and_available(pod, utils.min_ready_seconds(stateful_set))
            )
        ):
            return True
        self._pods.delete_stateful_pod(stateful_set, pod)
        return True

    def _rolling_update(
        self, stateful_set: Object, replicas: list[Object], update_name: str, status: dict[str, Any]
    ) -> None:
        """updateStatefulSetAfterInvariantEstablished: delete outdated pods from the top down to the partition.

        No more than ``maxUnavailable`` replicas may be unhealthy at once, so each deletion
        waits for the pods deleted before to come back Running and Ready.
        """
        rolling = utils.update_strategy(stateful_set).get("rollingUpdate")
        partition = int((rolling or {}).get("partition") or 0)
        budget = (utils.max_unavailable(stateful_set) if rolling is not None else 1) - sum(
            not utils.is_healthy(p) for p in replicas
        )
        for pod in reversed(replicas[partition:]):
            if budget <= 0:
                return
            if utils.pod_revision(pod) != update_name and not utils.is_terminating(pod):
                self._pods.delete_stateful_pod(stateful_set, pod)
                budget -= 1
                status["currentReplicas"] -= 1
