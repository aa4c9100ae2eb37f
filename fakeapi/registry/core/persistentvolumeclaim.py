"""PersistentVolumeClaims: a new claim starts Pending and gets the default StorageClass; its spec then stays.

The class comes from kube-apiserver's DefaultStorageClass admission plugin
(plugin/pkg/admission/storage/storageclass/setdefault/admission.go), which fakeapi has no
admission chain for, so it runs where the claim is prepared for creation. A claim that names
no class (``storageClassName`` absent, not ``""``, and no beta class annotation) gets the
class annotated ``storageclass.kubernetes.io/is-default-class: "true"``, the newest one when
there are several (``GetDefaultClass``). The starting phase is that of
pkg/registry/core/persistentvolumeclaim/strategy.go with the v1 defaults.

An update is checked as ValidatePersistentVolumeClaimUpdate (pkg/apis/core/validation) checks it:
the spec is immutable but for the volume name, set once (the binder's), a class set where there
was none, and, once the claim is bound, its storage request and volume attributes class. The
request of a bound claim may not fall to its recorded capacity (RecoverVolumeExpansionFailure,
GA in 1.34), and the beta class annotation and the volume mode never change.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fakeapi.apimachinery import field
from fakeapi.apimachinery.field import FieldError
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.apimachinery.quantity import parse_quantity
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.registry.strategy import Strategy
from fakeapi.storage.interfaces import Object
from fakeapi.util.identity import IdentityGenerator

IS_DEFAULT_CLASS = ("storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class")
BETA_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"
SPEC_IMMUTABLE = (
    "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"
)
# core.PersistentVolumeClaimSpec's fields in Go's order, by their JSON names.
_GO_SPEC_FIELDS = {
    "accessModes": "AccessModes",
    "selector": "Selector",
    "resources": "Resources",
    "volumeName": "VolumeName",
    "storageClassName": "StorageClassName",
    "volumeMode": "VolumeMode",
    "dataSource": "DataSource",
    "dataSourceRef": "DataSourceRef",
    "volumeAttributesClassName": "VolumeAttributesClassName",
}


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

    def validate_update(self, ctx: RequestContext, obj: Object, old: Object) -> list[FieldError]:
        return super().validate_update(ctx, obj, old) + validate_claim_update(obj, old)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def requested_storage(claim: Object) -> Any:
    """``spec.resources.requests.storage`` as written (None when absent)."""
    return _dict(_dict(_dict(claim.get("spec")).get("resources")).get("requests")).get("storage")


def _capacity(claim: Object) -> Any:
    """``status.capacity.storage`` as written (None when absent)."""
    return _dict(_dict(claim.get("status")).get("capacity")).get("storage")


def _amount(quantity: Any) -> Any:
    try:
        return parse_quantity(quantity)
    except (ValueError, TypeError):
        return quantity


def _semantic(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec as apiequality.Semantic.DeepEqual compares it: quantities by value; a nil or empty
    slice or map, and an empty resources struct, the same as none."""
    compared: dict[str, Any] = {}
    for key, value in spec.items():
        if key == "resources":
            value = {
                part: {name: _amount(amount) for name, amount in amounts.items()}
                for part, amounts in _dict(value).items()
                if isinstance(amounts, dict) and amounts
            }
        if value is None or value == [] or (key == "resources" and not value):
            continue
        compared[key] = value
    return compared


def _spec_diff(old: dict[str, Any], new: dict[str, Any]) -> str:
    """The changed fields, in the shape of go-cmp's report (whose exact text is randomized on purpose)."""
    lines = ["  core.PersistentVolumeClaimSpec{"]
    same = 0
    for key, go_name in _GO_SPEC_FIELDS.items():
        before, after = old.get(key), new.get(key)
        if before == after:
            same += 1
            continue
        for sign, value in (("-", before), ("+", after)):
            if value is not None:
                lines.append(f"{sign} \t{go_name}: {json.dumps(value, sort_keys=True)},")
    if same:
        lines.append(f"  \t... // {same} identical fields")
    lines.append("  }")
    return "\n".join(lines)


def _upgrades_class_from_annotation(old: Object, new: Object, old_class: Any, new_class: Any) -> bool:
    """validateStorageClassUpgradeFromAnnotation: the beta annotation's class moves into the spec."""
    old_annotations = _dict(_dict(old.get("metadata")).get("annotations"))
    new_annotations = _dict(_dict(new.get("metadata")).get("annotations"))
    old_class_annotation = old_annotations.get(BETA_CLASS_ANNOTATION)
    return (
        BETA_CLASS_ANNOTATION in old_annotations
        and old_class is None
        and new_class is not None
        and new_class == old_class_annotation
        and new_annotations.get(BETA_CLASS_ANNOTATION, old_class_annotation) == old_class_annotation
    )


def _upgrades_class_from_nil(old: Object, old_class: Any, new_class: Any) -> bool:
    """validateStorageClassUpgradeFromNil: a class set where there was none (the default class, set later)."""
    old_annotations = _dict(_dict(old.get("metadata")).get("annotations"))
    return (
        new_class is not None
        and old_class is None
        and (BETA_CLASS_ANNOTATION not in old_annotations or new_class == old_annotations[BETA_CLASS_ANNOTATION])
    )


def validate_claim_update(new: Object, old: Object) -> list[FieldError]:
    """ValidatePersistentVolumeClaimUpdate's checks of what changed (the new claim's own are the create's)."""
    errs: list[FieldError] = []
    new_spec, old_spec = deep_copy_json(_dict(new.get("spec"))), deep_copy_json(_dict(old.get("spec")))
    if not old_spec.get("volumeName"):
        # The binder sets the volume name once.
        old_spec["volumeName"] = new_spec.get("volumeName")
    old_class, new_class = old_spec.get("storageClassName"), new_spec.get("storageClassName")
    if _upgrades_class_from_annotation(old, new, old_class, new_class):
        new_spec["storageClassName"] = None
    else:
        new_annotation = _dict(_dict(new.get("metadata")).get("annotations")).get(BETA_CLASS_ANNOTATION, "")
        old_annotation = _dict(_dict(old.get("metadata")).get("annotations")).get(BETA_CLASS_ANNOTATION, "")
        if new_annotation != old_annotation:
            errs.append(
                field.invalid(
                    f"metadata.annotations.{BETA_CLASS_ANNOTATION}", new_annotation, field.IMMUTABLE_ERROR_MSG
                )
            )
        if _upgrades_class_from_nil(old, old_class, new_class):
            new_spec["storageClassName"] = old_class
    bound = _dict(new.get("status")).get("phase") == "Bound"
    requests = _dict(new_spec.get("resources")).get("requests")
    if bound and isinstance(requests, dict):
        requests["storage"] = requested_storage(old)
    if bound and new_spec.get("volumeAttributesClassName") is not None:
        new_spec["volumeAttributesClassName"] = old_spec.get("volumeAttributesClassName")
    if _semantic(new_spec) != _semantic(old_spec):
        errs.append(field.forbidden("spec", f"{SPEC_IMMUTABLE}\n{_spec_diff(old_spec, new_spec)}"))
    new_size, old_size = requested_storage(new), requested_storage(old)
    capacity = _capacity(old)
    try:
        shrinks = parse_quantity(new_size or 0) < parse_quantity(old_size or 0)
        below_capacity = parse_quantity(new_size or 0) <= parse_quantity(capacity or 0)
    except (ValueError, TypeError):
        shrinks = False  # the schema check refuses what does not parse
    if shrinks and below_capacity:
        errs.append(field.forbidden("spec.resources.requests.storage", "field can not be less than status.capacity"))
    new_mode, old_mode = _dict(new.get("spec")).get("volumeMode"), _dict(old.get("spec")).get("volumeMode")
    if new_mode != old_mode:
        errs.append(field.invalid("volumeMode", new_mode, field.IMMUTABLE_ERROR_MSG))
    return errs
