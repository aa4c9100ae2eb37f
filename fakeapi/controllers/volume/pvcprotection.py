"""The PVC protection controller (pkg/controller/volume/pvcprotection/pvc_protection_controller.go).

A claim keeps the ``kubernetes.io/pvc-protection`` finalizer while a scheduled pod uses it, so
deleting a claim in use leaves it Terminating; once no scheduled pod of its namespace names it
(an ephemeral volume's claim counts only while its pod is not shut down), the finalizer goes and
the deletion completes. A claim without the finalizer gets it (claims made before admission
added it). Claims are enqueued when they need either, and a pod's claims when the pod is
deleted, terminated or not scheduled.
"""

from __future__ import annotations

from fakeapi.apimachinery import errors
from fakeapi.controllers.base import QueueController
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.controller_utils import PODS_PREFIX, is_pod_terminal, meta, spec_of, status_of
from fakeapi.controllers.informer import ResourceEventHandlerFuncs
from fakeapi.controllers.volume.protectionutil import (
    PVC_PROTECTION_FINALIZER,
    is_deletion_candidate,
    need_to_add_finalizer,
    with_finalizer,
    without_finalizer,
)
from fakeapi.storage.interfaces import Object

NAME = "pvc-protection"
SERVICE_ACCOUNT = "pvc-protection-controller"
CLAIMS = "persistentvolumeclaims"

Key = tuple[str, str]


def _ephemeral_claim_name(pod: Object, volume: dict[str, object]) -> str:
    """ephemeral.VolumeClaimName: ``<pod>-<volume>``."""
    return f"{meta(pod)['name']}-{volume.get('name')}"


def _is_shut_down(pod: Object) -> bool:
    """podIsShutDown: deleted with no grace left (the kubelet is done with it, or it was forced)."""
    return bool(meta(pod).get("deletionTimestamp")) and meta(pod).get("deletionGracePeriodSeconds") == 0


def _is_terminated(pod: Object) -> bool:
    """volumeutil.IsPodTerminated: finished, or being deleted with no container running."""
    if is_pod_terminal(pod):
        return True
    statuses = [
        status
        for key in ("initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses")
        for status in status_of(pod).get(key) or []
    ]
    return bool(meta(pod).get("deletionTimestamp")) and not any(
        "running" in (status.get("state") or {}) for status in statuses if isinstance(status, dict)
    )


def pod_uses_claim(pod: Object, claim_name: str) -> bool:
    """podUsesPVC: only a scheduled pod counts, as the kubelet sees no other."""
    if not spec_of(pod).get("nodeName"):
        return False
    for volume in spec_of(pod).get("volumes") or []:
        if not isinstance(volume, dict):
            continue
        if (volume.get("persistentVolumeClaim") or {}).get("claimName") == claim_name:
            return True
        ephemeral = volume.get("ephemeral") is not None and not _is_shut_down(pod)
        if ephemeral and _ephemeral_claim_name(pod, volume) == claim_name:
            return True
    return False


def _claim_names(pod: Object) -> list[str]:
    names = []
    for volume in spec_of(pod).get("volumes") or []:
        if not isinstance(volume, dict):
            continue
        if volume.get("persistentVolumeClaim") is not None:
            names.append(str(volume["persistentVolumeClaim"].get("claimName") or ""))
        elif volume.get("ephemeral") is not None:
            names.append(_ephemeral_claim_name(pod, volume))
    return names


class PVCProtectionController(QueueController[Key]):
    """Keys are (namespace, name) of claims."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(NAME, self._process_claim, ctx.log)
        self._ctx = ctx
        self._client = ctx.client(SERVICE_ACCOUNT)
        self._claims = ctx.informers.lister(CLAIMS)
        self._pods = ctx.informers.lister(PODS_PREFIX)
        ctx.informers.add_event_handler(
            CLAIMS, ResourceEventHandlerFuncs(add=self._claim_changed, update=lambda _, new: self._claim_changed(new))
        )
        ctx.informers.add_event_handler(
            PODS_PREFIX,
            ResourceEventHandlerFuncs(
                add=lambda pod: self._pod_changed(None, pod, deleted=False),
                update=lambda old, new: self._pod_changed(old, new, deleted=False),
                delete=lambda pod: self._pod_changed(None, pod, deleted=True),
            ),
        )

    def _claim_changed(self, claim: Object) -> None:
        """pvcAddedUpdated."""
        if need_to_add_finalizer(claim, PVC_PROTECTION_FINALIZER) or is_deletion_candidate(
            claim, PVC_PROTECTION_FINALIZER
        ):
            self.enqueue_key((meta(claim).get("namespace") or "", meta(claim)["name"]), cause="claim changed")

    def _pod_changed(self, old: Object | None, pod: Object, *, deleted: bool) -> None:
        """podAddedDeletedUpdated: the claims of a pod that can no longer hold them."""
        self._enqueue_claims(pod, deleted)
        if old is not None and meta(old).get("uid") != meta(pod).get("uid"):
            self._enqueue_claims(old, True)

    def _enqueue_claims(self, pod: Object, deleted: bool) -> None:
        if not deleted and not _is_terminated(pod) and spec_of(pod).get("nodeName"):
            return
        namespace = meta(pod).get("namespace") or ""
        for name in _claim_names(pod):
            self.enqueue_key((namespace, name), cause=f"pod {meta(pod)['name']} released it")

    def _process_claim(self, key: Key) -> None:
        """processPVC."""
        namespace, name = key
        claim = self._claims.get(namespace, name)
        if claim is None:
            return
        spec = self._ctx.spec(CLAIMS)
        try:
            if is_deletion_candidate(claim, PVC_PROTECTION_FINALIZER):
                if not any(pod_uses_claim(pod, name) for pod in self._pods.list(namespace)):
                    self._client.update(spec, without_finalizer(claim, PVC_PROTECTION_FINALIZER))
                return
            if need_to_add_finalizer(claim, PVC_PROTECTION_FINALIZER):
                self._client.update(spec, with_finalizer(claim, PVC_PROTECTION_FINALIZER))
        except errors.StatusError as exc:
            if exc.code == 409:
                # A newer claim is on its way through the informer, which enqueues it again.
                return
            if exc.code != 404:
                raise
