"""Matching claims to volumes (pkg/controller/volume/persistentvolume/util/util.go and index.go).

Shared by the PersistentVolume binder, which binds claims to volumes, and the scheduler's
volume binding plugin, which checks, for a WaitForFirstConsumer claim, whether a node has a
volume for it or should get one provisioned.
"""

from __future__ import annotations

from typing import Any

from fakeapi.apimachinery.labels import selector_from_label_selector_dict
from fakeapi.apimachinery.quantity import value
from fakeapi.controllers.controller_utils import meta, spec_of, status_of
from fakeapi.registry.core.persistentvolumeclaim import BETA_CLASS_ANNOTATION
from fakeapi.storage.interfaces import Object
from fakeapi.util.nodeaffinity import node_selector_matches

# Annotations of pkg/controller/volume/persistentvolume/util.
ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node"
ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner"
ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"
ANN_DYNAMICALLY_PROVISIONED = "pv.kubernetes.io/provisioned-by"
# A class with this provisioner has only statically created volumes.
NOT_SUPPORTED_PROVISIONER = "kubernetes.io/no-provisioner"
WAIT_FOR_FIRST_CONSUMER = "WaitForFirstConsumer"


def claim_class(claim: Object) -> str:
    """GetPersistentVolumeClaimClass (component-helpers storage/volume): the beta annotation first, then the spec's."""
    return _storage_class_of(claim)


def volume_class(volume: Object) -> str:
    """GetPersistentVolumeClass: the beta annotation first, then the spec's."""
    return _storage_class_of(volume)


def _storage_class_of(obj: Object) -> str:
    annotations = meta(obj).get("annotations") or {}
    if BETA_CLASS_ANNOTATION in annotations:
        return str(annotations[BETA_CLASS_ANNOTATION])
    return str(spec_of(obj).get("storageClassName") or "")


def is_delayed_binding(claim: Object, storage_class: Object | None) -> bool:
    """IsDelayBindingMode: the claim's class binds only once a pod using the claim is scheduled."""
    return storage_class is not None and storage_class.get("volumeBindingMode") == WAIT_FOR_FIRST_CONSUMER


def _requested_storage(claim: Object) -> int:
    requests = (spec_of(claim).get("resources") or {}).get("requests") or {}
    return value(requests.get("storage", "0"))


def _claim_ref_matches(volume: Object, claim: Object) -> bool:
    ref = spec_of(volume).get("claimRef") or {}
    claim_meta = meta(claim)
    if ref.get("name") != claim_meta.get("name") or (ref.get("namespace") or "") != (claim_meta.get("namespace") or ""):
        return False
    return not ref.get("uid") or ref.get("uid") == claim_meta.get("uid")


def volume_fits_node(volume: Object, node: Object | None) -> bool:
    """CheckNodeAffinity: a volume's required node affinity admits the node (any volume admits no node given)."""
    required = (spec_of(volume).get("nodeAffinity") or {}).get("required")
    if node is None or required is None:
        return True
    return node_selector_matches(required, node)


def find_matching_volume(
    claim: Object, volumes: list[Object], node: Object | None = None, delay_binding: bool = False
) -> Object | None:
    """FindMatchingVolume: the smallest fitting volume, a volume pre-bound to the claim winning outright.

    A volume fits when it is not bound to another claim, has the claim's class, volume mode
    and every requested access mode, has at least the requested storage, matches the claim's
    selector and ``spec.volumeName``, is not being deleted, and (when a node is given) admits
    that node. Volumes pre-bound to another claim are skipped; with ``delay_binding`` an
    unbound volume is only taken once a node is known, as the scheduler picks it.
    """
    claim_spec = spec_of(claim)
    wanted_storage = _requested_storage(claim)
    wanted_modes = set(claim_spec.get("accessModes") or [])
    wanted_class = claim_class(claim)
    wanted_mode = claim_spec.get("volumeMode") or "Filesystem"
    selector = selector_from_label_selector_dict(claim_spec["selector"]) if claim_spec.get("selector") else None
    best: Object | None = None
    best_size = 0
    for volume in volumes:
        volume_spec = spec_of(volume)
        if meta(volume).get("deletionTimestamp"):
            continue
        if (volume_spec.get("volumeMode") or "Filesystem") != wanted_mode:
            continue
        size = value((volume_spec.get("capacity") or {}).get("storage", "0"))
        if size < wanted_storage:
            continue
        if volume_spec.get("claimRef"):
            if _claim_ref_matches(volume, claim) and volume_fits_node(volume, node):
                return volume
            continue
        if claim_spec.get("volumeName") and claim_spec["volumeName"] != meta(volume).get("name"):
            continue
        if status_of(volume).get("phase") not in (None, "", "Available", "Pending"):
            continue
        if volume_class(volume) != wanted_class:
            continue
        if not wanted_modes <= set(volume_spec.get("accessModes") or []):
            continue
        if selector is not None and not selector.matches(meta(volume).get("labels") or {}):
            continue
        if delay_binding and node is None:
            continue
        if not volume_fits_node(volume, node):
            continue
        if best is None or size < best_size:
            best, best_size = volume, size
    return best


def provisioner_of(storage_class: Object | None) -> str:
    """The class's provisioner, or "" when volumes of it are never provisioned."""
    if storage_class is None:
        return ""
    provisioner: str = storage_class.get("provisioner") or ""
    return "" if provisioner == NOT_SUPPORTED_PROVISIONER else provisioner


def annotations_of(obj: Object) -> dict[str, Any]:
    result: dict[str, Any] = meta(obj).get("annotations") or {}
    return result
