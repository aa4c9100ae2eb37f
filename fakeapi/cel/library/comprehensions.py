"""Two-variable comprehensions (cel-go ext/comprehensions.go, in environment/base.go since 1.32).

``all(i, v, p)``, ``exists(i, v, p)``, ``existsOne(i, v, p)``, ``transformList(i, v, [filter,] expr)``,
``transformMap(k, v, [filter,] expr)`` and ``transformMapEntry(k, v, [filter,] expr)``: over a
list, ``i`` is the index and ``v`` the element; over a map, the key and its value. cel-cpp's
binding cannot declare macros, so an expression using them is rewritten into what it can run:
the one-variable macros over the collection's keys (``__fakeapi_keys``, the indices of a list),
with the value bound by ``cel.bind``, e.g.::

    self.all(k, v, v > 0)
    cel.bind(__c0, self, __fakeapi_keys(__c0).all(k, cel.bind(v, __c0[k], v > 0)))

The rewrite works on the source text, guided by the parsed tree's positions; the rewritten
expression is type-checked as any other (its values are ``dyn``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fakeapi.cel.ast import CheckedAST, Expr
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


def rewrite(source: str, parse: Callable[[str], CheckedAST]) -> str | None:
    """``source`` with every two-variable comprehension rewritten; None when it has none."""
    text, counter = source, 0
    while True:
        ast = parse(text)
        call = _first_two_variable_call(ast.expr)
        if call is None:
            return text if counter else None
        text = _splice(text, ast, call, f"__c{counter}")
        counter += 1


def _first_two_variable_call(node: Expr) -> Expr | None:
    if (
        node.kind == "call"
        and node.name in MACROS
        and node.target is not None
        and len(node.args) in (3, 4)
        and node.args[0].kind == "ident"
        and node.args[1].kind == "ident"
    ):
        return node
    for sub in node.children():
        found = _first_two_variable_call(sub)
        if found is not None:
            return found
    return None


def _start(ast: CheckedAST, node: Expr) -> int:
    return min([ast.positions.get(node.id, 1 << 30), *(_start(ast, c) for c in node.children())])


def _splice(text: str, ast: CheckedAST, call: Expr, name: str) -> str:
    assert call.target is not None
    open_paren = ast.positions[call.id]
    close_paren = _matching(text, open_paren)
    receiver_start = _start(ast, call.target)
    dot = text.rindex(call.name, 0, open_paren + 1)
    dot = text.rindex(".", 0, dot)
    receiver = text[receiver_start:dot]
    while receiver.count(")") > receiver.count("(") and receiver_start > 0:
        receiver_start = text.rindex("(", 0, receiver_start)
        receiver = text[receiver_start:dot]
    index, value = call.args[0].name, call.args[1].name
    parts = _split_top_level(text[open_paren + 1 : close_paren])[2:]

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
    return f"{text[:receiver_start]}cel.bind({name}, {receiver}, {body}){text[close_paren + 1 :]}"


def _matching(text: str, open_paren: int) -> int:
    """The position of the parenthesis closing the one at ``open_paren`` (string literals skipped)."""
    depth, i = 0, open_paren
    while i < len(text):
        c = text[i]
        if c in "'\"":
            i = _string_end(text, i)
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError("unbalanced parentheses")


def _string_end(text: str, start: int) -> int:
    """The position just past the string literal starting at ``start``."""
    quote = text[start] * 3 if text.startswith(text[start] * 3, start) else text[start]
    raw = start > 0 and text[start - 1] in "rR"
    i = start + len(quote)
    while i < len(text):
        if not raw and text[i] == "\\":
            i += 2
            continue
        if text.startswith(quote, i):
            return i + len(quote)
        i += 1
    return i


def _split_top_level(text: str) -> list[str]:
    """Arguments separated by top-level commas."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if c in "'\"":
            i = _string_end(text, i)
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return parts
