"""The CronJob controller (cronjob_controllerv2.go, utils.go), the TTL-after-finished controller
(ttlafterfinished_controller.go) and the cron schedules they read, stepped with settle() under freezegun.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from controller_helpers import Api
from freezegun import freeze_time
from workload_helpers import finish_pod

from fakeapi.controllers.manager import without_simulation
from fakeapi.server.instance import FakeAPIServer, ServerConfig
from fakeapi.util.cron import parse_standard

NS = "default"
CRONJOBS = f"/apis/batch/v1/namespaces/{NS}/cronjobs"
JOBS = f"/apis/batch/v1/namespaces/{NS}/jobs"
PODS = f"/api/v1/namespaces/{NS}/pods"
# 2026-03-02T10:00:30Z is 29,540,760 minutes and 30 seconds after the epoch.
START = "2026-03-02T10:00:30Z"
MINUTE = 29_540_760


@pytest.fixture
def server() -> Iterator[FakeAPIServer]:
    instance = FakeAPIServer(
        ServerConfig(controllers=without_simulation("job", "cronjob", "ttl-after-finished"), run_controllers=False)
    )
    instance.settle()
    yield instance
    instance.check()


@pytest.fixture
def api(server: FakeAPIServer) -> Api:
    return Api(server)


def cronjob_manifest(name: str, schedule: str = "* * * * *", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": name},
        "spec": {
            "schedule": schedule,
            "jobTemplate": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "template": {
                        "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox"}]}
                    }
                },
            },
            **spec,
        },
    }


def job_names(api: Api) -> list[str]:
    return sorted(j["metadata"]["name"] for j in api.get(JOBS)["items"])


def finish_job_pods(server: FakeAPIServer, api: Api, job: str, exit_code: int = 0) -> None:
    pods = api.call("GET", PODS, query=f"labelSelector=batch.kubernetes.io/job-name={job}")["items"]
    for pod in pods:
        if pod["status"]["phase"] not in ("Succeeded", "Failed"):
            finish_pod(server, NS, pod["metadata"]["name"], exit_code)
    server.settle()


@pytest.mark.parametrize(
    ("schedule", "after", "expected"),
    [
        ("*/15 * * * *", "2026-03-02T10:07:00Z", "2026-03-02T10:15:00+00:00"),
        ("0 9 * * MON-FRI", "2026-03-06T10:00:00Z", "2026-03-09T09:00:00+00:00"),
        ("@hourly", "2026-03-02T10:00:00Z", "2026-03-02T11:00:00+00:00"),
        ("@weekly", "2026-03-02T10:00:00Z", "2026-03-08T00:00:00+00:00"),
        ("0 0 1 jan *", "2026-03-02T10:00:00Z", "2027-01-01T00:00:00+00:00"),
        ("5,35 1-3/2 * * *", "2026-03-02T01:35:00Z", "2026-03-02T03:05:00+00:00"),
        # Both day fields restricted: the 13th or a Friday.
        ("0 0 13 * 5", "2026-03-02T10:00:00Z", "2026-03-06T00:00:00+00:00"),
        ("@every 90s", "2026-03-02T10:00:00Z", "2026-03-02T10:01:30+00:00"),
    ],
)
def test_cron_schedules_fire_as_robfig_cron_computes(schedule: str, after: str, expected: str) -> None:
    moment = datetime.fromisoformat(after.replace("Z", "+00:00"))
    assert parse_standard(schedule).next(moment) == datetime.fromisoformat(expected)


def test_a_schedule_in_a_time_zone() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    following = parse_standard("0 9 * * *", berlin).next(datetime(2026, 3, 2, 10, tzinfo=UTC))
    assert following is not None
    assert following.astimezone(UTC) == datetime(2026, 3, 3, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ("* * * *", "expected exactly 5 fields, found 4"),
        ("60 * * * *", "end of range (60) above maximum (59)"),
        ("* * * * 7", "end of range (7) above maximum (6)"),
        ("@fortnightly", "unrecognized descriptor: @fortnightly"),
        ("*/0 * * * *", "step of range should be a positive number"),
    ],
)
def test_bad_schedules_are_refused(schedule: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_standard(schedule)


def test_a_cronjob_fires_when_time_crosses_the_minute(server: FakeAPIServer, api: Api) -> None:
    with freeze_time(START, ignore=["kubernetes"]) as frozen:
        created = api.create(CRONJOBS, cronjob_manifest("tick"))
        server.settle()
        assert job_names(api) == []

        frozen.tick(29)  # 10:00:59
        server.settle()
        assert job_names(api) == []

        frozen.tick(1)  # 10:01:00, but the controller looks 100 ms after the minute
        server.settle()
        assert job_names(api) == []
        frozen.tick(0.2)
        server.settle()
        name = f"tick-{MINUTE + 1}"
        assert job_names(api) == [name]
        job = api.get(f"{JOBS}/{name}")
        assert job["metadata"]["annotations"] == {
            "batch.kubernetes.io/cronjob-scheduled-timestamp": "2026-03-02T10:01:00Z"
        }
        assert job["metadata"]["labels"] == {"app": "tick"}
        assert job["metadata"]["ownerReferences"] == [
            {
                "apiVersion": "batch/v1",
                "kind": "CronJob",
                "name": "tick",
                "uid": created["metadata"]["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
        status = api.get(f"{CRONJOBS}/tick")["status"]
        assert status == {
            "active": [
                {
                    "kind": "Job",
                    "namespace": NS,
                    "name": name,
                    "uid": job["metadata"]["uid"],
                    "apiVersion": "batch/v1",
                    "resourceVersion": status["active"][0]["resourceVersion"],
                }
            ],
            "lastScheduleTime": "2026-03-02T10:01:00Z",
        }

        frozen.tick(10)
        finish_job_pods(server, api, name)
        status = api.get(f"{CRONJOBS}/tick")["status"]
        assert status == {"lastScheduleTime": "2026-03-02T10:01:00Z", "lastSuccessfulTime": "2026-03-02T10:01:10Z"}


def test_a_time_zone_names_the_scheduled_timestamp(server: FakeAPIServer, api: Api) -> None:
    with freeze_time(START, ignore=["kubernetes"]) as frozen:
        api.create(CRONJOBS, cronjob_manifest("berlin", "1 11 * * *", timeZone="Europe/Berlin"))
        server.settle()
        frozen.tick(60)  # 10:01:30 UTC is 11:01:30 in Berlin
        server.settle()
        [name] = job_names(api)
        assert name == f"berlin-{MINUTE + 1}"
        annotations = api.get(f"{JOBS}/{name}")["metadata"]["annotations"]
        assert annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"] == "2026-03-02T11:01:00+01:00"


def test_forbid_skips_a_run_while_the_last_one_is_active(server: FakeAPIServer, api: Api) -> None:
    with freeze_time(START, ignore=["kubernetes"]) as frozen:
        api.create(CRONJOBS, cronjob_manifest("single", concurrencyPolicy="Forbid"))
        frozen.tick(60)
        server.settle()
        assert job_names(api) == [f"single-{MINUTE + 1}"]
        frozen.tick(60)
        server.settle()
        assert job_names(api) == [f"single-{MINUTE + 1}"]
        assert api.get(f"{CRONJOBS}/single")["status"]["lastScheduleTime"] == "2026-03-02T10:01:00Z"

        # The run skipped at 10:02 starts once the active one finished (no startingDeadlineSeconds).
        finish_job_pods(server, api, f"single-{MINUTE + 1}")
        assert job_names(api) == [f"single-{MINUTE + 1}", f"single-{MINUTE + 2}"]
        frozen.tick(60)
        server.settle()
        assert job_names(api) == [f"single-{MINUTE + 1}", f"single-{MINUTE + 2}"]


def test_replace_deletes_the_active_job(server: FakeAPIServer, api: Api) -> None:
    with freeze_time(START, ignore=["kubernetes"]) as frozen:
        api.create(CRONJOBS, cronjob_manifest("swap", concurrencyPolicy="Replace"))
        frozen.tick(60)
        server.settle()
        frozen.tick(60)
        server.settle()
        assert job_names(api) == [f"swap-{MINUTE + 2}"]
        [active] = api.get(f"{CRONJOBS}/swap")["status"]["active"]
        assert active["name"] == f"swap-{MINUTE + 2}"


def test_allow_runs_jobs_side_by_side_and_suspend_stops_them(server: FakeAPIServer, api: Api) -> None:
    with freeze_time(START, ignore=["kubernetes"]) as frozen:
        api.create(CRONJOBS, cronjob_manifest("many"))
        frozen.tick(60)
        server.settle()
        frozen.tick(60)
        server.settle()
        assert job_names(api) == [f"many-{MINUTE + 1}", f"many-{MINUTE + 2}"]
        assert len(api.get(f"{CRONJOBS}/many")["status"]["active"]) == 2

        api.merge_patch(f"{CRONJOBS}/many", {"spec": {"suspend": True}})
        frozen.tick(120)
        server.settle()
        assert job_names(api) == [f"many-{MINUTE + 1}", f"many-{MINUTE + 2}"]


def test_history_limits_keep_the_newest_finished_jobs(server: FakeAPIServer, api: Api) -> None:
    with freeze_time(START, ignore=["kubernetes"]) as frozen:
        api.create(CRONJOBS, cronjob_manifest("hist", successfulJobsHistoryLimit=2, failedJobsHistoryLimit=1))
        for minute in range(1, 5):
            frozen.tick(60)
            server.settle()
            finish_job_pods(server, api, f"hist-{MINUTE + minute}")
        assert job_names(api) == [f"hist-{MINUTE + 3}", f"hist-{MINUTE + 4}"]

        api.merge_patch(f"{CRONJOBS}/hist", {"spec": {"jobTemplate": {"spec": {"backoffLimit": 0}}}})
        for minute in range(5, 7):
            frozen.tick(60)
            server.settle()
            finish_job_pods(server, api, f"hist-{MINUTE + minute}", exit_code=1)
        assert job_names(api) == [f"hist-{MINUTE + 3}", f"hist-{MINUTE + 4}", f"hist-{MINUTE + 6}"]


def test_starting_deadline_skips_a_run_that_is_too_late(server: FakeAPIServer, api: Api) -> None:
    with freeze_time(START, ignore=["kubernetes"]) as frozen:
        api.create(CRONJOBS, cronjob_manifest("late", "0 * * * *", startingDeadlineSeconds=30))
        frozen.tick(59 * 60 + 30 + 45)  # 11:00:45: 45 s after the hour, past the 30 s deadline
        server.settle()
        assert job_names(api) == []
        frozen.tick(3600 - 40)  # 12:00:05
        server.settle()
        assert job_names(api) == [f"late-{MINUTE + 120}"]


def test_missed_runs_start_only_the_most_recent(server: FakeAPIServer, api: Api) -> None:
    with freeze_time(START, ignore=["kubernetes"]) as frozen:
        api.create(CRONJOBS, cronjob_manifest("behind", "*/5 * * * *"))
        frozen.tick(3 * 3600)  # 13:00:30: 36 runs missed
        server.settle()
        assert job_names(api) == [f"behind-{MINUTE + 180}"]
        assert api.get(f"{CRONJOBS}/behind")["status"]["lastScheduleTime"] == "2026-03-02T13:00:00Z"


def test_finished_jobs_are_deleted_after_their_ttl(server: FakeAPIServer, api: Api) -> None:
    with freeze_time(START, ignore=["kubernetes"]) as frozen:
        job = {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "short"},
            "spec": {
                "ttlSecondsAfterFinished": 100,
                "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox"}]}},
            },
        }
        api.create(JOBS, job)
        server.settle()
        finish_job_pods(server, api, "short")
        assert api.get(f"{JOBS}/short")["status"]["succeeded"] == 1
        frozen.tick(99)
        server.settle()
        assert job_names(api) == ["short"]
        frozen.tick(1)
        server.settle()
        assert job_names(api) == []
        assert api.call("GET", PODS, query="labelSelector=batch.kubernetes.io/job-name=short")["items"] == []
        [delete] = server.audit_log.requests("delete", "jobs")
        assert (delete.name, delete.code) == ("short", 200)
        assert delete.user_agent.endswith("/system:serviceaccount:kube-system:ttl-after-finished-controller")


def test_the_controller_records_what_it_did(server: FakeAPIServer, api: Api) -> None:
    # cronjob_controllerv2.go's Eventf calls: SuccessfulCreate, SawCompletedJob, JobAlreadyActive, SuccessfulDelete.
    with freeze_time(START, ignore=["kubernetes"]) as frozen:
        api.create(CRONJOBS, cronjob_manifest("said", concurrencyPolicy="Forbid", successfulJobsHistoryLimit=0))
        frozen.tick(60)
        server.settle()
        frozen.tick(60)
        server.settle()
        first = f"said-{MINUTE + 1}"
        finish_job_pods(server, api, first)
        assert api.events_about("CronJob", "said", NS) == [
            ("Normal", "SuccessfulCreate", f"Created job {first}"),
            (
                "Normal",
                "JobAlreadyActive",
                "Not starting job because prior execution is running and concurrency policy is Forbid",
            ),
            # One sync: the active list, then the run held back, then the history limit (sync, cleanupFinishedJobs).
            ("Normal", "SawCompletedJob", f"Saw completed job: {first}, condition: Complete"),
            ("Normal", "SuccessfulCreate", f"Created job said-{MINUTE + 2}"),
            ("Normal", "SuccessfulDelete", f"Deleted job {first}"),
        ]


def test_a_schedule_that_never_fires_is_an_invalid_schedule(server: FakeAPIServer, api: Api) -> None:
    # February 31st: robfig/cron parses it, finds no activation, and mostRecentScheduleTime refuses it
    # (test/cmd/events.sh).
    with freeze_time(START, ignore=["kubernetes"]):
        api.create(CRONJOBS, cronjob_manifest("never", "59 23 31 2 *"))
        server.settle()
        assert job_names(api) == []
        assert api.events_about("CronJob", "never", NS) == [
            (
                "Warning",
                "InvalidSchedule",
                "invalid schedule: 59 23 31 2 * : time difference between two schedules is less than 1 second",
            )
        ]
