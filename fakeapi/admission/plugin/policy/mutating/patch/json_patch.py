"""JSONPatch mutations (k8s.io/apiserver/pkg/admission/plugin/policy/mutating/patch/json_patch.go).

The expression evaluates to a list of ``JSONPatch{op, path, from, value}`` literals (maps here,
see :mod:`fakeapi.admission.plugin.cel.mutation`); they are applied to the object as one RFC 6902
patch. A ``test`` operation that fails leaves the object as it was; any other failure is an
error ``JSONPath: <evanphx/json-patch's message>`` (upstream's spelling).
"""

from __future__ import annotations

from typing import Any

from fakeapi.apimachinery.jsonpatch import JSONPatchError, JSONPatchTestFailed, apply_json_patch
from fakeapi.storage.interfaces import Object

_FIELDS = ("op", "path", "from", "value")


class PatchError(Exception):
    """A mutation that cannot be applied; ``str()`` is upstream's message."""


def _operation(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict) or not isinstance(item.get("op"), str) or not isinstance(item.get("path"), str):
        raise PatchError(
            "type mismatch: JSONPatchType.expression should evaluate to array of JSONPatch: "
            f"type conversion error from '{type(item).__name__}' to 'JSONPatch'"
        )
    unknown = set(item) - set(_FIELDS)
    if unknown:
        raise PatchError(f"type mismatch: JSONPatch has no field {sorted(unknown)[0]!r}")
    operation = {"op": item["op"], "path": item["path"]}
    if item.get("from"):
        operation["from"] = item["from"]
    if "value" in item:
        operation["value"] = item["value"]
    return operation


def apply_patch(obj: Object, result: Any) -> Object:
    """The object with the evaluated patch applied (a new object; ``obj`` is left as it is)."""
    if not isinstance(result, list):
        raise PatchError("type mismatch: JSONPatchType.expression should evaluate to array")
    operations = [_operation(item) for item in result]
    try:
        patched: Object = apply_json_patch(obj, operations)
    except JSONPatchTestFailed:
        return obj
    except JSONPatchError as exc:
        raise PatchError(f"JSONPath: {exc}") from None
    return patched
