"""ResourceQuota (plugin/pkg/admission/resourcequota: admission.go, controller.go).

A write that would take a namespace past a ResourceQuota's ``hard`` limit is refused with
upstream's ``exceeded quota`` message; a pod that does not say how much CPU or memory it requests
(or limits) where a quota limits that is refused with ``must specify``. Usage is what the
namespace's objects use now, as the resource quota controller counts it (``fakeapi.quota``), plus
what the write adds (a pod counts only for quotas whose scopes select it): a create costs the object's usage, an update of a pod, Service or claim what
grew. Upstream admission reads the quota's ``status.used`` and updates it; here the stored objects
are counted at the moment of the write and the controller writes the status.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from fakeapi.admission.errors import new_forbidden
from fakeapi.admission.interfaces import CREATE, UPDATE, Attributes
from fakeapi.admission.reader import StoreReader
from fakeapi.apimachinery.quantity import format_quantity, parse_quantity
from fakeapi.quota.evaluator import (
    LIMITS_PREFIX,
    REQUESTS_PREFIX,
    Usage,
    is_binary,
    pod_matches_quota_scopes,
    resource_for,
    total_usage,
    usage_of,
)

PLUGIN_NAME = "ResourceQuota"
_QUOTAS = ("", "v1", "resourcequotas")
# The resources whose updates can change their usage (the others are counted once, when created).
_UPDATABLE = frozenset({("", "pods"), ("", "services"), ("", "persistentvolumeclaims")})
# What every container must state when a quota limits it (the pod evaluator's validationSet).
_MUST_SPECIFY = ("cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory")


def _pretty(names: list[str], amounts: dict[str, Fraction], hard: dict[str, Any]) -> str:
    """prettyPrint: ``name=quantity`` pairs, sorted by name."""
    return ",".join(
        f"{n}={format_quantity(amounts.get(n, Fraction(0)), binary=is_binary(n, hard))}" for n in sorted(names)
    )


def _missing_requests(pod: dict[str, Any], limited: set[str]) -> str | None:
    """The pod evaluator's Constraints: each container must name what a quota limits of CPU and memory."""
    required = limited.intersection(_MUST_SPECIFY)
    if not required:
        return None
    missing: dict[str, list[str]] = {}
    spec = pod.get("spec") or {}
    for container in [*(spec.get("containers") or []), *(spec.get("initContainers") or [])]:
        resources = container.get("resources") or {}
        stated = {REQUESTS_PREFIX + n for n in resources.get("requests") or {}}
        stated |= {n.removeprefix(REQUESTS_PREFIX) for n in stated}
        stated |= {LIMITS_PREFIX + n for n in resources.get("limits") or {}}
        for name in sorted(required - stated):
            missing.setdefault(name, []).append(str(container.get("name")))
    if not missing:
        return None
    return "must specify " + "; ".join(f"{name} for: {','.join(sorted(missing[name]))}" for name in sorted(missing))


class ResourceQuota:
    name = PLUGIN_NAME
    # Every namespaced resource can be counted (count/<resource>.<group>).
    resources = None
    operations = frozenset({CREATE, UPDATE})

    def __init__(self, reader: StoreReader) -> None:
        self._reader = reader

    def validate(self, attributes: Attributes) -> None:
        obj = attributes.obj
        counted = (attributes.resource.group, attributes.resource.resource)
        if obj is None or attributes.subresource or not attributes.namespace:
            return
        if attributes.operation == UPDATE and counted not in _UPDATABLE:
            return
        quotas = self._reader.list(_QUOTAS, attributes.namespace)
        if not quotas:
            return
        requested = self._requested(attributes, obj)
        gvr = (attributes.resource.group, attributes.resource.version, attributes.resource.resource)
        for quota in sorted(quotas, key=lambda q: q["metadata"]["name"]):
            hard: dict[str, Any] = (quota.get("spec") or {}).get("hard") or {}
            limited = {name for name in hard if resource_for(name) == counted}
            is_pod = counted == ("", "pods")
            if not limited or (is_pod and not pod_matches_quota_scopes(quota, obj)):
                continue
            quota_name = quota["metadata"]["name"]
            if is_pod and attributes.operation == CREATE:
                missing = _missing_requests(obj, limited)
                if missing:
                    raise new_forbidden(attributes, f"failed quota: {quota_name}: {missing}")
            objects = self._reader.list(gvr, attributes.namespace)
            if is_pod:
                objects = [pod for pod in objects if pod_matches_quota_scopes(quota, pod)]
            current = total_usage(*counted, objects)
            exceeded = [
                n
                for n in limited
                if requested.get(n, 0) > 0 and current.get(n, Fraction(0)) + requested[n] > parse_quantity(hard[n])
            ]
            if exceeded:
                raise new_forbidden(
                    attributes,
                    f"exceeded quota: {quota_name}, requested: {_pretty(exceeded, requested, hard)}, "
                    f"used: {_pretty(exceeded, current, hard)}, "
                    f"limited: {_pretty(exceeded, {n: parse_quantity(hard[n]) for n in exceeded}, hard)}",
                )

    @staticmethod
    def _requested(attributes: Attributes, obj: dict[str, Any]) -> Usage:
        """What the write adds: the new object's usage, less the old one's for an update."""
        group, resource = attributes.resource.group, attributes.resource.resource
        usage = usage_of(group, resource, obj)
        if attributes.old_obj is not None:
            previous = usage_of(group, resource, attributes.old_obj)
            usage = {name: amount - previous.get(name, Fraction(0)) for name, amount in usage.items()}
        return usage
