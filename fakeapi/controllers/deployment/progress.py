"""The Progressing condition and the progress deadline (pkg/controller/deployment/progress.go).

While a rollout runs, the Progressing condition says ``ReplicaSetUpdated`` each time more
replicas are updated, ready or available (its lastUpdateTime moves); once every replica is
updated and available it says ``NewReplicaSetAvailable``; a rollout that made no progress for
``progressDeadlineSeconds`` since that lastUpdateTime says ``ProgressDeadlineExceeded``.
Upstream looks at a stuck Deployment again when its deadline falls due; here that wait is
``enqueue_after`` on the server clock, so a test that moves frozen time past the deadline and
settles sees the timeout.
"""

from __future__ import annotations

from typing import Any

from fakeapi.controllers.controller_utils import meta, spec_of, status_of
from fakeapi.controllers.deployment import deployment_util as util
from fakeapi.controllers.deployment.sync import DeploymentSync
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import parse_time, utc_now


class DeploymentProgress(DeploymentSync):
    """The methods of progress.go."""

    def sync_rollout_status(self, all_rss: list[Object | None], new_rs: Object | None, deployment: Object) -> None:
        """syncRolloutStatus: the status with the Progressing condition a rollout in progress calls for."""
        new_status = self.calculate_status(all_rss, new_rs, deployment)
        if not util.has_progress_deadline(deployment):
            util.remove_deployment_condition(new_status, util.PROGRESSING)
        current = util.get_deployment_condition(status_of(deployment), util.PROGRESSING)
        complete_already = (
            int(new_status.get("replicas") or 0) == int(new_status.get("updatedReplicas") or 0)
            and current is not None
            and current.get("reason") == util.NEW_RS_AVAILABLE_REASON
        )
        if util.has_progress_deadline(deployment) and not complete_already:
            self._estimate_progress(deployment, new_rs, new_status, current)
        failures = self._replica_failures(all_rss, new_rs)
        if failures:
            util.set_deployment_condition(new_status, failures[0])
        else:
            util.remove_deployment_condition(new_status, util.REPLICA_FAILURE)
        if status_of(deployment) == new_status:
            self._requeue_stuck_deployment(deployment, new_status)
            return
        deployment["status"] = new_status
        self.update_status(deployment)

    def _estimate_progress(
        self,
        deployment: Object,
        new_rs: Object | None,
        new_status: dict[str, Any],
        current: dict[str, Any] | None,
    ) -> None:
        name = meta(deployment)["name"]
        subject = f'ReplicaSet "{meta(new_rs)["name"]}"' if new_rs is not None else f'Deployment "{name}"'
        if util.deployment_complete(deployment, new_status):
            util.set_deployment_condition(
                new_status,
                util.new_deployment_condition(
                    util.PROGRESSING, "True", util.NEW_RS_AVAILABLE_REASON, f"{subject} has successfully progressed."
                ),
            )
        elif util.deployment_progressing(deployment, new_status):
            condition = util.new_deployment_condition(
                util.PROGRESSING, "True", util.REPLICA_SET_UPDATED_REASON, f"{subject} is progressing."
            )
            # Progress moves lastUpdateTime even when the reason stays the same, so it is replaced rather than set.
            if current is not None:
                if current.get("status") == "True":
                    condition["lastTransitionTime"] = current.get("lastTransitionTime")
                util.remove_deployment_condition(new_status, util.PROGRESSING)
            util.set_deployment_condition(new_status, condition)
        elif util.deployment_timed_out(deployment, new_status):
            util.set_deployment_condition(
                new_status,
                util.new_deployment_condition(
                    util.PROGRESSING, "False", util.TIMED_OUT_REASON, f"{subject} has timed out progressing."
                ),
            )

    @staticmethod
    def _replica_failures(all_rss: list[Object | None], new_rs: Object | None) -> list[dict[str, Any]]:
        """getReplicaFailures: the new ReplicaSet's ReplicaFailure condition, else any ReplicaSet's."""
        for candidates in ([new_rs], all_rss):
            conditions = [
                util.replica_set_to_deployment_condition(c)
                for rs in candidates
                if rs is not None
                for c in status_of(rs).get("conditions") or []
                if c.get("type") == util.REPLICA_FAILURE
            ]
            if conditions:
                return conditions
        return []

    def _requeue_stuck_deployment(self, deployment: Object, new_status: dict[str, Any]) -> None:
        """requeueStuckDeployment: look again when the deadline of a rollout without progress falls due."""
        current = util.get_deployment_condition(status_of(deployment), util.PROGRESSING)
        if not util.has_progress_deadline(deployment) or current is None:
            return
        if util.deployment_complete(deployment, new_status) or current.get("reason") == util.TIMED_OUT_REASON:
            return
        updated = current.get("lastUpdateTime")
        if not updated:
            return
        deadline = parse_time(updated).timestamp() + int(spec_of(deployment)["progressDeadlineSeconds"])
        after = deadline - utc_now().timestamp()
        key = deployment_key(deployment)
        if after < 1:
            # Due (or nearly): retried with back-off until the deadline has passed, as upstream does.
            self.queue.add_rate_limited(key)
            return
        self.enqueue_after(key, after, cause="progress deadline")


def deployment_key(deployment: Object) -> str:
    """The work-queue key of a Deployment: ``namespace/name``."""
    return f"{meta(deployment).get('namespace')}/{meta(deployment)['name']}"
