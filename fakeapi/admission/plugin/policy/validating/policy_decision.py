"""What evaluating a policy decided (k8s.io/apiserver/pkg/admission/plugin/policy/validating/policy_decision.go)."""

from __future__ import annotations

from dataclasses import dataclass

ACTION_ADMIT = "admit"
ACTION_DENY = "deny"

EVAL_ADMIT = "admit"
EVAL_ERROR = "error"
EVAL_DENY = "deny"

AUDIT_ANNOTATION_PUBLISH = "publish"
AUDIT_ANNOTATION_ERROR = "error"
AUDIT_ANNOTATION_EXCLUDE = "exclude"

REASON_INVALID = "Invalid"

# reasonToCode: the reasons a validation may give, and their status codes (422 for any other).
_REASON_CODES = {"Forbidden": 403, "Unauthorized": 401, "RequestEntityTooLarge": 413, REASON_INVALID: 422}


def reason_to_code(reason: str) -> int:
    return _REASON_CODES.get(reason, 422)


@dataclass(frozen=True)
class PolicyDecision:
    action: str
    evaluation: str
    message: str = ""
    reason: str = ""


@dataclass(frozen=True)
class PolicyAuditAnnotation:
    key: str
    action: str
    value: str = ""
    error: str = ""


@dataclass(frozen=True)
class ValidateResult:
    decisions: tuple[PolicyDecision, ...] = ()
    audit_annotations: tuple[PolicyAuditAnnotation, ...] = ()
