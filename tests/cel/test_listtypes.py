"""Rewriting comparisons and sums of set and map lists (rewrite.wrap_operands, library/listtypes.py)."""

from __future__ import annotations

from typing import Any

import pytest

from fakeapi.cel.ast import Expr
from fakeapi.cel.environment.base import Environment
from fakeapi.cel.library import LibraryError
from fakeapi.cel.library.listtypes import canonical, merge, union
from fakeapi.cel.rewrite import wrap_operands


def _selected_comparisons(node: Expr) -> list[Expr]:
    """The comparisons whose left operand is a field selection."""
    found = [node] if node.name in ("_==_", "_!=_") and node.args and node.args[0].kind == "select" else []
    for child in node.children():
        found += _selected_comparisons(child)
    return found


@pytest.mark.parametrize(
    ("source", "rewritten"),
    [
        ("(self.a) == o.a", "F((self.a) , 1)==F( o.a, 1)"),
        ("self.a == o.a && true", "F(self.a , 1)==F( o.a , 1)&& true"),
        ('self.a != ["x)", "=="] || false', 'F(self.a , 1)!=F( ["x)", "=="] , 1)|| false'),
        ("self.a == o.a ? 1 : 2", "F(self.a , 1)==F( o.a , 1)? 1 : 2"),
        ("self.a == o.a in [true]", "F(self.a , 1)==F( o.a , 1)in [true]"),
        ("[self.a == o.?a]", "[F(self.a , 1)==F( o.?a, 1)]"),
        ("self.a == o.a // == b\n && true", "F(self.a , 1)==F( o.a // == b\n , 1)&& true"),
        ("self.a == (o.a == o.b)", "F(self.a , 1)==F( (F(o.a , 1)==F( o.b, 1)), 1)"),
    ],
)
def test_both_operands_are_wrapped_and_nothing_else(source: str, rewritten: str) -> None:
    env = Environment({"self": "map(string, dyn)", "o": "map(string, dyn)"})
    program = env.compile(source)
    calls = [(call, "1") for call in _selected_comparisons(program.ast.expr)]
    assert wrap_operands(program.checked_source, program.ast, calls, "F") == rewritten


def _comparisons(node: Expr) -> list[Expr]:
    found = [node] if node.name in ("_==_", "_!=_") else []
    for child in node.children():
        found += _comparisons(child)
    return found


def _selected_sums(node: Expr) -> list[Expr]:
    """The sums whose left operand is a field selection or a sum of one."""
    left = node.args[0] if node.args else None
    selected = left is not None and (left.kind == "select" or (left.name == "_+_" and _selected_sums(left)))
    found = [node] if node.name == "_+_" and selected else []
    for child in node.children():
        found += _selected_sums(child)
    return found


@pytest.mark.parametrize(
    ("source", "rewritten"),
    [
        ("self.a+o.a", "G(self.a, K, []+o.a)"),
        ("self.a + o.a + o.b", "G(G(self.a , K, []+ o.a ), K, []+ o.b)"),
        ("(self.a + o.a) + [1] == o.c", "F(G((G(self.a , K, []+ o.a)) , K, []+ [1] ), 1)==F( o.c, 1)"),
        ("self.a + o.a == o.b", "F(G(self.a , K, []+ o.a ), 1)==F( o.b, 1)"),
        ("o.x == self.a + o.a", "F(o.x , 1)==F( G(self.a , K, []+ o.a), 1)"),
        ("[self.a + [1, -2], 2]", "[G(self.a , K, []+ [1, -2]), 2]"),
        ("self.a + o.a in o.c", "G(self.a , K, []+ o.a )in o.c"),
    ],
)
def test_a_sum_becomes_a_call_with_both_operands(source: str, rewritten: str) -> None:
    env = Environment({"self": "map(string, dyn)", "o": "map(string, dyn)"})
    program = env.compile(source)
    sums = [(call, "K") for call in _selected_sums(program.ast.expr)]
    # A sum of a set or map list is one again: the comparisons whose left operand is one are wrapped too.
    summed = {id(call) for call, _ in sums}
    calls = [
        (call, "1")
        for call in _comparisons(program.ast.expr)
        if call.args[0].kind == "select" or id(call.args[0]) in summed
    ]
    assert wrap_operands(program.checked_source, program.ast, calls, "F", sums, "G") == rewritten


def test_union_keeps_the_left_and_adds_each_new_element_once() -> None:
    assert union(["b", "a", "b"], ["c", "a", "c", "d"]) == ["b", "a", "b", "c", "d"]
    # Go keys a map by the raw value: an int, a double and a bool are different elements.
    assert union([1], [1.0, True, 1]) == [1, 1.0, True]
    with pytest.raises(LibraryError, match="only supported on lists of scalar values"):
        union(["a"], [["b"]])


def test_merge_replaces_elements_with_the_same_keys_in_place_and_appends_the_others() -> None:
    left = [{"k": "a", "v": 1}, {"k": "b", "v": 2}]
    right = [{"k": "c", "v": 3}, {"k": "a", "v": 10}, {"k": "c", "v": 4}]
    assert merge(left, right, ["k"]) == [
        {"k": "a", "v": 10},
        {"k": "b", "v": 2},
        {"k": "c", "v": 3},
        {"k": "c", "v": 4},
    ]
    # A missing key is a key of its own (nil).
    assert merge([{"v": 1}], [{"v": 2}, {"k": None}], ["k"]) == [{"k": None}]


@pytest.mark.parametrize(
    ("value", "shape", "expected"),
    [
        (["b", "a", "c"], {"set": True}, ["a", "b", "c"]),
        ([2, 1.5, True, None, "x"], {"set": True}, [None, True, 1.5, 2, "x"]),
        ([{"k": "b"}, {"k": "a", "n": 1}], {"map": ["k"]}, [{"k": "a", "n": 1}, {"k": "b"}]),
        (
            [{"k": "b", "t": ["2", "1"]}],
            {"map": ["k"], "items": {"properties": {"t": {"set": True}}}},
            [{"k": "b", "t": ["1", "2"]}],
        ),
        # An ordered list of sets keeps its order; what the shape does not name stays as it is.
        ([["b", "a"], ["a"]], {"items": {"set": True}}, [["a", "b"], ["a"]]),
        ({"s": ["b", "a"], "o": ["b", "a"]}, {"properties": {"s": {"set": True}}}, {"s": ["a", "b"], "o": ["b", "a"]}),
        ({"x": ["b", "a"]}, {"additional": {"set": True}}, {"x": ["a", "b"]}),
        ("not a list", {"set": True}, "not a list"),
    ],
)
def test_canonical_forms_sort_what_the_shape_makes_sets_and_maps(
    value: Any, shape: dict[str, Any], expected: Any
) -> None:
    assert canonical(value, shape) == expected
