"""A StatefulSet's writes to its pods and claims (pkg/controller/statefulset/stateful_pod_control.go).

``StatefulPodControl`` creates a pod's PersistentVolumeClaims before the pod, updates a pod's
identity and storage, deletes pods, and keeps the claims' ownerReferences as the set's
``persistentVolumeClaimRetentionPolicy`` asks (StatefulSetAutoDeletePVC is GA), all through
the loopback client as ``statefulset-controller``. Reads come from listers, which hold every
committed write. Each write is recorded on the set as upstream's recordPodEvent and
recordClaimEvent record it (``create Pod web-0 in StatefulSet web successful``, ``create Pod
web-0 in StatefulSet web failed error: ...``).
"""

from __future__ import annotations

from collections.abc import Callable

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.controllers.base import Requeue, retry_on_conflict
from fakeapi.controllers.client import LoopbackClient
from fakeapi.controllers.controller_utils import PodControl, meta
from fakeapi.controllers.informer import Lister
from fakeapi.controllers.record import EventRecorder
from fakeapi.controllers.statefulset import stateful_set_utils as utils
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.storage.interfaces import Object

# retry.DefaultBackoff's steps: how often a pod update that conflicts is tried within one sync.
MAX_UPDATE_RETRIES = 4


class StatefulPodControl:
    """Pods and claims of StatefulSets, written as one controller."""

    def __init__(
        self,
        client: LoopbackClient,
        pods: Callable[[], ResourceSpec],
        claims: Callable[[], ResourceSpec],
        pod_lister: Lister,
        claim_lister: Lister,
        recorder: EventRecorder,
    ) -> None:
        self._client = client
        self._recorder = recorder
        self._pod_control = PodControl(client, pods)
        self._pods = pods
        self._claims = claims
        self._pod_lister = pod_lister
        self._claim_lister = claim_lister

    def create_stateful_pod(self, stateful_set: Object, pod: Object) -> None:
        """CreateStatefulPod: the claims first, then the pod, then the claims' ownerReferences."""
        self.create_persistent_volume_claims(stateful_set, pod)
        try:
            created = self._pod_control.create_pod(meta(stateful_set).get("namespace") or "", pod)
        except errors.StatusError as exc:
            if exc.code != 409:
                self._record_pod_event("create", stateful_set, pod, exc)
            raise
        if created is not None:
            self.update_pod_claim_for_retention_policy(stateful_set, created)
            self._record_pod_event("create", stateful_set, pod)

    def update_stateful_pod(self, stateful_set: Object, pod: Object) -> None:
        """UpdateStatefulPod: restore the pod's identity and storage and its claims' references, retrying conflicts."""
        namespace = meta(stateful_set).get("namespace") or ""
        name = meta(pod)["name"]
        attempted = False  # an event is recorded only when a write was tried (attemptedUpdate)

        def write() -> None:
            nonlocal attempted
            current = self._pod_lister.get(namespace, name)
            if current is None:
                raise errors.StatusError(404, "NotFound", f'pods "{name}" not found')
            updated = deep_copy_json(current)
            consistent = True
            if not utils.identity_matches(stateful_set, updated):
                utils.update_identity(stateful_set, updated)
                consistent = False
            if not utils.storage_matches(stateful_set, updated):
                utils.update_storage(stateful_set, updated)
                consistent = False
                self.create_persistent_volume_claims(stateful_set, updated)
            if not self.claims_match_retention_policy(stateful_set, updated):
                self.update_pod_claim_for_retention_policy(stateful_set, updated)
                consistent = False
            if not consistent:
                attempted = True
                self._client.update(self._pods(), updated)

        try:
            retry_on_conflict(MAX_UPDATE_RETRIES, write, f"update of pod {namespace}/{name} kept conflicting")
        except errors.StatusError as exc:
            if attempted:
                self._record_pod_event("update", stateful_set, pod, exc)
            raise
        if attempted:
            self._record_pod_event("update", stateful_set, pod)

    def delete_stateful_pod(self, stateful_set: Object, pod: Object) -> None:
        try:
            deleted = self._pod_control.delete_pod(pod)
        except errors.StatusError as exc:
            self._record_pod_event("delete", stateful_set, pod, exc)
            raise
        if deleted:  # a pod someone else deleted first is not this set's doing
            self._record_pod_event("delete", stateful_set, pod)

    def _record_pod_event(
        self, verb: str, stateful_set: Object, pod: Object, err: errors.StatusError | None = None
    ) -> None:
        """recordPodEvent."""
        subject = f"{verb} Pod {meta(pod)['name']} in StatefulSet {meta(stateful_set)['name']}"
        if err is None:
            self._recorder.event(stateful_set, "Normal", f"Successful{verb.title()}", f"{subject} successful")
        else:
            self._recorder.event(
                stateful_set, "Warning", f"Failed{verb.title()}", f"{subject} failed error: {err.message}"
            )

    # -- claims ---------------------------------------------------------------------------------

    def create_persistent_volume_claims(self, stateful_set: Object, pod: Object) -> None:
        """createPersistentVolumeClaims: create the pod's missing claims; a claim being deleted waits (requeue)."""
        namespace = meta(stateful_set).get("namespace") or ""
        for _, claim in utils.persistent_volume_claims(stateful_set, utils.get_ordinal(pod)):
            existing = self._claim_lister.get(namespace, meta(claim)["name"])
            if existing is None:
                subject = f"Claim {meta(claim)['name']}"
                where = f"Pod {meta(pod)['name']} in StatefulSet {meta(stateful_set)['name']}"
                try:
                    self._client.create(self._claims(), namespace, claim)
                except errors.StatusError as exc:
                    if exc.code != 409:
                        # recordClaimEvent
                        self._recorder.event(
                            stateful_set,
                            "Warning",
                            "FailedCreate",
                            f"create {subject} for {where} failed error: {exc.message}",
                        )
                        raise
                    continue
                self._recorder.event(stateful_set, "Normal", "SuccessfulCreate", f"create {subject} {where} success")
            elif meta(existing).get("deletionTimestamp"):
                raise Requeue(f"pvc {meta(claim)['name']} is being deleted")

    def create_missing_persistent_volume_claims(self, stateful_set: Object, pod: Object) -> None:
        """createMissingPersistentVolumeClaims: for a pending pod whose claims went away."""
        self.create_persistent_volume_claims(stateful_set, pod)
        self.update_pod_claim_for_retention_policy(stateful_set, pod)

    def _existing_claims(self, stateful_set: Object, pod: Object) -> list[Object]:
        namespace = meta(stateful_set).get("namespace") or ""
        found = []
        for template in utils.claim_templates(stateful_set):
            claim = self._claim_lister.get(namespace, utils.claim_name(stateful_set, template, utils.get_ordinal(pod)))
            if claim is not None:
                found.append(claim)
        return found

    def claims_match_retention_policy(self, stateful_set: Object, pod: Object) -> bool:
        """ClaimsMatchRetentionPolicy: every existing claim of the pod has the references the policy asks."""
        return all(
            utils.is_claim_owner_up_to_date(claim, stateful_set, pod)
            for claim in self._existing_claims(stateful_set, pod)
        )

    def update_pod_claim_for_retention_policy(self, stateful_set: Object, pod: Object) -> None:
        """UpdatePodClaimForRetentionPolicy: rewrite the references of each claim that does not follow the policy.

        A claim another controller manages only loses the references to this set and pod.
        """
        for claim in self._existing_claims(stateful_set, pod):
            if utils.is_claim_owner_up_to_date(claim, stateful_set, pod):
                continue
            updated = deep_copy_json(claim)
            utils.update_claim_owner_refs(updated, stateful_set, pod)
            self._client.update(self._claims(), updated)

    def pod_claim_is_stale(self, stateful_set: Object, pod: Object) -> bool:
        """PodClaimIsStale: under whenScaled Delete, a claim still owned by an earlier pod of this name must go first."""
        if utils.retention_policy(stateful_set)[1] == utils.RETAIN:
            return False
        return any(
            utils.has_stale_owner_ref(claim, pod, utils.POD_API_VERSION, utils.POD_KIND)
            for claim in self._existing_claims(stateful_set, pod)
        )
