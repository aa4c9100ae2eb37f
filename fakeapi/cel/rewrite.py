"""Source rewrites for what cel-cpp's Python binding cannot declare: macros, optional results.

The two-variable comprehensions (library/comprehensions.py) and the lists extension's ``sortBy``
(library/extlists.py) are macros in cel-go, and the format library's ``validate`` and ``format.named`` (library/format.py) return optional values;
the binding can declare neither. An expression that does not compile is parsed (unchecked),
and the first such call is replaced, in the source text, by an equivalent the binding runs,
until none is left; the result is then checked as any expression. Positions come from the
parsed tree; a call's extent from its parentheses (string literals skipped).

:func:`wrap_operands` rewrites comparisons and sums the same way, for CRD rules comparing or
adding lists of ``x-kubernetes-list-type`` set or map (library/listtypes.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from fakeapi.cel.ast import CheckedAST, Expr
from fakeapi.cel.library import comprehensions, extlists
from fakeapi.cel.library import format as formats


def rewrite(source: str, parse: Callable[[str], CheckedAST]) -> str | None:
    """``source`` with every such call rewritten; None when it has none."""
    text, counter = source, 0
    while True:
        ast = parse(text)
        call = _first(ast.expr)
        if call is None:
            return text if counter else None
        text = _splice(text, ast, call, f"__c{counter}")
        counter += 1


def _rewritable(node: Expr) -> bool:
    return comprehensions.is_two_variable_call(node) or extlists.is_sort_by_call(node) or formats.is_optional_call(node)


def _first(node: Expr) -> Expr | None:
    if _rewritable(node):
        return node
    for sub in node.children():
        found = _first(sub)
        if found is not None:
            return found
    return None


def _start(ast: CheckedAST, node: Expr) -> int:
    own = ast.positions.get(node.id, 1 << 30)
    if (
        node.kind == "call"
        and node.target is None
        and all(p.isidentifier() for p in node.name.split("."))
        and own < 1 << 30
    ):
        own -= len(node.name)  # a global call's position is its parenthesis: ``dyn(x)`` starts at ``dyn``
    return min([own, *(_start(ast, c) for c in node.children())])


def _splice(text: str, ast: CheckedAST, call: Expr, name: str) -> str:
    assert call.target is not None
    open_paren = ast.positions[call.id]
    close_paren = _matching(text, open_paren)
    receiver_start = _start(ast, call.target)
    dot = text.rindex(".", 0, text.rindex(call.name, 0, open_paren + 1))
    receiver = text[receiver_start:dot]
    while receiver.count(")") > receiver.count("(") and receiver_start > 0:
        receiver_start = text.rindex("(", 0, receiver_start)
        receiver = text[receiver_start:dot]
    parts = _split_top_level(text[open_paren + 1 : close_paren])
    if comprehensions.is_two_variable_call(call):
        replacement = comprehensions.expand(call, receiver, parts[2:], name)
    elif extlists.is_sort_by_call(call):
        extlists.check_target(call, text, ast.location(call.target))
        replacement = extlists.expand(call, receiver, parts, name)
    else:
        replacement = formats.expand(call, receiver, parts, name)
    return f"{text[:receiver_start]}{replacement}{text[close_paren + 1 :]}"


def _matching(text: str, open_paren: int) -> int:
    """The position of the parenthesis closing the one at ``open_paren``."""
    depth = 0
    for i in _code_positions(text, open_paren):
        if text[i] in "([{":
            depth += 1
        elif text[i] in ")]}":
            depth -= 1
            if depth == 0:
                return i
    raise ValueError("unbalanced parentheses")


def _code_positions(text: str, start: int) -> Iterator[int]:
    """The positions from ``start`` on that are not inside a string literal or a ``//`` comment."""
    i = start
    while i < len(text):
        if text[i] in "'\"":
            i = _string_end(text, i)
            continue
        if text.startswith("//", i):
            newline = text.find("\n", i)
            i = len(text) if newline < 0 else newline
            continue
        yield i
        i += 1


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
    parts, depth, start = [], 0, 0
    for i in _code_positions(text, 0):
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def wrap_operands(
    text: str,
    ast: CheckedAST,
    calls: Sequence[tuple[Expr, str]],
    function: str,
    additions: Sequence[tuple[Expr, str]] = (),
    add_function: str = "",
) -> str:
    """``text`` with both operands of each ``==`` or ``!=`` call wrapped: ``a == b`` becomes
    ``function(a, arg) == function(b, arg)``, ``arg`` the CEL literal given with the call; and
    each ``+`` call of ``additions`` made a call of ``add_function``: ``a + b`` becomes
    ``add_function(a, arg, [] + b)`` (insertions only: ``[] + b`` is ``b``).

    The left operand starts where its tree does (widened to the parenthesis it may sit in); the
    right one, being of higher precedence than a comparison, ends at the first comparison,
    logical operator, ``?``, ``:``, ``,`` or closing bracket outside brackets and strings (and,
    of a ``+``, at the next ``+`` or ``-``, which associate to the left).
    """
    depths = _depths(ast.expr)
    # (position, closer before opener, order among equals, text): where several rewrites start
    # at one place the outer (ending later, or else higher in the tree) opens first, and where
    # several end at one place the inner closes first.
    inserts: list[tuple[int, int, tuple[int, int], str]] = []
    for call, argument in calls:
        operator, depth = ast.positions[call.id], depths[call.id]
        start = _left_start(text, ast, call, operator)
        end = _operand_end(text, operator + 2)
        opener, closer = f"{function}(", f", {argument})"
        inserts += [
            (start, 1, (-operator, depth), opener),
            (operator, 0, (-start, -depth), closer),
            (operator + 2, 1, (-end, depth), opener),
            (end, 0, (-(operator + 2), -depth), closer),
        ]
    for call, argument in additions:
        operator, depth = ast.positions[call.id], depths[call.id]
        start = _left_start(text, ast, call, operator)
        end = _operand_end(text, operator + 1, _ENDS_SUM)
        inserts += [
            (start, 1, (-end, depth), f"{add_function}("),
            # After whatever closes here (the rewrite of a left operand ending at the ``+``).
            (operator, 0, (1 << 30, 0), f", {argument}, []"),
            (end, 0, (-start, -depth), ")"),
        ]
    out, done = [], 0
    for position, _, _, insert in sorted(inserts):
        out += [text[done:position], insert]
        done = position
    return "".join(out) + text[done:]


def _left_start(text: str, ast: CheckedAST, call: Expr, operator: int) -> int:
    start = _start(ast, call.args[0])
    while text[start:operator].count(")") > text[start:operator].count("(") and start > 0:
        start = text.rindex("(", 0, start)
    return start


def _depths(root: Expr) -> dict[int, int]:
    depths: dict[int, int] = {}
    pending = [(root, 0)]
    while pending:
        node, depth = pending.pop()
        depths[node.id] = depth
        pending += [(child, depth + 1) for child in node.children()]
    return depths


_ENDS_OPERAND = ("==", "!=", "<", ">", "&&", "||", ",", ":")
_ENDS_SUM = (*_ENDS_OPERAND, "+", "-")


def _operand_end(text: str, start: int, ends: tuple[str, ...] = _ENDS_OPERAND) -> int:
    """Where the right operand of a comparison starting at ``start`` ends."""
    depth = 0
    for i in _code_positions(text, start):
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return i
            depth -= 1
        elif depth == 0 and (text.startswith(ends, i) or (c == "?" and text[i - 1] != ".") or _is_in_keyword(text, i)):
            return i
    return len(text)


def _is_in_keyword(text: str, i: int) -> bool:
    def identifier(j: int) -> bool:
        return 0 <= j < len(text) and (text[j].isalnum() or text[j] == "_")

    return text.startswith("in", i) and not identifier(i - 1) and not identifier(i + 2)
