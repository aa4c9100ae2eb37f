"""Field paths and sets of them, and their FieldsV1 encoding.

Mirrors sigs.k8s.io/structured-merge-diff/v6 fieldpath: element.go (PathElement, its order and
``String``), path.go, set.go (Set: members and children, union, intersection, difference,
recursive difference, EnsureNamedFieldsAreMembers), serialize.go and serialize-pe.go
(the ``f:``, ``k:``, ``v:``, ``i:`` and ``.`` keys of FieldsV1).

A path element is a tuple ``(kind, payload)``: ``(FIELD, name)``, ``(KEY, ((name, value), ...))``
with the key fields sorted by name, ``(VALUE, value)`` or ``(INDEX, i)``. Values inside elements are
*frozen* (hashable; see :func:`freeze`) so elements can live in Python sets; booleans are tagged so
that ``true`` and ``1`` stay apart as they do in Go.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from fakeapi.apimachinery.gofmt import go_float, go_json, go_quote

if TYPE_CHECKING:
    from fakeapi.apimachinery.managedfields.schema import TypeRef

FIELD, KEY, VALUE, INDEX = 0, 1, 2, 3

PathElement = tuple[int, Any]
Path = tuple[PathElement, ...]

_BOOL, _LIST, _MAP = "\x00bool", "\x00list", "\x00map"


class FieldPathError(ValueError):
    """A FieldsV1 document or path element that does not decode."""


# -- values inside path elements --------------------------------------------------------------


def freeze(value: Any) -> Any:
    """A hashable stand-in for a JSON value; :func:`thaw` gives the value back."""
    if isinstance(value, bool):
        return (_BOOL, value)
    if isinstance(value, dict):
        return (_MAP, tuple(sorted((k, freeze(v)) for k, v in value.items())))
    if isinstance(value, list):
        return (_LIST, tuple(freeze(v) for v in value))
    return value


def thaw(frozen: Any) -> Any:
    if isinstance(frozen, tuple):
        tag, payload = frozen
        if tag == _BOOL:
            return payload
        if tag == _LIST:
            return [thaw(v) for v in payload]
        return {k: thaw(v) for k, v in payload}
    return frozen


def value_order(frozen: Any) -> tuple[Any, ...]:
    """A sort key with value.Compare's order: numbers, strings, booleans, lists, maps, null."""
    if frozen is None:
        return (5,)
    if isinstance(frozen, tuple):
        tag, payload = frozen
        if tag == _BOOL:
            return (2, payload)
        if tag == _LIST:
            return (3, tuple(value_order(v) for v in payload))
        return (4, tuple((k, value_order(v)) for k, v in payload))
    if isinstance(frozen, str):
        return (1, frozen)
    return (0, frozen)


def value_string(value: Any) -> str:
    """value.ToString: strings quoted as Go's %q, maps as ``k=v`` pairs."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, list):
        return "[" + ",".join(value_string(v) for v in value) + "]"
    if isinstance(value, dict):
        return "".join(f"{k}={value_string(value[k])}" for k in sorted(value))
    return str(value)


# -- path elements ----------------------------------------------------------------------------


def field_element(name: str) -> PathElement:
    return (FIELD, name)


def key_element(fields: dict[str, Any]) -> PathElement:
    """An associative-list item named by its key fields (sorted by name, as FieldList.Sort does)."""
    return (KEY, tuple((name, freeze(fields[name])) for name in sorted(fields)))


def value_element(value: Any) -> PathElement:
    return (VALUE, freeze(value))


def index_element(index: int) -> PathElement:
    return (INDEX, index)


def element_order(pe: PathElement) -> tuple[Any, ...]:
    """PathElement.Compare as a sort key: field names, then keys, then values, then indexes."""
    kind, payload = pe
    if kind == KEY:
        return (kind, tuple((name, value_order(v)) for name, v in payload))
    if kind == VALUE:
        return (kind, value_order(payload))
    return (kind, payload)


def element_string(pe: PathElement) -> str:
    """PathElement.String: ``.name``, ``[name="c"]``, ``[=value]``, ``[3]``."""
    kind, payload = pe
    if kind == FIELD:
        return "." + payload
    if kind == KEY:
        return "[" + ",".join(f"{name}={value_string(thaw(v))}" for name, v in payload) + "]"
    if kind == VALUE:
        return f"[={value_string(thaw(payload))}]"
    return f"[{payload}]"


def path_string(path: Path) -> str:
    """Path.String: ``.spec.containers[name="c"].image``."""
    return "".join(element_string(pe) for pe in path)


def serialize_element(pe: PathElement) -> str:
    """SerializePathElement: the FieldsV1 key of one element."""
    kind, payload = pe
    if kind == FIELD:
        return "f:" + payload
    if kind == KEY:
        return "k:{" + ",".join(f"{go_json(name)}:{go_json(thaw(v))}" for name, v in payload) + "}"
    if kind == VALUE:
        return "v:" + go_json(thaw(payload))
    return f"i:{payload}"


def deserialize_element(text: str) -> PathElement:
    """DeserializePathElement, with upstream's error texts."""
    if len(text) < 2:
        raise FieldPathError("key must be 2 characters long:")
    if text[1] != ":":
        raise FieldPathError(f"missing colon: {text}")
    kind, rest = text[0], text[2:]
    if kind == "f":
        return field_element(rest)
    if kind in ("v", "k"):
        try:
            decoded = json.loads(rest)
        except ValueError as exc:
            raise FieldPathError(str(exc)) from None
        if kind == "v":
            return value_element(decoded)
        if not isinstance(decoded, dict):
            raise FieldPathError(f"ReadObjectCB: expect {{ or n, but found {rest[:1]}")
        return key_element(decoded)
    if kind == "i":
        try:
            return index_element(int(rest))
        except ValueError:
            raise FieldPathError(f'strconv.Atoi: parsing "{rest}": invalid syntax') from None
    raise FieldPathError("unknown path element type")


# -- sets -------------------------------------------------------------------------------------


class FieldSet:
    """fieldpath.Set: the paths a manager owns, as a tree of members and children.

    A set is treated as immutable once built: every operation returns a new set (sharing
    untouched subtrees), and only :meth:`insert` changes one in place, while it is being built.
    """

    __slots__ = ("children", "members")

    def __init__(self, members: set[PathElement] | None = None, children: dict[PathElement, FieldSet] | None = None):
        self.members: set[PathElement] = members if members is not None else set()
        self.children: dict[PathElement, FieldSet] = children if children is not None else {}

    @classmethod
    def of(cls, *paths: Sequence[PathElement]) -> FieldSet:
        result = cls()
        for path in paths:
            result.insert(path)
        return result

    def insert(self, path: Sequence[PathElement]) -> None:
        if not path:
            return
        node = self
        for pe in path[:-1]:
            child = node.children.get(pe)
            if child is None:
                child = node.children[pe] = FieldSet()
            node = child
        node.members.add(path[-1])

    def has(self, path: Sequence[PathElement]) -> bool:
        if not path:
            return False
        node: FieldSet | None = self
        for pe in path[:-1]:
            assert node is not None
            node = node.children.get(pe)
            if node is None:
                return False
        assert node is not None
        return path[-1] in node.members

    def empty(self) -> bool:
        return not self.members and all(child.empty() for child in self.children.values())

    def with_prefix(self, pe: PathElement) -> FieldSet:
        return self.children.get(pe) or FieldSet()

    def union(self, other: FieldSet) -> FieldSet:
        children = dict(self.children)
        for pe, child in other.children.items():
            mine = children.get(pe)
            children[pe] = child if mine is None else mine.union(child)
        return FieldSet(self.members | other.members, children)

    def intersection(self, other: FieldSet) -> FieldSet:
        children = {}
        for pe, child in self.children.items():
            theirs = other.children.get(pe)
            if theirs is not None:
                common = child.intersection(theirs)
                if not common.empty():
                    children[pe] = common
        return FieldSet(self.members & other.members, children)

    def difference(self, other: FieldSet) -> FieldSet:
        """Members of this set not in ``other``; a member of ``other`` does not cover its children."""
        children = {}
        for pe, child in self.children.items():
            theirs = other.children.get(pe)
            if theirs is None:
                children[pe] = child
                continue
            rest = child.difference(theirs)
            if not rest.empty():
                children[pe] = rest
        return FieldSet(self.members - other.members, children)

    def recursive_difference(self, other: FieldSet) -> FieldSet:
        """Like :meth:`difference`, but a member of ``other`` also removes everything below it."""
        children = {}
        for pe, child in self.children.items():
            if pe in other.members:
                continue
            theirs = other.children.get(pe)
            if theirs is None:
                children[pe] = child
                continue
            rest = child.recursive_difference(theirs)
            if not rest.empty():
                children[pe] = rest
        return FieldSet(self.members - other.members, children)

    def ensure_named_fields_are_members(self, tref: TypeRef | None) -> FieldSet:
        """Make every child that is a declared struct field a member too (used when pruning)."""
        atom = tref.resolve() if tref is not None else None
        map_type = atom.map if atom is not None else None
        list_type = atom.list if atom is not None else None
        members = set(self.members)
        children = {}
        for pe, child in self.children.items():
            child_ref: TypeRef | None = None
            if pe[0] == FIELD and map_type is not None:
                if map_type.field(pe[1]) is not None:
                    members.add(pe)
                child_ref = map_type.field_or_element(pe[1])
            elif pe[0] == KEY and list_type is not None:
                child_ref = list_type.element
            children[pe] = child.ensure_named_fields_are_members(child_ref)
        return FieldSet(members, children)

    def iterate(self, prefix: Path = ()) -> Iterator[Path]:
        """Every path, members before children, each group in element order (Set.Iterate)."""
        for pe in sorted(self.members, key=element_order):
            yield (*prefix, pe)
        for pe in sorted(self.children, key=element_order):
            yield from self.children[pe].iterate((*prefix, pe))

    # -- FieldsV1 ---------------------------------------------------------------------------

    def to_fields_v1(self) -> dict[str, Any]:
        """Set.ToJSON as a dict: keys in element order, ``"."`` for a member that has children."""
        out: dict[str, Any] = {}
        for pe in sorted(self.members | set(self.children), key=element_order):
            child = self.children.get(pe)
            if child is None:
                out[serialize_element(pe)] = {}
                continue
            body = child.to_fields_v1()
            if pe in self.members and body:
                body = {".": {}, **body}
            out[serialize_element(pe)] = body
        return out

    @classmethod
    def from_fields_v1(cls, document: Any) -> FieldSet:
        """Set.FromJSON: ``{}`` leaves are members, ``"."`` marks a member that has children."""
        children, _ = cls._read_v1(document)
        return children or cls()

    @classmethod
    def _read_v1(cls, document: Any) -> tuple[FieldSet | None, bool]:
        """readIterV1: the set below one node, and whether the node itself is a member."""
        if not isinstance(document, dict):
            raise FieldPathError("expected object")
        children: FieldSet | None = None
        is_member = False
        for key, body in document.items():
            if key == ".":
                is_member = True
                continue
            try:
                pe = deserialize_element(key)
            except FieldPathError as exc:
                # Elements of a kind this version does not know are skipped, as upstream does.
                if str(exc) == "unknown path element type":
                    continue
                raise
            grandchildren, child_is_member = cls._read_v1(body)
            if child_is_member or grandchildren is not None:
                children = children or cls()
            if child_is_member:
                assert children is not None
                children.members.add(pe)
            if grandchildren is not None:
                assert children is not None
                children.children[pe] = grandchildren
        return children, is_member or children is None


SetFilter = Callable[[FieldSet], FieldSet]


def exclude_filter(excluded: FieldSet) -> SetFilter:
    """fieldpath.NewExcludeSetFilter: drop the excluded paths and everything below them."""
    return lambda fields: fields.recursive_difference(excluded)
