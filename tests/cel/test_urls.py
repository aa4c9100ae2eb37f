"""The URLs library: cases from apiserver/pkg/cel/library/urls.go's examples and urls_test.go."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cel.conftest import Evaluate


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("isURL('https://example.com:80/path?query=val#fragment')", True),
        ("isURL('/absolute-path')", True),
        ("isURL('https://a:b:c/')", True),
        ("isURL('../relative-path')", False),
        ("url('https://example.com:80/').getScheme()", "https"),
        ("url('https://example.com:80/').getHost()", "example.com:80"),
        ("url('https://[::1]:80/').getHost()", "[::1]:80"),
        ("url('https://example.com:80/').getHostname()", "example.com"),
        ("url('https://[::1]:80/').getHostname()", "::1"),
        ("url('https://example.com:80/').getPort()", "80"),
        ("url('https://example.com/').getPort()", ""),
        ("url('https://example.com/path with spaces/').getEscapedPath()", "/path with spaces/"),
        ("url('https://example.com/path?k1=a&k2=b&k2=c').getQuery()", {"k1": ["a"], "k2": ["b", "c"]}),
        ("url('/path').getScheme()", ""),
    ],
)
def test_urls(evaluate: Evaluate, expression: str, expected: Any) -> None:
    assert evaluate(expression) == expected
