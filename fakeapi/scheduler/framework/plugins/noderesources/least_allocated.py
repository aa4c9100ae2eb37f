"""The LeastAllocated scoring strategy of NodeResourcesFit (noderesources/least_allocated.go).

The default profile scores CPU and memory with weight 1 each: the share of the node left free
once the pod is placed, out of 100. Requests are counted as non-zero (a container without a
request counts 100m CPU and 200Mi memory), so pods without requests still spread over nodes.
"""

from __future__ import annotations

from fakeapi.scheduler.framework.interface import MAX_NODE_SCORE
from fakeapi.scheduler.framework.types import CPU, MEMORY, NodeInfo, pod_non_zero_requests
from fakeapi.storage.interfaces import Object


def _free_share(requested: int, capacity: int) -> int:
    """leastRequestedScore: (capacity - requested) * 100 / capacity, 0 when it does not fit."""
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


def least_allocated_score(pod: Object, node_info: NodeInfo) -> int:
    cpu, memory = pod_non_zero_requests(pod)
    allocatable = node_info.allocatable
    scores = (
        _free_share(node_info.non_zero_cpu + cpu, allocatable.get(CPU, 0)),
        _free_share(node_info.non_zero_memory + memory, allocatable.get(MEMORY, 0)),
    )
    return sum(scores) // len(scores)
