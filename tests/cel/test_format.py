"""The format library: cases from apiserver/pkg/cel/library/format.go's examples and format_test.go."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cel.conftest import Evaluate


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("format.dns1123Label().validate('my-label-name').hasValue()", False),
        ("format.dns1123Label().validate('My_Label').hasValue()", True),
        ("format.dns1123Subdomain().validate('apiextensions.k8s.io').hasValue()", False),
        ("format.dns1035Label().validate('1abc').hasValue()", True),
        ("format.qualifiedName().validate('apiextensions.k8s.io/v1beta1').hasValue()", False),
        ("format.dns1123LabelPrefix().validate('my-label-prefix-').hasValue()", False),
        ("format.labelValue().validate('a b').hasValue()", True),
        ("format.uri().validate('http://example.com').hasValue()", False),
        ("format.uri().validate('example').value()", ['parse "example": invalid URI for request']),
        ("format.uuid().validate('123e4567-e89b-12d3-a456-426614174000').hasValue()", False),
        ("format.uuid().validate('x').value()", ["does not match the UUID format"]),
        ("format.byte().validate('aGVsbG8=').hasValue()", False),
        ("format.date().validate('2021-01-01').hasValue()", False),
        ("format.datetime().validate('2021-01-01T00:00:00Z').hasValue()", False),
        ("format.datetime().validate('yesterday').value()", ["invalid datetime"]),
        ("format.named('dns1123Label').hasValue()", True),
        ("format.named('nope').hasValue()", False),
        ("format.named('dns1123Label').value().validate('ok').hasValue()", False),
        ("format.dns1123Label().validate('UP' + '-').value().size() > 0", True),
    ],
)
def test_format(evaluate: Evaluate, expression: str, expected: Any) -> None:
    assert evaluate(expression) == expected


def test_the_errors_are_apimachinerys(evaluate: Evaluate) -> None:
    assert evaluate("format.dns1123Label().validate('My_Label').value()") == [
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
        "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    ]
