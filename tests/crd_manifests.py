"""CustomResourceDefinition manifests for the tests: one served and stored version, ``v1``."""

from __future__ import annotations

from typing import Any

# A schema that takes any content.
ANY_CONTENT: dict[str, Any] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}


def crd_manifest(
    kind: str,
    group: str = "example.com",
    *,
    schema: dict[str, Any] | None = None,
    scope: str = "Namespaced",
    names: dict[str, Any] | None = None,
    **version: Any,
) -> dict[str, Any]:
    """The CRD of ``kind`` (plural: lower-case kind + "s"); ``version`` adds to the v1 entry
    (subresources, additionalPrinterColumns...), ``names`` to the names (shortNames...)."""
    plural = kind.lower() + "s"
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "scope": scope,
            "names": {"plural": plural, "singular": kind.lower(), "kind": kind, **(names or {})},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    **version,
                    "schema": {"openAPIV3Schema": schema if schema is not None else ANY_CONTENT},
                }
            ],
        },
    }
