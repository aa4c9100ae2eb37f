"""Compiling a schema node's rules (apiextensions-apiserver/pkg/apiserver/schema/cel/compilation.go).

Each rule of ``x-kubernetes-validations`` compiles in an environment where ``self`` (and
``oldSelf``, optional under ``optionalOldSelf``) has the node's type. The checked tree is then
walked with the schema: a field no property declares is refused as cel-go's checker refuses it
(``undefined field 'x'``, at the selection's position), and each node's size bounds feed the
cost estimate (library/cost.py). Comparisons whose left operand holds set or map lists then run
rewritten to compare those ignoring order, and sums whose left operand is one to unite or merge
(library/listtypes.py), the checked tree staying the source's.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import json
from dataclasses import dataclass, field
from typing import Any

from fakeapi.apiextensions.schema.cel import model
from fakeapi.apiextensions.schema.structural import Structural, new_structural
from fakeapi.cel.ast import CheckedAST, Expr
from fakeapi.cel.environment.base import Environment, Program
from fakeapi.cel.errors import CompileError
from fakeapi.cel.escaping import escape
from fakeapi.cel.library import comprehensions, cost, listtypes
from fakeapi.cel.rewrite import wrap_operands
from fakeapi.cel.runtimecost import ValuePath

SCOPED_VAR = "self"
OLD_SCOPED_VAR = "oldSelf"


@dataclass
class CompilationResult:
    """One rule, compiled; ``error`` / ``message_expression_error`` hold upstream's details."""

    rule: dict[str, Any]
    program: Program | None = None
    message_program: Program | None = None
    uses_old_self: bool = False
    max_cost: int = 0
    message_max_cost: int = 0
    # Where the schema-typed nodes of the rule and of its messageExpression read their values
    # from, below ``self`` (for the runtime cost: fakeapi/cel/runtimecost.py).
    size_paths: dict[int, ValuePath] = field(default_factory=dict)
    message_size_paths: dict[int, ValuePath] = field(default_factory=dict)
    # The ``in`` calls of the rule and of its messageExpression that look in a map (costing 1).
    map_lookups: frozenset[int] = frozenset()
    message_map_lookups: frozenset[int] = frozenset()
    error: str | None = None
    error_is_required: bool = False
    message_expression_error: str | None = None
    normalized_field_path: str = ""

    @property
    def optional_old_self(self) -> bool:
        return bool(self.rule.get("optionalOldSelf"))


@functools.lru_cache(maxsize=64)
def environment(self_type: str, optional_old_self: bool) -> Environment:
    """The environment of rules on nodes of one CEL type (built once per type: it costs milliseconds)."""
    if optional_old_self:
        return Environment({SCOPED_VAR: self_type}, {OLD_SCOPED_VAR: self_type})
    return Environment({SCOPED_VAR: self_type, OLD_SCOPED_VAR: self_type})


def compile_rules(s: Structural, is_resource_root: bool) -> list[CompilationResult]:
    """Compile every rule of ``s`` (Compile).

    The results are kept for the same schema node: a CRD's rules are compiled when the CRD is
    checked and again for the validator that serves it, from equal schemas.
    """
    return list(_compile_node(json.dumps(s.raw, sort_keys=True), is_resource_root))


@functools.lru_cache(maxsize=512)
def _compile_node(schema_json: str, is_resource_root: bool) -> tuple[CompilationResult, ...]:
    s = new_structural(json.loads(schema_json))
    assert s is not None
    self_type = model.signature(s)
    rules = [r for r in s.raw.get("x-kubernetes-validations") or [] if isinstance(r, dict)]
    return tuple(_compile_rule(rule, s, self_type, is_resource_root) for rule in rules)


def _compile_rule(rule: dict[str, Any], s: Structural, self_type: str, is_resource_root: bool) -> CompilationResult:
    result = CompilationResult(rule)
    source = str(rule.get("rule") or "")
    if not source.strip():
        result.error, result.error_is_required = "rule is not specified", True
        return result
    env = environment(self_type, result.optional_old_self)
    try:
        program = env.compile(source)
    except CompileError as exc:
        result.error = f"compilation failed: {exc.message}"
        return result
    checked = _Resolver(program, s, is_resource_root)
    if checked.errors:
        result.error = "compilation failed: " + "\n".join(checked.errors)
        return result
    if program.return_type != "bool" and checked.signature(program.ast.expr) != "bool":
        result.error = "cel expression must evaluate to a bool"
        return result
    result.program = _with_list_type_semantics(env, program, checked)
    result.uses_old_self = checked.uses_old_self
    field_path = str(rule.get("fieldPath") or "").strip()
    if field_path:
        with contextlib.suppress(ValueError):  # a bad path is refused when the CRD is written
            result.normalized_field_path = valid_field_path(field_path, s)
    result.max_cost = checked.max_cost()
    result.size_paths = checked.paths
    result.map_lookups = frozenset(checked.map_lookups)
    message_expression = str(rule.get("messageExpression") or "")
    if message_expression.strip():
        _compile_message_expression(result, env, message_expression, s, is_resource_root)
    return result


def _compile_message_expression(
    result: CompilationResult, env: Environment, source: str, s: Structural, is_resource_root: bool
) -> None:
    try:
        program = env.compile(source)
    except CompileError as exc:
        result.message_expression_error = f"messageExpression compilation failed: {exc.message}"
        return
    checked = _Resolver(program, s, is_resource_root)
    if checked.errors:
        result.message_expression_error = "messageExpression compilation failed: " + "\n".join(checked.errors)
    elif program.return_type != "string" and checked.signature(program.ast.expr) != "string":
        result.message_expression_error = "messageExpression must evaluate to a string"
    else:
        result.message_program = _with_list_type_semantics(env, program, checked)
        result.message_max_cost = checked.max_cost()
        result.message_size_paths = checked.paths
        result.message_map_lookups = frozenset(checked.map_lookups)


def _with_list_type_semantics(env: Environment, program: Program, checked: _Resolver) -> Program:
    """``program``, its comparisons and sums of set and map lists made as upstream's (library/listtypes.py)."""
    if not checked.equalities and not checked.additions:
        return program

    def literal(shape: dict[str, Any]) -> str:
        return json.dumps(json.dumps(shape, sort_keys=True))

    calls = [(node, literal(shape)) for node, shape in checked.equalities]
    additions = [(node, literal(kind)) for node, kind in checked.additions]
    text = wrap_operands(program.checked_source, program.ast, calls, listtypes.CANONICAL, additions, listtypes.ADD)
    try:
        return env.rewritten(program, text)
    except CompileError:
        # An operand the function takes no value of: an optional (``oldSelf.x`` under
        # optionalOldSelf), which upstream's checker refuses to compare with a list anyway.
        return program


def _is_map(s: Structural) -> bool:
    """Whether CEL sees values of ``s`` as a map here (an object of additionalProperties, or of properties)."""
    return not model.is_dynamic(s) and s.type == "object"


def _list_kind(s: Structural) -> dict[str, Any] | None:
    """What ``+`` on a list of schema ``s`` does, when no concatenation (listtypes.ADD's kind)."""
    if model.is_dynamic(s) or s.type != "array":
        return None
    if s.list_type == "set":
        return {"set": True}
    if s.list_type == "map":
        return {"map": [escape(k) or k for k in s.list_map_keys]}
    return None


# The metadata CEL sees of a resource: name and generateName only (model.WithTypeAndObjectMeta).
_STRING = Structural(raw={"type": "string"}, type="string")
_METADATA = Structural(raw={"type": "object"}, type="object", properties={"name": _STRING, "generateName": _STRING})
# Operators and functions whose every overload returns a bool.
_BOOLEAN_CALLS = frozenset(
    {
        "_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_", "_&&_", "_||_", "!_", "@in",
        "startsWith", "endsWith", "contains", "matches",
    }
)  # fmt: skip
# The keys of a map: upstream's plain StringType, whose size estimate is 0 (no MaxElements).
_MAP_KEY = Structural(raw={"type": "string", "maxLength": 0}, type="string")
_ROOT_FIELDS = {"apiVersion": _STRING, "kind": _STRING, "metadata": _METADATA}


class _Binding(enum.Enum):
    """What a variable is bound to when no schema tells its type."""

    # An element of a range cel-go keeps no field path for (a conditional, a literal, a function's
    # or a macro's result): checker/cost.go's pushIterSingle gives the variable the path
    # ["@items"] (or ["@keys"]) alone, and the sizeEstimator of compilation.go walks Path()[1:],
    # no step, so it is sized as the rule's own node, whatever the range holds.
    SIZED_AS_SELF = "sized as self"


_Scope = dict[str, Structural | _Binding | None]


@dataclass
class _Resolver:
    """Walks a checked tree with the schema: unknown fields, ``oldSelf`` use, and node sizes."""

    program: Program
    root: Structural
    is_resource_root: bool
    errors: list[str] = field(default_factory=list)
    sizes: dict[int, int] = field(default_factory=dict)
    # The schema of each node that reads a value of the object.
    schemas: dict[int, Structural] = field(default_factory=dict)
    # The longest element of the nodes that are lists of strings (library/cost.py).
    element_sizes: dict[int, int] = field(default_factory=dict)
    paths: dict[int, ValuePath] = field(default_factory=dict)
    uses_old_self: bool = False
    # ``==`` and ``!=`` calls whose left operand holds set or map lists, with its shape.
    equalities: list[tuple[Expr, dict[str, Any]]] = field(default_factory=list)
    # ``+`` calls whose left operand is a set or map list, with its kind (library/listtypes.py).
    additions: list[tuple[Expr, dict[str, Any]]] = field(default_factory=list)
    # ``in`` calls whose right operand is a map (cel-go's in_map: a lookup, not a search).
    map_lookups: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.ast: CheckedAST = self.program.ast
        self._schema_paths = _schema_paths(self.root)
        scope: _Scope = {SCOPED_VAR: self.root, OLD_SCOPED_VAR: self.root}
        self.resolve(self.ast.expr, scope)

    def record(self, node: Expr, s: Structural | None) -> Structural | None:
        if s is not None:
            self.schemas[node.id] = s
            self.sizes[node.id] = model.max_elements(s)
            if s.type == "array" and s.items is not None and s.items.type == "string" and not s.items.int_or_string:
                self.element_sizes[node.id] = model.max_elements(s.items)
            path = self._schema_paths.get(id(s))
            if path is not None:
                self.paths[node.id] = path
        return s

    def resolve(self, node: Expr, scope: _Scope) -> Structural | None:
        if node.kind == "ident":
            if node.name == OLD_SCOPED_VAR:
                self.uses_old_self = True
            bound = scope.get(node.name)
            if bound is _Binding.SIZED_AS_SELF:
                self.sizes[node.id] = model.max_elements(self.root)
                return None
            return self.record(node, bound)
        if node.kind == "select":
            target = self.resolve(node.target, scope) if node.target else None
            return self.record(node, self.field(node, target, node.name))
        if node.kind == "comprehension":
            return self.comprehension(node, scope)
        if node.kind == "call":
            return self.call(node, scope)
        for sub in node.children():
            self.resolve(sub, scope)
        return None

    def call(self, node: Expr, scope: _Scope) -> Structural | None:
        operands = ([node.target] if node.target else []) + node.args
        resolved = [self.resolve(o, scope) for o in operands]
        if node.name == "@in" and len(resolved) == 2 and resolved[1] is not None and _is_map(resolved[1]):
            self.map_lookups.add(node.id)
        if node.name in ("_==_", "_!=_") and resolved[0] is not None and operands[0].name != comprehensions.KEYS:
            shape = model.list_type_shape(resolved[0])
            if shape is not None:
                self.equalities.append((node, shape))
        kind = _list_kind(resolved[0]) if node.name == "_+_" and resolved[0] is not None else None
        if kind is not None:
            self.additions.append((node, kind))
            return resolved[0]  # a set or map list again (not sized: it may hold more)
        if node.name == "_[_]" and len(resolved) == 2 and resolved[0] is not None:
            container, key = resolved[0], node.args[1]
            if container.type == "array":
                return self.record(node, container.items)
            if isinstance(key.value, str) and key.kind == "const":
                return self.record(node, self.field(node, container, key.value))
            return self.record(node, container.additional_properties_schema)
        if node.name == "_?._" and len(resolved) == 2 and node.args[1].kind == "const":
            return self.record(node, self.field(node, resolved[0], str(node.args[1].value)))
        if node.name == comprehensions.KEYS and resolved:
            return self.record(node, resolved[0])  # as many keys as the collection has elements
        if node.name in ("value", "orValue") and node.target is not None:
            return self.record(node, resolved[0])  # an optional's value: oldSelf.value()
        return None

    def comprehension(self, node: Expr, scope: _Scope) -> Structural | None:
        range_schema = self.resolve(node.iter_range, scope) if node.iter_range else None
        inner = dict(scope)
        if range_schema is not None and range_schema.type == "array":
            inner[node.iter_var] = range_schema.items
        elif range_schema is not None and range_schema.type == "object":
            inner[node.iter_var] = _MAP_KEY
        elif range_schema is None and node.iter_range is not None and not _has_field_path(node.iter_range):
            inner[node.iter_var] = _Binding.SIZED_AS_SELF
        else:
            inner[node.iter_var] = None
        # cel.bind(name, init, body) is a comprehension whose accumulator is the bound name.
        inner[node.accu_var] = self.resolve(node.accu_init, scope) if node.accu_init is not None else None
        for part in (node.loop_condition, node.loop_step, node.result):
            if part is not None:
                self.resolve(part, inner)
        return None

    def field(self, node: Expr, s: Structural | None, name: str) -> Structural | None:
        """The schema of field ``name`` of ``s``; an undeclared field of an object is a compile error."""
        if s is None or model.is_dynamic(s) or s.type != "object":
            return None
        is_root = s is self.root and self.is_resource_root
        if not model.is_object_with_fields(s) and not is_root:
            return s.additional_properties_schema
        if (is_root or s.embedded_resource) and name in _ROOT_FIELDS:
            return _ROOT_FIELDS[name]
        for prop_name, prop in s.properties.items():
            if escape(prop_name) == name:
                return prop
        if s.additional_properties_schema is not None:
            return s.additional_properties_schema
        if s.preserve_unknown_fields:
            return None
        self.errors.append(self.error_text(node, f"undefined field '{name}'"))
        return None

    def max_cost(self) -> int:
        """The static cost estimate of the expression, over the sizes its schema gives."""
        return cost.estimate(self.ast, self.sizes, element_sizes=self.element_sizes, map_lookups=self.map_lookups)

    def signature(self, node: Expr) -> str:
        """The CEL type of ``node`` as upstream's checker sees it, where cel-cpp's is ``dyn`` (a field of an
        object typed ``map(string, dyn)`` here): from the schema of the value it reads, or of both
        branches of a conditional; ``dyn`` when neither tells."""
        s = self.schemas.get(node.id)
        if s is not None:
            return model.signature(s)
        if node.kind == "call" and node.name == "_?_:_" and len(node.args) == 3:
            branches = {self.signature(node.args[1]), self.signature(node.args[2])}
            return branches.pop() if len(branches) == 1 else "dyn"
        if node.kind == "const":
            return {bool: "bool", str: "string"}.get(type(node.value), "dyn")
        if (node.kind == "select" and node.test_only) or (node.kind == "call" and node.name in _BOOLEAN_CALLS):
            return "bool"
        return "dyn"

    def error_text(self, node: Expr, message: str) -> str:
        """cel-go's issue text: ``ERROR: <input>:line:col: message`` and the caret under the column."""
        line, column = self.ast.location(node)
        source = self.program.checked_source
        source_line = source.split("\n")[line - 1] if source else ""
        return f"ERROR: <input>:{line}:{column}: {message}\n | {source_line}\n | {'.' * (column - 1)}^"


def _has_field_path(node: Expr) -> bool:
    """Whether cel-go's cost estimator keeps a field path for ``node``: variables, selections and
    indexes have one (checker/cost.go costIdent, costSelect, costCall's index overloads), any
    other call, literal or comprehension none."""
    return node.kind in ("ident", "select") or (node.kind == "call" and node.name == "_[_]")


def _schema_paths(root: Structural) -> dict[int, ValuePath]:
    """Every schema node below ``root`` (by identity) with the way to its values."""
    paths: dict[int, ValuePath] = {}
    pending: list[tuple[Structural, ValuePath]] = [(root, ())]
    while pending:
        s, path = pending.pop()
        paths[id(s)] = path
        pending += [(prop, (*path, ("property", name))) for name, prop in s.properties.items()]
        if s.items is not None:
            pending.append((s.items, (*path, ("items", ""))))
        if s.additional_properties_schema is not None:
            pending.append((s.additional_properties_schema, (*path, ("additionalProperties", ""))))
    return paths


def valid_field_path(json_path: str, s: Structural) -> str:
    """ValidFieldPath: ``.a.b['c-d']`` names a field under ``s``; returns it as a field path (``a.b[c-d]``).

    Raises ValueError with upstream's reason.
    """
    path = ""
    node: Structural | None = s
    for token in _path_tokens(json_path):
        assert node is not None
        if node.properties:
            prop = node.properties.get(token)
            if prop is None:
                raise ValueError("does not refer to a valid field")
            path, node = (f"{path}.{token}" if path else token), prop
        elif node.additional_properties_schema is not None:
            path, node = f"{path}[{token}]", node.additional_properties_schema
        else:
            raise ValueError("does not refer to a valid field")
    return path


def _path_tokens(json_path: str) -> list[str]:
    """The names of a JSON path of ``.name`` and ``['quoted']`` steps."""
    tokens: list[str] = []
    i = 0
    while i < len(json_path):
        c = json_path[i]
        if c == ".":
            end = i + 1
            while end < len(json_path) and json_path[end] not in ".[]":
                end += 1
            if end == i + 1:
                raise ValueError("unexpected end of JSON path")
            tokens.append(json_path[i + 1 : end])
            i = end
        elif c == "[":
            rest = json_path[i + 1 :]
            if not rest.startswith("'"):
                raise ValueError(f"expected single quoted string but got {rest.split(']')[0]}")
            end = rest.find("'", 1)
            while end > 0 and rest[end - 1] == "\\":
                end = rest.find("'", end + 1)
            if end < 0:
                raise ValueError("unexpected end of JSON path")
            tokens.append(rest[1:end].replace("\\'", "'").replace("\\\\", "\\"))
            after = i + 1 + end + 1
            if after >= len(json_path):
                raise ValueError("unexpected end of JSON path")
            if json_path[after] != "]":
                raise ValueError(f"expected ] but got {json_path[after]}")
            i = after + 1
        else:
            raise ValueError(f"expected [ or . but got: {json_path[i:].split('.')[0]}")
    return tokens
