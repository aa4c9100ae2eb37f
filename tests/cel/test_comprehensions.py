"""Two-variable comprehensions: cases from cel-go ext/comprehensions.go's examples and comprehensions_test.go."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cel.conftest import Evaluate


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("[1, 2, 3].all(i, v, i < v)", True),
        ("[1, 2, 3].all(i, v, i > v)", False),
        ("{'hello': 'world', 'taco': 'taco'}.all(k, v, k != v)", False),
        ("{'h': ['hello', 'hi'], 'j': ['joke', 'jog']}.all(k, vals, vals.all(v, v.startsWith(k)))", True),
        ("[0, 0, 1].exists(i, v, i == 2 && v == 1)", True),
        ("{'a': 1, 'b': 2}.exists(k, v, k == 'b' && v == 2)", True),
        ("[1, 2, 1].existsOne(i, v, v == 1 && i > 0)", True),
        ("[1, 2, 1].existsOne(i, v, v == 1)", False),
        ("[1, 2, 3].transformList(i, v, i * v)", [0, 2, 6]),
        ("[1, 2, 3].transformList(i, v, i > 0, v * 10)", [20, 30]),
        ("{'greeting': 'hello'}.transformList(k, v, k + '=' + v)", ["greeting=hello"]),
        ("{'a': 1, 'b': 2}.transformMap(k, v, v + 1)", {"a": 2, "b": 3}),
        ("{'a': 1, 'b': 2}.transformMap(k, v, v > 1, v * 2)", {"b": 4}),
        ("['x', 'y'].transformMap(i, v, v)", {0: "x", 1: "y"}),
        ("{'a': 'b'}.transformMapEntry(k, v, {v: k})", {"b": "a"}),
        ("{'a': 'x', 'b': 'x'}.transformMapEntry(k, v, {v: k})", "insert failed: key x already exists"),
        ("[[1, 2], [3]].all(i, row, row.all(j, v, i + j < v + 1))", True),
        ("['a,b', 'c'].all(i, v, v.split(',').size() > 0)", True),
    ],
)
def test_two_variable_comprehensions(evaluate: Evaluate, expression: str, expected: Any) -> None:
    assert evaluate(expression) == expected


def test_the_one_variable_macros_are_unchanged(evaluate: Evaluate) -> None:
    assert evaluate("[1, 2].all(v, v > 0) && [1, 2].exists_one(v, v == 2) && [1].map(v, v + 1) == [2]") is True
