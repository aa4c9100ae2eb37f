"""A lexer for CEL source text, enough to find names and literals in an admission expression.

The admission plugins read three things from an expression's text before compiling it: which
variables it reads (only those are handed to the runtime, which converts every value it is given),
which composited variables it names (``variables.<name>``, evaluated on demand as upstream's lazy
map evaluates them) and the typed struct literals of mutations (``Object.spec{...}``,
``JSONPatch{...}``, rewritten by :mod:`fakeapi.admission.plugin.cel.mutation`). Tokens follow the
CEL grammar's lexer rules (cel-spec ``doc/langdef.md``, "Syntax"): string and bytes literals with
their prefixes and triple quotes, identifiers, numbers, and single punctuation characters;
whitespace and comments are kept as tokens so that the text can be put back together exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

IDENT = "ident"
STRING = "string"
NUMBER = "number"
PUNCT = "punct"
SPACE = "space"

# Longest alternatives first: triple-quoted strings before single-quoted ones.
_TOKEN = re.compile(
    r"""
    (?P<space>\s+|//[^\n]*)
  | (?P<string>(?:[rR][bB]?|[bB][rR]?)?(?:\"\"\"(?:\\.|[^\\])*?\"\"\"|'''(?:\\.|[^\\])*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'))
  | (?P<ident>[_a-zA-Z][_a-zA-Z0-9]*)
  | (?P<number>0[xX][0-9a-fA-F]+[uU]?|(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?[uU]?)
  | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


def tokenize(source: str) -> list[Token]:
    """Every token of ``source``, whitespace and comments included: ``"".join`` gives it back."""
    return [Token(match.lastgroup or PUNCT, match.group()) for match in _TOKEN.finditer(source)]


def significant(tokens: list[Token]) -> list[Token]:
    """The tokens that are not whitespace or comments."""
    return [token for token in tokens if token.kind != SPACE]


def selected_fields(source: str, root: str) -> Iterator[str]:
    """The names selected on the top-level identifier ``root``: ``variables.a`` gives ``a``.

    A ``root`` that is itself selected on something (``x.variables.a``) does not count.
    """
    tokens = significant(tokenize(source))
    for i, token in enumerate(tokens):
        if token.kind != IDENT or token.text != root or (i > 0 and tokens[i - 1].text == "."):
            continue
        if i + 2 < len(tokens) and tokens[i + 1].text == "." and tokens[i + 2].kind == IDENT:
            yield tokens[i + 2].text


def root_identifiers(source: str) -> frozenset[str]:
    """The identifiers that are not selected on something: the variables an expression may read."""
    tokens = significant(tokenize(source))
    return frozenset(
        token.text for i, token in enumerate(tokens) if token.kind == IDENT and (i == 0 or tokens[i - 1].text != ".")
    )
