"""The finalizer checks of the storage-object protection controllers (pkg/controller/volume/protectionutil/utils.go)."""

from __future__ import annotations

from fakeapi.controllers.controller_utils import meta
from fakeapi.storage.interfaces import Object

# pkg/volume/util: the finalizers StorageObjectInUseProtection admission adds and these controllers remove.
PVC_PROTECTION_FINALIZER = "kubernetes.io/pvc-protection"
PV_PROTECTION_FINALIZER = "kubernetes.io/pv-protection"


def _has(obj: Object, finalizer: str) -> bool:
    return finalizer in (meta(obj).get("finalizers") or [])


def is_deletion_candidate(obj: Object, finalizer: str) -> bool:
    """IsDeletionCandidate: being deleted and still holding the finalizer."""
    return bool(meta(obj).get("deletionTimestamp")) and _has(obj, finalizer)


def need_to_add_finalizer(obj: Object, finalizer: str) -> bool:
    """NeedToAddFinalizer: not being deleted and without the finalizer."""
    return not meta(obj).get("deletionTimestamp") and not _has(obj, finalizer)


def with_finalizer(obj: Object, finalizer: str) -> Object:
    """A copy of ``obj`` with ``finalizer`` appended."""
    return {**obj, "metadata": {**meta(obj), "finalizers": [*(meta(obj).get("finalizers") or []), finalizer]}}


def without_finalizer(obj: Object, finalizer: str) -> Object:
    """A copy of ``obj`` without ``finalizer`` (slice.RemoveString)."""
    kept = [f for f in meta(obj).get("finalizers") or [] if f != finalizer]
    return {**obj, "metadata": {**meta(obj), "finalizers": kept}}
