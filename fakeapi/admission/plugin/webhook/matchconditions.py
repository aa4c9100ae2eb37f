"""matchConditions (k8s.io/apiserver/pkg/admission/plugin/webhook/matchconditions/matcher.go).

A request matches when no condition evaluates to false. A condition that fails to evaluate
counts only when none is false: under ``failurePolicy: Fail`` the errors are the result (one
error's text, or several as ``[a, b]``), under ``Ignore`` the request does not match. Policies
compile their conditions with the rest of the policy; :class:`WebhookConditions` compiles a
webhook's.

The conditions of one match run as one pass with a budget of their own,
``RuntimeCELCostBudgetMatchConditions`` (2.5e6; each condition also has the per-call limit, 1e6):
a condition past the limit fails to evaluate (``operation cancelled: actual cost limit
exceeded``), and running out of budget is the match's error under ``Fail`` (``validation failed
due to running out of cost budget, no further validation rules will be run``) and no match
under ``Ignore``, whatever the conditions evaluated to.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from fakeapi.admission.interfaces import Attributes
from fakeapi.admission.plugin.cel.activation import Activation, CostBudget, OutOfBudget
from fakeapi.admission.plugin.cel.compile import BOOL, CompilationResult, Compiler, OptionalVariableDeclarations
from fakeapi.admission.plugin.cel.condition import Authorization, MatchedAs, create_admission_request
from fakeapi.admission.plugin.webhook.accessors import WebhookAccessor
from fakeapi.authorization.authorizer import Authorizer
from fakeapi.cel.environment.base import RUNTIME_CEL_COST_BUDGET_MATCH_CONDITIONS
from fakeapi.storage.interfaces import Object

FAIL = "Fail"


@dataclass(frozen=True)
class MatchResult:
    matches: bool
    error: str = ""
    failed_condition_name: str = ""


def aggregate(messages: Sequence[str]) -> str:
    """utilerrors.NewAggregate(...).Error(): one message as is, several deduplicated in brackets."""
    if len(messages) == 1:
        return messages[0]
    unique = list(dict.fromkeys(messages))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


@dataclass(frozen=True)
class Matcher:
    """A policy's compiled matchConditions, by name, and the failure policy that decides errors."""

    conditions: Sequence[tuple[str, CompilationResult]]
    failure_policy: str = FAIL

    def match(self, activation: Activation) -> MatchResult:
        budget = CostBudget(RUNTIME_CEL_COST_BUDGET_MATCH_CONDITIONS)
        try:
            results = activation.for_input([compiled for _, compiled in self.conditions], budget)
        except OutOfBudget as exc:
            return MatchResult(False, error=str(exc)) if self.failure_policy == FAIL else MatchResult(False)
        errors: list[str] = []
        for (name, _), result in zip(self.conditions, results, strict=True):
            assert result is not None  # every condition has an expression
            if result.error:
                errors.append(result.error)
            elif result.value is False:
                return MatchResult(False, failed_condition_name=name)
        if errors:
            return MatchResult(False, error=aggregate(errors)) if self.failure_policy == FAIL else MatchResult(False)
        return MatchResult(True)


class WebhookConditions:
    """The matchConditions of admission webhooks (the last step of generic/webhook.go's ShouldCallHook).

    Each webhook's conditions are compiled once (GetCompiledMatcher), in the environment upstream
    gives them: ``object``, ``oldObject``, ``request`` and ``authorizer``, no params; they are
    compiled again when the webhook's conditions or failure policy change.
    """

    def __init__(self, authorizer: Authorizer) -> None:
        self._authorizer = authorizer
        self._compiler = Compiler()
        self._matchers: dict[str, tuple[Hashable, Matcher]] = {}

    def _matcher(self, hook: WebhookAccessor) -> Matcher:
        key = (hook.failure_policy, tuple((c.get("name"), c.get("expression")) for c in hook.match_conditions))
        cached = self._matchers.get(hook.uid)
        if cached is None or cached[0] != key:
            options = OptionalVariableDeclarations(has_authorizer=True)
            conditions = [
                (str(c.get("name") or ""), self._compiler.compile(str(c.get("expression") or ""), options, (BOOL,)))
                for c in hook.match_conditions
            ]
            cached = self._matchers[hook.uid] = (key, Matcher(conditions, hook.failure_policy))
        return cached[1]

    def match(
        self,
        hook: WebhookAccessor,
        attributes: Attributes,
        matched: MatchedAs,
        obj: Object | None,
        old_obj: Object | None,
    ) -> MatchResult:
        """Whether ``hook`` is called for the request seen as ``matched`` (``obj`` and ``old_obj`` in its version)."""
        authorization = Authorization.of(self._authorizer, attributes)
        request = create_admission_request(attributes, matched)
        activation = Activation(
            obj,
            old_obj,
            request,
            None,
            authorizer=authorization.authorizer,
            request_resource=authorization.request_resource,
        )
        return self._matcher(hook).match(activation)
