"""Accessors for CustomResourceDefinition objects (apiextensions-apiserver/pkg/apihelpers/helpers.go).

CRDs are kept as their JSON (apiextensions.k8s.io/v1) form. These helpers read the per-version
schema, subresources, printer columns and selectable fields, find the storage version, and
get and set status conditions the way ``SetCRDCondition`` does (lastTransitionTime changes
only when the status does).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import now_rfc3339

GROUP = "apiextensions.k8s.io"
CRD_RESOURCE = "customresourcedefinitions"
CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"
API_APPROVED_ANNOTATION = "api-approved.kubernetes.io"

# Condition types.
ESTABLISHED = "Established"
NAMES_ACCEPTED = "NamesAccepted"
TERMINATING = "Terminating"
NON_STRUCTURAL_SCHEMA = "NonStructuralSchema"
API_APPROVAL_POLICY_CONFORMANT = "KubernetesAPIApprovalPolicyConformant"

TRUE, FALSE, UNKNOWN = "True", "False", "Unknown"


def spec_of(crd: Object) -> dict[str, Any]:
    spec = crd.get("spec")
    return spec if isinstance(spec, dict) else {}


def status_of(crd: Object) -> dict[str, Any]:
    status = crd.get("status")
    return status if isinstance(status, dict) else {}


def versions_of(crd: Object) -> list[dict[str, Any]]:
    return [v for v in spec_of(crd).get("versions") or [] if isinstance(v, dict)]


def names_of(crd: Object) -> dict[str, Any]:
    names = spec_of(crd).get("names")
    return names if isinstance(names, dict) else {}


def accepted_names_of(crd: Object) -> dict[str, Any]:
    names = status_of(crd).get("acceptedNames")
    return names if isinstance(names, dict) else {}


def name_of(crd: Object) -> str:
    return str((crd.get("metadata") or {}).get("name") or "")


def storage_version(crd: Object) -> str | None:
    """apihelpers.GetCRDStorageVersion."""
    return next((str(v.get("name")) for v in versions_of(crd) if v.get("storage")), None)


def served_versions(crd: Object) -> list[dict[str, Any]]:
    return [v for v in versions_of(crd) if v.get("served")]


def version_of(crd: Object, version: str) -> dict[str, Any] | None:
    return next((v for v in versions_of(crd) if v.get("name") == version), None)


def schema_for_version(crd: Object, version: str) -> dict[str, Any] | None:
    """The openAPIV3Schema of one version, or None."""
    v = version_of(crd, version) or {}
    schema = (v.get("schema") or {}).get("openAPIV3Schema")
    return schema if isinstance(schema, dict) else None


def subresources_for_version(crd: Object, version: str) -> dict[str, Any]:
    subresources = (version_of(crd, version) or {}).get("subresources")
    return subresources if isinstance(subresources, dict) else {}


def is_namespaced(crd: Object) -> bool:
    return spec_of(crd).get("scope") == "Namespaced"


# -- conditions -------------------------------------------------------------------------------


def find_condition(crd: Object, condition_type: str) -> dict[str, Any] | None:
    return next(
        (c for c in status_of(crd).get("conditions") or [] if isinstance(c, dict) and c.get("type") == condition_type),
        None,
    )


def is_condition_true(crd: Object, condition_type: str) -> bool:
    condition = find_condition(crd, condition_type)
    return condition is not None and condition.get("status") == TRUE


def set_condition(status: dict[str, Any], condition: dict[str, Any]) -> None:
    """SetCRDCondition: replace the condition of that type, keeping its lastTransitionTime if the status holds."""
    conditions: list[dict[str, Any]] = status.setdefault("conditions", [])
    new = {
        "type": condition["type"],
        "status": condition["status"],
        "lastTransitionTime": now_rfc3339(),
        "reason": condition.get("reason", ""),
        "message": condition.get("message", ""),
    }
    new = {k: v for k, v in new.items() if v != "" or k in ("type", "status")}
    for index, existing in enumerate(conditions):
        if existing.get("type") == condition["type"]:
            if existing.get("status") == condition["status"] and existing.get("lastTransitionTime"):
                new["lastTransitionTime"] = existing["lastTransitionTime"]
            conditions[index] = new
            return
    conditions.append(new)


# -- API approval (apihelpers.GetAPIApprovalState) ---------------------------------------------


def is_protected_community_group(group: str) -> bool:
    return group in ("k8s.io", "kubernetes.io") or group.endswith((".k8s.io", ".kubernetes.io"))


def api_approval_state(annotations: dict[str, Any] | None) -> tuple[str, str]:
    """("Missing" | "Bypassed" | "Invalid" | "Approved", reason)."""
    annotation = str((annotations or {}).get(API_APPROVED_ANNOTATION) or "")
    enhancements = "see https://github.com/kubernetes/enhancements/pull/1111"
    if not annotation:
        return "Missing", f'protected groups must have approval annotation "{API_APPROVED_ANNOTATION}", {enhancements}'
    if annotation.startswith("unapproved"):
        return "Bypassed", f'not approved: "{annotation}"'
    if not _is_request_uri(annotation):
        return (
            "Invalid",
            f'protected groups must have approval annotation "{API_APPROVED_ANNOTATION}" with either a URL or a '
            f'reason starting with "unapproved", {enhancements}',
        )
    return "Approved", f"approved in {annotation}"


def _is_request_uri(text: str) -> bool:
    """url.ParseRequestURI accepts absolute URLs and absolute paths."""
    if text.startswith("/"):
        return True
    parts = urlsplit(text)
    return bool(parts.scheme) and bool(parts.netloc or parts.path)


# -- version ordering (apimachinery/pkg/version CompareKubeAwareVersionStrings) -----------------

_KUBE_VERSION = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


def _version_key(name: str) -> tuple[int, int, int, str]:
    match = _KUBE_VERSION.match(name)
    if match is None:
        return (3, 0, 0, name)  # not kube-like: after every kube-like version, alphabetically
    major, stage, minor = int(match.group(1)), match.group(2), int(match.group(3) or 0)
    rank = {None: 0, "beta": 1, "alpha": 2}[stage]
    return (rank, -major, -minor, name)


def kube_aware_less(a: str, b: str) -> bool:
    """CompareKubeAwareVersionStrings(a, b) < 0: ``a`` has the lower priority."""
    return _version_key(a) > _version_key(b)


def sort_versions(names: list[str]) -> list[str]:
    """Kube-aware priority: GA before beta before alpha, higher numbers first, others last by name."""
    return sorted(names, key=_version_key)
