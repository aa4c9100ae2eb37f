"""The PersistentVolume binder: claims bound to volumes, volumes provisioned, released and reclaimed.

Follows pkg/controller/volume/persistentvolume/pv_controller.go (``syncClaim``,
``syncUnboundClaim``, ``syncBoundClaim``, ``syncVolume``, ``bind``, ``provisionClaim``,
``reclaimVolume``) with its Base loop in pv_controller_base.go. Keys are ``("claim",
namespace, name)`` and ``("volume", "", name)``.

- A claim without a volume takes the smallest matching Available volume
  (``find_matching_volume``: class, access modes, capacity, selector, ``volumeName``); the
  volume gets ``spec.claimRef``, the claim ``spec.volumeName``, both phase Bound, with the
  ``pv.kubernetes.io/bind-completed`` and ``pv.kubernetes.io/bound-by-controller``
  annotations where upstream sets them.
- A claim that no volume matches, of a class with a provisioner, is provisioned: the claim gets
  the ``volume.kubernetes.io/storage-provisioner`` annotations (the controller's part), and the
  volume the external provisioner would create is created here as well, named
  ``pvc-<claim uid>``, with ``pv.kubernetes.io/provisioned-by``, the class's reclaim policy and
  mount options, a hostPath (local-path provisioners) or CSI source and the claim pre-bound.
- A WaitForFirstConsumer claim waits until the scheduler put a pod's node in the
  ``volume.kubernetes.io/selected-node`` annotation; its volume is then pinned to that node.
  Meanwhile each sync records why it waits (``WaitForFirstConsumer``, or ``WaitForPodScheduled``
  naming the pods using it), and a claim with no volume and no class says ``FailedBinding``.
- A volume whose claim is gone is Released, then deleted when its reclaim policy is Delete.

Every write goes through the loopback client as ``persistent-volume-binder``.
"""

from __future__ import annotations

from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.controllers.base import QueueController, Requeue
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.controller_utils import PODS_PREFIX, meta, spec_of, status_of
from fakeapi.controllers.informer import ResourceEventHandlerFuncs
from fakeapi.controllers.volume.util import (
    ANN_BETA_STORAGE_PROVISIONER,
    ANN_BIND_COMPLETED,
    ANN_BOUND_BY_CONTROLLER,
    ANN_DYNAMICALLY_PROVISIONED,
    ANN_SELECTED_NODE,
    ANN_STORAGE_PROVISIONER,
    annotations_of,
    claim_class,
    find_matching_volume,
    is_delayed_binding,
    provisioner_of,
    volume_class,
)
from fakeapi.storage.interfaces import Object

NAME = "persistentvolume-binder"
SERVICE_ACCOUNT = "persistent-volume-binder"
# The event source of the binder's events (pv_controller_base.go's recorder).
COMPONENT = "persistentvolume-controller"
# kube-controller-manager's --pvclaimbinder-sync-period: how often every claim is synced again.
RESYNC_SECONDS = 15.0
CLAIMS = "persistentvolumeclaims"
VOLUMES = "persistentvolumes"
CLASSES = "storage.k8s.io/storageclasses"
# Provisioners whose volumes are directories on the node (kind's rancher.io/local-path and the in-tree host-path one).
HOST_PATH_PROVISIONERS = ("rancher.io/local-path", "kubernetes.io/host-path")
LOCAL_PATH_ROOT = "/var/local-path-provisioner"
HOSTNAME_LABEL = "kubernetes.io/hostname"

Key = tuple[str, str, str]


def _claim_key(namespace: str, name: str) -> Key:
    return ("claim", namespace, name)


def _volume_key(name: str) -> Key:
    return ("volume", "", name)


def _claim_ref(claim: Object) -> dict[str, Any]:
    """v1.ObjectReference to the claim (reference.GetReference)."""
    claim_meta = meta(claim)
    return {
        "kind": "PersistentVolumeClaim",
        "namespace": claim_meta.get("namespace"),
        "name": claim_meta["name"],
        "uid": claim_meta.get("uid"),
        "apiVersion": "v1",
        "resourceVersion": claim_meta.get("resourceVersion"),
    }


def _pre_bound_to(volume: Object, claim: Object) -> bool:
    """The volume's claimRef names this claim (and, when it has a uid, this very claim)."""
    claim_meta = meta(claim)
    uid = (spec_of(volume).get("claimRef") or {}).get("uid")
    return _refers_to(volume, claim_meta.get("namespace") or "", claim_meta["name"]) and uid in (
        None,
        "",
        claim_meta.get("uid"),
    )


def _claims_of(pod: Object) -> set[str]:
    """The claims a pod's volumes use (the PodPVCIndex): named ones, and generic ephemeral ones (<pod>-<volume>)."""
    names = set()
    for volume in spec_of(pod).get("volumes") or []:
        if (volume.get("persistentVolumeClaim") or {}).get("claimName"):
            names.add(volume["persistentVolumeClaim"]["claimName"])
        elif volume.get("ephemeral") is not None:
            names.add(f"{meta(pod)['name']}-{volume.get('name')}")
    return names


def _refers_to(volume: Object, namespace: str, name: str) -> bool:
    ref = spec_of(volume).get("claimRef") or {}
    return ref.get("namespace") == namespace and ref.get("name") == name


class PersistentVolumeController(QueueController[Key]):
    """Keys name a claim or a volume."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(NAME, self._sync, ctx.log)
        self._ctx = ctx
        self._client = ctx.client(SERVICE_ACCOUNT)
        self._claims = ctx.informers.lister(CLAIMS)
        self._volumes = ctx.informers.lister(VOLUMES)
        self._classes = ctx.informers.lister(CLASSES)
        self._pods = ctx.informers.lister(PODS_PREFIX)
        self._recorder = ctx.recorder(self._client, COMPONENT)
        ctx.informers.add_event_handler(
            CLAIMS,
            ResourceEventHandlerFuncs(
                add=self._claim_changed, update=lambda _, new: self._claim_changed(new), delete=self._claim_deleted
            ),
        )
        ctx.informers.add_event_handler(
            VOLUMES,
            ResourceEventHandlerFuncs(add=self._volume_changed, update=lambda _, new: self._volume_changed(new)),
        )
        ctx.informers.add_event_handler(CLASSES, ResourceEventHandlerFuncs(add=self._class_added))

    # -- event handlers (under the storage lock: only enqueue) -------------------------------

    def _claim_changed(self, claim: Object) -> None:
        claim_meta = meta(claim)
        self.enqueue_key(_claim_key(claim_meta.get("namespace") or "", claim_meta["name"]), cause="claim changed")

    def _claim_deleted(self, claim: Object) -> None:
        claim_meta = meta(claim)
        namespace, name = claim_meta.get("namespace") or "", claim_meta["name"]
        for volume in self._volumes.list():
            if _refers_to(volume, namespace, name):
                self.enqueue_key(_volume_key(meta(volume)["name"]), cause=f"claim {namespace}/{name} deleted")

    def _volume_changed(self, volume: Object) -> None:
        self.enqueue_key(_volume_key(meta(volume)["name"]), cause="volume changed")
        ref = spec_of(volume).get("claimRef")
        if ref:
            self.enqueue_key(_claim_key(ref.get("namespace") or "", ref.get("name") or ""), cause="volume changed")
            return
        # Upstream's periodic resync finds pending claims a new volume fits; here the volume's event does.
        self._enqueue_unbound_claims(volume_class(volume))

    def _class_added(self, storage_class: Object) -> None:
        self._enqueue_unbound_claims(meta(storage_class).get("name") or "")

    def _enqueue_unbound_claims(self, class_name: str) -> None:
        for claim in self._claims.list():
            if not spec_of(claim).get("volumeName") and claim_class(claim) == class_name:
                self._claim_changed(claim)

    # -- sync ----------------------------------------------------------------------------------

    def _sync(self, key: Key) -> None:
        kind, namespace, name = key
        try:
            if kind == "claim":
                claim = self._claims.get(namespace, name)
                if claim is not None and not meta(claim).get("deletionTimestamp"):
                    self._sync_claim(claim)
            else:
                volume = self._volumes.get("", name)
                if volume is not None:
                    self._sync_volume(volume)
        except errors.StatusError as exc:
            if exc.code == 409:
                raise Requeue(f"{kind} {namespace}/{name} changed meanwhile") from exc
            if exc.code != 404:
                raise

    def _sync_claim(self, claim: Object) -> None:
        """syncClaim: bound claims are kept bound (syncBoundClaim), the others get a volume (syncUnboundClaim)."""
        volume_name = spec_of(claim).get("volumeName")
        if not volume_name:
            self._sync_unbound_claim(claim)
            return
        volume = self._volumes.get("", volume_name)
        if volume is None:
            # A bound claim whose volume went is Lost; one that names a volume still to come waits Pending.
            lost = annotations_of(claim).get(ANN_BIND_COMPLETED)
            self._set_claim_phase(claim, "Lost" if lost else "Pending")
            return
        if not spec_of(volume).get("claimRef") or _pre_bound_to(volume, claim):
            self._bind(volume, claim)
        elif annotations_of(claim).get(ANN_BIND_COMPLETED):
            self._set_claim_phase(claim, "Lost")

    def _sync_unbound_claim(self, claim: Object) -> None:
        storage_class = self._class_of(claim)
        delayed = is_delayed_binding(claim, storage_class)
        volume = find_matching_volume(claim, self._volumes.list(), None, delay_binding=delayed)
        if volume is not None:
            self._bind(volume, claim)
            return
        self._set_claim_phase(claim, "Pending")
        if delayed and not annotations_of(claim).get(ANN_SELECTED_NODE):
            self._record_waiting(claim)  # WaitForFirstConsumer: the scheduler picks the node first
            # The controller's resync looks again (and says again why it waits) until a pod is scheduled.
            claim_meta = meta(claim)
            key = _claim_key(claim_meta.get("namespace") or "", claim_meta["name"])
            self.enqueue_after(key, RESYNC_SECONDS, cause="resync", periodic=True)
            return
        provisioner = provisioner_of(storage_class)
        if provisioner and storage_class is not None:
            self._provision(claim, storage_class, provisioner)
        elif not claim_class(claim):
            message = "no persistent volumes available for this claim and no storage class is set"
            self._recorder.event(claim, "Normal", "FailedBinding", message)

    def _record_waiting(self, claim: Object) -> None:
        """emitEventForUnboundDelayBindingClaim: waiting for a pod to use the claim, or for its pods' node."""
        claim_meta = meta(claim)
        pending = [
            meta(pod)["name"]
            for pod in self._pods.list(claim_meta.get("namespace") or "")
            if not spec_of(pod).get("nodeName") and claim_meta["name"] in _claims_of(pod)
        ]
        if not pending:
            reason, message = "WaitForFirstConsumer", "waiting for first consumer to be created before binding"
        elif len(pending) == 1:
            reason, message = "WaitForPodScheduled", f"waiting for pod {pending[0]} to be scheduled"
        else:
            reason, message = "WaitForPodScheduled", f"waiting for pods {','.join(pending)} to be scheduled"
        self._recorder.event(claim, "Normal", reason, message)

    def _class_of(self, claim: Object) -> Object | None:
        name = claim_class(claim)
        return self._classes.get("", name) if name else None

    # -- binding (bind, bindVolumeToClaim, bindClaimToVolume) ---------------------------------------

    def _bind(self, volume: Object, claim: Object) -> None:
        """Both sides, each only where it differs, so binding again is a no-op."""
        claim_meta = meta(claim)
        volume_name = meta(volume)["name"]
        if (spec_of(volume).get("claimRef") or {}).get("uid") != claim_meta.get("uid"):
            updated = deep_copy_json(volume)
            if not spec_of(volume).get("claimRef"):
                updated["metadata"].setdefault("annotations", {})[ANN_BOUND_BY_CONTROLLER] = "yes"
            updated["spec"]["claimRef"] = _claim_ref(claim)
            volume = self._client.update(self._ctx.spec(VOLUMES), updated)
        self._set_volume_phase(volume, "Bound")

        annotations = annotations_of(claim)
        if spec_of(claim).get("volumeName") != volume_name or annotations.get(ANN_BIND_COMPLETED) != "yes":
            updated = deep_copy_json(claim)
            new_annotations = updated["metadata"].setdefault("annotations", {})
            if spec_of(claim).get("volumeName") != volume_name:
                updated["spec"]["volumeName"] = volume_name
                new_annotations[ANN_BOUND_BY_CONTROLLER] = "yes"
            new_annotations[ANN_BIND_COMPLETED] = "yes"
            claim = self._client.update(self._ctx.spec(CLAIMS), updated)
        volume_spec = spec_of(volume)
        wanted = {
            "phase": "Bound",
            "accessModes": volume_spec.get("accessModes") or [],
            "capacity": volume_spec.get("capacity") or {},
        }
        if any(status_of(claim).get(k) != v for k, v in wanted.items()):
            updated = deep_copy_json(claim)
            updated["status"] = {**status_of(claim), **wanted}
            self._client.update(self._ctx.spec(CLAIMS), updated, subresource="status")

    def _set_claim_phase(self, claim: Object, phase: str) -> None:
        if status_of(claim).get("phase") != phase:
            updated = deep_copy_json(claim)
            updated.setdefault("status", {})["phase"] = phase
            self._client.update(self._ctx.spec(CLAIMS), updated, subresource="status")

    def _set_volume_phase(self, volume: Object, phase: str) -> Object:
        if status_of(volume).get("phase") == phase:
            return volume
        updated = deep_copy_json(volume)
        updated.setdefault("status", {})["phase"] = phase
        return self._client.update(self._ctx.spec(VOLUMES), updated, subresource="status")

    # -- provisioning (provisionClaimOperationExternal, and the external provisioner's part) --------

    def _provision(self, claim: Object, storage_class: Object, provisioner: str) -> None:
        annotations = annotations_of(claim)
        if annotations.get(ANN_STORAGE_PROVISIONER) != provisioner:
            # setClaimProvisioner: the external provisioner watches for claims that name it.
            updated = deep_copy_json(claim)
            new_annotations = updated["metadata"].setdefault("annotations", {})
            new_annotations[ANN_STORAGE_PROVISIONER] = provisioner
            new_annotations[ANN_BETA_STORAGE_PROVISIONER] = provisioner
            claim = self._client.update(self._ctx.spec(CLAIMS), updated)
        name = f"pvc-{meta(claim)['uid']}"
        if self._volumes.get("", name) is not None:
            return
        self._client.create(
            self._ctx.spec(VOLUMES), "", self._provisioned_volume(name, claim, storage_class, provisioner)
        )

    def _provisioned_volume(self, name: str, claim: Object, storage_class: Object, provisioner: str) -> Object:
        """The volume an external provisioner (local-path-provisioner, a CSI provisioner) creates for the claim."""
        claim_meta, claim_spec = meta(claim), spec_of(claim)
        node = annotations_of(claim).get(ANN_SELECTED_NODE)
        spec: dict[str, Any] = {
            "capacity": {"storage": ((claim_spec.get("resources") or {}).get("requests") or {}).get("storage", "0")},
            "accessModes": claim_spec.get("accessModes") or [],
            "persistentVolumeReclaimPolicy": storage_class.get("reclaimPolicy") or "Delete",
            "storageClassName": meta(storage_class)["name"],
            "volumeMode": claim_spec.get("volumeMode") or "Filesystem",
            "claimRef": _claim_ref(claim),
        }
        if storage_class.get("mountOptions"):
            spec["mountOptions"] = list(storage_class["mountOptions"])
        if provisioner in HOST_PATH_PROVISIONERS:
            path = f"{LOCAL_PATH_ROOT}/{name}_{claim_meta.get('namespace')}_{claim_meta['name']}"
            spec["hostPath"] = {"path": path, "type": "DirectoryOrCreate"}
        else:
            spec["csi"] = {"driver": provisioner, "volumeHandle": name}
        if node:
            # A volume made for a WaitForFirstConsumer claim lives on the node the pod was scheduled to.
            term = {"matchExpressions": [{"key": HOSTNAME_LABEL, "operator": "In", "values": [node]}]}
            spec["nodeAffinity"] = {"required": {"nodeSelectorTerms": [term]}}
        return {"metadata": {"name": name, "annotations": {ANN_DYNAMICALLY_PROVISIONED: provisioner}}, "spec": spec}

    # -- volumes (syncVolume, reclaimVolume) --------------------------------------------------------

    def _sync_volume(self, volume: Object) -> None:
        ref = spec_of(volume).get("claimRef")
        if not ref:
            self._set_volume_phase(volume, "Available")
            return
        claim = self._claims.get(ref.get("namespace") or "", ref.get("name") or "")
        if claim is not None and ref.get("uid") and meta(claim).get("uid") != ref.get("uid"):
            claim = None  # a new claim under the old name is not the one this volume was bound to
        if claim is None:
            if not ref.get("uid"):
                self._set_volume_phase(volume, "Available")  # pre-bound to a claim that does not exist yet
                return
            if status_of(volume).get("phase") not in ("Released", "Failed"):
                volume = self._set_volume_phase(volume, "Released")
            self._reclaim(volume)
            return
        bound_to = spec_of(claim).get("volumeName")
        if not bound_to:
            self._set_volume_phase(volume, "Available")  # pre-bound; the claim's sync binds it
        elif bound_to == meta(volume)["name"]:
            self._set_volume_phase(volume, "Bound")
        elif annotations_of(volume).get(ANN_BOUND_BY_CONTROLLER):
            # The claim went to another volume: unbindVolume gives this one back.
            updated = deep_copy_json(volume)
            del updated["spec"]["claimRef"]
            updated["metadata"]["annotations"].pop(ANN_BOUND_BY_CONTROLLER, None)
            self._set_volume_phase(self._client.update(self._ctx.spec(VOLUMES), updated), "Available")

    def _reclaim(self, volume: Object) -> None:
        """reclaimVolume: Retain keeps a Released volume; Delete removes it (the provisioner deletes the storage)."""
        # A volume already being deleted waits for the PV protection controller: deleting it again would change
        # nothing (the provisioners' shouldDelete skips such volumes).
        if spec_of(volume).get("persistentVolumeReclaimPolicy") == "Delete" and not meta(volume).get(
            "deletionTimestamp"
        ):
            volume_meta = meta(volume)
            self._client.delete(self._ctx.spec(VOLUMES), "", volume_meta["name"], uid=volume_meta.get("uid"))
