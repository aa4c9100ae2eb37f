"""The CronJob controller: Jobs created on a cron schedule read from the server's wall clock.

Follows pkg/controller/cronjob/cronjob_controllerv2.go (sync, syncCronJob, cleanupFinishedJobs,
removeOldestJobs) and utils.go (mostRecentScheduleTime, nextScheduleTime,
nextScheduleTimeDuration, getJobFromTemplate2, byJobStartTime). Schedules are parsed as
robfig/cron's ``ParseStandard`` does (:mod:`fakeapi.util.cron`), in ``spec.timeZone`` when set.

Each sync schedules the CronJob's next look with ``enqueue_after`` at the next activation plus
upstream's 100 ms ``nextScheduleDelta``, on the server clock: a test that freezes time and moves
it past a scheduled minute, then settles, sees the Job. A Job is named
``<cronjob>-<scheduled time in minutes since the epoch>``, carries the
``batch.kubernetes.io/cronjob-scheduled-timestamp`` annotation and a controller reference;
the CronJob's status keeps references to its active Jobs, ``lastScheduleTime`` and
``lastSuccessfulTime``. The controller records upstream's Events with their words: Jobs created,
seen completed, gone missing and deleted, schedules it cannot parse or that never fire, missed
starting deadlines, Forbid holding a run back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from enum import Enum
from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.gofmt import go_quote
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.controllers import controller_utils
from fakeapi.controllers.base import QueueController
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.controller_utils import controller_ref, meta, spec_of, status_of
from fakeapi.controllers.informer import ResourceEventHandlerFuncs
from fakeapi.controllers.job import COMPLETE, FAILED, JOB_API_VERSION, JOB_KIND, JOBS_PREFIX
from fakeapi.controllers.record import EventRecorder
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import format_time, parse_time, utc_now
from fakeapi.util.cron import Schedule, load_location, parse_standard

NAME = "cronjob"
SERVICE_ACCOUNT = "cronjob-controller"
CRONJOBS_PREFIX = "batch/cronjobs"
CRONJOB_KIND = "CronJob"
# k8s.io/api/batch/v1 types.go
CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp"
# nextScheduleDelta: a CronJob is looked at again this long after its next activation.
NEXT_SCHEDULE_DELTA_SECONDS = 0.1
# More missed activations than this are "too many" (a clock skew or a long-stopped controller).
MANY_MISSED_THRESHOLD = 100
SCHEDULES_TOO_CLOSE = "time difference between two schedules is less than 1 second"

Key = tuple[str, str]


class MissedSchedules(Enum):
    NONE = "noneMissed"
    FEW = "fewMissed"
    MANY = "manyMissed"


# -- schedule arithmetic (utils.go) --------------------------------------------------------------------


def most_recent_schedule_time(
    cronjob: Object, now: datetime, schedule: Schedule, include_starting_deadline: bool
) -> tuple[datetime, datetime | None, MissedSchedules]:
    """mostRecentScheduleTime: (the earliest time looked from, the latest missed activation, how many were missed).

    Counting every missed activation since a long outage would be slow, so, as upstream, the
    count is estimated from the interval between the next two activations and only the last
    few are walked to find the most recent one exactly.

    Raises:
        ValueError: the schedule never fires again, or fires less than a second apart.
    """
    last = status_of(cronjob).get("lastScheduleTime") or meta(cronjob)["creationTimestamp"]
    earliest = parse_time(last)
    deadline = spec_of(cronjob).get("startingDeadlineSeconds")
    if include_starting_deadline and deadline is not None:
        earliest = max(earliest, now - timedelta(seconds=int(deadline)))
    first = schedule.next(earliest)
    second = schedule.next(first) if first is not None else None
    if first is not None and now < first:
        return earliest, None, MissedSchedules.NONE
    if first is None or second is None:
        # A schedule that never fires ("59 23 31 2 *"): robfig/cron's zero times, no interval apart.
        raise ValueError(SCHEDULES_TOO_CLOSE)
    if now < second:
        return earliest, first, MissedSchedules.NONE
    interval = round((second - first).total_seconds())
    if interval < 1:
        raise ValueError(SCHEDULES_TOO_CLOSE)
    missed = int((now - first).total_seconds()) // interval + 1
    most_recent: datetime | None = None
    # Start one interval early so irregular schedules (30 6-16/4 * * 1-5) land on a real activation.
    moment = schedule.next(first + timedelta(seconds=(missed - 2) * interval))
    while moment is not None and moment <= now:
        most_recent = moment
        moment = schedule.next(moment)
    if missed > MANY_MISSED_THRESHOLD:
        kind = MissedSchedules.MANY
    else:
        kind = MissedSchedules.FEW if missed > 1 else MissedSchedules.NONE
    return earliest, most_recent or first, kind


def next_schedule_time(cronjob: Object, now: datetime, schedule: Schedule, recorder: EventRecorder) -> datetime | None:
    """nextScheduleTime: the activation to act on now (the most recent missed one), or None."""
    _, most_recent, missed = most_recent_schedule_time(cronjob, now, schedule, include_starting_deadline=True)
    if most_recent is not None and missed is MissedSchedules.MANY:
        recorder.event(
            cronjob,
            "Warning",
            "TooManyMissedTimes",
            "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew",
        )
    return most_recent


def next_schedule_time_duration(cronjob: Object, now: datetime, schedule: Schedule) -> float:
    """nextScheduleTimeDuration: seconds until the activation after the most recent one, plus the delta."""
    try:
        earliest, most_recent, _ = most_recent_schedule_time(cronjob, now, schedule, include_starting_deadline=False)
    except ValueError:
        return NEXT_SCHEDULE_DELTA_SECONDS
    following = schedule.next(most_recent or earliest)
    if following is None:
        return NEXT_SCHEDULE_DELTA_SECONDS
    return (following - now).total_seconds() + NEXT_SCHEDULE_DELTA_SECONDS


def job_name(cronjob: Object, scheduled: datetime) -> str:
    """getJobName: the CronJob's name and the scheduled time in minutes since the epoch."""
    return f"{meta(cronjob)['name']}-{int(scheduled.timestamp()) // 60}"


def go_rfc3339(moment: datetime) -> str:
    """Go's time.RFC3339 layout: ``Z`` in UTC, the numeric offset elsewhere."""
    if moment.utcoffset() == timedelta(0):
        return format_time(moment)
    return moment.replace(microsecond=0).isoformat()


def job_from_template(cronjob: Object, scheduled: datetime, location: tzinfo) -> Object:
    """getJobFromTemplate2: the Job for one activation, named after it, with the CronJob as its controller."""
    template = spec_of(cronjob).get("jobTemplate") or {}
    template_meta = template.get("metadata") or {}
    annotations = dict(template_meta.get("annotations") or {})
    annotations[CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION] = go_rfc3339(scheduled.astimezone(location))
    job_meta: dict[str, Any] = {
        "name": job_name(cronjob, scheduled),
        "annotations": annotations,
        "ownerReferences": [controller_utils.new_controller_ref(cronjob, JOB_API_VERSION, CRONJOB_KIND)],
    }
    if template_meta.get("labels"):
        job_meta["labels"] = dict(template_meta["labels"])
    return {"metadata": job_meta, "spec": deep_copy_json(template.get("spec") or {})}


def finished_type(job: Object) -> str | None:
    """getFinishedStatus: Complete or Failed, whichever is True."""
    for condition in status_of(job).get("conditions") or []:
        if condition.get("type") in (COMPLETE, FAILED) and condition.get("status") == "True":
            kind: str = condition["type"]
            return kind
    return None


def _job_start_order(job: Object) -> tuple[bool, str, str]:
    """byJobStartTime: started jobs first, oldest first, names breaking ties."""
    start = status_of(job).get("startTime") or ""
    return (not start, start, meta(job)["name"])


def _job_reference(job: Object) -> dict[str, Any]:
    """ref.GetReference of a created Job, as the CronJob's status.active lists it."""
    job_meta = meta(job)
    return {
        "kind": JOB_KIND,
        "namespace": job_meta.get("namespace"),
        "name": job_meta["name"],
        "uid": job_meta["uid"],
        "apiVersion": JOB_API_VERSION,
        "resourceVersion": job_meta.get("resourceVersion"),
    }


class CronJobController(QueueController[Key]):
    """Keys are (namespace, name) of CronJobs."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(NAME, self._sync, ctx.log)
        self._ctx = ctx
        self._client = ctx.client(SERVICE_ACCOUNT)
        self._recorder = ctx.recorder(self._client, SERVICE_ACCOUNT)
        self._cronjobs = ctx.informers.lister(CRONJOBS_PREFIX)
        self._jobs = ctx.informers.lister(JOBS_PREFIX)
        ctx.informers.add_event_handler(
            CRONJOBS_PREFIX,
            ResourceEventHandlerFuncs(add=self._cronjob_changed, update=lambda _, new: self._cronjob_changed(new)),
        )
        ctx.informers.add_event_handler(
            JOBS_PREFIX,
            ResourceEventHandlerFuncs(
                add=self._job_changed, update=lambda _, new: self._job_changed(new), delete=self._job_changed
            ),
        )

    # -- event handlers (under the storage lock: only enqueue) -------------------------------------

    def _cronjob_changed(self, cronjob: Object) -> None:
        self.enqueue_key((meta(cronjob).get("namespace") or "", meta(cronjob)["name"]), cause="cronjob changed")

    def _job_changed(self, job: Object) -> None:
        ref = controller_ref(job)
        if ref is not None and ref.get("kind") == CRONJOB_KIND:
            self.enqueue_key((meta(job).get("namespace") or "", ref.get("name") or ""), cause="job changed")

    # -- sync ----------------------------------------------------------------------------------------

    def _sync(self, key: Key) -> None:
        namespace, name = key
        stored = self._cronjobs.get(namespace, name)
        if stored is None:
            return
        cronjob = deep_copy_json(stored)
        cronjob.setdefault("status", {})
        jobs = [
            j
            for j in self._jobs.list(namespace)
            if (ref := controller_ref(j)) is not None and ref.get("uid") == meta(cronjob).get("uid")
        ]
        requeue_after, changed = self._sync_cronjob(cronjob, jobs)
        changed = self._cleanup_finished_jobs(cronjob, jobs) or changed
        if changed and not self._update_status(cronjob):
            return
        if requeue_after is not None:
            self.enqueue_after(key, requeue_after, cause="next schedule")

    def _sync_cronjob(self, cronjob: Object, jobs: list[Object]) -> tuple[float | None, bool]:
        """syncCronJob: reconcile the active list, then create the Job of a due activation; (requeue after, status changed)."""
        status = cronjob["status"]
        spec = spec_of(cronjob)
        changed = False
        children: set[str] = set()
        for job in jobs:
            uid = meta(job)["uid"]
            children.add(uid)
            active = any(ref.get("uid") == uid for ref in status.get("active") or [])
            finished = finished_type(job)
            if active and finished is not None:
                status["active"] = [ref for ref in status.get("active") or [] if ref.get("uid") != uid]
                self._recorder.event(
                    cronjob,
                    "Normal",
                    "SawCompletedJob",
                    f"Saw completed job: {meta(job)['name']}, condition: {finished}",
                )
                changed = True
            if finished == COMPLETE:
                completion = status_of(job).get("completionTime")
                last = status.get("lastSuccessfulTime")
                if completion and (not last or parse_time(completion) > parse_time(last)):
                    status["lastSuccessfulTime"] = completion
                    changed = True
        # Active Jobs that went missing (deleted by someone else).
        for ref in status.get("active") or []:
            if ref.get("uid") not in children:
                self._recorder.event(cronjob, "Normal", "MissingJob", f"Active job went missing: {ref.get('name')}")
        kept = [ref for ref in status.get("active") or [] if ref.get("uid") in children]
        if len(kept) != len(status.get("active") or []):
            status["active"] = kept
            changed = True

        if meta(cronjob).get("deletionTimestamp"):
            return None, changed
        time_zone = spec.get("timeZone")
        try:
            location = load_location(time_zone or "")
        except ValueError as exc:
            self._recorder.event(
                cronjob, "Warning", "UnknownTimeZone", f"invalid timeZone: {go_quote(str(time_zone))}: {exc}"
            )
            return None, changed
        if spec.get("suspend") is True:
            return None, changed
        schedule_text = spec.get("schedule") or ""
        if "TZ" in schedule_text:
            self._recorder.event(
                cronjob,
                "Warning",
                "UnsupportedSchedule",
                f"CRON_TZ or TZ used in schedule {go_quote(schedule_text)} is not officially supported, see "
                "https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details",
            )
        try:
            schedule = parse_standard(schedule_text, location)
        except ValueError as exc:
            self._recorder.event(
                cronjob, "Warning", "UnparseableSchedule", f"unparseable schedule: {go_quote(schedule_text)} : {exc}"
            )
            return None, changed
        now = utc_now()
        try:
            scheduled = next_schedule_time(cronjob, now, schedule, self._recorder)
        except ValueError as exc:
            self._recorder.event(cronjob, "Warning", "InvalidSchedule", f"invalid schedule: {schedule_text} : {exc}")
            return None, changed
        requeue_after = next_schedule_time_duration(cronjob, now, schedule)
        if scheduled is None:
            return requeue_after, changed
        deadline = spec.get("startingDeadlineSeconds")
        if deadline is not None and scheduled + timedelta(seconds=int(deadline)) < now:
            missed = scheduled.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")  # time.RFC1123Z
            self._recorder.event(cronjob, "Warning", "MissSchedule", f"Missed scheduled time to start a job: {missed}")
            return requeue_after, changed
        name = job_name(cronjob, scheduled)
        last = status.get("lastScheduleTime")
        if any(ref.get("name") == name for ref in status.get("active") or []) or (
            last and parse_time(last) == scheduled
        ):
            return requeue_after, changed
        policy = spec.get("concurrencyPolicy") or "Allow"
        if policy == "Forbid" and status.get("active"):
            self._recorder.event(
                cronjob,
                "Normal",
                "JobAlreadyActive",
                "Not starting job because prior execution is running and concurrency policy is Forbid",
            )
            return requeue_after, changed
        if policy == "Replace":
            for ref in list(status.get("active") or []):
                self._delete_job(cronjob, ref.get("name") or "")
                changed = True
        try:
            created = self._client.create(
                self._ctx.spec(JOBS_PREFIX),
                meta(cronjob).get("namespace") or "",
                job_from_template(cronjob, scheduled, location),
            )
        except errors.StatusError as exc:
            if exc.code == 409 or (exc.code == 403 and "being terminated" in exc.message):
                return requeue_after, changed
            self._recorder.event(cronjob, "Warning", "FailedCreate", f"Error creating job: {exc.message}")
            raise
        self._recorder.event(cronjob, "Normal", "SuccessfulCreate", f"Created job {meta(created)['name']}")
        status["active"] = [*(status.get("active") or []), _job_reference(created)]
        status["lastScheduleTime"] = format_time(scheduled)
        return requeue_after, True

    def _cleanup_finished_jobs(self, cronjob: Object, jobs: list[Object]) -> bool:
        """cleanupFinishedJobs: keep only the newest finished Jobs the history limits allow."""
        spec = spec_of(cronjob)
        changed = False
        for kind, limit_field in ((COMPLETE, "successfulJobsHistoryLimit"), (FAILED, "failedJobsHistoryLimit")):
            limit = spec.get(limit_field)
            if limit is None:
                continue
            finished = sorted((j for j in jobs if finished_type(j) == kind), key=_job_start_order)
            for job in finished[: max(len(finished) - int(limit), 0)]:
                changed = self._delete_job(cronjob, meta(job)["name"]) or changed
        return changed

    def _delete_job(self, cronjob: Object, name: str) -> bool:
        """deleteJob: delete in the background and drop it from the active list; whether the status changed."""
        namespace = meta(cronjob).get("namespace") or ""
        try:
            self._client.delete(self._ctx.spec(JOBS_PREFIX), namespace, name, propagation_policy="Background")
        except errors.StatusError as exc:
            if exc.code != 404:
                self._recorder.event(cronjob, "Warning", "FailedDelete", f"Deleted job: {exc.message}")
                raise
        self._recorder.event(cronjob, "Normal", "SuccessfulDelete", f"Deleted job {name}")
        status = cronjob["status"]
        active = status.get("active") or []
        status["active"] = [ref for ref in active if ref.get("name") != name]
        return len(status["active"]) != len(active)

    def _update_status(self, cronjob: Object) -> bool:
        """UpdateStatus; False when the CronJob changed or went meanwhile (its event queues it again)."""
        if not cronjob["status"].get("active"):
            cronjob["status"].pop("active", None)
        try:
            self._client.update(self._ctx.spec(CRONJOBS_PREFIX), cronjob, subresource="status")
        except errors.StatusError as exc:
            if exc.code in (404, 409):
                return False
            raise
        return True
