"""The validation of the kinds that carry a pod spec: pods, pod templates and the workloads.

Follows pkg/apis/core/validation (ValidatePod, ValidatePodTemplate,
ValidateReplicationController), pkg/apis/apps/validation (Deployments, ReplicaSets,
DaemonSets, StatefulSets) and pkg/apis/batch/validation (Jobs, CronJobs) for the checks of
``fakeapi.registry.core.pod_validation`` plus the workloads' own: non-negative replicas, a
non-empty selector, a selector matching the template's labels, the restart policies a
controller accepts, and (on update, in apps/v1) a selector that cannot change.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from fakeapi.apimachinery import field
from fakeapi.apimachinery.field import FieldError, Raw
from fakeapi.apimachinery.schema import GroupKind
from fakeapi.registry.core.pod_validation import (
    SELECTOR_MISMATCH,
    go_string_map,
    validate_pod_spec,
    validate_pod_template,
    validate_template_for_controller,
)
from fakeapi.storage.interfaces import Object

IMMUTABLE = "field is immutable"
JOB_RESTART_POLICIES = ["OnFailure", "Never"]


def _spec(obj: Any) -> dict[str, Any]:
    spec = obj.get("spec") if isinstance(obj, dict) else None
    return spec if isinstance(spec, dict) else {}


def _go_strings(values: Any) -> str:
    if not isinstance(values, list):
        return "[]string(nil)"
    return "[]string{" + ", ".join(json.dumps(str(v)) for v in values) + "}"


def go_label_selector(selector: Any) -> Raw:
    """A metav1.LabelSelector as Go's %#v prints it (a pointer's bad value is its struct)."""
    selector = selector if isinstance(selector, Mapping) else {}
    labels = selector.get("matchLabels")
    expressions = selector.get("matchExpressions")
    if isinstance(expressions, list):
        parts = []
        for e in expressions:
            e = e if isinstance(e, Mapping) else {}
            parts.append(
                f"v1.LabelSelectorRequirement{{Key:{json.dumps(str(e.get('key') or ''))}, "
                f"Operator:{json.dumps(str(e.get('operator') or ''))}, Values:{_go_strings(e.get('values'))}}}"
            )
        rendered = "[]v1.LabelSelectorRequirement{" + ", ".join(parts) + "}"
    else:
        rendered = "[]v1.LabelSelectorRequirement(nil)"
    return Raw(f"v1.LabelSelector{{MatchLabels:{go_string_map(labels)}, MatchExpressions:{rendered}}}")


def _nonnegative(spec: dict[str, Any], key: str) -> list[FieldError]:
    """ValidateNonnegativeField."""
    value = spec.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return [field.invalid(f"spec.{key}", value, "must be greater than or equal to 0")]
    return []


def _selector_not_empty(selector: Any, noun: str) -> list[FieldError]:
    if isinstance(selector, Mapping) and not (selector.get("matchLabels") or selector.get("matchExpressions")):
        return [field.invalid("spec.selector", go_label_selector(selector), f"empty selector is invalid for {noun}")]
    return []


def _apps_workload(
    kind: str, noun: str, has_replicas: bool, check_pod_spec: bool = True
) -> Callable[[Object], list[FieldError]]:
    def validate(obj: Object) -> list[FieldError]:
        spec = _spec(obj)
        errs = _nonnegative(spec, "replicas") if has_replicas else []
        selector = spec.get("selector")
        errs += _selector_not_empty(selector, noun)
        errs += validate_template_for_controller(
            spec.get("template"), selector, "spec.template", kind, set_based=True, check_pod_spec=check_pod_spec
        )
        errs += _nonnegative(spec, "minReadySeconds")
        return errs

    return validate


def _replication_controller(obj: Object) -> list[FieldError]:
    """ValidateReplicationControllerSpec."""
    spec = _spec(obj)
    errs = _nonnegative(spec, "minReadySeconds")
    selector = spec.get("selector")
    if not selector:
        errs.append(field.required("spec.selector", ""))
    errs += _nonnegative(spec, "replicas")
    return errs + validate_template_for_controller(
        spec.get("template"), selector, "spec.template", "ReplicationController", set_based=False
    )


def _job_spec(spec: dict[str, Any], path: str) -> list[FieldError]:
    """validateJobSpec's template checks: labels matching the selector, OnFailure or Never."""
    errs: list[FieldError] = []
    template = spec.get("template")
    if not isinstance(template, dict):
        return errs
    selector = spec.get("selector")
    if isinstance(selector, Mapping):
        errs += [
            e
            for e in validate_template_for_controller(template, selector, f"{path}.template", "Job", set_based=True)
            if e.detail == SELECTOR_MISMATCH
        ]
    errs += validate_pod_template(template, f"{path}.template")
    policy = _spec(template).get("restartPolicy")
    if isinstance(policy, str) and policy not in JOB_RESTART_POLICIES:
        errs.append(field.not_supported(f"{path}.template.spec.restartPolicy", policy, JOB_RESTART_POLICIES))
    return errs


def _job(obj: Object) -> list[FieldError]:
    return _job_spec(_spec(obj), "spec")


def _cron_job(obj: Object) -> list[FieldError]:
    job_template = _spec(obj).get("jobTemplate")
    job_spec = _spec(job_template)
    return _job_spec(job_spec, "spec.jobTemplate.spec")


def _pod(obj: Object) -> list[FieldError]:
    return validate_pod_spec(obj.get("spec"), "spec", for_pod=True)


def _pod_template(obj: Object) -> list[FieldError]:
    return validate_pod_template(obj.get("template"), "template")


_VALIDATORS: dict[GroupKind, Callable[[Object], list[FieldError]]] = {
    GroupKind("", "Pod"): _pod,
    GroupKind("", "PodTemplate"): _pod_template,
    GroupKind("", "ReplicationController"): _replication_controller,
    GroupKind("apps", "Deployment"): _apps_workload("Deployment", "deployment", True),
    GroupKind("apps", "ReplicaSet"): _apps_workload("ReplicaSet", "deployment", True),
    GroupKind("apps", "StatefulSet"): _apps_workload("StatefulSet", "statefulset", True, check_pod_spec=False),
    GroupKind("apps", "DaemonSet"): _apps_workload("DaemonSet", "daemonset", False),
    GroupKind("batch", "Job"): _job,
    GroupKind("batch", "CronJob"): _cron_job,
}

# apps/v1 objects whose selector may not change once set (the Deployment, ReplicaSet and DaemonSet
# strategies' ValidateUpdate; a StatefulSet's update validation forbids it in other words).
_IMMUTABLE_SELECTOR = {GroupKind("apps", k) for k in ("Deployment", "ReplicaSet", "DaemonSet")}


def _normalized_selector(selector: Any) -> Any:
    """Semantic.DeepEqual treats empty and missing maps and lists alike."""
    if not isinstance(selector, Mapping):
        return None
    return {k: v for k, v in selector.items() if v not in (None, {}, [])}


def validate_workload(group_kind: GroupKind, obj: Object) -> list[FieldError]:
    """The errors of an object of a pod-bearing kind (none for other kinds)."""
    validator = _VALIDATORS.get(group_kind)
    return validator(obj) if validator is not None else []


def validate_workload_selector_update(group_kind: GroupKind, obj: Object, old: Object) -> list[FieldError]:
    """On update, the selector of an apps/v1 workload that cannot change."""
    errs: list[FieldError] = []
    if group_kind in _IMMUTABLE_SELECTOR:
        new_selector, old_selector = _spec(obj).get("selector"), _spec(old).get("selector")
        if _normalized_selector(new_selector) != _normalized_selector(old_selector):
            errs.append(field.invalid("spec.selector", go_label_selector(new_selector), IMMUTABLE))
    return errs
