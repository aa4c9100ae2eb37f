"""Label selectors: parsing, canonical strings, matching and upstream's error messages."""

from __future__ import annotations

import pytest

from fakeapi.apimachinery.labels import (
    LabelSelector,
    Operator,
    Requirement,
    SelectorParseError,
    new_requirement,
    parse_label_selector,
    selector_from_label_selector_dict,
)

# Written out by hand from upstream's validation messages, double space included.
KEY_NAME_RULE = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation "
    "is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
VALUE_RULE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
    "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
SUBDOMAIN_RULE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
EXPECTED_OPERATOR = "expected: in, notin, =, ==, !=, gt, lt"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("", ""),
        ("   ", ""),
        ("x=a,y=b,z=c", "x=a,y=b,z=c"),
        ("z=c,x=a", "x=a,z=c"),
        ("x!=a,y=b", "x!=a,y=b"),
        ("x==a", "x==a"),
        ("x=", "x="),
        ("x= ", "x="),
        ("x=,z= ", "x=,z="),
        ("!x", "!x"),
        ("x", "x"),
        ("x>1", "x>1"),
        ("x>1,z<5", "x>1,z<5"),
        ("x in (b,a,b)", "x in (a,b)"),
        (" a in ( c , b ) ,\t!d\n", "a in (b,c),!d"),
        ("x notin (a)", "x notin (a)"),
        ("x in ()", "x in ()"),
        ("x in (,a)", "x in (,a)"),
        ("x in (a,)", "x in (,a)"),
        ("x in (a,,b)", "x in (,a,b)"),
        ("in in (in,notin)", "in in (in,notin)"),
        ("x=in", "x=in"),
        ("example.com/app=web", "example.com/app=web"),
        ("a=b,a!=c", "a=b,a!=c"),
        # Go's lexer stops at a NUL where a token starts and swallows one that ends a token.
        ("a=b \x00zzz", "a=b"),
        ("a=b,\x00z", "a=b,z"),
    ],
)
def test_parse_canonical_form(text: str, canonical: str) -> None:
    assert str(parse_label_selector(text)) == canonical


def test_parse_structure() -> None:
    selector = parse_label_selector("tier in (front,back),!canary,app=web,n>3")
    assert selector.requirements == (
        Requirement("app", Operator.EQUALS, ("web",)),
        Requirement("canary", Operator.DOES_NOT_EXIST),
        Requirement("n", Operator.GREATER_THAN, ("3",)),
        Requirement("tier", Operator.IN, ("back", "front")),
    )
    assert not selector.empty


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (",", "found ',', expected: !, identifier, or 'end of string'"),
        ("=a", "found '=', expected: !, identifier, or 'end of string'"),
        ("a,", "found '', expected: identifier after ','"),
        ("a,,b", "found ',', expected: identifier after ','"),
        ("x==a==b", "found '==', expected: ',' or 'end of string'"),
        ("!x=a", "found '=', expected: ',' or 'end of string'"),
        ("x=a b", "found 'b', expected: ',' or 'end of string'"),
        ("a b", f"unable to parse requirement: found 'b', {EXPECTED_OPERATOR}"),
        ("a\x00b", f"unable to parse requirement: found 'b', {EXPECTED_OPERATOR}"),
        ("x (a)", f"unable to parse requirement: found '(', {EXPECTED_OPERATOR}"),
        ("!", "unable to parse requirement: found '', expected: identifier"),
        ("!=a", "found '!=', expected: !, identifier, or 'end of string'"),
        ("! =a", "unable to parse requirement: found '=', expected: identifier"),
        ("a=(b", "unable to parse requirement: found '(', expected: identifier"),
        ("a<=3", "unable to parse requirement: found '=', expected: identifier"),
        ("x in a", "unable to parse requirement: found 'a' expected: '('"),
        ("x in (a", "unable to parse requirement: found '', expected: ',' or ')'"),
        ("x in (a b)", "unable to parse requirement: found 'b', expected: ',' or ')'"),
        ("x in (=", "unable to parse requirement: found '=', expected: ',', ')' or identifier"),
        ("x in (,=)", "unable to parse requirement: found '=', expected: ',', or identifier"),
        (
            "x<a",
            'unable to parse requirement: values[0]: Invalid value: "a": '
            "for 'Gt', 'Lt' operators, the value must be an integer",
        ),
        (
            "k>99999999999999999999",
            'unable to parse requirement: values[0]: Invalid value: "99999999999999999999": '
            "for 'Gt', 'Lt' operators, the value must be an integer",
        ),
        (
            "x=a||y=b",
            f'unable to parse requirement: values[0][x]: Invalid value: "a||y": {VALUE_RULE}',
        ),
        (
            "x>-1",
            f'unable to parse requirement: values[0][x]: Invalid value: "-1": {VALUE_RULE}',
        ),
        (
            "x=-" + "v" * 63,
            f'unable to parse requirement: values[0][x]: Invalid value: "-{"v" * 63}": '
            f"must be no more than 63 bytes; {VALUE_RULE}",
        ),
        (
            "x>+1x",
            "unable to parse requirement: [values[0]: Invalid value: \"+1x\": for 'Gt', 'Lt' operators, "
            f'the value must be an integer, values[0][x]: Invalid value: "+1x": {VALUE_RULE}]',
        ),
        (
            "x=" + "v" * 64,
            f'unable to parse requirement: values[0][x]: Invalid value: "{"v" * 64}": must be no more than 63 bytes',
        ),
        # The parser validates keys with no field path, which Go prints as <nil>.
        (
            "-a",
            f'unable to parse requirement: <nil>: Invalid value: "-a": name part {KEY_NAME_RULE}',
        ),
        (
            "k" * 64,
            f'unable to parse requirement: <nil>: Invalid value: "{"k" * 64}": name part must be no more than 63 bytes',
        ),
        ("/a", 'unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty'),
        (
            "a/",
            'unable to parse requirement: <nil>: Invalid value: "a/": name part must be non-empty; '
            f"name part {KEY_NAME_RULE}",
        ),
        (
            "Example.com/a",
            f'unable to parse requirement: <nil>: Invalid value: "Example.com/a": prefix part {SUBDOMAIN_RULE}',
        ),
        (
            "a/b/c",
            'unable to parse requirement: <nil>: Invalid value: "a/b/c": a valid label key '
            f"{KEY_NAME_RULE} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
        ),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(SelectorParseError) as caught:
        parse_label_selector(text)
    assert str(caught.value) == message


def test_parse_error_is_a_value_error() -> None:
    assert issubclass(SelectorParseError, ValueError)


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        ("", {}, True),
        ("", {"a": "b"}, True),
        ("a=b", {"a": "b"}, True),
        ("a==b", {"a": "b", "c": "d"}, True),
        ("a=b", {"a": "c"}, False),
        ("a=b", {}, False),
        ("a=", {"a": ""}, True),
        ("a=", {}, False),
        ("a!=b", {"a": "c"}, True),
        ("a!=b", {"a": "b"}, False),
        ("a!=b", {}, True),
        ("a in (b,c)", {"a": "c"}, True),
        ("a in (b,c)", {"a": "d"}, False),
        ("a in (b,c)", {}, False),
        ("a notin (b,c)", {"a": "d"}, True),
        ("a notin (b,c)", {"a": "b"}, False),
        ("a notin (b,c)", {}, True),
        ("a", {"a": ""}, True),
        ("a", {"b": "a"}, False),
        ("!a", {"b": "a"}, True),
        ("!a", {"a": ""}, False),
        ("n>3", {"n": "4"}, True),
        ("n>3", {"n": "3"}, False),
        ("n>3", {"n": "+4"}, True),
        ("n>3", {"n": "4.5"}, False),
        ("n>3", {"n": "four"}, False),
        ("n>3", {}, False),
        ("n<3", {"n": "-7"}, True),
        ("n<3", {"n": "3"}, False),
        ("n<3", {"n": "99999999999999999999"}, False),
        ("a=b,c!=d", {"a": "b", "c": "e"}, True),
        ("a=b,c!=d", {"a": "b", "c": "d"}, False),
    ],
)
def test_matches(text: str, labels: dict[str, str], expected: bool) -> None:
    assert parse_label_selector(text).matches(labels) is expected


def test_empty() -> None:
    assert parse_label_selector("").empty
    assert LabelSelector().empty
    assert not parse_label_selector("a").empty
    assert not LabelSelector(selects_nothing=True).empty


def test_new_requirement_keeps_given_order_but_prints_sorted() -> None:
    requirement = new_requirement("a", Operator.IN, ["c", "b"])
    assert requirement.values == ("c", "b")
    assert str(requirement) == "a in (b,c)"


@pytest.mark.parametrize(
    ("selector", "canonical"),
    [
        ({}, ""),
        ({"matchLabels": {}, "matchExpressions": []}, ""),
        ({"matchLabels": {"b": "1", "a": "2"}}, "a=2,b=1"),
        (
            {
                "matchLabels": {"app": "web"},
                "matchExpressions": [
                    {"key": "tier", "operator": "In", "values": ["front", "back"]},
                    {"key": "env", "operator": "NotIn", "values": ["prod"]},
                    {"key": "canary", "operator": "DoesNotExist"},
                    {"key": "team", "operator": "Exists", "values": []},
                ],
            },
            "app=web,!canary,env notin (prod),team,tier in (back,front)",
        ),
    ],
)
def test_selector_from_label_selector_dict(selector: dict[str, object], canonical: str) -> None:
    assert str(selector_from_label_selector_dict(selector)) == canonical


def test_selector_from_label_selector_dict_matching() -> None:
    selector = selector_from_label_selector_dict(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a"]}],
        }
    )
    assert selector.matches({"app": "web", "tier": "a", "x": "y"})
    assert not selector.matches({"app": "web"})


def test_nil_selector_matches_nothing_and_empty_selector_everything() -> None:
    nothing = selector_from_label_selector_dict(None)
    assert not nothing.matches({})
    assert not nothing.empty
    assert str(nothing) == ""
    everything = selector_from_label_selector_dict({})
    assert everything.matches({"any": "thing"})
    assert everything.empty


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        (
            {"matchExpressions": [{"key": "a", "operator": "Foo"}]},
            '"Foo" is not a valid label selector operator',
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "In"}]},
            "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "NotIn", "values": []}]},
            "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x", "y"]}]},
            'values: Invalid value: ["x","y"]: values set must be empty for exists and does not exist',
        ),
        (
            {"matchLabels": {"a b": "-x"}},
            f'[key: Invalid value: "a b": name part {KEY_NAME_RULE}, '
            f'values[0][a b]: Invalid value: "-x": {VALUE_RULE}]',
        ),
        (
            {"matchExpressions": [{"key": "", "operator": "Exists"}]},
            f'key: Invalid value: "": name part must be non-empty; name part {KEY_NAME_RULE}',
        ),
    ],
)
def test_selector_from_label_selector_dict_errors(selector: dict[str, object], message: str) -> None:
    with pytest.raises(SelectorParseError) as caught:
        selector_from_label_selector_dict(selector)
    assert str(caught.value) == message
