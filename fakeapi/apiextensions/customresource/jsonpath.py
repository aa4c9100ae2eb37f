"""The subset of Kubernetes JSONPath (client-go/util/jsonpath) that printer columns use.

Fields (``.status.replicas``, ``.metadata.labels.app\\.kubernetes\\.io/name``), quoted keys
(``['a.b']``), indexes and slices (``[0]``, ``[-1]``, ``[1:3]``), wildcards (``[*]``, ``.*``),
recursive descent (``..name``) and filters comparing a path with a literal or testing that it
exists (``[?(@.type=="Ready")]``, ``[?(@.ready)]``). Missing keys give no result, as with
AllowMissingKeys(true).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

Step = Callable[[list[Any]], list[Any]]

_FILTER = re.compile(r"^\?\(\s*(@[^=!<>]*?)\s*(?:(==|!=|<=|>=|<|>)\s*(.+?))?\s*\)$")


class JSONPathError(ValueError):
    """The expression is outside the supported subset or malformed."""


def _field(name: str) -> Step:
    def step(values: list[Any]) -> list[Any]:
        if name == "*":
            out: list[Any] = []
            for v in values:
                if isinstance(v, dict):
                    out.extend(v[k] for k in sorted(v))
                elif isinstance(v, list):
                    out.extend(v)
            return out
        return [v[name] for v in values if isinstance(v, dict) and name in v]

    return step


def _recursive(name: str) -> Step:
    def walk(value: Any, out: list[Any]) -> None:
        if isinstance(value, dict):
            if name in value:
                out.append(value[name])
            for k in sorted(value):
                walk(value[k], out)
        elif isinstance(value, list):
            for item in value:
                walk(item, out)

    def step(values: list[Any]) -> list[Any]:
        out: list[Any] = []
        for v in values:
            walk(v, out)
        return out

    return step


def _index(text: str) -> Step:
    def step(values: list[Any]) -> list[Any]:
        out: list[Any] = []
        for v in values:
            if not isinstance(v, list):
                continue
            if ":" in text:
                parts = [p.strip() for p in text.split(":")]
                start = int(parts[0]) if parts[0] else None
                end = int(parts[1]) if len(parts) > 1 and parts[1] else None
                stride = int(parts[2]) if len(parts) > 2 and parts[2] else None
                out.extend(v[slice(start, end, stride)])
            else:
                i = int(text)
                if -len(v) <= i < len(v):
                    out.append(v[i])
        return out

    return step


def _literal(text: str) -> Any:
    text = text.strip()
    if text[:1] in ("'", '"') and text[-1:] == text[:1]:
        return text[1:-1]
    try:
        return json.loads(text)
    except ValueError:
        return text


def _compare(left: Any, op: str, right: Any) -> bool:
    if op == "==":
        return (
            bool(left == right)
            if type(left) is type(right) or isinstance(left, int | float)
            else str(left) == str(right)
        )
    if op == "!=":
        return not _compare(left, "==", right)
    try:
        return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[op]
    except TypeError:
        return False


def _filter(expression: str) -> Step:
    match = _FILTER.match(expression)
    if match is None:
        raise JSONPathError(f"unrecognized filter {expression!r}")
    path_text, op, literal = match.groups()
    inner = compile_steps(path_text[1:]) if path_text != "@" else []

    def step(values: list[Any]) -> list[Any]:
        out: list[Any] = []
        for v in values:
            for item in v if isinstance(v, list) else [v]:
                found = evaluate_steps(inner, item)
                if op is None:
                    if found and found[0] not in (None, False, "", 0):
                        out.append(item)
                elif found and _compare(found[0], op, _literal(literal)):
                    out.append(item)
        return out

    return step


def compile_steps(expression: str) -> list[Step]:
    """Parse ``.a.b[0]`` (optionally wrapped in ``{}``) into steps."""
    text = expression.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1].strip()
    steps: list[Step] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if text.startswith("..", i):
            i += 2
            name, i = _read_name(text, i)
            steps.append(_recursive(name))
        elif ch == ".":
            i += 1
            if i < len(text) and text[i] == "[":
                continue
            name, i = _read_name(text, i)
            if name:
                steps.append(_field(name))
        elif ch == "[":
            end = _closing_bracket(text, i)
            inside = text[i + 1 : end].strip()
            i = end + 1
            if inside == "*":
                steps.append(_field("*"))
            elif inside.startswith("?"):
                steps.append(_filter(inside))
            elif inside[:1] in ("'", '"'):
                steps.append(_field(_literal(inside)))
            elif re.fullmatch(r"-?\d*(:-?\d*){0,2}", inside):
                steps.append(_index(inside))
            else:
                raise JSONPathError(f"unrecognized bracket expression [{inside}]")
        elif ch == "@" or ch == "$":
            i += 1
        else:
            name, i = _read_name(text, i)
            if not name:
                raise JSONPathError(f"unexpected {ch!r} in {expression!r}")
            steps.append(_field(name))
    return steps


def _read_name(text: str, i: int) -> tuple[str, int]:
    name = []
    while i < len(text) and text[i] not in ".[":
        if text[i] == "\\" and i + 1 < len(text):
            name.append(text[i + 1])
            i += 2
            continue
        name.append(text[i])
        i += 1
    return "".join(name), i


def _closing_bracket(text: str, start: int) -> int:
    depth, quote = 0, ""
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in ("'", '"'):
            quote = ch
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i
    raise JSONPathError(f"unclosed bracket in {text!r}")


def evaluate_steps(steps: list[Step], document: Any) -> list[Any]:
    values = [document]
    for step in steps:
        values = step(values)
        if not values:
            return []
    return values
