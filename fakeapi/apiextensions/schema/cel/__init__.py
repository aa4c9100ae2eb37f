"""CRD validation rules (apiextensions-apiserver/pkg/apiserver/schema/cel): model, compilation, validation.

This package's modules import the CEL runtime; only :func:`has_rules` is free to call before a
CRD with rules exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fakeapi.apiextensions.schema.structural import Structural


def has_rules(s: Structural | None) -> bool:
    """hasXValidations: any rule at or below ``s``."""
    if s is None:
        return False
    if s.raw.get("x-kubernetes-validations"):
        return True
    children = [*s.properties.values(), s.items, s.additional_properties_schema]
    return any(has_rules(c) for c in children)
