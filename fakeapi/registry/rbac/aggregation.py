"""ClusterRole aggregation: the rules an aggregationRule selects.

The rule-collecting half of pkg/controller/clusterroleaggregation/clusterroleaggregation_controller.go
(``syncClusterRole``): for each of the role's ``clusterRoleSelectors`` in order, the
ClusterRoles it selects sorted by name (the role itself excluded), each of their rules appended
unless an equal rule is already there. The controller uses it to keep roles current, and the
bootstrap policy to write ``admin``, ``edit`` and ``view`` already aggregated.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fakeapi.apimachinery.labels import SelectorParseError, selector_from_label_selector_dict
from fakeapi.storage.interfaces import Object

__all__ = ["aggregated_rules", "same_rules"]

logger = logging.getLogger("fakeapi.registry")


def _normalized(rule: Any) -> Any:
    # equality.Semantic: an empty list and a missing one make the same rule.
    if not isinstance(rule, dict):
        return rule
    return {k: v for k, v in rule.items() if v not in (None, [], "")}


def same_rules(left: Sequence[Any], right: Sequence[Any]) -> bool:
    """Whether two rule lists are semantically equal, in order."""
    return [_normalized(r) for r in left] == [_normalized(r) for r in right]


def aggregated_rules(role: Object, cluster_roles: Sequence[Object]) -> list[dict[str, Any]]:
    """The rules ``role``'s aggregationRule selects from ``cluster_roles``, in upstream's order."""
    name = (role.get("metadata") or {}).get("name")
    rules: list[dict[str, Any]] = []
    seen: list[Any] = []
    ordered = sorted(cluster_roles, key=lambda r: (r.get("metadata") or {}).get("name") or "")
    for selector_dict in (role.get("aggregationRule") or {}).get("clusterRoleSelectors") or []:
        try:
            selector = selector_from_label_selector_dict(selector_dict)
        except SelectorParseError as exc:
            logger.warning("clusterrole %s: bad clusterRoleSelector: %s", name, exc)
            continue
        for candidate in ordered:
            meta = candidate.get("metadata") or {}
            if meta.get("name") == name or not selector.matches(meta.get("labels") or {}):
                continue
            for rule in candidate.get("rules") or []:
                key = _normalized(rule)
                if key not in seen:
                    seen.append(key)
                    rules.append(rule)
    return rules
