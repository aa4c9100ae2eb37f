"""Validation of kinds that carry no pod spec and have no strategy of their own for it.

Each function follows its kind's upstream Validate function, for what clients meet most:

- PersistentVolumeClaim (core/validation ValidatePersistentVolumeClaimSpec): at least one access
  mode, each a supported one, ReadWriteOncePod alone; a storage request, greater than zero; a
  supported volumeMode.
- HorizontalPodAutoscaler (autoscaling/validation validateHorizontalPodAutoscalerSpec): minReplicas
  at least 1, maxReplicas above 0 and not below minReplicas; a scale target with a kind and name.
- NetworkPolicy (networking/validation ValidateNetworkPolicySpec): at most two policy types, each
  Ingress or Egress.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fakeapi.apimachinery import field
from fakeapi.apimachinery.field import FieldError
from fakeapi.apimachinery.quantity import canonical_quantity, parse_quantity
from fakeapi.apimachinery.schema import GroupKind
from fakeapi.storage.interfaces import Object

ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]
VOLUME_MODES = ["Block", "Filesystem"]
POLICY_TYPES = ["Ingress", "Egress"]


def _spec(obj: Object) -> dict[str, Any]:
    spec = obj.get("spec")
    return spec if isinstance(spec, dict) else {}


def _persistent_volume_claim(obj: Object) -> list[FieldError]:
    spec = _spec(obj)
    errs: list[FieldError] = []
    modes = spec.get("accessModes")
    modes = modes if isinstance(modes, list) else []
    if not modes:
        errs.append(field.required("spec.accessModes", "at least 1 access mode is required"))
    errs += [field.not_supported("spec.accessModes", m, ACCESS_MODES) for m in modes if m not in ACCESS_MODES]
    if "ReadWriteOncePod" in modes and len(modes) > 1:
        errs.append(field.forbidden("spec.accessModes", "may not use ReadWriteOncePod with other access modes"))
    resources = spec.get("resources")
    requests = resources.get("requests") if isinstance(resources, dict) else None
    storage = requests.get("storage") if isinstance(requests, dict) else None
    if storage is None:
        errs.append(field.required("spec.resources[storage]", ""))
    else:
        try:
            positive = parse_quantity(storage) > 0
        except (ValueError, TypeError):
            positive = True  # the schema check refuses what does not parse
        if not positive:
            errs.append(
                field.invalid("spec.resources[storage]", canonical_quantity(storage), "must be greater than zero")
            )
    mode = spec.get("volumeMode")
    if isinstance(mode, str) and mode not in VOLUME_MODES:
        errs.append(field.not_supported("spec.volumeMode", mode, VOLUME_MODES))
    return errs


def _horizontal_pod_autoscaler(obj: Object) -> list[FieldError]:
    spec = _spec(obj)
    errs: list[FieldError] = []
    low, high = spec.get("minReplicas"), spec.get("maxReplicas")
    if isinstance(low, int) and low < 1:
        errs.append(field.invalid("spec.minReplicas", low, "must be greater than or equal to 1"))
    if isinstance(high, int) and high < 1:
        errs.append(field.invalid("spec.maxReplicas", high, "must be greater than 0"))
    if isinstance(low, int) and isinstance(high, int) and high < low:
        errs.append(field.invalid("spec.maxReplicas", high, "must be greater than or equal to `minReplicas`"))
    target = spec.get("scaleTargetRef")
    target = target if isinstance(target, dict) else {}
    for key in ("kind", "name"):
        if not target.get(key):
            errs.append(field.required(f"spec.scaleTargetRef.{key}", ""))
    return errs


def _network_policy(obj: Object) -> list[FieldError]:
    types = _spec(obj).get("policyTypes")
    if not isinstance(types, list):
        return []
    if len(types) > len(POLICY_TYPES):
        return [field.invalid("spec.policyTypes", types, "may not specify more than two policyTypes")]
    return [
        field.not_supported(f"spec.policyTypes[{i}]", kind, POLICY_TYPES)
        for i, kind in enumerate(types)
        if kind not in POLICY_TYPES
    ]


_VALIDATORS: dict[GroupKind, Callable[[Object], list[FieldError]]] = {
    GroupKind("", "PersistentVolumeClaim"): _persistent_volume_claim,
    GroupKind("autoscaling", "HorizontalPodAutoscaler"): _horizontal_pod_autoscaler,
    GroupKind("networking.k8s.io", "NetworkPolicy"): _network_policy,
}


def validate_kind(group_kind: GroupKind, obj: Object) -> list[FieldError]:
    """The errors of ``obj`` that its kind's validation finds (none for a kind not listed here)."""
    validator = _VALIDATORS.get(group_kind)
    return validator(obj) if validator is not None else []
