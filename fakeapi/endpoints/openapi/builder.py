"""The Swagger 2.0 document of routes (k8s.io/kube-openapi/pkg/builder).

Follows kube-openapi's ``BuildOpenAPISpecFromRoutes`` as kube-apiserver configures it:

- openapi.go ``buildPaths``/``buildOperations``/``findCommonParameters``: routes grouped by path;
  a non-body parameter that every route of a path has moves to the path item; parameters are
  sorted by name, then location (util.go ``sortParameters``); every operation gets the common
  ``401 Unauthorized`` response and ``schemes: [https]``;
- apiserver/pkg/endpoints/openapi/openapi.go ``GetOperationIDAndTags``: operation ids and tags
  built from the route's operation name and path (``readCoreV1NamespacedPod``, tag ``core_v1``);
- parameters.go ``deduplicateParameters``: every parameter except ``name``, ``fieldValidation``,
  ``dryRun`` and kind-specific bodies becomes a ``#/parameters/<name>-<hash>`` reference, the hash
  being FNV-64 of the parameter's JSON (as kube-openapi's deterministic encoder writes it),
  URL-safe base64 of its first 6 bytes;
- apiserver/pkg/server/config.go ``completeOpenAPI``: the ``BearerToken`` security definition
  and requirement, and ``info``.

Definitions are those the routes reach, directly or through references.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from typing import Any

from fakeapi.apimachinery.schema import GroupVersionKind
from fakeapi.endpoints.openapi.definitions import SWAGGER_REF_PREFIX, DefinitionSet
from fakeapi.endpoints.openapi.parameters import Param
from fakeapi.endpoints.openapi.routes import STRING, Response, Route

SCHEMES = ["https"]
UNAUTHORIZED = {"description": "Unauthorized"}
SECURITY_DEFINITIONS = {
    "BearerToken": {
        "description": "Bearer Token authentication",
        "in": "header",
        "name": "authorization",
        "type": "apiKey",
    }
}
SECURITY: list[dict[str, list[str]]] = [{"BearerToken": []}]

# apiserver/pkg/endpoints/openapi/openapi.go: the verbs an operation name starts with.
_VERBS = (
    "get",
    "log",
    "read",
    "replace",
    "patch",
    "delete",
    "deletecollection",
    "watch",
    "connect",
    "proxy",
    "list",
    "create",
)


def to_valid_operation_id(text: str, capitalize_first: bool) -> str:
    """ToValidOperationID: drop punctuation, capitalising the letter after it."""
    out = []
    capitalize = capitalize_first
    for i, char in enumerate(text):
        if char.isalpha() or char == "_" or (i != 0 and char.isdigit()):
            out.append(char.upper() if capitalize else char)
            capitalize = False
        else:
            capitalize = True
    return "".join(out)


def _verb_prefix(operation: str) -> str:
    # util.Trie.GetPrefix returns the shortest verb the name starts with ("delete" for deletecollection).
    matches = [verb for verb in _VERBS if operation.startswith(verb)]
    if not matches:
        raise ValueError(f"operation names should start with a verb. Cannot determine operation verb from {operation}")
    return min(matches, key=len)


def operation_id_and_tags(route: Route) -> tuple[str, list[str]]:
    """GetOperationIDAndTags: ``createAppsV1NamespacedDeployment`` and ``["apps_v1"]``."""
    prefix = _verb_prefix(route.operation)
    rest = route.operation[len(prefix) :]
    parts = route.path.strip("/").split("/")
    if parts[0] == "api":
        # Assume /api is /apis/core, as upstream does.
        parts = ["apis", "core", *parts[1:]]
    tags: list[str] = []
    if len(parts) >= 2 and parts[0] == "apis":
        trimmed = parts[1].removesuffix(".k8s.io")
        prefix += to_valid_operation_id(trimmed, prefix != "")
        tag = to_valid_operation_id(trimmed, False)
        if len(parts) > 2:
            prefix += to_valid_operation_id(parts[2], prefix != "")
            tag += "_" + to_valid_operation_id(parts[2], False)
        tags.append(tag)
    elif parts:
        tags.append(to_valid_operation_id(parts[0], False))
    return prefix + to_valid_operation_id(rest, prefix != ""), tags


def group_routes_by_path(routes: Iterable[Route]) -> dict[str, list[Route]]:
    by_path: dict[str, list[Route]] = {}
    for route in routes:
        by_path.setdefault(route.path, []).append(route)
    return by_path


def sort_parameters(params: Iterable[Param]) -> list[Param]:
    return sorted(params, key=lambda p: (p.name, p.kind))


def _schema_ref(model: str) -> dict[str, Any]:
    return {"type": "string"} if model == STRING else {"$ref": SWAGGER_REF_PREFIX + model}


def _go_json(value: Any) -> str:
    """How kube-openapi's deterministic JSON encoder writes a parameter: no spaces, no HTML escaping."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _parameter(param: Param) -> dict[str, Any]:
    """A spec.Parameter, with its keys in the order kube-openapi's encoder writes them."""
    out: dict[str, Any] = {}
    if param.kind != "body":
        out["uniqueItems"] = True
        out["type"] = param.data_type
    if param.description:
        out["description"] = param.description
    out["name"] = param.name
    out["in"] = param.kind
    if param.required:
        out["required"] = True
    if param.kind == "body":
        out["schema"] = _schema_ref(param.model)
    return out


def _is_shareable(param: Param) -> bool:
    """collectSharedParameters' exceptions: names and the parameters kubectl used to look for."""
    if param.kind in ("query", "path") and param.name == "name":
        return False
    if param.kind == "query" and param.name in ("fieldValidation", "dryRun"):
        return False
    return not (param.kind == "body" and not param.model.startswith("io.k8s.apimachinery"))


def _base64_hash(text: str) -> str:
    """FNV-64 (not 64a) of the text, its first 6 bytes in URL-safe base64: 8 characters."""
    value = 0xCBF29CE484222325
    for byte in text.encode():
        value = (value * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
        value ^= byte
    return base64.urlsafe_b64encode(value.to_bytes(8, "big")[:6]).decode()


class _Renderer:
    """Renders routes into Swagger operations, sharing one object per distinct value.

    Equal parameters, references, media type lists and responses are the same objects across
    the document, which keeps building cheap and lets the protobuf encoder encode each once.
    """

    def __init__(self) -> None:
        self._params: dict[Param, tuple[dict[str, Any], str | None]] = {}
        self._refs: dict[str, dict[str, str]] = {}
        self._lists: dict[tuple[str, ...], list[str]] = {}
        self._responses: dict[tuple[Response, ...], dict[str, Any]] = {}
        self._gvks: dict[GroupVersionKind, dict[str, str]] = {}
        # deduplicateParameters: the JSON of every shareable parameter, and its first rendering.
        self.shared: dict[str, tuple[Param, dict[str, Any]]] = {}

    def parameter(self, param: Param) -> tuple[dict[str, Any], str | None]:
        """The rendered parameter and, if it is shared, its JSON (the key of its reference)."""
        entry = self._params.get(param)
        if entry is None:
            rendered = _parameter(param)
            key = _go_json(rendered) if _is_shareable(param) else None
            if key is not None:
                self.shared.setdefault(key, (param, rendered))
            entry = self._params[param] = (rendered, key)
        return entry

    def reference(self, name: str) -> dict[str, str]:
        ref = self._refs.get(name)
        if ref is None:
            ref = self._refs[name] = {"$ref": "#/parameters/" + name}
        return ref

    def listed(self, values: tuple[str, ...]) -> list[str]:
        found = self._lists.get(values)
        if found is None:
            found = self._lists[values] = list(values)
        return found

    def responses(self, responses: tuple[Response, ...]) -> dict[str, Any]:
        found = self._responses.get(responses)
        if found is None:
            found = {str(r.code): {"description": r.message, "schema": _schema_ref(r.model)} for r in responses}
            found.setdefault("401", UNAUTHORIZED)
            self._responses[responses] = found
        return found

    def gvk(self, gvk: GroupVersionKind) -> dict[str, str]:
        found = self._gvks.get(gvk)
        if found is None:
            # metav1.GroupVersionKind's fields in struct order, which the protobuf's YAML keeps.
            found = self._gvks[gvk] = {"group": gvk.group, "version": gvk.version, "kind": gvk.kind}
        return found

    def shared_names(self) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
        """The reference name of each shared parameter's JSON, and the ``parameters`` section."""
        names: dict[str, str] = {}
        section: dict[str, dict[str, Any]] = {}
        for key in sorted(self.shared):
            param, rendered = self.shared[key]
            base = param.name or "param"
            name = f"{base}-{_base64_hash(key)}"
            attempt = 0
            while name in section:
                attempt += 1
                name = f"{base}-{attempt}"
            section[name] = rendered
            names[key] = name
        return names, section

    def operation(self, route: Route, params: list[dict[str, Any]]) -> dict[str, Any]:
        operation_id, tags = operation_id_and_tags(route)
        op: dict[str, Any] = {}
        if route.consumes:
            op["consumes"] = self.listed(route.consumes)
        if route.doc:
            op["description"] = route.doc
        op["operationId"] = operation_id
        if params:
            op["parameters"] = params
        if route.produces:
            op["produces"] = self.listed(route.produces)
        op["responses"] = self.responses(route.responses)
        op["schemes"] = SCHEMES
        op["tags"] = self.listed(tuple(tags))
        if route.action:
            op["x-kubernetes-action"] = route.action
        if route.gvk is not None:
            op["x-kubernetes-group-version-kind"] = self.gvk(route.gvk)
        return op


_Rendered = list[tuple[dict[str, Any], str | None]]


def split_parameters(routes: list[Route]) -> tuple[list[Param], list[list[Param]]]:
    """findCommonParameters: the path's common non-body parameters and each route's own, sorted."""
    counts: dict[tuple[str, str], int] = {}
    first: dict[tuple[str, str], Param] = {}
    for route in routes:
        for param in route.params:
            key = (param.name, param.kind)
            counts[key] = counts.get(key, 0) + 1
            first.setdefault(key, param)
    common = {key for key, count in counts.items() if count == len(routes) and key[1] != "body"}
    own = [sort_parameters(p for p in route.params if (p.name, p.kind) not in common) for route in routes]
    return sort_parameters(first[key] for key in common), own


def build_swagger(routes: list[Route], definitions: DefinitionSet, info_version: str) -> dict[str, Any]:
    """The whole ``/openapi/v2`` document of ``routes``."""
    renderer = _Renderer()
    layout: list[tuple[str, _Rendered, list[tuple[Route, _Rendered]]]] = []
    models: set[str] = set()
    # Paths are a map in kube-openapi's spec, which Go writes sorted.
    for path, path_routes in sorted(group_routes_by_path(routes).items()):
        common, own = split_parameters(path_routes)
        operations = []
        for route, own_params in zip(path_routes, own, strict=True):
            models.update(route.models())
            operations.append((route, [renderer.parameter(p) for p in own_params]))
        layout.append((path, [renderer.parameter(p) for p in common], operations))
    names, section = renderer.shared_names()

    def with_refs(params: _Rendered) -> list[dict[str, Any]]:
        return [renderer.reference(names[key]) if key is not None else rendered for rendered, key in params]

    paths: dict[str, dict[str, Any]] = {}
    for path, common_params, operations in layout:
        item: dict[str, Any] = {
            route.method.lower(): renderer.operation(route, with_refs(params)) for route, params in operations
        }
        if common_params:
            item["parameters"] = with_refs(common_params)
        paths[path] = item
    return {
        "definitions": {name: definitions.get(name) for name in definitions.closure(models)},
        "info": {"title": "Kubernetes", "version": info_version},
        "parameters": section,
        "paths": paths,
        "security": SECURITY,
        "securityDefinitions": SECURITY_DEFINITIONS,
        "swagger": "2.0",
    }
