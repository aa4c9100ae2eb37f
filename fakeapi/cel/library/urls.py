"""The URLs library (apiserver/pkg/cel/library/urls.go): url.ParseRequestURI and its accessors."""

from __future__ import annotations

import urllib.parse
from typing import Any

from fakeapi.cel import types
from fakeapi.cel.library import Function, LibraryError, Overload


def _parse_request_uri(raw: str) -> urllib.parse.SplitResult:
    """url.ParseRequestURI: an absolute URL or an absolute path, no fragment."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw):
        raise LibraryError(
            f"URL parse error during conversion from string: parse {_go_quote(raw)}: net/url: invalid control character in URL"
        )
    parts = urllib.parse.urlsplit(raw, allow_fragments=False)
    if not raw or not (parts.scheme or raw.startswith("/")):
        raise LibraryError(
            f"URL parse error during conversion from string: parse {_go_quote(raw)}: invalid URI for request"
        )
    if parts.scheme and not parts.scheme[0].isalpha():
        raise LibraryError(
            f"URL parse error during conversion from string: parse {_go_quote(raw)}: first path segment in URL cannot contain colon"
        )
    return parts


def request_uri_error(raw: str) -> str:
    """url.ParseRequestURI's error text for ``raw`` (empty when it parses)."""
    try:
        _parse_request_uri(raw)
    except LibraryError as exc:
        return str(exc).removeprefix(_CONVERSION_ERROR)
    return ""


_CONVERSION_ERROR = "URL parse error during conversion from string: "


def _go_quote(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)


def _url(raw: str) -> Any:
    _parse_request_uri(raw)
    return types.new(types.URL, raw)


def _is_url(raw: str) -> bool:
    try:
        _parse_request_uri(raw)
    except LibraryError:
        return False
    return True


def _parts(message: Any) -> urllib.parse.SplitResult:
    return urllib.parse.urlsplit(message.value, allow_fragments=False)


def _host(message: Any) -> str:
    return _parts(message).netloc.rpartition("@")[2]


def _hostname(message: Any) -> str:
    host = _host(message)
    if host.startswith("["):
        return host[1 : host.find("]")]
    return host.rpartition(":")[0] if ":" in host else host


def _port(message: Any) -> str:
    host = _host(message)
    if host.startswith("["):
        host = host[host.find("]") + 1 :]
    return host.rpartition(":")[2] if ":" in host else ""


def _query(message: Any) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(_parts(message).query, keep_blank_values=True)


def _accessor(name: str, overload_id: str, result: str, impl: Any) -> Function:
    return Function(name, (Overload(overload_id, (types.URL,), result, impl, member=True),))


FUNCTIONS = (
    Function("url", (Overload("string_to_url", ("string",), types.URL, _url),)),
    _accessor("getScheme", "url_get_scheme", "string", lambda m: _parts(m).scheme),
    _accessor("getHost", "url_get_host", "string", _host),
    _accessor("getHostname", "url_get_hostname", "string", _hostname),
    _accessor("getPort", "url_get_port", "string", _port),
    _accessor("getEscapedPath", "url_get_escaped_path", "string", lambda m: _parts(m).path),
    _accessor("getQuery", "url_get_query", "map(string, list(string))", _query),
    Function("isURL", (Overload("is_url_string", ("string",), "bool", _is_url),)),
)
