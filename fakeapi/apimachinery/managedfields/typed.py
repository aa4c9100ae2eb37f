"""Schema-aware walks over JSON values: field sets, merge, compare, remove, validate.

Mirrors sigs.k8s.io/structured-merge-diff/v6 typed/: tofieldset.go (``ToFieldSet``), merge.go
(``Merge`` with the keep-right-hand-side rule, including its list-order algorithm), compare.go
(``Compare``: removed, modified and added paths), remove.go (``RemoveItems``), validate.go and
helpers.go (``deduceAtom``, ``handleAtom``, list items named by key or by value).

Values are the objects ``json.loads`` returns. :data:`MISSING` stands for an absent value (Go's
nil ``value.Value``), ``None`` for JSON null: upstream tells the two apart throughout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fakeapi.apimachinery.gofmt import go_value
from fakeapi.apimachinery.jsonutil import go_type_of
from fakeapi.apimachinery.managedfields.fieldpath import (
    FieldSet,
    Path,
    PathElement,
    element_string,
    field_element,
    index_element,
    key_element,
    path_string,
    value_element,
)
from fakeapi.apimachinery.managedfields.schema import (
    ASSOCIATIVE,
    ATOMIC,
    BOOLEAN,
    NUMERIC,
    STRING,
    UNTYPED,
    Atom,
    ListType,
    MapType,
    TypeRef,
)


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class ValidationErrors(Exception):
    """typed.ValidationErrors: one line per problem, each prefixed by its path."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__(self.text())

    def text(self) -> str:
        lines = [f"{path}: {message}" if path else message for path, message in self.errors]
        if len(lines) == 1:
            return lines[0]
        return "\n".join(["errors:", *("  " + line for line in lines)])


@dataclass
class Comparison:
    """typed.Comparison."""

    removed: FieldSet = field(default_factory=FieldSet)
    modified: FieldSet = field(default_factory=FieldSet)
    added: FieldSet = field(default_factory=FieldSet)

    def filter(self, keep: Callable[[FieldSet], FieldSet] | None) -> Comparison:
        if keep is None:
            return self
        return Comparison(keep(self.removed), keep(self.modified), keep(self.added))


# -- values -----------------------------------------------------------------------------------


# isinstance with a tuple, not an X | Y union: several times faster, and these run for every
# field of every write.
def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float))


def value_equals(left: Any, right: Any) -> bool:
    """value.Equals: numbers compare by value across int and float, booleans only with booleans."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, dict):
        return (
            isinstance(right, dict)
            and left.keys() == right.keys()
            and all(value_equals(v, right[k]) for k, v in left.items())
        )
    if isinstance(left, list):
        return (
            isinstance(right, list)
            and len(left) == len(right)
            and all(value_equals(a, b) for a, b in zip(left, right, strict=True))
        )
    if isinstance(right, (dict, list)):
        return False
    return bool(left == right) and (left is None) == (right is None)


def _parts(atom: Atom, value: Any) -> tuple[str | None, ListType | None, MapType | None]:
    """deduceAtom: narrow an atom to the part that fits the value (all of it when none fits)."""
    if value is not MISSING and value is not None:
        if _is_scalar(value):
            if atom.scalar is not None:
                return (atom.scalar, None, None)
        elif isinstance(value, list):
            if atom.list is not None:
                return (None, atom.list, None)
        elif isinstance(value, dict) and atom.map is not None:
            return (None, None, atom.map)
    return (atom.scalar, atom.list, atom.map)


def _same_parts(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return a[0] == b[0] and a[1] is b[1] and a[2] is b[2]


def list_item_element(list_type: ListType, child: Any) -> PathElement:
    """listItemToPathElement: an item of an associative list, named by its keys or its value.

    Raises:
        ValueError: upstream's reason the item cannot be named.
    """
    if list_type.relationship != ASSOCIATIVE:
        raise ValueError("invalid indexing of non-associative list")
    if list_type.keys:
        if child is None:
            raise ValueError("associative list with keys may not have a null element")
        if not isinstance(child, dict):
            raise ValueError("associative list with keys may not have non-map elements")
        element_map = list_type.element.resolve().map
        defaults = element_map.defaults if element_map is not None else {}
        keys = {}
        for name in list_type.keys:
            if name in child:
                keys[name] = child[name]
            elif name in defaults:
                keys[name] = defaults[name]
        if not keys:
            names = "[" + " ".join(f'"{k}"' for k in list_type.keys) + "]"
            raise ValueError(
                f"associative list with keys has an element that omits all key fields {names} "
                "(and doesn't have default values for any key fields)"
            )
        return key_element(keys)
    if isinstance(child, dict):
        raise ValueError("associative list without keys has an element that's a map type")
    if isinstance(child, list):
        raise ValueError("not supported: associative list with lists as elements")
    if child is None:
        raise ValueError("associative list without keys has an element that's an explicit null")
    return value_element(child)


def zero_object(value: Any, tref: TypeRef) -> Any:
    """The parts of a kind's zero object that ``value`` also has: its value structs, empty.

    Upstream compares a create against the typed zero object, where struct fields held by
    value are present, and so are the nil lists and maps of fields without omitempty (the
    schema's required ones); only those that the new object has matter to the comparison.
    """
    atom = tref.resolve()
    if atom.map is None or not isinstance(value, dict):
        return {}
    out: dict[str, Any] = {}
    for key in atom.map.required:
        if isinstance(value.get(key), dict | list):
            out[key] = None
    for key in atom.map.value_structs:
        child = value.get(key)
        child_ref = atom.map.field(key)
        if isinstance(child, dict) and child_ref is not None:
            out[key] = zero_object(child, child_ref)
    return out


# -- ToFieldSet ---------------------------------------------------------------------------


def to_field_set(value: Any, tref: TypeRef) -> FieldSet:
    """Every field a value sets: leaves, atomic lists and maps, list items, empty and null maps."""
    out = FieldSet()
    _field_set(value, tref, (), out)
    return out


def _field_set(value: Any, tref: TypeRef, path: Path, out: FieldSet) -> None:
    scalar, list_type, map_type = _parts(tref.resolve(), value)
    if map_type is not None:
        if map_type.relationship == ATOMIC:
            out.insert(path)
        elif isinstance(value, dict):
            for key, child in value.items():
                declared = map_type.field(key)
                child_ref = declared if declared is not None else map_type.element
                child_path = (*path, field_element(key))
                if child_ref is not None:
                    _field_set(child, child_ref, child_path, out)
                if child is None or child == {} or declared is None:
                    out.insert(child_path)
    elif scalar is not None:
        out.insert(path)
    elif list_type is not None:
        if list_type.relationship == ATOMIC:
            out.insert(path)
        elif isinstance(value, list):
            _list_field_set(value, list_type, path, out)


def _list_field_set(items: list[Any], list_type: ListType, path: Path, out: FieldSet) -> None:
    named: list[tuple[PathElement, Any]] = []
    seen: set[PathElement] = set()
    duplicates: set[PathElement] = set()
    for child in items:
        try:
            pe = list_item_element(list_type, child)
        except ValueError:
            continue
        if pe in seen and pe not in duplicates:
            # A duplicated item is owned as a whole, its fields are not.
            out.insert((*path, pe))
            duplicates.add(pe)
        seen.add(pe)
        named.append((pe, child))
    for pe, child in named:
        if pe in duplicates:
            continue
        child_path = (*path, pe)
        _field_set(child, list_type.element, child_path, out)
        out.insert(child_path)


# -- Merge --------------------------------------------------------------------------------


def merge(lhs: Any, rhs: Any, tref: TypeRef) -> Any:
    """TypedValue.Merge: ``rhs`` merged into ``lhs``; the right side wins on every leaf.

    Raises:
        ValidationErrors: the right side has duplicate keys in an associative list, or items
            that cannot be named.
    """
    errors: list[tuple[str, str]] = []
    out = _merge(lhs, rhs, tref, (), errors)
    if errors:
        raise ValidationErrors(errors)
    return out


def _merge(lhs: Any, rhs: Any, tref: TypeRef, path: Path, errors: list[tuple[str, str]]) -> Any:
    atom = tref.resolve()
    left, right = _parts(atom, lhs), _parts(atom, rhs)
    parts = left if rhs is MISSING else right
    scalar, list_type, map_type = parts
    keep_rhs = rhs if rhs is not MISSING else lhs
    if map_type is not None:
        left_map = lhs if isinstance(lhs, dict) else None
        right_map = rhs if isinstance(rhs, dict) else None
        if map_type.relationship == ATOMIC or (not left_map and not right_map):
            return keep_rhs
        return _merge_map(map_type, left_map or {}, right_map or {}, path, errors)
    if scalar is not None:
        return keep_rhs
    if list_type is not None:
        left_list = lhs if isinstance(lhs, list) else None
        right_list = rhs if isinstance(rhs, list) else None
        if list_type.relationship == ATOMIC or (not left_list and not right_list):
            return keep_rhs
        return _merge_list(list_type, left_list or [], right_list or [], path, errors)
    return keep_rhs


def _merge_map(
    map_type: MapType, lhs: dict[str, Any], rhs: dict[str, Any], path: Path, errors: list[tuple[str, str]]
) -> Any:
    out: dict[str, Any] = {}
    for key in [*lhs, *(k for k in rhs if k not in lhs)]:
        child_ref = map_type.field_or_element(key)
        left, right = lhs.get(key, MISSING), rhs.get(key, MISSING)
        if child_ref is None:
            merged = right if right is not MISSING else left
        else:
            merged = _merge(left, right, child_ref, (*path, field_element(key)), errors)
        if merged is not MISSING:
            out[key] = merged
    return out if out else MISSING


def _index_items(
    list_type: ListType, items: list[Any], allow_duplicates: bool, path: Path, errors: list[tuple[str, str]]
) -> tuple[list[PathElement], dict[PathElement, Any]]:
    """indexListPathElements: each item's element, and the item under each element."""
    pes: list[PathElement] = []
    observed: dict[PathElement, Any] = {}
    for i, child in enumerate(items):
        try:
            pe = list_item_element(list_type, child)
        except ValueError as exc:
            errors.append((path_string(path), f"element {i}: {exc}"))
            continue
        if pe in observed:
            if not allow_duplicates:
                errors.append((path_string(path), f"duplicate entries for key {element_string(pe)}"))
                continue
            # The item is duplicated on the left: merging sees it as null.
            observed[pe] = None
        else:
            observed[pe] = child
        pes.append(pe)
    return pes, observed


def _merge_list(list_type: ListType, lhs: list[Any], rhs: list[Any], path: Path, errors: list[tuple[str, str]]) -> Any:
    count = len(errors)
    rhs_pes, observed_rhs = _index_items(list_type, rhs, False, path, errors)
    lhs_pes, observed_lhs = _index_items(list_type, lhs, True, path, errors)
    if len(errors) > count:
        return MISSING
    element = list_type.element
    out: list[Any] = []

    def add(pe: PathElement, left: Any, right: Any) -> None:
        merged = _merge(left, right, element, (*path, pe), errors)
        if merged is not MISSING:
            out.append(merged)

    # The relative order of the items both sides have is the right side's.
    shared = [pe for pe in rhs_pes if pe in observed_lhs]
    next_shared = shared.pop(0) if shared else None
    merged_rhs: set[PathElement] = set()
    li = ri = 0
    while li < len(lhs_pes) or ri < len(rhs_pes):
        if li < len(lhs_pes) and ri < len(rhs_pes):
            pe = lhs_pes[li]
            if pe == rhs_pes[ri]:
                merged_rhs.add(pe)
                add(pe, observed_lhs.get(pe, MISSING), observed_rhs.get(pe, MISSING))
                li += 1
                ri += 1
                next_shared = shared.pop(0) if shared else None
                continue
            if pe in observed_rhs and next_shared is not None and next_shared != pe:
                li += 1
                continue
        if li < len(lhs_pes):
            pe = lhs_pes[li]
            if pe not in observed_rhs:
                add(pe, lhs[li], MISSING)
                li += 1
                continue
            if pe in merged_rhs:
                li += 1
        if ri < len(rhs_pes):
            pe = rhs_pes[ri]
            merged_rhs.add(pe)
            add(pe, observed_lhs.get(pe, MISSING), observed_rhs.get(pe, MISSING))
            ri += 1
            if next_shared is not None and next_shared == pe:
                next_shared = shared.pop(0) if shared else None
    return out if out else MISSING


# -- Compare ------------------------------------------------------------------------------


def compare(lhs: Any, rhs: Any, tref: TypeRef) -> Comparison:
    """TypedValue.Compare: the paths ``rhs`` removed, modified and added relative to ``lhs``."""
    result = Comparison()
    _compare(lhs, rhs, tref, (), result)
    return result


def _compare(lhs: Any, rhs: Any, tref: TypeRef, path: Path, result: Comparison) -> None:
    atom = tref.resolve()
    left, right = _parts(atom, lhs), _parts(atom, rhs)
    in_leaf = False
    if rhs is not MISSING and lhs is not MISSING and not _same_parts(left, right):
        # Values of different shapes at an untyped place: both readings are compared.
        _compare_parts(left, lhs, rhs, path, result)
        in_leaf = _compare_parts(right, lhs, rhs, path, result)
    else:
        in_leaf = _compare_parts(left if rhs is MISSING else right, lhs, rhs, path, result)
    if not in_leaf and path:
        if lhs is MISSING:
            result.added.insert(path)
        elif rhs is MISSING:
            result.removed.insert(path)


def _compare_leaf(lhs: Any, rhs: Any, path: Path, result: Comparison) -> bool:
    if lhs is MISSING:
        result.added.insert(path)
    elif rhs is MISSING:
        result.removed.insert(path)
    elif not value_equals(lhs, rhs):
        result.modified.insert(path)
    return True


def _compare_parts(
    parts: tuple[str | None, ListType | None, MapType | None], lhs: Any, rhs: Any, path: Path, result: Comparison
) -> bool:
    """handleAtom for the compare walker; returns whether the place was compared as a leaf."""
    scalar, list_type, map_type = parts
    if map_type is not None:
        left_map = lhs if isinstance(lhs, dict) else None
        right_map = rhs if isinstance(rhs, dict) else None
        if map_type.relationship == ATOMIC or (not left_map and not right_map):
            return _compare_leaf(lhs, rhs, path, result)
        left_map, right_map = left_map or {}, right_map or {}
        for key in [*left_map, *(k for k in right_map if k not in left_map)]:
            child_ref = map_type.field_or_element(key)
            left, right = left_map.get(key, MISSING), right_map.get(key, MISSING)
            child_path = (*path, field_element(key))
            if child_ref is None:
                _compare_leaf(left, right, child_path, result)
            else:
                _compare(left, right, child_ref, child_path, result)
        return False
    if scalar is not None:
        return _compare_leaf(lhs, rhs, path, result)
    if list_type is not None:
        left_list = lhs if isinstance(lhs, list) else None
        right_list = rhs if isinstance(rhs, list) else None
        if list_type.relationship == ATOMIC or (not left_list and not right_list):
            return _compare_leaf(lhs, rhs, path, result)
        _compare_list(list_type, left_list or [], right_list or [], path, result)
        return False
    return _compare_leaf(lhs, rhs, path, result)


def _compare_list(list_type: ListType, lhs: list[Any], rhs: list[Any], path: Path, result: Comparison) -> None:
    order: list[PathElement] = []
    left_values: dict[PathElement, list[Any]] = {}
    right_values: dict[PathElement, list[Any]] = {}
    for items, values in ((lhs, left_values), (rhs, right_values)):
        for child in items:
            try:
                pe = list_item_element(list_type, child)
            except ValueError:
                continue
            if pe not in left_values and pe not in right_values:
                order.append(pe)
            values.setdefault(pe, []).append(child)
    for pe in order:
        left, right = left_values.get(pe, []), right_values.get(pe, [])
        child_path = (*path, pe)
        if len(left) <= 1 and len(right) <= 1:
            _compare(
                left[0] if left else MISSING, right[0] if right else MISSING, list_type.element, child_path, result
            )
        elif len(left) >= 2 and len(right) >= 2:
            if len(left) != len(right) or not all(value_equals(a, b) for a, b in zip(left, right, strict=True)):
                result.modified.insert(child_path)
        elif len(left) >= 2:
            if right:
                _compare(MISSING, right[0], list_type.element, child_path, result)
            result.removed.insert(child_path)
        else:
            if left:
                _compare(left[0], MISSING, list_type.element, child_path, result)
            result.added.insert(child_path)


# -- RemoveItems --------------------------------------------------------------------------


def remove_items(value: Any, to_remove: FieldSet, tref: TypeRef) -> Any:
    """TypedValue.RemoveItems: the value without the given paths (a map emptied becomes null)."""
    scalar, list_type, map_type = _parts(tref.resolve(), value)
    if map_type is not None:
        if not isinstance(value, dict) or not value or map_type.relationship == ATOMIC:
            return None
        out = {}
        for key, child in value.items():
            pe = field_element(key)
            if pe in to_remove.members:
                continue
            below = to_remove.with_prefix(pe)
            child_ref = map_type.field_or_element(key)
            if not below.empty() and child_ref is not None:
                child = remove_items(child, below, child_ref)
            out[key] = child
        return out or None
    if scalar is not None:
        return value
    if list_type is not None:
        if not isinstance(value, list) or not value or list_type.relationship == ATOMIC:
            return None
        items = []
        for child in value:
            try:
                pe = list_item_element(list_type, child)
            except ValueError:
                items.append(child)
                continue
            if pe in to_remove.members:
                continue
            below = to_remove.with_prefix(pe)
            items.append(child if below.empty() else remove_items(child, below, list_type.element))
        return items or None
    return value


# -- validation ---------------------------------------------------------------------------


def validate(value: Any, tref: TypeRef, *, allow_duplicates: bool = False) -> None:
    """ObjectToTyped's validation: undeclared fields, wrong scalar types, bad list items.

    Raises:
        ValidationErrors: with upstream's texts, each prefixed by its field path.
    """
    errors: list[tuple[str, str]] = []
    _validate(value, tref, (), errors, allow_duplicates)
    if errors:
        raise ValidationErrors(errors)


def _scalar_error(scalar: str, value: Any) -> str | None:
    if value is None or value is MISSING:
        return None
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if scalar == NUMERIC and not is_number:
        return f"expected numeric (int or float), got {go_type_of(value)}"
    if scalar == STRING and not isinstance(value, str):
        return f"expected string, got &value.valueUnstructured{{Value:{go_value(value)}}}"
    if scalar == BOOLEAN and not isinstance(value, bool):
        return f"expected boolean, got &{{{go_value(value)}}}"
    if scalar == UNTYPED and not _is_scalar(value):
        return f"expected any scalar, got &{{{go_value(value)}}}"
    return None


def _validate(value: Any, tref: TypeRef, path: Path, errors: list[tuple[str, str]], allow_duplicates: bool) -> None:
    scalar, list_type, map_type = _parts(tref.resolve(), value)
    # The path is spelt out only for an error: most objects have none, and large ones have many fields.
    if map_type is not None:
        if value is None:
            return
        if not isinstance(value, dict):
            errors.append((path_string(path), f"expected map, got {go_value(value)}"))
            return
        for key, child in value.items():
            child_ref = map_type.field_or_element(key)
            if child_ref is None:
                errors.append((path_string(path) + "." + key, "field not declared in schema"))
                # Upstream stops at the first undeclared field of a map.
                return
            _validate(child, child_ref, (*path, field_element(key)), errors, allow_duplicates)
    elif scalar is not None:
        problem = _scalar_error(scalar, value)
        if problem is not None:
            errors.append((path_string(path), problem))
    elif list_type is not None:
        if value is None:
            return
        if not isinstance(value, list):
            errors.append((path_string(path), f"expected list, got {go_value(value)}"))
            return
        seen: set[PathElement] = set()
        for i, child in enumerate(value):
            if list_type.relationship != ASSOCIATIVE:
                pe: PathElement = index_element(i)
            else:
                try:
                    pe = list_item_element(list_type, child)
                except ValueError as exc:
                    errors.append((path_string(path), f"element {i}: {exc}"))
                    return
                if pe in seen and not allow_duplicates:
                    errors.append((path_string(path), f"duplicate entries for key {element_string(pe)}"))
                seen.add(pe)
            _validate(child, list_type.element, (*path, pe), errors, allow_duplicates)
