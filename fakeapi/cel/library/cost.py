"""Static cost estimates of checked expressions (cel-go checker/cost.go, apiserver/pkg/cel/library/cost.go).

kube-apiserver refuses a CRD whose rule may cost more than a budget: cel-go walks the checked
tree, charging 1 per variable read and field selection, 0.1 per character or element a
function traverses, and multiplying what a comprehension's body costs by how many elements its
range can hold. The sizes come from the schema (``maxLength`` at 4 bytes a character,
``maxItems``, ``maxProperties``, else how many elements fit in a 3 MiB request). This is that
walk, with the same shape and the same size sources; its per-function factors are cost.go's
main ones, not every one of them, so a figure can differ from upstream's (see the README's
design notes).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping

from fakeapi.cel.ast import CheckedAST, Expr

# cel-go common.StringTraversalCostFactor, ListCreateBaseCost, MapCreateBaseCost, SelectAndIdentCost.
TRAVERSAL_FACTOR = 0.1
LIST_CREATE_BASE_COST = 10
MAP_CREATE_BASE_COST = 30
SELECT_AND_IDENT_COST = 1
UNKNOWN_SIZE = 3 * 1024 * 1024  # a value of unknown size: as large as a request

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
# cel-go common.RegexStringLengthCostFactor: a regular expression is guessed to hold one term per 4 characters.
REGEX_FACTOR = 0.25
# cel-go ext/sets.go: each element of one list compared with each of the other (twice for equivalent).
_SETS = {"sets.contains": 1, "sets.intersects": 1, "sets.equivalent": 2}
# cost.go: functions over the elements of a list (or, for indexOf and lastIndexOf, the characters of a string).
_LIST_WALKS = frozenset({"isSorted", "sum", "max", "min", "indexOf", "lastIndexOf", "includes"})
# cost.go: functions that scan their receiver once, their result as large as it.
_RECEIVER_SCANS = frozenset({"lowerAscii", "upperAscii", "substring", "trim"})
# cost.go: functions that parse their (first) argument once. isURL is not among them: cost.go has no
# case for it, so it costs cel-go's default 1 whatever its argument's length.
_ARGUMENT_PARSES = frozenset({"url", "cidr", "isIP", "isCIDR", "quantity", "isQuantity", "semver", "isSemver"})
# cel-go's string and bytes comparisons; those of other types cost 1.
_ORDERINGS = frozenset({"_<_", "_<=_", "_>_", "_>=_"})


def _ceil(size: float, factor: float) -> int:
    """cel-go multiplyByCostFactor: the product, rounded up."""
    return math.ceil(size * factor)


def estimate(
    ast: CheckedAST,
    sizes: Mapping[int, int],
    unknown_size: int = UNKNOWN_SIZE,
    element_sizes: Mapping[int, int] | None = None,
    map_lookups: Collection[int] = (),
) -> int:
    """The most the expression can cost; ``sizes`` gives the known sizes of nodes by id, ``unknown_size``
    the size of any other value (at run time: no larger than the value the rule was given),
    ``element_sizes`` the longest string a node's list can hold, for the lists of strings or bytes
    (cost.go charges comparing their elements by their length), and ``map_lookups`` the ``in``
    calls known to look in a map (cel-go's in_map, costing 1), whose checked overloads also name
    the list search when the operand is typed ``dyn`` here."""
    walk = _Walk(sizes, unknown_size, ast.overloads, element_sizes or {}, map_lookups)
    cost, _ = walk.cost(ast.expr)
    return min(math.ceil(cost), MAX_ESTIMATE)


def _compares_text(overloads: list[str]) -> bool:
    """An ordering of strings or bytes (cel-go charges those by length); unknown overloads count as such."""
    return not overloads or any("string" in o or "bytes" in o for o in overloads)


def _replaced_size(size: int, old: int, new: int) -> int:
    """cost.go's longest result of ``replace``: the shortest matches replaced by the longest replacement."""
    if old == 0:
        return (size + 1) * new + size
    if new <= old:
        return size
    return math.ceil(size / old) * new


class _Walk:
    def __init__(
        self,
        sizes: Mapping[int, int],
        unknown_size: int,
        overloads: Mapping[int, list[str]],
        element_sizes: Mapping[int, int],
        map_lookups: Collection[int],
    ) -> None:
        self.sizes = sizes
        self.element_sizes = element_sizes
        self.map_lookups = map_lookups
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
        """cel-go's functionCost, after apiserver's library estimator (cost.go) for the functions it knows."""
        operands = ([node.target] if node.target else []) + node.args
        costs = [self.cost(o) for o in operands]
        name = node.name
        if name == "_?_:_" and len(costs) == 3:
            return costs[0][0] + max(costs[1][0], costs[2][0]), max(costs[1][1], costs[2][1])
        total = sum(c for c, _ in costs)
        if name in ("_&&_", "_||_"):
            return total, 1
        if name == "dyn" and len(costs) == 1:
            return total + 1, costs[0][1]
        sizes = [s for _, s in costs]
        # cel-go's ``args`` leave out a member call's receiver.
        target_size = sizes[0] if node.target is not None else None
        arg_sizes = sizes[1:] if node.target is not None else sizes
        overloads = self.overloads.get(node.id) or []
        if name in _FIXED:
            return total + _FIXED[name], 1
        if name in _LIST_EXTENSION:
            return self.list_extension(node, total, sizes)
        if name in _SETS and len(arg_sizes) == 2:
            return total + _ceil(arg_sizes[0] * arg_sizes[1], _SETS[name]) + 1, 1
        if name in _LIST_WALKS and target_size is not None:
            if any(o.startswith("list") for o in overloads) or not any(o.startswith("string") for o in overloads):
                element = self.element_sizes.get(node.target.id) if node.target is not None else None
                per_element = 1 + (_ceil(element, TRAVERSAL_FACTOR) if element is not None else 0)
                return total + target_size * per_element, self.sizes.get(node.id, 1)
            return total + _ceil(target_size, TRAVERSAL_FACTOR), 1
        if name in _RECEIVER_SCANS and target_size is not None:
            return total + _ceil(target_size, TRAVERSAL_FACTOR), target_size
        if name in _ARGUMENT_PARSES and arg_sizes:
            result = arg_sizes[0] if name == "url" else 1
            return total + _ceil(arg_sizes[0], TRAVERSAL_FACTOR), result
        if name == "ip" and arg_sizes and "cidr_ip" not in overloads:
            return total + _ceil(arg_sizes[0], TRAVERSAL_FACTOR), 1
        if name == "replace" and target_size is not None and len(arg_sizes) >= 2:
            return total + _ceil(target_size, 2 * TRAVERSAL_FACTOR), _replaced_size(target_size, *arg_sizes[:2])
        if name == "split" and target_size is not None:
            result = _constant(node.args[1], target_size) if len(node.args) > 1 else target_size
            return total + _ceil(target_size, 2 * TRAVERSAL_FACTOR), self.sizes.get(node.id, result)
        if name == "join" and target_size is not None and node.target is not None:
            element = self.element_sizes.get(node.target.id, 0)
            joined = target_size * element + (arg_sizes[0] * max(target_size - 1, 0) if arg_sizes else 0)
            return total + _ceil(joined, TRAVERSAL_FACTOR), joined
        if name in ("find", "findAll", "matches") and target_size is not None and arg_sizes:
            scan = _ceil(target_size + 1, TRAVERSAL_FACTOR) * _ceil(arg_sizes[0], REGEX_FACTOR)
            return total + scan, target_size if name != "matches" else 1
        if name in ("startsWith", "endsWith") and arg_sizes:
            return total + _ceil(arg_sizes[0], TRAVERSAL_FACTOR), 1
        if name == "contains" and target_size is not None and arg_sizes:
            return total + _ceil(target_size, TRAVERSAL_FACTOR) * _ceil(arg_sizes[0], TRAVERSAL_FACTOR), 1
        if name == "@in" and len(arg_sizes) == 2 and "in_list" in overloads and node.id not in self.map_lookups:
            return total + arg_sizes[1], 1
        if name in ("format", "quote") and sizes:
            scanned = target_size if name == "format" and target_size is not None else sizes[-1]
            return total + _ceil(scanned, TRAVERSAL_FACTOR), self.sizes.get(node.id, UNKNOWN_SIZE)
        if name == "_+_" and len(sizes) == 2:
            joined = sizes[0] + sizes[1]
            # Without overloads (an unchecked tree) the addition may copy; with several, the dearest counts.
            if overloads and not _COPYING_ADDITIONS.intersection(overloads):
                return total + 1, self.sizes.get(node.id, joined)
            return total + _ceil(joined, TRAVERSAL_FACTOR), self.sizes.get(node.id, joined)
        if (name in _EQUALITY or (name in _ORDERINGS and _compares_text(overloads))) and len(sizes) == 2:
            return total + _ceil(min(sizes), TRAVERSAL_FACTOR), 1
        if name == "string" and any("bytes_to_string" in o for o in overloads) and sizes:
            return total + _ceil(sizes[0], TRAVERSAL_FACTOR), sizes[0]
        if name == "bytes" and any("string_to_bytes" in o for o in overloads) and sizes:
            return total + _ceil(sizes[0], TRAVERSAL_FACTOR), sizes[0] * 4
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
            if any(o.startswith(("list_string_", "list_bytes_")) for o in self.overloads.get(node.id, [])):
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
