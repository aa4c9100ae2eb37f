"""CEL errors with the texts kube-apiserver's users see (cel-go's, not cel-cpp's).

cel-cpp's compile errors already have cel-go's shape (``ERROR: <input>:1:6: ...`` and the
caret snippet) wrapped in an absl status (``INVALID_ARGUMENT: ... [INVALID_ARGUMENT]``); its
runtime errors are absl statuses with its own texts. Where the texts differ they are mapped to
cel-go's (cel-go common/types/err.go: ``no such key: %v``, ``no such overload``; interpreter
errors ``division by zero``, ``index '2' out of range in list size '1'``; common/types/string.go's
``type conversion error from 'string' to 'int'``).
"""

from __future__ import annotations

import re

_STATUS_CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ_")

# cel-cpp's texts for a string that does not convert, by the CEL type converted to. cel-go has one
# text for them all (common/types/string.go String.ConvertToType, which int(), uint(), double(),
# bool(), duration() and timestamp() of a string call): ``type conversion error from 'string' to
# '%s'``, the type by its name (common/types/types.go: google.protobuf.Duration, ...).
_STRING_CONVERSIONS = {
    "cannot convert string to int": "int",
    "cannot convert string to uint": "uint",
    "cannot convert string to double": "double",
    "Type conversion error from 'string' to 'bool'": "bool",
    "String to Duration conversion failed": "google.protobuf.Duration",
    "String to Timestamp conversion failed": "google.protobuf.Timestamp",
}
# cel-cpp refuses a duration string past +-87660000h with its own text. cel-go parses with Go's
# time.ParseDuration, which refuses any past +-2562047h (an int64 of nanoseconds), so those strings
# fail its conversion too.
_DURATION_OUT_OF_RANGE = re.compile(r'Duration ".*" (above maximum|below minimum) allowed duration ".*"', re.DOTALL)


def _is_status_code(text: str) -> bool:
    """An absl status code name (``INVALID_ARGUMENT``...)."""
    return bool(text) and set(text) <= _STATUS_CODE_CHARS


def _runtime_text(message: str) -> str:
    """cel-go's text for a cel-cpp runtime message (cel-go common/types/err.go, interpreter)."""
    if message.startswith("Key not found in map : "):
        key = message.removeprefix("Key not found in map : ")
        if len(key) >= 2 and key[0] == key[-1] == '"':
            key = key[1:-1]
        return f"no such key: {key}"
    if message.startswith("No matching overloads found : "):
        return "no such overload"
    if message == "divide by zero":
        return "division by zero"
    if message.startswith("Index error: index=") and " size=" in message:
        index, _, size = message.removeprefix("Index error: index=").partition(" size=")
        return f"index '{index}' out of range in list size '{size}'"
    if message in _STRING_CONVERSIONS:
        return f"type conversion error from 'string' to '{_STRING_CONVERSIONS[message]}'"
    if _DURATION_OUT_OF_RANGE.fullmatch(message):
        return "type conversion error from 'string' to 'google.protobuf.Duration'"
    return message


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
    """The message inside an absl status text (``INVALID_ARGUMENT: ... [INVALID_ARGUMENT]``)."""
    text = text.strip()
    code, separator, rest = text.partition(": ")
    if separator and _is_status_code(code):
        text = rest
    body, bracket, tail = text.rpartition(" [")
    if bracket and tail.endswith("]") and _is_status_code(tail[:-1]):
        text = body
    return text


# Functions rewrites call (fakeapi/cel/rewrite.py), by the names cel-go's macros give them.
_HIDDEN_NAMES = {"__fakeapi_sort_by_keys": "@sortByAssociatedKeys"}


def compile_message(text: str) -> str:
    """cel-go's compile error text from cel-cpp's."""
    text = strip_status(text)
    for hidden, name in _HIDDEN_NAMES.items():
        text = text.replace(f"'{hidden}'", f"'{name}'")
    return text


def runtime_message(text: str) -> str:
    """cel-go's runtime error text from cel-cpp's."""
    return _runtime_text(strip_status(text))
