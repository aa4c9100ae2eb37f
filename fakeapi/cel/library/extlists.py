"""The lists extension of cel-go (ext/lists.go), version 3 (environment/base.go since 1.34).

``<list>.slice(i, j)``, ``<list>.flatten([depth])``, ``<list>.sort()``, ``<list>.sortBy(e, key)``,
``lists.range(n)``, ``<list>.reverse()``, ``<list>.distinct()``; version 3 adds their costs only
(library/cost.py). ``sort`` is declared, as upstream, for lists of the comparable types (int,
uint, double, bool, duration, timestamp, string, bytes): ``[[1]].sort()`` does not compile.
The generic ``list(T)`` overloads are declared over ``dyn`` (see ``fakeapi/cel/library``).

``sortBy`` is a macro in cel-go; cel-cpp's binding cannot declare macros, so an expression using
it is rewritten (``fakeapi/cel/rewrite.py``), as cel-go expands it, into::

    cel.bind(__c0, <list>, __fakeapi_sort_by_keys(__c0, __c0.map(e, key)))

``__fakeapi_sort_by_keys`` being upstream's ``@sortByAssociatedKeys``, declared for key lists of
the comparable types.

Values go through Python here, which cannot tell a uint from an int: the elements of a list of
uints these functions return are ints.
"""

from __future__ import annotations

import datetime
from typing import Any

from fakeapi.cel.ast import Expr
from fakeapi.cel.errors import CompileError
from fakeapi.cel.library import Function, LibraryError, Overload
from fakeapi.cel.library.lists import _equal
from fakeapi.cel.library.listtypes import _returnable

SORT_BY_KEYS = "__fakeapi_sort_by_keys"
_LIST = "list(dyn)"

# cel-go ext/lists.go comparableTypes, by cel-go's type names (which name the overloads).
COMPARABLE_TYPES = (
    "int",
    "uint",
    "double",
    "bool",
    "google.protobuf.Duration",
    "google.protobuf.Timestamp",
    "string",
    "bytes",
)


def _slice(items: list[Any], start: int, end: int) -> list[Any]:
    if start < 0 or end < 0:
        raise LibraryError(f"cannot slice({start}, {end}), negative indexes not supported")
    if start > end:
        raise LibraryError(f"cannot slice({start}, {end}), start index must be less than or equal to end index")
    if len(items) < end:
        raise LibraryError(f"cannot slice({start}, {end}), list is length {len(items)}")
    return _returnable(items[start:end])


def _flat(items: list[Any], depth: int) -> list[Any]:
    if depth < 0:
        raise LibraryError("level must be non-negative")
    out: list[Any] = []
    for item in items:
        if isinstance(item, list) and depth > 0:
            out += _flat(item, depth - 1)
        else:
            out.append(item)
    return out


def _flatten(items: list[Any], depth: int = 1) -> list[Any]:
    return _returnable(_flat(items, depth))


def _kind(value: Any) -> type | None:
    """The CEL type of a comparable value (traits.Comparer), by its Python type; None for any other."""
    if isinstance(value, bytearray):
        return bytes
    if isinstance(value, bool | int | float | str | bytes | datetime.timedelta | datetime.datetime):
        return type(value)
    return None


def _sort_by_keys(items: list[Any], keys: list[Any]) -> list[Any]:
    """sortListByAssociatedKeys: ``items`` in the order sorting ``keys`` gives."""
    if len(items) != len(keys):
        raise LibraryError(
            "@sortByAssociatedKeys() expected a list of the same size as the associated keys list, "
            f"but got {len(items)} and {len(keys)} elements respectively"
        )
    if not items:
        return items
    kind = _kind(keys[0])
    if kind is None:
        raise LibraryError("list elements must be comparable")
    if len(keys) > 1 and any(_kind(k) is not kind for k in keys):
        raise LibraryError("list elements must have the same type")
    order = sorted(range(len(keys)), key=lambda i: keys[i])
    return _returnable([items[i] for i in order])


def _sort(items: list[Any]) -> list[Any]:
    return _sort_by_keys(items, items)


def _range(n: int) -> list[int]:
    return list(range(n))


def _reverse(items: list[Any]) -> list[Any]:
    return _returnable(items[::-1])


def _distinct(items: list[Any]) -> list[Any]:
    unique: list[Any] = []
    for item in items:
        if not any(_equal(item, seen) for seen in unique):
            unique.append(item)
    return _returnable(unique)


def _list_of(name: str) -> str:
    return "list(dyn)" if name == "dyn" else f"list({name})"


FUNCTIONS = (
    Function("slice", (Overload("list_slice", (_LIST, "int", "int"), _LIST, _slice, member=True),)),
    Function(
        "flatten",
        (
            Overload("list_flatten", ("list(list(dyn))",), _LIST, _flatten, member=True),
            Overload("list_flatten_int", (_LIST, "int"), _LIST, _flatten, member=True),
        ),
    ),
    Function(
        "sort",
        tuple(Overload(f"list_{t}_sort", (_list_of(t),), _list_of(t), _sort, member=True) for t in COMPARABLE_TYPES),
    ),
    Function(
        SORT_BY_KEYS,
        tuple(
            Overload(f"list_{t}_sortByAssociatedKeys", (_LIST, _list_of(t)), _LIST, _sort_by_keys)
            for t in COMPARABLE_TYPES
        ),
    ),
    Function("lists.range", (Overload("lists_range", ("int",), "list(int)", _range),)),
    Function("reverse", (Overload("list_reverse", (_LIST,), _LIST, _reverse, member=True),)),
    Function("distinct", (Overload("list_distinct", (_LIST,), _LIST, _distinct, member=True),)),
)

# What the checker must see every overload of (the runtime declares one, over dyn, per runtime key).
STRICT_NAMES = frozenset({"sort", SORT_BY_KEYS})

_SORT_BY_TARGETS = frozenset({"list", "select", "ident", "comprehension", "call"})


def is_sort_by_call(node: Expr) -> bool:
    return (
        node.kind == "call"
        and node.name == "sortBy"
        and node.target is not None
        and len(node.args) == 2
        and node.args[0].kind == "ident"
    )


def expand(call: Expr, receiver: str, parts: list[str], name: str) -> str:
    """What ``receiver.sortBy(e, key)`` becomes (``name`` is a fresh variable)."""
    variable, key = call.args[0].name, parts[1].strip()
    return f"cel.bind({name}, {receiver}, {SORT_BY_KEYS}({name}, {name}.map({variable}, {key})))"


def check_target(call: Expr, text: str, location: tuple[int, int]) -> None:
    """cel-go's macro error for a ``sortBy`` on a constant or a map or message literal."""
    assert call.target is not None
    if call.target.kind in _SORT_BY_TARGETS:
        return
    line, column = location
    source_line = text.splitlines()[line - 1] if text else ""
    message = "sortBy can only be applied to a list, identifier, comprehension, call or select expression"
    raise CompileError(f"ERROR: <input>:{line}:{column}: {message}\n | {source_line}\n | {'.' * (column - 1)}^")
