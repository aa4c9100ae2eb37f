"""What evaluating a rule costs, charged against kube-apiserver's runtime limits.

apiextensions-apiserver gives each rule evaluation a per-call limit and each object a budget
for all its rules (apiserver/pkg/apis/cel/config.go: ``PerCallLimit``, ``RuntimeCELCostBudget``;
here in ``fakeapi.cel.environment.base``), and cel-go counts the actual cost as it evaluates.
cel-cpp counts nothing, so the cost here is the static estimate (library/cost.py) over the
sizes of the values the rule is given rather than the sizes the schema allows: the longest string, list or map found where each
schema-typed node of the rule reads, and for any other value the size of the JSON of ``self``
(nothing a rule derives from ``self`` is larger, short of concatenating). It is an upper bound
of cel-go's count, close to it for rules that walk lists and scan strings, which are those that
reach the limits. A rule whose estimate for any value is small is charged that estimate
without looking at the value.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from fakeapi.apiextensions.schema.cel.compilation import SchemaPath
from fakeapi.cel.ast import CheckedAST
from fakeapi.cel.library import cost

# Below this static estimate a rule is charged its estimate: measuring would cost more than it tells.
CHARGED_AS_ESTIMATED = 1_000


def evaluation_cost(ast: CheckedAST, max_cost: int, size_paths: Mapping[int, SchemaPath], values: Iterable[Any]) -> int:
    """The cost of one evaluation of a rule (or messageExpression) given ``values`` (self and oldSelf)."""
    if max_cost <= CHARGED_AS_ESTIMATED:
        return max_cost
    values = [v for v in values if v is not None]
    sizes = {
        node_id: max((_size(v) for v in _reached(values, path)), default=0) for node_id, path in size_paths.items()
    }
    unknown = max((len(json.dumps(v, separators=(",", ":"))) for v in values), default=0)
    return cost.estimate(ast, sizes, unknown_size=unknown)


def _reached(values: list[Any], path: SchemaPath) -> Iterator[Any]:
    """Every value found at ``path`` below ``values`` (each item of a list, each value of a map)."""
    current = values
    for step, name in path:
        following: list[Any] = []
        for value in current:
            if step == "property" and isinstance(value, dict) and name in value:
                following.append(value[name])
            elif step == "items" and isinstance(value, list):
                following += value
            elif step == "additionalProperties" and isinstance(value, dict):
                following += value.values()
        current = following
    return iter(current)


def _size(value: Any) -> int:
    """Characters of a string, items of a list, entries of a map; 1 for anything else."""
    return len(value) if isinstance(value, str | bytes | list | dict) else 1
