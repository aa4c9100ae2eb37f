"""Type checking a ValidatingAdmissionPolicy's expressions (k8s.io/apiserver/pkg/admission/plugin/policy/validating/typechecking.go).

The kinds a policy's matchConstraints name explicitly (no wildcards, no subresources; at most
ten, sorted by group, version and kind) are each checked in turn: every validation's
``expression`` and ``messageExpression`` is compiled with the policy's variables, and what does
not compile becomes a warning ``spec.validations[i].expression`` ->
``<group>/<version>, Kind=<kind>: <compiler's issues>``, one line per kind. A policy whose
constraints name no kind that is served gets no warnings.

Upstream compiles with ``object``, ``oldObject`` and ``params`` typed from their kinds' OpenAPI
schemas. Here they compile as ``dyn``, and the checked tree is then walked with the built-in
kinds' schemas (``fakeapi.apimachinery.openapi_schemas``): a selected field the schema does not
declare is reported as cel-go's checker reports it (``undefined field 'replicsa'``, at the
selection's position). Field types are not checked, and custom resources are walked without a
schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from fakeapi.admission.plugin.cel.compile import (
    OBJECT_VAR,
    OLD_OBJECT_VAR,
    PARAMS_VAR,
    CompilationResult,
    Compiler,
    OptionalVariableDeclarations,
)
from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.apimachinery.schema import GroupVersion, GroupVersionKind, GroupVersionResource
from fakeapi.cel.ast import Expr
from fakeapi.cel.escaping import escape
from fakeapi.storage.interfaces import Object

MAX_TYPES_TO_CHECK = 10

# KindsFor: the kinds a served resource has (none when it is not served).
KindResolver = Callable[[GroupVersionResource], list[GroupVersionKind]]


def _without_wildcards(values: list[str]) -> list[str]:
    """A rule's groups or versions, sorted; none at all when one is a wildcard."""
    return [] if any("*" in v for v in values) else sorted(values)


def types_to_check(policy: Object, kinds_for: KindResolver) -> list[GroupVersionKind]:
    """typesToCheck: the kinds named by the policy's resourceRules, sorted, at most ten."""
    constraints = (policy.get("spec") or {}).get("matchConstraints") or {}
    found: set[GroupVersionKind] = set()
    count = 0
    for rule in constraints.get("resourceRules") or []:
        groups = _without_wildcards(rule.get("apiGroups") or [])
        versions = _without_wildcards(rule.get("apiVersions") or [])
        # Wildcards and subresources are skipped, the rule's other resources still count.
        resources = sorted(r for r in rule.get("resources") or [] if "*" not in r and "/" not in r)
        for group in groups:
            for version in versions:
                for resource in resources:
                    for gvk in kinds_for(GroupVersionResource(group, version, resource)):
                        found.add(gvk)
                        count += 1
                        if count == MAX_TYPES_TO_CHECK:
                            return _sorted(found)
    return _sorted(found)


def _sorted(gvks: set[GroupVersionKind]) -> list[GroupVersionKind]:
    return sorted(gvks, key=lambda gvk: (gvk.group, gvk.version, gvk.kind))


def _checked_expressions(policy: Object) -> Iterator[tuple[str, str]]:
    for i, validation in enumerate((policy.get("spec") or {}).get("validations") or []):
        yield f"spec.validations[{i}].expression", validation.get("expression") or ""
        if validation.get("messageExpression"):
            yield f"spec.validations[{i}].messageExpression", validation["messageExpression"]


Schema = Mapping[str, Any]
# A field the schema does not declare (None stands for "not known": nothing below it is checked).
_UNDEFINED: Schema = {}


@dataclass
class _FieldChecker:
    """Walks a checked tree: selections on variables typed by a schema must name declared fields."""

    compiled: CompilationResult
    definitions: Mapping[str, Schema]
    errors: list[str] = field(default_factory=list)

    def check(self, scope: dict[str, Schema | None]) -> list[str]:
        self._walk(self.compiled.program.ast.expr, scope)
        return self.errors

    def _resolved(self, schema: Schema) -> Schema:
        while "$ref" in schema:
            schema = self.definitions.get(schema["$ref"].rsplit("/", 1)[-1], {})
        return schema

    def _field(self, schema: Schema, name: str) -> Schema | None:
        schema = self._resolved(schema)
        properties = schema.get("properties")
        if properties is None:
            return None
        for prop_name, prop in properties.items():
            if escape(prop_name) == name:
                return dict(prop)
        additional = schema.get("additionalProperties")
        if isinstance(additional, dict):
            return dict(additional)
        if additional or schema.get("x-kubernetes-preserve-unknown-fields"):
            return None
        return _UNDEFINED

    def _walk(self, node: Expr, scope: dict[str, Schema | None]) -> Schema | None:
        if node.kind == "ident":
            return scope.get(node.name)
        if node.kind == "select":
            target = self._walk(node.target, scope) if node.target is not None else None
            if target is None:
                return None
            found = self._field(target, node.name)
            if found is _UNDEFINED:
                self.errors.append(self._error(node, f"undefined field '{node.name}'"))
                return None
            return found
        if node.kind == "comprehension":
            # The loop's variables shadow the policy's and are not typed here.
            scope = {**scope, node.iter_var: None, node.iter_var2: None, node.accu_var: None}
        for child in node.children():
            self._walk(child, scope)
        return None

    def _error(self, node: Expr, message: str) -> str:
        """cel-go's issue text: ``ERROR: <input>:line:col: message`` and the caret under the column."""
        line, column = self.compiled.program.ast.location(node)
        source_line = self.compiled.expression.split("\n")[line - 1]
        return f"ERROR: <input>:{line}:{column}: {message}\n | {source_line}\n | {'.' * (column - 1)}^"


def _schema_of(schemas: SchemaRegistry, gvk: GroupVersionKind) -> Schema | None:
    found = schemas.definition_for(gvk)
    return None if found is None else found[1]


def _param_schema(schemas: SchemaRegistry, policy: Object) -> Schema | None:
    param_kind = (policy.get("spec") or {}).get("paramKind")
    if not param_kind:
        return None
    gv = GroupVersion.parse(param_kind.get("apiVersion") or "")
    return _schema_of(schemas, GroupVersionKind(gv.group, gv.version, param_kind.get("kind") or ""))


def check(compiler: Compiler, schemas: SchemaRegistry, policy: Object, kinds_for: KindResolver) -> list[dict[str, Any]]:
    """TypeChecker.Check: the policy's expressionWarnings (fieldRef and warning), empty when all check."""
    gvks = types_to_check(policy, kinds_for)
    spec = policy.get("spec") or {}
    options = OptionalVariableDeclarations(has_params=spec.get("paramKind") is not None, has_authorizer=True)
    params = _param_schema(schemas, policy)
    warnings = []
    for field_ref, expression in _checked_expressions(policy):
        result = compiler.compile(expression, options) if gvks else None
        if result is None:
            continue
        lines = []
        for gvk in gvks:
            if result.failed:
                issues = [result.error.removeprefix("compilation failed: ")]
            else:
                kind = _schema_of(schemas, gvk)
                scope = {OBJECT_VAR: kind, OLD_OBJECT_VAR: kind, PARAMS_VAR: params}
                issues = _FieldChecker(result, schemas.definitions).check(scope)
            if issues:
                lines.append(f"{gvk.group}/{gvk.version}, Kind={gvk.kind}: {chr(10).join(issues)}\n")
        if lines:
            warnings.append({"fieldRef": field_ref, "warning": "\n".join(lines)})
    return warnings
