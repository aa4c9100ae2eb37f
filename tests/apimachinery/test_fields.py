"""Field selectors: parsing, escaping, matching and single-object detection."""

from __future__ import annotations

import pytest

from fakeapi.apimachinery.fields import (
    FieldRequirement,
    FieldSelector,
    escape_value,
    parse_field_selector,
    unescape_value,
)
from fakeapi.apimachinery.labels import SelectorParseError


@pytest.mark.parametrize(
    ("text", "requirements"),
    [
        ("", []),
        (",", []),
        ("a=b", [("a", "=", "b")]),
        ("a==b", [("a", "=", "b")]),
        ("a!=b", [("a", "!=", "b")]),
        ("a=", [("a", "=", "")]),
        ("=b", [("", "=", "b")]),
        # Terms are sorted by their text before anything else.
        ("b=1,a==2,c!=3", [("a", "=", "2"), ("b", "=", "1"), ("c", "!=", "3")]),
        ("a=b,,c=d,", [("a", "=", "b"), ("c", "=", "d")]),
        ("metadata.name=y,metadata.name=x", [("metadata.name", "=", "x"), ("metadata.name", "=", "y")]),
        # The first operator splits the term; the field cannot escape one.
        ("a!b=c", [("a!b", "=", "c")]),
        ("a=\\=b", [("a", "=", "=b")]),
        ("a=b\\,c,d=e", [("a", "=", "b,c"), ("d", "=", "e")]),
        ("a=\\\\", [("a", "=", "\\")]),
        ("a=x!y", [("a", "=", "x!y")]),
        # Blanks are part of names and values.
        (" a = b ", [(" a ", "=", " b ")]),
        # A term with neither field nor value is dropped.
        ("=", []),
        ("==", []),
        ("!=", []),
        ("=,a=b", [("a", "=", "b")]),
    ],
)
def test_parse(text: str, requirements: list[tuple[str, str, str]]) -> None:
    assert [tuple(r) for r in parse_field_selector(text).requirements] == requirements


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a", "invalid selector: 'a'; can't understand 'a'"),
        ("x=1,a", "invalid selector: 'x=1,a'; can't understand 'a'"),
        ("a=b=c", "invalid field selector: unescaped character in value: 61"),
        ("a==b=c", "invalid field selector: unescaped character in value: 61"),
        ("a===b", "invalid field selector: unescaped character in value: 61"),
        ("a=b!=c", "invalid field selector: unescaped character in value: 61"),
        ("a=b\\", "invalid field selector: invalid escape sequence: \\"),
        ("a=b\\x", "invalid field selector: invalid escape sequence: \\x"),
        ("a=b\\!", "invalid field selector: invalid escape sequence: \\!"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(SelectorParseError) as caught:
        parse_field_selector(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("", ""),
        ("plain", "plain"),
        ("a,b", "a\\,b"),
        ("a=b", "a\\=b"),
        ("a\\b", "a\\\\b"),
        ("\\,=", "\\\\\\,\\="),
        ("a!b", "a!b"),
    ],
)
def test_escape_round_trip(value: str, escaped: str) -> None:
    assert escape_value(value) == escaped
    assert unescape_value(escaped) == value


def test_unescaped_comma_is_reported_by_code_point() -> None:
    with pytest.raises(SelectorParseError) as caught:
        unescape_value("a,b")
    assert str(caught.value) == "invalid field selector: unescaped character in value: 44"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("", ""),
        ("b=1,a==2", "a=2,b=1"),
        ("a!=x", "a!=x"),
        ("a=b\\,c", "a=b\\,c"),
        ("a=\\=\\\\", "a=\\=\\\\"),
    ],
)
def test_str(text: str, canonical: str) -> None:
    assert str(parse_field_selector(text)) == canonical


@pytest.mark.parametrize(
    ("text", "fields", "expected"),
    [
        ("", {}, True),
        ("status.phase=Running", {"status.phase": "Running"}, True),
        ("status.phase=Running", {"status.phase": "Pending"}, False),
        ("status.phase=Running", {}, False),
        ("status.phase!=Running", {}, True),
        ("status.phase!=Running", {"status.phase": "Running"}, False),
        # A missing field compares as "".
        ("spec.nodeName=", {}, True),
        ("spec.nodeName!=", {}, False),
        (
            "spec.nodeName=n1,status.phase!=Failed,status.phase!=Succeeded",
            {"spec.nodeName": "n1", "status.phase": "Running"},
            True,
        ),
        (
            "spec.nodeName=n1,status.phase!=Failed,status.phase!=Succeeded",
            {"spec.nodeName": "n1", "status.phase": "Failed"},
            False,
        ),
        ("a=x\\,y", {"a": "x,y"}, True),
    ],
)
def test_matches(text: str, fields: dict[str, str], expected: bool) -> None:
    assert parse_field_selector(text).matches(fields) is expected


def test_empty() -> None:
    assert parse_field_selector("").empty
    assert parse_field_selector("=").empty
    assert FieldSelector().empty
    assert not parse_field_selector("a=b").empty


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("metadata.name=web", "web"),
        ("metadata.name==web,metadata.namespace=ns", "web"),
        ("metadata.name=", ""),
        ("metadata.name!=web", None),
        ("metadata.namespace=ns", None),
        ("", None),
        # Sorted terms: the smaller value comes first.
        ("metadata.name=y,metadata.name=x", "x"),
    ],
)
def test_requires_exact_match(text: str, expected: str | None) -> None:
    assert parse_field_selector(text).requires_exact_match("metadata.name") == expected


def test_requirement_is_a_tuple() -> None:
    requirement = parse_field_selector("a!=b").requirements[0]
    assert requirement == FieldRequirement("a", "!=", "b")
    field, operator, value = requirement
    assert (field, operator, value) == ("a", "!=", "b")
