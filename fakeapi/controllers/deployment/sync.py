"""Scaling, the new ReplicaSet, history cleanup and status (pkg/controller/deployment/sync.go).

:class:`DeploymentSync` is the part of the deployment controller every strategy shares: it
finds (or creates) the ReplicaSet whose template is the Deployment's and keeps the revision
annotations of both, scales ReplicaSets on a scaling event or while paused (proportionally
when several are active, so a rollout in progress keeps its proportions), deletes old
ReplicaSets beyond ``revisionHistoryLimit``, and writes the status counts and the Available
condition. Every write goes through the controller's loopback client; a Deployment written
is refreshed in place with the answer, so the next write of the same sync carries its new
resourceVersion.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.controllers import controller_utils
from fakeapi.controllers.base import QueueController, Requeue
from fakeapi.controllers.client import LoopbackClient
from fakeapi.controllers.controller_utils import meta, spec_of, status_of
from fakeapi.controllers.deployment import deployment_util as util
from fakeapi.controllers.informer import Lister
from fakeapi.controllers.record import NORMAL, EventRecorder
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.storage.interfaces import Object

DEPLOYMENTS_PREFIX = "apps/deployments"
REPLICA_SETS_PREFIX = "apps/replicasets"
# DeploymentStatus fields that are `omitempty` integers: a zero is not written, as the API server's encoding drops it.
_OMITTED_WHEN_ZERO = (
    "observedGeneration",
    "replicas",
    "updatedReplicas",
    "readyReplicas",
    "availableReplicas",
    "unavailableReplicas",
)


class DeploymentSync(QueueController[str]):
    """The methods of sync.go; the controller supplies the client, listers and resource specs."""

    client: LoopbackClient
    recorder: EventRecorder
    deployments: Lister
    replica_sets: Lister
    # The served resource at a storage prefix (ControllerContext.spec).
    resource: Callable[[str], ResourceSpec]

    # -- writes -----------------------------------------------------------------------------------

    def update_status(self, deployment: Object) -> None:
        """UpdateStatus, then take the answer as the Deployment (its new resourceVersion)."""
        answer = self.client.update(self.resource(DEPLOYMENTS_PREFIX), deployment, subresource="status")
        deployment.clear()
        deployment.update(answer)

    def update_deployment(self, deployment: Object) -> None:
        answer = self.client.update(self.resource(DEPLOYMENTS_PREFIX), deployment)
        deployment.clear()
        deployment.update(answer)

    def update_replica_set(self, rs: Object) -> Object:
        return self.client.update(self.resource(REPLICA_SETS_PREFIX), rs)

    # -- syncs --------------------------------------------------------------------------------------

    def sync_status_only(self, deployment: Object, rs_list: list[Object]) -> None:
        """syncStatusOnly: a Deployment being deleted only has its status brought up to date."""
        new_rs, old_rss = self.get_all_replica_sets_and_sync_revision(deployment, rs_list, False)
        self.sync_deployment_status([*old_rss, new_rs], new_rs, deployment)

    def sync(self, deployment: Object, rs_list: list[Object]) -> None:
        """sync: reconcile a scaling event, or a paused Deployment (which also has its history cleaned up)."""
        new_rs, old_rss = self.get_all_replica_sets_and_sync_revision(deployment, rs_list, False)
        self.scale(deployment, new_rs, old_rss)
        if spec_of(deployment).get("paused") and self.get_rollback_to(deployment) is None:
            self.cleanup_deployment(old_rss, deployment)
        self.sync_deployment_status([*old_rss, new_rs], new_rs, deployment)

    def get_rollback_to(self, deployment: Object) -> int | None:
        """getRollbackTo: the revision the deprecated rollback annotation asks for (rollback.go)."""
        value = util.annotations_of(deployment).get(util.DEPRECATED_ROLLBACK_TO)
        if not value:
            return None
        try:
            return int(value)
        except ValueError:
            return None

    def check_paused_conditions(self, deployment: Object) -> None:
        """checkPausedConditions: Progressing turns Unknown while paused, so the pause does not count against the deadline."""
        if not util.has_progress_deadline(deployment):
            return
        status = deployment.setdefault("status", {})
        condition = util.get_deployment_condition(status, util.PROGRESSING)
        if condition is not None and condition.get("reason") == util.TIMED_OUT_REASON:
            return
        paused_exists = condition is not None and condition.get("reason") == util.PAUSED_DEPLOY_REASON
        paused = bool(spec_of(deployment).get("paused"))
        if paused and not paused_exists:
            new = util.new_deployment_condition(
                util.PROGRESSING, "Unknown", util.PAUSED_DEPLOY_REASON, "Deployment is paused"
            )
        elif not paused and paused_exists:
            new = util.new_deployment_condition(
                util.PROGRESSING, "Unknown", util.RESUMED_DEPLOY_REASON, "Deployment is resumed"
            )
        else:
            return
        util.set_deployment_condition(status, new)
        self.update_status(deployment)

    def get_all_replica_sets_and_sync_revision(
        self, deployment: Object, rs_list: list[Object], create_if_not_existed: bool
    ) -> tuple[Object | None, list[Object]]:
        """getAllReplicaSetsAndSyncRevision: the new ReplicaSet (revision brought up to date) and all old ones."""
        _, all_old = util.find_old_replica_sets(deployment, rs_list)
        new_rs = self.get_new_replica_set(deployment, rs_list, all_old, create_if_not_existed)
        return new_rs, all_old

    def get_new_replica_set(
        self, deployment: Object, rs_list: list[Object], old_rss: list[Object], create_if_not_existed: bool
    ) -> Object | None:
        """getNewReplicaSet: the ReplicaSet matching the Deployment's template, created if asked.

        An existing one gets the next revision when it is behind (a rollback to it), the
        Deployment's annotations and its minReadySeconds; the Deployment gets its revision and,
        the first time, a Progressing condition ``FoundNewReplicaSet``. A new one is named
        ``<deployment>-<pod-template-hash>`` and starts with as many replicas as the strategy
        allows now; a different ReplicaSet already holding the name raises collisionCount, so
        the next sync hashes to another name.
        """
        existing = util.find_new_replica_set(deployment, rs_list)
        new_revision = str(util.max_revision(old_rss) + 1)
        status = deployment.setdefault("status", {})
        if existing is not None:
            rs_copy = deep_copy_json(existing)
            annotations_updated = util.set_new_replica_set_annotations(deployment, rs_copy, new_revision, True)
            min_ready = spec_of(deployment).get("minReadySeconds") or 0
            if annotations_updated or (spec_of(rs_copy).get("minReadySeconds") or 0) != min_ready:
                rs_copy["spec"]["minReadySeconds"] = min_ready
                updated = self.update_replica_set(rs_copy)
                rs_list[:] = [updated if meta(rs).get("uid") == meta(updated).get("uid") else rs for rs in rs_list]
                return updated
            needs_update = util.set_deployment_revision(
                deployment, util.annotations_of(rs_copy)[util.REVISION_ANNOTATION]
            )
            if (
                util.has_progress_deadline(deployment)
                and util.get_deployment_condition(status, util.PROGRESSING) is None
            ):
                message = f'Found new replica set "{meta(rs_copy)["name"]}"'
                util.set_deployment_condition(
                    status, util.new_deployment_condition(util.PROGRESSING, "True", util.FOUND_NEW_RS_REASON, message)
                )
                needs_update = True
            if needs_update:
                self.update_status(deployment)
            return rs_copy
        if not create_if_not_existed:
            return None
        return self._create_new_replica_set(deployment, old_rss, new_revision)

    def _create_new_replica_set(self, deployment: Object, old_rss: list[Object], new_revision: str) -> Object:
        d_meta = meta(deployment)
        status = deployment.setdefault("status", {})
        template = deep_copy_json(util.pod_template(deployment))
        hash_value = controller_utils.compute_hash(template, status.get("collisionCount"))
        template_meta = template.setdefault("metadata", {})
        template_meta["labels"] = {
            **(template_meta.get("labels") or {}),
            util.DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY: hash_value,
        }
        selector = deep_copy_json(spec_of(deployment).get("selector") or {})
        selector["matchLabels"] = {
            **(selector.get("matchLabels") or {}),
            util.DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY: hash_value,
        }
        new_rs: Object = {
            "metadata": {
                "name": f"{d_meta['name']}-{hash_value}",
                "namespace": d_meta.get("namespace"),
                "ownerReferences": [controller_utils.new_controller_ref(deployment, "apps/v1", "Deployment")],
                "labels": dict(template_meta["labels"]),
            },
            "spec": {
                "replicas": 0,
                "minReadySeconds": spec_of(deployment).get("minReadySeconds") or 0,
                "selector": selector,
                "template": template,
            },
        }
        new_rs["spec"]["replicas"] = util.new_rs_new_replicas(deployment, [*old_rss, new_rs], new_rs)
        util.set_new_replica_set_annotations(deployment, new_rs, new_revision, False)
        namespace = d_meta.get("namespace") or ""
        already_exists = False
        try:
            created = self.client.create(self.resource(REPLICA_SETS_PREFIX), namespace, new_rs)
        except errors.StatusError as exc:
            if exc.code == 409:
                found = self.replica_sets.get(namespace, new_rs["metadata"]["name"])
                if (
                    found is None
                    or not controller_utils.is_controlled_by(found, deployment)
                    or not util.equal_ignore_hash(util.pod_template(deployment), util.pod_template(found))
                ):
                    # A hash collision: another template already has this name. Hash again with a higher count.
                    status["collisionCount"] = int(status.get("collisionCount") or 0) + 1
                    self.update_status(deployment)
                    raise Requeue(f"replica set {new_rs['metadata']['name']} already exists") from exc
                created, already_exists = found, True
            elif exc.code == 403 and "being terminated" in exc.message:
                raise
            else:
                if util.has_progress_deadline(deployment):
                    message = f'Failed to create new replica set "{new_rs["metadata"]["name"]}": {exc.message}'
                    util.set_deployment_condition(
                        status,
                        util.new_deployment_condition(util.PROGRESSING, "False", util.FAILED_RS_CREATE_REASON, message),
                    )
                    self.update_status(deployment)
                raise
        new_replicas = util.spec_replicas(created)
        if not already_exists and new_replicas > 0:
            self.recorder.event(
                deployment,
                NORMAL,
                "ScalingReplicaSet",
                f"Scaled up replica set {meta(created)['name']} from 0 to {new_replicas}",
            )
        needs_update = util.set_deployment_revision(deployment, new_revision)
        if not already_exists and util.has_progress_deadline(deployment):
            message = f'Created new replica set "{meta(created)["name"]}"'
            util.set_deployment_condition(
                status, util.new_deployment_condition(util.PROGRESSING, "True", util.NEW_REPLICA_SET_REASON, message)
            )
            needs_update = True
        if needs_update:
            self.update_status(deployment)
        return created

    def is_scaling_event(self, deployment: Object, rs_list: list[Object]) -> bool:
        """isScalingEvent: an active ReplicaSet was sized for another replica count than the Deployment's."""
        new_rs, old_rss = self.get_all_replica_sets_and_sync_revision(deployment, rs_list, False)
        replicas = util.spec_replicas(deployment)
        for rs in util.filter_active_replica_sets([*old_rss, new_rs]):
            desired = util.get_desired_replicas_annotation(rs)
            if desired is not None and desired != replicas:
                return True
        return False

    # -- scaling ----------------------------------------------------------------------------------------

    def scale(self, deployment: Object, new_rs: Object | None, old_rss: list[Object]) -> None:
        """scale: a scaling event's new size, spread over the active ReplicaSets in proportion to their size."""
        replicas = util.spec_replicas(deployment)
        active_or_latest = util.find_active_or_latest(new_rs, old_rss)
        if active_or_latest is not None:
            if util.spec_replicas(active_or_latest) != replicas:
                self.scale_replica_set_and_record_event(active_or_latest, replicas, deployment)
            return
        if util.is_saturated(deployment, new_rs):
            for old in util.filter_active_replica_sets(old_rss):
                self.scale_replica_set_and_record_event(old, 0, deployment)
            return
        if not util.is_rolling_update(deployment):
            return
        all_rss = util.filter_active_replica_sets([*old_rss, new_rs])
        allowed = replicas + util.max_surge(deployment) if replicas > 0 else 0
        to_add = allowed - util.get_replica_count_for_replica_sets(all_rss)
        if to_add > 0:
            all_rss = util.by_size_newer(all_rss)
        elif to_add < 0:
            all_rss = util.by_size_older(all_rss)
        added = 0
        sizes: dict[str, int] = {}
        for rs in all_rss:
            name = meta(rs)["name"]
            if to_add != 0:
                proportion = util.get_proportion(rs, deployment, to_add, added)
                sizes[name] = util.spec_replicas(rs) + proportion
                added += proportion
            else:
                sizes[name] = util.spec_replicas(rs)
        for index, rs in enumerate(all_rss):
            name = meta(rs)["name"]
            # The largest ReplicaSet takes what rounding left over.
            if index == 0 and to_add != 0:
                sizes[name] = max(sizes[name] + to_add - added, 0)
            self.scale_replica_set(rs, sizes[name], deployment)

    def scale_replica_set_and_record_event(self, rs: Object, new_scale: int, deployment: Object) -> tuple[bool, Object]:
        """scaleReplicaSetAndRecordEvent: scale unless the ReplicaSet already has that size."""
        if util.spec_replicas(rs) == new_scale:
            return False, rs
        return self.scale_replica_set(rs, new_scale, deployment)

    def scale_replica_set(self, rs: Object, new_scale: int, deployment: Object) -> tuple[bool, Object]:
        """scaleReplicaSet: the new size together with the desired- and max-replicas annotations it was chosen for."""
        replicas = util.spec_replicas(deployment)
        maximum = replicas + util.max_surge(deployment)
        size_changes = util.spec_replicas(rs) != new_scale
        if not size_changes and not util.replicas_annotations_need_update(rs, replicas, maximum):
            return False, rs
        old_scale = util.spec_replicas(rs)
        rs_copy = deep_copy_json(rs)
        rs_copy["spec"]["replicas"] = new_scale
        util.set_replicas_annotations(rs_copy, replicas, maximum)
        updated = self.update_replica_set(rs_copy)
        if size_changes:
            operation = "up" if old_scale < new_scale else "down"
            self.recorder.event(
                deployment,
                NORMAL,
                "ScalingReplicaSet",
                f"Scaled {operation} replica set {meta(rs)['name']} from {old_scale} to {new_scale}",
            )
        return size_changes, updated

    # -- history and status -------------------------------------------------------------------------------

    def cleanup_deployment(self, old_rss: list[Object], deployment: Object) -> None:
        """cleanupDeployment: delete the oldest ReplicaSets beyond revisionHistoryLimit that have nothing left.

        A ReplicaSet still wanting or having replicas, or whose latest spec its controller has
        not observed yet, is kept.
        """
        if not util.has_revision_history_limit(deployment):
            return
        cleanable = [rs for rs in old_rss if not meta(rs).get("deletionTimestamp")]
        excess = len(cleanable) - int(spec_of(deployment)["revisionHistoryLimit"])
        if excess <= 0:
            return
        for rs in util.by_revision(cleanable)[:excess]:
            rs_meta = meta(rs)
            if (
                util.status_count(rs, "replicas") != 0
                or util.spec_replicas(rs) != 0
                or int(rs_meta.get("generation") or 0) > util.status_count(rs, "observedGeneration")
            ):
                continue
            try:
                self.client.delete(self.resource(REPLICA_SETS_PREFIX), rs_meta.get("namespace") or "", rs_meta["name"])
            except errors.StatusError as exc:
                if exc.code != 404:
                    raise

    def sync_deployment_status(self, all_rss: list[Object | None], new_rs: Object | None, deployment: Object) -> None:
        """syncDeploymentStatus: write the status when it changed."""
        new_status = self.calculate_status(all_rss, new_rs, deployment)
        if status_of(deployment) == new_status:
            return
        deployment["status"] = new_status
        self.update_status(deployment)

    def calculate_status(
        self, all_rss: list[Object | None], new_rs: Object | None, deployment: Object
    ) -> dict[str, Any]:
        """calculateStatus: the counts summed over the ReplicaSets, and the Available condition.

        Available is True while at least ``replicas - maxUnavailable`` replicas are available.
        """
        available = util.get_available_replica_count_for_replica_sets(all_rss)
        total = util.get_replica_count_for_replica_sets(all_rss)
        counts = {
            "observedGeneration": int(meta(deployment).get("generation") or 0),
            "replicas": util.get_actual_replica_count_for_replica_sets(all_rss),
            "updatedReplicas": util.get_actual_replica_count_for_replica_sets([new_rs]),
            "readyReplicas": util.get_ready_replica_count_for_replica_sets(all_rss),
            "availableReplicas": available,
            "unavailableReplicas": max(total - available, 0),
        }
        old = status_of(deployment)
        status: dict[str, Any] = {k: v for k, v in counts.items() if v}
        terminating = util.get_terminating_replica_count_for_replica_sets(all_rss)
        if terminating is not None:
            status["terminatingReplicas"] = terminating
        if old.get("collisionCount") is not None:
            status["collisionCount"] = old["collisionCount"]
        if old.get("conditions"):
            status["conditions"] = deep_copy_json(old["conditions"])
        if available >= util.spec_replicas(deployment) - util.max_unavailable(deployment):
            condition = util.new_deployment_condition(
                util.AVAILABLE, "True", util.MINIMUM_REPLICAS_AVAILABLE, "Deployment has minimum availability."
            )
        else:
            condition = util.new_deployment_condition(
                util.AVAILABLE,
                "False",
                util.MINIMUM_REPLICAS_UNAVAILABLE,
                "Deployment does not have minimum availability.",
            )
        util.set_deployment_condition(status, condition)
        return status
