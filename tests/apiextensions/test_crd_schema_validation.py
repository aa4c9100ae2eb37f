"""Custom resources checked against their OpenAPI v3 schema: kube-openapi's checks and upstream's field errors."""

from __future__ import annotations

from typing import Any

import pytest

from fakeapi.apiextensions.schema.validation import validate_custom_resource


def _errors(schema: dict[str, Any], value: Any) -> list[str]:
    return [str(e) for e in validate_custom_resource({"type": "object", "properties": {"x": schema}}, {"x": value})]


@pytest.mark.parametrize(
    ("schema", "value", "expected"),
    [
        ({"type": "integer"}, "string", ['x: Invalid value: "string": x in body must be of type integer: "string"']),
        ({"type": "integer"}, 1.5, ['x: Invalid value: "number": x in body must be of type integer: "number"']),
        ({"type": "integer"}, 2.0, []),
        ({"type": "number"}, 2, []),
        ({"type": "string"}, {"a": 1}, ['x: Invalid value: "object": x in body must be of type string: "object"']),
        ({"type": "boolean"}, "true", ['x: Invalid value: "string": x in body must be of type boolean: "string"']),
        (
            {"type": "array", "items": {"type": "string"}},
            "a",
            ['x: Invalid value: "string": x in body must be of type array: "string"'],
        ),
        ({"type": "string"}, None, ['x: Invalid value: "null": x in body must be of type string: "null"']),
        ({"type": "string", "nullable": True}, None, []),
        ({"x-kubernetes-int-or-string": True}, 3, []),
        ({"x-kubernetes-int-or-string": True}, "3", []),
        (
            {"x-kubernetes-int-or-string": True},
            True,
            ['x: Invalid value: "boolean": x in body must be of type integer,string: "boolean"'],
        ),
    ],
)
def test_types(schema: dict[str, Any], value: Any, expected: list[str]) -> None:
    assert _errors(schema, value) == expected


@pytest.mark.parametrize(
    ("schema", "value", "expected"),
    [
        (
            {"type": "integer", "maximum": 10},
            20,
            ["x: Invalid value: 20: x in body should be less than or equal to 10"],
        ),
        (
            {"type": "integer", "maximum": 10, "exclusiveMaximum": True},
            10,
            ["x: Invalid value: 10: x in body should be less than 10"],
        ),
        ({"type": "integer", "minimum": 1}, 0, ["x: Invalid value: 0: x in body should be greater than or equal to 1"]),
        (
            {"type": "number", "minimum": 0.5, "exclusiveMinimum": True},
            0.5,
            ["x: Invalid value: 0.5: x in body should be greater than 0.5"],
        ),
        (
            {"type": "number", "maximum": 1e21},
            2e21,
            ["x: Invalid value: 2e+21: x in body should be less than or equal to 1e+21"],
        ),
        ({"type": "integer", "multipleOf": 3}, 7, ["x: Invalid value: 7: x in body should be a multiple of 3"]),
        ({"type": "string", "maxLength": 3}, "abcd", ["x: Too long: may not be more than 3 bytes"]),
        (
            {"type": "string", "minLength": 3},
            "ab",
            ['x: Invalid value: "ab": x in body should be at least 3 chars long'],
        ),
        (
            {"type": "string", "pattern": "^[a-z]+$"},
            "A1",
            ["x: Invalid value: \"A1\": x in body should match '^[a-z]+$'"],
        ),
        (
            {"type": "string", "enum": ["red", "blue"]},
            "pink",
            ['x: Unsupported value: "pink": supported values: "red", "blue"'],
        ),
        ({"type": "integer", "enum": [1, 2]}, 3, ['x: Unsupported value: 3: supported values: "1", "2"']),
        ({"type": "integer", "enum": [1, 2]}, 2, []),
        (
            {"type": "array", "maxItems": 1, "items": {"type": "integer"}},
            [1, 2],
            ["x: Too many: 2: must have at most 1 items"],
        ),
        (
            {"type": "array", "minItems": 2, "items": {"type": "integer"}},
            [1],
            ["x: Invalid value: 1: x in body should have at least 2 items"],
        ),
        (
            {"type": "object", "maxProperties": 1, "additionalProperties": {"type": "string"}},
            {"a": "1", "b": "2"},
            ["x: Too many: 2: must have at most 1 items"],
        ),
        (
            {"type": "object", "minProperties": 1},
            {},
            ["x: Invalid value: 0: x in body should have at least 1 properties"],
        ),
        (
            {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
            {},
            ["x.name: Required value"],
        ),
        (
            {"type": "object", "additionalProperties": {"type": "integer"}},
            {"a": 1, "b": "2"},
            ['x.b: Invalid value: "string": x.b in body must be of type integer: "string"'],
        ),
        (
            {"type": "array", "items": {"type": "object", "properties": {"n": {"type": "integer"}}}},
            [{"n": 1}, {"n": "two"}],
            ['x[1].n: Invalid value: "string": x[1].n in body must be of type integer: "string"'],
        ),
    ],
)
def test_value_constraints(schema: dict[str, Any], value: Any, expected: list[str]) -> None:
    assert _errors(schema, value) == expected


@pytest.mark.parametrize(
    ("fmt", "good", "bad"),
    [
        ("date-time", "2024-05-06T07:08:09Z", "2024-05-06"),
        ("date", "2024-02-29", "2023-02-29"),
        ("byte", "aGVsbG8=", "not base64!"),
        ("ipv4", "10.0.0.1", "10.0.0.256"),
        ("uuid", "123e4567-e89b-12d3-a456-426614174000", "123"),
        ("duration", "1h30m", "soon"),
    ],
)
def test_formats(fmt: str, good: str, bad: str) -> None:
    schema = {"type": "string", "format": fmt}
    assert _errors(schema, good) == []
    assert _errors(schema, bad) == [f'x: Invalid value: "{bad}": x in body must be of type {fmt}: "{bad}"']


def test_unsupported_formats_are_ignored() -> None:
    assert _errors({"type": "string", "format": "no-such-format"}, "anything") == []
    assert _errors({"type": "integer", "format": "int32"}, 2**40) == []


def test_any_of_failure_reports_the_junctor_and_the_closest_branch() -> None:
    schema = {"anyOf": [{"type": "integer"}, {"type": "string"}], "x-kubernetes-int-or-string": True}
    assert _errors(schema, [1]) == [
        'x: Invalid value: "array": x in body must be of type integer,string: "array"',
        '<nil>: Invalid value: "": "x" must validate at least one schema (anyOf)',
        'x: Invalid value: "array": x in body must be of type integer: "array"',
    ]


def test_every_error_is_reported_in_upstream_order() -> None:
    schema = {
        "type": "object",
        "required": ["name"],
        "properties": {
            "replicas": {"type": "integer"},
            "size": {"type": "integer", "maximum": 10},
            "color": {"type": "string", "enum": ["red", "blue"]},
            "name": {"type": "string"},
        },
    }
    errs = validate_custom_resource(
        {"type": "object", "properties": {"spec": schema}},
        {"spec": {"replicas": "string", "size": 20, "color": "pink"}},
    )
    assert [str(e) for e in errs] == [
        'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
        "spec.size: Invalid value: 20: spec.size in body should be less than or equal to 10",
        'spec.color: Unsupported value: "pink": supported values: "red", "blue"',
        "spec.name: Required value",
    ]
    assert [e.cause()["reason"] for e in errs] == [
        "FieldValueTypeInvalid",
        "FieldValueInvalid",
        "FieldValueNotSupported",
        "FieldValueRequired",
    ]
