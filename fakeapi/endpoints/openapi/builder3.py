"""The OpenAPI 3.0 document of one group-version (k8s.io/kube-openapi/pkg/builder3).

kube-apiserver serves one document per group-version at ``/openapi/v3/<prefix>``; builder3's
``BuildOpenAPISpecFromRoutes`` renders the same routes as the Swagger 2.0 builder, with the
OpenAPI 3.0 shapes: parameters carry a ``schema`` (``{type, uniqueItems}``), the body becomes a
``requestBody`` with one entry per consumed media type, responses have one ``content`` entry per
produced media type, and definitions live in ``components.schemas`` with ``$ref``s that have
siblings wrapped in ``allOf``. Parameters are not deduplicated into references, and the security
scheme is published under ``components.securitySchemes`` without a top-level requirement.
"""

from __future__ import annotations

import json
from typing import Any

from fakeapi.endpoints.openapi.builder import (
    SECURITY_DEFINITIONS,
    UNAUTHORIZED,
    group_routes_by_path,
    operation_id_and_tags,
    split_parameters,
)
from fakeapi.endpoints.openapi.definitions import V3_REF_PREFIX, DefinitionSet
from fakeapi.endpoints.openapi.parameters import Param
from fakeapi.endpoints.openapi.routes import STRING, Route


def _schema_ref(model: str) -> dict[str, Any]:
    return {"type": "string"} if model == STRING else {"$ref": V3_REF_PREFIX + model}


def _parameter(param: Param) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if param.description:
        out["description"] = param.description
    out["in"] = param.kind
    out["name"] = param.name
    if param.required:
        out["required"] = True
    out["schema"] = {"type": param.data_type, "uniqueItems": True}
    return out


def _operation(route: Route, params: list[Param]) -> dict[str, Any]:
    operation_id, tags = operation_id_and_tags(route)
    op: dict[str, Any] = {}
    if route.doc:
        op["description"] = route.doc
    op["operationId"] = operation_id
    if params:
        op["parameters"] = [_parameter(p) for p in params]
    body = next((p for p in route.params if p.kind == "body"), None)
    if body is not None:
        request_body: dict[str, Any] = {
            "content": {media: {"schema": _schema_ref(body.model)} for media in route.consumes}
        }
        if body.required:
            request_body["required"] = True
        op["requestBody"] = request_body
    responses: dict[str, Any] = {}
    for response in route.responses:
        schema = _schema_ref(response.model)
        responses[str(response.code)] = {
            "content": {media: {"schema": schema} for media in sorted(route.produces)},
            "description": response.message,
        }
    responses.setdefault("401", UNAUTHORIZED)
    op["responses"] = responses
    op["tags"] = tags
    if route.action:
        op["x-kubernetes-action"] = route.action
    if route.gvk is not None:
        gvk = route.gvk
        op["x-kubernetes-group-version-kind"] = {"group": gvk.group, "version": gvk.version, "kind": gvk.kind}
    return op


def build_openapi_v3(routes: list[Route], definitions: DefinitionSet, info_version: str) -> bytes:
    """The ``/openapi/v3/<group-version>`` document of ``routes``, JSON-encoded.

    The definitions' JSON is made once per definition and spliced in, so the many documents
    that share ObjectMeta and friends do not encode them again.
    """
    paths: dict[str, dict[str, Any]] = {}
    models: set[str] = set()
    for path, path_routes in sorted(group_routes_by_path(routes).items()):
        common, own = split_parameters(path_routes)
        item: dict[str, Any] = {}
        for route, own_params in zip(path_routes, own, strict=True):
            models.update(route.models())
            item[route.method.lower()] = _operation(route, [p for p in own_params if p.kind != "body"])
        if common:
            item["parameters"] = [_parameter(p) for p in common]
        paths[path] = dict(sorted(item.items()))
    schemas = ",".join(f"{_dumps(name)}:{definitions.v3_json(name)}" for name in definitions.closure(models))
    text = (
        f'{{"components":{{"schemas":{{{schemas}}},"securitySchemes":{_dumps(SECURITY_DEFINITIONS)}}},'
        f'"info":{_dumps({"title": "Kubernetes", "version": info_version})},"openapi":"3.0.0",'
        f'"paths":{_dumps(paths)}}}'
    )
    return text.encode()


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
