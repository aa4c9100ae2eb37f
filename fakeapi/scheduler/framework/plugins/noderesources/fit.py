"""NodeResourcesFit's filter (pkg/scheduler/framework/plugins/noderesources/fit.go).

A node fits when one more pod stays within its allocatable pod count and the pod's requests
(containers, the largest init container, overhead: ``pod_requests``) fit in what the pods
already bound there leave of its allocatable. Each resource that does not fit is a reason
(``Insufficient cpu``, ``Too many pods``); when the pod asks for more than the whole node has,
evicting pods cannot help and the status says so.
"""

from __future__ import annotations

from fakeapi.scheduler.framework.interface import Code, Status
from fakeapi.scheduler.framework.plugins.noderesources.least_allocated import least_allocated_score
from fakeapi.scheduler.framework.types import CPU, EPHEMERAL_STORAGE, MEMORY, PODS, NodeInfo, pod_requests
from fakeapi.storage.interfaces import Object

NAME = "NodeResourcesFit"
WEIGHT = 1
ERR_REASON_TOO_MANY_PODS = "Too many pods"


class Fit:
    name = NAME
    weight = WEIGHT

    def filter(self, pod: Object, node_info: NodeInfo) -> Status | None:
        """fitsRequest: the insufficient resources in upstream's order (pods, cpu, memory, storage, the rest by name)."""
        allocatable = node_info.allocatable
        reasons: list[str] = []
        unresolvable = False
        if len(node_info.pods) + 1 > allocatable.get(PODS, 0):
            reasons.append(ERR_REASON_TOO_MANY_PODS)
        requests = pod_requests(pod)
        names = [CPU, MEMORY, EPHEMERAL_STORAGE]
        names += sorted(name for name in requests if name not in names and name != PODS)
        for name in names:
            wanted = requests.get(name, 0)
            if wanted <= 0:
                continue
            total = allocatable.get(name, 0)
            if wanted > total - node_info.requested.get(name, 0):
                reasons.append(f"Insufficient {name}")
                unresolvable = unresolvable or wanted > total
        if not reasons:
            return None
        code = Code.UNSCHEDULABLE_AND_UNRESOLVABLE if unresolvable else Code.UNSCHEDULABLE
        return Status(code, tuple(reasons))

    def score(self, pod: Object, node_info: NodeInfo) -> int:
        return least_allocated_score(pod, node_info)

    def normalize(self, scores: dict[str, int]) -> dict[str, int]:
        return scores
