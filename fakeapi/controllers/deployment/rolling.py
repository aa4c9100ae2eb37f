"""The RollingUpdate strategy (pkg/controller/deployment/rolling.go).

Each sync takes one step: scale the new ReplicaSet up as far as maxSurge allows; if that did
nothing, scale old ReplicaSets down as far as maxUnavailable allows (first the replicas that
are not available, which would otherwise block the rollout, then available ones, oldest
ReplicaSet first). Once the rollout is complete, old ReplicaSets beyond the history limit go.
"""

from __future__ import annotations

from fakeapi.controllers.deployment import deployment_util as util
from fakeapi.controllers.deployment.progress import DeploymentProgress
from fakeapi.storage.interfaces import Object


class RollingUpdater(DeploymentProgress):
    """The methods of rolling.go."""

    def rollout_rolling(self, deployment: Object, rs_list: list[Object]) -> None:
        """rolloutRolling: one step of a rolling update, then the rollout status."""
        new_rs, old_rss = self.get_all_replica_sets_and_sync_revision(deployment, rs_list, True)
        assert new_rs is not None  # created when missing
        all_rss: list[Object | None] = [*old_rss, new_rs]
        if self._reconcile_new_replica_set(all_rss, new_rs, deployment):
            self.sync_rollout_status(all_rss, new_rs, deployment)
            return
        if self._reconcile_old_replica_sets(util.filter_active_replica_sets(old_rss), new_rs, deployment):
            self.sync_rollout_status(all_rss, new_rs, deployment)
            return
        if util.deployment_complete(deployment, deployment.get("status") or {}):
            self.cleanup_deployment(old_rss, deployment)
        self.sync_rollout_status(all_rss, new_rs, deployment)

    def _reconcile_new_replica_set(self, all_rss: list[Object | None], new_rs: Object, deployment: Object) -> bool:
        """reconcileNewReplicaSet: scale the new ReplicaSet towards the desired count within maxSurge."""
        replicas = util.spec_replicas(deployment)
        current = util.spec_replicas(new_rs)
        if current == replicas:
            return False
        target = replicas if current > replicas else util.new_rs_new_replicas(deployment, all_rss, new_rs)
        scaled, _ = self.scale_replica_set_and_record_event(new_rs, target, deployment)
        return scaled

    def _reconcile_old_replica_sets(self, old_rss: list[Object], new_rs: Object, deployment: Object) -> bool:
        """reconcileOldReplicaSets: scale old ReplicaSets down while at least minAvailable replicas stay available."""
        if util.get_replica_count_for_replica_sets(old_rss) == 0:
            return False
        all_pods = util.get_replica_count_for_replica_sets([*old_rss, new_rs])
        min_available = util.spec_replicas(deployment) - util.max_unavailable(deployment)
        new_rs_unavailable = util.spec_replicas(new_rs) - util.status_count(new_rs, "availableReplicas")
        max_scaled_down = all_pods - min_available - new_rs_unavailable
        if max_scaled_down <= 0:
            return False
        old_rss, cleaned_up = self._cleanup_unhealthy_replicas(old_rss, deployment, max_scaled_down)
        scaled_down = self._scale_down_old_replica_sets_for_rolling_update([*old_rss, new_rs], old_rss, deployment)
        return cleaned_up + scaled_down > 0

    def _cleanup_unhealthy_replicas(
        self, old_rss: list[Object], deployment: Object, max_cleanup: int
    ) -> tuple[list[Object], int]:
        """cleanupUnhealthyReplicas: remove old replicas that are not available, at most ``max_cleanup``."""
        result = util.by_creation_timestamp(old_rss)
        total = 0
        for index, rs in enumerate(result):
            if total >= max_cleanup:
                break
            replicas = util.spec_replicas(rs)
            available = util.status_count(rs, "availableReplicas")
            if replicas == 0 or replicas == available:
                continue
            count = min(max_cleanup - total, replicas - available)
            _, result[index] = self.scale_replica_set_and_record_event(rs, replicas - count, deployment)
            total += count
        return result, total

    def _scale_down_old_replica_sets_for_rolling_update(
        self, all_rss: list[Object], old_rss: list[Object], deployment: Object
    ) -> int:
        """scaleDownOldReplicaSetsForRollingUpdate: remove available old replicas beyond minAvailable, oldest first."""
        min_available = util.spec_replicas(deployment) - util.max_unavailable(deployment)
        available = util.get_available_replica_count_for_replica_sets(all_rss)
        if available <= min_available:
            return 0
        to_scale_down = available - min_available
        total = 0
        for rs in util.by_creation_timestamp(old_rss):
            if total >= to_scale_down:
                break
            replicas = util.spec_replicas(rs)
            if replicas == 0:
                continue
            count = min(replicas, to_scale_down - total)
            self.scale_replica_set_and_record_event(rs, replicas - count, deployment)
            total += count
        return total
