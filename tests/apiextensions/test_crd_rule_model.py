"""How a schema's values look from CEL, and what compiles: apiserver/pkg/cel/common/{schemas,values}.go,
escaping.go, apiextensions-apiserver schema/cel/compilation_test.go and validation_test.go.
"""

from __future__ import annotations

from typing import Any

import pytest
from crd_rules import rule_errors

from fakeapi.apiextensions.schema.cel.compilation import compile_rules, valid_field_path
from fakeapi.apiextensions.schema.structural import new_structural


def _compile_errors(schema: dict[str, Any], is_root: bool = False) -> list[str | None]:
    structural = new_structural(schema)
    assert structural is not None
    return [r.error for r in compile_rules(structural, is_root)]


def _object(properties: dict[str, Any], *rules: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "x-kubernetes-validations": [{"rule": r} for r in rules],
        **extra,
    }


def test_escaped_property_names() -> None:
    schema = _object(
        {
            "foo-bar": {"type": "string"},
            "a.b": {"type": "string"},
            "namespace": {"type": "string"},
            "x__y": {"type": "string"},
        },
        "self.foo__dash__bar == 'x'",
        "self.a__dot__b == 'y'",
        "self.__namespace__ == 'z'",
        "self.x__underscores__y == 'w'",
    )
    assert rule_errors(schema, {"foo-bar": "x", "a.b": "y", "namespace": "z", "x__y": "w"}) == []
    assert rule_errors(schema, {"foo-bar": "x", "a.b": "y", "namespace": "other", "x__y": "w"}) == [
        "<nil>: Invalid value: \"object\": failed rule: self.__namespace__ == 'z'"
    ]


def test_undefined_fields_are_compile_errors_where_the_schema_declares_the_fields() -> None:
    schema = _object(
        {
            "known": {"type": "string"},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            "either": {"x-kubernetes-int-or-string": True},
        },
        "self.labels.anything == 'a'",
        "self.free.anything == 'a'",
        "self.either == 1 || self.either == 'a'",
        "has(self.unknown)",
        "self.metadata.name == 'a'",
    )
    assert _compile_errors(schema) == [
        None,
        None,
        None,
        # has() is a macro: its selection sits at the call's parenthesis, as cel-go's parser places it.
        "compilation failed: ERROR: <input>:1:4: undefined field 'unknown'\n | has(self.unknown)\n | ...^",
        "compilation failed: ERROR: <input>:1:5: undefined field 'metadata'\n | self.metadata.name == 'a'\n | ....^",
    ]


def test_a_resource_root_sees_apiversion_kind_and_only_name_and_generatename_of_metadata() -> None:
    schema = _object({}, "self.metadata.name.startsWith('a') && self.kind == 'K'", "self.metadata.labels.size() > 0")
    assert _compile_errors(schema, is_root=True) == [
        None,
        "compilation failed: ERROR: <input>:1:14: undefined field 'labels'\n | self.metadata.labels.size() > 0\n | .............^",
    ]


def test_rules_must_be_boolean() -> None:
    assert _compile_errors({"type": "string", "x-kubernetes-validations": [{"rule": "self + 'x'"}]}) == [
        "cel expression must evaluate to a bool"
    ]


_FLAGS = {"enabled": {"type": "boolean"}, "strict": {"type": "boolean"}, "name": {"type": "string"}}


@pytest.mark.parametrize(
    ("rule", "error"),
    [
        # A boolean field is a bool to upstream's checker, alone or as a branch of a conditional.
        ("self.enabled", None),
        ("has(self.strict) ? self.strict : self.name == 'x'", None),
        ("self.enabled ? true : self.strict", None),
        ("self.name", "cel expression must evaluate to a bool"),
        ("self.enabled ? self.name : self.strict", "cel expression must evaluate to a bool"),
    ],
)
def test_a_rule_that_reads_a_boolean_field_is_boolean(rule: str, error: str | None) -> None:
    assert _compile_errors(_object(_FLAGS, rule)) == [error]


def test_a_boolean_field_s_rule_runs_and_a_string_field_is_a_message() -> None:
    schema = _object(_FLAGS)
    schema["x-kubernetes-validations"] = [{"rule": "self.enabled", "messageExpression": "self.name"}]
    assert rule_errors(schema, {"enabled": True, "name": "unused"}) == []
    assert rule_errors(schema, {"enabled": False, "name": "widget is disabled"}) == [
        '<nil>: Invalid value: "object": widget is disabled'
    ]


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ({"type": "string", "format": "date-time"}, "2024-01-02T03:04:05Z"),
        ({"type": "string", "format": "duration"}, "1h30m"),
        ({"type": "number"}, 2),
    ],
)
def test_formats_and_numbers_have_their_cel_types(schema: dict[str, Any], value: Any) -> None:
    rules = {
        "date-time": "self > timestamp('2023-01-01T00:00:00Z')",
        "duration": "self == duration('90m')",
    }
    rule = rules.get(schema.get("format", ""), "self + 0.5 == 2.5")
    root = _object({"v": {**schema, "x-kubernetes-validations": [{"rule": rule}]}})
    assert rule_errors(root, {"v": value}) == []


def test_items_of_a_map_list_are_correlated_by_key_for_transition_rules() -> None:
    item = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "size": {"type": "integer"}},
        "required": ["name"],
        "x-kubernetes-validations": [{"rule": "self.size >= oldSelf.size", "message": "size may only grow"}],
    }
    schema = {
        "type": "object",
        "properties": {
            "disks": {
                "type": "array",
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["name"],
                "items": item,
            }
        },
    }
    old = {"disks": [{"name": "a", "size": 5}, {"name": "b", "size": 5}]}
    new = {"disks": [{"name": "b", "size": 4}, {"name": "a", "size": 6}, {"name": "c", "size": 1}]}
    assert rule_errors(schema, new, old) == ['disks[0]: Invalid value: "object": size may only grow']


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (".a.b", "a.b"),
        (".m['k.1']", "m[k.1]"),
        (".a.c", "does not refer to a valid field"),
        (".list[0]", "expected single quoted string but got 0"),
    ],
)
def test_field_paths(path: str, expected: str) -> None:
    schema = new_structural(
        {
            "type": "object",
            "properties": {
                "a": {"type": "object", "properties": {"b": {"type": "string"}}},
                "m": {"type": "object", "additionalProperties": {"type": "string"}},
                "list": {"type": "array", "items": {"type": "string"}},
            },
        }
    )
    assert schema is not None
    try:
        assert valid_field_path(path, schema) == expected
    except ValueError as exc:
        assert str(exc) == expected


def test_two_variable_comprehensions_over_a_schema_compile_with_its_types_and_sizes() -> None:
    schema = _object(
        {
            "labels": {
                "type": "object",
                "maxProperties": 10,
                "additionalProperties": {"type": "string", "maxLength": 63},
            },
            "ports": {
                "type": "array",
                "maxItems": 10,
                "items": {"type": "object", "properties": {"port": {"type": "integer"}}},
            },
        },
        "self.labels.all(k, v, k.size() + v.size() < 100)",
        "self.ports.all(i, p, i == 0 || p.port > self.ports[i - 1].port)",
        "self.ports.exists(i, p, p.prot == 1)",
    )
    errors = _compile_errors(schema)
    assert errors[:2] == [None, None]
    assert "undefined field 'prot'" in str(errors[2])
    assert rule_errors(
        {**schema, "x-kubernetes-validations": schema["x-kubernetes-validations"][:2]},
        {
            "labels": {"a": "b"},
            "ports": [{"port": 80}, {"port": 70}],
        },
    ) == [
        '<nil>: Invalid value: "object": failed rule: self.ports.all(i, p, i == 0 || p.port > self.ports[i - 1].port)'
    ]
