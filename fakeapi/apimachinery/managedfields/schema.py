"""Structured-merge-diff type information, built from OpenAPI schemas.

Mirrors sigs.k8s.io/structured-merge-diff/v6 schema/elements.go (Atom, Map, List, element
relationships, TypeRef overrides resolved as ``Schema.Resolve`` does) and the conversion of
kube-openapi pkg/schemaconv (openapi.go ``parseSchema``/``parseObject``/``parseList``,
smd.go ``getListElementRelationship``/``getMapElementRelationship``):

- lists: ``x-kubernetes-list-type`` first (``atomic``; ``set``; ``map`` keyed by
  ``x-kubernetes-list-map-keys``); else ``x-kubernetes-patch-strategy`` ``merge`` makes them
  associative, keyed by ``x-kubernetes-patch-merge-key`` (a set without one); else atomic;
- maps and structs: ``x-kubernetes-map-type`` ``atomic`` or ``granular``, given on the definition
  or on the property that refers to it (the property wins);
- Quantity, RawExtension and int-or-string are untyped scalars; a schema with no type is the
  *deduced* type: granular maps and atomic lists, decided by the value found.

Definitions are converted lazily, once each, since most kinds touch a small part of the
schema graph. kubernetes-validate's schemas lack the ``default`` of two list-map key fields
(``protocol`` of container and service ports), which upstream's OpenAPI has; keyed items that
omit them are named with the default, as upstream does, from :data:`KEY_FIELD_DEFAULTS`.

Nor do they say which struct fields are Go values rather than pointers (upstream's v3 OpenAPI
gives those ``default: {}``). That matters for the zero object a create is compared against,
in which value structs are present; they are recognised by the names of their types
(:data:`VALUE_STRUCT_SUFFIXES`: metadata, specs, statuses, strategies).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

NUMERIC, STRING, BOOLEAN, UNTYPED = "numeric", "string", "boolean", "untyped"
ATOMIC, SEPARABLE, ASSOCIATIVE = "atomic", "separable", "associative"

_QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
_RAW_EXTENSION = "io.k8s.apimachinery.pkg.runtime.RawExtension"
_UNTYPED_DEFINITIONS = frozenset({_QUANTITY, _RAW_EXTENSION})

# The +default markers of list-map key fields, which upstream's OpenAPI carries as "default".
KEY_FIELD_DEFAULTS: dict[tuple[str, str], Any] = {
    ("io.k8s.api.core.v1.ContainerPort", "protocol"): "TCP",
    ("io.k8s.api.core.v1.ServicePort", "protocol"): "TCP",
}


# Types whose fields are Go values, not pointers, throughout the built-in API.
VALUE_STRUCT_SUFFIXES = ("ObjectMeta", "Spec", "Status", "Strategy")


class TypeRef:
    """A reference to a type, resolved to its :class:`Atom` on first use."""

    __slots__ = ("_atom", "_build")

    def __init__(self, build: Callable[[], Atom]) -> None:
        self._build: Callable[[], Atom] | None = build
        self._atom: Atom | None = None

    @classmethod
    def of(cls, atom: Atom) -> TypeRef:
        ref = cls(lambda: atom)
        ref._atom = atom
        ref._build = None
        return ref

    def resolve(self) -> Atom:
        atom = self._atom
        if atom is None:
            build = self._build
            assert build is not None
            atom = self._atom = build()
            self._build = None
        return atom


@dataclass(eq=False)
class ListType:
    element: TypeRef
    relationship: str = ATOMIC
    keys: tuple[str, ...] = ()


@dataclass(eq=False)
class MapType:
    """A struct (declared fields) or a map (any key, one element type), or both."""

    fields: Mapping[str, TypeRef] = field(default_factory=dict)
    # The type of keys that are not declared fields; None when such keys are not allowed.
    element: TypeRef | None = None
    # "" when unset, which behaves as separable.
    relationship: str = ""
    # Field defaults that name associative-list items whose key fields are omitted.
    defaults: Mapping[str, Any] = field(default_factory=dict)
    # Fields that hold a struct by value: present, empty, in the zero object.
    value_structs: frozenset[str] = frozenset()
    # Fields without omitempty: present in the zero object (null, for lists and maps).
    required: frozenset[str] = frozenset()

    def field(self, name: str) -> TypeRef | None:
        return self.fields.get(name)

    def field_or_element(self, name: str) -> TypeRef | None:
        declared = self.fields.get(name)
        return declared if declared is not None else self.element


@dataclass(eq=False)
class Atom:
    """schema.Atom: what a value at one place may be (more than one for untyped places)."""

    scalar: str | None = None
    list: ListType | None = None
    map: MapType | None = None

    def with_relationship(self, relationship: str) -> Atom | None:
        """Schema.Resolve with an ElementRelationship override on the reference."""
        if self.map is not None:
            m = self.map
            return Atom(map=MapType(m.fields, m.element, relationship, m.defaults, m.value_structs, m.required))
        if self.list is not None:
            return Atom(list=ListType(self.list.element, relationship, self.list.keys))
        return None


def _untyped_types() -> tuple[TypeRef, TypeRef]:
    """``__untyped_atomic_`` and ``__untyped_deduced_`` of typed/parser.go."""
    atomic_atom = Atom(scalar=UNTYPED)
    atomic = TypeRef.of(atomic_atom)
    atomic_atom.list = ListType(atomic, ATOMIC)
    atomic_atom.map = MapType(element=atomic, relationship=ATOMIC)
    deduced_atom = Atom(scalar=UNTYPED, list=ListType(atomic, ATOMIC))
    deduced = TypeRef.of(deduced_atom)
    deduced_atom.map = MapType(element=deduced, relationship=SEPARABLE)
    return atomic, deduced


UNTYPED_ATOMIC, DEDUCED = _untyped_types()


def _first_type(schema: Mapping[str, Any]) -> str:
    types = schema.get("type")
    if isinstance(types, str):
        return types
    return next((t for t in types or () if t != "null"), "")


def _map_relationship(extensions: Mapping[str, Any]) -> str:
    value = extensions.get("x-kubernetes-map-type")
    if value == "atomic":
        return ATOMIC
    if value == "granular":
        return SEPARABLE
    return ""


def _list_relationship(extensions: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
    list_type = extensions.get("x-kubernetes-list-type")
    if list_type is not None:
        if list_type == "set":
            return ASSOCIATIVE, ()
        if list_type == "map":
            return ASSOCIATIVE, tuple(extensions.get("x-kubernetes-list-map-keys") or ())
        return ATOMIC, ()
    strategy = extensions.get("x-kubernetes-patch-strategy")
    if strategy in ("merge", "merge,retainKeys"):
        key = extensions.get("x-kubernetes-patch-merge-key")
        return ASSOCIATIVE, (key,) if isinstance(key, str) else ()
    return ATOMIC, ()


class SchemaConverter:
    """Turns OpenAPI definitions (``$defs`` keyed by name) into structured-merge-diff types."""

    def __init__(self, definitions: Mapping[str, Mapping[str, Any]]) -> None:
        self._definitions = definitions
        self._named: dict[tuple[str, str], TypeRef] = {}
        self._lock = threading.Lock()

    def named(self, name: str, relationship: str = "") -> TypeRef:
        """The type of definition ``name``, optionally with its element relationship overridden."""
        key = (name, relationship)
        with self._lock:
            ref = self._named.get(key)
            if ref is None:
                ref = self._named[key] = TypeRef(lambda: self._build_named(name, relationship))
        return ref

    def _build_named(self, name: str, relationship: str) -> Atom:
        if relationship:
            base = self.named(name).resolve()
            # An override on a scalar resolves to nothing upstream; keep the type as it is.
            return base.with_relationship(relationship) or base
        if name in _UNTYPED_DEFINITIONS:
            return Atom(scalar=UNTYPED)
        schema = self._definitions.get(name)
        if schema is None:
            return DEDUCED.resolve()
        return self.atom(schema, owner=name)

    def reference(self, schema: Mapping[str, Any], owner: str) -> TypeRef:
        """makeOpenAPIRef: a named type for ``$ref`` (with a map-type override), else an inline one."""
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self.named(ref.rpartition("/")[2], _map_relationship(schema))
        return TypeRef(lambda: self.atom(schema, owner))

    def atom(self, schema: Mapping[str, Any], owner: str = "") -> Atom:
        """parseSchema for one schema node; ``owner`` names the definition it is part of."""
        if "$ref" in schema:
            return self.reference(schema, owner).resolve()
        kind = _first_type(schema)
        if kind == "object":
            return Atom(map=self._map(schema, owner))
        if kind == "array":
            return Atom(list=self._list(schema, owner))
        if kind in ("integer", "number"):
            return Atom(scalar=NUMERIC)
        if kind == "boolean":
            return Atom(scalar=BOOLEAN)
        if kind == "string":
            return Atom(scalar=STRING if schema.get("format", "") in ("", "byte") else UNTYPED)
        if "oneOf" in schema or "anyOf" in schema or schema.get("x-kubernetes-int-or-string"):
            # int-or-string and Quantity: a scalar of either type.
            return Atom(scalar=UNTYPED)
        return Atom(scalar=UNTYPED, list=self._list(schema, owner), map=self._map(schema, owner))

    def _map(self, schema: Mapping[str, Any], owner: str) -> MapType:
        properties: Mapping[str, Any] = schema.get("properties") or {}
        fields = {name: self.reference(prop, owner) for name, prop in properties.items()}
        extra = schema.get("additionalProperties")
        element: TypeRef | None
        if isinstance(extra, dict):
            element = self.reference(extra, owner)
        elif extra is True or (
            extra is None and (not properties or schema.get("x-kubernetes-preserve-unknown-fields"))
        ):
            element = DEDUCED
        else:
            element = None
        defaults = {name: prop["default"] for name, prop in properties.items() if "default" in prop}
        for (definition, name), default in KEY_FIELD_DEFAULTS.items():
            if definition == owner and name in properties:
                defaults.setdefault(name, default)
        value_structs = frozenset(
            name
            for name, prop in properties.items()
            if str(prop.get("$ref", "")).rpartition(".")[2].endswith(VALUE_STRUCT_SUFFIXES)
        )
        required = frozenset(schema.get("required") or ())
        return MapType(fields, element, _map_relationship(schema), defaults, value_structs, required)

    def _list(self, schema: Mapping[str, Any], owner: str) -> ListType:
        relationship, keys = _list_relationship(schema)
        items = schema.get("items")
        element = self.reference(items, owner) if isinstance(items, dict) else UNTYPED_ATOMIC
        return ListType(element, relationship, keys)
