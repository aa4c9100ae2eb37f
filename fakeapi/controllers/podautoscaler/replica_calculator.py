"""How many replicas a resource metric asks for (pkg/controller/podautoscaler/replica_calculator.go).

``resource_replicas`` is ``GetResourceReplicas`` (utilization targets) and ``GetRawResourceReplicas``
(average value targets): the pods of the target are grouped (``groupPods``) into those with
metrics, those without (not running yet) and, for CPU, those running but not ready, whose
usage is not yet meaningful; failed and deleted pods are ignored. The usage ratio is the
pods' summed usage over their summed requests (or over the target average), and a ratio within
the tolerance (10 %) keeps the current count. When some pods have no metric, they count as
using nothing if the ratio says scale up, and their full request if it says scale down; unready
pods count as using nothing when scaling up. A result that would flip the direction keeps the
current count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from fakeapi.apimachinery.quantity import parse_quantity
from fakeapi.storage.interfaces import Object

# --horizontal-pod-autoscaler-tolerance.
TOLERANCE = Fraction(1, 10)


class MetricsError(Exception):
    """The metrics do not allow a recommendation (no pods, a container without a request...)."""


@dataclass(frozen=True)
class Recommendation:
    replicas: int
    # Average utilization in percent of the requests (utilization targets), and the average usage (milli-units).
    utilization: int | None
    average_milli: int


def _milli(quantity: str | int | float) -> int:
    return math.ceil(parse_quantity(quantity) * 1000)


def _pod_usage(metrics: Object, resource: str, container: str | None) -> int:
    return sum(
        _milli((c.get("usage") or {}).get(resource, "0"))
        for c in metrics.get("containers") or []
        if container is None or c.get("name") == container
    )


def _pod_request(pod: Object, resource: str, container: str | None) -> int:
    total = 0
    for c in (pod.get("spec") or {}).get("containers") or []:
        if container is not None and c.get("name") != container:
            continue
        request = ((c.get("resources") or {}).get("requests") or {}).get(resource)
        if request is None:
            name = (pod.get("metadata") or {}).get("name")
            raise MetricsError(f"missing request for {resource} in container {c.get('name')} of Pod {name}")
        total += _milli(request)
    return total


def _ready(pod: Object) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def resource_replicas(
    current_replicas: int,
    pods: list[Object],
    metrics: dict[str, Object],
    resource: str,
    *,
    target_utilization: int | None = None,
    target_average_milli: int | None = None,
    container: str | None = None,
) -> Recommendation:
    """The replicas ``pods`` need for ``resource`` to meet the target (utilization percent or average milli-value)."""
    if not pods:
        raise MetricsError("no pods returned by selector while calculating replica count")
    usage: dict[str, int] = {}
    requests: dict[str, int] = {}
    missing: list[str] = []
    unready: list[str] = []
    for pod in pods:
        meta, status = pod.get("metadata") or {}, pod.get("status") or {}
        name = str(meta.get("name"))
        if meta.get("deletionTimestamp") or status.get("phase") == "Failed":
            continue
        if name not in metrics:
            missing.append(name)
        elif resource == "cpu" and not _ready(pod):
            unready.append(name)
        else:
            usage[name] = _pod_usage(metrics[name], resource, container)
        if target_utilization is not None:
            requests[name] = _pod_request(pod, resource, container)
    if not usage:
        raise MetricsError("did not receive metrics for targeted pods (pods might be unready)")

    def ratio_of(values: dict[str, int]) -> tuple[Fraction, int | None, int]:
        total = sum(values.values())
        average = total // len(values)
        if target_utilization is not None:
            requested = sum(requests[name] for name in values)
            if requested == 0:
                raise MetricsError("no metrics returned matched known pods")
            utilization = total * 100 // requested
            return Fraction(utilization, target_utilization), utilization, average
        assert target_average_milli is not None
        return Fraction(total, len(values) * target_average_milli), None, average

    ratio, utilization, average = ratio_of(usage)
    if not missing and not unready:
        if abs(1 - ratio) <= TOLERANCE:
            return Recommendation(current_replicas, utilization, average)
        return Recommendation(math.ceil(ratio * len(usage)), utilization, average)

    filled = dict(usage)
    for name in missing:
        if ratio < 1:
            filled[name] = requests[name] if target_utilization is not None else target_average_milli or 0
        else:
            filled[name] = 0
    if ratio > 1:
        filled.update(dict.fromkeys(unready, 0))
    new_ratio, _, _ = ratio_of(filled)
    if abs(1 - new_ratio) <= TOLERANCE or (ratio < 1 < new_ratio) or (ratio > 1 > new_ratio):
        return Recommendation(current_replicas, utilization, average)
    replicas = math.ceil(new_ratio * len(filled))
    if (new_ratio < 1 and replicas > current_replicas) or (new_ratio > 1 and replicas < current_replicas):
        return Recommendation(current_replicas, utilization, average)
    return Recommendation(replicas, utilization, average)
