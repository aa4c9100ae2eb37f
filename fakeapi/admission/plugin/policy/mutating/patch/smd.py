"""ApplyConfiguration mutations (k8s.io/apiserver/pkg/admission/plugin/policy/mutating/patch/smd.go).

The expression evaluates to an ``Object{...}`` literal: a partial object that is merged into the
request's object with structured-merge-diff, the server-side apply machinery
(:mod:`fakeapi.apimachinery.managedfields.typed`), typed by the kind's schema. As upstream, the
patch may not touch atomic lists, maps or structs (``invalid ApplyConfiguration: may not mutate
atomic arrays, maps or structs: .spec.x``), since merging one would replace it whole, and no
field ownership is recorded.
"""

from __future__ import annotations

from typing import Any

from fakeapi.admission.plugin.policy.mutating.patch.json_patch import PatchError
from fakeapi.apimachinery.managedfields.schema import ATOMIC, TypeRef
from fakeapi.apimachinery.managedfields.typed import ValidationErrors, merge, validate
from fakeapi.storage.interfaces import Object


def _atomics(path: str, tref: TypeRef, value: Any) -> list[str]:
    """findAtomics: the paths of atomic lists, maps and structs within ``value``."""
    atom = tref.resolve()
    found: list[str] = []
    if isinstance(value, dict) and atom.map is not None:
        if atom.map.relationship == ATOMIC:
            found.append(path)
        for key, child in value.items():
            field = atom.map.fields.get(key)
            if field is not None:
                found += _atomics(f"{path}.{key}", field, child)
    if isinstance(value, list) and atom.list is not None:
        if atom.list.relationship == ATOMIC:
            found.append(path)
        for index, child in enumerate(value):
            found += _atomics(f"{path}[{index}]", atom.list.element, child)
    return found


def apply_configuration(obj: Object, result: Any, tref: TypeRef) -> Object:
    """ApplyStructuredMergeDiff: ``obj`` with the evaluated apply configuration merged in (a new object)."""
    if not isinstance(result, dict):
        raise PatchError(f"unsupported return type from ApplyConfiguration expression: {type(result).__name__}")
    patch = {**result, "apiVersion": obj.get("apiVersion"), "kind": obj.get("kind")}
    try:
        validate(patch, tref)
    except ValidationErrors as exc:
        raise PatchError(f"error applying patch: failed to convert patch object to typed object: {exc}") from None
    atomics = _atomics("", tref, patch)
    if atomics:
        raise PatchError(
            f"error applying patch: invalid ApplyConfiguration: may not mutate atomic arrays, maps or structs: "
            f"{', '.join(atomics)}"
        )
    try:
        merged: Object = merge(obj, patch, tref)
    except ValidationErrors as exc:
        raise PatchError(f"error applying patch: failed to merge patch: {exc}") from None
    return merged
