"""The validation of the kinds that carry a pod spec: pods, pod templates and the workloads.

Follows pkg/apis/core/validation (ValidatePod, ValidatePodTemplate,
ValidateReplicationController), pkg/apis/apps/validation (Deployments, ReplicaSets,
DaemonSets, StatefulSets) and pkg/apis/batch/validation (Jobs, CronJobs).

The part of ValidatePodSpec that kubectl users meet most is checked in pods and every pod
template: a non-empty ``containers`` list; container names that are present, DNS-1123 labels and
unique across containers and init containers; a known ``restartPolicy``; and each volume and
container as ``container_validation`` checks them (volume sources, images, ports, env, mounts,
pull policy, resources, security context, hooks and probes); then the pod's own fields: DNS
policy, node selector, affinity, DNS config, topology spread constraints, service account,
active deadline, hostname, subdomain, tolerations and priority class. The order of the errors
follows upstream: volumes, containers, init containers, the restart policy, then those.

Workloads add their own checks: non-negative replicas, a non-empty selector, a selector matching
the template's labels (ValidatePodTemplateSpecForReplicaSet / ForRC), the restart policies a
controller accepts, rollout strategies (counts or percentages, ValidateDeploymentStrategy,
ValidateRollingUpdateDaemonSet, validateRollingUpdateStatefulSet), and (on update, in apps/v1)
a selector that cannot change. A pod's own
update may change only what ValidatePodUpdate lets it (images, a lower activeDeadlineSeconds,
added tolerations, removed scheduling gates); its Forbidden message ends with a diff of the two
specs as JSON lines, where upstream prints go-cmp's diff of the Go structs. A gated pod's
nodeSelector and node affinity may not change here, where upstream lets them narrow. A StatefulSet's
template gets only the selector and restart policy checks: upstream leaves its pod spec
unvalidated (its volume mounts may name volume claim templates); on update, its spec may change
only where ValidateStatefulSetUpdate lets it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from fakeapi.apimachinery import field
from fakeapi.apimachinery.field import FieldError, Raw, marshalled
from fakeapi.apimachinery.jsonutil import parse_go_int64
from fakeapi.apimachinery.labels import (
    SelectorParseError,
    label_value_errors,
    qualified_name_errors,
    selector_from_label_selector_dict,
)
from fakeapi.apimachinery.schema import GroupKind
from fakeapi.apimachinery.validation import (
    IS_NEGATIVE_ERROR_MSG,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_valid_percent,
    validate_labels,
)
from fakeapi.registry.container_validation import (
    dicts,
    validate_container,
    validate_init_restart_policy,
    validate_lifecycle_and_probes,
    validate_volumes,
)
from fakeapi.storage.interfaces import Object
from fakeapi.util.cron import load_location, parse_standard

RESTART_POLICIES = ["Always", "OnFailure", "Never"]
DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]
TOLERATION_OPERATORS = ["Equal", "Exists"]
TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"]
SCHEDULE_ACTIONS = ["DoNotSchedule", "ScheduleAnyway"]
_MAX_INT32 = 2147483647
SELECTOR_MISMATCH = "`selector` does not match template `labels`"


def string_map_value(value: Any) -> Any:
    """A map[string]string as a bad value (rendered as JSON, its keys sorted); None (null) when there is none."""
    if not isinstance(value, Mapping):
        return None
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def validate_pod_spec(spec: Any, path: str, *, for_pod: bool) -> list[FieldError]:
    """ValidatePodSpec's checks listed in the module docstring; ``for_pod``: a pod, not a template."""
    if not isinstance(spec, dict):
        return []
    volumes, errs = validate_volumes(spec.get("volumes"), f"{path}.volumes")
    containers = dicts(spec.get("containers"))
    if not containers:
        errs.append(field.required(f"{path}.containers", ""))
    names: set[str] = set()
    for i, container in enumerate(containers):
        container_path = f"{path}.containers[{i}]"
        errs += validate_container(container, volumes, container_path, for_pod=for_pod)
        name = str(container.get("name") or "")
        if name in names:
            errs.append(field.duplicate(f"{container_path}.name", name))
        names.add(name)
        errs += validate_lifecycle_and_probes(container, container_path, init=False)
    for i, container in enumerate(dicts(spec.get("initContainers"))):
        container_path = f"{path}.initContainers[{i}]"
        errs += validate_container(container, volumes, container_path, for_pod=for_pod)
        errs += validate_init_restart_policy(container, container_path)
        name = str(container.get("name") or "")
        if name in names:
            errs.append(field.duplicate(f"{container_path}.name", name))
        if name:
            names.add(name)
        errs += validate_lifecycle_and_probes(container, container_path, init=True)
    policy = spec.get("restartPolicy")
    if policy == "":
        errs.append(field.required(f"{path}.restartPolicy", ""))
    elif isinstance(policy, str) and policy not in RESTART_POLICIES:
        errs.append(field.not_supported(f"{path}.restartPolicy", policy, RESTART_POLICIES))
    return errs + _pod_level(spec, path)


def _pod_level(spec: dict[str, Any], path: str) -> list[FieldError]:
    """ValidatePodSpec's checks of the pod's own fields, in its order (those of them checked here)."""
    errs: list[FieldError] = []
    dns_policy = spec.get("dnsPolicy")
    if isinstance(dns_policy, str) and dns_policy and dns_policy not in DNS_POLICIES:
        errs.append(field.not_supported(f"{path}.dnsPolicy", dns_policy, DNS_POLICIES))
    errs += validate_labels(spec.get("nodeSelector"), f"{path}.nodeSelector")
    errs += _affinity(spec.get("affinity"), f"{path}.affinity")
    errs += _dns_config(spec, f"{path}.dnsConfig")
    errs += _topology_spread_constraints(spec.get("topologySpreadConstraints"), f"{path}.topologySpreadConstraints")
    errs += _names(spec, path, "serviceAccountName", is_dns1123_subdomain)
    deadline = spec.get("activeDeadlineSeconds")
    if isinstance(deadline, int) and not 1 <= deadline <= _MAX_INT32:
        errs.append(
            field.invalid(f"{path}.activeDeadlineSeconds", deadline, f"must be between 1 and {_MAX_INT32}, inclusive")
        )
    errs += _names(spec, path, "hostname", is_dns1123_label) + _names(spec, path, "subdomain", is_dns1123_label)
    errs += _tolerations(spec.get("tolerations"), f"{path}.tolerations")
    return errs + _names(spec, path, "priorityClassName", is_dns1123_subdomain)


def _affinity(affinity: Any, path: str) -> list[FieldError]:
    """validateAffinity: node selector requirements and terms, weights from 1 to 100, pod affinity topology keys."""
    if not isinstance(affinity, Mapping):
        return []
    errs: list[FieldError] = []
    node = affinity.get("nodeAffinity")
    if isinstance(node, Mapping):
        at = f"{path}.nodeAffinity"
        required = node.get("requiredDuringSchedulingIgnoredDuringExecution")
        if isinstance(required, Mapping):
            terms = dicts(required.get("nodeSelectorTerms"))
            if not terms:
                errs.append(
                    field.required(
                        f"{at}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms",
                        "must have at least one node selector term",
                    )
                )
            for i, term in enumerate(terms):
                errs += _node_selector_term(
                    term, f"{at}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[{i}]"
                )
        for i, preferred in enumerate(dicts(node.get("preferredDuringSchedulingIgnoredDuringExecution"))):
            term_path = f"{at}.preferredDuringSchedulingIgnoredDuringExecution[{i}]"
            errs += _weight(preferred, term_path)
            errs += _node_selector_term(preferred.get("preference"), f"{term_path}.preference")
    for kind in ("podAffinity", "podAntiAffinity"):
        pod = affinity.get(kind)
        if not isinstance(pod, Mapping):
            continue
        at = f"{path}.{kind}"
        for i, term in enumerate(dicts(pod.get("requiredDuringSchedulingIgnoredDuringExecution"))):
            errs += _topology_key(term, f"{at}.requiredDuringSchedulingIgnoredDuringExecution[{i}]")
        for i, weighted in enumerate(dicts(pod.get("preferredDuringSchedulingIgnoredDuringExecution"))):
            term_path = f"{at}.preferredDuringSchedulingIgnoredDuringExecution[{i}]"
            errs += _weight(weighted, term_path)
            affinity_term = weighted.get("podAffinityTerm")
            errs += _topology_key(
                affinity_term if isinstance(affinity_term, Mapping) else {}, f"{term_path}.podAffinityTerm"
            )
    return errs


def _weight(term: Mapping[str, Any], path: str) -> list[FieldError]:
    weight = term.get("weight")
    if isinstance(weight, int) and not 1 <= weight <= 100:
        return [field.invalid(f"{path}.weight", weight, "must be in the range 1-100")]
    return []


def _topology_key(term: Mapping[str, Any], path: str) -> list[FieldError]:
    """validatePodAffinityTerm's topology key: required, and a qualified name (an empty one is neither)."""
    key = str(term.get("topologyKey") or "")
    errs = [] if key else [field.required(f"{path}.topologyKey", "can not be empty")]
    return errs + [field.invalid(f"{path}.topologyKey", key, msg) for msg in qualified_name_errors(key)]


def _node_selector_term(term: Any, path: str) -> list[FieldError]:
    """ValidateNodeSelectorTerm's match expressions (ValidateNodeSelectorRequirement)."""
    errs: list[FieldError] = []
    for i, requirement in enumerate(dicts(term.get("matchExpressions") if isinstance(term, Mapping) else None)):
        at = f"{path}.matchExpressions[{i}]"
        operator, values = requirement.get("operator"), requirement.get("values") or []
        if operator in ("In", "NotIn"):
            if not values:
                errs.append(field.required(f"{at}.values", "must be specified when `operator` is 'In' or 'NotIn'"))
        elif operator in ("Exists", "DoesNotExist"):
            if values:
                detail = "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
                errs.append(field.forbidden(f"{at}.values", detail))
        elif operator in ("Gt", "Lt"):
            if len(values) != 1:
                detail = "must be specified single value when `operator` is 'Lt' or 'Gt'"
                errs.append(field.required(f"{at}.values", detail))
        else:
            errs.append(field.invalid(f"{at}.operator", operator, "not a valid selector operator"))
        key = str(requirement.get("key") or "")
        errs += [field.invalid(f"{at}.key", key, msg) for msg in qualified_name_errors(key)]
    return errs


def _dns_config(spec: dict[str, Any], path: str) -> list[FieldError]:
    """validatePodDNSConfig's requirement for the None policy: a config with a nameserver."""
    if spec.get("dnsPolicy") != "None":
        return []
    config = spec.get("dnsConfig")
    if not isinstance(config, Mapping):
        return [field.required(path, "must provide `dnsConfig` when `dnsPolicy` is None")]
    if not config.get("nameservers"):
        return [
            field.required(f"{path}.nameservers", "must provide at least one DNS nameserver when `dnsPolicy` is None")
        ]
    return []


def _names(spec: dict[str, Any], path: str, key: str, check: Callable[[str], list[str]]) -> list[FieldError]:
    """A name field, when set, against its name rule."""
    name = spec.get(key)
    return [field.invalid(f"{path}.{key}", name, msg) for msg in check(name)] if isinstance(name, str) and name else []


def _tolerations(tolerations: Any, path: str) -> list[FieldError]:
    """ValidateTolerations."""
    errs: list[FieldError] = []
    for i, toleration in enumerate(dicts(tolerations)):
        at = f"{path}[{i}]"
        key, operator = str(toleration.get("key") or ""), str(toleration.get("operator") or "")
        value, effect = str(toleration.get("value") or ""), str(toleration.get("effect") or "")
        if key:
            errs += [field.invalid(f"{at}.key", key, msg) for msg in qualified_name_errors(key)]
        if not key and operator != "Exists":
            detail = 'operator must be Exists when `key` is empty, which means "match all values and all keys"'
            errs.append(field.invalid(f"{at}.operator", operator, detail))
        if toleration.get("tolerationSeconds") is not None and effect != "NoExecute":
            errs.append(
                field.invalid(f"{at}.effect", effect, "effect must be 'NoExecute' when `tolerationSeconds` is set")
            )
        if operator in ("", "Equal"):
            if problems := label_value_errors(value):
                errs.append(field.invalid(f"{at}.operator", value, ";".join(problems)))
        elif operator == "Exists":
            if value:
                errs.append(field.invalid(f"{at}.operator", value, "value must be empty when `operator` is 'Exists'"))
        else:
            errs.append(field.not_supported(f"{at}.operator", operator, TOLERATION_OPERATORS))
        if effect and effect not in TAINT_EFFECTS:
            errs.append(field.not_supported(f"{at}.effect", effect, TAINT_EFFECTS))
    return errs


def _topology_spread_constraints(constraints: Any, path: str) -> list[FieldError]:
    """validateTopologySpreadConstraints: a positive maxSkew, a topology key, a supported action, no repeats."""
    errs: list[FieldError] = []
    items = dicts(constraints)
    for i, constraint in enumerate(items):
        at = f"{path}[{i}]"
        skew, key, action = (
            constraint.get("maxSkew"),
            constraint.get("topologyKey"),
            constraint.get("whenUnsatisfiable"),
        )
        if isinstance(skew, int) and skew <= 0:
            errs.append(field.invalid(f"{at}.maxSkew", skew, "must be greater than zero"))
        if not key:
            errs.append(field.required(f"{at}.topologyKey", "can not be empty"))
        if isinstance(action, str) and action not in SCHEDULE_ACTIONS:
            errs.append(field.not_supported(f"{at}.whenUnsatisfiable", action, SCHEDULE_ACTIONS))
        if any(
            other.get("topologyKey") == key and other.get("whenUnsatisfiable") == action for other in items[i + 1 :]
        ):
            errs.append(field.duplicate(f"{at}.{{topologyKey, whenUnsatisfiable}}", f"{{{key}, {action}}}"))
    return errs


def validate_pod_template(template: Any, path: str) -> list[FieldError]:
    """ValidatePodTemplateSpec: the template's pod spec."""
    if not isinstance(template, dict):
        return []
    return validate_pod_spec(template.get("spec"), f"{path}.spec", for_pod=False)


def _template_labels(template: Any) -> Any:
    meta = template.get("metadata") if isinstance(template, dict) else None
    return meta.get("labels") if isinstance(meta, dict) else None


def validate_template_for_controller(
    template: Any, selector: Any, path: str, kind: str, *, set_based: bool, check_pod_spec: bool = True
) -> list[FieldError]:
    """ValidatePodTemplateSpecForReplicaSet (``set_based``) or ForRC.

    ``selector`` is a metav1.LabelSelector (``set_based``) or an RC's map of labels; a selector
    that does not parse or selects everything is not compared with the labels. Without
    ``check_pod_spec`` (ValidatePodTemplateSpecForStatefulSet, whose pods may mount the volumes
    of its claim templates) the pod spec itself is not validated.
    """
    if not isinstance(template, dict):
        return [field.required(path, "")]
    errs: list[FieldError] = []
    labels = _template_labels(template)
    try:
        parsed = selector_from_label_selector_dict(
            selector if set_based else {"matchLabels": selector if isinstance(selector, Mapping) else {}}
        )
    except SelectorParseError:
        parsed = None
    if parsed is not None and not parsed.empty:
        plain = {str(k): str(v) for k, v in labels.items()} if isinstance(labels, Mapping) else {}
        if not parsed.matches(plain):
            errs.append(field.invalid(f"{path}.metadata.labels", string_map_value(labels), SELECTOR_MISMATCH))
    if check_pod_spec:
        errs += validate_pod_template(template, path)
    raw_spec = template.get("spec")
    spec: dict[str, Any] = raw_spec if isinstance(raw_spec, dict) else {}
    policy = spec.get("restartPolicy")
    if isinstance(policy, str) and policy != "Always":
        errs.append(field.not_supported(f"{path}.spec.restartPolicy", policy, ["Always"]))
    if spec.get("activeDeadlineSeconds") is not None:
        errs.append(
            field.forbidden(f"{path}.spec.activeDeadlineSeconds", f"activeDeadlineSeconds in {kind} is not Supported")
        )
    return errs


IMMUTABLE = field.IMMUTABLE_ERROR_MSG
JOB_RESTART_POLICIES = ["OnFailure", "Never"]


def spec_of(obj: Any) -> dict[str, Any]:
    """An object's spec (an empty one when it has none, or not a mapping)."""
    spec = obj.get("spec") if isinstance(obj, dict) else None
    return spec if isinstance(spec, dict) else {}


def label_selector_value(selector: Any) -> Raw:
    """A metav1.LabelSelector as a bad value: its JSON, empty fields left out (``omitempty``)."""
    return marshalled(label_selector_json(selector))


def label_selector_json(selector: Any) -> dict[str, Any]:
    """A metav1.LabelSelector as json.Marshal writes it: matchLabels (keys sorted), matchExpressions, when set."""
    selector = selector if isinstance(selector, Mapping) else {}
    value: dict[str, Any] = {}
    labels = string_map_value(selector.get("matchLabels"))
    if labels:
        value["matchLabels"] = dict(sorted(labels.items()))
    expressions = selector.get("matchExpressions")
    if isinstance(expressions, list) and expressions:
        value["matchExpressions"] = [_requirement_value(e if isinstance(e, Mapping) else {}) for e in expressions]
    return value


def _requirement_value(requirement: Mapping[str, Any]) -> dict[str, Any]:
    """A LabelSelectorRequirement's JSON: key and operator always, values when there are any."""
    value: dict[str, Any] = {
        "key": str(requirement.get("key") or ""),
        "operator": str(requirement.get("operator") or ""),
    }
    values = requirement.get("values")
    if isinstance(values, list) and values:
        value["values"] = [str(v) for v in values]
    return value


def _nonnegative(spec: Mapping[str, Any], key: str, path: str = "spec") -> list[FieldError]:
    """ValidateNonnegativeField."""
    value = spec.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return [field.invalid(f"{path}.{key}", value, IS_NEGATIVE_ERROR_MSG)]
    return []


def positive_int_or_percent(value: Any, path: str) -> list[FieldError]:
    """ValidatePositiveIntOrPercent (apps/validation): a percentage, or an integer not below 0."""
    if isinstance(value, str):
        return [field.invalid(path, value, msg) for msg in is_valid_percent(value)]
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return [field.invalid(path, value, IS_NEGATIVE_ERROR_MSG)]
    return []


def not_more_than_100_percent(value: Any, path: str) -> list[FieldError]:
    """IsNotMoreThan100Percent: a valid percentage is at most 100%."""
    if isinstance(value, str) and not is_valid_percent(value) and int(value[:-1]) > 100:
        return [field.invalid(path, value, "must not be greater than 100%")]
    return []


def int_or_percent_value(value: Any) -> int:
    """getIntOrPercentValue: a percentage's number, else the integer (a string that is neither reads as 0)."""
    if isinstance(value, str):
        if not is_valid_percent(value):
            return int(value[:-1])
        try:
            return parse_go_int64(value)  # IntOrString.IntValue: strconv.Atoi, 0 when it fails
        except ValueError:
            return 0
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _deployment_strategy(spec: dict[str, Any]) -> list[FieldError]:
    """ValidateDeploymentStrategy and ValidateRollingUpdateDeployment."""
    strategy = spec.get("strategy")
    if not isinstance(strategy, Mapping):
        return []
    path = "spec.strategy.rollingUpdate"
    rolling = strategy.get("rollingUpdate")
    kind = strategy.get("type")
    if kind == "Recreate":
        if rolling is not None:
            return [field.forbidden(path, "may not be specified when strategy `type` is 'Recreate'")]
        return []
    if kind != "RollingUpdate":
        # The internal DeploymentStrategy as JSON (Go's field names; a rolling update's values are IntOrStrings).
        shown = {
            "Type": kind,
            "RollingUpdate": None
            if not isinstance(rolling, Mapping)
            else {"MaxUnavailable": rolling.get("maxUnavailable", 0), "MaxSurge": rolling.get("maxSurge", 0)},
        }
        return [field.not_supported("spec.strategy", marshalled(shown), ["Recreate", "RollingUpdate"])]
    if not isinstance(rolling, Mapping):
        return []
    unavailable, surge = rolling.get("maxUnavailable"), rolling.get("maxSurge")
    errs = positive_int_or_percent(unavailable, f"{path}.maxUnavailable")
    errs += positive_int_or_percent(surge, f"{path}.maxSurge")
    if int_or_percent_value(unavailable) == 0 and int_or_percent_value(surge) == 0:
        errs.append(field.invalid(f"{path}.maxUnavailable", unavailable, "may not be 0 when `maxSurge` is 0"))
    return errs + not_more_than_100_percent(unavailable, f"{path}.maxUnavailable")


def _deployment_deadline(spec: dict[str, Any]) -> list[FieldError]:
    """ValidateDeploymentSpec's revision history limit and progress deadline."""
    errs = _nonnegative(spec, "revisionHistoryLimit") + _nonnegative(spec, "progressDeadlineSeconds")
    deadline, ready = spec.get("progressDeadlineSeconds"), spec.get("minReadySeconds") or 0
    if isinstance(deadline, int) and isinstance(ready, int) and deadline <= ready:
        errs.append(field.invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"))
    return errs


def _daemon_set_strategy(spec: dict[str, Any]) -> list[FieldError]:
    """ValidateDaemonSetUpdateStrategy and ValidateRollingUpdateDaemonSet: one of maxUnavailable and maxSurge."""
    strategy = spec.get("updateStrategy")
    rolling = strategy.get("rollingUpdate") if isinstance(strategy, Mapping) else None
    errs = _nonnegative(spec, "revisionHistoryLimit")
    if not isinstance(strategy, Mapping) or strategy.get("type") != "RollingUpdate" or not isinstance(rolling, Mapping):
        return errs
    path = "spec.updateStrategy.rollingUpdate"
    unavailable, surge = rolling.get("maxUnavailable"), rolling.get("maxSurge")
    errs += positive_int_or_percent(unavailable, f"{path}.maxUnavailable")
    errs += positive_int_or_percent(surge, f"{path}.maxSurge")
    errs += not_more_than_100_percent(unavailable, f"{path}.maxUnavailable")
    errs += not_more_than_100_percent(surge, f"{path}.maxSurge")
    has_unavailable, has_surge = int_or_percent_value(unavailable) != 0, int_or_percent_value(surge) != 0
    if has_unavailable and has_surge:
        errs.append(field.invalid(f"{path}.maxSurge", surge, "may not be set when maxUnavailable is non-zero"))
    elif not has_unavailable and not has_surge:
        errs.append(field.required(f"{path}.maxUnavailable", "cannot be 0 when maxSurge is 0"))
    return errs


def _stateful_set_strategy(spec: dict[str, Any]) -> list[FieldError]:
    """validateRollingUpdateStatefulSet: a partition not below 0, a maxUnavailable above 0."""
    strategy = spec.get("updateStrategy")
    rolling = strategy.get("rollingUpdate") if isinstance(strategy, Mapping) else None
    if not isinstance(strategy, Mapping) or strategy.get("type") != "RollingUpdate" or not isinstance(rolling, Mapping):
        return []
    path = "spec.updateStrategy.rollingUpdate"
    errs = _nonnegative(rolling, "partition", path)
    unavailable = rolling.get("maxUnavailable")
    if unavailable is not None:
        errs += positive_int_or_percent(unavailable, f"{path}.maxUnavailable")
        if int_or_percent_value(unavailable) == 0:
            errs.append(field.invalid(f"{path}.maxUnavailable", unavailable, "cannot be 0"))
        errs += not_more_than_100_percent(unavailable, f"{path}.maxUnavailable")
    return errs


def _selector_not_empty(selector: Any, noun: str) -> list[FieldError]:
    if isinstance(selector, Mapping) and not (selector.get("matchLabels") or selector.get("matchExpressions")):
        return [field.invalid("spec.selector", label_selector_value(selector), f"empty selector is invalid for {noun}")]
    return []


def _apps_workload(
    kind: str,
    noun: str,
    has_replicas: bool,
    check_pod_spec: bool = True,
    strategy: Callable[[dict[str, Any]], list[FieldError]] | None = None,
) -> Callable[[Object], list[FieldError]]:
    def validate(obj: Object) -> list[FieldError]:
        spec = spec_of(obj)
        errs = _nonnegative(spec, "replicas") if has_replicas else []
        selector = spec.get("selector")
        errs += _selector_not_empty(selector, noun)
        errs += validate_template_for_controller(
            spec.get("template"), selector, "spec.template", kind, set_based=True, check_pod_spec=check_pod_spec
        )
        if strategy is not None:
            errs += strategy(spec)
        errs += _nonnegative(spec, "minReadySeconds")
        return errs

    return validate


def _deployment_rollout(spec: dict[str, Any]) -> list[FieldError]:
    return _deployment_strategy(spec) + _deployment_deadline(spec)


def _replication_controller(obj: Object) -> list[FieldError]:
    """ValidateReplicationControllerSpec."""
    spec = spec_of(obj)
    errs = _nonnegative(spec, "minReadySeconds")
    selector = spec.get("selector")
    if not selector:
        errs.append(field.required("spec.selector", ""))
    errs += _nonnegative(spec, "replicas")
    return errs + validate_template_for_controller(
        spec.get("template"), selector, "spec.template", "ReplicationController", set_based=False
    )


def _job_spec(spec: dict[str, Any], path: str) -> list[FieldError]:
    """validateJobSpec: counts that are not negative; a template whose labels match the selector, OnFailure or Never."""
    errs: list[FieldError] = []
    for key in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished"):
        errs += _nonnegative(spec, key, path)
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
    policy = spec_of(template).get("restartPolicy")
    if isinstance(policy, str) and policy not in JOB_RESTART_POLICIES:
        errs.append(field.not_supported(f"{path}.template.spec.restartPolicy", policy, JOB_RESTART_POLICIES))
    return errs


def _job(obj: Object) -> list[FieldError]:
    return _job_spec(spec_of(obj), "spec")


def _cron_schedule(schedule: str, time_zone: Any, allow_tz_in_schedule: bool) -> list[FieldError]:
    """validateScheduleFormat: robfig/cron's ParseStandard, and no TZ= in the schedule."""
    errs: list[FieldError] = []
    try:
        parse_standard(schedule)
    except ValueError as exc:
        errs.append(field.invalid("spec.schedule", schedule, str(exc)))
    if allow_tz_in_schedule and "TZ" in schedule and time_zone is not None:
        errs.append(
            field.invalid("spec.schedule", schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule")
        )
    elif not allow_tz_in_schedule and "TZ" in schedule:
        errs.append(
            field.invalid("spec.schedule", schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead")
        )
    return errs


_TIME_ZONE_PART = re.compile(r"[A-Za-z.\-_0-9+]{1,14}")


def _time_zone(time_zone: str) -> list[FieldError]:
    """validateTimeZone: an IANA name the server can load, never Local."""
    path = "spec.timeZone"
    if not time_zone:
        return [field.invalid(path, time_zone, "timeZone must be nil or non-empty string")]
    for part in time_zone.split("/"):
        if part in (".", "..") or part.startswith("-") or not _TIME_ZONE_PART.fullmatch(part):
            return [field.invalid(path, time_zone, f"unknown time zone {time_zone}")]
    errs: list[FieldError] = []
    if time_zone.lower() == "local":
        errs.append(
            field.invalid(
                path, time_zone, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"
            )
        )
    try:
        if time_zone != "Local":  # time.LoadLocation("Local") is the server's own zone
            load_location(time_zone)
    except ValueError as exc:
        errs.append(field.invalid(path, time_zone, str(exc)))
    return errs


def _cron_job_spec(obj: Object, old: Object | None) -> list[FieldError]:
    """validateCronJobSpec: the schedule, the deadline, the time zone, then the job template."""
    spec = spec_of(obj)
    errs: list[FieldError] = []
    schedule = spec.get("schedule")
    time_zone = spec.get("timeZone")
    if not schedule:
        errs.append(field.required("spec.schedule", ""))
    elif isinstance(schedule, str):
        old_schedule = spec_of(old).get("schedule") if old is not None else None
        errs += _cron_schedule(schedule, time_zone, isinstance(old_schedule, str) and "TZ" in old_schedule)
    errs += _nonnegative(spec, "startingDeadlineSeconds")
    if isinstance(time_zone, str) and (old is None or spec_of(old).get("timeZone") != time_zone):
        errs += _time_zone(time_zone)
    return errs + _job_spec(spec_of(spec.get("jobTemplate")), "spec.jobTemplate.spec")


def _cron_job(obj: Object) -> list[FieldError]:
    return _cron_job_spec(obj, None)


def _pod(obj: Object) -> list[FieldError]:
    return validate_pod_spec(obj.get("spec"), "spec", for_pod=True)


def _pod_template(obj: Object) -> list[FieldError]:
    return validate_pod_template(obj.get("template"), "template")


_VALIDATORS: dict[GroupKind, Callable[[Object], list[FieldError]]] = {
    GroupKind("", "Pod"): _pod,
    GroupKind("", "PodTemplate"): _pod_template,
    GroupKind("", "ReplicationController"): _replication_controller,
    GroupKind("apps", "Deployment"): _apps_workload("Deployment", "deployment", True, strategy=_deployment_rollout),
    GroupKind("apps", "ReplicaSet"): _apps_workload("ReplicaSet", "deployment", True),
    GroupKind("apps", "StatefulSet"): _apps_workload(
        "StatefulSet", "statefulset", True, check_pod_spec=False, strategy=_stateful_set_strategy
    ),
    GroupKind("apps", "DaemonSet"): _apps_workload("DaemonSet", "daemonset", False, strategy=_daemon_set_strategy),
    GroupKind("batch", "Job"): _job,
    GroupKind("batch", "CronJob"): _cron_job,
}

# apps/v1 objects whose selector may not change once set (the Deployment, ReplicaSet and DaemonSet
# strategies' ValidateUpdate; a StatefulSet's update validation forbids it in other words).
_IMMUTABLE_SELECTOR = {GroupKind("apps", k) for k in ("Deployment", "ReplicaSet", "DaemonSet")}

# ValidateStatefulSetUpdate: what a StatefulSet's spec may change; everything else (the selector,
# serviceName, volumeClaimTemplates, podManagementPolicy) is fixed once it was created.
STATEFULSET_UPDATABLE_FIELDS = (
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "revisionHistoryLimit",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
)
STATEFULSET_SPEC_FORBIDDEN = (
    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy',"
    " 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
)


def _statefulset_update(obj: Object, old: Object) -> list[FieldError]:
    fixed_new, fixed_old = (
        {k: v for k, v in spec_of(o).items() if k not in STATEFULSET_UPDATABLE_FIELDS} for o in (obj, old)
    )
    if _semantic(fixed_new) != _semantic(fixed_old):
        return [field.forbidden("spec", STATEFULSET_SPEC_FORBIDDEN)]
    return []


# ValidatePodUpdate's updatablePodSpecFields, as its Forbidden message lists them.
UPDATABLE_POD_SPEC_FIELDS = ",".join(
    [
        "`spec.containers[*].image`",
        "`spec.initContainers[*].image`",
        "`spec.activeDeadlineSeconds`",
        "`spec.tolerations` (only additions to existing tolerations)",
        "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
    ]
)
MAX_INT32 = 2**31 - 1


def _semantic(value: Any) -> Any:
    """A JSON value as Semantic.DeepEqual compares it: empty and missing maps and lists alike.

    Quantities are compared as written (``1Gi`` differs from ``1024Mi``), where Semantic compares
    their values.
    """
    if isinstance(value, dict):
        return {k: _semantic(v) for k, v in value.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [_semantic(v) for v in value]
    return value


def _spec_diff(old: dict[str, Any], new: dict[str, Any]) -> str:
    """The lines of the two specs that differ, ``-`` for the stored and ``+`` for the update (cmp.Diff's role)."""
    import difflib

    def lines(spec: dict[str, Any]) -> list[str]:
        return json.dumps(spec, indent=1, sort_keys=True).splitlines()

    changed = difflib.unified_diff(lines(old), lines(new), lineterm="", n=1)
    return "\n".join(line for line in changed if not line.startswith(("---", "+++", "@@")))


def _only_added_tolerations(new: list[dict[str, Any]], old: list[dict[str, Any]]) -> list[FieldError]:
    """validateOnlyAddedTolerations: every old toleration is still there, but for its tolerationSeconds."""

    def unseconded(toleration: dict[str, Any]) -> dict[str, Any]:
        # Go compares the structs: an empty string and a missing one are the same.
        return {k: v for k, v in toleration.items() if k != "tolerationSeconds" and v not in (None, "")}

    kept = [unseconded(t) for t in new]
    if any(unseconded(t) not in kept for t in old):
        return [
            field.forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds")
        ]
    return []


def _only_deleted_scheduling_gates(new: list[dict[str, Any]], old: list[dict[str, Any]]) -> list[FieldError]:
    """validateOnlyDeletedSchedulingGates: no gate the pod did not have."""
    known = {gate.get("name") for gate in old}
    return [
        field.forbidden(
            f"spec.schedulingGates[{i}].name",
            f"only deletion is allowed, but found new scheduling gate '{gate.get('name')}'",
        )
        for i, gate in enumerate(new)
        if gate.get("name") not in known
    ]


def _pod_update(obj: Object, old: Object) -> list[FieldError]:
    """ValidatePodUpdate: of a pod's spec only the images, activeDeadlineSeconds (lowered), tolerations
    (added), schedulingGates (removed) and a negative terminationGracePeriodSeconds (to 1) may change."""
    new_spec, old_spec = spec_of(obj), spec_of(old)
    errs: list[FieldError] = []
    for key in ("containers", "initContainers"):
        if len(dicts(new_spec.get(key))) != len(dicts(old_spec.get(key))):
            return [field.forbidden(f"spec.{key}", "pod updates may not add or remove containers")]
    deadline, old_deadline = new_spec.get("activeDeadlineSeconds"), old_spec.get("activeDeadlineSeconds")
    if isinstance(deadline, int):
        if not 0 <= deadline <= MAX_INT32:
            return [
                field.invalid("spec.activeDeadlineSeconds", deadline, f"must be between 0 and {MAX_INT32}, inclusive")
            ]
        if isinstance(old_deadline, int) and old_deadline < deadline:
            return [
                field.invalid("spec.activeDeadlineSeconds", deadline, "must be less than or equal to previous value")
            ]
    elif old_deadline is not None:
        errs.append(
            field.invalid("spec.activeDeadlineSeconds", None, "must not update from a positive integer to nil value")
        )
    errs += _only_added_tolerations(dicts(new_spec.get("tolerations")), dicts(old_spec.get("tolerations")))
    errs += _only_deleted_scheduling_gates(
        dicts(new_spec.get("schedulingGates")), dicts(old_spec.get("schedulingGates"))
    )
    if _semantic(new_spec) == _semantic(old_spec):
        return errs
    # The fields that may change take their old values; whatever still differs may not change.
    munged = dict(new_spec)
    for key in ("containers", "initContainers"):
        if key in munged or key in old_spec:
            munged[key] = [
                {**new, "image": old.get("image")} if "image" in old else {k: v for k, v in new.items() if k != "image"}
                for new, old in zip(dicts(new_spec.get(key)), dicts(old_spec.get(key)), strict=True)
            ]
    for key in ("activeDeadlineSeconds", "schedulingGates", "tolerations"):
        munged.pop(key, None)
        if key in old_spec:
            munged[key] = old_spec[key]
    grace, old_grace = munged.get("terminationGracePeriodSeconds"), old_spec.get("terminationGracePeriodSeconds")
    if isinstance(old_grace, int) and old_grace < 0 and grace == 1:
        munged["terminationGracePeriodSeconds"] = old_grace
    if _semantic(munged) != _semantic(old_spec):
        detail = (
            f"pod updates may not change fields other than {UPDATABLE_POD_SPEC_FIELDS}\n{_spec_diff(old_spec, munged)}"
        )
        errs.append(field.forbidden("spec", detail))
    return errs


def validate_workload(group_kind: GroupKind, obj: Object) -> list[FieldError]:
    """The errors of an object of a pod-bearing kind (none for other kinds)."""
    validator = _VALIDATORS.get(group_kind)
    return validator(obj) if validator is not None else []


def validate_workload_update(
    group_kind: GroupKind, errs: list[FieldError], obj: Object, old: Object
) -> list[FieldError]:
    """The errors of an update, from ``errs`` (validate_workload's for ``obj``) and the old object.

    An apps/v1 workload's selector cannot change; a StatefulSet's spec may change only in
    ValidateStatefulSetUpdate's fields. A CronJob's schedule may keep a TZ= it had,
    and an unchanged time zone is not checked again. A pod's spec may change only where
    ValidatePodUpdate lets it.
    """
    if group_kind == GroupKind("", "Pod"):
        return errs + _pod_update(obj, old)
    if group_kind == GroupKind("apps", "StatefulSet"):
        return errs + _statefulset_update(obj, old)
    if group_kind == GroupKind("batch", "CronJob"):
        redone = ("spec.schedule", "spec.timeZone")
        kept = [e for e in errs if e.field not in redone]
        return [e for e in _cron_job_spec(obj, old) if e.field in redone] + kept
    if group_kind in _IMMUTABLE_SELECTOR:
        new_selector, old_selector = spec_of(obj).get("selector"), spec_of(old).get("selector")
        if _semantic(new_selector) != _semantic(old_selector):
            return [*errs, field.invalid("spec.selector", label_selector_value(new_selector), IMMUTABLE)]
    return errs
