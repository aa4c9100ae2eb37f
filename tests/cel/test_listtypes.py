"""Rewriting comparisons of set and map lists (rewrite.wrap_operands, library/listtypes.py)."""

from __future__ import annotations

from typing import Any

import pytest

from fakeapi.cel.ast import Expr
from fakeapi.cel.environment.base import Environment
from fakeapi.cel.library.listtypes import canonical
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
