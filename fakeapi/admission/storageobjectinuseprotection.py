"""StorageObjectInUseProtection (plugin/pkg/admission/storage/storageobjectinuseprotection/admission.go).

Every PersistentVolumeClaim is created with the ``kubernetes.io/pvc-protection`` finalizer and every
PersistentVolume with ``kubernetes.io/pv-protection``, which the PVC and PV protection controllers
remove once the object is no longer in use.
"""

from __future__ import annotations

from fakeapi.admission.interfaces import CREATE, Attributes
from fakeapi.apimachinery.schema import GroupResource
from fakeapi.controllers.volume.protectionutil import PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER

PLUGIN_NAME = "StorageObjectInUseProtection"
_CLAIMS = GroupResource("", "persistentvolumeclaims")
_VOLUMES = GroupResource("", "persistentvolumes")
_FINALIZERS = {_CLAIMS: PVC_PROTECTION_FINALIZER, _VOLUMES: PV_PROTECTION_FINALIZER}


class StorageObjectInUseProtection:
    name = PLUGIN_NAME
    resources = frozenset(_FINALIZERS)
    operations = frozenset({CREATE})

    def admit(self, attributes: Attributes) -> None:
        obj = attributes.obj
        if obj is None or attributes.subresource:
            return
        meta = obj.setdefault("metadata", {})
        finalizers = meta.get("finalizers") if isinstance(meta.get("finalizers"), list) else []
        finalizer = _FINALIZERS[attributes.group_resource]
        if finalizer not in finalizers:
            meta["finalizers"] = [*finalizers, finalizer]
