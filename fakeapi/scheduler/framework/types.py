"""What the scheduler knows of a node and why a pod fits nowhere (pkg/scheduler/framework/types.go).

:class:`NodeInfo` is a node with the pods bound to it and the resources they request, built
fresh for each scheduling attempt from the listers (upstream keeps an incrementally updated
cache and snapshots it; reading storage directly gives the same view without the cache).
:class:`FitError` renders upstream's message, ``0/3 nodes are available: 1 Insufficient cpu,
2 node(s) had untolerated taint {...}. preemption: ...``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fakeapi.apimachinery.quantity import milli_value, value
from fakeapi.storage.interfaces import Object

CPU = "cpu"
MEMORY = "memory"
PODS = "pods"
EPHEMERAL_STORAGE = "ephemeral-storage"
# pkg/scheduler/util: what a container without a request counts as when nodes are scored.
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024
NO_NODE_AVAILABLE_MSG = "0/{} nodes are available"
# schedule_one.go ErrNoNodesAvailable.
NO_NODES_AVAILABLE = "no nodes available to schedule pods"

Resource = dict[str, int]


def _amount(name: str, quantity: Any) -> int:
    """CPU in millicores, everything else in whole units (framework.Resource keeps them so)."""
    return milli_value(quantity) if name == CPU else value(quantity)


def container_requests(container: dict[str, Any]) -> Resource:
    """A container's requests; a resource with only a limit requests the limit, as the API defaults it."""
    resources = container.get("resources") or {}
    merged = {**(resources.get("limits") or {}), **(resources.get("requests") or {})}
    return {name: _amount(name, quantity) for name, quantity in merged.items()}


def _add(total: Resource, more: Resource) -> None:
    for name, amount in more.items():
        total[name] = total.get(name, 0) + amount


def _max_into(total: Resource, other: Resource) -> None:
    for name, amount in other.items():
        total[name] = max(total.get(name, 0), amount)


def container_limits(container: dict[str, Any]) -> Resource:
    """A container's limits."""
    limits = (container.get("resources") or {}).get("limits") or {}
    return {name: _amount(name, quantity) for name, quantity in limits.items()}


def pod_requests(pod: Object) -> Resource:
    """resourcehelper.PodRequests: what the pod needs on a node to start and run.

    Regular containers and sidecars (init containers with ``restartPolicy: Always``) run
    together and add up; each ordinary init container runs alone beside the sidecars started
    before it, so the pod needs the largest of those moments; pod overhead comes on top.
    """
    return _pod_total(pod, container_requests)


def pod_limits(pod: Object) -> Resource:
    """resourcehelper.PodLimits: the containers' limits, added up and maxed as PodRequests does."""
    return _pod_total(pod, container_limits)


def _pod_total(pod: Object, per_container: Callable[[dict[str, Any]], Resource]) -> Resource:
    spec = pod.get("spec") or {}
    running: Resource = {}
    for container in spec.get("containers") or []:
        _add(running, per_container(container))
    init_peak: Resource = {}
    sidecars: Resource = {}
    for container in spec.get("initContainers") or []:
        amounts = per_container(container)
        if container.get("restartPolicy") == "Always":
            _add(sidecars, amounts)
            _add(running, amounts)
            continue
        moment = dict(sidecars)
        _add(moment, amounts)
        _max_into(init_peak, moment)
    _max_into(running, init_peak)
    _add(running, {name: _amount(name, q) for name, q in (spec.get("overhead") or {}).items()})
    return running


# A pod's requests and its non-zero (milli CPU, memory) requests, as NodeInfo adds them up.
PodResources = tuple[Resource, tuple[int, int]]


def pod_non_zero_requests(pod: Object) -> tuple[int, int]:
    """(milli CPU, memory) for scoring, a container without a request counting the defaults (GetNonzeroRequests)."""
    spec = pod.get("spec") or {}
    cpu = memory = 0
    for container in spec.get("containers") or []:
        requests = container_requests(container)
        cpu += requests.get(CPU, DEFAULT_MILLI_CPU_REQUEST)
        memory += requests.get(MEMORY, DEFAULT_MEMORY_REQUEST)
    return cpu, memory


@dataclass
class NodeInfo:
    """A node, the pods bound to it, and the sums of their requests (framework.NodeInfo)."""

    node: Object
    pods: list[Object] = field(default_factory=list)
    requested: Resource = field(default_factory=dict)
    non_zero_cpu: int = 0
    non_zero_memory: int = 0

    @property
    def name(self) -> str:
        name: str = (self.node.get("metadata") or {}).get("name") or ""
        return name

    @property
    def labels(self) -> dict[str, str]:
        labels: dict[str, str] = (self.node.get("metadata") or {}).get("labels") or {}
        return labels

    @property
    def allocatable(self) -> Resource:
        """status.allocatable (capacity where a node reports no allocatable), in framework units."""
        status = self.node.get("status") or {}
        quantities = status.get("allocatable") or status.get("capacity") or {}
        return {name: _amount(name, quantity) for name, quantity in quantities.items()}

    def add_pod(self, pod: Object, resources: PodResources | None = None) -> None:
        self.pods.append(pod)
        requests, (cpu, memory) = resources or (pod_requests(pod), pod_non_zero_requests(pod))
        _add(self.requested, requests)
        self.non_zero_cpu += cpu
        self.non_zero_memory += memory


@dataclass
class FitError:
    """framework.FitError: the filter statuses of every node, and the preemption plugin's message."""

    num_all_nodes: int
    node_statuses: dict[str, tuple[str, ...]]
    pre_filter_msg: str = ""
    post_filter_msg: str = ""

    def message(self) -> str:
        """FitError.Error: a histogram of the reasons, sorted as strings, then the PreFilter and PostFilter messages."""
        text = NO_NODE_AVAILABLE_MSG.format(self.num_all_nodes) + ":"
        if self.pre_filter_msg:
            text += f" {self.pre_filter_msg}."
        else:
            histogram = Counter(reason for reasons in self.node_statuses.values() for reason in reasons)
            if histogram:
                text += " " + ", ".join(sorted(f"{count} {reason}" for reason, count in histogram.items())) + "."
        if self.post_filter_msg:
            text += f" {self.post_filter_msg}."
        return text
