"""The regex library: cases from apiserver/pkg/cel/library/regex.go's examples and regex_test.go."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cel.conftest import Evaluate


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("'abc 123'.find('[0-9]+')", "123"),
        ("'abc 123'.find('xyz')", ""),
        ("'123 abc 456'.findAll('[0-9]+')", ["123", "456"]),
        ("'123 abc 456'.findAll('[0-9]+', 1)", ["123"]),
        ("'123 abc 456'.findAll('xyz')", []),
        ("'123 abc 456'.findAll('[0-9]+', 0)", []),
        ("'abc'.matches('^a.c$')", True),
        ("'x'.find('(?=x)')", "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"),
    ],
)
def test_regex(evaluate: Evaluate, expression: str, expected: Any) -> None:
    assert evaluate(expression) == expected
