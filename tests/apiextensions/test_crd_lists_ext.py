"""CRD rules calling the lists extension (cel-go ext/lists.go) and the lists library's ``includes``, through the server."""

from __future__ import annotations

from typing import Any

from crd_manifests import crd_manifest

ITEM = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 16}}}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "properties": {"items": {"type": "array", "maxItems": 8, "items": ITEM}},
            "x-kubernetes-validations": [
                {
                    "rule": "self.items.map(i, i.name).distinct().size() == self.items.size()",
                    "message": "item names must be unique",
                },
                {"rule": "!self.items.map(i, i.name).includes('forbidden')", "message": "no forbidden item"},
            ],
        }
    },
}
CRD = crd_manifest("Crate", "lists.example.com", schema=SCHEMA)
CRATES = "/apis/lists.example.com/v1/namespaces/default/crates"


def _crate(name: str, *items: str) -> dict[str, Any]:
    return {
        "apiVersion": "lists.example.com/v1",
        "kind": "Crate",
        "metadata": {"name": name},
        "spec": {"items": [{"name": i} for i in items]},
    }


def test_a_rule_calling_distinct_and_includes_accepts_and_refuses(fakeapi) -> None:  # type: ignore[no-untyped-def]
    fakeapi.seed(CRD)
    assert fakeapi.server.request("POST", CRATES, _crate("a", "x", "y")).status == 201
    refused = fakeapi.server.request("POST", CRATES, _crate("b", "x", "x", "forbidden"))
    assert refused.status == 422
    assert refused.json()["message"] == (
        'Crate.lists.example.com "b" is invalid: [spec: Invalid value: "object": item names must be unique, '
        'spec: Invalid value: "object": no forbidden item]'
    )


def test_a_rule_whose_sort_does_not_type_check_is_refused(fakeapi) -> None:  # type: ignore[no-untyped-def]
    crd = {**CRD, "spec": {**CRD["spec"], "versions": [dict(CRD["spec"]["versions"][0])]}}
    schema = {**SCHEMA, "properties": {"spec": {**SCHEMA["properties"]["spec"]}}}
    schema["properties"]["spec"]["x-kubernetes-validations"] = [{"rule": "[[1]].sort().size() > 0"}]
    crd["spec"]["versions"][0]["schema"] = {"openAPIV3Schema": schema}
    response = fakeapi.server.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
    assert response.status == 422
    assert "found no matching overload for 'sort'" in response.json()["message"]
