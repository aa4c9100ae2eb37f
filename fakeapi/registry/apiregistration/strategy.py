"""APIServices (kube-aggregator pkg/registry/apiservice/strategy.go, pkg/apis/apiregistration/validation).

The strategy clears the status a client sends on create and keeps the stored one on update, as
upstream's does. Upstream's available controller (pkg/controllers/status/remote/
available_controller.go) then writes the ``Available`` condition; fakeapi, which proxies to no
aggregated server, sets that condition itself on every create and update, with the controller's
reasons: ``Local`` for an APIService without a Service, and for one backed by a Service the first
check that fails (``ServiceNotFound``, ``ServicePortError``, ``EndpointsNotFound``,
``MissingEndpoints``), else ``FailedDiscoveryCheck``, since nothing answers its discovery.
``available_controller.py`` writes it again when the Service or its Endpoints change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fakeapi.apimachinery import field
from fakeapi.apimachinery.field import FieldError
from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.apimachinery.validation import is_dns1035_label, is_dns1123_subdomain
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.registry.rest import object_field, object_meta
from fakeapi.registry.strategy import Strategy
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import now_rfc3339
from fakeapi.util.identity import IdentityGenerator

LOCAL_AVAILABLE_MESSAGE = "Local APIServices are always available"

# Reads one stored object of the core group: (resource, namespace, name) -> the object or None.
CoreReader = Callable[[str, str, str], Object | None]


def available_condition(apiservice: Object, read: CoreReader) -> dict[str, str]:
    """The Available condition available_controller.go's sync would write now (without its time)."""
    spec = apiservice.get("spec") or {}
    service_ref = spec.get("service")
    if service_ref is None:
        return {"type": "Available", "status": "True", "reason": "Local", "message": LOCAL_AVAILABLE_MESSAGE}
    name, namespace = service_ref.get("name", ""), service_ref.get("namespace", "")
    port = service_ref.get("port", 443)
    where = f'service/{name} in "{namespace}"'

    def unavailable(reason: str, message: str) -> dict[str, str]:
        return {"type": "Available", "status": "False", "reason": reason, "message": message}

    service = read("services", namespace, name)
    if service is None:
        return unavailable("ServiceNotFound", f"{where} is not present")
    service_spec = service.get("spec") or {}
    if service_spec.get("type", "ClusterIP") == "ClusterIP":
        port_name = next((p.get("name", "") for p in service_spec.get("ports") or () if p.get("port") == port), None)
        if port_name is None:
            return unavailable("ServicePortError", f"{where} is not listening on port {port}")
        endpoints = read("endpoints", namespace, name)
        if endpoints is None:
            return unavailable("EndpointsNotFound", f"cannot find endpoints for {where}")
        if not any(
            subset.get("addresses") and any(p.get("name", "") == port_name for p in subset.get("ports") or ())
            for subset in endpoints.get("subsets") or ()
        ):
            return unavailable(
                "MissingEndpoints", f'endpoints for {where} have no addresses with port name "{port_name}"'
            )
    # The discovery check: nothing serves the aggregated API, so the request is refused.
    host = service_spec.get("clusterIP") or f"{name}.{namespace}.svc"
    url = f"https://{host}:{port}/apis/{spec.get('group', '')}/{spec.get('version', '')}"
    cause = f'Get "{url}": dial tcp {host}:{port}: connect: connection refused'
    return unavailable("FailedDiscoveryCheck", f"failing or missing response from {url}: {cause}")


def with_available_condition(obj: Object, read: CoreReader) -> None:
    """Sets ``status.conditions``' Available entry, keeping its lastTransitionTime while its status holds."""
    status = object_field(obj, "status")
    conditions: list[dict[str, Any]] = status.get("conditions") or []
    fresh = available_condition(obj, read)
    old = next((c for c in conditions if c.get("type") == "Available"), None)
    held = old is not None and old.get("status") == fresh["status"]
    transition = old.get("lastTransitionTime") if old is not None and held else now_rfc3339()
    condition = {"type": "Available", "status": fresh["status"], "lastTransitionTime": transition}
    condition.update(reason=fresh["reason"], message=fresh["message"])
    status["conditions"] = [c for c in conditions if c.get("type") != "Available"] + [condition]


class APIServiceStrategy(Strategy):
    """apiServerStrategy: status belongs to the available controller; validation as validation.go."""

    def __init__(
        self, spec: ResourceSpec, schemas: SchemaRegistry, identity: IdentityGenerator, read: CoreReader
    ) -> None:
        super().__init__(spec, schemas, identity)
        self._read = read

    def prepare_for_create(self, ctx: RequestContext, obj: Object) -> None:
        super().prepare_for_create(ctx, obj)
        obj["status"] = {}
        with_available_condition(obj, self._read)

    def prepare_for_update(self, ctx: RequestContext, obj: Object, old: Object) -> None:
        super().prepare_for_update(ctx, obj, old)
        with_available_condition(obj, self._read)

    def validate(self, ctx: RequestContext, obj: Object) -> list[FieldError]:
        return validate_apiservice(obj)

    def validate_update(self, ctx: RequestContext, obj: Object, old: Object) -> list[FieldError]:
        return super().validate_update(ctx, obj, old) + validate_apiservice(obj)


def validate_apiservice(obj: Object) -> list[FieldError]:
    """ValidateAPIService: the name is version.group, priorities in range, a local one has no TLS settings."""
    errs: list[FieldError] = []
    spec = obj.get("spec") or {}
    group, version = spec.get("group", ""), spec.get("version", "")
    name = object_meta(obj).get("name", "")
    if group == "" and version != "v1":
        errs.append(
            field.invalid("spec.version", version, "only v1 may have an empty group and it better be legacy kube")
        )
    if group:
        errs += [field.invalid("spec.group", group, msg) for msg in is_dns1123_subdomain(group)]
    errs += [field.invalid("spec.version", version, msg) for msg in is_dns1035_label(version)]
    required_name = f"{version}.{group}"
    if name != required_name:
        errs.append(field.invalid("metadata.name", name, f'must be `spec.version+"."+spec.group`: "{required_name}"'))
    group_priority = spec.get("groupPriorityMinimum", 0)
    if not 0 < group_priority <= 20000:
        errs.append(field.invalid("spec.groupPriorityMinimum", group_priority, "must be positive and less than 20000"))
    version_priority = spec.get("versionPriority", 0)
    if not 0 < version_priority <= 1000:
        errs.append(field.invalid("spec.versionPriority", version_priority, "must be positive and less than 1000"))
    service = spec.get("service")
    if service is None:
        if spec.get("caBundle"):
            errs.append(
                field.invalid(
                    "spec.caBundle", f"{len(spec['caBundle'])} bytes", "local APIServices may not have a caBundle"
                )
            )
        if spec.get("insecureSkipTLSVerify"):
            errs.append(
                field.invalid(
                    "spec.insecureSkipTLSVerify", True, "local APIServices may not have insecureSkipTLSVerify"
                )
            )
        return errs
    if not service.get("namespace"):
        errs.append(field.required("spec.service.namespace"))
    if not service.get("name"):
        errs.append(field.required("spec.service.name"))
    if spec.get("insecureSkipTLSVerify") and spec.get("caBundle"):
        errs.append(field.invalid("spec.insecureSkipTLSVerify", True, "may not be true if caBundle is present"))
    return errs
