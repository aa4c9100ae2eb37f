"""The format library (apiserver/pkg/cel/library/format.go): named Kubernetes string validations.

``format.dns1123Label().validate(s)`` gives ``optional.none()`` for a valid string, else the
list of validation errors; ``format.named('dns1123Label')`` the format, optionally. cel-cpp's
binding cannot return optional values from Python, so, like the two-variable comprehensions,
an expression calling ``validate`` or ``format.named`` is rewritten before it is checked
(``fakeapi/cel/rewrite.py``): into the Python functions below, which return a list or a
flag, and ``optional.of``/``optional.none()`` around them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fakeapi.cel import types
from fakeapi.cel.ast import Expr
from fakeapi.cel.library import Function, LibraryError, Overload

ERRORS = "__fakeapi_format_errors"
KNOWN = "__fakeapi_format_known"
BY_NAME = "__fakeapi_format"


def _mask_trailing_dash(name: str) -> str:
    """maskTrailingDash: a name prefix for generateName may end with a dash."""
    return name[:-1] + "a" if len(name) > 1 and name.endswith("-") else name


def _validators() -> dict[str, Callable[[str], list[str]]]:
    from fakeapi.apiextensions.schema.formats import check_format
    from fakeapi.apimachinery.labels import label_value_errors, qualified_name_errors
    from fakeapi.apimachinery.validation import is_dns1035_label, is_dns1123_label, is_dns1123_subdomain
    from fakeapi.cel.library.urls import request_uri_error

    def strfmt(name: str, message: str) -> Callable[[str], list[str]]:
        return lambda text: [] if check_format(name, text) else [message]

    return {
        "dns1123Label": is_dns1123_label,
        "dns1123Subdomain": is_dns1123_subdomain,
        "dns1035Label": is_dns1035_label,
        "qualifiedName": qualified_name_errors,
        "dns1123LabelPrefix": lambda s: is_dns1123_label(_mask_trailing_dash(s)),
        "dns1123SubdomainPrefix": lambda s: is_dns1123_subdomain(_mask_trailing_dash(s)),
        "dns1035LabelPrefix": lambda s: is_dns1035_label(_mask_trailing_dash(s)),
        "labelValue": label_value_errors,
        "uri": lambda s: [error] if (error := request_uri_error(s)) else [],
        "uuid": strfmt("uuid", "does not match the UUID format"),
        "byte": strfmt("byte", "invalid base64"),
        "date": strfmt("date", "invalid date"),
        "datetime": strfmt("datetime", "invalid datetime"),
    }


NAMES = (
    "dns1123Label",
    "dns1123Subdomain",
    "dns1035Label",
    "qualifiedName",
    "dns1123LabelPrefix",
    "dns1123SubdomainPrefix",
    "dns1035LabelPrefix",
    "labelValue",
    "uri",
    "uuid",
    "byte",
    "date",
    "datetime",
)


def _errors(fmt: Any, text: str) -> list[str]:
    validate = _validators().get(fmt.value)
    if validate is None:
        raise LibraryError(f"unknown format {fmt.value}")
    return list(validate(text))


def _by_name(name: str) -> Any:
    return types.new(types.FORMAT, name)


def _constant(name: str) -> Function:
    return Function(f"format.{name}", (Overload(f"format.{name}", (), types.FORMAT, lambda: _by_name(name)),))


FUNCTIONS = (
    *(_constant(name) for name in NAMES),
    Function(ERRORS, (Overload("fakeapi_format_errors", (types.FORMAT, "string"), "list(string)", _errors),)),
    Function(KNOWN, (Overload("fakeapi_format_known", ("string",), "bool", lambda name: name in NAMES),)),
    Function(BY_NAME, (Overload("fakeapi_format_by_name", ("string",), types.FORMAT, _by_name),)),
)


def is_optional_call(node: Expr) -> bool:
    """``<format>.validate(s)`` or ``format.named(n)``."""
    if node.kind != "call" or node.target is None or len(node.args) != 1:
        return False
    if node.name == "validate":
        return True
    return node.name == "named" and node.target.kind == "ident" and node.target.name == "format"


def expand(call: Expr, receiver: str, parts: list[str], name: str) -> str:
    """What ``receiver.validate(s)`` / ``format.named(n)`` becomes (``name`` is a fresh variable)."""
    argument = parts[0].strip()
    if call.name == "validate":
        errors = f"{ERRORS}({receiver}, {argument})"
        return f"cel.bind({name}, {errors}, {name}.size() == 0 ? optional.none() : optional.of({name}))"
    return f"cel.bind({name}, {argument}, {KNOWN}({name}) ? optional.of({BY_NAME}({name})) : optional.none())"
