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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fakeapi.admission.plugin.cel.mutation import escape_key, rewrite_struct_literals

OBJECT_VAR = "object"
OLD_OBJECT_VAR = "oldObject"
PARAMS_VAR = "params"
REQUEST_VAR = "request"
NAMESPACE_VAR = "namespaceObject"
AUTHORIZER_VAR = "authorizer"
VARIABLES_VAR = "variables"

# Return types, spelt as cel-go prints them.
BOOL = "bool"
STRING = "string"
NULL = "null_type"
# Variables and type checking accept any type.
ANY = "any"


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

    @property
    def failed(self) -> bool:
        return bool(self.error)


def _cel_go_type_name(cpp_name: str) -> str:
    """cel-cpp's type names (``LIST<MAP<STRING, DYN>>``) as cel-go prints them (``list(map(string, dyn))``)."""
    special = {"NULL": NULL, "NULL_TYPE": NULL, "DURATION": "google.protobuf.Duration"}
    special["TIMESTAMP"] = "google.protobuf.Timestamp"
    if cpp_name in special:
        return special[cpp_name]
    return cpp_name.lower().replace("<", "(").replace(">", ")")


@dataclass
class Compiler:
    """Compiles admission expressions; one environment per set of optional declarations."""

    _envs: dict[OptionalVariableDeclarations, Any] = field(default_factory=dict)

    def _env(self, options: OptionalVariableDeclarations) -> Any:
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
        except RuntimeError as exc:
            return CompilationResult(expression, error="compilation failed: " + _status_text(str(exc)))
        output_type = _cel_go_type_name(program.return_type().name())
        if ANY not in return_types and output_type not in return_types:
            if len(return_types) == 1:
                reason = f"must evaluate to {return_types[0]} but got {output_type}"
            else:
                reason = f"must evaluate to one of [{' '.join(return_types)}] but got {output_type}"
            return CompilationResult(expression, error=reason, output_type=output_type)
        return CompilationResult(expression, program=program, output_type=output_type)


def _status_text(text: str) -> str:
    """cel-cpp wraps cel-go's text in an absl status: ``INVALID_ARGUMENT: ... [INVALID_ARGUMENT]``."""
    code, sep, rest = text.partition(": ")
    if sep and code.isupper():
        text = rest
    return text.removesuffix(f" [{code}]") if sep else text


def _new_env(options: OptionalVariableDeclarations) -> Any:
    """The base environment with the admission variables of ``options`` declared (createEnvForOpts)."""
    from cel_expr_python import cel
    from cel_expr_python.ext.ext_optional import ExtOptional
    from cel_expr_python.ext.ext_strings import ExtStrings

    names = [OBJECT_VAR, OLD_OBJECT_VAR, NAMESPACE_VAR, REQUEST_VAR, VARIABLES_VAR]
    if options.has_params:
        names.append(PARAMS_VAR)
    functions = []
    if options.has_patch_types:
        overload = cel.Overload(
            "jsonpatch_escapeKey_string",
            return_type=cel.Type.STRING,
            parameters=[cel.Type.STRING],
            impl=escape_key,
        )
        functions.append(cel.FunctionDecl("jsonpatch.escapeKey", [overload]))
    return cel.NewEnv(
        variables=dict.fromkeys(names, cel.Type.DYN),
        extensions=[ExtOptional(), ExtStrings()],
        functions=functions,
    )
