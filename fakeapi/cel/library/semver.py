"""The semver library (apiserver/pkg/cel/library/semverlib.go, version 1): blang/semver's strict parse."""

from __future__ import annotations

import re
from typing import Any

from fakeapi.cel import types
from fakeapi.cel.library import Function, LibraryError, Overload

_NUMBER = r"(0|[1-9][0-9]*)"
_IDENT = r"[0-9A-Za-z-]+"
_SEMVER = re.compile(rf"{_NUMBER}\.{_NUMBER}\.{_NUMBER}(?:-({_IDENT}(?:\.{_IDENT})*))?(?:\+({_IDENT}(?:\.{_IDENT})*))?")
_LOOSE = re.compile(r"v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(.*)", re.S)


def _normalize(text: str) -> str:
    """SemverVersion(1)'s normalize: a leading v dropped, missing minor and patch zero, leading zeros dropped."""
    match = _LOOSE.fullmatch(text)
    if match is None:
        return text
    major, minor, patch, rest = match.groups()
    return f"{int(major)}.{int(minor or 0)}.{int(patch or 0)}{rest}"


def _parse(text: str, normalize: bool = False) -> tuple[int, int, int, list[str]]:
    source = _normalize(text) if normalize else text
    match = _SEMVER.fullmatch(source)
    if match is None:
        raise LibraryError(f"Semver ({text}) parse error during conversion from string: Invalid character(s) found")
    major, minor, patch, pre, _ = match.groups()
    prerelease = pre.split(".") if pre else []
    if any(p.isdigit() and len(p) > 1 and p[0] == "0" for p in prerelease):
        raise LibraryError(
            f"Semver ({text}) parse error during conversion from string: Numeric PreRelease version must not contain leading zeroes"
        )
    return int(major), int(minor), int(patch), prerelease


def _semver(text: str, normalize: bool = False) -> Any:
    major, minor, patch, pre = _parse(text, normalize)
    suffix = "-" + ".".join(pre) if pre else ""
    return types.new(types.SEMVER, f"{major}.{minor}.{patch}{suffix}")


def _is_semver(text: str, normalize: bool = False) -> bool:
    try:
        _parse(text, normalize)
    except LibraryError:
        return False
    return True


def _key(message: Any) -> tuple[Any, ...]:
    major, minor, patch, pre = _parse(message.value)
    # A release sorts after its prereleases; numeric identifiers sort below alphanumeric ones.
    pre_key = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre)
    return (major, minor, patch, not pre, pre_key)


def _compare(a: Any, b: Any) -> int:
    x, y = _key(a), _key(b)
    return (x > y) - (x < y)


_S = types.SEMVER

FUNCTIONS = (
    Function(
        "semver",
        (
            Overload("string_to_semver", ("string",), _S, _semver),
            Overload("string_bool_to_semver", ("string", "bool"), _S, _semver),
        ),
    ),
    Function(
        "isSemver",
        (
            Overload("is_semver_string", ("string",), "bool", _is_semver),
            Overload("is_semver_string_bool", ("string", "bool"), "bool", _is_semver),
        ),
    ),
    Function(
        "isGreaterThan",
        (Overload("semver_is_greater_than", (_S, _S), "bool", lambda a, b: _compare(a, b) == 1, member=True),),
    ),
    Function(
        "isLessThan",
        (Overload("semver_is_less_than", (_S, _S), "bool", lambda a, b: _compare(a, b) == -1, member=True),),
    ),
    Function("compareTo", (Overload("semver_compare_to", (_S, _S), "int", _compare, member=True),)),
    Function("major", (Overload("semver_major", (_S,), "int", lambda m: _parse(m.value)[0], member=True),)),
    Function("minor", (Overload("semver_minor", (_S,), "int", lambda m: _parse(m.value)[1], member=True),)),
    Function("patch", (Overload("semver_patch", (_S,), "int", lambda m: _parse(m.value)[2], member=True),)),
)
