"""URL → RequestInfo, as k8s.io/apiserver/pkg/endpoints/request/requestinfo.go resolves it."""

from __future__ import annotations

from urllib.parse import parse_qs

from fakeapi.apimachinery.fields import SelectorParseError, parse_field_selector
from fakeapi.apimachinery.validation import is_valid_path_segment_name
from fakeapi.endpoints.request import RequestInfo

API_PREFIXES = frozenset({"api", "apis"})
GROUPLESS_API_PREFIXES = frozenset({"api"})
SPECIAL_VERBS = frozenset({"proxy", "watch"})
SPECIAL_VERBS_NO_SUBRESOURCES = frozenset({"proxy"})
NAMESPACE_SUBRESOURCES = frozenset({"status", "finalize"})
_METHOD_VERBS = {
    "POST": "create",
    "GET": "get",
    "HEAD": "get",
    "PUT": "update",
    "PATCH": "patch",
    "DELETE": "delete",
}


def _is_watch(query: dict[str, list[str]]) -> bool:
    values = query.get("watch") or []
    return bool(values) and values[0].lower() not in ("false", "0", "")


def new_request_info(method: str, path: str, query_string: str) -> RequestInfo:
    info = RequestInfo(path=path, verb=method.lower())
    parts = [p for p in path.strip("/").split("/") if p]
    if len(parts) < 3 or parts[0] not in API_PREFIXES:
        return info
    info.api_prefix = parts[0]
    parts = parts[1:]
    if info.api_prefix not in GROUPLESS_API_PREFIXES:
        if len(parts) < 3:
            return info
        info.api_group = parts[0]
        parts = parts[1:]
    info.is_resource_request = True
    info.api_version = parts[0]
    parts = parts[1:]
    if parts[0] in SPECIAL_VERBS:
        if len(parts) < 2:
            info.is_resource_request = False
            return info
        info.verb = parts[0]
        info.deprecated_watch_path = parts[0] == "watch"
        parts = parts[1:]
    else:
        info.verb = _METHOD_VERBS.get(method.upper(), "")
    if parts[0] == "namespaces" and len(parts) > 1:
        info.namespace = parts[1]
        # namespaces/<ns>/<resource>... addresses a resource in the namespace, except the namespace's own subresources.
        if len(parts) > 2 and parts[2] not in NAMESPACE_SUBRESOURCES:
            parts = parts[2:]
    info.parts = parts
    if len(parts) >= 3 and info.verb not in SPECIAL_VERBS_NO_SUBRESOURCES:
        info.subresource = parts[2]
    if len(parts) >= 2:
        info.name = parts[1]
    info.resource = parts[0]
    if not info.name and info.verb == "get":
        query = parse_qs(query_string, keep_blank_values=True)
        info.verb = "watch" if _is_watch(query) else "list"
        selector = (query.get("fieldSelector") or [""])[0]
        if selector:
            try:
                name = parse_field_selector(selector).requires_exact_match("metadata.name")
            except SelectorParseError:
                name = None
            if name and not is_valid_path_segment_name(name):
                info.name = name
    if not info.name and info.verb == "delete":
        info.verb = "deletecollection"
    return info
