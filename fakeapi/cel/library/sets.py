"""The sets extension of cel-go (ext/sets.go, enabled in environment/base.go since 1.29): contains, equivalent, intersects."""

from __future__ import annotations

from typing import Any

from fakeapi.cel.library import Function, Overload
from fakeapi.cel.library.lists import _equal

_LIST = "list(dyn)"


def _includes(items: list[Any], item: Any) -> bool:
    return any(_equal(v, item) for v in items)


def _contains(items: list[Any], subset: list[Any]) -> bool:
    return all(_includes(items, v) for v in subset)


def _equivalent(a: list[Any], b: list[Any]) -> bool:
    return _contains(a, b) and _contains(b, a)


def _intersects(a: list[Any], b: list[Any]) -> bool:
    return any(_includes(a, v) for v in b)


FUNCTIONS = (
    Function("sets.contains", (Overload("list_sets_contains_list", (_LIST, _LIST), "bool", _contains),)),
    Function("sets.equivalent", (Overload("list_sets_equivalent_list", (_LIST, _LIST), "bool", _equivalent),)),
    Function("sets.intersects", (Overload("list_sets_intersects_list", (_LIST, _LIST), "bool", _intersects),)),
)
