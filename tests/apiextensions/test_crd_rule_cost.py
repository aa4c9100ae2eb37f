"""The estimated cost of CRD rules: cel-go's per-function costs (checker/cost.go), apiserver's
library costs (pkg/cel/library/cost.go), the sizes the schema gives (pkg/cel/common/schemas.go)
and how often a rule runs (apiextensions-apiserver's cel_validation.go and compilation.go).

The figures are worked out by hand from upstream's formulas: 1 per variable and selection, a
tenth of the size a function scans, rounded up, nothing for ``&&``, ``||`` and ``?:``
themselves, ``in`` a list its size and ``in`` a map 1; a string of maxLength n is 4n bytes, a
boolean, a number or an object of properties has size 0, a map key has size 0, and an object's
smallest value counts its required properties. A rule below a list without maxItems or a map
without maxProperties runs as often as its own smallest value fits in a request, whatever the
bounded lists above it.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from crd_manifests import crd_manifest

from fakeapi.apiextensions.schema.cel import model
from fakeapi.apiextensions.schema.cel.compilation import compile_rules
from fakeapi.apiextensions.schema.structural import new_structural
from fakeapi.apiextensions.strategy import set_defaults
from fakeapi.apiextensions.validation import validate_crd

FIELDS: dict[str, Any] = {
    "kind": {"type": "string", "enum": ["Exact", "Prefix", "RegularExpression"]},
    "short": {"type": "string", "maxLength": 10},
    "other": {"type": "string", "maxLength": 10},
    "flag": {"type": "boolean"},
    "count": {"type": "integer"},
    "on": {"type": "boolean"},
    "when": {"type": "string", "format": "date-time"},
    "names": {"type": "array", "maxItems": 4, "items": {"type": "string", "maxLength": 5}},
    "tags": {"type": "object", "maxProperties": 8, "additionalProperties": {"type": "string", "maxLength": 3}},
    "unbounded": {"type": "array", "items": {"type": "string"}},
}


def _compiled_cost(schema: dict[str, Any]) -> int:
    """The estimated cost of the one rule ``schema`` holds (its node's maxCost)."""
    s = new_structural(schema)
    assert s is not None
    [result] = compile_rules(s, False)
    assert result.error is None, result.error
    return result.max_cost


def cost_of(rule: str) -> int:
    return _compiled_cost({"type": "object", "properties": FIELDS, "x-kubernetes-validations": [{"rule": rule}]})


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        # A string of an enumeration is as long as its longest value (17): comparing it costs 2.
        ("self.kind == self.other", 2 + 2 + 2),
        # Membership in a list costs the list's size, whatever the strings' lengths.
        ("self.kind in ['Exact', 'Prefix']", 2 + 10 + 2),
        # As many strings as fit in a request ("" and a comma each) are searched.
        ("'k' in self.unbounded", 2 + (3 * 1024 * 1024 - 2) // 3),
        # Looking a key up in a map costs 1, whatever the map's size.
        ("'k' in self.tags", 2 + 1),
        # maxLength counts characters of up to 4 bytes: 40 bytes, compared at a tenth each.
        ("self.short == self.other", 2 + 2 + 4),
        # startsWith and endsWith scan as far as their argument.
        ("self.short.startsWith('abc')", 2 + 1),
        # Ordering strings scans the shorter one.
        ("self.short < 'c'", 2 + 1),
        # A number has no size: comparing it costs only its reads.
        ("self.count == 3", 2),
        ("self.short.endsWith(self.other)", 2 + 2 + 4),
        # contains: the receiver's tenth times the argument's.
        ("self.short.contains('abc')", 2 + 4 * 1),
        ("self.short.contains(self.other)", 2 + 2 + 4 * 4),
        # matches: a tenth of the receiver (plus 1) times a quarter of the expression.
        ("self.short.matches('^[a-z]+$')", 2 + 5 * 2),
        ("self.flag && self.on", 4),
        ("self.flag || self.on", 4),
        ("self.flag ? self.short == 'a' : self.on", 2 + 3),
        ("self.short + self.other == 'ab'", 2 + 2 + 8 + 1),
        ("size(self.names) < 3", 2 + 1 + 1),
        # A date-time is 32 bytes at most.
        ("self.when == self.when", 2 + 2 + 4),
        # Each name is compared to the argument and costs 1 more: 4 * (1 + 2).
        ("self.names.indexOf('a') >= 0", 2 + 12 + 1),
        ("self.short.lowerAscii() == 'a'", 2 + 4 + 1),
        # A map's keys have no size estimate (upstream's StringType has no maximum): matching one
        # costs 1 times a quarter of the expression, for each of the 8 keys, plus the loop's 2.
        ("self.tags.all(k, k.matches('^[a-z]+$'))", 2 + 8 * (2 + 1 + 1 + 1 * 2) + 1),
        ("self.names.all(n, n.startsWith('x'))", 2 + 4 * (2 + 1 + 1 + 1) + 1),
    ],
)
def test_rule_costs_follow_cel_go(rule: str, expected: int) -> None:
    assert cost_of(rule) == expected


def crd(schema: dict[str, Any]) -> dict[str, Any]:
    obj = crd_manifest("Route", schema={"type": "object", "properties": {"spec": copy.deepcopy(schema)}})
    obj["status"] = {"storedVersions": ["v1"]}
    set_defaults(obj)
    return obj


def crd_errors(schema: dict[str, Any]) -> list[str]:
    """The errors of a CRD whose ``spec`` has ``schema``."""
    return [str(e) for e in validate_crd(crd(schema))]


def test_membership_in_a_list_of_names_is_cheap_for_many_nested_values() -> None:
    """A dozen rules on each of 16 * 64 values, testing an enumerated field with ``in``: each costs
    a few dozen, far within the budget (the string's own length does not count)."""
    path_rules = [
        {"rule": f"(self.type in ['Exact', 'Prefix']) ? !self.value.{check} : true"}
        for check in ("contains('//')", "contains('/./')", "endsWith('/..')", "contains('#')")
    ] + [
        {"rule": "(self.type in ['Exact', 'Prefix']) ? self.value.startsWith('/') : true"},
        {"rule": "self.type in ['Exact', 'Prefix'] || self.type == 'Regex'"},
        {"rule": "(self.type in ['Exact', 'Prefix']) ? self.value.matches(r'^[-A-Za-z0-9/._~%]+$') : true"},
    ]
    path = {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["Exact", "Prefix", "Regex"]},
            "value": {"type": "string", "maxLength": 1024},
        },
        "x-kubernetes-validations": path_rules,
    }
    matches = {"type": "array", "maxItems": 64, "items": {"type": "object", "properties": {"path": path}}}
    rules = {"type": "array", "maxItems": 16, "items": {"type": "object", "properties": {"matches": matches}}}
    assert crd_errors({"type": "object", "properties": {"rules": rules}}) == []


def test_a_cheap_rule_below_large_bounded_lists_is_accepted() -> None:
    """2000 * 100 runs of ``!(self in [...])``: 17 each, 3.4e6 in all."""
    condition_type = {
        "type": "string",
        "maxLength": 316,
        "x-kubernetes-validations": [{"rule": "!(self in ['Ready','Available','Deleting','Paused','Unknown'])"}],
    }
    conditions = {
        "type": "array",
        "maxItems": 100,
        "items": {"type": "object", "properties": {"type": condition_type}},
    }
    workers = {"type": "array", "maxItems": 2000, "items": {"type": "object", "properties": {"conditions": conditions}}}
    assert crd_errors({"type": "object", "properties": {"workers": workers}}) == []


def test_rules_on_a_map_s_keys_do_not_count_their_length() -> None:
    """Keys of a map have no estimated size upstream (0 bytes): a long regex over each of 16 keys
    costs ceil(1 * 0.1) times a quarter of the regex, and splitting them is cheap, on each of 64
    values."""
    labels = {
        "type": "object",
        "maxProperties": 16,
        "additionalProperties": {"type": "string", "maxLength": 4096},
        "x-kubernetes-validations": [
            {
                "rule": r"""self.all(key, key.matches(r'^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*"""
                r"""[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$'))"""
            },
            {"rule": "self.all(key, key.split('/')[0].size() < 253)"},
        ],
    }
    s = new_structural(labels)
    assert s is not None
    assert all(r.max_cost < 10_000 for r in compile_rules(s, False))
    holder = {"type": "array", "maxItems": 64, "items": {"type": "object", "properties": {"labels": labels}}}
    assert crd_errors({"type": "object", "properties": {"holders": holder}}) == []


def _unbounded_items(required: bool) -> dict[str, Any]:
    item: dict[str, Any] = {
        "type": "object",
        "properties": {"name": {"type": "string", "maxLength": 100}},
        "x-kubernetes-validations": [{"rule": "self.name.matches('^[a-z]+$')"}],
    }
    if required:
        item["required"] = ["name"]
    return {"type": "object", "properties": {"items": {"type": "array", "items": item}}}


@pytest.mark.parametrize(
    ("required", "factor"),
    [
        # 2 + ceil(401 / 10) * ceil(8 / 4) = 84, times 3 MiB / 3 values of {} at most.
        (False, "8.8x"),
        # A required name makes each value at least {"name":""} (12 bytes): 3 MiB / 13 of them.
        (True, "2.0x"),
    ],
)
def test_below_an_unbounded_list_a_rule_runs_as_often_as_its_smallest_value_fits(required: bool, factor: str) -> None:
    assert crd_errors(_unbounded_items(required))[0] == (
        "spec.validation.openAPIV3Schema.properties[spec].properties[items].items.x-kubernetes-validations[0].rule: "
        f"Forbidden: estimated rule cost exceeds budget by factor of {factor} (try simplifying the rule, or adding "
        "maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)"
    )


# A credential is at least {"name":"","source":""}: neither the defaulted property nor the list of
# untyped values (CEL has no type for it) counts.
CREDENTIAL: dict[str, Any] = {
    "type": "object",
    "required": ["name", "source", "optional", "untyped"],
    "properties": {
        "name": {"type": "string"},
        "source": {"type": "string", "enum": ["None", "Secret"]},
        "secretRef": {"type": "object", "properties": {"name": {"type": "string"}}},
        "optional": {"type": "string", "default": "x"},
        "untyped": {"type": "array", "items": {"x-kubernetes-preserve-unknown-fields": True}},
    },
    "x-kubernetes-validations": [
        {"rule": "self.source == 'Secret' && has(self.secretRef)", "message": "the Secret source needs a ref"}
    ],
}


def test_an_object_s_smallest_value_counts_the_required_properties_cel_sees() -> None:
    s = new_structural(CREDENTIAL)
    assert s is not None
    assert model.min_serialized_size(s) == 24
    assert model.max_cardinality(s) == 3 * 1024 * 1024 // 25


def test_the_runs_below_an_unbounded_list_ignore_the_bounded_lists_above_it() -> None:
    """A bounded list of steps, each with an unbounded list of credentials with a cheap rule: the
    rule runs at most 3 MiB / 25 times, not 99 times that."""
    credentials = {
        "type": "array",
        "items": CREDENTIAL,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
    }
    step = {"type": "object", "properties": {"credentials": credentials}}
    steps = {"type": "array", "maxItems": 99, "items": step}
    assert crd_errors({"type": "object", "properties": {"steps": steps}}) == []


def test_a_rule_too_dear_for_its_runs_is_refused_with_the_factor() -> None:
    """Strings of maxLength 63 are 252 bytes: ``contains`` of a 26-letter string costs
    ceil(25.2) * ceil(2.6) = 78, plus a read; 79 * (3 MiB / 3) runs is 8.3 times the budget, and
    within it below a list of 100."""
    name = {
        "type": "string",
        "maxLength": 63,
        "x-kubernetes-validations": [{"rule": "self.contains('abcdefghijklmnopqrstuvwxyz')"}],
    }
    assert crd_errors({"type": "object", "properties": {"names": {"type": "array", "items": name}}}) == [
        "spec.validation.openAPIV3Schema.properties[spec].properties[names].items.x-kubernetes-validations[0].rule: "
        "Forbidden: estimated rule cost exceeds budget by factor of 8.3x (try simplifying the rule, or adding "
        "maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)"
    ]
    bounded = {"type": "object", "properties": {"names": {"type": "array", "maxItems": 100, "items": name}}}
    assert crd_errors(bounded) == []


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        # apiserver/pkg/cel/library/cost.go has no case for isURL (url, cidr, isIP, isCIDR,
        # quantity, isQuantity, semver and isSemver scan their argument): cel-go's default 1
        # (checker/cost.go functionCost), plus the read of self, whatever the string's length.
        ("isURL(self)", 1 + 1),
        # startsWith scans its argument: ceil(8 * 0.1).
        ("isURL(self) && self.startsWith('https://')", 2 + 1 + 1),
    ],
)
def test_is_url_costs_one_whatever_the_length_of_its_argument(rule: str, expected: int) -> None:
    """Traefik's CRDs: ``isURL(self)`` on the strings, of no maxLength, of a list of 100."""
    item = {"type": "string", "x-kubernetes-validations": [{"rule": rule}]}
    assert _compiled_cost(item) == expected
    assert (
        crd_errors({"type": "object", "properties": {"urls": {"type": "array", "maxItems": 100, "items": item}}}) == []
    )


ADDRESSES: dict[str, Any] = {"type": "array", "maxItems": 256, "items": {"type": "string", "maxLength": 64}}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        # cel-go checker/cost.go: a conditional's size is the union of its branches' (256 and 0),
        # its cost the condition's (has() is free, the read 1) and the dearer branch's ([] is
        # ListCreateBaseCost, 10). The range has no field path, so pushIterSingle gives k the path
        # ["@items"], which compilation.go's sizeEstimator walks from Path()[1:]: k is sized as
        # self, an object of properties, 0. k.contains("/") then costs its read alone; each of
        # the 256 steps costs 2 (the accumulator, k) and the loop condition 3; the result 1 and
        # the negation 1: 1 + (1 + 10) + 256 * (2 + 3) + 1 = 1293.
        ('!(has(self.addresses) ? self.addresses : []).exists(k, k.contains("/"))', 1293),
        ('(true ? self.addresses : self.addresses).exists(k, k.contains("/"))', 2 + 256 * (2 + 3) + 1),
        # With a field path k is an address, 256 bytes: contains costs ceil(25.6) * ceil(0.1) more.
        ('self.addresses.exists(k, k.contains("/"))', 2 + 256 * (2 + 26 + 3) + 1),
    ],
)
def test_a_conditional_range_sizes_its_elements_as_self(rule: str, expected: int) -> None:
    """Istio's ServiceEntry CRD, which kube-apiserver accepts."""
    spec = {"type": "object", "properties": {"addresses": ADDRESSES}, "x-kubernetes-validations": [{"rule": rule}]}
    assert _compiled_cost(spec) == expected
    assert crd_errors(spec) == []


def test_elements_of_a_range_with_no_field_path_are_sized_as_the_rule_s_node() -> None:
    """A rule on a list of 10 strings of maxLength 5 (20 bytes): its elements are 20 bytes long,
    those of a conditional over it as long as the list has items (cel-go checker/cost.go
    pushIterSingle, apiextensions-apiserver compilation.go sizeEstimator)."""
    names: dict[str, Any] = {"type": "array", "maxItems": 10, "items": {"type": "string", "maxLength": 5}}

    def with_rule(rule: str) -> dict[str, Any]:
        return {**names, "x-kubernetes-validations": [{"rule": rule}]}

    # Each step: the accumulator 1, k 1 and contains ceil(20 * 0.1) * ceil(0.1); the condition 3.
    assert _compiled_cost(with_rule("self.exists(k, k.contains('x'))")) == 1 + 10 * (2 + 2 + 3) + 1
    # contains scans ceil(10 * 0.1) of each k.
    assert _compiled_cost(with_rule("(true ? self : self).exists(k, k.contains('x'))")) == 1 + 10 * (2 + 1 + 3) + 1
