"""CEL errors with the texts kube-apiserver's users see (cel-go's, not cel-cpp's).

cel-cpp's compile errors already have cel-go's shape (``ERROR: <input>:1:6: ...`` and the
caret snippet) wrapped in an absl status (``INVALID_ARGUMENT: ... [INVALID_ARGUMENT]``); its
runtime errors are absl statuses with its own texts. Where the texts differ they are mapped to
cel-go's (cel-go common/types/err.go: ``no such key: %v``, ``no such overload``; interpreter
errors ``division by zero``, ``index '2' out of range in list size '1'``).
"""

from __future__ import annotations

import re

# absl status codes cel-cpp puts in front of its messages (absl/status/status.h).
_STATUS_PREFIX = re.compile(
    r"^(?:OK|CANCELLED|UNKNOWN|INVALID_ARGUMENT|DEADLINE_EXCEEDED|NOT_FOUND|ALREADY_EXISTS|"
    r"PERMISSION_DENIED|RESOURCE_EXHAUSTED|FAILED_PRECONDITION|ABORTED|OUT_OF_RANGE|"
    r"UNIMPLEMENTED|INTERNAL|UNAVAILABLE|DATA_LOSS|UNAUTHENTICATED): "
)
_STATUS_SUFFIX = re.compile(r" \[[A-Z_]+\]$")

# cel-cpp runtime texts → cel-go's (cel-go common/types/err.go, interpreter/...).
_RUNTIME_TEXTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r'^Key not found in map : "(.*)"$', re.S), r"no such key: \1"),
    (re.compile(r"^Key not found in map : (.*)$", re.S), r"no such key: \1"),
    (re.compile(r"^No matching overloads found : .*$", re.S), "no such overload"),
    (re.compile(r"^divide by zero$"), "division by zero"),
    (re.compile(r"^Index error: index=(-?\d+) size=(\d+)$"), r"index '\1' out of range in list size '\2'"),
    (re.compile(r"^String to Duration conversion failed$"), "invalid duration"),
    (re.compile(r"^String to Timestamp conversion failed$"), "invalid timestamp"),
]


class CELError(Exception):
    """A CEL error; ``message`` is cel-go's text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CompileError(CELError):
    """The expression does not parse or type-check (``ERROR: <input>:line:col: ...`` lines)."""


class EvalError(CELError):
    """Evaluation failed (``no such key: foo``, ``no such overload``, a library's error)."""


class CostLimitError(EvalError):
    """Evaluation went over its cost budget (cel-go's ``operation cancelled: actual cost limit exceeded``)."""

    def __init__(self) -> None:
        super().__init__("operation cancelled: actual cost limit exceeded")


def strip_status(text: str) -> str:
    """The message inside an absl status text."""
    return _STATUS_SUFFIX.sub("", _STATUS_PREFIX.sub("", text.strip(), count=1))


def compile_message(text: str) -> str:
    """cel-go's compile error text from cel-cpp's."""
    return strip_status(text)


def runtime_message(text: str) -> str:
    """cel-go's runtime error text from cel-cpp's."""
    message = strip_status(text)
    for pattern, replacement in _RUNTIME_TEXTS:
        if pattern.match(message):
            return pattern.sub(replacement, message, count=1)
    return message
