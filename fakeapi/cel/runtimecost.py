"""What evaluating an expression costs, charged against kube-apiserver's runtime limits.

kube-apiserver gives each evaluation a per-call limit and each object's rules, or each pass of a
policy's expressions, a budget (apiserver/pkg/apis/cel/config.go: ``PerCallLimit``,
``RuntimeCELCostBudget``, ``RuntimeCELCostBudgetMatchConditions``; here in
``fakeapi.cel.environment.base``), and cel-go counts the actual cost as it evaluates. cel-cpp
counts nothing, so the cost here is the static estimate (library/cost.py) over the sizes of the
values the expression is given rather than the sizes their types allow: the longest string, list
or map found where each node of the expression reads (its :data:`ValuePath`, from the schema for
a CRD rule, from the selections themselves for an untyped admission expression:
:func:`value_paths`), and for any other value the size of the JSON of the values (nothing an
expression derives from them is larger, short of concatenating). It is an upper bound of cel-go's
count, close to it for expressions that walk lists and scan strings, which are those that reach
the limits. An expression whose estimate for any value is small is charged that estimate
without looking at the values.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import Any

from fakeapi.cel.ast import CheckedAST, Expr
from fakeapi.cel.library import cost

# Below this static estimate an expression is charged its estimate: measuring would cost more than it tells.
CHARGED_AS_ESTIMATED = 1_000

# cel-go's error for an evaluation stopped at the per-call limit.
CALL_LIMIT_EXCEEDED = "operation cancelled: actual cost limit exceeded"
# apiserver's error once a budget is spent (CRD validation, admission activation.go).
OUT_OF_BUDGET = "validation failed due to running out of cost budget, no further validation rules will be run"

# A way from a value down into it, one step at a time:
# ("property", name): a map's entry; ("items", ""): a list's items; ("additionalProperties", ""):
# a map's values. Untyped values need steps that fit either container: ("values", ""), a list's
# items or a map's values (what an index reads), and ("members", ""), a list's items or a map's
# keys (what a comprehension iterates).
ValuePath = tuple[tuple[str, str], ...]


def evaluation_cost(
    ast: CheckedAST,
    max_cost: int,
    size_paths: Mapping[int, ValuePath],
    values: Iterable[Any],
    unknown_size: int | None = None,
    map_lookups: Collection[int] = (),
) -> int:
    """The cost of one evaluation of an expression whose static estimate is ``max_cost``.

    ``size_paths`` lead from each of ``values`` (a CRD rule's self and oldSelf; an admission
    expression's variables, as one map) to what the nodes read; ``unknown_size`` is the size of
    any other value, by default the length of the longest of ``values`` as JSON; ``map_lookups`` the
    ``in`` calls known to look in a map (library/cost.py).
    """
    if max_cost <= CHARGED_AS_ESTIMATED:
        return max_cost
    values = [v for v in values if v is not None]
    sizes = {
        node_id: max((_size(v) for v in _reached(values, path)), default=0) for node_id, path in size_paths.items()
    }
    if unknown_size is None:
        unknown_size = max((json_size(v) for v in values), default=0)
    return cost.estimate(ast, sizes, unknown_size=unknown_size, map_lookups=map_lookups)


def json_size(value: Any) -> int:
    """The length of ``value`` as compact JSON (values JSON has no form for count as their text)."""
    return len(json.dumps(value, separators=(",", ":"), default=str))


def value_paths(ast: CheckedAST, roots: Collection[str]) -> dict[int, ValuePath]:
    """Where the nodes of an untyped expression read: from its variables ``roots``, as entries of one map.

    Selections and indexes with constant keys follow the value down; a comprehension's variable
    reads the members of its range, ``cel.bind``'s its initial value.
    """
    paths: dict[int, ValuePath] = {}

    def walk(node: Expr, scope: Mapping[str, ValuePath | None]) -> ValuePath | None:
        path: ValuePath | None = None
        if node.kind == "ident":
            path = scope.get(node.name)
        elif node.kind == "select" and node.target is not None:
            target = walk(node.target, scope)
            if target is not None and not node.test_only:
                path = (*target, ("property", node.name))
        elif node.kind == "comprehension":
            walk_comprehension(node, scope)
        elif node.kind == "call":
            path = walk_call(node, scope)
        else:
            for sub in node.children():
                walk(sub, scope)
        if path is not None:
            paths[node.id] = path
        return path

    def walk_call(node: Expr, scope: Mapping[str, ValuePath | None]) -> ValuePath | None:
        operands = ([node.target] if node.target else []) + node.args
        resolved = [walk(o, scope) for o in operands]
        if node.name in ("_[_]", "_[?_]", "_?._") and len(resolved) == 2 and resolved[0] is not None:
            key = node.args[1]
            if key.kind == "const" and isinstance(key.value, str):
                return (*resolved[0], ("property", key.value))
            return (*resolved[0], ("values", ""))
        if node.name in ("value", "orValue") and node.target is not None:
            return resolved[0]  # an optional's value
        return None

    def walk_comprehension(node: Expr, scope: Mapping[str, ValuePath | None]) -> None:
        range_path = walk(node.iter_range, scope) if node.iter_range else None
        inner = dict(scope)
        inner[node.iter_var] = None if range_path is None else (*range_path, ("members", ""))
        if node.iter_var2:
            inner[node.iter_var2] = None
        # cel.bind(name, init, body) is a comprehension whose accumulator is the bound name.
        inner[node.accu_var] = walk(node.accu_init, scope) if node.accu_init is not None else None
        for part in (node.loop_condition, node.loop_step, node.result):
            if part is not None:
                walk(part, inner)

    walk(ast.expr, {root: (("property", root),) for root in roots})
    return paths


def _reached(values: list[Any], path: ValuePath) -> Iterator[Any]:
    """Every value found at ``path`` below ``values`` (each item of a list, each value of a map)."""
    current = values
    for step, name in path:
        following: list[Any] = []
        for value in current:
            if step == "property" and isinstance(value, dict) and name in value:
                following.append(value[name])
            elif step in ("items", "values", "members") and isinstance(value, list):
                following += value
            elif step in ("additionalProperties", "values") and isinstance(value, dict):
                following += value.values()
            elif step == "members" and isinstance(value, dict):
                following += value.keys()
        current = following
    return iter(current)


def _size(value: Any) -> int:
    """Characters of a string, items of a list, entries of a map; 1 for anything else."""
    return len(value) if isinstance(value, str | bytes | list | dict) else 1
