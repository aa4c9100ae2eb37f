"""Two-variable comprehensions (cel-go ext/comprehensions.go, in environment/base.go since 1.32).

``all(i, v, p)``, ``exists(i, v, p)``, ``existsOne(i, v, p)``, ``transformList(i, v, [filter,] expr)``,
``transformMap(k, v, [filter,] expr)`` and ``transformMapEntry(k, v, [filter,] expr)``: over a
list, ``i`` is the index and ``v`` the element; over a map, the key and its value. cel-cpp's
binding cannot declare macros, so an expression using them is rewritten into what it can run:
the one-variable macros over the collection's keys (``__fakeapi_keys``, the indices of a list),
with the value bound by ``cel.bind`` (``fakeapi/cel/rewrite.py``), e.g.::

    self.all(k, v, v > 0)
    cel.bind(__c0, self, __fakeapi_keys(__c0).all(k, cel.bind(v, __c0[k], v > 0)))

The rewritten expression is type-checked as any other (its values are ``dyn``).
"""

from __future__ import annotations

from typing import Any

from fakeapi.cel.ast import Expr
from fakeapi.cel.library import Function, LibraryError, Overload

KEYS = "__fakeapi_keys"
ZIP_MAP = "__fakeapi_zip_map"
MERGE_MAPS = "__fakeapi_merge_maps"
MACROS = frozenset({"all", "exists", "existsOne", "exists_one", "transformList", "transformMap", "transformMapEntry"})


def _keys(collection: Any) -> list[Any]:
    if isinstance(collection, dict):
        return list(collection)
    return list(range(len(collection)))


def _zip_map(keys: list[Any], values: list[Any]) -> dict[Any, Any]:
    return dict(zip(keys, values, strict=True))


def _merge_maps(maps: list[dict[Any, Any]]) -> dict[Any, Any]:
    merged: dict[Any, Any] = {}
    for entry in maps:
        for key, value in entry.items():
            if key in merged:
                raise LibraryError(f"insert failed: key {key} already exists")
            merged[key] = value
    return merged


FUNCTIONS = (
    # One overload per kind: cel-cpp dispatches a Python function on its arguments' kinds, and a
    # ``dyn`` parameter matches no list or map at run time.
    Function(
        KEYS,
        (
            Overload("fakeapi_keys_list", ("list(dyn)",), "list(dyn)", _keys),
            Overload("fakeapi_keys_map", ("map(dyn, dyn)",), "list(dyn)", _keys),
        ),
    ),
    Function(ZIP_MAP, (Overload("fakeapi_zip_map", ("list(dyn)", "list(dyn)"), "map(dyn, dyn)", _zip_map),)),
    Function(MERGE_MAPS, (Overload("fakeapi_merge_maps", ("list(dyn)",), "map(dyn, dyn)", _merge_maps),)),
)


def is_two_variable_call(node: Expr) -> bool:
    return (
        node.kind == "call"
        and node.name in MACROS
        and node.target is not None
        and len(node.args) in (3, 4)
        and node.args[0].kind == "ident"
        and node.args[1].kind == "ident"
    )


def expand(call: Expr, receiver: str, parts: list[str], name: str) -> str:
    """What the call ``receiver.<macro>(i, v, ...parts)`` becomes (``name`` is a fresh variable)."""
    index, value = call.args[0].name, call.args[1].name

    def bound(body: str) -> str:
        return f"cel.bind({value}, {name}[{index}], {body.strip()})"

    keys = f"{KEYS}({name})"
    if call.name in ("all", "exists", "existsOne", "exists_one"):
        macro = "exists_one" if call.name == "existsOne" else call.name
        body = f"{keys}.{macro}({index}, {bound(parts[0])})"
    else:
        selected = keys
        if len(parts) == 2:
            selected = f"{keys}.filter({index}, {bound(parts[0])})"
        mapped = f"{selected}.map({index}, {bound(parts[-1])})"
        if call.name == "transformList":
            body = mapped
        elif call.name == "transformMap":
            body = f"cel.bind({name}k, {selected}, {ZIP_MAP}({name}k, {name}k.map({index}, {bound(parts[-1])})))"
        else:
            body = f"{MERGE_MAPS}({mapped})"
    return f"cel.bind({name}, {receiver}, {body})"
