"""NodeAffinity (pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go).

Filter: the pod's ``nodeSelector`` and its required node affinity (terms ORed; within a term
``matchExpressions`` on labels and ``matchFields`` on ``metadata.name`` ANDed) must match
the node. Score: the weights of the preferred terms the node matches, normalised.
Node selector matching follows component-helpers/scheduling/corev1/nodeaffinity.
"""

from __future__ import annotations

from fakeapi.scheduler.framework.interface import Status, default_normalize_score
from fakeapi.scheduler.framework.types import NodeInfo
from fakeapi.storage.interfaces import Object
from fakeapi.util.nodeaffinity import required_node_affinity_matches, term_matches

NAME = "NodeAffinity"
# The default profile weighs this score twice.
WEIGHT = 2
ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector"


class NodeAffinity:
    name = NAME
    weight = WEIGHT

    def filter(self, pod: Object, node_info: NodeInfo) -> Status | None:
        if required_node_affinity_matches(pod.get("spec") or {}, node_info.node):
            return None
        return Status.unresolvable(ERR_REASON_POD)

    def score(self, pod: Object, node_info: NodeInfo) -> int:
        affinity = ((pod.get("spec") or {}).get("affinity") or {}).get("nodeAffinity") or {}
        preferred = affinity.get("preferredDuringSchedulingIgnoredDuringExecution") or []
        return sum(
            int(term.get("weight") or 0)
            for term in preferred
            if term_matches(term.get("preference") or {}, node_info.node)
        )

    def normalize(self, scores: dict[str, int]) -> dict[str, int]:
        return default_normalize_score(scores, reverse=False)
