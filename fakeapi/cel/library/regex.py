"""The regex library (apiserver/pkg/cel/library/regex.go): find and findAll, with Go's RE2 syntax."""

from __future__ import annotations

import functools
from typing import Any

from fakeapi.cel.library import Function, LibraryError, Overload


@functools.lru_cache(maxsize=256)
def _compile(pattern: str) -> Any:
    import re2

    from fakeapi.util.regexp import RegexpError
    from fakeapi.util.regexp import compile as go_compile

    try:
        go_compile(pattern)  # Go's syntax checks and error texts
    except RegexpError as exc:
        raise LibraryError(str(exc)) from None
    options = re2.Options()
    options.log_errors = False
    return re2.compile(pattern, options)


def _find(text: str, pattern: str) -> str:
    match = _compile(pattern).search(text)
    return match.group(0) if match else ""


def _find_all(text: str, pattern: str, limit: int = -1) -> list[str]:
    if limit == 0:
        return []
    found = [m.group(0) for m in _compile(pattern).finditer(text)]
    return found if limit < 0 else found[:limit]


FUNCTIONS = (
    Function("find", (Overload("string_find_string", ("string", "string"), "string", _find, member=True),)),
    Function(
        "findAll",
        (
            Overload("string_find_all_string", ("string", "string"), "list(string)", _find_all, member=True),
            Overload("string_find_all_string_int", ("string", "string", "int"), "list(string)", _find_all, member=True),
        ),
    ),
)
