"""Rollback by annotation (pkg/controller/deployment/rollback.go).

``kubectl rollout undo`` rolls back on the client: it patches the Deployment's template with
an old ReplicaSet's (and its annotations), and the sync then finds that ReplicaSet as the new
one and gives it the next revision, its former one joining ``revision-history`` (see
``DeploymentSync.get_new_replica_set``). What remains here is the server-side request of the
retired extensions/v1beta1 ``rollback`` subresource, which upstream still honours: the
``deprecated.deployment.rollback.to`` annotation names a revision (0: the previous one); the
template of the ReplicaSet with that revision is copied into the Deployment and the
annotation removed. The events upstream records for it are left out, as fakeapi's
controllers record none yet.
"""

from __future__ import annotations

from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.controllers.deployment import deployment_util as util
from fakeapi.controllers.deployment.sync import DeploymentSync
from fakeapi.storage.interfaces import Object


class RollbackSync(DeploymentSync):
    """The methods of rollback.go."""

    def rollback(self, deployment: Object, rs_list: list[Object]) -> None:
        """rollback: copy the template of the requested revision into the Deployment, then clear the request."""
        new_rs, old_rss = self.get_all_replica_sets_and_sync_revision(deployment, rs_list, True)
        all_rss = [*old_rss, new_rs]
        wanted = self.get_rollback_to(deployment) or util.last_revision(all_rss)
        target = next((rs for rs in all_rss if rs is not None and wanted and util.revision(rs) == wanted), None)
        if target is not None and not util.equal_ignore_hash(util.pod_template(deployment), util.pod_template(target)):
            self._set_from_replica_set_template(deployment, target)
            util.set_deployment_annotations_to(deployment, target)
        self._update_deployment_and_clear_rollback_to(deployment)

    @staticmethod
    def _set_from_replica_set_template(deployment: Object, rs: Object) -> None:
        """SetFromReplicaSetTemplate: the ReplicaSet's template without its pod-template-hash label."""
        template = deep_copy_json(util.pod_template(rs))
        labels = (template.get("metadata") or {}).get("labels")
        if labels:
            labels.pop(util.DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY, None)
        deployment["spec"]["template"] = template

    def _update_deployment_and_clear_rollback_to(self, deployment: Object) -> None:
        """updateDeploymentAndClearRollbackTo."""
        deployment["metadata"].get("annotations", {}).pop(util.DEPRECATED_ROLLBACK_TO, None)
        self.update_deployment(deployment)
