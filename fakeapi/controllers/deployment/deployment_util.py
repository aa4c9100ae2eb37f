"""What the deployment controller computes from Deployments and ReplicaSets (pkg/controller/deployment/util/deployment_util.go).

Annotations and condition reasons under upstream's names; revisions; the rolling update's
fenceposts (maxSurge rounded up, maxUnavailable rounded down, never both zero); the counts
summed over ReplicaSets; the orders ReplicaSets are scaled in; finding the new ReplicaSet
(same template, ignoring the ``pod-template-hash`` label); and the predicates the progress
check uses (complete, progressing, timed out).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from fakeapi.apimachinery import intstr
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.controllers import controller_utils
from fakeapi.controllers.controller_utils import meta, spec_of, status_of
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import now_rfc3339, parse_time, utc_now

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas"
# apps.DeprecatedRollbackTo: the rollback request of the extensions/v1beta1 rollback subresource.
DEPRECATED_ROLLBACK_TO = "deprecated.deployment.rollback.to"
LAST_APPLIED_CONFIG_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration"
DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY = "pod-template-hash"

# Event reasons of a rollback.
ROLLBACK_REVISION_NOT_FOUND = "DeploymentRollbackRevisionNotFound"
ROLLBACK_TEMPLATE_UNCHANGED = "DeploymentRollbackTemplateUnchanged"
ROLLBACK_DONE = "DeploymentRollback"

# Reasons of the Progressing condition.
REPLICA_SET_UPDATED_REASON = "ReplicaSetUpdated"
FAILED_RS_CREATE_REASON = "ReplicaSetCreateError"
NEW_REPLICA_SET_REASON = "NewReplicaSetCreated"
FOUND_NEW_RS_REASON = "FoundNewReplicaSet"
NEW_RS_AVAILABLE_REASON = "NewReplicaSetAvailable"
TIMED_OUT_REASON = "ProgressDeadlineExceeded"
PAUSED_DEPLOY_REASON = "DeploymentPaused"
RESUMED_DEPLOY_REASON = "DeploymentResumed"
# Reasons of the Available condition.
MINIMUM_REPLICAS_AVAILABLE = "MinimumReplicasAvailable"
MINIMUM_REPLICAS_UNAVAILABLE = "MinimumReplicasUnavailable"

AVAILABLE = "Available"
PROGRESSING = "Progressing"
REPLICA_FAILURE = "ReplicaFailure"

ROLLING_UPDATE = "RollingUpdate"
RECREATE = "Recreate"
# math.MaxInt32 in progressDeadlineSeconds or revisionHistoryLimit means "not set" (the extensions/v1beta1 default).
MAX_INT32 = 2**31 - 1
# maxRevHistoryLengthInChars: how long the revision-history annotation may grow.
MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000

_ANNOTATIONS_TO_SKIP = frozenset(
    {
        LAST_APPLIED_CONFIG_ANNOTATION,
        REVISION_ANNOTATION,
        REVISION_HISTORY_ANNOTATION,
        DESIRED_REPLICAS_ANNOTATION,
        MAX_REPLICAS_ANNOTATION,
        DEPRECATED_ROLLBACK_TO,
    }
)


# -- conditions -----------------------------------------------------------------------------------


def new_deployment_condition(kind: str, status: str, reason: str, message: str) -> dict[str, Any]:
    """NewDeploymentCondition: both times now."""
    now = now_rfc3339()
    return {
        "type": kind,
        "status": status,
        "lastUpdateTime": now,
        "lastTransitionTime": now,
        "reason": reason,
        "message": message,
    }


def get_deployment_condition(status: dict[str, Any], kind: str) -> dict[str, Any] | None:
    return controller_utils.find_condition(status.get("conditions") or [], kind)


def set_deployment_condition(status: dict[str, Any], condition: dict[str, Any]) -> None:
    """SetDeploymentCondition: nothing changes when status and reason are the same (not even lastUpdateTime)."""
    current = get_deployment_condition(status, condition["type"])
    if (
        current is not None
        and current.get("status") == condition["status"]
        and current.get("reason") == condition["reason"]
    ):
        return
    condition = dict(condition)
    if current is not None and current.get("status") == condition["status"]:
        condition["lastTransitionTime"] = current.get("lastTransitionTime")
    status["conditions"] = [
        *controller_utils.remove_condition(status.get("conditions") or [], condition["type"]),
        condition,
    ]


def remove_deployment_condition(status: dict[str, Any], kind: str) -> None:
    if status.get("conditions"):
        status["conditions"] = controller_utils.remove_condition(status["conditions"], kind)
        if not status["conditions"]:
            del status["conditions"]


def replica_set_to_deployment_condition(condition: dict[str, Any]) -> dict[str, Any]:
    """ReplicaSetToDeploymentCondition: a ReplicaSet's failure shown on its Deployment."""
    return {
        "type": condition.get("type"),
        "status": condition.get("status"),
        "lastUpdateTime": condition.get("lastTransitionTime"),
        "lastTransitionTime": condition.get("lastTransitionTime"),
        "reason": condition.get("reason"),
        "message": condition.get("message"),
    }


# -- revisions and annotations ---------------------------------------------------------------------


def annotations_of(obj: Object) -> dict[str, str]:
    result: dict[str, str] = meta(obj).get("annotations") or {}
    return result


def revision(obj: Object | None) -> int:
    """Revision: the revision annotation as a number (0 when absent or not a number)."""
    if obj is None:
        return 0
    try:
        return int(annotations_of(obj).get(REVISION_ANNOTATION, "0"))
    except ValueError:
        return 0


def max_revision(replica_sets: Iterable[Object | None]) -> int:
    """MaxRevision: the highest revision among the ReplicaSets."""
    return max((revision(rs) for rs in replica_sets), default=0)


def last_revision(replica_sets: Iterable[Object | None]) -> int:
    """LastRevision: the second highest revision (the one ``rollout undo`` goes back to)."""
    highest, second = 0, 0
    for value in (revision(rs) for rs in replica_sets if rs is not None):
        if value >= highest:
            highest, second = value, highest
        elif value > second:
            second = value
    return second


def set_deployment_revision(deployment: Object, value: str) -> bool:
    """SetDeploymentRevision: whether the Deployment's revision annotation had to change."""
    annotations = deployment["metadata"].setdefault("annotations", {})
    if annotations.get(REVISION_ANNOTATION) == value:
        return False
    annotations[REVISION_ANNOTATION] = value
    return True


def _copy_deployment_annotations_to_replica_set(deployment: Object, rs: Object) -> bool:
    """copyDeploymentAnnotationsToReplicaSet: all but the skipped ones (the RS keeps its own revision)."""
    changed = False
    rs_annotations = rs["metadata"].setdefault("annotations", {})
    for key, value in annotations_of(deployment).items():
        if key in _ANNOTATIONS_TO_SKIP or rs_annotations.get(key) == value:
            continue
        rs_annotations[key] = value
        changed = True
    return changed


def set_new_replica_set_annotations(deployment: Object, rs: Object, new_revision: str, exists: bool) -> bool:
    """SetNewReplicaSetAnnotations: copy the Deployment's annotations and raise the RS's revision.

    A ReplicaSet that had a lower revision is being rolled back to: its former revision joins
    ``revision-history`` (oldest dropped once the list passes 2,000 characters). A ReplicaSet
    about to be created also gets the desired- and max-replicas annotations.
    """
    changed = _copy_deployment_annotations_to_replica_set(deployment, rs)
    annotations = rs["metadata"]["annotations"]
    old_revision = annotations.get(REVISION_ANNOTATION, "")
    try:
        old_number = int(old_revision) if old_revision else 0
    except ValueError:
        return False
    new_number = int(new_revision)
    if old_number < new_number:
        annotations[REVISION_ANNOTATION] = new_revision
        changed = True
    if old_revision and old_number < new_number:
        history = annotations.get(REVISION_HISTORY_ANNOTATION, "")
        if not history:
            annotations[REVISION_HISTORY_ANNOTATION] = old_revision
        else:
            revisions = history.split(",")
            total = len(history) + len(old_revision) + 1
            start = 0
            while total > MAX_REV_HISTORY_LENGTH_IN_CHARS and start < len(revisions):
                total -= len(revisions[start]) + 1
                start += 1
            if total <= MAX_REV_HISTORY_LENGTH_IN_CHARS:
                annotations[REVISION_HISTORY_ANNOTATION] = ",".join([*revisions[start:], old_revision])
    replicas = spec_replicas(deployment)
    if not exists and set_replicas_annotations(rs, replicas, replicas + max_surge(deployment)):
        changed = True
    return changed


def set_deployment_annotations_to(deployment: Object, rollback_to: Object) -> None:
    """SetDeploymentAnnotationsTo: on a rollback, the Deployment takes the ReplicaSet's annotations (skipped ones kept)."""
    kept = {k: v for k, v in annotations_of(deployment).items() if k in _ANNOTATIONS_TO_SKIP}
    kept.update({k: v for k, v in annotations_of(rollback_to).items() if k not in _ANNOTATIONS_TO_SKIP})
    deployment["metadata"]["annotations"] = kept


def _int_annotation(rs: Object, key: str) -> int | None:
    value = annotations_of(rs).get(key)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def get_desired_replicas_annotation(rs: Object) -> int | None:
    return _int_annotation(rs, DESIRED_REPLICAS_ANNOTATION)


def get_max_replicas_annotation(rs: Object) -> int | None:
    return _int_annotation(rs, MAX_REPLICAS_ANNOTATION)


def set_replicas_annotations(rs: Object, desired: int, maximum: int) -> bool:
    """SetReplicasAnnotations: whether the desired- and max-replicas annotations had to change."""
    annotations = rs["metadata"].setdefault("annotations", {})
    changed = False
    for key, value in ((DESIRED_REPLICAS_ANNOTATION, str(desired)), (MAX_REPLICAS_ANNOTATION, str(maximum))):
        if annotations.get(key) != value:
            annotations[key] = value
            changed = True
    return changed


def replicas_annotations_need_update(rs: Object, desired: int, maximum: int) -> bool:
    annotations = annotations_of(rs)
    return annotations.get(DESIRED_REPLICAS_ANNOTATION) != str(desired) or annotations.get(
        MAX_REPLICAS_ANNOTATION
    ) != str(maximum)


# -- the strategy's numbers ---------------------------------------------------------------------------


def spec_replicas(obj: Object) -> int:
    """``spec.replicas`` of a Deployment or ReplicaSet (defaulted to 1 by the API, so 1 when absent)."""
    replicas = spec_of(obj).get("replicas")
    return 1 if replicas is None else int(replicas)


def status_count(obj: Object, field: str) -> int:
    return int(status_of(obj).get(field) or 0)


def strategy_type(deployment: Object) -> str:
    strategy_name: str = (spec_of(deployment).get("strategy") or {}).get("type") or ROLLING_UPDATE
    return strategy_name


def is_rolling_update(deployment: Object) -> bool:
    return strategy_type(deployment) == ROLLING_UPDATE


def resolve_fenceposts(max_surge_value: Any, max_unavailable_value: Any, desired: int) -> tuple[int, int]:
    """ResolveFenceposts: maxSurge rounded up, maxUnavailable rounded down; both zero makes maxUnavailable 1."""
    surge = intstr.get_scaled_value_from_int_or_percent(max_surge_value, desired, True)
    unavailable = intstr.get_scaled_value_from_int_or_percent(max_unavailable_value, desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def _fenceposts(deployment: Object) -> tuple[int, int]:
    rolling = (spec_of(deployment).get("strategy") or {}).get("rollingUpdate") or {}
    return resolve_fenceposts(rolling.get("maxSurge"), rolling.get("maxUnavailable"), spec_replicas(deployment))


def max_unavailable(deployment: Object) -> int:
    """MaxUnavailable: at most the desired replicas; 0 for Recreate or no replicas."""
    replicas = spec_replicas(deployment)
    if not is_rolling_update(deployment) or replicas == 0:
        return 0
    return min(_fenceposts(deployment)[1], replicas)


def max_surge(deployment: Object) -> int:
    """MaxSurge: 0 for Recreate."""
    if not is_rolling_update(deployment):
        return 0
    return _fenceposts(deployment)[0]


def has_progress_deadline(deployment: Object) -> bool:
    seconds = spec_of(deployment).get("progressDeadlineSeconds")
    return seconds is not None and seconds != MAX_INT32


def has_revision_history_limit(deployment: Object) -> bool:
    limit = spec_of(deployment).get("revisionHistoryLimit")
    return limit is not None and limit != MAX_INT32


# -- replica set lists ------------------------------------------------------------------------------


def _present(replica_sets: Iterable[Object | None]) -> list[Object]:
    return [rs for rs in replica_sets if rs is not None]


def get_replica_count_for_replica_sets(replica_sets: Iterable[Object | None]) -> int:
    """GetReplicaCountForReplicaSets: the sum of spec.replicas."""
    return sum(spec_replicas(rs) for rs in _present(replica_sets))


def get_actual_replica_count_for_replica_sets(replica_sets: Iterable[Object | None]) -> int:
    return sum(status_count(rs, "replicas") for rs in _present(replica_sets))


def get_ready_replica_count_for_replica_sets(replica_sets: Iterable[Object | None]) -> int:
    return sum(status_count(rs, "readyReplicas") for rs in _present(replica_sets))


def get_available_replica_count_for_replica_sets(replica_sets: Iterable[Object | None]) -> int:
    return sum(status_count(rs, "availableReplicas") for rs in _present(replica_sets))


def get_terminating_replica_count_for_replica_sets(replica_sets: Iterable[Object | None]) -> int | None:
    """GetTerminatingReplicaCountForReplicaSets: unknown (None) while any ReplicaSet does not report it."""
    total = 0
    for rs in _present(replica_sets):
        terminating = status_of(rs).get("terminatingReplicas")
        if terminating is None:
            return None
        total += int(terminating)
    return total


def filter_active_replica_sets(replica_sets: Iterable[Object | None]) -> list[Object]:
    """controller.FilterActiveReplicaSets: those with replicas wanted."""
    return [rs for rs in _present(replica_sets) if spec_replicas(rs) > 0]


def _created(rs: Object) -> str:
    created: str = meta(rs).get("creationTimestamp") or ""
    return created


def by_creation_timestamp(replica_sets: Iterable[Object]) -> list[Object]:
    """controller.ReplicaSetsByCreationTimestamp: oldest first, then by name."""
    return sorted(replica_sets, key=lambda rs: (_created(rs), meta(rs).get("name") or ""))


def by_size_older(replica_sets: Iterable[Object]) -> list[Object]:
    """controller.ReplicaSetsBySizeOlder: largest first, older first among equals (scaled down first)."""
    return sorted(by_creation_timestamp(replica_sets), key=lambda rs: -spec_replicas(rs))


def by_size_newer(replica_sets: Iterable[Object]) -> list[Object]:
    """controller.ReplicaSetsBySizeNewer: largest first, newer first among equals (scaled up first)."""
    return sorted(reversed(by_creation_timestamp(replica_sets)), key=lambda rs: -spec_replicas(rs))


def by_revision(replica_sets: Iterable[Object]) -> list[Object]:
    """ReplicaSetsByRevision: lowest revision first, then by creation."""
    return sorted(by_creation_timestamp(replica_sets), key=revision)


def _without_empty(value: Any) -> Any:
    """Semantic equality's view of JSON: null, empty maps and empty lists are the same as absent."""
    if isinstance(value, dict):
        cleaned = {k: _without_empty(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [_without_empty(v) for v in value]
    return value


def equal_ignore_hash(template1: dict[str, Any], template2: dict[str, Any]) -> bool:
    """EqualIgnoreHash: the same pod template once the ``pod-template-hash`` label is left out of both."""

    def normalised(template: dict[str, Any]) -> Any:
        copy = deep_copy_json(template)
        labels = (copy.get("metadata") or {}).get("labels")
        if labels:
            labels.pop(DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY, None)
        return _without_empty(copy)

    return bool(normalised(template1) == normalised(template2))


def pod_template(obj: Object) -> dict[str, Any]:
    template: dict[str, Any] = spec_of(obj).get("template") or {}
    return template


def find_new_replica_set(deployment: Object, replica_sets: Sequence[Object]) -> Object | None:
    """FindNewReplicaSet: the oldest ReplicaSet whose template is the Deployment's (the oldest wins a tie)."""
    template = pod_template(deployment)
    for rs in by_creation_timestamp(replica_sets):
        if equal_ignore_hash(pod_template(rs), template):
            return rs
    return None


def find_old_replica_sets(deployment: Object, replica_sets: Sequence[Object]) -> tuple[list[Object], list[Object]]:
    """FindOldReplicaSets: (the old ones with replicas wanted, every old one)."""
    new_rs = find_new_replica_set(deployment, replica_sets)
    new_uid = meta(new_rs).get("uid") if new_rs is not None else None
    all_old = [rs for rs in replica_sets if new_rs is None or meta(rs).get("uid") != new_uid]
    return [rs for rs in all_old if spec_replicas(rs) != 0], all_old


def find_active_or_latest(new_rs: Object | None, old_rss: Sequence[Object]) -> Object | None:
    """FindActiveOrLatest: the only active ReplicaSet, the latest when none is active, None when several are."""
    if new_rs is None and not old_rss:
        return None
    newest_first = list(reversed(by_creation_timestamp(old_rss)))
    active = filter_active_replica_sets([*newest_first, new_rs])
    if not active:
        return new_rs if new_rs is not None else newest_first[0]
    if len(active) == 1:
        return active[0]
    return None


def get_proportion(rs: Object | None, deployment: Object, to_add: int, added: int) -> int:
    """GetProportion: this ReplicaSet's share of a proportional scale, within what is left to add (or remove)."""
    if rs is None or spec_replicas(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = _replica_set_fraction(rs, deployment)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


def _round_half_away(value: float) -> int:
    """integer.RoundToInt32 (math.Round): halves away from zero, unlike Python's round()."""
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


def _replica_set_fraction(rs: Object, deployment: Object) -> int:
    """getReplicaSetFraction: how many replicas the ReplicaSet gains (or loses) in proportion to the Deployment's new size."""
    replicas = spec_replicas(deployment)
    if replicas == 0:
        return -spec_replicas(rs)
    deployment_max = replicas + max_surge(deployment)
    before = get_max_replicas_annotation(rs)
    if not before:
        # Without the annotation, assume the Deployment's current size, as upstream does.
        before = status_count(deployment, "replicas")
    new_size = spec_replicas(rs) * deployment_max / before
    return _round_half_away(new_size) - spec_replicas(rs)


def new_rs_new_replicas(deployment: Object, all_rss: Sequence[Object | None], new_rs: Object) -> int:
    """NewRSNewReplicas: how large the new ReplicaSet may be now (Recreate: all at once)."""
    replicas = spec_replicas(deployment)
    if not is_rolling_update(deployment):
        return replicas
    rolling = (spec_of(deployment).get("strategy") or {}).get("rollingUpdate") or {}
    surge = intstr.get_scaled_value_from_int_or_percent(rolling.get("maxSurge"), replicas, True)
    current = get_replica_count_for_replica_sets(all_rss)
    max_total = replicas + surge
    if current >= max_total:
        return spec_replicas(new_rs)
    scale_up = min(max_total - current, replicas - spec_replicas(new_rs))
    return spec_replicas(new_rs) + scale_up


def is_saturated(deployment: Object, rs: Object | None) -> bool:
    """IsSaturated: the ReplicaSet is meant for, and has, all the Deployment's replicas available."""
    if rs is None:
        return False
    desired = get_desired_replicas_annotation(rs)
    replicas = spec_replicas(deployment)
    return (
        desired is not None
        and spec_replicas(rs) == replicas
        and desired == replicas
        and status_count(rs, "availableReplicas") == replicas
    )


# -- progress -----------------------------------------------------------------------------------------


def deployment_complete(deployment: Object, new_status: dict[str, Any]) -> bool:
    """DeploymentComplete: every replica updated and available, and the latest generation observed."""
    replicas = spec_replicas(deployment)
    return (
        int(new_status.get("updatedReplicas") or 0) == replicas
        and int(new_status.get("replicas") or 0) == replicas
        and int(new_status.get("availableReplicas") or 0) == replicas
        and int(new_status.get("observedGeneration") or 0) >= int(meta(deployment).get("generation") or 0)
    )


def deployment_progressing(deployment: Object, new_status: dict[str, Any]) -> bool:
    """DeploymentProgressing: more updated, fewer old, more ready or more available replicas than before."""
    old = status_of(deployment)

    def count(status: dict[str, Any], field: str) -> int:
        return int(status.get(field) or 0)

    old_old_replicas = count(old, "replicas") - count(old, "updatedReplicas")
    new_old_replicas = count(new_status, "replicas") - count(new_status, "updatedReplicas")
    return (
        count(new_status, "updatedReplicas") > count(old, "updatedReplicas")
        or new_old_replicas < old_old_replicas
        or count(new_status, "readyReplicas") > count(old, "readyReplicas")
        or count(new_status, "availableReplicas") > count(old, "availableReplicas")
    )


def progress_deadline(deployment: Object) -> timedelta:
    return timedelta(seconds=int(spec_of(deployment).get("progressDeadlineSeconds") or 0))


def deployment_timed_out(deployment: Object, new_status: dict[str, Any]) -> bool:
    """DeploymentTimedOut: the Progressing condition was last updated longer ago than the deadline."""
    if not has_progress_deadline(deployment):
        return False
    condition = get_deployment_condition(new_status, PROGRESSING)
    if condition is None:
        return False
    if condition.get("reason") == NEW_RS_AVAILABLE_REASON:
        return False
    if condition.get("reason") == TIMED_OUT_REASON:
        return True
    since = condition.get("lastUpdateTime")
    if not since:
        return False
    return parse_time(since) + progress_deadline(deployment) < utc_now()
