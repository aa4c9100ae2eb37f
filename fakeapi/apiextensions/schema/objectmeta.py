"""Validation of the apiVersion, kind and metadata of embedded resources.

Mirrors apiextensions-apiserver/pkg/apiserver/schema/objectmeta/validation.go: below every
``x-kubernetes-embedded-resource``, apiVersion and kind are required strings (kind a DNS-1035
label in any case) and metadata is validated as ObjectMeta with path-segment names.
"""

from __future__ import annotations

from typing import Any

from fakeapi.apiextensions.gofmt import field_value
from fakeapi.apiextensions.schema.structural import Structural
from fakeapi.apimachinery import field as fe
from fakeapi.apimachinery import validation
from fakeapi.apimachinery.field import FieldError


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def validate_embedded(path: str, x: Any, s: Structural | None) -> list[FieldError]:
    """Validate every embedded resource in ``x`` (the resource root itself is validated elsewhere)."""
    if s is None:
        return []
    errs: list[FieldError] = []
    if isinstance(x, dict):
        if s.embedded_resource:
            errs += _embedded_resource(path, x)
        for k, v in x.items():
            prop = s.properties.get(k)
            if prop is not None:
                errs += validate_embedded(_join(path, k), v, prop)
            elif s.additional_properties is not None:
                errs += validate_embedded(f"{path}[{k}]", v, s.additional_properties_schema)
    elif isinstance(x, list):
        for i, v in enumerate(x):
            errs += validate_embedded(f"{path}[{i}]", v, s.items)
    return errs


def _parse_group_version_error(api_version: str) -> str | None:
    """schema.ParseGroupVersion: at most one slash, neither part empty when there is one."""
    if api_version.count("/") > 1 or (api_version.count("/") == 1 and "" in api_version.split("/")):
        return f"unexpected GroupVersion string: {api_version}"
    return None


def _embedded_resource(path: str, x: dict[str, Any]) -> list[FieldError]:
    errs: list[FieldError] = []
    if "apiVersion" not in x:
        errs.append(fe.required(_join(path, "apiVersion")))
    if "kind" not in x:
        errs.append(fe.required(_join(path, "kind")))
    for k, v in x.items():
        if k == "apiVersion":
            if not isinstance(v, str):
                errs.append(fe.invalid(_join(path, "apiVersion"), field_value(v), "must be a string"))
            elif not v:
                errs.append(fe.required(_join(path, "apiVersion")))
            elif (problem := _parse_group_version_error(v)) is not None:
                errs.append(fe.invalid(_join(path, "apiVersion"), v, problem))
        elif k == "kind":
            if not isinstance(v, str):
                errs.append(fe.invalid(_join(path, "kind"), field_value(v), "must be a string"))
            elif not v:
                errs.append(fe.required(_join(path, "kind")))
            elif problems := validation.is_dns1035_label(v.lower()):
                errs.append(
                    fe.invalid(
                        _join(path, "kind"), v, "may have mixed case, but should otherwise match: " + ",".join(problems)
                    )
                )
        elif k == "metadata":
            errs += _object_meta(_join(path, "metadata"), v)
    return errs


def _object_meta(path: str, meta: Any) -> list[FieldError]:
    if not isinstance(meta, dict):
        return [fe.invalid(path, field_value(meta), "expected map")]
    errs: list[FieldError] = []
    name = meta.get("name") or "fakename"  # upstream sets a name to avoid the required error
    errs += [fe.invalid(_join(path, "name"), name, m) for m in validation.is_valid_path_segment_name(str(name))]
    namespace = meta.get("namespace")
    if namespace:
        errs += [
            fe.invalid(_join(path, "namespace"), namespace, m) for m in validation.is_dns1123_label(str(namespace))
        ]
    errs += validation.validate_labels(meta.get("labels"), _join(path, "labels"))
    errs += validation.validate_annotations(meta.get("annotations"), _join(path, "annotations"))
    errs += validation.validate_owner_references(meta.get("ownerReferences"), _join(path, "ownerReferences"))
    errs += validation.validate_finalizers(meta.get("finalizers"), _join(path, "finalizers"))
    return errs
