"""The lists library: cases from apiserver/pkg/cel/library/lists.go's examples and lists_test.go."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cel.conftest import Evaluate


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("[1, 2, 3].isSorted()", True),
        ("['a', 'b', 'b', 'c'].isSorted()", True),
        ("[2.0, 1.0].isSorted()", False),
        ("[1].isSorted()", True),
        ("[].isSorted()", True),
        ("[1, 3].sum()", 4),
        ("[1.0, 3.0].sum()", 4.0),
        ("[].sum()", 0),
        ("[1, 3].min()", 1),
        ("[1, 3].max()", 3),
        ("[1].min()", 1),
        ("['b', 'a'].min()", "a"),
        ("[].min()", "min called on empty list"),
        ("[].max()", "max called on empty list"),
        ("[1, 2, 2, 3].indexOf(2)", 1),
        ("['a', 'b', 'b', 'c'].lastIndexOf('b')", 2),
        ("[1.0].indexOf(1.1)", -1),
        ("[].indexOf('string')", -1),
        ("'abcb'.indexOf('b')", 1),  # the strings extension's overload is still there
    ],
)
def test_lists(evaluate: Evaluate, expression: str, expected: Any) -> None:
    assert evaluate(expression) == expected
