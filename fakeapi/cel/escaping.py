"""Property names as CEL sees them (apiserver/pkg/cel/escaping.go).

A property whose name is a CEL reserved word or holds ``__``, ``.``, ``-`` or ``/`` is reached
under an escaped name (``self.foo__dash__bar`` for ``foo-bar``, ``self.__namespace__``); a name
with any other character CEL identifiers cannot hold cannot be reached at all.
"""

from __future__ import annotations

import re

# cel-go parser/parser.go reservedIds, minus the literals and operators CEL forbids anyway.
RESERVED = frozenset(
    {
        "true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function",
        "if", "import", "let", "loop", "package", "namespace", "return", "var", "void", "while",
    }
)  # fmt: skip
_EXPANSIONS = [("__", "__underscores__"), (".", "__dot__"), ("-", "__dash__"), ("/", "__slash__")]
_IDENTIFIER = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")


def is_identifier(name: str) -> bool:
    """A name CEL reads as it is: an identifier that is no reserved word (admissionregistration's isCELIdentifier)."""
    return bool(_IDENTIFIER.fullmatch(name)) and name not in RESERVED


def escape(name: str) -> str | None:
    """The CEL name of a property, or None when it cannot be escaped."""
    if name in RESERVED:
        return f"__{name}__"
    escaped = name
    for plain, replacement in _EXPANSIONS:
        escaped = escaped.replace(plain, replacement)
    return escaped if _IDENTIFIER.fullmatch(escaped) else None
