"""CRD validation rules (x-kubernetes-validations) through kubectl: what kube-apiserver refuses, with its texts.

Expected texts are built from apiextensions-apiserver pkg/apiserver/schema/cel/validation.go
(``failed rule: %s``, ``%v evaluating rule: %v``, fieldErrorForReason, ruleMessageOrDefault),
pkg/apis/apiextensions/validation/validation.go (``compilation failed: ``, getCostErrorMessage)
and cel-go's checker (``undefined field '%s'``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from tests.kube_tools import ToolRunner as Kubectl

GROUP = "rules.example.com"


def _crd(spec_schema: dict[str, Any], *, status: bool = False, root_rules: list[dict[str, Any]] | None = None) -> str:
    root: dict[str, Any] = {"type": "object", "properties": {"spec": spec_schema}}
    if status:
        root["properties"]["status"] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    if root_rules:
        root["x-kubernetes-validations"] = root_rules
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{GROUP}"},
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": root},
                    **({"subresources": {"status": {}}} if status else {}),
                }
            ],
        },
    }
    return yaml.safe_dump(crd)


def _widget(spec: dict[str, Any], name: str = "w1") -> str:
    return json.dumps(
        {
            "apiVersion": f"{GROUP}/v1",
            "kind": "Widget",
            "metadata": {"name": name, "namespace": "default"},
            "spec": spec,
        }
    )


def _install(kubectl: Kubectl, crd: str) -> None:
    kubectl("apply", "-f", "-", input=crd)
    kubectl("wait", "--for=condition=Established", f"crd/widgets.{GROUP}", "--timeout=10s")


def _refused(kubectl: Kubectl, manifest: str, *verb: str) -> str:
    result = kubectl(*(verb or ("create",)), "-f", "-", input=manifest, check=False)
    assert result.returncode != 0, result.stdout
    return result.stderr


LIBRARIES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "replicas": {"type": "integer"},
        "maxReplicas": {"type": "integer"},
        "memory": {"type": "string", "maxLength": 32},
        "image-tag": {"type": "string", "maxLength": 64},
        "endpoint": {"type": "string", "maxLength": 256},
        "address": {"type": "string", "maxLength": 64},
        "network": {"type": "string", "maxLength": 64},
        "ports": {"type": "array", "maxItems": 16, "items": {"type": "integer"}},
        "name": {"type": "string", "maxLength": 63},
    },
    "x-kubernetes-validations": [
        {"rule": "self.replicas <= self.maxReplicas", "message": "replicas must not exceed maxReplicas"},
        {
            "rule": "!has(self.memory) || quantity(self.memory).compareTo(quantity('1Gi')) <= 0",
            "messageExpression": "'memory ' + self.memory + ' is over 1Gi'",
            "fieldPath": ".memory",
        },
        {
            "rule": "!has(self.image__dash__tag) || semver(self.image__dash__tag, true).major() >= 2",
            "reason": "FieldValueForbidden",
        },
        {
            "rule": "!has(self.endpoint) || url(self.endpoint).getScheme() == 'https'",
            "message": "endpoint must use https",
        },
        {
            "rule": "!has(self.address) || !has(self.network) || cidr(self.network).containsIP(ip(self.address))",
            "fieldPath": ".address",
        },
        {
            "rule": "!has(self.ports) || self.ports.isSorted()",
            "message": "ports must be sorted",
            "reason": "FieldValueInvalid",
        },
        {"rule": "!has(self.name) || self.name.findAll('[0-9]').size() <= 2", "message": "at most two digits"},
        {
            "rule": "!has(self.ports) || sets.intersects(self.ports, [80, 443])",
            "message": "must serve 80 or 443",
            "reason": "FieldValueRequired",
            "fieldPath": ".ports",
        },
    ],
}


@pytest.mark.kubectl
def test_rules_of_every_library_accept_a_valid_object_and_refuse_an_invalid_one_with_upstreams_errors(
    kubectl: Kubectl,
) -> None:
    _install(kubectl, _crd(LIBRARIES_SCHEMA))
    valid = {
        "replicas": 2,
        "maxReplicas": 3,
        "memory": "512Mi",
        "image-tag": "v2.1",
        "endpoint": "https://example.com/x",
        "address": "10.0.0.7",
        "network": "10.0.0.0/24",
        "ports": [80, 8080],
        "name": "web1",
    }
    assert kubectl("create", "-f", "-", input=_widget(valid)).stdout == "widget.rules.example.com/w1 created\n"

    invalid = {
        "replicas": 5,
        "maxReplicas": 3,
        "memory": "2Gi",
        "image-tag": "1.9.0",
        "endpoint": "http://example.com",
        "address": "10.1.0.7",
        "network": "10.0.0.0/24",
        "ports": [8080, 22],
        "name": "w123",
    }
    stderr = _refused(kubectl, _widget(invalid, "w2"))
    assert stderr == (
        'The Widget "w2" is invalid: \n'
        '* spec: Invalid value: "object": replicas must not exceed maxReplicas\n'
        '* spec.memory: Invalid value: "object": memory 2Gi is over 1Gi\n'
        "* spec: Forbidden: failed rule: !has(self.image__dash__tag) || semver(self.image__dash__tag, true).major() >= 2\n"
        '* spec: Invalid value: "object": endpoint must use https\n'
        '* spec.address: Invalid value: "object": failed rule: !has(self.address) || !has(self.network) || '
        "cidr(self.network).containsIP(ip(self.address))\n"
        '* spec: Invalid value: "object": ports must be sorted\n'
        '* spec: Invalid value: "object": at most two digits\n'
        "* spec.ports: Required value: must serve 80 or 443\n"
    )
