"""PersistentVolumeClaims: a new claim starts Pending and gets the default StorageClass.

The class comes from kube-apiserver's DefaultStorageClass admission plugin
(plugin/pkg/admission/storage/storageclass/setdefault/admission.go), which fakeapi has no
admission chain for, so it runs where the claim is prepared for creation. A claim that names
no class (``storageClassName`` absent, not ``""``, and no beta class annotation) gets the
class annotated ``storageclass.kubernetes.io/is-default-class: "true"``, the newest one when
there are several (``GetDefaultClass``). The starting phase is that of
pkg/registry/core/persistentvolumeclaim/strategy.go with the v1 defaults.
"""

from __future__ import annotations

from collections.abc import Callable

from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.registry.strategy import Strategy
from fakeapi.storage.interfaces import Object
from fakeapi.util.identity import IdentityGenerator

IS_DEFAULT_CLASS = ("storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class")
BETA_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"


def default_storage_class(classes: list[Object]) -> str | None:
    """GetDefaultClass: the newest class marked default (by creation time, then name), or None."""
    defaults = [
        c
        for c in classes
        if any(((c.get("metadata") or {}).get("annotations") or {}).get(a) == "true" for a in IS_DEFAULT_CLASS)
    ]
    if not defaults:
        return None
    newest = max(defaults, key=lambda c: (c["metadata"].get("creationTimestamp") or "", c["metadata"]["name"]))
    name: str = newest["metadata"]["name"]
    return name


class PersistentVolumeClaimStrategy(Strategy):
    def __init__(
        self,
        spec: ResourceSpec,
        schemas: SchemaRegistry,
        identity: IdentityGenerator,
        storage_classes: Callable[[], list[Object]],
    ) -> None:
        super().__init__(spec, schemas, identity)
        self._storage_classes = storage_classes

    def prepare_for_create(self, ctx: RequestContext, obj: Object) -> None:
        super().prepare_for_create(ctx, obj)
        obj["status"] = {"phase": "Pending"}
        spec = obj.get("spec")
        annotations = (obj.get("metadata") or {}).get("annotations") or {}
        if (
            not isinstance(spec, dict)
            or spec.get("storageClassName") is not None
            or BETA_CLASS_ANNOTATION in annotations
        ):
            return
        default = default_storage_class(self._storage_classes())
        if default is not None:
            spec["storageClassName"] = default
