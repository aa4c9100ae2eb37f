"""The object factories: valid objects the server accepts, the same for the same seed."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from fakeapi.testing.factories import Factories, SchemaGenerationError

# A CRD whose schema uses every constraint the generator honours.
GADGET_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "gadgets.factories.example.com"},
    "spec": {
        "group": "factories.example.com",
        "scope": "Namespaced",
        "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "required": ["size", "color", "id"],
                                "properties": {
                                    "size": {"type": "integer", "minimum": 3, "maximum": 7},
                                    "weight": {"type": "integer", "minimum": 0, "exclusiveMinimum": True, "maximum": 1},
                                    "step": {"type": "integer", "minimum": 10, "maximum": 40, "multipleOf": 15},
                                    "ratio": {
                                        "type": "number",
                                        "minimum": 0.5,
                                        "maximum": 1,
                                        "exclusiveMaximum": True,
                                        "multipleOf": 0.25,
                                    },
                                    "color": {"type": "string", "enum": ["red", "green"]},
                                    "owner": {"type": "string", "format": "email"},
                                    "address": {"type": "string", "format": "ipv4"},
                                    "since": {"type": "string", "format": "date-time"},
                                    "checksum": {"type": "string", "format": "byte"},
                                    "id": {"type": "string", "pattern": "^[a-z]{3}-[0-9]{2,4}$"},
                                    "code": {"type": "string", "minLength": 10, "maxLength": 12},
                                    "port": {"x-kubernetes-int-or-string": True},
                                    "tags": {
                                        "type": "array",
                                        "items": {"type": "string", "enum": ["a", "b", "c", "d"]},
                                        "x-kubernetes-list-type": "set",
                                        "minItems": 2,
                                        "maxItems": 4,
                                    },
                                    "env": {
                                        "type": "array",
                                        "x-kubernetes-list-type": "map",
                                        "x-kubernetes-list-map-keys": ["name"],
                                        "items": {
                                            "type": "object",
                                            "required": ["name"],
                                            "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
                                        },
                                    },
                                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                                    "template": {
                                        "type": "object",
                                        "x-kubernetes-embedded-resource": True,
                                        "x-kubernetes-preserve-unknown-fields": True,
                                    },
                                    "enabled": {"type": "boolean"},
                                },
                            },
                            "status": {"type": "object", "properties": {"phase": {"type": "string"}}},
                        },
                    }
                },
            }
        ],
    },
}


def test_the_same_seed_makes_the_same_objects() -> None:
    def build(seed: int) -> list[dict[str, Any]]:
        f = Factories(seed)
        return [
            f.namespace(),
            f.deployment(),
            f.pod(),
            f.service(),
            f.config_map(),
            f.secret(),
            f.custom_resource(GADGET_CRD),
        ]

    assert build(7) == build(7)
    assert build(7) != build(8)


def test_the_fixture_is_seeded_with_the_test_seed(fakeapi_factories: Factories, fakeapi_seed: int) -> None:
    assert fakeapi_factories.deployment() == Factories(fakeapi_seed).deployment()


def test_built_in_objects_are_valid(fakeapi, fakeapi_factories: Factories) -> None:  # type: ignore[no-untyped-def]
    f = fakeapi_factories
    namespace = f.namespace()
    name = namespace["metadata"]["name"]
    deployment = f.deployment(namespace=name, replicas=3, image="nginx:1.27")
    objects = [namespace, deployment, f.pod(namespace=name), f.service(namespace=name), f.config_map(namespace=name)]
    created = fakeapi.seed(*objects, f.secret(namespace=name))
    assert [o["kind"] for o in created] == ["Namespace", "Deployment", "Pod", "Service", "ConfigMap", "Secret"]
    spec = created[1]["spec"]
    assert spec["replicas"] == 3
    assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
    assert spec["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert set(base64.b64decode(v) for v in created[5]["data"].values())


def test_overrides_are_a_merge_patch() -> None:
    deployment = Factories(1).deployment(
        "web", spec={"replicas": 9, "strategy": {"type": "Recreate"}}, metadata={"labels": None}
    )
    assert deployment["metadata"] == {"name": "web", "namespace": "default"}
    assert deployment["spec"]["replicas"] == 9 and deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert deployment["spec"]["template"]["spec"]["containers"]


def test_custom_resources_follow_the_schema(fakeapi) -> None:  # type: ignore[no-untyped-def]
    fakeapi.seed(GADGET_CRD)
    for seed in range(20):
        gadget = Factories(seed).custom_resource(GADGET_CRD)
        spec = gadget["spec"]
        assert 3 <= spec["size"] <= 7 and spec["weight"] == 1 and spec["step"] in (15, 30)
        assert spec["ratio"] in (0.5, 0.75) and spec["color"] in ("red", "green")
        assert re.fullmatch(r"[a-z]{3}-[0-9]{2,4}", spec["id"]) and 10 <= len(spec["code"]) <= 12
        assert len(set(spec["tags"])) == len(spec["tags"]) >= 2
        assert len({e["name"] for e in spec["env"]}) == len(spec["env"])
        assert "status" not in gadget
        created = fakeapi.seed(gadget)[0]
        # Nothing was pruned or defaulted away: the server kept what the schema allows.
        assert created["spec"] == spec


def test_status_and_version_on_request() -> None:
    gadget = Factories(3).custom_resource(GADGET_CRD, "g", with_status=True, version="v1")
    assert gadget["metadata"] == {"name": "g", "namespace": "default"} and "phase" in gadget["status"]
    with pytest.raises(SchemaGenerationError, match="has no version 'v9'"):
        Factories(3).custom_resource(GADGET_CRD, version="v9")


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"type": "integer", "minimum": 5, "maximum": 6, "multipleOf": 4}, "no multiple of 4"),
        ({"type": "array", "items": {"type": "boolean"}, "uniqueItems": True, "minItems": 3}, "3 distinct items"),
        ({"type": "string", "pattern": "^a$", "minLength": 2}, "matching"),
        ({"type": "string", "pattern": "^(?=a)b$"}, "invalid pattern"),  # Go's regexp has no lookahead
    ],
)
def test_impossible_schemas_say_which_field(schema: dict[str, Any], message: str) -> None:
    crd = {**GADGET_CRD, "spec": {**GADGET_CRD["spec"], "versions": [{**GADGET_CRD["spec"]["versions"][0]}]}}
    crd["spec"]["versions"][0]["schema"] = {
        "openAPIV3Schema": {"type": "object", "properties": {"spec": {"type": "object", "properties": {"bad": schema}}}}
    }
    with pytest.raises(SchemaGenerationError, match=message):
        Factories(0).custom_resource(crd)


def _ruled_crd(spec_schema: dict[str, Any]) -> dict[str, Any]:
    crd: dict[str, Any] = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "ruled.factories.example.com"},
        "spec": {
            "group": "factories.example.com",
            "scope": "Namespaced",
            "names": {"plural": "ruled", "singular": "ruled", "kind": "Ruled"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": spec_schema}}},
                }
            ],
        },
    }
    return crd


def test_custom_resources_meet_the_simple_rules_of_their_crd(fakeapi) -> None:  # type: ignore[no-untyped-def]
    """Rules random values often meet are met by trying again; the server (which evaluates them) accepts the objects."""
    crd = _ruled_crd(
        {
            "type": "object",
            "required": ["min", "max"],
            "properties": {
                "min": {"type": "integer", "minimum": 0, "maximum": 10},
                "max": {"type": "integer", "minimum": 0, "maximum": 10},
                "tags": {
                    "type": "array",
                    "maxItems": 5,
                    "items": {"type": "string", "maxLength": 8},
                    "x-kubernetes-validations": [{"rule": "self.size() <= 3"}],
                },
            },
            "x-kubernetes-validations": [{"rule": "self.min <= self.max", "message": "min above max"}],
        }
    )
    fakeapi.seed(crd)
    factories = Factories(7)
    objects = [factories.custom_resource(crd) for _ in range(10)]
    assert all(o["spec"]["min"] <= o["spec"]["max"] and len(o["spec"].get("tags", [])) <= 3 for o in objects)
    assert len(fakeapi.seed(*objects)) == 10


def test_a_rule_random_values_do_not_meet_is_named() -> None:
    crd = _ruled_crd(
        {
            "type": "object",
            "properties": {
                "name": {"type": "string", "x-kubernetes-validations": [{"rule": "self.startsWith('web-')"}]}
            },
        }
    )
    with pytest.raises(
        SchemaGenerationError, match=re.escape("name: no value meeting the rule \"self.startsWith('web-')\"")
    ):
        Factories(1).custom_resource(crd)
    made = Factories(1).custom_resource(crd, spec={"name": "web-1"})
    assert made["spec"]["name"] == "web-1"
