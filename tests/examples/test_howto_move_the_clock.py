"""How to test what happens at 02:00 without waiting for it: move the server clock.

``fakeapi.clock.move_to(...)`` and ``fakeapi.clock.advance(...)`` move the server clock forward
and run, in order, everything that became due on the way: here a CronJob's nightly Jobs are made
at 02:00 of each day, their pods complete, and the CronJob controller prunes all but the
``successfulJobsHistoryLimit`` newest (pkg/controller/cronjob/cronjob_controllerv2.go
``cleanupFinishedJobs``). The controller looks 100 ms after each schedule (``nextScheduleTimeDuration``
adds ``nextScheduleDelta``), as upstream, so the Job exists from 02:00:00.1.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import datetime

import pytest

from fakeapi.pytest_plugin.plugin import FakeAPI

pytestmark = pytest.mark.kubectl

Kubectl = Callable[..., subprocess.CompletedProcess[str]]

NIGHTLY = """
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 2 * * *"
  successfulJobsHistoryLimit: 2
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: report, image: busybox:1.36}]
"""


@pytest.mark.fakeapi(freeze="2030-01-02T00:00:00Z")
def test_the_nightly_job_runs_at_two(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", input=NIGHTLY)
    fakeapi.clock.move_to("2030-01-02T01:59:59Z")
    assert fakeapi.list("batch/v1", "Job", "default") == []

    fakeapi.clock.move_to("2030-01-02T02:00:01Z")
    (job,) = fakeapi.list("batch/v1", "Job", "default")
    assert job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] == "2030-01-02T02:00:00Z"
    assert job["status"]["succeeded"] == 1
    assert job["status"]["completionTime"] == "2030-01-02T02:00:00Z"
    (pod,) = fakeapi.list("v1", "Pod", "default", label_selector=f"job-name={job['metadata']['name']}")
    assert pod["status"]["phase"] == "Succeeded"
    cronjob = fakeapi.get("batch/v1", "CronJob", "nightly")
    assert cronjob["status"]["lastSuccessfulTime"] == "2030-01-02T02:00:00Z"

    # Three nights later: one Job a night, the oldest pruned past the history limit of 2.
    fakeapi.clock.advance(3 * 24 * 3600)
    jobs = kubectl("get", "jobs", "-o", "custom-columns=NAME:.metadata.name,DONE:.status.succeeded", "--no-headers")
    rows = [line.split() for line in jobs.stdout.splitlines()]
    scheduled = ["2030-01-04T02:00:00Z", "2030-01-05T02:00:00Z"]
    assert rows == [[job_name(at), "1"] for at in scheduled]


def job_name(scheduled: str) -> str:
    """A CronJob's Job is named after its schedule in minutes since the epoch (getJobName)."""
    return f"nightly-{int(datetime.fromisoformat(scheduled.replace('Z', '+00:00')).timestamp()) // 60}"
