"""matchConditions (k8s.io/apiserver/pkg/admission/plugin/webhook/matchconditions/matcher.go).

A request matches when no condition evaluates to false. A condition that fails to evaluate
counts only when none is false: under ``failurePolicy: Fail`` the errors are the result (one
error's text, or several as ``[a, b]``), under ``Ignore`` the request does not match.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fakeapi.admission.plugin.cel.activation import Activation
from fakeapi.admission.plugin.cel.compile import CompilationResult

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
        errors: list[str] = []
        for name, compiled in self.conditions:
            result = activation.evaluate(compiled)
            if result.error:
                errors.append(result.error)
            elif result.value is False:
                return MatchResult(False, failed_condition_name=name)
        if errors:
            return MatchResult(False, error=aggregate(errors)) if self.failure_policy == FAIL else MatchResult(False)
        return MatchResult(True)
