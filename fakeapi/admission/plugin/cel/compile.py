"""The CEL compiler of the admission plugins (k8s.io/apiserver/pkg/admission/plugin/cel/compile.go).

Every admission expression is compiled in the Kubernetes base environment extended with the
admission variables: ``object``, ``oldObject``, ``request``, ``namespaceObject``, ``variables``,
and, where the policy declares them, ``params`` and ``authorizer``. Upstream builds one
environment per combination of the optional declarations; so does :class:`Compiler`, lazily.

The variables are declared ``dyn`` (upstream types ``request`` and ``namespaceObject`` from
hand-made declarations and the composited ``variables`` map from the variables' output types);
a misspelt field of theirs fails when evaluated instead of when compiled.

Compile errors read as upstream's: ``compilation failed: ERROR: <input>:1:6: ...``, and an
expression whose type is not one its place accepts: ``must evaluate to bool but got string``.
Upstream types each composited variable from its expression, so ``variables.allowed`` may stand
for a bool; here it is ``dyn``, and a ``dyn`` result of an expression that reads composited
variables is accepted wherever it stands (its value is checked when evaluated).

A mutation's struct literals compile as maps (:mod:`fakeapi.admission.plugin.cel.mutation`):
an ApplyConfiguration must evaluate to ``Object`` (here: a map) and a JSON patch to
``list(JSONPatch)`` (here: a list), ``dyn`` being accepted for both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fakeapi.admission.plugin.cel.mutation import rewrite_struct_literals
from fakeapi.admission.plugin.cel.tokens import root_identifiers, selected_fields
from fakeapi.cel import types
from fakeapi.cel.environment.base import Environment
from fakeapi.cel.errors import CompileError
from fakeapi.cel.library import cost
from fakeapi.cel.runtimecost import ValuePath, value_paths

OBJECT_VAR = "object"
OLD_OBJECT_VAR = "oldObject"
PARAMS_VAR = "params"
REQUEST_VAR = "request"
NAMESPACE_VAR = "namespaceObject"
AUTHORIZER_VAR = "authorizer"
REQUEST_RESOURCE_AUTHORIZER_VAR = "authorizer.requestResource"
VARIABLES_VAR = "variables"
# The variables whose values an expression's runtime cost is measured over (the authorizer's are opaque).
SIZED_VARS = (OBJECT_VAR, OLD_OBJECT_VAR, PARAMS_VAR, REQUEST_VAR, NAMESPACE_VAR, VARIABLES_VAR)

# Return types, spelt as cel-go prints them.
BOOL = "bool"
STRING = "string"
NULL = "null_type"
# Variables and type checking accept any type.
ANY = "any"
# What mutations evaluate to (patch/smd.go applyConfigObjectType, patch/json_patch.go jsonPatchType).
APPLY_CONFIGURATION_OBJECT = "Object"
JSON_PATCH_LIST = "list(JSONPatch)"
DYN = "dyn"
# The types the mutation literals compile to here, per return type of a mutation.
_LITERAL_TYPES = {APPLY_CONFIGURATION_OBJECT: "map(", JSON_PATCH_LIST: "list("}


@dataclass(frozen=True)
class OptionalVariableDeclarations:
    """Which optional variables an expression may use (OptionalVariableDeclarations)."""

    has_params: bool = False
    has_authorizer: bool = False
    # Mutations: Object{} and JSONPatch{} literals and jsonpatch.escapeKey.
    has_patch_types: bool = False


@dataclass(frozen=True)
class CompilationResult:
    """CompilationResult: a program, or the error that stands for it at evaluation."""

    expression: str
    program: Any = None
    error: str = ""
    output_type: str = ANY
    # The composited variables the expression reads (``variables.<name>``), evaluated before it.
    variables: tuple[str, ...] = ()
    # The identifiers it may read as variables: its activation holds only those.
    roots: frozenset[str] = frozenset()
    # The static cost estimate, every value as large as a request, and where the nodes read
    # below the variables: what its runtime cost is measured with (fakeapi/cel/runtimecost.py).
    max_cost: int = 0
    size_paths: Mapping[int, ValuePath] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return bool(self.error)


def _cel_go_type_name(name: str) -> str:
    """The runtime's type names (``list<map<string, dyn>>``) as cel-go prints them (``list(map(string, dyn))``)."""
    special = {"null": NULL, "null_type": NULL, "duration": "google.protobuf.Duration"}
    special["timestamp"] = "google.protobuf.Timestamp"
    return special.get(name) or name.replace("<", "(").replace(">", ")")


@dataclass
class Compiler:
    """Compiles admission expressions; one environment per set of optional declarations."""

    _envs: dict[OptionalVariableDeclarations, Environment] = field(default_factory=dict)

    def _env(self, options: OptionalVariableDeclarations) -> Environment:
        env = self._envs.get(options)
        if env is None:
            env = self._envs[options] = _new_env(options)
        return env

    def compile(
        self, expression: str, options: OptionalVariableDeclarations, return_types: tuple[str, ...] = (ANY,)
    ) -> CompilationResult:
        """CompileCELExpression: the expression checked against the types its place accepts."""
        source = rewrite_struct_literals(expression) if options.has_patch_types else expression
        try:
            program = self._env(options).compile(source)
        except CompileError as exc:
            return CompilationResult(expression, error=f"compilation failed: {exc.message}")
        output_type = _cel_go_type_name(program.return_type)
        named = tuple(dict.fromkeys(selected_fields(expression, VARIABLES_VAR)))
        if not _accepts(return_types, output_type, reads_variables=bool(named)):
            if len(return_types) == 1:
                reason = f"must evaluate to {return_types[0]} but got {output_type}"
            else:
                reason = f"must evaluate to one of [{' '.join(return_types)}] but got {output_type}"
            return CompilationResult(expression, error=reason, output_type=output_type)
        roots = root_identifiers(source)
        return CompilationResult(
            expression,
            program,
            output_type=output_type,
            variables=named,
            roots=roots,
            max_cost=cost.estimate(program.ast, {}),
            size_paths=value_paths(program.ast, SIZED_VARS),
        )


def _accepts(return_types: tuple[str, ...], output_type: str, *, reads_variables: bool) -> bool:
    """Whether an expression of ``output_type`` may stand where ``return_types`` are expected."""
    if ANY in return_types or output_type in return_types:
        return True
    if output_type == DYN and (reads_variables or any(t in _LITERAL_TYPES for t in return_types)):
        return True
    return any(t in _LITERAL_TYPES and output_type.startswith(_LITERAL_TYPES[t]) for t in return_types)


def _new_env(options: OptionalVariableDeclarations) -> Environment:
    """The base environment with the admission variables of ``options`` declared (createEnvForOpts)."""
    variables = dict.fromkeys([OBJECT_VAR, OLD_OBJECT_VAR, NAMESPACE_VAR, REQUEST_VAR, VARIABLES_VAR], "dyn")
    if options.has_params:
        variables[PARAMS_VAR] = "dyn"
    if options.has_authorizer:
        variables[AUTHORIZER_VAR] = types.AUTHORIZER
        variables[REQUEST_RESOURCE_AUTHORIZER_VAR] = types.RESOURCE_CHECK
    return Environment(variables)
