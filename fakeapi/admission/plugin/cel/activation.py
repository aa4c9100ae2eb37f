"""Evaluating admission expressions (k8s.io/apiserver/pkg/admission/plugin/cel/activation.go,
condition.go and composition.go).

An :class:`Activation` holds what one evaluation sees: the object and old object, the admission
request, the namespace, the param, and the policy's composited variables. Upstream the variables
are a lazy map: each is evaluated the first time an expression reads it, at most once per
activation, and an expression that reads a variable whose evaluation failed fails with that
error. Here the variables an expression names (``variables.<name>``, read from its text) are
evaluated before it, in the same way, so a variable no expression reads is never evaluated.

Runtime cost: expressions are evaluated in passes (upstream's ``ForInput``: a policy's
matchConditions, its validations, their messageExpressions...), each with a budget
(:class:`CostBudget`). Each expression is charged its cost (fakeapi/cel/runtimecost.py) before it
runs; one past the per-call limit fails (``operation cancelled: actual cost limit exceeded``) having
spent the limit, and one the budget cannot pay ends the pass (:class:`OutOfBudget`). A variable
is charged to the first expression of a pass that reads it, once per pass, as upstream evaluates
the lazy map of variables anew in each pass (here its value is kept: it would be the same).
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
    SIZED_VARS,
    VARIABLES_VAR,
    CompilationResult,
)
from fakeapi.apimachinery.gofmt import go_quote
from fakeapi.cel.environment.base import PER_CALL_LIMIT
from fakeapi.cel.errors import EvalError
from fakeapi.cel.library.authz import new_authorizer
from fakeapi.cel.runtimecost import CALL_LIMIT_EXCEEDED, OUT_OF_BUDGET, evaluation_cost, json_size


class OutOfBudget(Exception):
    """A pass's expressions spent its budget: the pass has no results, only this error (ForInput's err)."""

    def __init__(self) -> None:
        super().__init__(OUT_OF_BUDGET)


@dataclass
class CostBudget:
    """What is left of one pass's runtime cost budget, and the variables the pass has paid for."""

    remaining: int
    variables_paid: set[str] = field(default_factory=set)

    def charge(self, cost: int) -> None:
        """Take ``cost``; raises OutOfBudget, the budget spent, when it is not there."""
        if cost > self.remaining:
            self.remaining = -1
            raise OutOfBudget
        self.remaining -= cost

    def next_pass(self) -> CostBudget:
        """A later pass on what is left (a policy's messageExpressions after its validations)."""
        return CostBudget(self.remaining)


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
    # What each evaluated variable costs a pass that reads it (its own evaluation, not those it reads).
    _variable_costs: dict[str, int] = field(default_factory=dict)
    # The length of each variable's value as JSON (a composited one's under ``variables.<name>``).
    _json_sizes: dict[str, int] = field(default_factory=dict)
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

    def _cost(self, compiled: CompilationResult) -> int:
        """What evaluating ``compiled`` costs, measured over the values it reads."""
        data = self._data()
        read = {name: data[name] for name in SIZED_VARS if name in compiled.roots}
        # Any value the paths do not reach is no larger than the largest variable read.
        sizes = [self._json_size(name, data[name]) for name in read if name != VARIABLES_VAR]
        sizes += [
            self._json_size(f"{VARIABLES_VAR}.{n}", self._values[n]) for n in compiled.variables if n in self._values
        ]
        return evaluation_cost(
            compiled.program.ast, compiled.max_cost, compiled.size_paths, [read], max(sizes, default=0)
        )

    def _json_size(self, key: str, value: Any) -> int:
        size = self._json_sizes.get(key)
        if size is None:
            size = self._json_sizes[key] = json_size(value)
        return size

    def _resolve(self, names: Iterable[str], budget: CostBudget) -> str:
        """Evaluate the named variables (and those they name), paid from ``budget``; the first failure's error, or ""."""
        for name in names:
            if name in self.variables:
                failure = self._variable(name, budget)
                if failure:
                    return failure
        return ""

    def _variable(self, name: str, budget: CostBudget) -> str:
        """Variable ``name``, evaluated once per activation and paid for once per pass; its error, or ""."""
        if name in budget.variables_paid:
            return self._errors.get(name, "")
        budget.variables_paid.add(name)
        compiled = self.variables[name]
        if compiled.failed:
            self._errors[name] = f"composited variable {go_quote(name)} fails to compile: {compiled.error}"
            return self._errors[name]
        failure = self._resolve(compiled.variables, budget)
        if name not in self._variable_costs:
            self._variable_costs[name] = 0
            if not failure:
                cost = self._cost(compiled)
                self._variable_costs[name] = min(cost, PER_CALL_LIMIT + 1)
                failure = CALL_LIMIT_EXCEEDED if cost > PER_CALL_LIMIT else self._eval_variable(name, compiled)
            if failure:
                self._errors[name] = f"composited variable {go_quote(name)} fails to evaluate: {failure}"
        budget.charge(self._variable_costs[name])
        return self._errors.get(name, "")

    def _eval_variable(self, name: str, compiled: CompilationResult) -> str:
        try:
            self._values[name] = self._eval(compiled)
        except EvalError as exc:
            return exc.message
        return ""

    def evaluate(self, compiled: CompilationResult, budget: CostBudget) -> EvaluationResult:
        """Evaluate, paid from ``budget``: the value, or ``compilation error: ...`` / ``expression '...' resulted in error: ...``.

        Raises OutOfBudget when ``budget`` cannot pay for the expression or the variables it reads.
        """
        if compiled.failed:
            return EvaluationResult(compiled.expression, error=f"compilation error: {compiled.error}")
        failure = self._resolve(compiled.variables, budget)
        if not failure:
            cost = self._cost(compiled)
            # cel-go stops an evaluation at the per-call limit, having spent it.
            budget.charge(min(cost, PER_CALL_LIMIT + 1))
            if cost > PER_CALL_LIMIT:
                failure = CALL_LIMIT_EXCEEDED
        if not failure:
            try:
                return EvaluationResult(compiled.expression, self._eval(compiled))
            except EvalError as exc:
                failure = exc.message
        return EvaluationResult(
            compiled.expression, error=f"expression '{compiled.expression}' resulted in error: {failure}"
        )

    def for_input(
        self, compiled: Sequence[CompilationResult | None], budget: CostBudget
    ) -> list[EvaluationResult | None]:
        """ForInput: one pass, each expression's result (None for the places that hold none).

        Raises OutOfBudget when the pass spends ``budget``.
        """
        return [None if c is None else self.evaluate(c, budget) for c in compiled]
