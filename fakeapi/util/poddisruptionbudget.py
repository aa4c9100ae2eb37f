"""The DisruptionAllowed condition of a PodDisruptionBudget, kept by the API server and the controller alike.

Follows k8s.io/component-helpers/apps/poddisruptionbudget/helpers.go
(``UpdateDisruptionAllowedCondition``) and apimachinery's ``meta.SetStatusCondition``: the
eviction subresource clears the condition when it takes the last allowed disruption, the
disruption controller sets it on every sync, and both must write it the same way.
"""

from __future__ import annotations

from typing import Any

from fakeapi.util.clock import now_rfc3339

# policy.DisruptionAllowedCondition and its reasons.
DISRUPTION_ALLOWED = "DisruptionAllowed"
SUFFICIENT_PODS = "SufficientPods"
INSUFFICIENT_PODS = "InsufficientPods"
SYNC_FAILED = "SyncFailed"


def set_status_condition(conditions: list[dict[str, Any]], new: dict[str, Any]) -> list[dict[str, Any]]:
    """meta.SetStatusCondition: the transition time moves only with the status; reason, message and generation follow.

    ``new`` has type, status, reason and optionally message and observedGeneration.
    """
    old = next((c for c in conditions if c.get("type") == new["type"]), None)
    unchanged = old is not None and old.get("status") == new["status"] and old.get("lastTransitionTime")
    condition = {
        "type": new["type"],
        "status": new["status"],
        "observedGeneration": new.get("observedGeneration") or 0,
        "lastTransitionTime": old["lastTransitionTime"] if unchanged and old is not None else now_rfc3339(),
        "reason": new["reason"],
        "message": new.get("message") or "",
    }
    if old is None:
        return [*conditions, condition]
    return [condition if c is old else c for c in conditions]


def update_disruption_allowed_condition(status: dict[str, Any]) -> None:
    """UpdateDisruptionAllowedCondition: SufficientPods while a disruption is allowed, InsufficientPods otherwise."""
    allowed = int(status.get("disruptionsAllowed") or 0) > 0
    status["conditions"] = set_status_condition(
        list(status.get("conditions") or []),
        {
            "type": DISRUPTION_ALLOWED,
            "status": "True" if allowed else "False",
            "reason": SUFFICIENT_PODS if allowed else INSUFFICIENT_PODS,
            "observedGeneration": status.get("observedGeneration") or 0,
        },
    )
