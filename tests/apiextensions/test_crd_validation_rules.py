"""CRD validation rules (x-kubernetes-validations) through kubectl: what kube-apiserver refuses, with its texts.

Expected texts are built from apiextensions-apiserver pkg/apiserver/schema/cel/validation.go
(``failed rule: %s``, ``%v evaluating rule: %v``, fieldErrorForReason, ruleMessageOrDefault),
pkg/apis/apiextensions/validation/validation.go (``compilation failed: ``, getCostErrorMessage),
cel-go's checker (``undefined field '%s'``) and common/types/string.go (``type conversion error
from 'string' to '%s'``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from fakeapi.pytest_plugin.kube_tools import ToolRunner as Kubectl

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
        "hostname": {"type": "string", "maxLength": 63},
        "labels": {"type": "object", "maxProperties": 8, "additionalProperties": {"type": "string", "maxLength": 63}},
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
        {
            "rule": "!has(self.hostname) || !format.dns1123Label().validate(self.hostname).hasValue()",
            "messageExpression": "'hostname: ' + format.dns1123Label().validate(self.hostname).value().join('; ')",
        },
        {"rule": "self.?labels.orValue({}).all(k, v, v.lowerAscii() == v)", "message": "label values are lower case"},
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
        "hostname": "web-1",
        "labels": {"tier": "front"},
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
        "hostname": "Web_1",
        "labels": {"tier": "Front"},
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
        '* spec: Invalid value: "object": hostname: a lowercase RFC 1123 label must consist of lower case '
        "alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  "
        "or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')\n"
        '* spec: Invalid value: "object": label values are lower case\n'
    )


@pytest.mark.kubectl
def test_a_crd_whose_rule_does_not_compile_or_names_an_unknown_field_is_refused(kubectl: Kubectl) -> None:
    schema = {
        "type": "object",
        "properties": {"replicas": {"type": "integer"}},
        "x-kubernetes-validations": [{"rule": "self.replicas > 0 && self.replica < 10"}, {"rule": "self.replicas +"}],
    }
    stderr = _refused(kubectl, _crd(schema), "apply")
    prefix = "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations"
    assert (
        # The internal ValidationRule as JSON: Go's field names, unset pointers null.
        f'{prefix}[0].rule: Invalid value: {{"Rule":"self.replicas \\u003e 0 \\u0026\\u0026 self.replica \\u003c 10",'
        '"Message":"","MessageExpression":"","Reason":null,"FieldPath":"","OptionalOldSelf":null}: '
        "compilation failed: ERROR: <input>:1:26: undefined field 'replica'\n"
        " | self.replicas > 0 && self.replica < 10\n"
        " | .........................^"
    ) in stderr
    assert f'{prefix}[1].rule: Invalid value: {{"Rule":"self.replicas +",' in stderr
    assert "compilation failed: ERROR: <input>:1:16: Syntax error: mismatched input '<EOF>'" in stderr


@pytest.mark.kubectl
def test_a_crd_whose_rule_costs_more_than_the_budget_is_refused(kubectl: Kubectl) -> None:
    """Two nested walks over an unbounded list of unbounded strings: validation.go's getCostErrorMessage."""
    schema = {
        "type": "object",
        "properties": {"names": {"type": "array", "items": {"type": "string"}}},
        "x-kubernetes-validations": [{"rule": "self.names.all(a, self.names.all(b, a == b || !a.startsWith(b)))"}],
    }
    stderr = _refused(kubectl, _crd(schema), "apply")
    assert (
        "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Forbidden: "
        "estimated rule cost exceeds budget by factor of more than 100x (try simplifying the rule, or adding "
        "maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)"
    ) in stderr
    assert (
        "spec.validation.openAPIV3Schema: Forbidden: x-kubernetes-validations estimated rule cost total for entire "
        "OpenAPIv3 schema exceeds budget by factor of more than 100x"
    ) in stderr

    bounded = json.loads(json.dumps(schema))
    bounded["properties"]["names"].update(maxItems=10)
    bounded["properties"]["names"]["items"]["maxLength"] = 20
    _install(kubectl, _crd(bounded))


@pytest.mark.kubectl
def test_transition_rules_compare_with_the_old_object_on_update_only(kubectl: Kubectl) -> None:
    schema = {
        "type": "object",
        "properties": {
            "mode": {
                "type": "string",
                "x-kubernetes-validations": [{"rule": "self == oldSelf", "message": "mode is immutable"}],
            },
            "size": {"type": "integer"},
        },
        "x-kubernetes-validations": [
            {"rule": "!has(oldSelf.size) || self.size >= oldSelf.size", "message": "size may only grow"},
            {
                "rule": "oldSelf.hasValue() || self.size <= 10",
                "optionalOldSelf": True,
                "message": "a new widget starts with at most 10",
            },
        ],
    }
    _install(kubectl, _crd(schema))
    assert _refused(kubectl, _widget({"mode": "a", "size": 11})) == (
        'The Widget "w1" is invalid: spec: Invalid value: "object": a new widget starts with at most 10\n'
    )
    kubectl("create", "-f", "-", input=_widget({"mode": "a", "size": 5}))
    kubectl("replace", "-f", "-", input=_widget({"mode": "a", "size": 20}))
    stderr = _refused(kubectl, _widget({"mode": "b", "size": 3}), "replace")
    assert stderr == (
        'The Widget "w1" is invalid: \n'
        '* spec: Invalid value: "object": size may only grow\n'
        '* spec.mode: Invalid value: "string": mode is immutable\n'
    )


@pytest.mark.kubectl
def test_an_immutable_set_may_be_reordered_but_not_changed(kubectl: Kubectl) -> None:
    # valuesunstructured.go: a set list equals any reordering of itself, a map list by its keys.
    string = {"type": "string"}
    schema = {
        "type": "object",
        "properties": {
            "tags": {"type": "array", "items": string, "x-kubernetes-list-type": "set"},
            "ports": {
                "type": "array",
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["name"],
                "items": {"type": "object", "required": ["name"], "properties": {"name": string, "port": string}},
            },
        },
        "x-kubernetes-validations": [{"rule": "self == oldSelf", "message": "spec is immutable"}],
    }
    _install(kubectl, _crd(schema))
    ports = [{"name": "http", "port": "80"}, {"name": "https", "port": "443"}]
    kubectl("create", "-f", "-", input=_widget({"tags": ["a", "b"], "ports": ports}))
    kubectl("replace", "-f", "-", input=_widget({"tags": ["b", "a"], "ports": ports[::-1]}))
    assert _refused(kubectl, _widget({"tags": ["b", "c"], "ports": ports}), "replace") == (
        'The Widget "w1" is invalid: spec: Invalid value: "object": spec is immutable\n'
    )


@pytest.mark.kubectl
def test_an_unchanged_invalid_field_is_ratcheted_on_update(kubectl: Kubectl, fakeapi: Any) -> None:
    """Ratcheting (CRDValidationRatcheting, on since 1.30): the old value's failure is let through, with a warning."""
    loose = {"type": "object", "properties": {"name": {"type": "string"}, "note": {"type": "string"}}}
    _install(kubectl, _crd(loose))
    kubectl("create", "-f", "-", input=_widget({"name": "UPPER", "note": "a"}))

    strict = json.loads(json.dumps(loose))
    strict["properties"]["name"]["x-kubernetes-validations"] = [
        {"rule": "self == self.lowerAscii()", "message": "name must be lower case"}
    ]
    _install(kubectl, _crd(strict))
    changed_elsewhere = kubectl("apply", "-f", "-", input=_widget({"name": "UPPER", "note": "b"}))
    assert 'Warning: spec.name: Invalid value: "string": name must be lower case' in changed_elsewhere.stderr
    stderr = _refused(kubectl, _widget({"name": "STILL-UPPER", "note": "b"}), "apply")
    assert 'spec.name: Invalid value: "string": name must be lower case' in stderr


@pytest.mark.kubectl
def test_rules_run_on_status_updates_and_root_errors_have_a_nil_path(kubectl: Kubectl, fakeapi: Any) -> None:
    root_rules = [
        {
            "rule": "!has(self.status) || !has(self.status.ready) || self.status.ready <= self.spec.replicas",
            "message": "ready exceeds replicas",
        },
        {"rule": "self.metadata.name.startsWith('w')", "message": "names start with w"},
    ]
    schema = {"type": "object", "properties": {"replicas": {"type": "integer"}}}
    _install(kubectl, _crd(schema, status=True, root_rules=root_rules))
    assert _refused(kubectl, _widget({"replicas": 1}, name="x1")) == (
        'The Widget "x1" is invalid: <nil>: Invalid value: "object": names start with w\n'
    )
    kubectl("create", "-f", "-", input=_widget({"replicas": 1}))
    patch = json.dumps({"status": {"ready": 3}})
    result = kubectl("patch", "widget", "w1", "--subresource=status", "--type=merge", "-p", patch, check=False)
    assert result.returncode != 0
    assert result.stderr == 'The Widget "w1" is invalid: <nil>: Invalid value: "object": ready exceeds replicas\n'
    kubectl("patch", "widget", "w1", "--subresource=status", "--type=merge", "-p", json.dumps({"status": {"ready": 1}}))


@pytest.mark.kubectl
def test_an_evaluation_error_names_the_rule(kubectl: Kubectl) -> None:
    schema = {
        "type": "object",
        "properties": {"limit": {"type": "integer"}, "count": {"type": "integer"}},
        "x-kubernetes-validations": [{"rule": "self.count <= self.limit"}],
    }
    _install(kubectl, _crd(schema))
    assert _refused(kubectl, _widget({"count": 1})) == (
        'The Widget "w1" is invalid: spec: Invalid value: "object": no such key: limit evaluating rule: '
        "self.count <= self.limit\n"
    )


@pytest.mark.parametrize(
    ("rule", "value", "type_name"),
    [
        ("int(self.s) > 0", "abc", "int"),
        ("uint(self.s) > 0u", "abc", "uint"),
        ("double(self.s) > 0.0", "abc", "double"),
        ("bool(self.s)", "abc", "bool"),
        ("duration(self.s) > duration('1s')", "abc", "google.protobuf.Duration"),
        ("timestamp(self.s) > timestamp('2000-01-01T00:00:00Z')", "abc", "google.protobuf.Timestamp"),
        # Past the range of an int64 of nanoseconds, where Go's time.ParseDuration refuses it too.
        ("duration(self.s) > duration('1s')", "100000000000h", "google.protobuf.Duration"),
    ],
)
def test_a_string_that_does_not_convert_is_a_type_conversion_error(
    fakeapi: Any, rule: str, value: str, type_name: str
) -> None:
    """cel-go common/types/string.go String.ConvertToType: one text for each type a string fails to
    convert to, named as common/types/types.go names it; validation.go adds the rule."""
    schema = {"type": "object", "properties": {"s": {"type": "string"}}, "x-kubernetes-validations": [{"rule": rule}]}
    server = fakeapi.server
    crd = server.request(
        "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", yaml.safe_load(_crd(schema))
    )
    assert crd.status == 201, crd.body.decode()
    response = server.request("POST", f"/apis/{GROUP}/v1/namespaces/default/widgets", json.loads(_widget({"s": value})))
    assert response.status == 422, response.body.decode()
    assert response.json()["message"] == (
        f'Widget.{GROUP} "w1" is invalid: spec: Invalid value: "object": '
        f"type conversion error from 'string' to '{type_name}' evaluating rule: {rule}"
    )


def _pairwise_schema(max_items: int, max_length: int, rules: int = 1) -> dict[str, Any]:
    """Rules that compare every pair of a list's long strings: each pair of strings of ``max_length``
    characters costs about 0.2 times it at run time, and is estimated at 0.8 times it (the
    estimate takes 4 bytes a character)."""
    rule = "self.values.all(a, self.values.all(b, a == b || !a.startsWith(b)))"
    values = {"type": "array", "maxItems": max_items, "items": {"type": "string", "maxLength": max_length}}
    return {
        "type": "object",
        "properties": {"values": values},
        "x-kubernetes-validations": [{"rule": rule, "message": f"pairs {i}"} for i in range(rules)],
    }


def _long_strings(count: int, length: int) -> list[str]:
    return [f"{i:04d}".ljust(length, "x") for i in range(count)]


@pytest.mark.kubectl
def test_a_rule_that_passes_the_per_call_cost_limit_is_cancelled(kubectl: Kubectl) -> None:
    """validation.go: a call past celconfig.PerCallLimit (1e6) is cancelled, and no further rule runs.

    At most 90 values of 1200 characters the rule's estimate (7.8e6) is within the per-expression
    budget (1e7), so the CRD is accepted; 90 values cost 2e6 at run time, 10 values 2.5e4."""
    _install(kubectl, _crd(_pairwise_schema(90, 1200)))
    kubectl("create", "-f", "-", input=_widget({"values": _long_strings(10, 1200)}, name="small"))

    stderr = _refused(kubectl, _widget({"values": _long_strings(90, 1200)}, name="large"))
    assert (
        "spec: Invalid value: \"object\": 'operation cancelled: actual cost limit exceeded': no further validation "
        "rules will be run due to call cost exceeds limit for rule: pairs 0"
    ) in stderr


@pytest.mark.kubectl
def test_the_rules_of_one_object_share_a_cost_budget(kubectl: Kubectl) -> None:
    """validation.go: celconfig.RuntimeCELCostBudget (1e7) for all the rules one object runs.

    Five rules on each of up to 10 groups of 45 values of 550 characters: each rule's estimate
    (9.1e6 with the groups' cardinality) is within the per-expression budget and all five within
    the CRD's (1e8), but ten full groups cost 1.2e7 at run time, one group 1.2e6."""
    schema = {
        "type": "object",
        "properties": {"groups": {"type": "array", "maxItems": 10, "items": _pairwise_schema(45, 550, rules=5)}},
    }
    _install(kubectl, _crd(schema))
    full_group = {"values": _long_strings(45, 550)}
    kubectl("create", "-f", "-", input=_widget({"groups": [full_group]}, name="one"))

    stderr = _refused(kubectl, _widget({"groups": [full_group] * 10}, name="ten"))
    [error] = [line for line in stderr.splitlines() if "cost budget" in line]
    assert error.startswith('The Widget "ten" is invalid: spec.groups[')
    assert error.endswith(
        ']: Invalid value: "object": validation failed due to running out of cost budget, '
        "no further validation rules will be run"
    )


@pytest.mark.parametrize(
    ("spec", "schema_error"),
    [
        ({"size": "huge", "count": 7}, 'spec.size: Unsupported value: "huge": supported values: "small", "large"'),
        ("flat", 'spec: Invalid value: "string": spec in body must be of type object: "string"'),
    ],
)
def test_rules_are_not_run_over_an_object_the_schema_refused(
    fakeapi: Any, kubectl: Kubectl, spec: Any, schema_error: str
) -> None:
    # hasBlockingErr (registry/customresource/strategy.go): after an unsupported value, a missing field
    # or a wrong type the rules are skipped, and one error says so.
    schema = {
        "type": "object",
        "properties": {"size": {"type": "string", "enum": ["small", "large"]}, "count": {"type": "integer"}},
        "x-kubernetes-validations": [{"rule": "self.count != 7", "message": "seven is unlucky"}],
    }
    _install(kubectl, _crd(schema))
    stderr = _refused(kubectl, _widget(spec))
    assert schema_error in stderr
    assert "seven is unlucky" not in stderr
    assert (
        "<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; "
        "correct the existing errors to complete validation"
    ) in stderr
    # With the schema satisfied, the rule runs.
    assert 'spec: Invalid value: "object": seven is unlucky' in _refused(
        kubectl, _widget({"size": "small", "count": 7})
    )
