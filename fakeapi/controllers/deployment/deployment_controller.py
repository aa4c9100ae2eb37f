"""The deployment controller (pkg/controller/deployment/deployment_controller.go).

Keys are ``namespace/name`` of Deployments. A Deployment is queued when it changes, when a
ReplicaSet it controls (or an orphan its selector matches) is added, changed or deleted, and,
for the Recreate strategy, when one of its pods is deleted (the new ReplicaSet waits for the
old pods to be gone). ``syncDeployment`` claims the ReplicaSets its selector matches (adopting
orphans, releasing those that no longer match), then: a Deployment being deleted only has its
status updated (the garbage collector removes its ReplicaSets); a paused one, or one whose
replica count changed, is scaled (``sync``); otherwise its strategy takes one rollout step.

The controller writes as the ``deployment-controller`` service account through the loopback
client. With ``minReadySeconds``, a ready pod becomes available only after that time: the
Deployment is looked at again then (``enqueue_after`` on the server clock), so a test that
moves frozen time forward and settles sees it.
"""

from __future__ import annotations

from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.apimachinery.labels import LabelSelector, selector_from_label_selector_dict
from fakeapi.controllers import controller_utils
from fakeapi.controllers.base import Requeue
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.controller_utils import PODS_PREFIX, meta, spec_of
from fakeapi.controllers.deployment import deployment_util as util
from fakeapi.controllers.deployment.progress import deployment_key
from fakeapi.controllers.deployment.recreate import Recreator
from fakeapi.controllers.deployment.rollback import RollbackSync
from fakeapi.controllers.deployment.rolling import RollingUpdater
from fakeapi.controllers.deployment.sync import DEPLOYMENTS_PREFIX, REPLICA_SETS_PREFIX
from fakeapi.controllers.informer import ResourceEventHandlerFuncs
from fakeapi.storage.interfaces import Object

NAME = "deployment"
SERVICE_ACCOUNT = "deployment-controller"


class DeploymentController(RollingUpdater, Recreator, RollbackSync):
    """Rolls Deployments out through ReplicaSets."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(NAME, self._sync_key, ctx.log)
        self.client = ctx.client(SERVICE_ACCOUNT)
        self.recorder = ctx.recorder(self.client, SERVICE_ACCOUNT)
        self.resource = ctx.spec
        self.deployments = ctx.informers.lister(DEPLOYMENTS_PREFIX)
        self.replica_sets = ctx.informers.lister(REPLICA_SETS_PREFIX)
        self._pods = ctx.informers.lister(PODS_PREFIX)
        ctx.informers.add_event_handler(
            DEPLOYMENTS_PREFIX,
            ResourceEventHandlerFuncs(
                add=lambda d: self._enqueue(d, "deployment added"),
                update=lambda _, d: self._enqueue(d, "deployment updated"),
                delete=lambda d: self._enqueue(d, "deployment deleted"),
            ),
        )
        ctx.informers.add_event_handler(
            REPLICA_SETS_PREFIX,
            ResourceEventHandlerFuncs(
                add=self._add_replica_set, update=self._update_replica_set, delete=self._delete_replica_set
            ),
        )
        ctx.informers.add_event_handler(PODS_PREFIX, ResourceEventHandlerFuncs(delete=self._delete_pod))

    # -- event handlers (under the storage lock: only look up and enqueue) ---------------------------

    def _enqueue(self, deployment: Object, cause: str) -> None:
        self.enqueue_key(deployment_key(deployment), cause=cause)

    def _resolve_controller_ref(self, namespace: str, ref: dict[str, Any] | None) -> Object | None:
        """resolveControllerRef: the Deployment a controller reference names, if it is still that one (uid)."""
        if ref is None or ref.get("kind") != "Deployment":
            return None
        deployment = self.deployments.get(namespace, ref.get("name") or "")
        if deployment is None or meta(deployment).get("uid") != ref.get("uid"):
            return None
        return deployment

    def _deployments_selecting(self, rs: Object) -> list[Object]:
        """getDeploymentsForReplicaSet: the Deployments whose (non-empty) selector matches an orphan's labels."""
        labels = meta(rs).get("labels") or {}
        if not labels:
            return []
        result = []
        for deployment in self.deployments.list(meta(rs).get("namespace")):
            selector = _selector(deployment)
            if selector is not None and not selector.empty and selector.matches(labels):
                result.append(deployment)
        return result

    def _add_replica_set(self, rs: Object) -> None:
        """addReplicaSet: its controller is told; an orphan's possible adopters are."""
        if meta(rs).get("deletionTimestamp"):
            self._delete_replica_set(rs)
            return
        ref = controller_utils.controller_ref(rs)
        if ref is not None:
            deployment = self._resolve_controller_ref(meta(rs).get("namespace") or "", ref)
            if deployment is not None:
                self._enqueue(deployment, f"replicaset {meta(rs)['name']} added")
            return
        for deployment in self._deployments_selecting(rs):
            self._enqueue(deployment, f"orphan replicaset {meta(rs)['name']} added")

    def _update_replica_set(self, old: Object, rs: Object) -> None:
        """updateReplicaSet: the old and new controllers are told; for an orphan whose labels changed, its possible adopters."""
        namespace = meta(rs).get("namespace") or ""
        old_ref = controller_utils.controller_ref(old)
        ref = controller_utils.controller_ref(rs)
        ref_changed = (old_ref or {}).get("uid") != (ref or {}).get("uid")
        cause = f"replicaset {meta(rs)['name']} updated"
        if ref_changed and old_ref is not None:
            previous = self._resolve_controller_ref(namespace, old_ref)
            if previous is not None:
                self._enqueue(previous, cause)
        if ref is not None:
            deployment = self._resolve_controller_ref(namespace, ref)
            if deployment is not None:
                self._enqueue(deployment, cause)
            return
        if ref_changed or meta(old).get("labels") != meta(rs).get("labels"):
            for deployment in self._deployments_selecting(rs):
                self._enqueue(deployment, cause)

    def _delete_replica_set(self, rs: Object) -> None:
        """deleteReplicaSet: its controller is told."""
        deployment = self._resolve_controller_ref(meta(rs).get("namespace") or "", controller_utils.controller_ref(rs))
        if deployment is not None:
            self._enqueue(deployment, f"replicaset {meta(rs)['name']} deleted")

    def _delete_pod(self, pod: Object) -> None:
        """deletePod: a Recreate Deployment may be waiting for its old pods to be gone."""
        namespace = meta(pod).get("namespace") or ""
        ref = controller_utils.controller_ref(pod)
        if ref is None or ref.get("kind") != "ReplicaSet":
            return
        rs = self.replica_sets.get(namespace, ref.get("name") or "")
        if rs is None or meta(rs).get("uid") != ref.get("uid"):
            return
        deployment = self._resolve_controller_ref(namespace, controller_utils.controller_ref(rs))
        if deployment is not None and util.strategy_type(deployment) == util.RECREATE:
            self._enqueue(deployment, f"pod {meta(pod)['name']} deleted")

    # -- sync -------------------------------------------------------------------------------------------

    def _sync_key(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        found = self.deployments.get(namespace, name)
        if found is None:
            return  # deleted: the garbage collector removes its ReplicaSets
        deployment = deep_copy_json(found)
        try:
            self.sync_deployment(deployment)
        except errors.StatusError as exc:
            if exc.code == 409:
                # Someone wrote the Deployment or a ReplicaSet meanwhile; their event queues it again.
                raise Requeue(f"{key}: {exc.message}") from exc
            raise

    def sync_deployment(self, deployment: Object) -> None:
        """syncDeployment."""
        rs_list = self._get_replica_sets_for_deployment(deployment)
        pod_map = self._get_pod_map_for_deployment(deployment, rs_list)
        if meta(deployment).get("deletionTimestamp"):
            self.sync_status_only(deployment, rs_list)
            return
        self.check_paused_conditions(deployment)
        self._look_again_when_pods_are_available(deployment, pod_map)
        if spec_of(deployment).get("paused"):
            self.sync(deployment, rs_list)
        elif self.get_rollback_to(deployment) is not None:
            self.rollback(deployment, rs_list)
        elif self.is_scaling_event(deployment, rs_list):
            self.sync(deployment, rs_list)
        elif util.strategy_type(deployment) == util.RECREATE:
            self.rollout_recreate(deployment, rs_list, pod_map)
        else:
            self.rollout_rolling(deployment, rs_list)

    def _get_replica_sets_for_deployment(self, deployment: Object) -> list[Object]:
        """getReplicaSetsForDeployment: adopt matching orphans, release owned ReplicaSets that stopped matching."""
        selector = _selector(deployment)
        if selector is None:
            return []
        uid = meta(deployment).get("uid")
        namespace = meta(deployment).get("namespace") or ""

        def can_adopt() -> bool:
            # RecheckDeletionTimestamp: the Deployment read again is still this one and not being deleted.
            fresh = self.deployments.get(namespace, meta(deployment)["name"])
            return fresh is not None and meta(fresh).get("uid") == uid and not meta(fresh).get("deletionTimestamp")

        return controller_utils.claim(
            self.client,
            self.resource(REPLICA_SETS_PREFIX),
            deployment,
            controller_utils.new_controller_ref(deployment, "apps/v1", "Deployment"),
            selector,
            self.replica_sets.list(namespace),
            can_adopt,
        )

    def _get_pod_map_for_deployment(self, deployment: Object, rs_list: list[Object]) -> dict[str, list[Object]]:
        """getPodMapForDeployment: the selected pods by the uid of the ReplicaSet (of ``rs_list``) controlling them."""
        pod_map: dict[str, list[Object]] = {meta(rs)["uid"]: [] for rs in rs_list}
        selector = _selector(deployment)
        if selector is None:
            return pod_map
        for pod in self._pods.list(meta(deployment).get("namespace")):
            ref = controller_utils.controller_ref(pod)
            if ref is not None and ref.get("uid") in pod_map and selector.matches(meta(pod).get("labels") or {}):
                pod_map[ref["uid"]].append(pod)
        return pod_map

    def _look_again_when_pods_are_available(self, deployment: Object, pod_map: dict[str, list[Object]]) -> None:
        """With minReadySeconds, queue the Deployment for when its first ready pod becomes available."""
        min_ready = int(spec_of(deployment).get("minReadySeconds") or 0)
        if min_ready <= 0:
            return
        waits = [
            wait
            for pods in pod_map.values()
            for pod in pods
            if (wait := controller_utils.seconds_until_available(pod, min_ready))
        ]
        if waits:
            self.enqueue_after(deployment_key(deployment), min(waits), cause="minReadySeconds")


def _selector(deployment: Object) -> LabelSelector | None:
    """The Deployment's selector; None when it cannot be parsed (validation keeps such selectors out)."""
    try:
        return selector_from_label_selector_dict(spec_of(deployment).get("selector"))
    except ValueError:
        return None
