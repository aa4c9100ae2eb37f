"""Field selectors, as in k8s.io/apimachinery/pkg/fields/selector.go.

A field selector is an AND of ``field=value``, ``field==value`` and ``field!=value`` terms, e.g.
``spec.nodeName=node-1,status.phase!=Failed``. Field names are not checked here: which ones a
kind supports is the resource's business (REFERENCE.md section 6). Values may contain ``,``,
``=`` and ``\\`` when escaped with a backslash (:func:`escape_value`, :func:`unescape_value`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from fakeapi.apimachinery.labels import SelectorParseError

EQUALS = "="
NOT_EQUALS = "!="

# Tried in this order at each position, so that "==" is not read as "=" plus a value "=...".
_TERM_OPERATORS = ("!=", "==", "=")


class FieldRequirement(NamedTuple):
    """One term: ``operator`` is ``=`` (for both ``=`` and ``==``) or ``!=``."""

    field: str
    operator: str
    value: str

    def matches(self, fields: Mapping[str, str]) -> bool:
        """Whether the term holds; a missing field compares as ``""``."""
        equal = fields.get(self.field, "") == self.value
        return equal if self.operator == EQUALS else not equal

    def __str__(self) -> str:
        return f"{self.field}{self.operator}{escape_value(self.value)}"


@dataclass(frozen=True)
class FieldSelector:
    """An AND of field requirements, in the order of their sorted source terms.

    Attributes:
        requirements: The (field, operator, value) terms; none means everything matches.
    """

    requirements: tuple[FieldRequirement, ...] = ()

    @property
    def empty(self) -> bool:
        """Whether the selector does not restrict anything."""
        return not self.requirements

    def matches(self, fields: Mapping[str, str]) -> bool:
        """Whether an object with these field values is selected; a missing field is ``""``."""
        return all(requirement.matches(fields) for requirement in self.requirements)

    def requires_exact_match(self, field: str) -> str | None:
        """The value the selector requires for ``field`` (Selector.RequiresExactMatch).

        Only an ``=`` term counts, and the first one wins, so ``metadata.name=x`` turns a list
        or watch into one on a single object.
        """
        for name, operator, value in self.requirements:
            if name == field and operator == EQUALS:
                return value
        return None

    def __str__(self) -> str:
        return ",".join(map(str, self.requirements))


def escape_value(value: str) -> str:
    """Escape ``\\``, ``,`` and ``=`` with a backslash so that a value can sit in a selector."""
    # The backslash first, so that the escapes added next are not escaped again.
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def unescape_value(text: str) -> str:
    """Undo :func:`escape_value` (fields.UnescapeValue).

    Raises:
        SelectorParseError: An unknown escape (``invalid field selector: invalid escape sequence:
            \\x``), a trailing backslash, or a bare ``,`` or ``=``, which upstream reports by code
            point (``invalid field selector: unescaped character in value: 61``).
    """
    if not any(char in text for char in "\\,="):
        return text
    out: list[str] = []
    escaped = False
    for char in text:
        if escaped:
            if char not in "\\,=":
                raise SelectorParseError(f"invalid field selector: invalid escape sequence: \\{char}")
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in ",=":
            raise SelectorParseError(f"invalid field selector: unescaped character in value: {ord(char)}")
        else:
            out.append(char)
    if escaped:
        raise SelectorParseError("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def _split_terms(text: str) -> list[str]:
    """Split at commas that are not escaped; the terms keep their backslashes."""
    terms: list[str] = []
    start = 0
    escaped = False
    for i, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _split_term(term: str) -> tuple[str, str, str] | None:
    """Split a term at its first operator; the field cannot escape one, the value is still raw."""
    for i in range(len(term)):
        for operator in _TERM_OPERATORS:
            if term.startswith(operator, i):
                return term[:i], operator, term[i + len(operator) :]
    return None


def parse_field_selector(text: str) -> FieldSelector:
    """Parse a field selector string (fields.ParseSelector).

    Args:
        text: A selector such as ``metadata.name=web,status.phase!=Running``. Blanks are kept as
            part of names and values, as upstream does.

    Returns:
        The selector. Terms are sorted by their text first, as upstream does, and a term with
        neither a field nor a value (``=``) is dropped.

    Raises:
        SelectorParseError: A term without an operator (``invalid selector: 'a'; can't
            understand 'a'``) or a value with a bad escape.
    """
    requirements: list[FieldRequirement] = []
    for term in sorted(_split_terms(text)):
        if not term:
            continue
        split = _split_term(term)
        if split is None:
            raise SelectorParseError(f"invalid selector: '{text}'; can't understand '{term}'")
        field, written_operator, raw_value = split
        value = unescape_value(raw_value)
        # ParseSelector runs an identity Transform, which drops such terms.
        if field or value:
            operator = NOT_EQUALS if written_operator == NOT_EQUALS else EQUALS
            requirements.append(FieldRequirement(field, operator, value))
    return FieldSelector(tuple(requirements))
