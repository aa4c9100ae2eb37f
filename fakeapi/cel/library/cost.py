"""Static cost estimates of checked expressions (cel-go checker/cost.go, apiserver/pkg/cel/library/cost.go).

kube-apiserver refuses a CRD whose rule may cost more than a budget: cel-go walks the checked
tree, charging 1 per variable read and field selection, 0.1 per character or element a
function traverses, and multiplying what a comprehension's body costs by how many elements its
range can hold. The sizes come from the schema (``maxLength``, ``maxItems``,
``maxProperties``, else how many elements fit in a 3 MiB request). This is that walk, with
the same shape and the same size sources; its per-function factors are cost.go's main ones,
not every one of them, so a figure can differ from upstream's (see the README's design notes).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from fakeapi.cel.ast import CheckedAST, Expr

# cel-go common.StringTraversalCostFactor, ListCreateBaseCost, MapCreateBaseCost, SelectAndIdentCost.
TRAVERSAL_FACTOR = 0.1
LIST_CREATE_BASE_COST = 10
MAP_CREATE_BASE_COST = 30
SELECT_AND_IDENT_COST = 1
UNKNOWN_SIZE = 3 * 1024 * 1024  # a value of unknown size: as large as a request

# Functions whose cost grows with the size of their receiver (or first argument): strings they
# scan, lists they walk.
_TRAVERSING = frozenset(
    {
        "contains", "startsWith", "endsWith", "matches", "find", "findAll", "split", "replace",
        "lowerAscii", "upperAscii", "trim", "substring", "charAt", "indexOf", "lastIndexOf", "join",
        "format", "quote", "url", "isURL", "ip", "isIP", "cidr", "isCIDR", "quantity", "isQuantity",
        "semver", "isSemver", "isSorted", "sum", "min", "max", "includes", "@in", "string",
        "_<_", "_<=_", "_>_", "_>=_",
    }
)  # fmt: skip
_PAIRWISE = frozenset({"sets.contains", "sets.equivalent", "sets.intersects"})
# Equality compares no further than the shorter operand (cel-go: the smaller of the two sizes).
_EQUALITY = frozenset({"_==_", "_!=_"})
# The overloads of ``+`` that copy their operands; adding numbers or lists costs 1 (cel-go).
_COPYING_ADDITIONS = frozenset({"add_string", "add_bytes"})
# cel-go ext/lists.go (version 3): functions allocating a list, charged 1 per call, ListCreateBaseCost
# and a factor times the size of a list (see _Walk.list_extension).
_LIST_EXTENSION = frozenset(
    {"slice", "lists.range", "reverse", "flatten", "distinct", "sort", "__fakeapi_sort_by_keys"}
)
# cel-go's sizes saturate at the largest uint64: a size no constant bounds (``lists.range(x)``).
MAX_ESTIMATE = 2**64 - 1
# apiserver/pkg/cel/library/cost.go: an authorization check costs as much as a third of the per-call limit.
_FIXED = {"check": 350_000}


def estimate(ast: CheckedAST, sizes: Mapping[int, int], unknown_size: int = UNKNOWN_SIZE) -> int:
    """The most the expression can cost; ``sizes`` gives the known sizes of nodes by id, ``unknown_size``
    the size of any other value (at run time: no larger than the value the rule was given)."""
    cost, _ = _Walk(sizes, unknown_size, ast.overloads).cost(ast.expr)
    return min(math.ceil(cost), MAX_ESTIMATE)


class _Walk:
    def __init__(self, sizes: Mapping[int, int], unknown_size: int, overloads: Mapping[int, list[str]]) -> None:
        self.sizes = sizes
        self.unknown_size = unknown_size
        self.overloads = overloads

    def size(self, node: Expr) -> int:
        return self.sizes.get(node.id, self.unknown_size)

    def cost(self, node: Expr) -> tuple[float, int]:
        """(cost, size of the result)."""
        if node.kind == "const":
            value = node.value
            return 0, len(value) if isinstance(value, str | bytes) else 1
        if node.kind == "ident":
            return SELECT_AND_IDENT_COST, self.size(node)
        if node.kind == "select":
            target, _ = self.cost(node.target) if node.target else (0, 0)
            # has() is free (environment/base.go: PresenceTestHasCost(false)).
            return target + (0 if node.test_only else SELECT_AND_IDENT_COST), self.size(node)
        if node.kind == "list":
            total = sum(self.cost(e)[0] for e in node.args)
            return LIST_CREATE_BASE_COST + total, len(node.args)
        if node.kind == "struct":
            total = sum(self.cost(v)[0] for _, v in node.entries)
            total += sum(self.cost(k)[0] for k, _ in node.entries if isinstance(k, Expr))
            return MAP_CREATE_BASE_COST + total, len(node.entries)
        if node.kind == "comprehension":
            return self.comprehension(node)
        if node.kind == "call":
            return self.call(node)
        return 0, 1

    def call(self, node: Expr) -> tuple[float, int]:
        operands = ([node.target] if node.target else []) + node.args
        costs = [self.cost(o) for o in operands]
        if node.name == "_?_:_" and len(costs) == 3:
            return costs[0][0] + max(costs[1][0], costs[2][0]), max(costs[1][1], costs[2][1])
        total = sum(c for c, _ in costs)
        sizes = [s for _, s in costs]
        if node.name in _PAIRWISE and len(sizes) == 2:
            return total + sizes[0] * sizes[1] * TRAVERSAL_FACTOR + 1, 1
        if node.name in _FIXED:
            return total + _FIXED[node.name], 1
        if node.name in _LIST_EXTENSION:
            return self.list_extension(node, total, sizes)
        if node.name == "_+_" and len(sizes) == 2:
            joined = sizes[0] + sizes[1]
            # Without overloads (an unchecked tree) the addition may copy; with several, the dearest counts.
            overloads = self.overloads.get(node.id)
            if overloads and not _COPYING_ADDITIONS.intersection(overloads):
                return total + 1, self.sizes.get(node.id, joined)
            return total + math.ceil(joined * TRAVERSAL_FACTOR), self.sizes.get(node.id, joined)
        if node.name in _EQUALITY and len(sizes) == 2:
            return total + 1 + math.ceil(min(sizes) * TRAVERSAL_FACTOR), 1
        if node.name in _TRAVERSING and sizes:
            return total + 1 + math.ceil(max(sizes) * TRAVERSAL_FACTOR), self.sizes.get(node.id, max(sizes))
        return total + 1, self.sizes.get(node.id, 1)

    def list_extension(self, node: Expr, total: float, sizes: list[int]) -> tuple[float, int]:
        """cel-go ext/lists.go's estimates: ``factor * size + 1 + ListCreateBaseCost``, of size ``size``."""
        name, args = node.name, node.args
        if name == "lists.range":
            factor, size = 1.0, _constant(args[0], MAX_ESTIMATE) if args else MAX_ESTIMATE
        elif name == "slice" and len(args) == 2:
            start, end = _constant(args[0], 0), _constant(args[1], sizes[0])
            factor, size = 1.0, max(end - start, 0)
        elif name == "flatten":
            factor, size = float(_constant(args[0], MAX_ESTIMATE) if args else 1), sizes[0]
        elif name in ("distinct", "sort", "__fakeapi_sort_by_keys"):
            # O(n^2) comparisons, of the keys for sortBy (cel-go's result size is n^2 too).
            keys = sizes[-1]
            size = keys * keys
            factor = 2.0
            overloads = self.overloads.get(node.id, [])
            if any(o.startswith(("list_string_", "list_bytes_")) for o in overloads):
                factor += TRAVERSAL_FACTOR
        else:  # reverse
            factor, size = 1.0, sizes[0]
        return total + math.ceil(size * factor) + 1 + LIST_CREATE_BASE_COST, size

    def comprehension(self, node: Expr) -> tuple[float, int]:
        range_cost, range_size = self.cost(node.iter_range) if node.iter_range else (0, 0)
        init_cost, _ = self.cost(node.accu_init) if node.accu_init else (0, 0)
        condition, _ = self.cost(node.loop_condition) if node.loop_condition else (0, 0)
        step, _ = self.cost(node.loop_step) if node.loop_step else (0, 0)
        result, _ = self.cost(node.result) if node.result else (0, 0)
        return range_cost + init_cost + range_size * (condition + step) + result, range_size


def _constant(node: Expr, default: int) -> int:
    """cel-go's nodeAsUintValue: a non-negative integer constant's value, else ``default``."""
    value = node.value
    if node.kind == "const" and isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return default
