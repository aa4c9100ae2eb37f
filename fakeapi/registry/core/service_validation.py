"""ValidateService (pkg/apis/core/validation/validation.go), after the Service defaults were applied.

Checked, in upstream's order: ports are required (but on a headless or ExternalName Service); an
ExternalName Service names a DNS subdomain; each port has a DNS-1123 name (required when there
are several, unique), a valid number and target port, a supported protocol; the selector's labels
are valid; a supported session affinity and type; no node port on a ClusterIP Service; no port
listed twice for one protocol; supported traffic policies, and an external one only where the
Service is reachable from outside. Cluster IPs are checked by the allocator (``service.py``).
"""

from __future__ import annotations

from typing import Any

from fakeapi.apimachinery import field
from fakeapi.apimachinery.field import FieldError, Raw, marshalled
from fakeapi.apimachinery.validation import (
    is_dns1123_label,
    is_dns1123_subdomain,
    is_valid_port_name,
    is_valid_port_num,
    validate_labels,
)
from fakeapi.registry.container_validation import PORT_PROTOCOLS, dicts, supported_value
from fakeapi.storage.interfaces import Object

HEADLESS = "None"
SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
SESSION_AFFINITIES = ["ClientIP", "None"]
TRAFFIC_POLICIES = ["Cluster", "Local"]


def validate_service(obj: Object) -> list[FieldError]:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return []
    kind = spec.get("type")
    headless = spec.get("clusterIP") == HEADLESS
    ports = dicts(spec.get("ports"))
    errs: list[FieldError] = []
    if not ports and not headless and kind != "ExternalName":
        errs.append(field.required("spec.ports", ""))
    if kind == "ExternalName":
        cname = str(spec.get("externalName") or "").removesuffix(".")
        if cname:
            errs += [field.invalid("spec.externalName", cname, msg) for msg in is_dns1123_subdomain(cname)]
        else:
            errs.append(field.required("spec.externalName", ""))
    names: set[str] = set()
    for i, port in enumerate(ports):
        errs += _port(port, f"spec.ports[{i}]", len(ports) > 1, names)
    if spec.get("selector") is not None:
        errs += validate_labels(spec.get("selector"), "spec.selector")
    errs += supported_value(spec, "sessionAffinity", SESSION_AFFINITIES, "spec")
    errs += supported_value(spec, "type", SERVICE_TYPES, "spec")
    if kind == "ClusterIP":
        errs += [
            field.forbidden(f"spec.ports[{i}].nodePort", "may not be used when `type` is 'ClusterIP'")
            for i, port in enumerate(ports)
            if port.get("nodePort")
        ]
    seen: set[tuple[Any, Any]] = set()
    for i, port in enumerate(ports):
        key = (port.get("protocol"), port.get("port"))
        if key in seen:
            errs.append(field.duplicate(f"spec.ports[{i}]", _service_port_key(*key)))
        seen.add(key)
    external = spec.get("externalTrafficPolicy")
    if kind not in ("NodePort", "LoadBalancer") and not spec.get("externalIPs"):
        if external:
            errs.append(
                field.invalid(
                    "spec.externalTrafficPolicy", external, "may only be set for externally-accessible services"
                )
            )
    else:
        errs += supported_value(spec, "externalTrafficPolicy", TRAFFIC_POLICIES, "spec")
    errs += supported_value(spec, "internalTrafficPolicy", TRAFFIC_POLICIES, "spec")
    return errs


def _port(port: dict[str, Any], path: str, name_required: bool, names: set[str]) -> list[FieldError]:
    """validateServicePort."""
    errs: list[FieldError] = []
    name = str(port.get("name") or "")
    if name_required and not name:
        errs.append(field.required(f"{path}.name", ""))
    elif name:
        errs += [field.invalid(f"{path}.name", name, msg) for msg in is_dns1123_label(name)]
        if name in names:
            errs.append(field.duplicate(f"{path}.name", name))
        names.add(name)
    number = port.get("port")
    if isinstance(number, int):
        errs += [field.invalid(f"{path}.port", number, msg) for msg in is_valid_port_num(number)]
    errs += supported_value(port, "protocol", PORT_PROTOCOLS, path)
    target = port.get("targetPort")
    if isinstance(target, int):
        errs += [field.invalid(f"{path}.targetPort", target, msg) for msg in is_valid_port_num(target)]
    elif isinstance(target, str):
        errs += [field.invalid(f"{path}.targetPort", target, msg) for msg in is_valid_port_name(target)]
    return errs


def _service_port_key(protocol: Any, port: Any) -> Raw:
    """The (protocol, port) key of a duplicate port: the internal core.ServicePort it is, as JSON (Go's field
    names: internal types have no JSON tags; the zero TargetPort marshals as 0)."""
    return marshalled(
        {"Name": "", "Protocol": protocol, "AppProtocol": None, "Port": port, "TargetPort": 0, "NodePort": 0}
    )
