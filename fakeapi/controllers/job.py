"""The Job controller: pods run to completion, counted, and the Job's terminal conditions.

Follows pkg/controller/job/job_controller.go (syncJob, manageJob,
trackJobStatusAndRemoveFinalizers, flushUncountedAndRemoveFinalizers, enactJobFinished,
syncOrphanPod), indexed_job_utils.go (completion indexes and their interval strings) and
pod_failure_policy.go (matchPodFailurePolicy).

Pods are made from the template with the ``batch.kubernetes.io/job-tracking`` finalizer. A
finished pod is counted as upstream does since 1.26: its uid goes to
``status.uncountedTerminatedPods`` first, then the finalizer is removed, then the uid moves into
``succeeded`` / ``failed``, so a pod is counted once even if a write fails in between. The
terminal conditions come in 1.37's two steps: SuccessCriteriaMet (or FailureTarget) as soon as
the outcome is known, Complete (or Failed) once every pod is counted and none is terminating.

Differences from upstream: replacement pods after a failure are created at once instead of
after the exponential pod back-off (10 s, 20 s, ...), as every transition here is immediate by
default; no Events are recorded; backoffLimitPerIndex and successPolicy are not implemented.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.apimachinery.labels import selector_from_label_selector_dict
from fakeapi.controllers import controller_utils
from fakeapi.controllers.base import QueueController
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.controller_utils import (
    PODS_PREFIX,
    PodControl,
    controller_ref,
    find_condition,
    is_pod_active,
    is_pod_ready,
    meta,
    pod_phase,
    spec_of,
    status_of,
)
from fakeapi.controllers.informer import ResourceEventHandlerFuncs
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import now_rfc3339, parse_time, utc_now

NAME = "job"
SERVICE_ACCOUNT = "job-controller"
JOBS_PREFIX = "batch/jobs"
JOB_KIND = "Job"
JOB_API_VERSION = "batch/v1"

# k8s.io/api/batch/v1 types.go
JOB_TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
JOB_COMPLETION_INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index"
JOB_INDEX_LABEL = JOB_COMPLETION_INDEX_ANNOTATION
JOB_COMPLETION_INDEX_ENV = "JOB_COMPLETION_INDEX"

COMPLETE = "Complete"
FAILED = "Failed"
SUSPENDED = "Suspended"
FAILURE_TARGET = "FailureTarget"
SUCCESS_CRITERIA_MET = "SuccessCriteriaMet"

REASON_BACKOFF_LIMIT_EXCEEDED = "BackoffLimitExceeded"
REASON_DEADLINE_EXCEEDED = "DeadlineExceeded"
REASON_POD_FAILURE_POLICY = "PodFailurePolicy"
REASON_COMPLETIONS_REACHED = "CompletionsReached"
MESSAGE_BACKOFF_LIMIT_EXCEEDED = "Job has reached the specified backoff limit"
MESSAGE_DEADLINE_EXCEEDED = "Job was active longer than specified deadline"
MESSAGE_COMPLETIONS_REACHED = "Reached expected number of succeeded pods"

# The kinds of work item: a Job to sync, or a pod whose finalizer may be orphaned (upstream's orphanQueue).
JOB_ITEM = "Job"
ORPHAN_POD_ITEM = "Pod"
Key = tuple[str, str, str]


def job_key(namespace: str, name: str) -> Key:
    return (JOB_ITEM, namespace, name)


# -- small predicates ------------------------------------------------------------------------------


def has_tracking_finalizer(pod: Object) -> bool:
    return JOB_TRACKING_FINALIZER in (meta(pod).get("finalizers") or [])


def is_job_finished(job: Object) -> bool:
    """util.IsJobFinished: Complete or Failed is True."""
    return any(
        c.get("type") in (COMPLETE, FAILED) and c.get("status") == "True"
        for c in status_of(job).get("conditions") or []
    )


def is_indexed(job: Object) -> bool:
    return spec_of(job).get("completionMode") == "Indexed"


def is_suspended(job: Object) -> bool:
    return spec_of(job).get("suspend") is True


def completion_index(pod: Object) -> int | None:
    """getCompletionIndex: the pod's index from its annotation (the label as a fallback); None if unknown."""
    value = (meta(pod).get("annotations") or {}).get(JOB_COMPLETION_INDEX_ANNOTATION)
    if value is None:
        value = (meta(pod).get("labels") or {}).get(JOB_INDEX_LABEL)
    if value is None or not value.isdigit():
        return None
    return int(value)


def is_pod_failed(pod: Object, job: Object) -> bool:
    """isPodFailed: Failed, or being deleted before it succeeded (unless only Failed pods are replaced)."""
    if pod_phase(pod) == "Failed":
        return True
    if spec_of(job).get("podFailurePolicy") is not None or spec_of(job).get("podReplacementPolicy") == "Failed":
        return False
    return bool(meta(pod).get("deletionTimestamp")) and pod_phase(pod) != "Succeeded"


def is_pod_terminating(pod: Object) -> bool:
    """controller.CountTerminatingPods counts these: deleted, not yet in a terminal phase."""
    return bool(meta(pod).get("deletionTimestamp")) and pod_phase(pod) not in ("Succeeded", "Failed")


def new_condition(kind: str, status: str, reason: str, message: str) -> dict[str, Any]:
    """newCondition: a Job condition with both probe and transition time now."""
    now = now_rfc3339()
    return {
        "type": kind,
        "status": status,
        "lastProbeTime": now,
        "lastTransitionTime": now,
        "reason": reason,
        "message": message,
    }


def ensure_condition(
    conditions: list[dict[str, Any]], kind: str, status: str, reason: str, message: str
) -> tuple[list[dict[str, Any]], bool]:
    """ensureJobConditionStatus: replace a condition that differs; add a missing one unless it would be False."""
    existing = find_condition(conditions, kind)
    if existing is not None:
        if (existing.get("status"), existing.get("reason"), existing.get("message")) == (status, reason, message):
            return conditions, False
        return [new_condition(kind, status, reason, message) if c is existing else c for c in conditions], True
    if status == "False":
        return conditions, False
    return [*conditions, new_condition(kind, status, reason, message)], True


# -- completion indexes (indexed_job_utils.go) -------------------------------------------------------


def parse_indexes(text: str, completions: int) -> set[int]:
    """parseIndexesFromString: "0-2,4" as a set, ignoring indexes at or past ``completions``."""
    result: set[int] = set()
    for part in filter(None, (text or "").split(",")):
        low, _, high = part.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            continue
        result.update(i for i in range(int(low), int(high or low) + 1) if i < completions)
    return result


def format_indexes(indexes: set[int]) -> str:
    """orderedIntervals.String: sorted, consecutive runs as ``first-last``."""
    parts: list[str] = []
    ordered = sorted(indexes)
    start = 0
    for i in range(1, len(ordered) + 1):
        if i == len(ordered) or ordered[i] != ordered[i - 1] + 1:
            first, last = ordered[start], ordered[i - 1]
            parts.append(str(first) if first == last else f"{first}-{last}")
            start = i
    return ",".join(parts)


def first_pending_indexes(succeeded: set[int], active_pods: list[Object], count: int, completions: int) -> list[int]:
    """firstPendingIndexes: the lowest ``count`` indexes neither succeeded nor held by an active pod."""
    taken = succeeded | {ix for p in active_pods if (ix := completion_index(p)) is not None}
    return [ix for ix in range(completions) if ix not in taken][:count]


# -- pod failure policy (pod_failure_policy.go) --------------------------------------------------------


def match_pod_failure_policy(policy: dict[str, Any], pod: Object) -> tuple[str | None, bool, str | None]:
    """matchPodFailurePolicy: (the FailJob message, whether the failure counts, the matched action)."""
    pod_meta = meta(pod)
    for index, rule in enumerate(policy.get("rules") or []):
        action = rule.get("action") or ""
        on_exit_codes = rule.get("onExitCodes")
        if on_exit_codes is not None:
            container = _matching_exit_code(on_exit_codes, pod)
            if container is None:
                continue
            if action == "FailJob":
                name, code = container
                message = (
                    f"Container {name} for pod {pod_meta.get('namespace')}/{pod_meta.get('name')} failed with "
                    f"exit code {code} matching {action} rule at index {index}"
                )
                return message, True, action
            return None, action != "Ignore", action
        for pattern in rule.get("onPodConditions") or []:
            condition = controller_utils.pod_condition(pod, pattern.get("type") or "")
            if condition is None or condition.get("status") != (pattern.get("status") or "True"):
                continue
            if action == "FailJob":
                message = (
                    f"Pod {pod_meta.get('namespace')}/{pod_meta.get('name')} has condition "
                    f"{pattern.get('type')} matching {action} rule at index {index}"
                )
                return message, True, action
            return None, action != "Ignore", action
    return None, True, None


def _matching_exit_code(requirement: dict[str, Any], pod: Object) -> tuple[str, int] | None:
    """The first terminated container (init containers too) whose non-zero exit code the requirement matches."""
    wanted_name = requirement.get("containerName")
    values = set(requirement.get("values") or [])
    operator = requirement.get("operator")
    statuses = [*(status_of(pod).get("initContainerStatuses") or []), *(status_of(pod).get("containerStatuses") or [])]
    for status in statuses:
        terminated = (status.get("state") or {}).get("terminated")
        if not terminated:
            continue
        code = int(terminated.get("exitCode") or 0)
        if code == 0 or (wanted_name and status.get("name") != wanted_name):
            continue
        if (operator == "In" and code in values) or (operator == "NotIn" and code not in values):
            return status.get("name") or "", code
    return None


def fail_job_message(job: Object, pods: list[Object]) -> str | None:
    """getFailJobMessage: the message of the first failed pod a FailJob rule matches."""
    policy = spec_of(job).get("podFailurePolicy")
    if policy is None:
        return None
    for pod in pods:
        if is_pod_failed(pod, job):
            message, _, _ = match_pod_failure_policy(policy, pod)
            if message is not None:
                return message
    return None


def counts_as_failure(job: Object, pod: Object) -> bool:
    """Whether a failed pod counts toward the backoff limit (an Ignore rule says it does not)."""
    policy = spec_of(job).get("podFailurePolicy")
    return policy is None or match_pod_failure_policy(policy, pod)[1]


# -- the sync ------------------------------------------------------------------------------------------


@dataclass
class SyncContext:
    """syncJobCtx: what one sync learnt about a Job and its pods."""

    job: Object
    pods: list[Object]
    active_pods: list[Object]
    ready: int
    terminating: int
    uncounted_succeeded: set[str]
    uncounted_failed: set[str]
    succeeded: int = 0
    failed: int = 0
    prev_succeeded_indexes: set[int] = field(default_factory=set)
    succeeded_indexes: set[int] = field(default_factory=set)
    finished_condition: dict[str, Any] | None = None


class JobController(QueueController[Key]):
    """Keys are ("Job", namespace, name), or ("Pod", namespace, name) for a pod whose Job may be gone."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(NAME, self._sync, ctx.log)
        self._ctx = ctx
        self._client = ctx.client(SERVICE_ACCOUNT)
        self._pod_control = PodControl(
            self._client, lambda: ctx.spec(PODS_PREFIX), ctx.recorder(self._client, SERVICE_ACCOUNT)
        )
        self._jobs = ctx.informers.lister(JOBS_PREFIX)
        self._pods = ctx.informers.lister(PODS_PREFIX)
        ctx.informers.add_event_handler(
            JOBS_PREFIX,
            ResourceEventHandlerFuncs(
                add=self._job_changed, update=lambda _, new: self._job_changed(new), delete=self._job_changed
            ),
        )
        ctx.informers.add_event_handler(
            PODS_PREFIX,
            ResourceEventHandlerFuncs(
                add=self._pod_changed, update=lambda _, new: self._pod_changed(new), delete=self._pod_changed
            ),
        )

    # -- event handlers (under the storage lock: only enqueue) -------------------------------------

    def _job_changed(self, job: Object) -> None:
        self.enqueue_key(job_key(meta(job).get("namespace") or "", meta(job)["name"]), cause="job changed")

    def _pod_changed(self, pod: Object) -> None:
        namespace = meta(pod).get("namespace") or ""
        ref = controller_ref(pod)
        if ref is not None and ref.get("kind") == JOB_KIND:
            self.enqueue_key(job_key(namespace, ref.get("name") or ""), cause="pod changed")
        if has_tracking_finalizer(pod) and (ref is None or meta(pod).get("deletionTimestamp")):
            self.enqueue_key((ORPHAN_POD_ITEM, namespace, meta(pod)["name"]), cause="pod with finalizer changed")

    # -- syncs ----------------------------------------------------------------------------------------

    def _sync(self, key: Key) -> None:
        kind, namespace, name = key
        if kind == ORPHAN_POD_ITEM:
            self._sync_orphan_pod(namespace, name)
        else:
            self._sync_job(namespace, name)

    def _sync_orphan_pod(self, namespace: str, name: str) -> None:
        """syncOrphanPod: drop the tracking finalizer of a pod no live, unfinished Job will count."""
        pod = self._pods.get(namespace, name)
        if pod is None or not has_tracking_finalizer(pod):
            return
        ref = controller_ref(pod)
        if ref is not None and ref.get("kind") == JOB_KIND:
            job = self._jobs.get(namespace, ref.get("name") or "")
            if job is not None and meta(job).get("uid") == ref.get("uid") and not is_job_finished(job):
                return  # its Job's own sync counts it
        self._remove_tracking_finalizer(pod)

    def _sync_job(self, namespace: str, name: str) -> None:
        job = self._jobs.get(namespace, name)
        if job is None or is_job_finished(job):
            return
        job = deep_copy_json(job)
        status = job.setdefault("status", {})
        uncounted = status.get("uncountedTerminatedPods") or {}
        status["uncountedTerminatedPods"] = uncounted
        pods = self._pods_for_job(job)
        active_pods = [p for p in pods if is_pod_active(p)]
        ctx = SyncContext(
            job=job,
            pods=pods,
            active_pods=active_pods,
            ready=sum(1 for p in active_pods if is_pod_ready(p)),
            terminating=sum(1 for p in pods if is_pod_terminating(p)),
            uncounted_succeeded=set(uncounted.get("succeeded") or []),
            uncounted_failed=set(uncounted.get("failed") or []),
        )
        spec = spec_of(job)
        active = len(active_pods)
        new_succeeded, new_failed = self._new_finished_pods(ctx)
        ctx.succeeded = int(status.get("succeeded") or 0) + len(new_succeeded) + len(ctx.uncounted_succeeded)
        ctx.failed = (
            int(status.get("failed") or 0)
            + sum(1 for p in new_failed if counts_as_failure(job, p))
            + len(ctx.uncounted_failed)
        )
        if not status.get("startTime") and not is_suspended(job):
            status["startTime"] = now_rfc3339()

        ctx.finished_condition = _true_condition(job, SUCCESS_CRITERIA_MET)
        if ctx.finished_condition is None:
            target = _true_condition(job, FAILURE_TARGET)
            if target is not None:
                ctx.finished_condition = new_condition(
                    FAILED, "True", target.get("reason", ""), target.get("message", "")
                )
            elif (message := fail_job_message(job, pods)) is not None:
                ctx.finished_condition = new_condition(FAILURE_TARGET, "True", REASON_POD_FAILURE_POLICY, message)
        if ctx.finished_condition is None:
            if ctx.failed > int(spec.get("backoffLimit") or 0) or _past_backoff_limit_on_failure(job, pods):
                ctx.finished_condition = new_condition(
                    FAILURE_TARGET, "True", REASON_BACKOFF_LIMIT_EXCEEDED, MESSAGE_BACKOFF_LIMIT_EXCEEDED
                )
            elif (remaining := _deadline_remaining(job)) is not None:
                if remaining <= 0:
                    ctx.finished_condition = new_condition(
                        FAILURE_TARGET, "True", REASON_DEADLINE_EXCEEDED, MESSAGE_DEADLINE_EXCEEDED
                    )
                else:
                    self.enqueue_after(job_key(namespace, name), remaining, cause="activeDeadlineSeconds")

        if is_indexed(job):
            completions = int(spec.get("completions") or 0)
            ctx.prev_succeeded_indexes = parse_indexes(status.get("completedIndexes") or "", completions)
            ctx.succeeded_indexes = ctx.prev_succeeded_indexes | {
                ix
                for p in pods
                if pod_phase(p) == "Succeeded"
                and has_tracking_finalizer(p)
                and (ix := completion_index(p)) is not None
                and ix < completions
            }
            ctx.succeeded = len(ctx.succeeded_indexes)

        suspend_changed = False
        if ctx.finished_condition is not None:
            deleted, deleted_ready = self._delete_active_pods(active_pods)
            active -= deleted
            ctx.terminating += deleted
            ctx.ready -= deleted_ready
        else:
            manage_called = not meta(job).get("deletionTimestamp")
            if manage_called:
                active = self._manage_job(ctx)
            wanted = spec.get("completions")
            if wanted is None:
                # A work queue: done once any pod succeeded and the others finished.
                complete = ctx.succeeded > 0 and active == 0
            else:
                complete = ctx.succeeded >= int(wanted) and active == 0
            if complete:
                ctx.finished_condition = new_condition(
                    SUCCESS_CRITERIA_MET, "True", REASON_COMPLETIONS_REACHED, MESSAGE_COMPLETIONS_REACHED
                )
            elif manage_called:
                suspend_changed = self._update_suspended_condition(job)

        needs_flush = (
            suspend_changed
            or active != int(status.get("active") or 0)
            or ctx.ready != status.get("ready")
            or ctx.terminating != status.get("terminating")
        )
        status["active"] = active
        status["ready"] = ctx.ready
        status["terminating"] = ctx.terminating
        self._track_status_and_remove_finalizers(ctx, needs_flush)

    def _pods_for_job(self, job: Object) -> list[Object]:
        """getPodsForJob: the pods it controls, adopting orphans its selector matches (while its uid is current)."""
        job_meta = meta(job)
        selector = selector_from_label_selector_dict(spec_of(job).get("selector"))
        candidates = self._pods.list(job_meta.get("namespace") or "")

        def can_adopt() -> bool:
            fresh = self._jobs.get(job_meta.get("namespace") or "", job_meta["name"])
            return fresh is not None and meta(fresh).get("uid") == job_meta.get("uid")

        owner_ref = controller_utils.new_controller_ref(job, JOB_API_VERSION, JOB_KIND)
        return controller_utils.claim(
            self._client, self._pod_control.spec, job, owner_ref, selector, candidates, can_adopt
        )

    def _new_finished_pods(self, ctx: SyncContext) -> tuple[list[Object], list[Object]]:
        """getNewFinishedPods: finished pods still carrying the finalizer and not yet in the uncounted lists."""
        succeeded = [
            p
            for p in ctx.pods
            if has_tracking_finalizer(p)
            and pod_phase(p) == "Succeeded"
            and meta(p).get("uid") not in ctx.uncounted_succeeded
        ]
        failed = [
            p
            for p in ctx.pods
            if has_tracking_finalizer(p)
            and is_pod_failed(p, ctx.job)
            and meta(p).get("uid") not in ctx.uncounted_failed
        ]
        return succeeded, failed

    def _manage_job(self, ctx: SyncContext) -> int:
        """manageJob: create or delete pods so that the wanted number runs; the active count afterwards."""
        job = ctx.job
        spec = spec_of(job)
        active = len(ctx.active_pods)
        if is_suspended(job):
            deleted = self._delete_job_pods(ctx.active_pods)
            ctx.terminating += deleted
            return active - deleted
        parallelism = int(spec.get("parallelism") or 0)
        completions = spec.get("completions")
        if completions is None:
            want_active = active if ctx.succeeded > 0 else parallelism
        else:
            want_active = max(min(int(completions) - ctx.succeeded, parallelism), 0)
        to_remove = _active_pods_for_removal(job, ctx.active_pods, active - want_active, ctx.succeeded_indexes)
        if to_remove:
            deleted = self._delete_job_pods(to_remove)
            ctx.terminating += deleted
            return active - deleted
        if active >= want_active:
            return active
        if spec.get("podReplacementPolicy") == "Failed" and ctx.terminating > 0:
            return active
        count = want_active - active
        namespace = meta(job).get("namespace") or ""
        owner_ref = controller_utils.new_controller_ref(job, JOB_API_VERSION, JOB_KIND)
        indexes: list[int | None]
        if is_indexed(job):
            indexes = list(first_pending_indexes(ctx.succeeded_indexes, ctx.active_pods, count, int(completions or 0)))
        else:
            indexes = [None] * count
        for index in indexes:
            if self._pod_control.create_pod_of(job, namespace, _pod_for_job(job, owner_ref, index)) is not None:
                active += 1
        return active

    def _update_suspended_condition(self, job: Object) -> bool:
        """The Suspended condition (JobSuspended / JobResumed); resuming restarts the active-deadline clock."""
        status = job["status"]
        conditions = list(status.get("conditions") or [])
        if is_suspended(job):
            status["conditions"], changed = ensure_condition(
                conditions, SUSPENDED, "True", "JobSuspended", "Job suspended"
            )
        else:
            status["conditions"], changed = ensure_condition(
                conditions, SUSPENDED, "False", "JobResumed", "Job resumed"
            )
            if changed:
                status["startTime"] = now_rfc3339()
        if not status["conditions"]:
            status.pop("conditions")
        return changed

    def _delete_active_pods(self, pods: list[Object]) -> tuple[int, int]:
        """deleteActivePods: delete keeping the finalizers, so the pods are counted as failed; (deleted, of them ready)."""
        for pod in pods:
            self._pod_control.delete_pod(pod)
        return len(pods), sum(1 for p in pods if is_pod_ready(p))

    def _delete_job_pods(self, pods: list[Object]) -> int:
        """deleteJobPods: drop the finalizer first, so pods removed on purpose are not counted as failures."""
        for pod in pods:
            self._remove_tracking_finalizer(pod)
            self._pod_control.delete_pod(pod)
        return len(pods)

    def _remove_tracking_finalizer(self, pod: Object) -> bool:
        """removeTrackingFinalizerPatch; True when the pod no longer has the finalizer (or is gone)."""
        pod_meta = meta(pod)
        finalizers = [f for f in pod_meta.get("finalizers") or [] if f != JOB_TRACKING_FINALIZER]
        patch = {"metadata": {"finalizers": finalizers or None, "resourceVersion": pod_meta.get("resourceVersion")}}
        try:
            self._client.merge_patch(self._pod_control.spec, pod_meta.get("namespace") or "", pod_meta["name"], patch)
        except errors.StatusError as exc:
            if exc.code == 404:
                return True
            if exc.code == 409:
                return False  # changed meanwhile: its update event queues the Job again
            raise
        return True

    # -- counting (trackJobStatusAndRemoveFinalizers) --------------------------------------------------

    def _track_status_and_remove_finalizers(self, ctx: SyncContext, needs_flush: bool) -> None:
        job = ctx.job
        status = job["status"]
        indexed = is_indexed(job)
        completions = int(spec_of(job).get("completions") or 0)
        pods = sorted(ctx.pods, key=lambda p: completion_index(p) or 0) if indexed else ctx.pods
        with_finalizer = {meta(p).get("uid") for p in pods if has_tracking_finalizer(p)}
        needs_flush = _count_uncounted_without_finalizers(status, with_finalizer) or needs_flush
        uncounted = status["uncountedTerminatedPods"]
        uncounted_succeeded = list(uncounted.get("succeeded") or [])
        uncounted_failed = list(uncounted.get("failed") or [])
        finished = ctx.finished_condition
        job_failing = finished is not None and finished["type"] != SUCCESS_CRITERIA_MET
        to_remove: list[Object] = []
        for pod in pods:
            if not has_tracking_finalizer(pod):
                continue
            uid = meta(pod).get("uid")
            failed = is_pod_failed(pod, job)
            if not (
                meta(job).get("deletionTimestamp") or finished is not None or pod_phase(pod) == "Succeeded" or failed
            ):
                continue
            to_remove.append(pod)
            index = completion_index(pod)
            if pod_phase(pod) == "Succeeded" and uid not in uncounted_failed:
                if indexed:
                    if index is not None and index < completions and index not in ctx.prev_succeeded_indexes:
                        needs_flush = True
                elif uid not in uncounted_succeeded:
                    uncounted_succeeded.append(uid)
                    needs_flush = True
            elif (
                (failed or job_failing)
                and uid not in uncounted_failed
                and (not indexed or (index is not None and index < completions))
                and counts_as_failure(job, pod)
            ):
                uncounted_failed.append(uid)
                needs_flush = True
        uncounted["succeeded"], uncounted["failed"] = uncounted_succeeded, uncounted_failed
        if indexed:
            completed = format_indexes(ctx.succeeded_indexes)
            needs_flush = needs_flush or completed != (status.get("completedIndexes") or "")
            status["succeeded"] = len(ctx.succeeded_indexes)
            status["completedIndexes"] = completed
        conditions = list(status.get("conditions") or [])
        if finished is not None and finished["type"] == FAILURE_TARGET:
            conditions.append(finished)
            needs_flush = True
            finished = new_condition(FAILED, "True", finished["reason"], finished["message"])
        elif finished is not None and finished["type"] == SUCCESS_CRITERIA_MET:
            if _true_condition(job, SUCCESS_CRITERIA_MET) is None:
                conditions.append(finished)
                needs_flush = True
            finished = new_condition(COMPLETE, "True", finished["reason"], finished["message"])
        if conditions:
            status["conditions"] = conditions

        if needs_flush and not self._flush(ctx):
            return
        removed = {meta(p).get("uid") for p in to_remove if self._remove_tracking_finalizer(p)}
        job = ctx.job
        status = job["status"]
        flush = _count_uncounted_without_finalizers(status, with_finalizer - removed)
        uncounted = status["uncountedTerminatedPods"]
        # enactJobFinished: uncounted and terminating pods hold the terminal condition back.
        if (
            finished is not None
            and not uncounted.get("succeeded")
            and not uncounted.get("failed")
            and ctx.terminating <= 0
        ):
            status["conditions"], _ = ensure_condition(
                list(status.get("conditions") or []),
                finished["type"],
                "True",
                finished["reason"],
                finished["message"],
            )
            if finished["type"] == COMPLETE:
                status["completionTime"] = now_rfc3339()
            flush = True
        if flush:
            self._flush(ctx)

    def _flush(self, ctx: SyncContext) -> bool:
        """updateStatusHandler: write the status; False when the Job changed or went meanwhile (its event requeues it)."""
        body = deep_copy_json(ctx.job)
        _drop_zero_counters(body["status"])
        try:
            ctx.job = self._client.update(self._ctx.spec(JOBS_PREFIX), body, subresource="status")
        except errors.StatusError as exc:
            if exc.code in (404, 409):
                return False
            raise
        status = ctx.job.setdefault("status", {})
        status.setdefault("uncountedTerminatedPods", {})
        return True


# -- helpers of the sync ---------------------------------------------------------------------------------


def _true_condition(job: Object, kind: str) -> dict[str, Any] | None:
    condition = find_condition(status_of(job).get("conditions") or [], kind)
    return condition if condition is not None and condition.get("status") == "True" else None


def _deadline_remaining(job: Object) -> float | None:
    """Seconds until activeDeadlineSeconds passes (pastActiveDeadline when <= 0); None without a deadline."""
    deadline = spec_of(job).get("activeDeadlineSeconds")
    start = status_of(job).get("startTime")
    if deadline is None or start is None or is_suspended(job):
        return None
    return (parse_time(start) + timedelta(seconds=int(deadline)) - utc_now()).total_seconds()


def _past_backoff_limit_on_failure(job: Object, pods: list[Object]) -> bool:
    """pastBackoffLimitOnFailure: with restartPolicy OnFailure, container restarts count toward the limit."""
    template_spec = (spec_of(job).get("template") or {}).get("spec") or {}
    if template_spec.get("restartPolicy") != "OnFailure":
        return False
    restarts = sum(
        int(s.get("restartCount") or 0)
        for p in pods
        if pod_phase(p) in ("Running", "Pending")
        for s in (*(status_of(p).get("initContainerStatuses") or []), *(status_of(p).get("containerStatuses") or []))
    )
    limit = int(spec_of(job).get("backoffLimit") or 0)
    return restarts > 0 if limit == 0 else restarts >= limit


def _active_pods_for_removal(
    job: Object, active_pods: list[Object], at_least: int, succeeded: set[int]
) -> list[Object]:
    """activePodsForRemoval: for Indexed Jobs, pods with a bad, succeeded or duplicate index first; then by rank."""
    remove: list[Object] = []
    left = list(active_pods)
    if is_indexed(job):
        completions = int(spec_of(job).get("completions") or 0)
        seen: set[int] = set()
        left = []
        for pod in sorted(active_pods, key=lambda p: meta(p).get("creationTimestamp") or ""):
            index = completion_index(pod)
            if index is None or index >= completions or index in succeeded or index in seen:
                remove.append(pod)
            else:
                seen.add(index)
                left.append(pod)
    if len(remove) < at_least:
        remove += controller_utils.rank_pods_for_deletion(left)[: at_least - len(remove)]
    return remove


def _pod_for_job(job: Object, owner_ref: dict[str, Any], index: int | None) -> Object:
    """A pod from the Job's template with the tracking finalizer; an Indexed Job's carries its index."""
    template = spec_of(job).get("template") or {}
    pod = controller_utils.pod_from_template(template, job, owner_ref)
    pod_meta = pod["metadata"]
    pod_meta["finalizers"] = [*(pod_meta.get("finalizers") or []), JOB_TRACKING_FINALIZER]
    if index is not None:
        job_name = meta(job)["name"]
        # podGenerateNameWithIndex: <job>-<index>-, the job name cut so the prefix fits a generated name.
        prefix = f"{job_name}-{index}-"
        if len(prefix) > 58:
            prefix = f"{job_name[: 58 - len(str(index)) - 2]}-{index}-"
        pod_meta["generateName"] = prefix
        pod_meta["annotations"] = {**(pod_meta.get("annotations") or {}), JOB_COMPLETION_INDEX_ANNOTATION: str(index)}
        pod_meta["labels"] = {**(pod_meta.get("labels") or {}), JOB_INDEX_LABEL: str(index)}
        pod_spec = pod["spec"]
        if not pod_spec.get("hostname"):
            pod_spec["hostname"] = f"{job_name}-{index}"
        env_var = {
            "name": JOB_COMPLETION_INDEX_ENV,
            "valueFrom": {"fieldRef": {"fieldPath": f"metadata.annotations['{JOB_COMPLETION_INDEX_ANNOTATION}']"}},
        }
        for container in (*(pod_spec.get("initContainers") or []), *(pod_spec.get("containers") or [])):
            if not any(e.get("name") == JOB_COMPLETION_INDEX_ENV for e in container.get("env") or []):
                container["env"] = [*(container.get("env") or []), env_var]
    return pod


def _count_uncounted_without_finalizers(status: dict[str, Any], with_finalizer: set[Any]) -> bool:
    """cleanUncountedPodsWithoutFinalizers: uids whose pods lost the finalizer move into the counters."""
    uncounted = status.setdefault("uncountedTerminatedPods", {})
    changed = False
    for kind in ("succeeded", "failed"):
        uids = list(uncounted.get(kind) or [])
        kept = [uid for uid in uids if uid in with_finalizer]
        if len(kept) != len(uids):
            status[kind] = int(status.get(kind) or 0) + len(uids) - len(kept)
            uncounted[kind] = kept
            changed = True
    return changed


def _drop_zero_counters(status: dict[str, Any]) -> None:
    """What Go's omitempty leaves out of a JobStatus: zero counters, empty lists and strings."""
    for name in ("active", "succeeded", "failed"):
        if not status.get(name):
            status.pop(name, None)
    uncounted = status.get("uncountedTerminatedPods") or {}
    status["uncountedTerminatedPods"] = {k: v for k, v in uncounted.items() if v}
    if not status.get("completedIndexes"):
        status.pop("completedIndexes", None)
