"""The OpenAPI (Swagger 2.0) definitions of a CRD's served versions.

Mirrors apiextensions-apiserver/pkg/controller/openapi/builder/builder.go as far as the
definitions go: each kind is named by its reversed group, version and kind
(``com.example.v1.Widget``), its schema gains apiVersion, kind and a reference to ObjectMeta,
the list kind references its items and ListMeta, and both carry
``x-kubernetes-group-version-kind`` so the routes of discovery find them. v2 has no
``nullable`` nor ``anyOf`` of int-or-string, so those are dropped as the v2 builder does.
"""

from __future__ import annotations

from typing import Any

from fakeapi.apiextensions.customresource.info import CustomResourceVersion
from fakeapi.apimachinery.jsonutil import deep_copy_json

DEFINITIONS = "#/definitions/"
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
LIST_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"
API_VERSION_DESCRIPTION = (
    "APIVersion defines the versioned schema of this representation of an object. Servers should convert "
    "recognized schemas to the latest internal value, and may reject unrecognized values. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources"
)
KIND_DESCRIPTION = (
    "Kind is a string value representing the REST resource this object represents. Servers may infer this from "
    "the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"
)


def definition_name(group: str, version: str, kind: str) -> str:
    """util.ToRESTFriendlyName of ``group/version/kind``: the group's domain reversed."""
    return ".".join([*reversed(group.split(".")), version, kind])


def _to_v2(schema: Any) -> Any:
    """What OpenAPI v2 can say of a structural schema."""
    if isinstance(schema, list):
        return [_to_v2(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _to_v2(v) for k, v in schema.items() if k not in ("nullable", "x-kubernetes-validations")}
    if schema.get("x-kubernetes-int-or-string"):
        out.pop("anyOf", None)
        out.pop("type", None)
    if schema.get("nullable") and "type" in out:
        del out["type"]  # a nullable value may be null, which v2's type cannot say
    for junctor in ("allOf", "anyOf", "oneOf", "not"):
        out.pop(junctor, None)
    return out


def definitions(info: CustomResourceVersion) -> dict[str, dict[str, Any]]:
    """The kind and list-kind definitions of one served version."""
    spec = info.spec
    name = definition_name(spec.group, spec.version, spec.kind)
    list_name = definition_name(spec.group, spec.version, spec.list_kind)
    kind: dict[str, Any] = _to_v2(deep_copy_json(info.schema)) if info.schema is not None else {"type": "object"}
    properties: dict[str, Any] = kind.setdefault("properties", {})
    properties["apiVersion"] = {"description": API_VERSION_DESCRIPTION, "type": "string"}
    properties["kind"] = {"description": KIND_DESCRIPTION, "type": "string"}
    properties["metadata"] = {"$ref": DEFINITIONS + OBJECT_META}
    kind["x-kubernetes-group-version-kind"] = [{"group": spec.group, "kind": spec.kind, "version": spec.version}]
    list_kind = {
        "description": f"{spec.list_kind} is a list of {spec.kind}",
        "type": "object",
        "required": ["items"],
        "properties": {
            "apiVersion": {"description": API_VERSION_DESCRIPTION, "type": "string"},
            "items": {
                "description": f"List of {spec.resource}. More info: "
                "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md",
                "type": "array",
                "items": {"$ref": DEFINITIONS + name},
            },
            "kind": {"description": KIND_DESCRIPTION, "type": "string"},
            "metadata": {"$ref": DEFINITIONS + LIST_META},
        },
        "x-kubernetes-group-version-kind": [{"group": spec.group, "kind": spec.list_kind, "version": spec.version}],
    }
    return {name: kind, list_name: list_kind}
