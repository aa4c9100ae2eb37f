"""The checked syntax tree of a compiled expression (cel-spec's cel/expr/checked.proto and syntax.proto).

cel-cpp serialises a compiled expression as a ``google.protobuf.Any`` holding a ``CheckedExpr``.
The checks cel-go makes on the tree and cel-cpp does not (fields of a schema's objects, the cost
estimate of library/cost.go) read it here. Only what those need is decoded, straight from the
protobuf wire format: no generated classes, no descriptors.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

# Wire types (protobuf encoding).
_VARINT, _FIXED64, _LENGTH, _FIXED32 = 0, 1, 2, 5


def _fields(data: bytes) -> list[tuple[int, int, Any]]:
    """The (number, wire type, value) triples of one message; length-delimited values stay bytes."""
    out: list[tuple[int, int, Any]] = []
    pos, end = 0, len(data)
    while pos < end:
        tag, pos = _varint(data, pos)
        number, wire = tag >> 3, tag & 7
        value: Any
        if wire == _VARINT:
            value, pos = _varint(data, pos)
        elif wire == _FIXED64:
            value, pos = data[pos : pos + 8], pos + 8
        elif wire == _LENGTH:
            size, pos = _varint(data, pos)
            value, pos = data[pos : pos + size], pos + size
        elif wire == _FIXED32:
            value, pos = data[pos : pos + 4], pos + 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        out.append((number, wire, value))
    return out


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


@dataclass
class Expr:
    """One node: ``kind`` is const, ident, select, call, list, struct or comprehension."""

    id: int
    kind: str = ""
    name: str = ""  # an ident's name, a select's field, a call's function
    target: Expr | None = None  # a select's operand, a member call's receiver
    args: list[Expr] = field(default_factory=list)  # a call's arguments, a list's elements
    test_only: bool = False  # has()
    value: Any = None  # a constant
    entries: list[tuple[Expr | str, Expr]] = field(default_factory=list)  # a map's or message's entries
    iter_var: str = ""
    iter_var2: str = ""
    accu_var: str = ""
    iter_range: Expr | None = None
    accu_init: Expr | None = None
    loop_condition: Expr | None = None
    loop_step: Expr | None = None
    result: Expr | None = None

    def children(self) -> list[Expr]:
        nodes = [self.target, *self.args, *(v for _, v in self.entries)]
        nodes += [k for k, _ in self.entries if isinstance(k, Expr)]
        nodes += [self.iter_range, self.accu_init, self.loop_condition, self.loop_step, self.result]
        return [n for n in nodes if n is not None]


@dataclass
class CheckedAST:
    """A checked expression: its tree, where each node starts, and the overloads calls resolved to."""

    expr: Expr
    positions: dict[int, int]
    line_offsets: list[int]
    overloads: dict[int, list[str]]

    def location(self, node: Expr) -> tuple[int, int]:
        """(line, column), both from 1, as cel-go prints them in ``<input>:line:col``."""
        offset = self.positions.get(node.id, 0)
        line, start = 1, 0
        for line_end in self.line_offsets:
            if offset < line_end:
                break
            line, start = line + 1, line_end
        return line, offset - start + 1


def decode_checked(serialized: bytes) -> CheckedAST:
    """Decode cel-cpp's ``Expression.serialize()`` (an Any holding a CheckedExpr or ParsedExpr)."""
    payload = next((v for n, _, v in _fields(serialized) if n == 2), b"")
    expr = Expr(0)
    positions: dict[int, int] = {}
    line_offsets: list[int] = []
    overloads: dict[int, list[str]] = {}
    for number, _, value in _fields(payload):
        if (number == 4 and len(value) > 0) or (number == 2 and _is_expr(value)):
            expr = _expr(value)
        elif number == 5 or (number == 3 and not _is_reference_entry(value)):
            positions, line_offsets = _source_info(value)
        elif number == 2:
            key, refs = _reference_entry(value)
            overloads[key] = refs
    return CheckedAST(expr, positions, line_offsets, overloads)


def _is_expr(value: bytes) -> bool:
    """ParsedExpr keeps its expression in field 2, CheckedExpr its reference map: tell them apart."""
    return any(n == 2 and w == _VARINT for n, w, _ in _fields(value))


def _is_reference_entry(value: bytes) -> bool:
    return any(n == 1 and w == _VARINT for n, w, _ in _fields(value))


def _reference_entry(value: bytes) -> tuple[int, list[str]]:
    key, ids = 0, []
    for number, _, v in _fields(value):
        if number == 1:
            key = v
        elif number == 2:
            ids = [o.decode() for n, _, o in _fields(v) if n == 3]
    return key, ids


def _source_info(value: bytes) -> tuple[dict[int, int], list[int]]:
    positions: dict[int, int] = {}
    line_offsets: list[int] = []
    for number, wire, v in _fields(value):
        if number == 3:
            if wire == _LENGTH:  # packed
                pos = 0
                while pos < len(v):
                    offset, pos = _varint(v, pos)
                    line_offsets.append(offset)
            else:
                line_offsets.append(v)
        elif number == 4:
            entry = dict((n, val) for n, _, val in _fields(v))
            positions[entry.get(1, 0)] = entry.get(2, 0)
    return positions, line_offsets


def _expr(data: bytes) -> Expr:
    node = Expr(0)
    for number, _, value in _fields(data):
        if number == 2:
            node.id = value
        elif number == 3:
            node.kind, node.value = "const", _constant(value)
        elif number == 4:
            node.kind = "ident"
            node.name = next((v.decode() for n, _, v in _fields(value) if n == 1), "")
        elif number == 5:
            node.kind = "select"
            for n, _, v in _fields(value):
                if n == 1:
                    node.target = _expr(v)
                elif n == 2:
                    node.name = v.decode()
                elif n == 3:
                    node.test_only = bool(v)
        elif number == 6:
            node.kind = "call"
            for n, _, v in _fields(value):
                if n == 1:
                    node.target = _expr(v)
                elif n == 2:
                    node.name = v.decode()
                elif n == 3:
                    node.args.append(_expr(v))
        elif number == 7:
            node.kind = "list"
            node.args = [_expr(v) for n, _, v in _fields(value) if n == 1]
        elif number == 8:
            node.kind = "struct"
            for n, _, v in _fields(value):
                if n == 1:
                    node.name = v.decode()
                elif n == 2:
                    node.entries.append(_entry(v))
        elif number == 9:
            node.kind = "comprehension"
            _comprehension(node, value)
    return node


def _entry(data: bytes) -> tuple[Expr | str, Expr]:
    key: Expr | str = ""
    value = Expr(0)
    for n, _, v in _fields(data):
        if n == 2:
            key = v.decode()
        elif n == 3:
            key = _expr(v)
        elif n == 4:
            value = _expr(v)
    return key, value


def _comprehension(node: Expr, data: bytes) -> None:
    for n, _, v in _fields(data):
        if n == 1:
            node.iter_var = v.decode()
        elif n == 8:
            node.iter_var2 = v.decode()
        elif n == 3:
            node.accu_var = v.decode()
        elif n == 2:
            node.iter_range = _expr(v)
        elif n == 4:
            node.accu_init = _expr(v)
        elif n == 5:
            node.loop_condition = _expr(v)
        elif n == 6:
            node.loop_step = _expr(v)
        elif n == 7:
            node.result = _expr(v)


def _constant(data: bytes) -> Any:
    for n, _, v in _fields(data):
        if n == 1:
            return None
        if n == 2:
            return bool(v)
        if n == 3:
            return _signed(v)
        if n == 4:
            return v
        if n == 5:
            return struct.unpack("<d", v)[0]
        if n == 6:
            return v.decode()
        if n == 7:
            return bytes(v)
    return None
