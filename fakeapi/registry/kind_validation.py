"""Validation of kinds that carry no pod spec and have no strategy of their own for it.

Each function follows its kind's upstream Validate function, for what clients meet most:

- PersistentVolumeClaim (core/validation ValidatePersistentVolumeClaimSpec): at least one access
  mode, each a supported one, ReadWriteOncePod alone; a storage request, greater than zero; a
  supported volumeMode.
- HorizontalPodAutoscaler (autoscaling/validation validateHorizontalPodAutoscalerSpec): minReplicas
  at least 1, maxReplicas above 0 and not below minReplicas; a scale target with a kind and name.
- NetworkPolicy (networking/validation ValidateNetworkPolicySpec): at most two policy types, each
  Ingress or Egress.
- PodDisruptionBudget (policy/validation ValidatePodDisruptionBudgetSpec): minAvailable or
  maxUnavailable, not both, each a count not below 0 or a percentage up to 100%; a supported
  unhealthyPodEvictionPolicy.
- ResourceQuota (core/validation ValidateResourceQuotaSpec): hard limits on standard quota
  resources (or domain-qualified ones), amounts not below 0, whole numbers for object counts.
- LimitRange (core/validation ValidateLimitRange): one item per type, no defaults for a Pod item, a
  claim item's storage bound, and per resource min <= defaultRequest <= default <= max, a
  maxLimitRequestRatio of at least 1 and within max/min, equal defaults where no overcommit is
  allowed.
- Ingress (networking/validation ValidateIngressSpec, validateIngressRules): rules or a default
  backend; hosts that are DNS names or wildcard ones (``*.example.com``), each path with a
  supported pathType, absolute where the type needs it, without ``//``, ``/./``, ``/../`` or
  encoded slashes; one backend, a service's with a valid name and a port name or number.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from fakeapi.apimachinery import field
from fakeapi.apimachinery.field import FieldError, marshalled
from fakeapi.apimachinery.quantity import canonical_quantity, parse_quantity
from fakeapi.apimachinery.schema import GroupKind
from fakeapi.apimachinery.validation import (
    IS_NEGATIVE_ERROR_MSG,
    is_dns1035_label,
    is_dns1123_subdomain,
    is_valid_port_name,
    is_valid_port_num,
    is_wildcard_dns1123_subdomain,
)
from fakeapi.registry.container_validation import overcommit_allowed
from fakeapi.registry.workload_validation import (
    label_selector_json,
    not_more_than_100_percent,
    positive_int_or_percent,
    spec_of,
)
from fakeapi.storage.interfaces import Object

ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]
VOLUME_MODES = ["Block", "Filesystem"]
POLICY_TYPES = ["Ingress", "Egress"]
PATH_TYPES = ["Exact", "ImplementationSpecific", "Prefix"]
_INVALID_PATH_SEQUENCES = ("//", "/./", "/../", "%2f", "%2F")
_INVALID_PATH_SUFFIXES = ("/..", "/.")
UNHEALTHY_POD_EVICTION_POLICIES = ["AlwaysAllow", "IfHealthyBudget"]
# helper.IsStandardQuotaResourceName's set (huge pages come by prefix) and IsIntegerResourceName's.
_COUNTED_RESOURCES = frozenset(
    {
        "pods",
        "resourcequotas",
        "services",
        "replicationcontrollers",
        "secrets",
        "persistentvolumeclaims",
        "configmaps",
        "services.nodeports",
        "services.loadbalancers",
    }
)
_STANDARD_QUOTA_RESOURCES = _COUNTED_RESOURCES | {
    "cpu",
    "memory",
    "ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.storage",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
}
_QUOTA_HUGE_PAGES = ("hugepages-", "requests.hugepages-")


def _persistent_volume_claim(obj: Object) -> list[FieldError]:
    spec = spec_of(obj)
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
    spec = spec_of(obj)
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
    types = spec_of(obj).get("policyTypes")
    if not isinstance(types, list):
        return []
    if len(types) > len(POLICY_TYPES):
        return [field.invalid("spec.policyTypes", types, "may not specify more than two policyTypes")]
    return [
        field.not_supported(f"spec.policyTypes[{i}]", kind, POLICY_TYPES)
        for i, kind in enumerate(types)
        if kind not in POLICY_TYPES
    ]


def _ingress(obj: Object) -> list[FieldError]:
    errs: list[FieldError] = []
    spec = spec_of(obj)
    if isinstance(spec.get("defaultBackend"), dict):
        errs += _ingress_backend(spec["defaultBackend"], "spec.defaultBackend")
    rules = spec.get("rules")
    if not rules and spec.get("defaultBackend") is None:
        # The value is the rules as json.Marshal writes them: null when absent.
        errs.append(field.invalid("spec", rules, "either `defaultBackend` or `rules` must be specified"))
    for i, rule in enumerate(rules if isinstance(rules, list) else []):
        rule = rule if isinstance(rule, dict) else {}
        host = rule.get("host")
        if isinstance(host, str) and host:
            if _is_ip(host):
                errs.append(field.invalid(f"spec.rules[{i}].host", host, "must be a DNS name, not an IP address"))
            check = is_wildcard_dns1123_subdomain if "*" in host else is_dns1123_subdomain
            errs += [field.invalid(f"spec.rules[{i}].host", host, m) for m in check(host)]
        http = rule.get("http")
        if not isinstance(http, dict):
            continue
        paths = http.get("paths")
        paths = paths if isinstance(paths, list) else []
        if not paths:
            errs.append(field.required(f"spec.rules[{i}].http.paths", ""))
        for j, path in enumerate(paths):
            errs += _ingress_path(path if isinstance(path, dict) else {}, f"spec.rules[{i}].http.paths[{j}]")
    return errs


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _ingress_path(path: dict[str, Any], at: str) -> list[FieldError]:
    """validateHTTPIngressPath."""
    kind, value = path.get("pathType"), path.get("path")
    value = value if isinstance(value, str) else ""
    if kind is None:
        return [field.required(f"{at}.pathType", "pathType must be specified")]
    errs: list[FieldError] = []
    if kind in ("Exact", "Prefix"):
        if not value.startswith("/"):
            errs.append(field.invalid(f"{at}.path", value, "must be an absolute path"))
        if value:
            errs += [
                field.invalid(f"{at}.path", value, f"must not contain '{seq}'")
                for seq in _INVALID_PATH_SEQUENCES
                if seq in value
            ]
            errs += [
                field.invalid(f"{at}.path", value, f"cannot end with '{end}'")
                for end in _INVALID_PATH_SUFFIXES
                if value.endswith(end)
            ]
    elif kind == "ImplementationSpecific":
        if value and not value.startswith("/"):
            errs.append(field.invalid(f"{at}.path", value, "must be an absolute path"))
    else:
        errs.append(field.not_supported(f"{at}.pathType", kind, PATH_TYPES))
    backend = path.get("backend")
    return errs + _ingress_backend(backend if isinstance(backend, dict) else {}, f"{at}.backend")


def _ingress_backend(backend: dict[str, Any], at: str) -> list[FieldError]:
    """validateIngressBackend: a resource or a service, not both; a service's name and port."""
    service, resource = backend.get("service"), backend.get("resource")
    if service is not None and resource is not None:
        return [field.invalid(at, "", "cannot set both resource and service backends")]
    if resource is not None:
        return []
    if not isinstance(service, dict):
        return [field.invalid(at, "", "resource or service backend is required")]
    errs: list[FieldError] = []
    name = service.get("name")
    if not name:
        errs.append(field.required(f"{at}.service.name", ""))
    else:
        errs += [field.invalid(f"{at}.service.name", name, m) for m in is_dns1035_label(str(name))]
    port = service.get("port")
    port = port if isinstance(port, dict) else {}
    port_name, number = port.get("name"), port.get("number")
    if port_name and number:
        errs.append(field.invalid(at, "", "cannot set both port name & port number"))
    elif port_name:
        errs += [field.invalid(f"{at}.service.port.name", port_name, m) for m in is_valid_port_name(str(port_name))]
    elif isinstance(number, int) and number:
        errs += [field.invalid(f"{at}.service.port.number", number, m) for m in is_valid_port_num(number)]
    else:
        errs.append(field.required(at, "port name or number is required"))
    return errs


def _pod_disruption_budget(obj: Object) -> list[FieldError]:
    spec = spec_of(obj)
    errs: list[FieldError] = []
    low, high = spec.get("minAvailable"), spec.get("maxUnavailable")
    if low is not None and high is not None:
        # The internal PodDisruptionBudgetSpec as JSON: Go's field names (internal types have no JSON tags).
        shown = {
            "MinAvailable": low,
            "Selector": None if spec.get("selector") is None else label_selector_json(spec["selector"]),
            "MaxUnavailable": high,
            "UnhealthyPodEvictionPolicy": spec.get("unhealthyPodEvictionPolicy"),
        }
        errs.append(field.invalid("spec", marshalled(shown), "minAvailable and maxUnavailable cannot be both set"))
    for key, value in (("minAvailable", low), ("maxUnavailable", high)):
        if value is not None:
            errs += positive_int_or_percent(value, f"spec.{key}") + not_more_than_100_percent(value, f"spec.{key}")
    policy = spec.get("unhealthyPodEvictionPolicy")
    if isinstance(policy, str) and policy not in UNHEALTHY_POD_EVICTION_POLICIES:
        errs.append(field.not_supported("spec.unhealthyPodEvictionPolicy", policy, UNHEALTHY_POD_EVICTION_POLICIES))
    return errs


def _resource_quota(obj: Object) -> list[FieldError]:
    hard = spec_of(obj).get("hard")
    errs: list[FieldError] = []
    for name, amount in sorted(hard.items()) if isinstance(hard, dict) else []:
        path = f"spec.hard[{name}]"
        if "/" not in name and name not in _STANDARD_QUOTA_RESOURCES and not name.startswith(_QUOTA_HUGE_PAGES):
            errs.append(field.invalid(path, name, "must be a standard resource for quota"))
        try:
            value = parse_quantity(amount)
        except (ValueError, TypeError):
            continue  # the schema check refuses what does not parse
        if value < 0:
            errs.append(field.invalid(path, canonical_quantity(amount), IS_NEGATIVE_ERROR_MSG))
        if name in _COUNTED_RESOURCES and value.denominator != 1:
            errs.append(field.invalid(path, canonical_quantity(amount), "must be an integer"))
    return errs


def _limit_range(obj: Object) -> list[FieldError]:
    limits = spec_of(obj).get("limits")
    errs: list[FieldError] = []
    seen_types: set[Any] = set()
    for i, item in enumerate(limits if isinstance(limits, list) else []):
        item = item if isinstance(item, dict) else {}
        path = f"spec.limits[{i}]"
        kind = item.get("type")
        if kind in seen_types:
            errs.append(field.duplicate(f"{path}.type", kind))
        seen_types.add(kind)
        if kind == "Pod":
            errs += [
                field.forbidden(f"{path}.{key}", "may not be specified when `type` is 'Pod'")
                for key in ("default", "defaultRequest")
                if item.get(key)
            ]
        bounds = {key: _amounts(item.get(key)) for key in _LIMIT_BOUNDS}
        if kind == "Pod":
            bounds["default"] = bounds["defaultRequest"] = {}
        if kind == "PersistentVolumeClaim" and "storage" not in bounds["min"] and "storage" not in bounds["max"]:
            errs.append(
                field.required(
                    f"{path}.limits", "either minimum or maximum storage value is required, but neither was provided"
                )
            )
        for resource in sorted(set().union(*bounds.values())):
            errs += _limit_range_bounds(path, resource, {key: found.get(resource) for key, found in bounds.items()})
    return errs


# A LimitRange item's maps of amounts.
_LIMIT_BOUNDS = ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio")


def _amounts(amounts: Any) -> dict[str, tuple[Fraction, str]]:
    """Each amount that parses, with its Quantity.String."""
    parsed: dict[str, tuple[Fraction, str]] = {}
    for name, amount in amounts.items() if isinstance(amounts, dict) else []:
        try:
            parsed[name] = (parse_quantity(amount), canonical_quantity(amount))
        except (ValueError, TypeError):
            continue  # the schema check refuses what does not parse
    return parsed


def _limit_range_bounds(path: str, resource: str, found: dict[str, tuple[Fraction, str] | None]) -> list[FieldError]:
    """ValidateLimitRange's comparisons of one resource's bounds, in upstream's order."""
    low, high, ratio = found["min"], found["max"], found["maxLimitRequestRatio"]
    default, request = found["default"], found["defaultRequest"]
    errs: list[FieldError] = []

    def at(key: str) -> str:
        return f"{path}.{key}[{resource}]"

    if low and high and low[0] > high[0]:
        errs.append(field.invalid(at("min"), low[1], f"min value {low[1]} is greater than max value {high[1]}"))
    if request and low and low[0] > request[0]:
        detail = f"min value {low[1]} is greater than default request value {request[1]}"
        errs.append(field.invalid(at("defaultRequest"), request[1], detail))
    if request and high and request[0] > high[0]:
        detail = f"default request value {request[1]} is greater than max value {high[1]}"
        errs.append(field.invalid(at("defaultRequest"), request[1], detail))
    if request and default and request[0] > default[0]:
        detail = f"default request value {request[1]} is greater than default limit value {default[1]}"
        errs.append(field.invalid(at("defaultRequest"), request[1], detail))
    if default and low and low[0] > default[0]:
        errs.append(
            field.invalid(at("default"), low[1], f"min value {low[1]} is greater than default value {default[1]}")
        )
    if default and high and default[0] > high[0]:
        detail = f"default value {default[1]} is greater than max value {high[1]}"
        errs.append(field.invalid(at("default"), high[1], detail))
    if ratio and ratio[0] < 1:
        errs.append(field.invalid(at("maxLimitRequestRatio"), ratio[1], f"ratio {ratio[1]} is less than 1"))
    if ratio and low and high:
        # Milli-units, as upstream compares them (below MaxMilliValue, as every sensible amount is).
        smallest = math.ceil(low[0] * 1000)
        ratio_limit = math.ceil(high[0] * 1000) / smallest if smallest else math.inf
        if math.ceil(ratio[0] * 1000) / 1000 > ratio_limit:
            detail = f"ratio {ratio[1]} is greater than max/min = {ratio_limit:f}"
            errs.append(field.invalid(at("maxLimitRequestRatio"), ratio[1], detail))
    if not overcommit_allowed(resource) and default and request and default[0] != request[0]:
        detail = f"default value {default[1]} must equal to defaultRequest value {request[1]} in {resource}"
        errs.append(field.invalid(at("defaultRequest"), request[1], detail))
    return errs


_VALIDATORS: dict[GroupKind, Callable[[Object], list[FieldError]]] = {
    GroupKind("", "PersistentVolumeClaim"): _persistent_volume_claim,
    GroupKind("autoscaling", "HorizontalPodAutoscaler"): _horizontal_pod_autoscaler,
    GroupKind("networking.k8s.io", "NetworkPolicy"): _network_policy,
    GroupKind("networking.k8s.io", "Ingress"): _ingress,
    GroupKind("policy", "PodDisruptionBudget"): _pod_disruption_budget,
    GroupKind("", "ResourceQuota"): _resource_quota,
    GroupKind("", "LimitRange"): _limit_range,
}


def validate_kind(group_kind: GroupKind, obj: Object) -> list[FieldError]:
    """The errors of ``obj`` that its kind's validation finds (none for a kind not listed here)."""
    validator = _VALIDATORS.get(group_kind)
    return validator(obj) if validator is not None else []
