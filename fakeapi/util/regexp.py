"""Regular expressions as Go's ``regexp`` package reads them (regexp/regexp.go, regexp/syntax/parse.go).

Kubernetes compiles every user-supplied pattern (a CRD schema's ``pattern``, checked in
apiextensions-apiserver pkg/apis/apiextensions/validation/validation.go and matched by
kube-openapi's validator) with ``regexp.Compile``: RE2 syntax in Perl mode, matched in linear
time. Python's ``re`` differs in ways CRDs trip over: it refuses a flag group after the start
(``^(?i)(abort|warn)?$``, used by prometheus-operator), accepts lookarounds and backreferences
RE2 refuses, lets ``$`` match before a final newline, and backtracks exponentially.

``google-re2`` is the C++ RE2 that Go's package reimplements. Measured on this project's
machine: import 6 ms (done lazily, at the first pattern), compile about 60 µs (cached below),
and about 4 µs a match through its extension type where the ``re2`` module's ``search`` costs
about 13 µs (it maps byte offsets back to characters, which a yes/no match never needs).
Its syntax errors are C++ RE2's texts; ``compile`` rewrites them into Go's
(``error parsing regexp: <code>: `<expr>```), and what Go's parser reads differently is checked
first (``\\C``, lookbehinds).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

# C++ RE2's error texts (re2/re2.cc RE2::ErrorCodeText) → Go's syntax.ErrorCode texts (regexp/syntax/parse.go).
_GO_ERROR_CODES = {
    "invalid escape sequence": "invalid escape sequence",
    "invalid character class": "invalid character class",
    "invalid character class range": "invalid character class range",
    "missing ]": "missing closing ]",
    "missing )": "missing closing )",
    "unexpected )": "unexpected )",
    "trailing \\": "trailing backslash at end of expression",
    "no argument for repetition operator": "missing argument to repetition operator",
    "invalid repetition size": "invalid repeat count",
    "bad repetition operator": "invalid nested repetition operator",
    "invalid perl operator": "invalid or unsupported Perl syntax",
    "invalid UTF-8": "invalid UTF-8",
    "invalid named capture group": "invalid named capture",
    "pattern too large - compile failed": "expression too large",
}


class RegexpError(ValueError):
    """A pattern Go's ``regexp.Compile`` refuses; ``str()`` is Go's ``*syntax.Error`` text."""

    def __init__(self, code: str, expr: str) -> None:
        super().__init__(f"error parsing regexp: {code}: `{expr}`")
        self.code = code
        self.expr = expr


def _go_error(cxx_message: str) -> RegexpError:
    """Rewrites C++ RE2's ``<code>: <arg>`` error into Go's code and expression."""
    for cxx_code, go_code in _GO_ERROR_CODES.items():
        if cxx_message == cxx_code:
            return RegexpError(go_code, "")
        if cxx_message.startswith(cxx_code + ": "):
            return RegexpError(go_code, cxx_message[len(cxx_code) + 2 :])
    return RegexpError("regexp/syntax: internal error", cxx_message)


def _refuse_go_only(pattern: str) -> None:
    """Refuses, with Go's text, what Go's parser refuses where C++ RE2 differs.

    Go has no ``\\C`` (any single byte; parse.go's escape switch lacks it), and Go reads ``(?<``
    as the start of a named capture ``(?<name>``, so a lookbehind ``(?<=`` fails as an invalid
    named capture (parsePerlFlags), where C++ RE2 calls it an invalid Perl operator.
    """
    escaped = in_class = False
    for i, ch in enumerate(pattern):
        if escaped:
            escaped = False
            if ch == "C":
                raise RegexpError("invalid escape sequence", "\\C")
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif pattern.startswith("(?<", i) and pattern[i + 3 : i + 4] in ("=", "!"):
            rest = pattern[i:]
            end = rest.find(">")
            raise RegexpError("invalid named capture", rest if end < 0 else rest[: end + 1])


@functools.lru_cache(maxsize=1024)
def compile(pattern: str) -> Callable[[str], bool]:
    """``regexp.Compile(pattern).MatchString``: the returned function tells whether the text contains a match.

    Cached: the same CRD patterns are matched against every object written.
    """
    import re2  # imported at the first pattern: most servers never compile one

    _refuse_go_only(pattern)
    options = re2.Options()
    options.log_errors = False  # C++ RE2 would print every refused pattern on stderr
    options.never_capture = True  # MatchString reads no groups
    try:
        regexp = re2.compile(pattern, options)
    except re2.error as exc:
        raw: Any = exc.args[0] if exc.args else ""
        raise _go_error(raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)) from None
    program = regexp._regexp  # the extension type: see the module docstring for why not regexp.search
    unanchored = type(program).Anchor.UNANCHORED

    def match_string(text: str) -> bool:
        data = _utf8(text)
        return program.Match(unanchored, data, 0, len(data))[0][0] >= 0

    return match_string


def _utf8(text: str) -> bytes:
    """UTF-8 bytes of a decoded JSON string, a lone surrogate read as U+FFFD as Go does."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode("utf-8")
