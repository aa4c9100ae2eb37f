"""Set and map lists compare ignoring order in CRD rules, as upstream's values do.

Expectations: apiserver/pkg/cel/common/valuesunstructured.go (unstructuredSetList and
unstructuredMapList ``Equal``: the left operand's schema decides, down to nested values;
setElementKey's ``listSet operations are only supported on lists of scalar values``), and the
``listSets`` and ``listMaps`` cases of apiextensions-apiserver schema/cel/validation_test.go.
"""

from __future__ import annotations

from typing import Any

import pytest
from crd_rules import rule_errors, ruled

STRING = {"type": "string"}
STRING_SET = {"type": "array", "items": STRING, "x-kubernetes-list-type": "set"}
KEYED = {"type": "object", "properties": {"k": STRING, "v": STRING}}
MAP_LIST = {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["k"], "items": KEYED}


@pytest.mark.parametrize(
    "rule",
    [
        "self.val1 == ['c', 'b', 'a']",
        "self.val1 == self.val2",
        "!(self.val1 != self.val2)",
        "'a' in self.val1",
        "self.val2[0] in self.val1",
        # Indexing keeps the order given.
        "self.val2[0] == 'a' && self.val2[1] == 'c'",
        "(self.val1) == self.val2 ? true : false",
        "self.val1 != ['a', 'b']",
        "self.val1 != ['a', 'b', 'x']",
        # Only the left operand's schema counts: a literal on the left compares in order.
        "['a', 'c', 'b'] == self.val2 && ['c', 'b', 'a'] != self.val2",
    ],
)
def test_set_lists_compare_as_sets(rule: str) -> None:
    schema = ruled({"val1": STRING_SET, "val2": STRING_SET}, rule)
    assert rule_errors(schema, {"val1": ["a", "b", "c"], "val2": ["a", "c", "b"]}) == []


OBJS = [
    [{"k": "a", "v": "1"}, {"k": "b", "v": "2"}],
    [{"k": "b", "v": "2"}, {"k": "a", "v": "1"}],
    [{"k": "b", "v": "3"}, {"k": "a", "v": "1"}],
    [{"k": "c", "v": "4"}],
]


@pytest.mark.parametrize(
    "rule",
    [
        "self.objs[0] == self.objs[1]",
        "self.objs[0] == [self.objs[0][0], self.objs[0][1]]",
        "self.objs[0] == [self.objs[0][1], self.objs[0][0]]",
        "self.objs[0] != self.objs[2]",
        "self.objs[0] != self.objs[3]",
        "self.objs[1][0].k == 'b'",
    ],
)
def test_map_lists_compare_by_key(rule: str) -> None:
    schema = ruled({"objs": {"type": "array", "items": MAP_LIST}}, rule)
    assert rule_errors(schema, {"objs": OBJS}) == []


NESTED = {"type": "object", "properties": {"tags": STRING_SET, "n": {"type": "integer"}}}
NESTED_SCHEMA = ruled(
    {
        "spec": NESTED,
        "list": {"type": "array", "items": NESTED},
        "byName": {"type": "object", "additionalProperties": STRING_SET},
        "disks": MAP_LIST,
    },
    "self == oldSelf",
    "self.list == oldSelf.list",
    "self.byName == oldSelf.byName",
    "self.list.all(i, x, x == oldSelf.list[i])",
    {"rule": "self.spec.n == 0", "messageExpression": "self.spec == oldSelf.spec ? 'same spec' : 'spec changed'"},
)
OLD = {
    "spec": {"tags": ["a", "b"], "n": 1},
    "list": [{"tags": ["y", "x"]}],
    "byName": {"k": ["2", "1"]},
    "disks": [{"k": "a", "v": "1"}, {"k": "b", "v": "2"}],
}


def test_objects_holding_set_and_map_lists_compare_them_ignoring_order() -> None:
    reordered = {
        "spec": {"tags": ["b", "a"], "n": 1},
        "list": [{"tags": ["x", "y"]}],
        "byName": {"k": ["1", "2"]},
        "disks": [{"k": "b", "v": "2"}, {"k": "a", "v": "1"}],
    }
    assert rule_errors(NESTED_SCHEMA, reordered, OLD) == ['<nil>: Invalid value: "object": same spec']


def test_a_changed_element_is_still_a_change() -> None:
    changed = {**OLD, "spec": {"tags": ["a", "c"], "n": 1}, "list": [{"tags": ["x", "z"]}]}
    assert rule_errors(NESTED_SCHEMA, changed, OLD) == [
        '<nil>: Invalid value: "object": failed rule: self == oldSelf',
        '<nil>: Invalid value: "object": failed rule: self.list == oldSelf.list',
        '<nil>: Invalid value: "object": failed rule: self.list.all(i, x, x == oldSelf.list[i])',
        '<nil>: Invalid value: "object": spec changed',
    ]


def test_under_optional_old_self_the_old_values_value_compares_as_a_set() -> None:
    schema = ruled(
        {"tags": STRING_SET},
        {"rule": "!oldSelf.hasValue() || oldSelf.value().tags == self.tags", "optionalOldSelf": True},
    )
    assert rule_errors(schema, {"tags": ["b", "a"]}, {"tags": ["a", "b"]}) == []
    assert rule_errors(schema, {"tags": ["b", "a"]}) == []
    assert rule_errors(schema, {"tags": ["b", "c"]}, {"tags": ["a", "b"]}) == [
        '<nil>: Invalid value: "object": failed rule: !oldSelf.hasValue() || oldSelf.value().tags == self.tags'
    ]


@pytest.mark.parametrize(
    ("items", "new", "old"),
    [
        ({"type": "integer"}, [1, 2, 3], [3, 1, 2]),
        ({"type": "number"}, [1, 2.5], [2.5, 1]),
        ({"type": "string", "format": "date-time"}, ["2024-01-02T03:04:05Z", "2023-01-02T03:04:05Z"], None),
        ({"type": "string", "format": "duration"}, ["1h", "2m"], None),
    ],
)
def test_sets_of_any_scalar_compare_as_sets_on_their_own_node(items: dict[str, Any], new: list[Any], old: Any) -> None:
    node = {"type": "array", "items": items, "x-kubernetes-list-type": "set"}
    schema = {
        "type": "object",
        "properties": {"a": {**node, "x-kubernetes-validations": [{"rule": "self == oldSelf"}]}},
    }
    assert rule_errors(schema, {"a": new}, {"a": old if old is not None else new[::-1]}) == []


def test_a_set_of_atomic_objects_cannot_be_compared() -> None:
    atomic = {"type": "object", "x-kubernetes-map-type": "atomic", "properties": {"a": STRING}}
    schema = ruled(
        {"objs": {"type": "array", "x-kubernetes-list-type": "set", "items": atomic}}, "self.objs == oldSelf.objs"
    )
    assert rule_errors(schema, {"objs": [{"a": "1"}]}, {"objs": [{"a": "1"}]}) == [
        '<nil>: Invalid value: "object": listSet operations are only supported on lists of scalar values '
        "evaluating rule: self.objs == oldSelf.objs"
    ]


# -- sums (valuesreflect.go addToSetList, addToMapList; values_test.go TestListAdd) -----------------

INT_SET = {"type": "array", "items": {"type": "integer"}, "x-kubernetes-list-type": "set"}
VALUED = {"type": "object", "properties": {"k": STRING, "v": {"type": "integer"}}}
VALUED_MAP_LIST = {
    "type": "array",
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": ["k"],
    "items": VALUED,
}
ADDENDS = {
    "x": {"type": "object", "properties": {"set": INT_SET, "map": VALUED_MAP_LIST, "plain": {"type": "array", "items": {"type": "integer"}}}},
    "y": {"type": "object", "properties": {"set": INT_SET, "map": VALUED_MAP_LIST}},
}  # fmt: skip
ADDEND_VALUES = {
    "x": {"set": [1, 2, 3], "map": [{"k": "a", "v": 1}, {"k": "b", "v": 2}], "plain": [1, 2, 3]},
    "y": {"set": [3, 30], "map": [{"k": "a", "v": 10}, {"k": "c", "v": 3}]},
}


@pytest.mark.parametrize(
    "rule",
    [
        "(self.x.set + [3, 4]) == [1, 2, 3, 4]",
        "self.x.set + [3, 4] == [1, 2, 3, 4]",
        "(self.x.set + self.y.set) == [1, 2, 3, 30]",
        # The union is a set again: it compares ignoring order, and adds as a union.
        "(self.x.set + [4]) == [4, 3, 2, 1]",
        "(self.x.set + [4] + [4, 5]) == [1, 2, 3, 4, 5]",
        "(self.x.set + [4, 4, 1])[3] == 4 && size(self.x.set + [4, 4, 1]) == 4",
        "(self.x.set + self.y.set) != self.x.set && self.x.set != (self.x.set + self.y.set)",
        "(self.x.set + [4]) != (self.x.set + [5])",
        "[self.x.set].all(s, (s + self.y.set) == (s + self.y.set))",
        "4 in (self.x.set + [4]) && (self.x.set + [4]).all(i, i < 100)",
        # A list of no list type concatenates.
        "(self.x.plain + [3, 4]) == [1, 2, 3, 3, 4]",
        "[1] + self.x.set == [1, 1, 2, 3]",
        # A map list merges: a right element replaces the left one with its keys, in place.
        "(self.x.map + self.y.map)[0].v == 10 && size(self.x.map + self.y.map) == 3",
        "(self.x.map + self.y.map)[2].k == 'c'",
        "(self.x.map + [{'k': 'b', 'v': 99}])[1].v == 99",
        "(self.x.map + self.y.map + [{'k': 'd', 'v': 4}])[3].v == 4",
        "(self.x.map + self.y.map) == [{'k': 'c', 'v': 3}, {'k': 'b', 'v': 2}, {'k': 'a', 'v': 10}]",
        "(self.x.map + [{'k': 'a', 'v': 1}]) != (self.x.map + [{'k': 'a', 'v': 2}])",
    ],
)
def test_adding_to_set_lists_unions_and_to_map_lists_merges(rule: str) -> None:
    assert rule_errors(ruled(ADDENDS, rule), ADDEND_VALUES) == []


def test_adding_to_a_set_of_atomic_objects_is_an_error() -> None:
    atomic = {"type": "object", "x-kubernetes-map-type": "atomic", "properties": {"a": STRING}}
    schema = ruled(
        {"objs": {"type": "array", "x-kubernetes-list-type": "set", "items": atomic}}, "size(self.objs + []) == 1"
    )
    assert rule_errors(schema, {"objs": [{"a": "1"}]}) == [
        '<nil>: Invalid value: "object": listSet operations are only supported on lists of scalar values '
        "evaluating rule: size(self.objs + []) == 1"
    ]
