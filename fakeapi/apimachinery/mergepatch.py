"""RFC 7386 JSON merge patch, as gopkg.in/evanphx/json-patch.v4 (merge.go) implements it.

kube-apiserver applies ``application/merge-patch+json`` bodies with that library's
``MergePatch`` (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go), which follows
the RFC for object patches with two differences clients can see:

* a patch that is null or a scalar is refused ("Invalid JSON Patch", a 400 from the server)
  instead of replacing the document;
* null members are also dropped from objects inside an array that the patch sets, unless the
  array replaces an object.

:func:`create_merge_patch` follows the library's ``CreateMergePatch`` for two objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fakeapi.apimachinery.jsonutil import deep_copy_json, json_equal


class MergePatchError(ValueError):
    """A merge patch the library refuses; ``str()`` is its message."""


def _without_nulls(value: Any) -> Any:
    """A copy with null members removed from every object, even inside arrays (pruneNulls).

    Null array elements stay.
    """
    if type(value) is dict:
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if type(value) is list:
        return [_without_nulls(item) for item in value]
    return value


def _merge_into(target: dict[str, Any], patch: Mapping[str, Any]) -> None:
    """Merge an object patch into ``target`` in place (mergeDocs)."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
            continue
        current = target.get(key)
        if type(current) is not dict:
            target[key] = _without_nulls(value)
        elif type(value) is dict:
            _merge_into(current, value)
        else:
            # A non-object that replaces an object is taken as it is, nulls and all.
            target[key] = deep_copy_json(value)


def apply_merge_patch(doc: Any, patch: Any) -> Any:
    """Apply a JSON merge patch.

    Args:
        doc: The current document, normally an object. It is not modified.
        patch: The parsed patch. An object is merged (a null member deletes); an array replaces
            the document.

    Returns:
        A new document; it shares no dict or list with ``doc`` or ``patch``.

    Raises:
        MergePatchError: ``Invalid JSON Document`` for a null document, ``Invalid JSON Patch``
            for a patch that is null or a scalar.
    """
    if doc is None:
        raise MergePatchError("Invalid JSON Document")
    if type(patch) is list:
        return _without_nulls(patch)
    if type(patch) is not dict:
        raise MergePatchError("Invalid JSON Patch")
    if type(doc) is not dict:
        return _without_nulls(patch)
    merged: dict[str, Any] = deep_copy_json(doc)
    _merge_into(merged, patch)
    return merged


def create_merge_patch(original: Mapping[str, Any], modified: Mapping[str, Any]) -> dict[str, Any]:
    """The merge patch that turns ``original`` into ``modified`` (CreateMergePatch).

    Changed and added members are set, removed ones set to null, objects are compared member by
    member and anything else (arrays included) is replaced whole when it differs. Values compare
    with their JSON types, so ``1`` and ``1.0`` differ here, where Go, which decodes both as
    float64, sees no change.

    Args:
        original: The object before.
        modified: The object after.

    Returns:
        The patch; it shares no dict or list with the inputs. It is empty when nothing changed.
    """
    patch: dict[str, Any] = {}
    for key, new in modified.items():
        if key not in original:
            patch[key] = deep_copy_json(new)
            continue
        old = original[key]
        if type(old) is dict and type(new) is dict:
            nested = create_merge_patch(old, new)
            if nested:
                patch[key] = nested
        elif not json_equal(old, new):
            patch[key] = deep_copy_json(new)
    for key in original:
        if key not in modified:
            patch[key] = None
    return patch
