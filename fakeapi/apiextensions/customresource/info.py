"""What one served version of a CRD means to its registry: names, schema, subresources, columns.

Built once per CRD change from the CRD object (crdHandler.getOrCreateServingInfoFor does the
same upstream) and shared by the version's Store, strategies and table convertor.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fakeapi.apiextensions import helpers
from fakeapi.apiextensions.schema.cel import has_rules
from fakeapi.apiextensions.schema.structural import Structural, StructuralError, new_structural
from fakeapi.apimachinery.schema import GroupVersionKind
from fakeapi.registry.resource_spec import ALL_VERBS, ResourceSpec, SubresourceSpec
from fakeapi.storage.interfaces import Object

if TYPE_CHECKING:
    from fakeapi.apiextensions.schema.cel.validation import Validator

SCALE_KIND = GroupVersionKind("autoscaling", "v1", "Scale")


@dataclass(frozen=True)
class CustomResourceSpec(ResourceSpec):
    """A ResourceSpec whose list kind comes from the CRD (``names.listKind``)."""

    crd_list_kind: str = ""

    @property
    def list_kind(self) -> str:
        return self.crd_list_kind or self.kind + "List"

    @property
    def internal_type(self) -> str:
        return "*unstructured.Unstructured"


@dataclass
class CustomResourceVersion:
    """One version of one CRD, as its registry serves it."""

    crd_name: str
    spec: CustomResourceSpec
    storage_version: str
    schema: dict[str, Any] | None
    structural: Structural | None
    status_enabled: bool
    scale: dict[str, Any] | None
    columns: list[dict[str, Any]] = field(default_factory=list)
    # selectable field label (".spec.color" -> "spec.color")
    selectable_fields: list[str] = field(default_factory=list)
    preserve_unknown_fields: bool = False

    @property
    def api_version(self) -> str:
        return self.spec.gvk.api_version

    @functools.cached_property
    def rules(self) -> Validator | None:
        """The compiled x-kubernetes-validations (None without any: the CEL runtime is then never imported)."""
        if not has_rules(self.structural):
            return None
        from fakeapi.apiextensions.schema.cel.validation import new_validator

        return new_validator(self.structural)

    @property
    def storage_api_version(self) -> str:
        return f"{self.spec.group}/{self.storage_version}"


def _deprecation_warnings(spec: dict[str, Any], version: dict[str, Any], kind: str) -> tuple[str, ...]:
    """The warning of a deprecated version (customresource_handler.go): its deprecationWarning, or
    defaultDeprecationWarning naming the highest served, not deprecated, newer version."""
    if not version.get("deprecated"):
        return ()
    if version.get("deprecationWarning") is not None:
        return (str(version["deprecationWarning"]),)
    name, group = str(version.get("name")), str(spec.get("group"))
    message = f"{group}/{name} {kind} is deprecated"
    newer = [
        str(v.get("name"))
        for v in spec.get("versions") or []
        if v.get("served") and not v.get("deprecated") and helpers.kube_aware_less(name, str(v.get("name")))
    ]
    if newer:
        message += f"; use {group}/{helpers.sort_versions(newer)[0]} {kind}"
    return (message,)


def version_info(crd: Object, version: dict[str, Any]) -> CustomResourceVersion:
    """The serving info of ``version`` of ``crd``, named by its accepted names."""
    accepted = helpers.accepted_names_of(crd)
    spec = helpers.spec_of(crd)
    name = str(version.get("name"))
    schema = helpers.schema_for_version(crd, name)
    try:
        structural = new_structural(schema)
    except StructuralError:
        structural = None
    subresources = helpers.subresources_for_version(crd, name)
    scale = subresources.get("scale") if isinstance(subresources.get("scale"), dict) else None
    status_enabled = subresources.get("status") is not None
    sub_specs = []
    if scale is not None:
        sub_specs.append(SubresourceSpec("scale", kind=SCALE_KIND))
    if status_enabled:
        sub_specs.append(SubresourceSpec("status"))
    selectable = [
        str(f.get("jsonPath", "")).lstrip(".") for f in version.get("selectableFields") or [] if isinstance(f, dict)
    ]
    resource_spec = CustomResourceSpec(
        group=str(spec.get("group")),
        version=name,
        resource=str(accepted.get("plural")),
        kind=str(accepted.get("kind")),
        namespaced=helpers.is_namespaced(crd),
        short_names=tuple(accepted.get("shortNames") or ()),
        categories=tuple(accepted.get("categories") or ()),
        verbs=ALL_VERBS,
        subresources=tuple(sub_specs),
        selectable_fields={label: label for label in selectable},
        tracks_generation=True,
        singular=str(accepted.get("singular") or ""),
        crd_list_kind=str(accepted.get("listKind") or ""),
        warnings=_deprecation_warnings(spec, version, str(accepted.get("kind"))),
    )
    return CustomResourceVersion(
        crd_name=helpers.name_of(crd),
        spec=resource_spec,
        storage_version=helpers.storage_version(crd) or name,
        schema=schema,
        structural=structural,
        status_enabled=status_enabled,
        scale=scale,
        columns=[c for c in version.get("additionalPrinterColumns") or [] if isinstance(c, dict)],
        selectable_fields=selectable,
        preserve_unknown_fields=bool(spec.get("preserveUnknownFields")),
    )
