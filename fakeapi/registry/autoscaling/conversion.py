"""HorizontalPodAutoscaler between autoscaling/v1 and autoscaling/v2 (pkg/apis/autoscaling/v1/conversion.go).

Upstream keeps one HPA storage, in v2 (the internal type is v2's), and converts v1 both ways.
v1 knows one metric, a CPU utilization target (``targetCPUUtilizationPercentage``); what else a
v2 object holds travels in annotations (pkg/apis/autoscaling/annotations.go) so a v1 client that
writes back what it read loses nothing: the other metrics, the current metrics, the conditions
(each as v1's JSON, the v2beta1 shape) and the scaling behavior (as Go writes the internal struct,
with Go's field names). Reading v2 drops those annotations again
(DropRoundTripHorizontalPodAutoscalerAnnotations). A v1 object with no metric gets v2's default,
80% CPU.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.registry.defaults import DEFAULT_CPU_UTILIZATION
from fakeapi.storage.interfaces import Object

V1 = "autoscaling/v1"
V2 = "autoscaling/v2"
METRIC_SPECS_ANNOTATION = "autoscaling.alpha.kubernetes.io/metrics"
METRIC_STATUSES_ANNOTATION = "autoscaling.alpha.kubernetes.io/current-metrics"
CONDITIONS_ANNOTATION = "autoscaling.alpha.kubernetes.io/conditions"
BEHAVIOR_SPECS_ANNOTATION = "autoscaling.alpha.kubernetes.io/behavior"
TOLERANCE_SCALE_DOWN_ANNOTATION = "autoscaling.alpha.kubernetes.io/scale-down-tolerance"
TOLERANCE_SCALE_UP_ANNOTATION = "autoscaling.alpha.kubernetes.io/scale-up-tolerance"
ROUND_TRIP_ANNOTATIONS = (
    METRIC_SPECS_ANNOTATION,
    METRIC_STATUSES_ANNOTATION,
    CONDITIONS_ANNOTATION,
    BEHAVIOR_SPECS_ANNOTATION,
    TOLERANCE_SCALE_DOWN_ANNOTATION,
    TOLERANCE_SCALE_UP_ANNOTATION,
)
_SOURCES = ("object", "pods", "resource", "containerResource", "external")
_ZERO_QUANTITY = "0"


def _compact(**fields: Any) -> dict[str, Any]:
    """A Go struct's JSON where every field left None is ``omitempty``."""
    return {key: value for key, value in fields.items() if value is not None}


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


# -- metric sources: v2 <-> v1 (v1's are v2beta1's shape) -----------------------------------------


def _identifier(source: dict[str, Any]) -> dict[str, Any]:
    metric = source.get("metric") or {}
    return {"name": metric.get("name") or "", "selector": metric.get("selector")}


def _reference(ref: dict[str, Any] | None) -> dict[str, Any]:
    ref = ref or {}
    return _compact(kind=ref.get("kind") or "", name=ref.get("name") or "", apiVersion=ref.get("apiVersion") or None)


def _spec_to_v1(kind: str, source: dict[str, Any]) -> dict[str, Any]:
    target = source.get("target") or {}
    metric = _identifier(source)
    if kind in ("resource", "containerResource"):
        out = _compact(
            name=source.get("name") or "",
            targetAverageUtilization=target.get("averageUtilization"),
            targetAverageValue=target.get("averageValue"),
        )
        if kind == "containerResource":
            out["container"] = source.get("container") or ""
        return out
    if kind == "pods":
        return _compact(
            metricName=metric["name"],
            targetAverageValue=target.get("averageValue") or _ZERO_QUANTITY,
            selector=metric["selector"],
        )
    if kind == "object":
        return _compact(
            target=_reference(source.get("describedObject")),
            metricName=metric["name"],
            targetValue=target.get("value") or _ZERO_QUANTITY,
            selector=metric["selector"],
            averageValue=target.get("averageValue"),
        )
    return _compact(
        metricName=metric["name"],
        metricSelector=metric["selector"],
        targetValue=target.get("value"),
        targetAverageValue=target.get("averageValue"),
    )


def _spec_to_v2(kind: str, source: dict[str, Any]) -> dict[str, Any]:
    if kind in ("resource", "containerResource"):
        utilization = source.get("targetAverageUtilization")
        target = _compact(
            type="AverageValue" if utilization is None else "Utilization",
            averageValue=source.get("targetAverageValue"),
            averageUtilization=utilization,
        )
        out = {"name": source.get("name") or "", "target": target}
        if kind == "containerResource":
            out["container"] = source.get("container") or ""
        return out
    if kind == "pods":
        metric = _compact(name=source.get("metricName") or "", selector=source.get("selector"))
        target = {"type": "AverageValue", "averageValue": source.get("targetAverageValue") or _ZERO_QUANTITY}
        return {"metric": metric, "target": target}
    if kind == "object":
        metric = _compact(name=source.get("metricName") or "", selector=source.get("selector"))
        average = source.get("averageValue")
        target = _compact(
            type="Value" if average is None else "AverageValue",
            value=source.get("targetValue") or _ZERO_QUANTITY,
            averageValue=average,
        )
        return {"describedObject": _reference(source.get("target")), "metric": metric, "target": target}
    metric = _compact(name=source.get("metricName") or "", selector=source.get("metricSelector"))
    value = source.get("targetValue")
    target = _compact(
        type="AverageValue" if value is None else "Value", value=value, averageValue=source.get("targetAverageValue")
    )
    return {"metric": metric, "target": target}


def _status_to_v1(kind: str, source: dict[str, Any]) -> dict[str, Any]:
    current = source.get("current") or {}
    metric = _identifier(source)
    if kind in ("resource", "containerResource"):
        out = _compact(
            name=source.get("name") or "",
            currentAverageUtilization=current.get("averageUtilization"),
            currentAverageValue=current.get("averageValue") or _ZERO_QUANTITY,
        )
        if kind == "containerResource":
            out["container"] = source.get("container") or ""
        return out
    if kind == "pods":
        return _compact(
            metricName=metric["name"],
            currentAverageValue=current.get("averageValue") or _ZERO_QUANTITY,
            selector=metric["selector"],
        )
    if kind == "object":
        return _compact(
            target=_reference(source.get("describedObject")),
            metricName=metric["name"],
            currentValue=current.get("value") or _ZERO_QUANTITY,
            selector=metric["selector"],
            averageValue=current.get("averageValue"),
        )
    return _compact(
        metricName=metric["name"],
        metricSelector=metric["selector"],
        currentValue=current.get("value") or _ZERO_QUANTITY,
        currentAverageValue=current.get("averageValue"),
    )


def _status_to_v2(kind: str, source: dict[str, Any]) -> dict[str, Any]:
    if kind in ("resource", "containerResource"):
        current = _compact(
            averageValue=source.get("currentAverageValue") or _ZERO_QUANTITY,
            averageUtilization=source.get("currentAverageUtilization"),
        )
        out = {"name": source.get("name") or "", "current": current}
        if kind == "containerResource":
            out["container"] = source.get("container") or ""
        return out
    if kind == "pods":
        metric = _compact(name=source.get("metricName") or "", selector=source.get("selector"))
        return {"metric": metric, "current": {"averageValue": source.get("currentAverageValue") or _ZERO_QUANTITY}}
    if kind == "object":
        metric = _compact(name=source.get("metricName") or "", selector=source.get("selector"))
        current = _compact(value=source.get("currentValue") or _ZERO_QUANTITY, averageValue=source.get("averageValue"))
        return {"describedObject": _reference(source.get("target")), "metric": metric, "current": current}
    metric = _compact(name=source.get("metricName") or "", selector=source.get("metricSelector"))
    current = _compact(
        value=source.get("currentValue") or _ZERO_QUANTITY, averageValue=source.get("currentAverageValue")
    )
    return {"metric": metric, "current": current}


def _convert_metric(metric: dict[str, Any], convert: Callable[[str, dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """A MetricSpec or MetricStatus: its type and the one source its type names, converted."""
    out: dict[str, Any] = {"type": metric.get("type") or ""}
    for kind in _SOURCES:
        if isinstance(metric.get(kind), dict):
            out[kind] = convert(kind, metric[kind])
    return out


def _is_cpu_utilization_target(metric: dict[str, Any]) -> bool:
    resource = metric.get("resource") if metric.get("type") == "Resource" else None
    return (
        isinstance(resource, dict)
        and resource.get("name") == "cpu"
        and (resource.get("target") or {}).get("averageUtilization") is not None
    )


# -- behavior: the internal Go struct, as encoding/json writes and reads it ------------------------

_RULES_FIELDS = (
    ("StabilizationWindowSeconds", "stabilizationWindowSeconds"),
    ("SelectPolicy", "selectPolicy"),
    ("Policies", "policies"),
    ("Tolerance", "tolerance"),
)
_POLICY_FIELDS = (("Type", "type"), ("Value", "value"), ("PeriodSeconds", "periodSeconds"))


def _behavior_to_internal_json(behavior: dict[str, Any]) -> dict[str, Any]:
    def rules(value: Any) -> Any:
        if not isinstance(value, dict):
            return None
        out = {go: value.get(key) for go, key in _RULES_FIELDS}
        policies = value.get("policies")
        out["Policies"] = (
            None
            if policies is None
            else [
                {go: (p.get(key) if key == "type" else p.get(key) or 0) for go, key in _POLICY_FIELDS} for p in policies
            ]
        )
        return out

    return {"ScaleUp": rules(behavior.get("scaleUp")), "ScaleDown": rules(behavior.get("scaleDown"))}


def _field(obj: dict[str, Any], go_name: str) -> Any:
    """encoding/json's field match: exact name first, then case-insensitive."""
    if go_name in obj:
        return obj[go_name]
    return next((v for k, v in obj.items() if k.lower() == go_name.lower()), None)


def _behavior_from_internal_json(encoded: Any) -> dict[str, Any] | None:
    if not isinstance(encoded, dict):
        return None

    def rules(value: Any) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            return None
        out = {key: _field(value, go) for go, key in _RULES_FIELDS}
        policies = out.get("policies")
        if isinstance(policies, list):
            out["policies"] = [
                {key: _field(p, go) for go, key in _POLICY_FIELDS} for p in policies if isinstance(p, dict)
            ]
        return {k: v for k, v in out.items() if v is not None}

    behavior = {"scaleUp": rules(_field(encoded, "ScaleUp")), "scaleDown": rules(_field(encoded, "ScaleDown"))}
    behavior = {k: v for k, v in behavior.items() if v is not None}
    return behavior or None


def _condition_to_v1(condition: dict[str, Any]) -> dict[str, Any]:
    return _compact(
        type=condition.get("type") or "",
        status=condition.get("status") or "",
        lastTransitionTime=condition.get("lastTransitionTime"),
        reason=condition.get("reason") or None,
        message=condition.get("message") or None,
    )


# -- the two directions -----------------------------------------------------------------------------


def _without_round_trip_annotations(meta: dict[str, Any]) -> dict[str, Any]:
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k not in ROUND_TRIP_ANNOTATIONS}
    out = {k: v for k, v in meta.items() if k != "annotations"}
    if annotations:
        out["annotations"] = annotations
    return out


def v2_to_v1(obj: Object) -> Object:
    """Convert_autoscaling_HorizontalPodAutoscaler_To_v1_HorizontalPodAutoscaler (internal is v2)."""
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    meta = _without_round_trip_annotations(deep_copy_json(obj.get("metadata") or {}))
    annotations: dict[str, str] = {}
    metrics = [m for m in spec.get("metrics") or [] if isinstance(m, dict)]
    other_metrics = [_convert_metric(m, _spec_to_v1) for m in metrics if not _is_cpu_utilization_target(m)]
    if other_metrics:
        annotations[METRIC_SPECS_ANNOTATION] = _json(other_metrics)
    current_metrics = [m for m in status.get("currentMetrics") or [] if isinstance(m, dict)]
    if current_metrics:
        annotations[METRIC_STATUSES_ANNOTATION] = _json([_convert_metric(m, _status_to_v1) for m in current_metrics])
    conditions = [c for c in status.get("conditions") or [] if isinstance(c, dict)]
    if conditions:
        annotations[CONDITIONS_ANNOTATION] = _json([_condition_to_v1(c) for c in conditions])
    if isinstance(spec.get("behavior"), dict):
        annotations[BEHAVIOR_SPECS_ANNOTATION] = _json(_behavior_to_internal_json(spec["behavior"]))
    if annotations:
        meta["annotations"] = {**(meta.get("annotations") or {}), **annotations}

    v1_spec = _compact(
        scaleTargetRef=deep_copy_json(spec.get("scaleTargetRef")),
        minReplicas=spec.get("minReplicas"),
        maxReplicas=spec.get("maxReplicas", 0),
    )
    # The first CPU resource metric decides, whether or not it has a utilization target.
    for metric in metrics:
        resource = metric.get("resource") if metric.get("type") == "Resource" else None
        if isinstance(resource, dict) and resource.get("name") == "cpu":
            utilization = (resource.get("target") or {}).get("averageUtilization")
            if utilization is not None:
                v1_spec["targetCPUUtilizationPercentage"] = utilization
            break
    v1_status = _compact(
        observedGeneration=status.get("observedGeneration"),
        lastScaleTime=status.get("lastScaleTime"),
        currentReplicas=status.get("currentReplicas", 0),
        desiredReplicas=status.get("desiredReplicas", 0),
    )
    for metric in current_metrics:
        resource = metric.get("resource") if metric.get("type") == "Resource" else None
        if isinstance(resource, dict) and resource.get("name") == "cpu":
            utilization = (resource.get("current") or {}).get("averageUtilization")
            if utilization is not None:
                v1_status["currentCPUUtilizationPercentage"] = utilization
    out = {**obj, "apiVersion": V1, "metadata": meta, "spec": v1_spec}
    if "status" in obj:
        out["status"] = v1_status
    return out


def _decoded_list(annotations: dict[str, Any], key: str) -> list[dict[str, Any]] | None:
    """An annotation's JSON list; upstream ignores one that does not decode."""
    if key not in annotations:
        return None
    try:
        decoded = json.loads(annotations[key])
    except (TypeError, ValueError):
        return None
    return [item for item in decoded if isinstance(item, dict)] if isinstance(decoded, list) else None


def v1_to_v2(obj: Object) -> Object:
    """Convert_v1_HorizontalPodAutoscaler_To_autoscaling_HorizontalPodAutoscaler."""
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    v2_spec = _compact(
        scaleTargetRef=deep_copy_json(spec.get("scaleTargetRef")),
        minReplicas=spec.get("minReplicas"),
        maxReplicas=spec.get("maxReplicas", 0),
    )
    metrics: list[dict[str, Any]] = []
    other_metrics = _decoded_list(annotations, METRIC_SPECS_ANNOTATION)
    if other_metrics is not None:
        metrics = [_convert_metric(m, _spec_to_v2) for m in other_metrics]
    if spec.get("targetCPUUtilizationPercentage") is not None:
        target = {"type": "Utilization", "averageUtilization": spec["targetCPUUtilizationPercentage"]}
        metrics.append({"type": "Resource", "resource": {"name": "cpu", "target": target}})
    if not metrics:
        # autoscaling/v1's implicit default, made explicit.
        target = {"type": "Utilization", "averageUtilization": DEFAULT_CPU_UTILIZATION}
        metrics = [{"type": "Resource", "resource": {"name": "cpu", "target": target}}]
    v2_spec["metrics"] = metrics
    if BEHAVIOR_SPECS_ANNOTATION in annotations:
        try:
            behavior = _behavior_from_internal_json(json.loads(annotations[BEHAVIOR_SPECS_ANNOTATION]))
        except (TypeError, ValueError):
            behavior = None
        if behavior is not None:
            v2_spec["behavior"] = behavior

    v2_status: dict[str, Any] = _compact(
        observedGeneration=status.get("observedGeneration"),
        lastScaleTime=status.get("lastScaleTime"),
        currentReplicas=status.get("currentReplicas", 0),
        desiredReplicas=status.get("desiredReplicas", 0),
    )
    current_metrics = _decoded_list(annotations, METRIC_STATUSES_ANNOTATION)
    if current_metrics is not None:
        v2_status["currentMetrics"] = [_convert_metric(m, _status_to_v2) for m in current_metrics]
    elif status.get("currentCPUUtilizationPercentage") is not None:
        current = {"averageUtilization": status["currentCPUUtilizationPercentage"]}
        v2_status["currentMetrics"] = [{"type": "Resource", "resource": {"name": "cpu", "current": current}}]
    conditions = _decoded_list(annotations, CONDITIONS_ANNOTATION)
    if conditions is not None:
        v2_status["conditions"] = conditions
    out = {
        **obj,
        "apiVersion": V2,
        "metadata": _without_round_trip_annotations(deep_copy_json(obj.get("metadata") or {})),
        "spec": v2_spec,
    }
    if "status" in obj:
        out["status"] = v2_status
    return out


class HorizontalPodAutoscalerV1Codec:
    """autoscaling/v1 HorizontalPodAutoscalers served from the one v2 storage."""

    def to_storage(self, obj: Object) -> Object:
        return v1_to_v2(obj)

    def from_storage(self, obj: Object) -> Object:
        return v2_to_v1(obj)
