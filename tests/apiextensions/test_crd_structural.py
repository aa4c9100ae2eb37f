"""Structural schemas: the invariants CRDs must meet, pruning, defaulting, list types, embedded resources."""

from __future__ import annotations

from typing import Any

import pytest

from fakeapi.apiextensions.schema.defaulting import default, validate_defaults
from fakeapi.apiextensions.schema.listtype import validate_list_sets_and_maps
from fakeapi.apiextensions.schema.objectmeta import validate_embedded
from fakeapi.apiextensions.schema.pruning import coerce_object_meta, prune
from fakeapi.apiextensions.schema.structural import StructuralError, new_structural, validate_structural

ROOT = "spec.validation.openAPIV3Schema"


def _structural(schema: dict[str, Any]) -> Any:
    structural = new_structural(schema)
    assert structural is not None
    return structural


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"properties": {"a": {"type": "string"}}}, [f"{ROOT}.type: Required value: must not be empty at the root"]),
        (
            {"type": "object", "properties": {"a": {}}},
            [f"{ROOT}.properties[a].type: Required value: must not be empty for specified object fields"],
        ),
        (
            {"type": "object", "properties": {"a": {"type": "array"}}},
            [f"{ROOT}.properties[a].items: Required value: must be specified"],
        ),
        ({"type": "string"}, [f'{ROOT}.type: Invalid value: "string": must be object at the root']),
        (
            {"type": "object", "additionalProperties": {"type": "string"}},
            [f"{ROOT}.additionalProperties: Forbidden: must not be used at the root"],
        ),
        (
            {"type": "object", "properties": {"a": {"type": "string", "anyOf": [{"type": "string"}]}}},
            [f"{ROOT}.properties[a].anyOf[0].type: Forbidden: must be empty to be structural"],
        ),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "object"}},
                "allOf": [{"properties": {"a": {"properties": {"b": {}}}}}],
            },
            [
                f"{ROOT}.properties[a].properties[b]: Required value: "
                f"because it is defined in {ROOT}.allOf[0].properties[a].properties[b]"
            ],
        ),
        (
            {
                "type": "object",
                "properties": {"metadata": {"type": "object", "properties": {"labels": {"type": "object"}}}},
            },
            [
                f"{ROOT}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, "
                "but metadata is implicitly specified"
            ],
        ),
        (
            {
                "type": "object",
                "properties": {"metadata": {"type": "object", "properties": {"name": {"type": "string"}}}},
            },
            [],
        ),
        (
            {
                "type": "object",
                "properties": {
                    "a": {"x-kubernetes-int-or-string": True, "anyOf": [{"type": "integer"}, {"type": "string"}]}
                },
            },
            [],
        ),
        (
            {"type": "object", "properties": {"t": {"type": "object", "x-kubernetes-embedded-resource": True}}},
            [
                f"{ROOT}.properties[t].properties: Required value: must not be empty if x-kubernetes-embedded-resource "
                "is true without x-kubernetes-preserve-unknown-fields"
            ],
        ),
    ],
)
def test_structural_invariants(schema: dict[str, Any], expected: list[str]) -> None:
    assert [str(e) for e in validate_structural(ROOT, schema)] == expected


def test_unsupported_fields_are_not_structural() -> None:
    with pytest.raises(StructuralError, match="OpenAPIV3Schema '\\$ref' is not supported"):
        new_structural({"type": "object", "properties": {"a": {"$ref": "#/x"}}})
    with pytest.raises(StructuralError, match="'items' must be a schema, but is an array"):
        new_structural({"type": "array", "items": [{"type": "string"}]})


SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "properties": {
                "replicas": {"type": "integer", "default": 1},
                "mode": {"type": "string", "default": "fast"},
                "note": {"type": "string", "nullable": True, "default": "n"},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "ports": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"port": {"type": "integer"}, "proto": {"type": "string", "default": "TCP"}},
                    },
                },
                "template": {
                    "type": "object",
                    "x-kubernetes-embedded-resource": True,
                    "properties": {"spec": {"type": "object", "properties": {"image": {"type": "string"}}}},
                },
            },
        }
    },
}


def test_pruning_drops_unknown_fields_and_reports_their_paths() -> None:
    obj = {
        "apiVersion": "x.example.com/v1",
        "kind": "X",
        "metadata": {"name": "a"},
        "extra": 1,
        "spec": {
            "unknown": True,
            "free": {"anything": {"goes": 1}},
            "labels": {"a": "b"},
            "ports": [{"port": 80, "junk": 1}],
            "template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "t"}, "spec": {"image": "i", "x": 1}},
        },
    }
    assert prune(obj, _structural(SCHEMA), is_resource_root=True) == [
        "extra",
        "spec.ports[0].junk",
        "spec.template.spec.x",
        "spec.unknown",
    ]
    assert obj["apiVersion"] == "x.example.com/v1"
    assert obj["metadata"] == {"name": "a"}
    assert obj["spec"]["free"] == {"anything": {"goes": 1}}
    assert obj["spec"]["template"]["metadata"] == {"name": "t"}


def test_object_meta_coercion_drops_unknown_metadata_fields() -> None:
    obj = {"metadata": {"name": "a", "bogus": 1}, "spec": {"template": {"metadata": {"name": "t", "nope": 2}}}}
    assert coerce_object_meta(obj, _structural(SCHEMA)) == ["metadata.bogus", "spec.template.metadata.nope"]
    assert obj == {"metadata": {"name": "a"}, "spec": {"template": {"metadata": {"name": "t"}}}}


def test_defaulting_fills_missing_and_non_nullable_null_fields() -> None:
    obj: dict[str, Any] = {"spec": {"mode": None, "note": None, "ports": [{"port": 80}]}}
    default(obj, _structural(SCHEMA))
    assert obj["spec"] == {"replicas": 1, "mode": "fast", "note": None, "ports": [{"port": 80, "proto": "TCP"}]}


def test_defaults_must_validate_and_be_pruned() -> None:
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "integer", "default": "one"},
            "b": {"type": "object", "properties": {"c": {"type": "string"}}, "default": {"c": "x", "d": 1}},
        },
    }
    assert [str(e) for e in validate_defaults(ROOT, _structural(schema))] == [
        # The default is validated on its own: its name in kube-openapi's message is empty.
        f'{ROOT}.properties[a].default: Invalid value: "string":  in body must be of type integer: "string"',
        f'{ROOT}.properties[b].default: Invalid value: {{"c":"x","d":1}}: must not have unknown fields',
    ]


def test_list_type_set_and_map_uniqueness() -> None:
    schema = {
        "type": "object",
        "properties": {
            "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
            "ports": {
                "type": "array",
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["port"],
                "items": {"type": "object", "required": ["port"], "properties": {"port": {"type": "integer"}}},
            },
            "pairs": {
                "type": "array",
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["a", "b"],
                "items": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}},
            },
        },
    }
    obj = {
        "tags": ["a", "b", "a", "a"],
        "ports": [{"port": 80}, {"port": 80}],
        "pairs": [{"a": "x", "b": "y"}, {"a": "x", "b": "y"}, {"a": "x"}],
    }
    assert [str(e) for e in validate_list_sets_and_maps("", _structural(schema), obj)] == [
        'tags[2]: Duplicate value: "a"',
        'ports[1]: Duplicate value: {"port":80}',
        'pairs[1]: Duplicate value: {"a":"x","b":"y"}',
    ]
    assert [str(e) for e in validate_list_sets_and_maps("", _structural(schema), {"ports": [1]})] == [
        "ports[0]: Invalid value: 1: must be an object for an array of list-type map"
    ]


def test_embedded_resources_need_api_version_kind_and_valid_metadata() -> None:
    obj = {"spec": {"template": {"kind": "not valid!", "metadata": {"name": "a/b", "labels": {"bad key!": "v"}}}}}
    errors = [str(e) for e in validate_embedded("", obj, _structural(SCHEMA))]
    assert errors[0] == "spec.template.apiVersion: Required value"
    assert errors[1].startswith(
        'spec.template.kind: Invalid value: "not valid!": may have mixed case, but should otherwise match: '
    )
    assert errors[2] == "spec.template.metadata.name: Invalid value: \"a/b\": may not contain '/'"
    assert errors[3].startswith('spec.template.metadata.labels: Invalid value: "bad key!": ')
