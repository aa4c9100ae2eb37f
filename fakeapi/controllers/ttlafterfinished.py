"""The TTL-after-finished controller: finished Jobs deleted once ``ttlSecondsAfterFinished`` has passed.

Follows pkg/controller/ttlafterfinished/ttlafterfinished_controller.go: a Job that has a TTL and
is finished (Complete or Failed) is synced; until its finish time (the lastTransitionTime of
that condition) plus the TTL it is queued again for then with ``enqueue_after`` on the server
clock; once expired it is deleted with Foreground propagation and its uid as a precondition,
so its pods go first and a Job recreated under the same name is left alone.
"""

from __future__ import annotations

from datetime import timedelta

from fakeapi.apimachinery import errors
from fakeapi.controllers.base import QueueController
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.controller_utils import meta, spec_of, status_of
from fakeapi.controllers.informer import ResourceEventHandlerFuncs
from fakeapi.controllers.job import COMPLETE, FAILED, JOBS_PREFIX
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import parse_time, utc_now

NAME = "ttl-after-finished"
SERVICE_ACCOUNT = "ttl-after-finished-controller"

Key = tuple[str, str]


def needs_cleanup(job: Object) -> bool:
    """needsCleanup: a TTL is set and the Job is finished."""
    return spec_of(job).get("ttlSecondsAfterFinished") is not None and finish_time(job) is not None


def finish_time(job: Object) -> str | None:
    """jobFinishTime: when the Complete or Failed condition became True."""
    for condition in status_of(job).get("conditions") or []:
        if condition.get("type") in (COMPLETE, FAILED) and condition.get("status") == "True":
            stamp: str | None = condition.get("lastTransitionTime")
            return stamp
    return None


def seconds_left(job: Object) -> float | None:
    """timeLeft: seconds until the TTL expires (zero or less once it has); None when it does not apply."""
    finished = finish_time(job)
    ttl = spec_of(job).get("ttlSecondsAfterFinished")
    if finished is None or ttl is None:
        return None
    return (parse_time(finished) + timedelta(seconds=int(ttl)) - utc_now()).total_seconds()


class TTLAfterFinishedController(QueueController[Key]):
    """Keys are (namespace, name) of Jobs."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(NAME, self._process_job, ctx.log)
        self._ctx = ctx
        self._client = ctx.client(SERVICE_ACCOUNT)
        self._jobs = ctx.informers.lister(JOBS_PREFIX)
        ctx.informers.add_event_handler(
            JOBS_PREFIX,
            ResourceEventHandlerFuncs(add=self._job_changed, update=lambda _, new: self._job_changed(new)),
        )

    def _job_changed(self, job: Object) -> None:
        if needs_cleanup(job) and not meta(job).get("deletionTimestamp"):
            self.enqueue_key((meta(job).get("namespace") or "", meta(job)["name"]), cause="finished job with a TTL")

    def _process_job(self, key: Key) -> None:
        """processJob: wait for the TTL, then delete the Job and, through the garbage collector, its pods."""
        namespace, name = key
        job = self._jobs.get(namespace, name)
        if job is None or meta(job).get("deletionTimestamp") or not needs_cleanup(job):
            return
        left = seconds_left(job)
        if left is not None and left > 0:
            self.enqueue_after(key, left, cause="ttlSecondsAfterFinished")
            return
        try:
            self._client.delete(
                self._ctx.spec(JOBS_PREFIX),
                namespace,
                name,
                propagation_policy="Foreground",
                uid=meta(job).get("uid"),
            )
        except errors.StatusError as exc:
            if exc.code not in (404, 409):
                raise
