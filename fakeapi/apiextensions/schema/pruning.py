"""Pruning of fields a structural schema does not specify, and the ObjectMeta round trip.

Mirrors apiextensions-apiserver/pkg/apiserver/schema/pruning/algorithm.go (PruneWithOptions:
unknown fields are dropped, except below ``x-kubernetes-preserve-unknown-fields``; apiVersion,
kind and metadata of the resource root and of embedded resources are left alone) and the part
of schema/objectmeta/coerce.go that decodes metadata through ObjectMeta, which drops what
ObjectMeta does not have. Both report the paths they dropped, which ``fieldValidation``
turns into ``unknown field "spec.foo"`` warnings or a Strict 400.
"""

from __future__ import annotations

from typing import Any

from fakeapi.apiextensions.schema.structural import Structural

_META_FIELDS = frozenset({"apiVersion", "kind", "metadata"})
OBJECT_META_FIELDS = frozenset(
    {
        "name",
        "generateName",
        "namespace",
        "selfLink",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "labels",
        "annotations",
        "ownerReferences",
        "finalizers",
        "managedFields",
    }
)


def _join(parent: str, name: str) -> str:
    return f"{parent}.{name}" if parent else name


class _Pruner:
    def __init__(self) -> None:
        self.unknown: list[str] = []

    def prune(self, x: Any, s: Structural | None, path: str) -> None:
        if s is not None and s.preserve_unknown_fields:
            self.skip_prune(x, s, path)
            return
        if isinstance(x, dict):
            if s is None:
                for k in list(x):
                    self.unknown.append(_join(path, k))
                    del x[k]
                return
            for k in list(x):
                v = x[k]
                if s.embedded_resource and k in _META_FIELDS:
                    continue
                prop = s.properties.get(k)
                if prop is not None:
                    self.prune(v, prop, _join(path, k))
                elif s.additional_properties is not None:
                    self.prune(v, s.additional_properties_schema, _join(path, k))
                else:
                    if k not in _META_FIELDS or path:
                        self.unknown.append(_join(path, k))
                    del x[k]
        elif isinstance(x, list):
            for i, v in enumerate(x):
                self.prune(v, None if s is None else s.items, f"{path}[{i}]")

    def skip_prune(self, x: Any, s: Structural | None, path: str) -> None:
        if s is None:
            return
        if isinstance(x, dict):
            for k, v in x.items():
                if s.embedded_resource and k in _META_FIELDS:
                    continue
                prop = s.properties.get(k)
                if prop is not None:
                    self.prune(v, prop, _join(path, k))
                elif s.additional_properties is not None:
                    self.prune(v, s.additional_properties_schema, _join(path, k))
        elif isinstance(x, list):
            for i, v in enumerate(x):
                self.skip_prune(v, s.items, f"{path}[{i}]")


def prune(obj: Any, schema: Structural | None, *, is_resource_root: bool) -> list[str]:
    """PruneWithOptions: drop unknown fields of ``obj`` in place; return their paths, sorted."""
    if is_resource_root:
        if schema is None:
            schema = Structural(raw={})
        if not schema.embedded_resource:
            schema = Structural(**{**schema.__dict__, "embedded_resource": True})
    pruner = _Pruner()
    pruner.prune(obj, schema, "")
    return sorted(pruner.unknown)


def coerce_object_meta(obj: Any, schema: Structural | None, path: str = "") -> list[str]:
    """Drop the metadata fields ObjectMeta does not have, at the root and in embedded resources.

    Returns the dropped paths (``metadata.foo``, ``spec.template.metadata.foo``).
    """
    dropped: list[str] = []
    if not isinstance(obj, dict):
        return dropped
    at_resource = not path or (schema is not None and schema.embedded_resource)
    metadata = obj.get("metadata")
    if at_resource and isinstance(metadata, dict):
        for k in list(metadata):
            if k not in OBJECT_META_FIELDS:
                dropped.append(_join(_join(path, "metadata"), k))
                del metadata[k]
    if schema is None:
        return dropped
    for k, v in obj.items():
        if at_resource and k == "metadata":
            continue
        sub = schema.property_schema(k)
        if isinstance(v, dict):
            dropped += coerce_object_meta(v, sub, _join(path, k)) if sub is not None and _embeds(sub) else []
        elif isinstance(v, list) and sub is not None and sub.items is not None and _embeds(sub.items):
            for i, item in enumerate(v):
                dropped += coerce_object_meta(item, sub.items, f"{_join(path, k)}[{i}]")
    return dropped


def _embeds(s: Structural) -> bool:
    """Whether an embedded resource is at or below ``s`` (so coercion must walk it)."""
    if s.embedded_resource:
        return True
    children = [*s.properties.values(), s.items, s.additional_properties_schema]
    return any(c is not None and _embeds(c) for c in children)
