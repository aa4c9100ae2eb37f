"""The lists library (apiserver/pkg/cel/library/lists.go), version 1 (environment/base.go since 1.37).

isSorted, sum, min, max, indexOf, lastIndexOf (version 0); ``<dyn>.includes(<dyn>)`` (version 1):
whether a list holds the element, or else whether the receiver equals it.
"""

from __future__ import annotations

from typing import Any

from fakeapi.cel.library import Function, LibraryError, Overload

_LIST = "list(dyn)"


def _is_sorted(items: list[Any]) -> bool:
    return all(not items[i] > items[i + 1] for i in range(len(items) - 1))


def _sum(items: list[Any]) -> Any:
    # An empty list sums to 0 (upstream's zero of the element type; the element type is not known here).
    return sum(items[1:], items[0]) if items else 0


def _min(items: list[Any]) -> Any:
    if not items:
        raise LibraryError("min called on empty list")
    return min(items)


def _max(items: list[Any]) -> Any:
    if not items:
        raise LibraryError("max called on empty list")
    return max(items)


def _equal(a: Any, b: Any) -> bool:
    """CEL's heterogeneous equality on plain values: a bool is never a number, at any depth."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(v, b[k]) for k, v in a.items())
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def _index_of(items: list[Any], item: Any) -> int:
    return next((i for i, v in enumerate(items) if _equal(v, item)), -1)


def _includes(target: Any, item: Any) -> bool:
    if isinstance(target, list):
        return any(_equal(v, item) for v in target)
    return _equal(target, item)


def _last_index_of(items: list[Any], item: Any) -> int:
    return next((i for i in range(len(items) - 1, -1, -1) if _equal(items[i], item)), -1)


FUNCTIONS = (
    Function("isSorted", (Overload("list_is_sorted_bool", (_LIST,), "bool", _is_sorted, member=True),)),
    Function("sum", (Overload("list_sum", (_LIST,), "dyn", _sum, member=True),)),
    Function("min", (Overload("list_min", (_LIST,), "dyn", _min, member=True),)),
    Function("max", (Overload("list_max", (_LIST,), "dyn", _max, member=True),)),
    Function("indexOf", (Overload("list_a_index_of_int", (_LIST, "dyn"), "int", _index_of, member=True),)),
    Function("includes", (Overload("list_includes_dyn_dyn", ("dyn", "dyn"), "bool", _includes, member=True),)),
    Function(
        "lastIndexOf", (Overload("list_a_last_index_of_int", (_LIST, "dyn"), "int", _last_index_of, member=True),)
    ),
)
