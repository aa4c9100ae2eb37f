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

from fakeapi.admission.plugin.cel.compile import (
    NAMESPACE_VAR,
    OBJECT_VAR,
    OLD_OBJECT_VAR,
    PARAMS_VAR,
    REQUEST_VAR,
    VARIABLES_VAR,
    CompilationResult,
)
from fakeapi.admission.plugin.cel.tokens import selected_fields

# cel-cpp's runtime texts, as cel-go words them (cel-go common/types/err.go).
_RUNTIME_TEXTS = (
    ('NOT_FOUND: Key not found in map : "', "no such key: "),
    ("NOT_FOUND: Key not found in map : ", "no such key: "),
    ("INVALID_ARGUMENT: divide by zero", "division by zero"),
    ("INVALID_ARGUMENT: modulus by zero", "modulus by zero"),
)


def runtime_error_text(text: str) -> str:
    """cel-go's text for a cel-cpp runtime error."""
    for cpp, go in _RUNTIME_TEXTS:
        if text.startswith(cpp):
            return go + text[len(cpp) :].removesuffix('"')
    return text.partition(": ")[2] or text


@dataclass(frozen=True)
class EvaluationResult:
    """EvaluationResult: a value (with its CEL type name, upper case as cel-cpp gives it) or an error."""

    expression: str
    value: Any = None
    type_name: str = ""
    error: str = ""


def go_quote(text: str) -> str:
    """Go's %q of a plain name."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class Activation:
    """The variables of one evaluation; the composited variables are evaluated on first use."""

    object: Any
    old_object: Any
    request: Mapping[str, Any]
    namespace: Any
    params: Any = None
    variables: Mapping[str, CompilationResult] = field(default_factory=dict)
    _values: dict[str, Any] = field(default_factory=dict)
    _errors: dict[str, str] = field(default_factory=dict)

    def _data(self) -> dict[str, Any]:
        return {
            OBJECT_VAR: self.object,
            OLD_OBJECT_VAR: self.old_object,
            REQUEST_VAR: self.request,
            NAMESPACE_VAR: self.namespace,
            PARAMS_VAR: self.params,
            VARIABLES_VAR: self._values,
        }

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
            failure = self._resolve(selected_fields(compiled.expression, VARIABLES_VAR))
            if not failure:
                value = compiled.program.eval(data=self._data())
                if value.type().name() != "ERROR":
                    self._values[name] = value.plain_value()
                    continue
                failure = runtime_error_text(value.value())
            self._errors[name] = f"composited variable {go_quote(name)} fails to evaluate: {failure}"
            return self._errors[name]
        return ""

    def evaluate(self, compiled: CompilationResult) -> EvaluationResult:
        """Evaluate: the value, or ``compilation error: ...`` / ``expression '...' resulted in error: ...``."""
        if compiled.failed:
            return EvaluationResult(compiled.expression, error=f"compilation error: {compiled.error}")
        failure = self._resolve(selected_fields(compiled.expression, VARIABLES_VAR))
        if not failure:
            value = compiled.program.eval(data=self._data())
            type_name = value.type().name()
            if type_name != "ERROR":
                return EvaluationResult(compiled.expression, value.plain_value(), type_name)
            failure = runtime_error_text(value.value())
        return EvaluationResult(
            compiled.expression, error=f"expression '{compiled.expression}' resulted in error: {failure}"
        )

    def evaluate_all(self, compiled: Sequence[CompilationResult | None]) -> list[EvaluationResult | None]:
        """ForInput: each expression's result, None for the places that hold none."""
        return [None if c is None else self.evaluate(c) for c in compiled]
