"""The Recreate strategy (pkg/controller/deployment/recreate.go).

Old ReplicaSets are scaled to zero first; the new ReplicaSet is created and scaled up only
once no old pod is left running (pods that ended, Succeeded or Failed, do not count), so old
and new pods never run side by side.
"""

from __future__ import annotations

from fakeapi.controllers.controller_utils import meta, pod_phase
from fakeapi.controllers.deployment import deployment_util as util
from fakeapi.controllers.deployment.progress import DeploymentProgress
from fakeapi.storage.interfaces import Object


class Recreator(DeploymentProgress):
    """The methods of recreate.go."""

    def rollout_recreate(self, deployment: Object, rs_list: list[Object], pod_map: dict[str, list[Object]]) -> None:
        """rolloutRecreate: scale old down, wait for their pods to go, then bring the new ReplicaSet up."""
        new_rs, old_rss = self.get_all_replica_sets_and_sync_revision(deployment, rs_list, False)
        all_rss: list[Object | None] = [*old_rss, new_rs]
        if self._scale_down_old_replica_sets_for_recreate(util.filter_active_replica_sets(old_rss), deployment):
            self.sync_rollout_status(all_rss, new_rs, deployment)
            return
        if old_pods_running(new_rs, old_rss, pod_map):
            self.sync_rollout_status(all_rss, new_rs, deployment)
            return
        if new_rs is None:
            new_rs, old_rss = self.get_all_replica_sets_and_sync_revision(deployment, rs_list, True)
            all_rss = [*old_rss, new_rs]
        assert new_rs is not None  # created above
        self.scale_replica_set_and_record_event(new_rs, util.spec_replicas(deployment), deployment)
        if util.deployment_complete(deployment, deployment.get("status") or {}):
            self.cleanup_deployment(old_rss, deployment)
        self.sync_rollout_status(all_rss, new_rs, deployment)

    def _scale_down_old_replica_sets_for_recreate(self, old_rss: list[Object], deployment: Object) -> bool:
        """scaleDownOldReplicaSetsForRecreate: every active old ReplicaSet to zero."""
        scaled = False
        for rs in old_rss:
            if util.spec_replicas(rs) == 0:
                continue
            changed, _ = self.scale_replica_set_and_record_event(rs, 0, deployment)
            scaled = scaled or changed
        return scaled


def old_pods_running(new_rs: Object | None, old_rss: list[Object], pod_map: dict[str, list[Object]]) -> bool:
    """oldPodsRunning: an old ReplicaSet still reports replicas, or one of its pods has not ended."""
    if util.get_actual_replica_count_for_replica_sets(old_rss) > 0:
        return True
    new_uid = meta(new_rs).get("uid") if new_rs is not None else None
    return any(
        pod_phase(pod) not in ("Failed", "Succeeded")
        for rs_uid, pods in pod_map.items()
        if rs_uid != new_uid
        for pod in pods
    )
