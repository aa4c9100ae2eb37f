"""PersistentVolumeClaimResize (plugin/pkg/admission/storage/persistentvolume/resize/admission.go).

A claim's storage request may only grow once the claim is bound, and only when its class, the
same before and after, allows volume expansion (``allowVolumeExpansion: true``). kind's
``standard`` class does not, so a ``helm upgrade`` that asks a bound claim for more space fails
there, and here, with upstream's message.
"""

from __future__ import annotations

from fakeapi.admission.errors import new_forbidden
from fakeapi.admission.interfaces import UPDATE, Attributes
from fakeapi.admission.reader import StoreReader
from fakeapi.apimachinery.quantity import parse_quantity
from fakeapi.apimachinery.schema import GroupResource
from fakeapi.controllers.volume.util import claim_class
from fakeapi.registry.core.persistentvolumeclaim import requested_storage
from fakeapi.storage.interfaces import Object

PLUGIN_NAME = "PersistentVolumeClaimResize"
_STORAGE_CLASSES = ("storage.k8s.io", "v1", "storageclasses")
ONLY_BOUND = "Only bound persistent volume claims can be expanded"
NOT_EXPANDABLE = (
    "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize"
)


class PersistentVolumeClaimResize:
    name = PLUGIN_NAME
    resources = frozenset({GroupResource("", "persistentvolumeclaims")})
    operations = frozenset({UPDATE})

    def __init__(self, reader: StoreReader) -> None:
        self._reader = reader

    def validate(self, attributes: Attributes) -> None:
        claim, old = attributes.obj, attributes.old_obj
        if attributes.subresource or claim is None or old is None:
            return
        try:
            grows = parse_quantity(requested_storage(claim) or 0) > parse_quantity(requested_storage(old) or 0)
        except (ValueError, TypeError):
            return  # validation refuses a request that does not parse
        if not grows:
            return
        if (old.get("status") or {}).get("phase") != "Bound":
            raise new_forbidden(attributes, ONLY_BOUND)
        if not self._allows_resize(claim, old):
            raise new_forbidden(attributes, NOT_EXPANDABLE)

    def _allows_resize(self, claim: Object, old: Object) -> bool:
        class_name, old_class_name = claim_class(claim), claim_class(old)
        if not class_name or class_name != old_class_name:
            return False
        storage_class = self._reader.get(_STORAGE_CLASSES, "", class_name)
        return storage_class is not None and storage_class.get("allowVolumeExpansion") is True
