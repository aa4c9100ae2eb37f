"""Label selectors, as in k8s.io/apimachinery/pkg/labels/selector.go.

A selector is an AND of requirements such as ``app=web``, ``tier in (a,b)``, ``!canary`` or
``replicas>2``. :func:`parse_label_selector` reads the ``labelSelector`` query parameter with
upstream's lexer and parser rules, so a bad selector fails with the very message a real API
server sends in its 400 response. :func:`selector_from_label_selector_dict` converts a
metav1.LabelSelector object (``spec.selector`` of Deployments, PodDisruptionBudgets, ...) the way
metav1.LabelSelectorAsSelector does (k8s.io/apimachinery/pkg/apis/meta/v1/helpers.go). Key and
value checks follow k8s.io/apimachinery/pkg/api/validate/content/kube.go.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any

from fakeapi.apimachinery.field import FieldError, aggregate_message, invalid
from fakeapi.apimachinery.jsonutil import parse_go_int64


class SelectorParseError(ValueError):
    """A label or field selector that upstream would reject; ``str()`` is upstream's message."""


class Operator(StrEnum):
    """selection.Operator: the values are the names upstream uses in its error messages."""

    DOES_NOT_EXIST = "!"
    EQUALS = "="
    DOUBLE_EQUALS = "=="
    IN = "in"
    NOT_EQUALS = "!="
    NOT_IN = "notin"
    EXISTS = "exists"
    GREATER_THAN = "gt"
    LESS_THAN = "lt"


# How each binary operator is written in a selector string (Requirement.String).
_OPERATOR_TEXT = {
    Operator.EQUALS: "=",
    Operator.DOUBLE_EQUALS: "==",
    Operator.NOT_EQUALS: "!=",
    Operator.IN: " in ",
    Operator.NOT_IN: " notin ",
    Operator.GREATER_THAN: ">",
    Operator.LESS_THAN: "<",
}


def _parse_int64(text: str) -> int | None:
    """The number, or None where Go's ParseInt fails (such a value never passes gt or lt)."""
    try:
        return parse_go_int64(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class Requirement:
    """One condition on one label key.

    Attributes:
        key: The label key.
        operator: How the label's value is compared.
        values: The values, in the order given (the parser sorts and de-duplicates them).
    """

    key: str
    operator: Operator
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether the labels satisfy this requirement (Requirement.Matches)."""
        op = self.operator
        if op is Operator.EXISTS:
            return self.key in labels
        if op is Operator.DOES_NOT_EXIST:
            return self.key not in labels
        value = labels.get(self.key)
        if op in (Operator.NOT_IN, Operator.NOT_EQUALS):
            # An absent label is "not equal" to anything.
            return value is None or value not in self.values
        if value is None:
            return False
        if op in (Operator.GREATER_THAN, Operator.LESS_THAN):
            # A label whose value is not an integer never matches a numeric comparison.
            have = _parse_int64(value)
            want = _parse_int64(self.values[0]) if len(self.values) == 1 else None
            if have is None or want is None:
                return False
            return have > want if op is Operator.GREATER_THAN else have < want
        return value in self.values

    def __str__(self) -> str:
        if self.operator is Operator.EXISTS:
            return self.key
        if self.operator is Operator.DOES_NOT_EXIST:
            return "!" + self.key
        # Upstream prints several values sorted, whatever order they were given in.
        values = ",".join(sorted(self.values))
        if self.operator in (Operator.IN, Operator.NOT_IN):
            values = f"({values})"
        return self.key + _OPERATOR_TEXT[self.operator] + values


@dataclass(frozen=True)
class LabelSelector:
    """An AND of requirements, sorted by key (labels.Selector).

    Attributes:
        requirements: The requirements; none means the selector matches everything.
        selects_nothing: True for labels.Nothing(), the selector of a nil metav1.LabelSelector,
            which matches no object at all.
    """

    requirements: tuple[Requirement, ...] = ()
    selects_nothing: bool = False

    @property
    def empty(self) -> bool:
        """Whether the selector does not restrict anything (Selector.Empty)."""
        return not self.requirements and not self.selects_nothing

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether an object with these labels is selected."""
        if self.selects_nothing:
            return False
        return all(requirement.matches(labels) for requirement in self.requirements)

    def __str__(self) -> str:
        """The canonical form, e.g. ``app=web,tier in (a,b)`` (empty for Everything and Nothing)."""
        return ",".join(str(requirement) for requirement in self.requirements)


def _selector(requirements: Iterable[Requirement]) -> LabelSelector:
    # Upstream sorts by key so that equal selectors print equally.
    return LabelSelector(tuple(sorted(requirements, key=lambda requirement: requirement.key)))


# --- Key and value validation (api/validate/content) ------------------------------------------

_LABEL_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_KEY_RE = re.compile(_LABEL_KEY_FMT)
_LABEL_VALUE_FMT = f"({_LABEL_KEY_FMT})?"
_LABEL_VALUE_RE = re.compile(_LABEL_VALUE_FMT)
_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + "(\\." + _DNS1123_LABEL_FMT + ")*"
_DNS1123_SUBDOMAIN_RE = re.compile(_DNS1123_SUBDOMAIN_FMT)
_NAME_MAX_BYTES = 63
_SUBDOMAIN_MAX_BYTES = 253
_LABEL_KEY_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
)
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character"
)


def _regex_error(message: str, regex: str, *examples: str) -> str:
    """content.RegexError, including its odd ``', ' + ' or '`` double space between examples."""
    shown = " or ".join(f"'{example}', " for example in examples)
    return f"{message} (e.g. {shown}regex used for validation is '{regex}')"


_LABEL_KEY_REGEX_ERROR = _regex_error(_LABEL_KEY_MSG, _LABEL_KEY_FMT, "MyName", "my.name", "123-abc")
_LABEL_VALUE_REGEX_ERROR = _regex_error(_LABEL_VALUE_MSG, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345")
_SUBDOMAIN_REGEX_ERROR = _regex_error(_SUBDOMAIN_MSG, _DNS1123_SUBDOMAIN_FMT, "example.com")


def _too_long(limit: int) -> str:
    return f"must be no more than {limit} bytes"


def _byte_length(text: str) -> int:
    # Go measures strings in UTF-8 bytes.
    return len(text.encode("utf-8", "surrogatepass"))


def label_key_errors(key: str) -> list[str]:
    """content.IsLabelKey: an optional DNS subdomain prefix and '/', then a name."""
    return qualified_name_errors(key, noun="a valid label key")


def qualified_name_errors(key: str, noun: str = "a qualified name") -> list[str]:
    """IsQualifiedName, which label keys also are; ``noun`` names the value in the one message that says."""
    parts = key.split("/")
    if len(parts) > 2:
        return [
            noun
            + " "
            + _LABEL_KEY_REGEX_ERROR
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    errors = []
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errors.append("prefix part must be non-empty")
        else:
            if _byte_length(prefix) > _SUBDOMAIN_MAX_BYTES:
                errors.append("prefix part " + _too_long(_SUBDOMAIN_MAX_BYTES))
            if not _DNS1123_SUBDOMAIN_RE.fullmatch(prefix):
                errors.append("prefix part " + _SUBDOMAIN_REGEX_ERROR)
    if not name:
        errors.append("name part must be non-empty")
    elif _byte_length(name) > _NAME_MAX_BYTES:
        errors.append("name part " + _too_long(_NAME_MAX_BYTES))
    # Checked even after the two errors above, so an empty name gets both messages.
    if not _LABEL_KEY_RE.fullmatch(name):
        errors.append("name part " + _LABEL_KEY_REGEX_ERROR)
    return errors


def label_value_errors(value: str) -> list[str]:
    """content.IsLabelValue."""
    errors = []
    if _byte_length(value) > _NAME_MAX_BYTES:
        errors.append(_too_long(_NAME_MAX_BYTES))
    if not _LABEL_VALUE_RE.fullmatch(value):
        errors.append(_LABEL_VALUE_REGEX_ERROR)
    return errors


def _key_error(key: str, path: str) -> FieldError | None:
    errors = label_key_errors(key)
    return invalid(path, key, "; ".join(errors)) if errors else None


_ONE_VALUE = (lambda count: count == 1, "exact-match compatibility requires one single value")
_SOME_VALUES = (lambda count: count > 0, "for 'in', 'notin' operators, values set can't be empty")
_NO_VALUES = (lambda count: count == 0, "values set must be empty for exists and does not exist")
_ONE_NUMBER = (lambda count: count == 1, "for 'Gt', 'Lt' operators, exactly one value is required")
# operator -> (whether a number of values is allowed, what upstream says when it is not)
_VALUE_COUNT_RULES: dict[Operator, tuple[Callable[[int], bool], str]] = {
    Operator.EQUALS: _ONE_VALUE,
    Operator.DOUBLE_EQUALS: _ONE_VALUE,
    Operator.NOT_EQUALS: _ONE_VALUE,
    Operator.IN: _SOME_VALUES,
    Operator.NOT_IN: _SOME_VALUES,
    Operator.EXISTS: _NO_VALUES,
    Operator.DOES_NOT_EXIST: _NO_VALUES,
    Operator.GREATER_THAN: _ONE_NUMBER,
    Operator.LESS_THAN: _ONE_NUMBER,
}


def new_requirement(key: str, operator: Operator, values: Iterable[str] = ()) -> Requirement:
    """Build a validated requirement, as labels.NewRequirement does.

    Args:
        key: The label key; it must be a qualified name.
        operator: The comparison.
        values: The values: one for the equality and numeric operators, at least one for
            ``in``/``notin``, none for ``exists`` and ``!``.

    Returns:
        The requirement, with the values in the order given.

    Raises:
        SelectorParseError: The aggregate of all field errors, e.g.
            ``values[0][app]: Invalid value: "a b": a valid label must be ...``.
    """
    given = tuple(values)
    errors: list[FieldError] = []
    key_error = _key_error(key, "key")
    if key_error:
        errors.append(key_error)
    count_allowed, count_detail = _VALUE_COUNT_RULES[operator]
    if not count_allowed(len(given)):
        # Upstream shows a missing list as null (a nil Go slice) and a present one as JSON.
        errors.append(invalid("values", list(given) or None, count_detail))
    if operator in (Operator.GREATER_THAN, Operator.LESS_THAN):
        errors.extend(
            invalid(f"values[{i}]", value, "for 'Gt', 'Lt' operators, the value must be an integer")
            for i, value in enumerate(given)
            if _parse_int64(value) is None
        )
    for i, value in enumerate(given):
        value_errors = label_value_errors(value)
        if value_errors:
            errors.append(invalid(f"values[{i}][{key}]", value, "; ".join(value_errors)))
    if errors:
        raise SelectorParseError(aggregate_message(errors))
    return Requirement(key, operator, given)


# --- Lexer --------------------------------------------------------------------------------------


class _Token(Enum):
    IDENTIFIER = "identifier"
    END = "end of string"
    OPEN = "("
    CLOSE = ")"
    COMMA = ","
    NOT = "!"
    EQUALS = "="
    DOUBLE_EQUALS = "=="
    NOT_EQUALS = "!="
    GREATER = ">"
    LESS = "<"
    IN = "in"
    NOT_IN = "notin"


_KEYWORDS = {token.value: token for token in _Token if token not in (_Token.IDENTIFIER, _Token.END)}
_SYMBOLS = frozenset("=!(),<>")
_BLANKS = frozenset(" \t\r\n")
# Identifiers run up to a symbol, a blank or a NUL (which Go's lexer reads as end of input).
_IDENTIFIER_STOPS = _SYMBOLS | _BLANKS | {"\x00"}


def _lex(text: str) -> list[tuple[_Token, str]]:
    """Split a selector into (token, literal) pairs, ending with an END token.

    A NUL character where a token would start ends the input, and one right after a token is
    swallowed, because upstream's byte lexer uses 0 as its end-of-input marker.
    """
    items: list[tuple[_Token, str]] = []
    pos, size = 0, len(text)
    while True:
        while pos < size and text[pos] in _BLANKS:
            pos += 1
        if pos == size or text[pos] == "\x00":
            items.append((_Token.END, ""))
            return items
        if text[pos] in _SYMBOLS:
            # The longest symbol run that is an operator: "!=" and "==", but "<" then "=" for "<=".
            pair = text[pos : pos + 2]
            end = pos + (len(pair) if pair in _KEYWORDS else 1)
        else:
            end = pos + 1
            while end < size and text[end] not in _IDENTIFIER_STOPS:
                end += 1
        literal = text[pos:end]
        pos = end + 1 if text.startswith("\x00", end) else end
        items.append((_KEYWORDS.get(literal, _Token.IDENTIFIER), literal))


# --- Parser -------------------------------------------------------------------------------------

# In upstream's order, which its "expected: in, notin, ..." message follows.
_BINARY_OPERATORS = {
    _Token.IN: Operator.IN,
    _Token.NOT_IN: Operator.NOT_IN,
    _Token.EQUALS: Operator.EQUALS,
    _Token.DOUBLE_EQUALS: Operator.DOUBLE_EQUALS,
    _Token.NOT_EQUALS: Operator.NOT_EQUALS,
    _Token.GREATER: Operator.GREATER_THAN,
    _Token.LESS: Operator.LESS_THAN,
}
_BINARY_OPERATOR_NAMES = ", ".join(operator.value for operator in _BINARY_OPERATORS.values())
_REQUIREMENT_START = (_Token.IDENTIFIER, _Token.NOT)


class _Parser:
    """The recursive-descent parser of selector.go over a pre-lexed token list."""

    def __init__(self, text: str) -> None:
        self._items = _lex(text)
        self._pos = 0

    def _peek(self) -> tuple[_Token, str]:
        """The next token, read as a value: 'in' and 'notin' are identifiers there."""
        token, literal = self._items[self._pos]
        if token in (_Token.IN, _Token.NOT_IN):
            token = _Token.IDENTIFIER
        return token, literal

    def _take(self) -> tuple[_Token, str]:
        item = self._peek()
        self._pos += 1
        return item

    def parse(self) -> list[Requirement]:
        requirements: list[Requirement] = []
        token, literal = self._peek()
        if token is _Token.END:
            return requirements
        if token not in _REQUIREMENT_START:
            raise SelectorParseError(f"found '{literal}', expected: !, identifier, or 'end of string'")
        while True:
            try:
                requirements.append(self._requirement())
            except SelectorParseError as err:
                raise SelectorParseError(f"unable to parse requirement: {err}") from None
            token, literal = self._take()
            if token is _Token.END:
                return requirements
            if token is not _Token.COMMA:
                raise SelectorParseError(f"found '{literal}', expected: ',' or 'end of string'")
            token, literal = self._peek()
            if token not in _REQUIREMENT_START:
                raise SelectorParseError(f"found '{literal}', expected: identifier after ','")

    def _requirement(self) -> Requirement:
        token, key = self._take()
        negated = token is _Token.NOT
        if negated:
            token, key = self._take()
        if token is not _Token.IDENTIFIER:
            raise SelectorParseError(f"found '{key}', expected: identifier")
        # The parser has no field path, which Go prints as "<nil>".
        key_error = _key_error(key, "<nil>")
        if key_error:
            raise SelectorParseError(str(key_error))
        if negated:
            # "!key" takes no operator; anything after it fails as "expected ','".
            return new_requirement(key, Operator.DOES_NOT_EXIST)
        if self._peek()[0] in (_Token.END, _Token.COMMA):
            return new_requirement(key, Operator.EXISTS)
        operator = self._operator()
        values = self._value_set() if operator in (Operator.IN, Operator.NOT_IN) else self._exact_value()
        return new_requirement(key, operator, sorted(values))

    def _operator(self) -> Operator:
        # Read without _peek's value rewriting, so that 'in' and 'notin' are operators here.
        token, literal = self._items[self._pos]
        self._pos += 1
        operator = _BINARY_OPERATORS.get(token)
        if operator is None:
            raise SelectorParseError(f"found '{literal}', expected: {_BINARY_OPERATOR_NAMES}")
        return operator

    def _value_set(self) -> set[str]:
        token, literal = self._take()
        if token is not _Token.OPEN:
            raise SelectorParseError(f"found '{literal}' expected: '('")
        token, literal = self._peek()
        if token is _Token.CLOSE:
            # "()" is the set holding only the empty value.
            self._take()
            return {""}
        if token not in (_Token.IDENTIFIER, _Token.COMMA):
            raise SelectorParseError(f"found '{literal}', expected: ',', ')' or identifier")
        values = self._identifier_list()
        # The list only returns in front of ')'.
        self._take()
        return values

    def _identifier_list(self) -> set[str]:
        """Comma-separated values where a missing value between commas is the empty value."""
        values: set[str] = set()
        while True:
            token, literal = self._take()
            if token is _Token.IDENTIFIER:
                values.add(literal)
                token, literal = self._peek()
                if token is _Token.CLOSE:
                    return values
                if token is not _Token.COMMA:
                    raise SelectorParseError(f"found '{literal}', expected: ',' or ')'")
            elif token is _Token.COMMA:
                following = self._peek()[0]
                # "(,", ",)" and ",," each stand for an empty value.
                if not values or following in (_Token.CLOSE, _Token.COMMA):
                    values.add("")
                if following is _Token.CLOSE:
                    return values
            else:
                raise SelectorParseError(f"found '{literal}', expected: ',', or identifier")

    def _exact_value(self) -> set[str]:
        if self._peek()[0] in (_Token.END, _Token.COMMA):
            # "key=" compares with the empty value.
            return {""}
        token, literal = self._take()
        if token is not _Token.IDENTIFIER:
            raise SelectorParseError(f"found '{literal}', expected: identifier")
        return {literal}


def parse_label_selector(text: str) -> LabelSelector:
    """Parse a label selector string (labels.Parse).

    Args:
        text: A selector such as ``app=web,tier in (frontend, backend),!canary``; an empty or
            blank string selects everything.

    Returns:
        The selector, its requirements sorted by key.

    Raises:
        SelectorParseError: The text is not a valid selector; the message is upstream's, e.g.
            ``unable to parse requirement: found '', expected: in, notin, =, ==, !=, gt, lt``.
    """
    return _selector(_Parser(text).parse())


# metav1.LabelSelectorOperator -> selection.Operator
_LABEL_SELECTOR_OPERATORS = {
    "In": Operator.IN,
    "NotIn": Operator.NOT_IN,
    "Exists": Operator.EXISTS,
    "DoesNotExist": Operator.DOES_NOT_EXIST,
}


def selector_from_label_selector_dict(selector: Mapping[str, Any] | None) -> LabelSelector:
    """Convert a metav1.LabelSelector object, as metav1.LabelSelectorAsSelector does.

    Args:
        selector: A dict with ``matchLabels`` and/or ``matchExpressions``; None (a missing
            selector) selects nothing, an empty one selects everything.

    Returns:
        The selector, its requirements sorted by key.

    Raises:
        SelectorParseError: An unknown operator (``"Foo" is not a valid label selector operator``)
            or a requirement that fails validation.
    """
    if selector is None:
        return LabelSelector(selects_nothing=True)
    match_labels: Mapping[str, str] = selector.get("matchLabels") or {}
    expressions: list[Mapping[str, Any]] = selector.get("matchExpressions") or []
    requirements = [new_requirement(key, Operator.EQUALS, (value,)) for key, value in match_labels.items()]
    for expression in expressions:
        name = expression.get("operator", "")
        operator = _LABEL_SELECTOR_OPERATORS.get(name)
        if operator is None:
            quoted = json.dumps(name, ensure_ascii=False)
            raise SelectorParseError(f"{quoted} is not a valid label selector operator")
        values = expression.get("values") or ()
        requirements.append(new_requirement(expression.get("key", ""), operator, values))
    return _selector(requirements)
