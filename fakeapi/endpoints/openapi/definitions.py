"""The OpenAPI definitions of the served kinds, in Swagger 2.0 and in OpenAPI 3.0 form.

kube-apiserver's definitions come from openapi-gen's generated Go (``GetOpenAPIDefinitions``),
named by apiserver/pkg/endpoints/openapi/openapi.go's ``DefinitionNamer`` (which adds
``x-kubernetes-group-version-kind``). fakeapi starts instead from the JSON schemas that
``kubernetes-validate`` derived from the same v1.37 document, and undoes what that derivation
changed:

- a field's ``type`` became a list with ``"null"`` (``["string", "null"]``): back to one type;
- ``apiVersion`` and ``kind`` properties got an ``enum``: removed;
- ``IntOrString`` and ``Quantity`` became ``oneOf`` without their descriptions: restored to the
  forms kube-openapi publishes (v2: ``type: string``, IntOrString with
  ``format: int-or-string``; v3: the ``oneOf`` of k8s.io/kube-openapi/pkg/common's
  ``OpenAPIV3OneOfTypes`` with the format and description kept);
- ``$ref`` became ``#/$defs/<name>``: ``#/definitions/<name>`` (v2) or
  ``#/components/schemas/<name>`` (v3).

For v3, kube-openapi/pkg/builder3/util ``WrapRefs`` moves a ``$ref`` that has siblings (a
description) into ``allOf: [{$ref}]``, since OpenAPI 3.0 ignores the siblings of a reference.

What could not be recovered: upstream's ``default`` values of v3 schemas and the
``enum``/"Possible enum values" of enum-typed fields, which kubernetes-validate does not carry.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.apimachinery.schema import GroupVersionKind

SWAGGER_REF_PREFIX = "#/definitions/"
V3_REF_PREFIX = "#/components/schemas/"
_SOURCE_REF_PREFIX = "#/$defs/"

INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"

# The type documentation of the two, from apimachinery's intstr.go and quantity.go, as
# openapi-gen publishes it.
_INT_OR_STRING_DOC = (
    "IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and "
    "unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field "
    "that can accept a name or number."
)
_QUANTITY_DOC = (
    "Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON "
    "and YAML, in addition to String() and AsInt64() accessors.\n\nThe serialization format is:\n\n"
    "``` <quantity>        ::= <signedNumber><suffix>\n\n"
    '\t(Note that <suffix> may be empty, from the "" case in <decimalSI>.)\n\n'
    "<digit>           ::= 0 | 1 | ... | 9 <digits>          ::= <digit> | <digit><digits> "
    "<number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits> "
    '<sign>            ::= "+" | "-" <signedNumber>    ::= <number> | <sign><number> '
    "<suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI> "
    "<binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei\n\n"
    "\t(International System of units; See: http://physics.nist.gov/cuu/Units/binary.html)\n\n"
    '<decimalSI>       ::= m | "" | k | M | G | T | P | E\n\n'
    "\t(Note that 1024 = 1Ki but 1000 = 1k; I didn't choose the capitalization.)\n\n"
    '<decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber> ```\n\n'
    "No matter which of the three exponent forms is used, no quantity may represent a number greater than 2^63-1 "
    "in magnitude, nor may it have more than 3 decimal places. Numbers larger or more precise will be capped or "
    "rounded up. (E.g.: 0.1m will rounded up to 1m.) This may be extended in the future if we require larger or "
    "smaller quantities.\n\nWhen a Quantity is parsed from a string, it will remember the type of suffix it had, "
    "and will use the same type again when it is serialized.\n\n"
    'Before serializing, Quantity will be put in "canonical form". This means that Exponent/suffix will be '
    "adjusted up or down (with a corresponding increase or decrease in Mantissa) such that:\n\n"
    "- No precision is lost - No fractional digits will be emitted - The exponent (or suffix) is as large as "
    "possible.\n\nThe sign will be omitted unless the number is negative.\n\nExamples:\n\n"
    '- 1.5 will be serialized as "1500m" - 1.5Gi will be serialized as "1536Mi"\n\n'
    "Note that the quantity will NEVER be internally represented by a floating point number. That is the whole "
    "point of this exercise.\n\nNon-canonical values will still parse as long as they are well formed, but will "
    "be re-emitted in their canonical form. (So always use canonical form, or don't diff.)\n\n"
    "This format is intended to make it difficult to use these numbers without writing some sort of special "
    "handling code in the hopes that that will cause implementors to also use a fixed point implementation."
)

_SWAGGER_OVERRIDES: dict[str, dict[str, Any]] = {
    INT_OR_STRING: {"description": _INT_OR_STRING_DOC, "format": "int-or-string", "type": "string"},
    QUANTITY: {"description": _QUANTITY_DOC, "type": "string"},
}
_V3_OVERRIDES: dict[str, dict[str, Any]] = {
    INT_OR_STRING: {
        "description": _INT_OR_STRING_DOC,
        "format": "int-or-string",
        "oneOf": [{"type": "integer"}, {"type": "string"}],
    },
    QUANTITY: {"description": _QUANTITY_DOC, "oneOf": [{"type": "string"}, {"type": "number"}]},
}

# Keys whose values are data, not schemas: their contents are copied as they are.
_DATA_KEYS = frozenset({"enum", "required", "default", "example"})


def _swagger_schema(schema: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "type" and isinstance(value, list):
            types = [t for t in value if t != "null"]
            out[key] = types[0] if len(types) == 1 else types
        elif key == "$ref":
            out[key] = SWAGGER_REF_PREFIX + value.removeprefix(_SOURCE_REF_PREFIX)
        elif key == "properties":
            out[key] = {name: _swagger_property(name, prop) for name, prop in value.items()}
        elif key in _DATA_KEYS or key.startswith("x-"):
            out[key] = value
        elif isinstance(value, dict):
            out[key] = _swagger_schema(value)
        elif isinstance(value, list):
            out[key] = [_swagger_schema(item) if isinstance(item, dict) else item for item in value]
        else:
            out[key] = value
    return out


def _swagger_property(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    converted = _swagger_schema(schema)
    if name in ("apiVersion", "kind"):
        # kubernetes-validate pins these to the kind's values; upstream leaves them free.
        converted.pop("enum", None)
    return converted


def _references(schema: Any, into: set[str]) -> None:
    """Adds the definitions ``schema`` references to ``into``.

    The keys of ``properties`` are field names, not keywords: a field called ``required``,
    ``default`` or ``x-kubernetes-validations`` (VolumeNodeAffinity, JSONSchemaProps) holds a
    schema whose references count.
    """
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(SWAGGER_REF_PREFIX):
                into.add(value[len(SWAGGER_REF_PREFIX) :])
            elif key == "properties" and isinstance(value, dict):
                for field_schema in value.values():
                    _references(field_schema, into)
            elif key not in _DATA_KEYS and not key.startswith("x-"):
                _references(value, into)
    elif isinstance(schema, list):
        for item in schema:
            _references(item, into)


def to_v3(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A Swagger 2.0 definition in its OpenAPI 3.0 form (refs rewritten and wrapped)."""
    override = _V3_OVERRIDES.get(name)
    return dict(override) if override is not None else _v3_schema(schema)


def _v3_schema(schema: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "$ref":
            continue
        if key == "properties":
            out[key] = {prop: _v3_schema(sub) for prop, sub in value.items()}
        elif key in _DATA_KEYS or key.startswith("x-"):
            out[key] = value
        elif isinstance(value, dict):
            out[key] = _v3_schema(value)
        elif isinstance(value, list):
            out[key] = [_v3_schema(item) if isinstance(item, dict) else item for item in value]
        else:
            out[key] = value
    ref = schema.get("$ref")
    if ref is not None:
        target = {"$ref": V3_REF_PREFIX + ref.removeprefix(SWAGGER_REF_PREFIX)}
        if not out:
            return target
        out["allOf"] = [target]
    return out


class DefinitionSet:
    """Named Swagger 2.0 definitions, the kind each one is, and their OpenAPI 3.0 form.

    A set made by :meth:`merged` holds only the added definitions and defers to the set it was
    made from, so conversions done once for the built-in definitions serve every document.
    """

    def __init__(self, definitions: Mapping[str, dict[str, Any]], base: DefinitionSet | None = None) -> None:
        self._definitions = dict(definitions)
        self._base = base
        self._refs: dict[str, frozenset[str]] = {}
        self._v3_json: dict[str, str] = {}
        self._by_gvk: dict[GroupVersionKind, str] = {}
        for name, schema in self._definitions.items():
            for gvk in schema.get("x-kubernetes-group-version-kind", ()):
                self._by_gvk.setdefault(GroupVersionKind(gvk["group"], gvk["version"], gvk["kind"]), name)

    @classmethod
    def from_registry(cls, schemas: SchemaRegistry) -> DefinitionSet:
        """Every built-in definition, converted from kubernetes-validate's form to Swagger 2.0."""
        converted = {
            name: dict(_SWAGGER_OVERRIDES[name]) if name in _SWAGGER_OVERRIDES else _swagger_schema(schema)
            for name, schema in schemas.definitions.items()
        }
        return cls(converted)

    def _owner(self, name: str) -> DefinitionSet | None:
        if name in self._definitions:
            return self
        return self._base._owner(name) if self._base is not None else None

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._owner(name) is not None

    def get(self, name: str) -> dict[str, Any]:
        owner = self._owner(name)
        if owner is None:
            raise KeyError(name)
        return owner._definitions[name]

    def name_for(self, gvk: GroupVersionKind) -> str | None:
        """The definition whose ``x-kubernetes-group-version-kind`` lists ``gvk``."""
        name = self._by_gvk.get(gvk)
        if name is None and self._base is not None:
            return self._base.name_for(gvk)
        return name

    def closure(self, roots: Iterable[str]) -> list[str]:
        """``roots`` and every definition they reference, directly or not, sorted by name."""
        seen: set[str] = set()
        pending = [name for name in roots if name in self]
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            pending.extend(ref for ref in self._references_of(name) if ref not in seen and ref in self)
        return sorted(seen)

    def _references_of(self, name: str) -> frozenset[str]:
        owner = self._owner(name)
        assert owner is not None
        refs = owner._refs.get(name)
        if refs is None:
            found: set[str] = set()
            _references(owner._definitions[name], found)
            refs = owner._refs[name] = frozenset(found)
        return refs

    def v3_json(self, name: str) -> str:
        """The OpenAPI 3.0 form of a definition, JSON-encoded (computed once per definition)."""
        owner = self._owner(name)
        if owner is None:
            raise KeyError(name)
        encoded = owner._v3_json.get(name)
        if encoded is None:
            schema = to_v3(name, owner._definitions[name])
            encoded = owner._v3_json[name] = json.dumps(schema, separators=(",", ":"), ensure_ascii=False)
        return encoded

    def merged(self, extra: Mapping[str, dict[str, Any]]) -> DefinitionSet:
        """A set with ``extra`` added (custom resources' definitions); ``extra`` wins on a clash."""
        if not extra:
            return self
        return DefinitionSet(extra, base=self)
