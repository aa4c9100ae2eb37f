"""Strategic merge patch, applied server-side to built-in objects.

Mirrors the apply half of k8s.io/apimachinery/pkg/util/strategicpatch/patch.go
(``StrategicMergeMapPatch``: ``mergeMap``, ``mergeSlice``, ``mergePatchIntoOriginal``,
``applyRetainKeysDirective``, ``normalizeElementOrder``, ``removeDirectives``...), its meta.go
(``PatchMetaFromStruct``, ``LookupPatchMetadataForStruct``/``ForSlice``) and the error values of
pkg/util/mergepatch/errors.go. ``create_two_way_merge_patch`` and the three-way diff are client
side and not here.

Upstream reads patch strategies and merge keys from the Go struct tags of the built-in types;
here they come from the same data in the OpenAPI schemas (``x-kubernetes-patch-strategy``,
``x-kubernetes-patch-merge-key``), and the Go types are inferred from the schemas: a
definition is a struct, ``additionalProperties`` a map, ``array`` a slice. Lookups fail where
Go's would, with Go's texts (a key missing from a struct, a map where a struct is expected),
though only for keys that both the object and the patch hold, as upstream.

Go iterates maps in random order; this module walks the patch in its own key order, so that
results are deterministic. Errors carry how the PATCH handler reports them
(``interpretStrategicMergePatchError``): 400 for bad directives formats, 422 for lists of
lists, and the raw text with a 500 for everything else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.gofmt import go_value
from fakeapi.apimachinery.jsonutil import go_type_of
from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.apimachinery.schema import GroupVersionKind

DIRECTIVE_MARKER = "$patch"
DELETE_DIRECTIVE = "delete"
REPLACE_DIRECTIVE = "replace"
MERGE_DIRECTIVE = "merge"
RETAIN_KEYS_STRATEGY = "retainKeys"
RETAIN_KEYS_DIRECTIVE = "$retainKeys"
DELETE_FROM_PRIMITIVE_LIST_PREFIX = "$deleteFromPrimitiveList"
SET_ELEMENT_ORDER_PREFIX = "$setElementOrder"

# mergepatch/errors.go: the errors the PATCH handler turns into 400 or 422.
ERR_BAD_JSON_DOC = "invalid JSON document"
ERR_NO_LIST_OF_LISTS = "lists of lists are not supported"
ERR_BAD_PATCH_FORMAT_FOR_PRIMITIVE_LIST = "invalid patch format of primitive list"
ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS = "invalid patch format of retainKeys"
ERR_BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER_LIST = "invalid patch format of setElementOrder list"
ERR_PATCH_CONTENT_NOT_MATCH_RETAIN_KEYS = "patch content doesn't match retainKeys list"
_BAD_REQUEST_ERRORS = frozenset(
    {
        ERR_BAD_JSON_DOC,
        ERR_BAD_PATCH_FORMAT_FOR_PRIMITIVE_LIST,
        ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS,
        ERR_BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER_LIST,
    }
)
_UNPROCESSABLE_ERRORS = frozenset({ERR_NO_LIST_OF_LISTS, ERR_PATCH_CONTENT_NOT_MATCH_RETAIN_KEYS})


class StrategicMergePatchError(Exception):
    """A patch that cannot be applied; ``message`` is upstream's error text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_status_error(self) -> errors.StatusError:
        """interpretStrategicMergePatchError, then ErrorToAPIStatus for errors that are not Statuses."""
        if self.message in _BAD_REQUEST_ERRORS:
            return errors.new_bad_request(self.message)
        if self.message in _UNPROCESSABLE_ERRORS:
            return errors.new_generic_invalid()
        return errors.StatusError(500, "", self.message)


# -- Go's view of the values ------------------------------------------------------------------


def _bad_arg_type(expected: str, actual: Any) -> StrategicMergePatchError:
    """mergepatch.ErrBadArgType."""
    return StrategicMergePatchError(f"expected a {expected}, but received a {go_type_of(actual)}")


def _no_merge_key(item: Mapping[str, Any], key: str) -> StrategicMergePatchError:
    return StrategicMergePatchError(f"map: {go_value(dict(item))} does not contain declared merge key: {key}")


def _bad_patch_type(directive: Any, patch: Mapping[str, Any]) -> StrategicMergePatchError:
    if isinstance(directive, str):
        shown = directive
    else:
        # A null directive's type reads "nil" here (Go's %s would print "%!s(<nil>)").
        type_name = "nil" if directive is None else go_type_of(directive)
        shown = f"%!s({type_name}={go_value(directive)})"
    return StrategicMergePatchError(f"unknown patch type: {shown} in map: {go_value(dict(patch))}")


def _same(left: Any, right: Any) -> bool:
    """Go's == on interface values: same dynamic type and equal."""
    return go_type_of(left) == go_type_of(right) and left == right


# -- patch metadata from the schemas ---------------------------------------------------------


@dataclass(frozen=True)
class PatchMeta:
    strategies: tuple[str, ...] = ()
    merge_key: str = ""


@dataclass(frozen=True)
class _GoType:
    """The Go type behind a schema node: its reflect.Kind, struct name, and schema."""

    kind: str
    name: str = ""
    schema: Mapping[str, Any] | None = None


class PatchSchema:
    """LookupPatchMeta over OpenAPI definitions: the stand-in for PatchMetaFromStruct."""

    def __init__(self, definitions: Mapping[str, Mapping[str, Any]], go_type: _GoType) -> None:
        self._definitions = definitions
        self._type = go_type

    @classmethod
    def for_kind(cls, registry: SchemaRegistry, gvk: GroupVersionKind) -> PatchSchema | None:
        """The schema of a built-in kind; None for kinds without one (custom resources)."""
        found = registry.definition_for(gvk)
        if found is None:
            return None
        definitions = registry.definitions
        return cls(definitions, cls._named(definitions, found[0]))

    @staticmethod
    def _named(definitions: Mapping[str, Mapping[str, Any]], name: str) -> _GoType:
        # Every named definition is a Go struct: Time, Quantity and IntOrString included.
        return _GoType("struct", name.rpartition(".")[2], definitions.get(name, {}))

    def _type_of(self, schema: Mapping[str, Any]) -> _GoType:
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self._named(self._definitions, ref.rpartition("/")[2])
        types = schema.get("type")
        kind = types if isinstance(types, str) else next((t for t in types or () if t != "null"), "")
        if kind == "array":
            items = schema.get("items")
            return _GoType("slice", schema=items if isinstance(items, dict) else {})
        if kind == "object":
            extra = schema.get("additionalProperties")
            return _GoType("map", schema=extra if isinstance(extra, dict) else {})
        if kind == "integer":
            return _GoType("int64" if schema.get("format") == "int64" else "int32")
        if kind == "number":
            return _GoType("float64")
        return _GoType({"string": "string", "boolean": "bool"}.get(kind, "interface"))

    def name(self) -> str:
        """LookupPatchMeta.Name: the reflect.Kind of the type."""
        return self._type.kind

    def lookup_struct(self, key: str) -> tuple[PatchSchema, PatchMeta]:
        """forkedjson.LookupPatchMetadataForStruct: the field's type and patch tags."""
        if self._type.kind != "struct":
            raise StrategicMergePatchError(
                f"merging an object in json but data type is not struct, instead is: {self._type.kind}"
            )
        properties: Mapping[str, Any] = (self._type.schema or {}).get("properties") or {}
        prop = properties.get(key)
        if prop is None:
            # encoding/json falls back to a case-insensitive match.
            prop = next((p for name, p in properties.items() if name.lower() == key.lower()), None)
        if prop is None:
            raise StrategicMergePatchError(
                f'unable to find api field in struct {self._type.name} for the json field "{key}"'
            )
        strategy = prop.get("x-kubernetes-patch-strategy", "")
        meta = PatchMeta(tuple(strategy.split(",")), prop.get("x-kubernetes-patch-merge-key", ""))
        return PatchSchema(self._definitions, self._type_of(prop)), meta

    def lookup_slice(self, key: str) -> tuple[PatchSchema, PatchMeta]:
        """PatchMetaFromStruct.LookupPatchMetadataForSlice: the element type and the list's tags."""
        field_schema, meta = self.lookup_struct(key)
        field_type = field_schema._type
        if field_type.kind != "slice":
            raise StrategicMergePatchError(f"expected slice or array type, but got: {self._type.kind}")
        element = field_schema._type_of(field_type.schema or {})
        if element.kind == "slice":
            raise StrategicMergePatchError("unexpected slice of slice")
        return PatchSchema(self._definitions, element), meta


def _retain_keys_and_strategy(strategies: tuple[str, ...]) -> tuple[bool, str]:
    """extractRetainKeysPatchStrategy."""
    if not strategies:
        return False, ""
    if len(strategies) == 1:
        return (True, "") if strategies[0] == RETAIN_KEYS_STRATEGY else (False, strategies[0])
    if len(strategies) == 2:
        if strategies[0] == RETAIN_KEYS_STRATEGY:
            return True, strategies[1]
        if strategies[1] == RETAIN_KEYS_STRATEGY:
            return True, strategies[0]
    raise StrategicMergePatchError(f"unexpected patch strategy: [{' '.join(strategies)}]")


# -- ordering -------------------------------------------------------------------------------


def _go_stable_sort(items: list[Any], less: Callable[[Any, Any], bool]) -> None:
    """sort.SliceStable: insertion sort in blocks of 20, then symMerge, as Go does.

    The less functions of this module are not strict orders, so the algorithm decides the
    result; any other stable sort could order the same items differently.
    """

    def insertion(a: int, b: int) -> None:
        for i in range(a + 1, b):
            j = i
            while j > a and less(items[j], items[j - 1]):
                items[j], items[j - 1] = items[j - 1], items[j]
                j -= 1

    def rotate(a: int, m: int, b: int) -> None:
        items[a:b] = items[m:b] + items[a:m]

    def sym_merge(a: int, m: int, b: int) -> None:
        if m - a == 1:
            i, j = m, b
            while i < j:
                h = (i + j) // 2
                if less(items[h], items[a]):
                    i = h + 1
                else:
                    j = h
            for k in range(a, i - 1):
                items[k], items[k + 1] = items[k + 1], items[k]
            return
        if b - m == 1:
            i, j = a, m
            while i < j:
                h = (i + j) // 2
                if not less(items[m], items[h]):
                    i = h + 1
                else:
                    j = h
            for k in range(m, i, -1):
                items[k], items[k - 1] = items[k - 1], items[k]
            return
        mid = (a + b) // 2
        n = mid + m
        if m > mid:
            start, r = n - b, mid
        else:
            start, r = a, m
        p = n - 1
        while start < r:
            c = (start + r) // 2
            if not less(items[p - c], items[c]):
                start = c + 1
            else:
                r = c
        end = n - start
        if start < m < end:
            rotate(start, m, end)
        if a < start < mid:
            sym_merge(a, start, mid)
        if mid < end < b:
            sym_merge(mid, end, b)

    n = len(items)
    block = 20
    a, b = 0, block
    while b <= n:
        insertion(a, b)
        a, b = b, b + block
    insertion(a, n)
    while block < n:
        a, b = 0, 2 * block
        while b <= n:
            sym_merge(a, a + block, b)
            a, b = b, b + 2 * block
        m = a + block
        if m < n:
            sym_merge(a, m, n)
        block *= 2


def _index(items: list[Any], value: Any, merge_key: str, maps: bool) -> int:
    """index: where an item (by merge key value, for maps) sits in a list, or -1."""
    wanted = value.get(merge_key) if maps and isinstance(value, dict) else (None if maps else value)
    for i, item in enumerate(items):
        candidate = item.get(merge_key) if maps and isinstance(item, dict) else (None if maps else item)
        if _same(candidate, wanted):
            return i
    return -1


def _extract_to_delete_items(items: list[Any]) -> tuple[list[Any], list[Any]]:
    keep, delete = [], []
    for item in items:
        if not isinstance(item, dict):
            raise _bad_arg_type("map[string]interface {}", item)
        if item.get(DIRECTIVE_MARKER) == DELETE_DIRECTIVE:
            delete.append(item)
        else:
            keep.append(item)
    return keep, delete


def _validate_merge_key_in_lists(merge_key: str, *lists: list[Any]) -> None:
    for items in lists:
        for item in items:
            if not isinstance(item, dict):
                raise _bad_arg_type("map[string]interface {}", item)
            if merge_key not in item:
                raise _no_merge_key(item, merge_key)


def _normalize_slice_order(items: list[Any], order: list[Any], merge_key: str, maps: bool) -> list[Any]:
    """normalizeSliceOrder: sort ``items`` by ``order``; delete directives go last."""
    to_delete: list[Any] = []
    if maps:
        _validate_merge_key_in_lists(merge_key, items, order)
        items, to_delete = _extract_to_delete_items(items)
    items = list(items)

    def less(left: Any, right: Any) -> bool:
        i = _index(order, left, merge_key, maps)
        if i >= 0:
            j = _index(order, right, merge_key, maps)
            if j >= 0:
                return i < j
        return True

    _go_stable_sort(items, less)
    return items + to_delete


def _merge_sorted_slice(
    left: list[Any], right: list[Any], server_order: list[Any], merge_key: str, maps: bool
) -> list[Any]:
    """mergeSortedSlice: interleave server-only items into the patch items, by the live order."""
    out: list[Any] = []
    i = j = 0
    while i < len(left) or j < len(right):
        if i >= len(left):
            out.append(right[j])
            j += 1
        elif j >= len(right):
            out.append(left[i])
            i += 1
        else:
            li = _index(server_order, left[i], merge_key, maps)
            ri = _index(server_order, right[j], merge_key, maps)
            if li >= 0 and ri >= 0 and li < ri:
                out.append(left[i])
                i += 1
            else:
                out.append(right[j])
                j += 1
    return out


def _normalize_element_order(
    patch: list[Any],
    server_only: list[Any],
    patch_order: list[Any],
    server_order: list[Any],
    merge_key: str,
    maps: bool,
) -> list[Any]:
    patch = _normalize_slice_order(patch, patch_order, merge_key, maps)
    server_only = _normalize_slice_order(server_only, server_order, merge_key, maps)
    return _merge_sorted_slice(server_only, patch, server_order, merge_key, maps)


def _slice_element_kind(*lists: list[Any] | None) -> str:
    """sliceElementType: all items of one type, and no lists; returns the reflect.Kind."""
    previous: str | None = None
    for items in lists:
        for item in items or ():
            current = go_type_of(item)
            if previous is None:
                previous = current
                if current == "[]interface {}":
                    raise StrategicMergePatchError(ERR_NO_LIST_OF_LISTS)
            elif previous != current:
                shown = "[" + " ".join(go_value(list(x) if x is not None else []) for x in lists) + "]"
                raise StrategicMergePatchError(f"list element types are not identical: {shown}")
    if previous is None:
        raise StrategicMergePatchError("no elements in any of the given slices")
    return "map" if previous == "map[string]interface {}" else previous


def _deduplicate_scalars(items: list[Any]) -> list[Any]:
    """deduplicateScalars, moving the last item into each duplicate's place as Go does."""
    items = list(items)
    length = len(items) - 1
    i = 0
    while i < length:
        j = i + 1
        while j <= length:
            if _same(items[i], items[j]):
                items[j] = items[length]
                items = items[:length]
                length -= 1
                j -= 1
            j += 1
        i += 1
    return items


def _partition_primitives(items: list[Any], by: list[Any]) -> tuple[list[Any], list[Any]]:
    inside: list[Any] = []
    outside: list[Any] = []
    for item in items:
        (inside if any(_same(item, b) for b in by) else outside).append(item)
    return inside, outside


def _find_map(items: list[Any], key: str, value: Any) -> int:
    """findMapInSliceBasedOnKeyValue: the index of the map whose merge key equals ``value``."""
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise StrategicMergePatchError(f"value for key {i} is not a map")
        if key in item and _same(item[key], value):
            return i
    return -1


def _partition_maps(items: list[Any], by: list[Any], merge_key: str) -> tuple[list[Any], list[Any]]:
    inside: list[Any] = []
    outside: list[Any] = []
    for item in items:
        if not isinstance(item, dict):
            raise _bad_arg_type("map[string]interface {}", item)
        if merge_key not in item:
            raise _no_merge_key(item, merge_key)
        (inside if _find_map(by, merge_key, item[merge_key]) >= 0 else outside).append(item)
    return inside, outside


# -- directives -----------------------------------------------------------------------------


def _remove_directives(value: Any) -> tuple[Any, bool]:
    """removeDirectives: strip ``$patch`` maps; False when the value itself was a directive."""
    if isinstance(value, dict):
        if DIRECTIVE_MARKER in value:
            return None, False
        for key in list(value):
            cleaned, keep = _remove_directives(value[key])
            if keep:
                value[key] = cleaned
            else:
                del value[key]
        return value, True
    if isinstance(value, list):
        out = []
        for item in value:
            cleaned, keep = _remove_directives(item)
            if keep:
                out.append(cleaned)
        return out, True
    return value, True


def _discard_nulls(value: Any) -> None:
    """discardNullValuesFromPatch."""
    if isinstance(value, dict):
        for key in list(value):
            if value[key] is None:
                del value[key]
            else:
                _discard_nulls(value[key])
    elif isinstance(value, list):
        for item in value:
            _discard_nulls(item)


def _apply_retain_keys(original: dict[str, Any], patch: dict[str, Any]) -> None:
    """applyRetainKeysDirective: clear the fields ``$retainKeys`` does not list."""
    if RETAIN_KEYS_DIRECTIVE not in patch:
        return
    retain = patch.pop(RETAIN_KEYS_DIRECTIVE)
    if not isinstance(retain, list):
        raise StrategicMergePatchError(ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS)
    for key, value in patch.items():
        if value is None or key.startswith((DELETE_FROM_PRIMITIVE_LIST_PREFIX, SET_ELEMENT_ORDER_PREFIX)):
            continue
        if not any(_same(key, r) for r in retain):
            raise StrategicMergePatchError(ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS)
    for key in list(original):
        if not any(_same(key, r) for r in retain):
            del original[key]


def _extract_key(text: str, prefix: str) -> str:
    head, sep, rest = text.partition("/")
    if not sep or head != prefix:
        if prefix == DELETE_FROM_PRIMITIVE_LIST_PREFIX:
            raise StrategicMergePatchError(ERR_BAD_PATCH_FORMAT_FOR_PRIMITIVE_LIST)
        raise StrategicMergePatchError(ERR_BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER_LIST)
    return rest


def _merge_key_equal(left: Any, right: Any, merge_key: str) -> bool:
    if not merge_key:
        return _same(left, right)
    if not isinstance(left, dict):
        raise _bad_arg_type("map[string]interface {}", left)
    if not isinstance(right, dict):
        raise _bad_arg_type("map[string]interface {}", right)
    if merge_key not in left:
        raise _no_merge_key(left, merge_key)
    if merge_key not in right:
        raise _no_merge_key(right, merge_key)
    return _same(left[merge_key], right[merge_key])


def _validate_patch_with_set_order(patch_list: Any, order: Any, merge_key: str) -> None:
    """validatePatchWithSetOrderList: the patch list's items appear in the order list, in order."""
    if not isinstance(order, list) or not isinstance(patch_list, list):
        raise StrategicMergePatchError(ERR_BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER_LIST)
    if not order or not patch_list:
        return
    items = _extract_to_delete_items(patch_list)[0] if merge_key else patch_list
    pi = oi = 0
    while pi < len(items) and oi < len(order):
        if isinstance(items[pi], dict) and DIRECTIVE_MARKER in items[pi]:
            pi += 1
            continue
        if _merge_key_equal(items[pi], order[oi], merge_key):
            pi += 1
        oi += 1
    if pi < len(items) and oi >= len(order):
        raise StrategicMergePatchError(
            f"The order in patch list:\n{go_value(patch_list)}\n doesn't match {SET_ELEMENT_ORDER_PREFIX} list:\n"
            f"{go_value(order)}\n"
        )


# -- merging --------------------------------------------------------------------------------


def strategic_merge_patch(original: dict[str, Any], patch: dict[str, Any], schema: PatchSchema) -> dict[str, Any]:
    """StrategicMergeMapPatch: ``patch`` applied to ``original``; both are consumed (mutated).

    Raises:
        StrategicMergePatchError: with upstream's text; :meth:`~StrategicMergePatchError.to_status_error`
            gives the Status the PATCH handler answers with.
    """
    return _merge_map(original, patch, schema)


def _merge_map(original: dict[str, Any] | None, patch: dict[str, Any], schema: PatchSchema) -> dict[str, Any]:
    if DIRECTIVE_MARKER in patch:
        directive = patch[DIRECTIVE_MARKER]
        if directive == REPLACE_DIRECTIVE:
            del patch[DIRECTIVE_MARKER]
            return patch
        if directive == DELETE_DIRECTIVE:
            return {}
        raise _bad_patch_type(directive, patch)
    if original is None:
        original = {}
    _apply_retain_keys(original, patch)
    _merge_set_element_order(original, patch, schema)

    for key in list(patch):
        value = patch[key]
        is_delete_list = False
        if key.startswith(DELETE_FROM_PRIMITIVE_LIST_PREFIX):
            key = _extract_key(key, DELETE_FROM_PRIMITIVE_LIST_PREFIX)
            is_delete_list = True
        if value is None:
            original.pop(key, None)
            continue
        if key not in original or go_type_of(original[key]) != go_type_of(value):
            if not is_delete_list:
                _discard_nulls(value)
                cleaned, keep = _remove_directives(value)
                if keep:
                    original[key] = cleaned
                else:
                    original.pop(key, None)
            continue
        current = original[key]
        if isinstance(current, dict):
            subschema, meta = schema.lookup_struct(key)
            _, strategy = _retain_keys_and_strategy(meta.strategies)
            original[key] = value if strategy == REPLACE_DIRECTIVE else _merge_map(current, value, subschema)
        elif isinstance(current, list):
            subschema, meta = schema.lookup_slice(key)
            _, strategy = _retain_keys_and_strategy(meta.strategies)
            original[key] = _merge_slice_handler(current, value, subschema, strategy, meta.merge_key, is_delete_list)
        else:
            cleaned, keep = _remove_directives(value)
            if keep:
                original[key] = cleaned
            else:
                original.pop(key, None)
    return original


def _merge_slice_handler(
    original: list[Any], patch: list[Any], schema: PatchSchema, strategy: str, merge_key: str, is_delete_list: bool
) -> list[Any]:
    # A deletion list works the same whatever the field's strategy.
    if strategy == MERGE_DIRECTIVE or is_delete_list:
        return _merge_slice(original, patch, schema, merge_key, is_delete_list)
    return patch


def _merge_set_element_order(original: dict[str, Any], patch: dict[str, Any], schema: PatchSchema) -> None:
    """mergePatchIntoOriginal: lists that come with ``$setElementOrder/<list>`` are merged and ordered first."""
    for key in list(patch):
        if key not in patch or not key.startswith(SET_ELEMENT_ORDER_PREFIX):
            continue
        order = patch.pop(key)
        if not isinstance(order, list):
            raise _bad_arg_type("[]interface {}", order)
        list_key = _extract_key(key, SET_ELEMENT_ORDER_PREFIX)
        found_original, found_patch = list_key in original, list_key in patch
        original_list, patch_list = original.get(list_key), patch.get(list_key)
        if found_original and not isinstance(original_list, list):
            raise _bad_arg_type("[]interface {}", original_list)
        if found_patch and not isinstance(patch_list, list):
            raise _bad_arg_type("[]interface {}", patch_list)
        subschema, meta = schema.lookup_slice(list_key)
        _, strategy = _retain_keys_and_strategy(meta.strategies)
        merge_key = meta.merge_key
        # A list the patch does not hold counts as an empty one (a nil slice passes Go's check).
        _validate_patch_with_set_order(patch_list if found_patch else [], order, merge_key)
        if found_original and not found_patch:
            assert isinstance(original_list, list)
            merged = original_list
        elif found_patch and not found_original:
            merged = _remove_directives(patch_list)[0]
        elif found_original and found_patch:
            assert isinstance(original_list, list) and isinstance(patch_list, list)
            merged = _merge_slice_handler(original_list, patch_list, subschema, strategy, merge_key, False)
        else:
            continue
        if merge_key:
            patch_items, server_only = _partition_maps(merged, order, merge_key)
        else:
            patch_items, server_only = _partition_primitives(merged, order)
        kind = _slice_element_kind(original_list if found_original else None, patch_list if found_patch else None)
        original_items = original_list if isinstance(original_list, list) else []
        original[list_key] = _normalize_element_order(
            patch_items, server_only, order, original_items, merge_key, kind == "map"
        )
        patch.pop(list_key, None)


def _merge_slice(
    original: list[Any], patch: list[Any], schema: PatchSchema, merge_key: str, is_delete_list: bool
) -> list[Any]:
    if not original and not patch:
        return original
    kind = _slice_element_kind(original, patch)
    if kind != "map":
        if is_delete_list:
            return [item for item in original if not any(_same(item, d) for d in patch)]
        merged = _deduplicate_scalars(original + patch)
    else:
        if not merge_key:
            raise StrategicMergePatchError(f"cannot merge lists without merge key for {schema.name()}")
        original, patch = _merge_slice_special_elements(original, patch, merge_key)
        merged = _merge_slice_plain_elements(original, patch, merge_key, schema)
    if merge_key:
        patch_items, server_only = _partition_maps(merged, patch, merge_key)
    else:
        patch_items, server_only = _partition_primitives(merged, patch)
    return _normalize_element_order(patch_items, server_only, patch, original, merge_key, kind == "map")


def _merge_slice_special_elements(original: list[Any], patch: list[Any], merge_key: str) -> tuple[list[Any], list[Any]]:
    """mergeSliceWithSpecialElements: ``$patch: delete`` and ``replace`` items of a merging list."""
    plain: list[Any] = []
    replace = False
    for item in patch:
        if DIRECTIVE_MARKER not in item:
            plain.append(item)
            continue
        directive = item[DIRECTIVE_MARKER]
        if directive == DELETE_DIRECTIVE:
            if merge_key not in item:
                raise _no_merge_key(item, merge_key)
            value = item[merge_key]
            while (i := _find_map(original, merge_key, value)) >= 0:
                original = original[:i] + original[i + 1 :]
        elif directive == REPLACE_DIRECTIVE:
            # Other $patch items are still pruned.
            replace = True
        elif directive == MERGE_DIRECTIVE:
            raise StrategicMergePatchError("merging lists cannot yet be specified in the patch")
        else:
            raise _bad_patch_type(directive, item)
    if replace:
        return plain, []
    return original, plain


def _merge_slice_plain_elements(
    original: list[Any], patch: list[Any], merge_key: str, schema: PatchSchema
) -> list[Any]:
    """mergeSliceWithoutSpecialElements: items with a known merge key merge, the others are appended."""
    original = list(original)
    for item in patch:
        if merge_key not in item:
            raise _no_merge_key(item, merge_key)
        i = _find_map(original, merge_key, item[merge_key])
        if i >= 0:
            original[i] = _merge_map(original[i], item, schema)
        else:
            original.append(item)
    return original
