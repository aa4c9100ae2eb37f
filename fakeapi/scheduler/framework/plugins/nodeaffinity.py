"""NodeAffinity (pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go).

Filter: the pod's ``nodeSelector`` and its required node affinity (terms ORed; within a term
``matchExpressions`` on labels and ``matchFields`` on ``metadata.name`` ANDed) must match
the node. Score: the weights of the preferred terms the node matches, normalised.
Node selector matching follows component-helpers/scheduling/corev1/nodeaffinity.
"""

from __future__ import annotations

from typing import Any

from fakeapi.scheduler.framework.interface import Status, default_normalize_score
from fakeapi.scheduler.framework.types import NodeInfo
from fakeapi.storage.interfaces import Object

NAME = "NodeAffinity"
# The default profile weighs this score twice.
WEIGHT = 2
ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector"


def _requirement_matches(requirement: dict[str, Any], values_of: dict[str, str]) -> bool:
    """A NodeSelectorRequirement against labels (or fields): In, NotIn, Exists, DoesNotExist, Gt, Lt."""
    key = requirement.get("key") or ""
    operator = requirement.get("operator") or ""
    values = requirement.get("values") or []
    present = key in values_of
    if operator == "In":
        return present and values_of[key] in values
    if operator == "NotIn":
        return not present or values_of[key] not in values
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    if operator in ("Gt", "Lt") and present and len(values) == 1:
        try:
            have, want = int(values_of[key]), int(values[0])
        except ValueError:
            return False
        return have > want if operator == "Gt" else have < want
    return False


def term_matches(term: dict[str, Any], node: Object) -> bool:
    """A NodeSelectorTerm: every expression and field requirement holds; an empty term matches nothing."""
    expressions = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not expressions and not fields:
        return False
    meta = node.get("metadata") or {}
    labels = meta.get("labels") or {}
    node_fields = {"metadata.name": meta.get("name") or ""}
    return all(_requirement_matches(r, labels) for r in expressions) and all(
        _requirement_matches(r, node_fields) for r in fields
    )


def required_node_affinity_matches(pod: Object, node: Object) -> bool:
    """GetRequiredNodeAffinity(pod).Match(node): the nodeSelector and the required terms."""
    spec = pod.get("spec") or {}
    labels = (node.get("metadata") or {}).get("labels") or {}
    for key, value in (spec.get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    )
    if required is None:
        return True
    return any(term_matches(term, node) for term in required.get("nodeSelectorTerms") or [])


class NodeAffinity:
    name = NAME
    weight = WEIGHT

    def filter(self, pod: Object, node_info: NodeInfo) -> Status | None:
        if required_node_affinity_matches(pod, node_info.node):
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
