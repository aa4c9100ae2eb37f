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


# What v2 cannot say: junctors, and nullable (a nullable value is left untyped instead).
_NOT_IN_V2 = frozenset({"allOf", "anyOf", "oneOf", "not", "nullable", "x-kubernetes-validations"})


def _to_v2(schema: dict[str, Any]) -> dict[str, Any]:
    """What OpenAPI v2 can say of a structural schema, and what kubectl's client-side validation can
    read (openapi/v2 ToStructuralOpenAPIV2): no junctors; a nullable value untyped; and no
    properties or items where unknown fields are kept (``x-kubernetes-preserve-unknown-fields``),
    since kubectl would refuse every field they do not list.

    Like the Structural visitor upstream, only schemas are walked (properties, items,
    additionalProperties): a property named ``type`` or ``required`` is a name, and a default or
    an enum is a value, never a schema keyword.
    """
    out = {k: v for k, v in schema.items() if k not in _NOT_IN_V2}
    properties: dict[str, Any] = schema.get("properties") or {}
    if properties:
        out["properties"] = {name: _to_v2(sub) if isinstance(sub, dict) else sub for name, sub in properties.items()}
    items = schema.get("items")
    if isinstance(items, dict):
        out["items"] = _to_v2(items)
    elif isinstance(items, list):
        out["items"] = [_to_v2(item) if isinstance(item, dict) else item for item in items]
    additional = schema.get("additionalProperties")
    if isinstance(additional, dict):
        out["additionalProperties"] = _to_v2(additional)
    if schema.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
    preserve = schema.get("x-kubernetes-preserve-unknown-fields") is True
    if schema.get("nullable"):
        # A nullable value may be null, which v2's type cannot say; untyped, kubectl needs no fields listed.
        out.pop("type", None)
    if schema.get("nullable") or preserve:
        out.pop("items", None)
        out.pop("properties", None)
    if (out.get("type") == "array" and "items" not in out) or (preserve and out.get("type") == "object"):
        del out["type"]
    if isinstance(additional, dict) and additional.get("nullable"):
        out.pop("required", None)
    elif isinstance(out.get("required"), list):
        out["required"] = [
            name
            for name in out["required"]
            if not (isinstance(properties.get(name), dict) and properties[name].get("nullable"))
        ]
        if not out["required"]:
            del out["required"]
    return out


def definitions(info: CustomResourceVersion, *, v2: bool) -> dict[str, dict[str, Any]]:
    """The kind and list-kind definitions of one served version, for ``/openapi/v2`` or for the v3
    documents (which keep the whole structural schema)."""
    spec = info.spec
    name = definition_name(spec.group, spec.version, spec.kind)
    list_name = definition_name(spec.group, spec.version, spec.list_kind)
    kind: dict[str, Any]
    if info.schema is None or (v2 and info.schema.get("x-kubernetes-preserve-unknown-fields") is True):
        # buildKubeNative: no properties at all, not even the type meta's, or kubectl would refuse the rest.
        kind = {"type": "object"}
    else:
        kind = _to_v2(deep_copy_json(info.schema)) if v2 else deep_copy_json(info.schema)
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
