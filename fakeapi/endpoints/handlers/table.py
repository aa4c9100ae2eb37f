"""meta.k8s.io/v1 Table and PartialObjectMetadata transformations.

The default table convertor of k8s.io/apiserver/pkg/registry/rest/table.go: a Name column and
a "Created At" column of type date. Rows carry the object as PartialObjectMetadata by default
(includeObject=Metadata), which kubectl reads for the namespace and labels columns.
"""

from __future__ import annotations

from typing import Any

from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.storage.interfaces import Object

_NAME_DESCRIPTION = (
    "Name must be unique within a namespace. Is required when creating resources, although some resources may "
    "allow a client to request the generation of an appropriate name automatically. Name is primarily intended "
    "for creation idempotence and configuration definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
)
_CREATED_DESCRIPTION = (
    "CreationTimestamp is a timestamp representing the server time when this object was created. It is not "
    "guaranteed to be set in happens-before order across separate operations. Clients may not set this value. "
    "It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. "
    "More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)
DEFAULT_COLUMNS: list[dict[str, Any]] = [
    {"name": "Name", "type": "string", "format": "name", "description": _NAME_DESCRIPTION, "priority": 0},
    {"name": "Created At", "type": "date", "format": "", "description": _CREATED_DESCRIPTION, "priority": 0},
]


def _partial(obj: Object) -> Object:
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata") or {},
    }


def _is_list(obj: Object) -> bool:
    return isinstance(obj.get("items"), list)


def to_partial_object_metadata(obj: Object, *, list_expected: bool) -> Object:
    if _is_list(obj):
        return {
            "kind": "PartialObjectMetadataList",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata") or {},
            "items": [_partial(item) for item in obj["items"]],
        }
    return _partial(obj)


def _row(obj: Object, spec: ResourceSpec, include_object: str) -> dict[str, Any]:
    meta = obj.get("metadata") or {}
    row: dict[str, Any] = {"cells": [meta.get("name", ""), meta.get("creationTimestamp")]}
    if include_object == "Metadata":
        row["object"] = _partial(obj)
    elif include_object == "Object":
        row["object"] = {"apiVersion": spec.gvk.api_version, "kind": spec.kind, **obj}
    return row


def to_table(obj: Object, spec: ResourceSpec, include_object: str = "Metadata") -> Object:
    items = obj["items"] if _is_list(obj) else [obj]
    list_meta = obj.get("metadata") or {} if _is_list(obj) else {}
    table_meta = {k: list_meta[k] for k in ("resourceVersion", "continue", "remainingItemCount") if k in list_meta}
    if not _is_list(obj):
        table_meta["resourceVersion"] = (obj.get("metadata") or {}).get("resourceVersion", "")
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": table_meta,
        "columnDefinitions": DEFAULT_COLUMNS,
        "rows": [_row(item, spec, include_object) for item in items],
    }
