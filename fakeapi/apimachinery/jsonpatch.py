"""RFC 6902 JSON patch, as gopkg.in/evanphx/json-patch.v4 (patch.go) applies it for kube-apiserver.

kube-apiserver decodes an ``application/json-patch+json`` body with ``jsonpatch.DecodePatch``,
refuses more than 10000 operations (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go)
and applies the rest with ``Patch.Apply``. This module keeps that library's behaviour where it
departs from the RFC, because clients can see it:

* a null member counts as missing: ``test`` with ``"value": null`` passes on a missing member;
* ``replace`` of a missing object member adds it;
* ``copy`` from a missing object member adds a null;
* an array index may be negative and counts from the end (``add`` at ``-1`` appends);
* the path ``""`` can only be used by ``replace`` and ``test``;
* a path without a leading ``/`` ignores its first segment;
* an operation without ``value`` behaves as ``"value": null``;
* scalars are compared by JSON type and value, so ``1`` and ``1.0`` differ.

Error messages are the library's, which the server puts in its 400 and 422 responses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from fakeapi.apimachinery.jsonutil import deep_copy_json, json_equal, json_value_kind, parse_go_int64

MAX_OPERATIONS = 10000
# genericapiserver's JSONPatchMaxCopyBytes default, which kube-apiserver sets as the library's
# AccumulatedCopySizeLimit: the bytes that all "copy" operations of one patch may add.
COPY_SIZE_LIMIT = 3 * 1024 * 1024

_MISSING = "missing value"  # jsonpatch.ErrMissing
_INVALID_INDEX = "invalid index referenced"  # jsonpatch.ErrInvalidIndex
_POINTER_ESCAPE_RE = re.compile("~[01]")


class JSONPatchError(ValueError):
    """A JSON patch that cannot be applied; ``str()`` is evanphx/json-patch's message."""


class JSONPatchFormatError(JSONPatchError):
    """The body is not a list of operation objects (the server answers 400)."""


class JSONPatchTooLarge(JSONPatchError):
    """More than MAX_OPERATIONS operations (the server answers 413)."""


class JSONPatchApplyError(JSONPatchError):
    """An operation failed: a test mismatch, a missing path, a bad index (the server answers 422)."""


class JSONPatchTestFailed(JSONPatchApplyError):
    """A ``test`` operation found another value (evanphx/json-patch's ErrTestFailed)."""


_Container = dict[str, Any] | list[Any]


def _go_quote(text: str) -> str:
    # Go's %q and Python's JSON quoting agree for all but rare control characters.
    return json.dumps(text, ensure_ascii=False)


def _atoi(text: str) -> int:
    """Go's strconv.Atoi, with its error messages."""
    try:
        return parse_go_int64(text)
    except ValueError as err:
        raise JSONPatchApplyError(f"strconv.Atoi: parsing {_go_quote(text)}: {err}") from None


def _position(index: int, size: int) -> int:
    """Check an array position; a negative one counts back from ``size``."""
    if not -size <= index < size:
        raise JSONPatchApplyError(f"Unable to access invalid index: {index}: {_INVALID_INDEX}")
    return index + size if index < 0 else index


def _index(array: list[Any], key: str) -> int:
    """The position of an existing element named by a pointer segment."""
    return _position(_atoi(key), len(array))


def _get(container: _Container, key: str) -> Any:
    """The member or element, None for a missing (or null) object member."""
    if isinstance(container, dict):
        return container.get(key)
    return container[_index(container, key)]


def _add(container: _Container, key: str, value: Any) -> None:
    if isinstance(container, dict):
        container[key] = value
        return
    if key == "-":
        container.append(value)
        return
    try:
        index = _atoi(key)
    except JSONPatchApplyError as err:
        raise JSONPatchApplyError(f"value was not a proper array index: '{key}': {err}") from None
    # One past the end is allowed: it appends.
    container.insert(_position(index, len(container) + 1), value)


def _remove(container: _Container, key: str) -> None:
    if isinstance(container, dict):
        if key not in container:
            raise JSONPatchApplyError(f"Unable to remove nonexistent key: {key}: {_MISSING}")
        del container[key]
    else:
        del container[_index(container, key)]


def _decode_segment(segment: str) -> str:
    """RFC 6901 unescaping in one pass, so that ``~01`` is ``~1`` and not ``/``."""
    return _POINTER_ESCAPE_RE.sub(lambda match: "/" if match.group() == "~1" else "~", segment)


def _encoded_size(value: Any) -> int:
    """The length of Go's json.Marshal output for a value, which the copy limit counts."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    # Go escapes <, > and & as \u003c (5 bytes more) and U+2028/U+2029 as \u2028 (3 bytes more).
    html = sum(map(text.count, "<>&"))
    separators = text.count("\u2028") + text.count("\u2029")
    return len(text.encode("utf-8", "surrogatepass")) + 5 * html + 3 * separators


def _pointer(operation: dict[str, Any], name: str, op: str, *, with_cause: bool = True) -> str:
    """Operation.Path / Operation.From, failing as the ``op`` operation reports it.

    Most operations show why the member could not be read; some only say "missing value".
    """
    value = operation.get(name)
    if isinstance(value, str):
        return value
    if not with_cause:
        cause = _MISSING
    elif value is None:
        what = "operation missing path field" if name == "path" else "operation, missing from field"
        cause = f"{what}: {_MISSING}"
    else:
        cause = f"json: cannot unmarshal {json_value_kind(value)} into Go value of type string"
    raise JSONPatchApplyError(f"{op} operation failed to decode {name}: {cause}")


class _Patcher:
    """Applies operations one by one to a private copy of the document."""

    def __init__(self, doc: _Container) -> None:
        self.doc: _Container = doc
        self.copied_bytes = 0

    def _find(self, path: str, failure: str) -> tuple[_Container, str]:
        """findObject: the container holding the path's last segment, and that segment.

        Raises:
            JSONPatchApplyError: With the message ``failure`` when a parent is missing or is not
                an object or array.
        """
        segments = path.split("/")
        if len(segments) < 2:
            raise JSONPatchApplyError(failure)
        node: Any = self.doc
        # The first segment is skipped unread: it is "" for a path that starts with "/".
        for segment in segments[1:-1]:
            try:
                node = _get(node, _decode_segment(segment))
            except JSONPatchApplyError:
                raise JSONPatchApplyError(failure) from None
            if not isinstance(node, dict | list):
                raise JSONPatchApplyError(failure)
        return node, _decode_segment(segments[-1])

    def add(self, operation: dict[str, Any]) -> None:
        path = _pointer(operation, "path", "add", with_cause=False)
        found = self._find(path, f'add operation does not apply: doc is missing path: "{path}": {_MISSING}')
        try:
            _add(*found, deep_copy_json(operation.get("value")))
        except JSONPatchApplyError as err:
            raise JSONPatchApplyError(f"error in add for path: '{path}': {err}") from None

    def remove(self, operation: dict[str, Any]) -> None:
        path = _pointer(operation, "path", "remove", with_cause=False)
        found = self._find(path, f'remove operation does not apply: doc is missing path: "{path}": {_MISSING}')
        try:
            _remove(*found)
        except JSONPatchApplyError as err:
            raise JSONPatchApplyError(f"error in remove for path: '{path}': {err}") from None

    def replace(self, operation: dict[str, Any]) -> None:
        path = _pointer(operation, "path", "replace")
        value = deep_copy_json(operation.get("value"))
        if path == "":
            if not isinstance(value, dict | list):
                # The library wraps a nil error here, which Go prints as %!w(<nil>).
                raise JSONPatchApplyError("replace operation value must be object or array: %!w(<nil>)")
            self.doc = value
            return
        container, key = self._find(path, f"replace operation does not apply: doc is missing path: {path}: {_MISSING}")
        if isinstance(container, dict):
            # Object members need not exist: replace then adds, as upstream does.
            container[key] = value
            return
        try:
            index = _index(container, key)
        except JSONPatchApplyError:
            raise JSONPatchApplyError(
                f"replace operation does not apply: doc is missing key: {path}: {_MISSING}"
            ) from None
        container[index] = value

    def move(self, operation: dict[str, Any]) -> None:
        source = _pointer(operation, "from", "move")
        container, key = self._find(
            source, f"move operation does not apply: doc is missing from path: {source}: {_MISSING}"
        )
        try:
            value = _get(container, key)
            _remove(container, key)
        except JSONPatchApplyError as err:
            # Upstream names the last segment here, not the path.
            raise JSONPatchApplyError(f"error in move for path: '{key}': {err}") from None
        path = _pointer(operation, "path", "move")
        # Looked up after the removal, so array positions have already shifted.
        found = self._find(path, f"move operation does not apply: doc is missing destination path: {path}: {_MISSING}")
        try:
            _add(*found, value)
        except JSONPatchApplyError as err:
            raise JSONPatchApplyError(f"error in move for path: '{path}': {err}") from None

    def copy(self, operation: dict[str, Any]) -> None:
        source = _pointer(operation, "from", "copy")
        found = self._find(source, f"copy operation does not apply: doc is missing from path: {source}: {_MISSING}")
        try:
            value = _get(*found)
        except JSONPatchApplyError as err:
            raise JSONPatchApplyError(f"error in copy for from: '{source}': {err}") from None
        path = _pointer(operation, "path", "copy", with_cause=False)
        found = self._find(path, f"copy operation does not apply: doc is missing destination path: {path}: {_MISSING}")
        # A missing source is copied as a null that adds no bytes.
        if value is not None:
            self.copied_bytes += _encoded_size(value)
        if self.copied_bytes > COPY_SIZE_LIMIT:
            raise JSONPatchApplyError(
                "Unable to complete the copy, the accumulated size increase of copy is "
                f"{self.copied_bytes}, exceeding the limit {COPY_SIZE_LIMIT}"
            )
        try:
            _add(*found, deep_copy_json(value))
        except JSONPatchApplyError as err:
            raise JSONPatchApplyError(f"error while adding value during copy: {err}") from None

    def test(self, operation: dict[str, Any]) -> None:
        path = _pointer(operation, "path", "test")
        if path == "":
            actual: Any = self.doc
        else:
            found = self._find(path, f"test operation does not apply: is missing path: {path}: {_MISSING}")
            try:
                actual = _get(*found)
            except JSONPatchApplyError as err:
                raise JSONPatchApplyError(f"error in test for path: '{path}': {err}") from None
        # None on both sides passes, so a null value also matches a member that is not there.
        if not json_equal(actual, operation.get("value")):
            raise JSONPatchTestFailed(f"testing value {path} failed: test failed")


_OPERATIONS: dict[str, Callable[[_Patcher, dict[str, Any]], None]] = {
    "add": _Patcher.add,
    "remove": _Patcher.remove,
    "replace": _Patcher.replace,
    "move": _Patcher.move,
    "copy": _Patcher.copy,
    "test": _Patcher.test,
}


def _decode_patch(operations: Any) -> list[Any]:
    """jsonpatch.DecodePatch on an already-parsed body: a list of objects (or nulls)."""
    if operations is None:
        # JSON null decodes into an empty patch.
        return []
    if not isinstance(operations, list):
        raise JSONPatchFormatError(
            f"json: cannot unmarshal {json_value_kind(operations)} into Go value of type jsonpatch.Patch"
        )
    for operation in operations:
        if operation is not None and not isinstance(operation, dict):
            raise JSONPatchFormatError(
                f"json: cannot unmarshal {json_value_kind(operation)} into Go value of type jsonpatch.Operation"
            )
    return operations


def apply_json_patch(doc: Any, operations: Any) -> Any:
    """Apply a JSON patch, as kube-apiserver does for ``application/json-patch+json``.

    Args:
        doc: The current object: a JSON object (or array). It is not modified.
        operations: The parsed patch body, normally a list of operation objects.

    Returns:
        A new document; it shares no dict or list with ``doc`` or ``operations``.

    Raises:
        JSONPatchFormatError: The body is not a list of objects.
        JSONPatchTooLarge: It has more than MAX_OPERATIONS operations.
        JSONPatchApplyError: An operation failed; the whole patch is then void.
        TypeError: ``doc`` is not a dict or a list (the server never patches anything else).
    """
    ops = _decode_patch(operations)
    if len(ops) > MAX_OPERATIONS:
        raise JSONPatchTooLarge(f"The allowed maximum operations in a JSON patch is {MAX_OPERATIONS}, got {len(ops)}")
    if not isinstance(doc, dict | list):
        raise TypeError(f"a JSON patch applies to an object or an array, not {type(doc).__name__}")
    patcher = _Patcher(deep_copy_json(doc))
    for operation in ops:
        kind = operation.get("op") if operation is not None else None
        apply = _OPERATIONS.get(kind) if isinstance(kind, str) else None
        if apply is None:
            raise JSONPatchApplyError(f"Unexpected kind: {kind if isinstance(kind, str) else 'unknown'}")
        apply(patcher, operation)
    return patcher.doc
