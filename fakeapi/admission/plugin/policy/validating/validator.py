"""A compiled ValidatingAdmissionPolicy and what it decides (k8s.io/apiserver/pkg/admission/plugin/policy/validating/validator.go).

``Validator.validate`` turns one evaluation (one binding, one param) into decisions: an
expression that is false denies, with the first of messageExpression's result (a non-empty,
one-line string of at most 5 KiB), ``message``, or ``failed expression: <expression>``; an
expression that fails to evaluate denies under ``failurePolicy: Fail`` and admits under
``Ignore``. Audit annotations publish their value (a non-empty string), are left out (an empty
string, null) or are errors (any other type: ``valueExpression '...' resulted in unsupported
return type: int. Return type must be either string or null.``).

Runtime cost (validator.go): the validations run as one pass with a budget of
``RuntimeCELCostBudget`` and the messageExpressions as a second pass on what is left; the audit
annotations get a budget of their own, and the matchConditions theirs (matchconditions.py). A
validation pass that runs out of budget is the policy's only decision (an error, under the
failure policy: ``validation failed due to running out of cost budget, no further validation
rules will be run``), as is an audit annotation pass that does; a message pass that does turns
each validation that did not fail to evaluate into an error, ``failed messageExpression: ...``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fakeapi.admission.plugin.cel.activation import Activation, CostBudget, EvaluationResult, OutOfBudget
from fakeapi.admission.plugin.cel.compile import CompilationResult
from fakeapi.admission.plugin.policy.validating.policy_decision import (
    ACTION_ADMIT,
    ACTION_DENY,
    AUDIT_ANNOTATION_ERROR,
    AUDIT_ANNOTATION_EXCLUDE,
    AUDIT_ANNOTATION_PUBLISH,
    EVAL_ADMIT,
    EVAL_DENY,
    EVAL_ERROR,
    REASON_INVALID,
    PolicyAuditAnnotation,
    PolicyDecision,
    ValidateResult,
)
from fakeapi.admission.plugin.webhook.matchconditions import FAIL, Matcher
from fakeapi.cel.environment.base import RUNTIME_CEL_COST_BUDGET

IGNORE = "Ignore"
# celconfig.MaxEvaluatedMessageExpressionSizeBytes
MAX_EVALUATED_MESSAGE_EXPRESSION_SIZE_BYTES = 5 * 1024

# The CEL types of evaluated values, as cel-go prints them in the audit annotation error.
_CEL_TYPE_NAMES = {bool: "bool", int: "int", float: "double", bytes: "bytes", list: "list", dict: "map"}


@dataclass(frozen=True)
class ValidationCondition:
    """One entry of spec.validations, compiled: the expression and its messageExpression."""

    expression: CompilationResult
    message: str = ""
    reason: str = ""
    message_expression: CompilationResult | None = None


@dataclass(frozen=True)
class AuditAnnotationCondition:
    key: str
    value_expression: CompilationResult


def _action_for_error(failure_policy: str) -> str:
    return ACTION_ADMIT if failure_policy == IGNORE else ACTION_DENY


def _message(validation: ValidationCondition, message_result: EvaluationResult | None) -> str:
    """The denial's message: messageExpression's, else message, else the failed expression."""
    message = ""
    if message_result is not None and not message_result.error and isinstance(message_result.value, str):
        message = message_result.value.strip()
        if len(message.encode()) > MAX_EVALUATED_MESSAGE_EXPRESSION_SIZE_BYTES or "\n" in message:
            message = ""
    if not message and validation.message:
        message = validation.message.strip()
    return message or f"failed expression: {validation.expression.expression.strip()}"


@dataclass(frozen=True)
class Validator:
    """NewValidator: the compiled validations, audit annotations and matchConditions of a policy."""

    validations: Sequence[ValidationCondition]
    audit_annotations: Sequence[AuditAnnotationCondition]
    matcher: Matcher | None
    # The composited variables every expression of the policy may read.
    variables: Mapping[str, CompilationResult]
    failure_policy: str = FAIL

    def validate(self, activation: Activation) -> ValidateResult:
        if self.matcher is not None:
            match = self.matcher.match(activation)
            if match.error:
                return self._error(match.error)
            if not match.matches:
                return ValidateResult()
        budget = CostBudget(RUNTIME_CEL_COST_BUDGET)
        try:
            results = activation.for_input([v.expression for v in self.validations], budget)
        except OutOfBudget as exc:
            return self._error(str(exc))
        message_results: list[EvaluationResult | None] = [None] * len(self.validations)
        message_error = ""
        # Every messageExpression runs, whatever its validation gave, on what the validations left.
        try:
            message_results = activation.for_input([v.message_expression for v in self.validations], budget.next_pass())
        except OutOfBudget as exc:
            message_error = f"failed messageExpression: {exc}"
        decisions = [
            self._decide(validation, result, message_result, message_error)
            for validation, result, message_result in zip(self.validations, results, message_results, strict=True)
        ]
        # validator.go hands the audit annotations the whole budget again.
        try:
            annotation_results = activation.for_input(
                [a.value_expression for a in self.audit_annotations], CostBudget(RUNTIME_CEL_COST_BUDGET)
            )
        except OutOfBudget as exc:
            return self._error(str(exc))
        annotations = [
            self._annotate(annotation, result)
            for annotation, result in zip(self.audit_annotations, annotation_results, strict=True)
        ]
        return ValidateResult(tuple(decisions), tuple(annotations))

    def _error(self, message: str) -> ValidateResult:
        """The policy's one decision when it cannot be evaluated: an error, under the failure policy."""
        return ValidateResult((PolicyDecision(_action_for_error(self.failure_policy), EVAL_ERROR, message),))

    def _decide(
        self,
        validation: ValidationCondition,
        result: EvaluationResult | None,
        message_result: EvaluationResult | None,
        message_error: str,
    ) -> PolicyDecision:
        assert result is not None  # every validation has an expression
        if result.error:
            return PolicyDecision(_action_for_error(self.failure_policy), EVAL_ERROR, result.error)
        if message_error:
            return PolicyDecision(_action_for_error(self.failure_policy), EVAL_ERROR, message_error)
        if result.value is not True:
            reason = validation.reason or REASON_INVALID
            return PolicyDecision(ACTION_DENY, EVAL_DENY, _message(validation, message_result), reason)
        return PolicyDecision(ACTION_ADMIT, EVAL_ADMIT)

    def _annotate(self, annotation: AuditAnnotationCondition, result: EvaluationResult | None) -> PolicyAuditAnnotation:
        assert result is not None  # every audit annotation has an expression
        if result.error:
            action = AUDIT_ANNOTATION_EXCLUDE if self.failure_policy == IGNORE else AUDIT_ANNOTATION_ERROR
            return PolicyAuditAnnotation(annotation.key, action, error=result.error)
        if result.value is None:
            return PolicyAuditAnnotation(annotation.key, AUDIT_ANNOTATION_EXCLUDE)
        if isinstance(result.value, str):
            value = result.value.strip()
            if not value:
                return PolicyAuditAnnotation(annotation.key, AUDIT_ANNOTATION_EXCLUDE)
            return PolicyAuditAnnotation(annotation.key, AUDIT_ANNOTATION_PUBLISH, value)
        type_name = _CEL_TYPE_NAMES.get(type(result.value), type(result.value).__name__)
        error = (
            f"valueExpression '{annotation.value_expression.expression}' resulted in unsupported return type: "
            f"{type_name}. Return type must be either string or null."
        )
        return PolicyAuditAnnotation(annotation.key, AUDIT_ANNOTATION_ERROR, error=error)
