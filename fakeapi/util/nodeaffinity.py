"""Whether a pod may go to a node: its node selector, required node affinity and tolerations.

Follows k8s.io/component-helpers/scheduling/corev1: nodeaffinity/nodeaffinity.go
(``GetRequiredNodeAffinity(pod).Match(node)``: the nodeSelector labels and the required
terms, matchExpressions against labels and matchFields against ``metadata.name``) and
helpers.go with core/v1's toleration.go (``ToleratesTaint``, ``FindMatchingUntoleratedTaint``).
The DaemonSet controller decides eligibility with these, as the scheduler's NodeAffinity and
TaintToleration plugins do, so the two always agree about a node.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

Node = Mapping[str, Any]
Taint = Mapping[str, Any]
Toleration = Mapping[str, Any]
# metav1.ObjectNameField: the one field matchFields can name on a node.
OBJECT_NAME_FIELD = "metadata.name"


def _parse_int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _requirement_matches(requirement: Mapping[str, Any], values_by_key: Mapping[str, str]) -> bool:
    """One NodeSelectorRequirement (In, NotIn, Exists, DoesNotExist, Gt, Lt) against labels or fields."""
    key = requirement.get("key") or ""
    operator = requirement.get("operator") or ""
    values = list(requirement.get("values") or [])
    present = key in values_by_key
    value = values_by_key.get(key, "")
    if operator == "In":
        return present and value in values
    if operator == "NotIn":
        return not present or value not in values
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    if operator in ("Gt", "Lt") and present and len(values) == 1:
        mine, theirs = _parse_int(value), _parse_int(values[0])
        if mine is None or theirs is None:
            return False
        return mine > theirs if operator == "Gt" else mine < theirs
    return False


def _term_matches(term: Mapping[str, Any], labels: Mapping[str, str], fields: Mapping[str, str]) -> bool:
    """A NodeSelectorTerm: all its requirements hold; a term with none matches no node."""
    expressions = term.get("matchExpressions") or []
    match_fields = term.get("matchFields") or []
    if not expressions and not match_fields:
        return False
    return all(_requirement_matches(r, labels) for r in expressions) and all(
        _requirement_matches(r, fields) for r in match_fields
    )


def term_matches(term: Mapping[str, Any], node: Node) -> bool:
    """One NodeSelectorTerm against a node (a preferred scheduling term's preference, for one)."""
    node_meta = node.get("metadata") or {}
    return _term_matches(term, node_meta.get("labels") or {}, {OBJECT_NAME_FIELD: node_meta.get("name") or ""})


def node_selector_matches(selector: Mapping[str, Any], node: Node) -> bool:
    """A NodeSelector: any of its terms matches the node."""
    return any(term_matches(term, node) for term in selector.get("nodeSelectorTerms") or [])


def required_node_affinity_matches(pod_spec: Mapping[str, Any], node: Node) -> bool:
    """GetRequiredNodeAffinity(pod).Match(node): spec.nodeSelector and the required node affinity both hold."""
    labels = (node.get("metadata") or {}).get("labels") or {}
    for key, value in (pod_spec.get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False
    required = ((pod_spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    )
    return required is None or node_selector_matches(required, node)


def tolerates_taint(toleration: Toleration, taint: Taint) -> bool:
    """Toleration.ToleratesTaint: same effect (or any), same key (or any), and Exists or an equal value."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    if operator == "Equal":
        return (toleration.get("value") or "") == (taint.get("value") or "")
    return False


def tolerations_tolerate_taint(tolerations: Iterable[Toleration], taint: Taint) -> bool:
    return any(tolerates_taint(t, taint) for t in tolerations)


def find_matching_untolerated_taint(
    taints: Iterable[Taint], tolerations: Iterable[Toleration], inclusion_filter: Callable[[Taint], bool]
) -> Taint | None:
    """FindMatchingUntoleratedTaint: the first taint the filter keeps that no toleration tolerates."""
    tolerations = list(tolerations)
    for taint in taints:
        if inclusion_filter(taint) and not tolerations_tolerate_taint(tolerations, taint):
            return taint
    return None
