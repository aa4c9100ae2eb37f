"""The usage of each object, by quota resource name (pkg/quota/v1/evaluator/core and pkg/quota/v1/generic).

``pods.go``: every pod counts in ``count/pods``; one not yet terminal (nor past its grace period)
also in ``pods`` and with its requests and limits (``cpu``/``requests.cpu``, ``limits.cpu``, the same
for memory and ephemeral storage, ``requests.<name>`` for hugepages and extended resources).
``services.go``: ``services``, ``services.nodeports``, ``services.loadbalancers``.
``persistent_volume_claims.go``: ``persistentvolumeclaims``, ``requests.storage`` and their
``<class>.storageclass.storage.k8s.io/`` variants. Any other namespaced resource is an object count,
``count/<resource>[.<group>]``, with the legacy names for configmaps, secrets, replicationcontrollers
and resourcequotas. Amounts are exact (:class:`~fractions.Fraction`); ``resources.py`` adds and formats them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from fractions import Fraction
from typing import Any

from fakeapi.apimachinery.quantity import parse_quantity
from fakeapi.scheduler.framework.types import CPU, pod_limits, pod_requests
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import parse_time, utc_now

Usage = dict[str, Fraction]

STORAGE_CLASS_SUFFIX = ".storageclass.storage.k8s.io/"
REQUESTS_PREFIX = "requests."
LIMITS_PREFIX = "limits."
# Resources whose pod usage is named with and without the requests. prefix, limits besides.
_COMPUTE = ("cpu", "memory", "ephemeral-storage")
# Namespaced core resources counted under their plain name too (legacyObjectCountAliases).
_LEGACY_COUNTS = frozenset({"configmaps", "secrets", "replicationcontrollers", "resourcequotas"})
_NATIVE_PREFIXES = ("kubernetes.io/", "requests.", "limits.")


def object_count_name(group: str, resource: str) -> str:
    """ObjectCountQuotaResourceNameFor: ``count/<resource>`` in the core group, ``count/<resource>.<group>`` else."""
    return f"count/{resource}" if not group else f"count/{resource}.{group}"


def _amounts(resources: dict[str, int]) -> Usage:
    """The scheduler's integer amounts (CPU in millicores) as exact quantities."""
    return {name: Fraction(amount, 1000) if name == CPU else Fraction(amount) for name, amount in resources.items()}


def _is_extended(name: str) -> bool:
    """helper.IsExtendedResourceName: a domain-prefixed name outside kubernetes.io, not a quota name itself."""
    return "/" in name and not name.startswith(_NATIVE_PREFIXES) and "kubernetes.io/" not in name


def counts_as_live_pod(pod: Object) -> bool:
    """QuotaV1Pod: not finished, and not past its deletion grace period."""
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return False
    meta = pod.get("metadata") or {}
    deleted, grace = meta.get("deletionTimestamp"), meta.get("deletionGracePeriodSeconds")
    return not (deleted and grace is not None and utc_now() > parse_time(deleted) + timedelta(seconds=int(grace)))


def pod_usage(pod: Object) -> Usage:
    """PodUsageFunc."""
    usage: Usage = {"count/pods": Fraction(1)}
    if not counts_as_live_pod(pod):
        return usage
    requests, limits = _amounts(pod_requests(pod)), _amounts(pod_limits(pod))
    usage["pods"] = Fraction(1)
    for name in _COMPUTE:
        if name in requests:
            usage[name] = usage[REQUESTS_PREFIX + name] = requests[name]
        if name in limits:
            usage[LIMITS_PREFIX + name] = limits[name]
    for name, amount in requests.items():
        if name.startswith("hugepages-"):
            usage[name] = usage[REQUESTS_PREFIX + name] = amount
        elif _is_extended(name):
            usage[REQUESTS_PREFIX + name] = amount
    return usage


def service_usage(service: Object) -> Usage:
    """The services evaluator: node ports for NodePort and LoadBalancer Services, one load balancer for the latter."""
    spec = service.get("spec") or {}
    usage: Usage = {"count/services": Fraction(1), "services": Fraction(1)}
    ports = len(spec.get("ports") or [])
    if spec.get("type") == "NodePort":
        usage["services.nodeports"] = Fraction(ports)
    elif spec.get("type") == "LoadBalancer":
        usage["services.loadbalancers"] = Fraction(1)
        if spec.get("allocateLoadBalancerNodePorts") is not False:
            usage["services.nodeports"] = Fraction(ports)
    return usage


def claim_usage(claim: Object) -> Usage:
    """The persistentvolumeclaims evaluator: the count and the storage requested, also per storage class."""
    spec = claim.get("spec") or {}
    usage: Usage = {"count/persistentvolumeclaims": Fraction(1), "persistentvolumeclaims": Fraction(1)}
    storage_class = spec.get("storageClassName") or ""
    if storage_class:
        usage[storage_class + STORAGE_CLASS_SUFFIX + "persistentvolumeclaims"] = Fraction(1)
    requested = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
    if requested is not None:
        amount = parse_quantity(requested)
        usage["requests.storage"] = amount
        if storage_class:
            usage[storage_class + STORAGE_CLASS_SUFFIX + "requests.storage"] = amount
    return usage


def usage_of(group: str, resource: str, obj: Object) -> Usage:
    """What one object of ``group``/``resource`` uses."""
    if not group and resource == "pods":
        return pod_usage(obj)
    if not group and resource == "services":
        return service_usage(obj)
    if not group and resource == "persistentvolumeclaims":
        return claim_usage(obj)
    usage = {object_count_name(group, resource): Fraction(1)}
    if not group and resource in _LEGACY_COUNTS:
        usage[resource] = Fraction(1)
    return usage


def matches(group: str, resource: str, hard: Iterable[str]) -> bool:
    """Whether a quota limiting ``hard`` has anything to say about objects of this resource."""
    return any(resource_for(name) == (group, resource) for name in hard)


def total_usage(group: str, resource: str, objects: Iterable[Object]) -> Usage:
    """The summed usage of objects of one resource."""
    total: Usage = {}
    for obj in objects:
        for name, amount in usage_of(group, resource, obj).items():
            total[name] = total.get(name, Fraction(0)) + amount
    return total


def is_binary(name: str, hard: dict[str, Any]) -> bool:
    """Whether amounts of ``name`` are shown in binary suffixes: as the quota's hard limit is written."""
    limit = hard.get(name)
    return isinstance(limit, str) and limit.rstrip("0123456789.").endswith("i")


def resource_for(name: str) -> tuple[str, str] | None:
    """The (group, resource) whose objects a quota resource name counts; None for names nothing uses."""
    if name.startswith("count/"):
        resource, _, group = name.removeprefix("count/").partition(".")
        return group, resource
    if name in _LEGACY_COUNTS:
        return "", name
    if name in ("services", "services.nodeports", "services.loadbalancers"):
        return "", "services"
    if name in ("persistentvolumeclaims", "requests.storage") or STORAGE_CLASS_SUFFIX in name:
        return "", "persistentvolumeclaims"
    if name in ("pods", *_COMPUTE) or name.startswith((REQUESTS_PREFIX, LIMITS_PREFIX, "hugepages-")):
        return "", "pods"
    return None


def _is_best_effort(pod: Object) -> bool:
    """qos.GetPodQOS == BestEffort: no container requests or limits anything."""
    spec = pod.get("spec") or {}
    containers = [*(spec.get("containers") or []), *(spec.get("initContainers") or [])]
    return not any(
        (c.get("resources") or {}).get("requests") or (c.get("resources") or {}).get("limits")
        for c in containers
        if isinstance(c, dict)
    )


def _is_terminating(pod: Object) -> bool:
    """isTerminating: the pod has an active deadline."""
    deadline = (pod.get("spec") or {}).get("activeDeadlineSeconds")
    return deadline is not None and int(deadline) >= 0


def _matches_scope(scope: str, operator: str, values: list[str], pod: Object) -> bool:
    """podMatchesScopeFunc for one scope (and, from a scopeSelector, its operator and values)."""
    if scope == "PriorityClass":
        name = (pod.get("spec") or {}).get("priorityClassName") or ""
        if operator == "Exists":
            return bool(name)
        if operator == "DoesNotExist":
            return not name
        return (name in values) == (operator == "In")
    checks = {
        "Terminating": _is_terminating,
        "NotTerminating": lambda p: not _is_terminating(p),
        "BestEffort": _is_best_effort,
        "NotBestEffort": lambda p: not _is_best_effort(p),
    }
    check = checks.get(scope)
    # CrossNamespacePodAffinity and scopes unknown here match no pod.
    return check is not None and check(pod)


def pod_matches_quota_scopes(quota: Object, pod: Object) -> bool:
    """Whether a quota's ``scopes`` and ``scopeSelector`` all select the pod (pods evaluator Matches)."""
    spec = quota.get("spec") or {}
    selectors: list[tuple[str, str, list[str]]] = [(scope, "Exists", []) for scope in spec.get("scopes") or []]
    selectors += [
        (str(e.get("scopeName")), str(e.get("operator")), list(e.get("values") or []))
        for e in (spec.get("scopeSelector") or {}).get("matchExpressions") or []
        if isinstance(e, dict)
    ]
    return all(_matches_scope(scope, operator, values, pod) for scope, operator, values in selectors)
