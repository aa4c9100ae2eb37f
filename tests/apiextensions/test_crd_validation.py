"""Static validation of CRDs: upstream's field paths (including the top-level ones v1 converts to) and messages."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from fakeapi.apiextensions.strategy import set_defaults
from fakeapi.apiextensions.validation import validate_crd, validate_crd_update

SCHEMA = {"type": "object", "properties": {"spec": {"type": "object", "properties": {"a": {"type": "string"}}}}}


def crd(**spec: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"plural": "widgets", "kind": "Widget"},
            "versions": [
                {"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": copy.deepcopy(SCHEMA)}}
            ],
            **spec,
        },
        "status": {"storedVersions": ["v1"]},
    }
    set_defaults(obj)
    return obj


def errors_of(obj: dict[str, Any]) -> list[str]:
    return [str(e) for e in validate_crd(obj)]


def test_a_valid_crd_has_no_errors() -> None:
    assert errors_of(crd()) == []


def test_name_must_be_plural_dot_group() -> None:
    obj = crd()
    obj["metadata"]["name"] = "widget.example.com"
    assert errors_of(obj) == [
        'metadata.name: Invalid value: "widget.example.com": must be spec.names.plural+"."+spec.group'
    ]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            {"group": "example"},
            [
                'metadata.name: Invalid value: "widgets.example.com": must be spec.names.plural+"."+spec.group',
                'spec.group: Invalid value: "example": should be a domain with at least one dot',
            ],
        ),
        ({"scope": "Global"}, ['spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"']),
        (
            {"names": {"plural": "Widgets", "kind": "Widget"}},
            [
                'metadata.name: Invalid value: "widgets.example.com": must be spec.names.plural+"."+spec.group',
                'spec.names.plural: Invalid value: "Widgets": a DNS-1035 label must consist of lower case alphanumeric '
                "characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. "
                "'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
            ],
        ),
        (
            {"names": {"plural": "widgets", "kind": "Widget", "listKind": "Widget"}},
            ['spec.names.listKind: Invalid value: "Widget": kind and listKind may not be the same'],
        ),
    ],
)
def test_spec_fields(spec: dict[str, Any], expected: list[str]) -> None:
    assert errors_of(crd(**spec)) == expected


def test_exactly_one_storage_version() -> None:
    obj = crd()
    obj["spec"]["versions"].append(
        {"name": "v2", "served": True, "storage": True, "schema": {"openAPIV3Schema": SCHEMA}}
    )
    messages = errors_of(obj)
    assert messages[0].startswith('spec.versions: Invalid value: [{"Name":"v1","Served":true,"Storage":true,')
    assert messages[0].endswith(": must have exactly one version marked as storage version")
    # The strategy stored only the first storage version, so the second is missing from storedVersions.
    assert messages[1:] == ['status.storedVersions: Invalid value: ["v1"]: must have the storage version v2']


def test_schemas_are_required() -> None:
    obj = crd()
    del obj["spec"]["versions"][0]["schema"]
    assert errors_of(obj) == ["spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required"]


def test_a_schema_shared_by_every_version_is_reported_at_the_top_level() -> None:
    bad = {"type": "object", "properties": {"spec": {"properties": {"a": {"type": "string"}}}}}
    obj = crd(versions=[{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": bad}}])
    assert errors_of(obj) == [
        "spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields"
    ]
    obj["spec"]["versions"].append(
        {"name": "v2", "served": True, "storage": False, "schema": {"openAPIV3Schema": SCHEMA}}
    )
    assert errors_of(obj) == [
        "spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields"
    ]


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        (
            {
                "type": "object",
                "properties": {"a": {"type": "array", "items": {"type": "string"}, "uniqueItems": True}},
            },
            [
                "spec.validation.openAPIV3Schema.properties[a].uniqueItems: Forbidden: uniqueItems cannot be set to true "
                "since the runtime complexity becomes quadratic"
            ],
        ),
        (
            {"type": "object", "properties": {"metadata": {"type": "object", "default": {}}}},
            [
                "spec.validation.openAPIV3Schema.properties[metadata].default: Forbidden: must not be set in top-level metadata"
            ],
        ),
        (
            {"type": "object", "properties": {"a": {"type": "string", "x-kubernetes-list-type": "set"}}},
            [
                'spec.validation.openAPIV3Schema.properties[a].type: Invalid value: "string": must be array if '
                "x-kubernetes-list-type is specified"
            ],
        ),
        (
            {
                "type": "object",
                "properties": {
                    "a": {
                        "type": "object",
                        "properties": {"b": {"type": "string"}},
                        "additionalProperties": {"type": "string"},
                    }
                },
            },
            [
                "spec.validation.openAPIV3Schema.properties[a].additionalProperties: Forbidden: additionalProperties and "
                "properties are mutual exclusive"
            ],
        ),
        (
            {"type": "object", "x-kubernetes-validations": [{"rule": "", "message": "m"}]},
            ["spec.validation.openAPIV3Schema.x-kubernetes-validations[0].rule: Required value: rule is not specified"],
        ),
    ],
)
def test_schema_rules(schema: dict[str, Any], expected: list[str]) -> None:
    obj = crd(versions=[{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": schema}}])
    assert errors_of(obj) == expected


def test_printer_columns_and_scale_paths() -> None:
    version = {
        "name": "v1",
        "served": True,
        "storage": True,
        "schema": {"openAPIV3Schema": SCHEMA},
        "additionalPrinterColumns": [{"name": "A", "type": "text", "jsonPath": "spec.a"}],
        "subresources": {"scale": {"specReplicasPath": ".status.replicas", "statusReplicasPath": ".status.replicas"}},
    }
    assert errors_of(crd(versions=[version])) == [
        'spec.subresources.scale.specReplicasPath: Invalid value: ".status.replicas": should be a json path under .spec',
        'spec.additionalPrinterColumns[0].type: Invalid value: "text": must be one of boolean,date,integer,number,string',
        'spec.additionalPrinterColumns[0].JSONPath: Invalid value: "spec.a": must be a simple json path starting with .',
    ]


def test_status_subresource_restricts_the_schema_root() -> None:
    version = {
        "name": "v1",
        "served": True,
        "storage": True,
        "schema": {"openAPIV3Schema": {**SCHEMA, "nullable": True}},
        "subresources": {"status": {}},
    }
    messages = errors_of(crd(versions=[version]))
    assert messages[0].startswith('spec.validation.openAPIV3Schema: Invalid value: {"Type":"object",')
    assert messages[0].endswith(
        "only [Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength "
        "Pattern MaxItems MinItems UniqueItems MultipleOf Required Items Properties ExternalDocs Example "
        "XPreserveUnknownFields XValidations] fields are allowed at the root of the schema if the status subresource is enabled"
    )
    assert messages[1] == "spec.validation.openAPIV3Schema.nullable: Forbidden: nullable cannot be true at the root"


def test_protected_groups_need_api_approval() -> None:
    obj = crd(group="widgets.k8s.io")
    obj["metadata"]["name"] = "widgets.widgets.k8s.io"
    assert errors_of(obj) == [
        "metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "
        '"api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111'
    ]
    obj["metadata"]["annotations"] = {"api-approved.kubernetes.io": "unapproved, testing"}
    assert errors_of(obj) == []


def test_updates_keep_group_and_plural_and_stored_versions() -> None:
    old = crd()
    old["status"]["conditions"] = [{"type": "Established", "status": "True"}]
    new = crd(group="other.example.com", scope="Cluster")
    new["metadata"]["name"] = "widgets.example.com"
    new["spec"]["versions"][0]["name"] = "v2"
    messages = [str(e) for e in validate_crd_update(new, old)]
    assert 'spec.scope: Invalid value: "Cluster": field is immutable' in messages
    assert 'spec.group: Invalid value: "other.example.com": field is immutable' in messages
    assert (
        'status.storedVersions[0]: Invalid value: "v1": missing from spec.versions; v1 was previously a storage version, '
        "and must remain in spec.versions until a storage migration ensures no data remains persisted in v1 and removes "
        "v1 from status.storedVersions" in messages
    )
