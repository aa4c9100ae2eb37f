"""Evaluating admission expressions (k8s.io/apiserver/pkg/admission/plugin/cel/activation.go,
condition.go and composition.go).

An :class:`Activation` holds what one evaluation sees: the object and old object, the admission
request, the namespace, the param, and the policy's composited variables. Upstream the variables
are a lazy map: each is evaluated the first time an expression reads it, at most once per
activation, and an expression that reads a variable whose evaluation failed fails with that
error. Here the variables an expression names (``variables.<name>``, read from its text) are
evaluated before it, in the same way, so a variable no expression reads is never evaluated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fakeapi.admission.plugin.cel.authorizer import RequestAuthorizer
from fakeapi.admission.plugin.cel.compile import (
    AUTHORIZER_VAR,
    NAMESPACE_VAR,
    OBJECT_VAR,
    OLD_OBJECT_VAR,
    PARAMS_VAR,
    REQUEST_RESOURCE_AUTHORIZER_VAR,
    REQUEST_VAR,
    VARIABLES_VAR,
    CompilationResult,
)
from fakeapi.apimachinery.managedfields.gofmt import go_quote
from fakeapi.cel.errors import EvalError
from fakeapi.cel.library.authz import new_authorizer


@dataclass(frozen=True)
class EvaluationResult:
    """EvaluationResult: a value, or an error."""

    expression: str
    value: Any = None
    error: str = ""


@dataclass
class Activation:
    """The variables of one evaluation; the composited variables are evaluated on first use."""

    object: Any
    old_object: Any
    request: Mapping[str, Any]
    namespace: Any
    params: Any = None
    variables: Mapping[str, CompilationResult] = field(default_factory=dict)
    # Answers the checks of ``authorizer`` (None: expressions cannot use it).
    authorizer: RequestAuthorizer | None = None
    # The request's own resource, as ``authorizer.requestResource`` checks it.
    request_resource: Any = None
    _values: dict[str, Any] = field(default_factory=dict)
    _errors: dict[str, str] = field(default_factory=dict)
    _data_cache: dict[str, Any] | None = None

    def _data(self) -> dict[str, Any]:
        """What every expression sees (``variables`` fills in as they are evaluated)."""
        if self._data_cache is not None:
            return self._data_cache
        data = {
            OBJECT_VAR: self.object,
            OLD_OBJECT_VAR: self.old_object,
            REQUEST_VAR: self.request,
            NAMESPACE_VAR: self.namespace,
            PARAMS_VAR: self.params,
            VARIABLES_VAR: self._values,
        }
        if self.authorizer is not None:
            data[AUTHORIZER_VAR] = new_authorizer()
            data[REQUEST_RESOURCE_AUTHORIZER_VAR] = self.request_resource
        self._data_cache = data
        return data

    def _eval(self, compiled: CompilationResult) -> Any:
        data = self._data()
        # The runtime converts every value it is handed, so it gets only what the expression reads.
        activation = {name: value for name, value in data.items() if name.partition(".")[0] in compiled.roots}
        return compiled.program.eval(activation, authorizer=self.authorizer)

    def _resolve(self, names: Iterable[str]) -> str:
        """Evaluate the named variables (and those they name); the first failure's error, or ""."""
        for name in names:
            if name in self._errors:
                return self._errors[name]
            if name in self._values or name not in self.variables:
                continue
            compiled = self.variables[name]
            if compiled.failed:
                self._errors[name] = f"composited variable {go_quote(name)} fails to compile: {compiled.error}"
                return self._errors[name]
            failure = self._resolve(compiled.variables)
            if not failure:
                try:
                    self._values[name] = self._eval(compiled)
                    continue
                except EvalError as exc:
                    failure = exc.message
            self._errors[name] = f"composited variable {go_quote(name)} fails to evaluate: {failure}"
            return self._errors[name]
        return ""

    def evaluate(self, compiled: CompilationResult) -> EvaluationResult:
        """Evaluate: the value, or ``compilation error: ...`` / ``expression '...' resulted in error: ...``."""
        if compiled.failed:
            return EvaluationResult(compiled.expression, error=f"compilation error: {compiled.error}")
        failure = self._resolve(compiled.variables)
        if not failure:
            try:
                return EvaluationResult(compiled.expression, self._eval(compiled))
            except EvalError as exc:
                failure = exc.message
        return EvaluationResult(
            compiled.expression, error=f"expression '{compiled.expression}' resulted in error: {failure}"
        )

    def evaluate_all(self, compiled: Sequence[CompilationResult | None]) -> list[EvaluationResult | None]:
        """ForInput: each expression's result, None for the places that hold none."""
        return [None if c is None else self.evaluate(c) for c in compiled]
