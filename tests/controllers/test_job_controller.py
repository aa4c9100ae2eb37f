"""The Job controller (pkg/controller/job/job_controller.go), stepped with settle().

Pods are finished by hand (workload_helpers.finish_pod) as a kubelet would report them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from controller_helpers import Api
from freezegun import freeze_time
from workload_helpers import finish_pod, make_ready

from fakeapi.controllers.manager import without_simulation
from fakeapi.pytest_plugin.plugin import FakeAPI
from fakeapi.server.instance import FakeAPIServer, ServerConfig

NS = "default"
JOBS = f"/apis/batch/v1/namespaces/{NS}/jobs"
PODS = f"/api/v1/namespaces/{NS}/pods"
START = "2026-03-02T10:00:00Z"


@pytest.fixture
def server() -> Iterator[FakeAPIServer]:
    instance = FakeAPIServer(ServerConfig(controllers=without_simulation("job"), run_controllers=False))
    instance.settle()
    yield instance
    instance.check()


@pytest.fixture
def api(server: FakeAPIServer) -> Api:
    return Api(server)


def job_manifest(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {
            "template": {
                "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox"}]},
            },
            **spec,
        },
    }


def pods_of(api: Api, job: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.call("GET", PODS, query=f"labelSelector=batch.kubernetes.io/job-name={job}")[
        "items"
    ]
    return items


def names(pods: list[dict[str, Any]]) -> list[str]:
    return sorted(p["metadata"]["name"] for p in pods)


def conditions(job: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [
        (c["type"], c["status"], c.get("reason", ""), c.get("message", ""))
        for c in job["status"].get("conditions") or []
    ]


def test_a_job_runs_its_pods_to_completion_step_by_step(server: FakeAPIServer, api: Api) -> None:
    with freeze_time(START, ignore=["kubernetes"]):
        created = api.create(JOBS, job_manifest("pi", completions=3, parallelism=2))
        server.settle()
        pods = pods_of(api, "pi")
        assert len(pods) == 2
        uid = created["metadata"]["uid"]
        for pod in pods:
            meta = pod["metadata"]
            assert meta["generateName"] == "pi-"
            assert meta["finalizers"] == ["batch.kubernetes.io/job-tracking"]
            assert meta["labels"] == {
                "batch.kubernetes.io/controller-uid": uid,
                "batch.kubernetes.io/job-name": "pi",
                "controller-uid": uid,
                "job-name": "pi",
            }
            assert meta["ownerReferences"] == [
                {
                    "apiVersion": "batch/v1",
                    "kind": "Job",
                    "name": "pi",
                    "uid": uid,
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ]
        job = api.get(f"{JOBS}/pi")
        assert job["status"] == {
            "active": 2,
            "ready": 0,
            "terminating": 0,
            "startTime": "2026-03-02T10:00:00Z",
            "uncountedTerminatedPods": {},
        }

        make_ready(server, NS, pods[0]["metadata"]["name"])
        server.settle()
        assert api.get(f"{JOBS}/pi")["status"]["ready"] == 1

        finish_pod(server, NS, pods[0]["metadata"]["name"])
        server.settle()
        job = api.get(f"{JOBS}/pi")
        assert (job["status"]["active"], job["status"]["succeeded"], job["status"]["ready"]) == (2, 1, 0)
        # Counted, so the finalizer is gone; a third pod replaced the finished one.
        finished = api.get(f"{PODS}/{pods[0]['metadata']['name']}")
        assert finished["metadata"].get("finalizers") is None
        assert len(pods_of(api, "pi")) == 3

        for pod in pods_of(api, "pi"):
            if pod["status"]["phase"] != "Succeeded":
                finish_pod(server, NS, pod["metadata"]["name"])
        server.settle()
        job = api.get(f"{JOBS}/pi")
        assert conditions(job) == [
            ("SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods"),
            ("Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods"),
        ]
        assert job["status"] == {
            "conditions": job["status"]["conditions"],
            "ready": 0,
            "terminating": 0,
            "succeeded": 3,
            "startTime": "2026-03-02T10:00:00Z",
            "completionTime": "2026-03-02T10:00:00Z",
            "uncountedTerminatedPods": {},
        }
        assert all(p["metadata"].get("finalizers") is None for p in pods_of(api, "pi"))


def test_pod_failures_past_the_backoff_limit_fail_the_job(server: FakeAPIServer, api: Api) -> None:
    with freeze_time(START, ignore=["kubernetes"]):
        api.create(JOBS, job_manifest("flaky", backoffLimit=1))
        server.settle()
        [first] = pods_of(api, "flaky")
        finish_pod(server, NS, first["metadata"]["name"], exit_code=1)
        server.settle()
        job = api.get(f"{JOBS}/flaky")
        assert (job["status"]["failed"], job["status"]["active"]) == (1, 1)
        assert "conditions" not in job["status"]

        [second] = [p for p in pods_of(api, "flaky") if p["status"]["phase"] != "Failed"]
        finish_pod(server, NS, second["metadata"]["name"], exit_code=2)
        server.settle()
        job = api.get(f"{JOBS}/flaky")
        message = "Job has reached the specified backoff limit"
        assert conditions(job) == [
            ("FailureTarget", "True", "BackoffLimitExceeded", message),
            ("Failed", "True", "BackoffLimitExceeded", message),
        ]
        assert job["status"]["failed"] == 2
        assert "active" not in job["status"] and "completionTime" not in job["status"]
        # No replacement after the second failure; both failed pods stay, without the finalizer.
        assert len(pods_of(api, "flaky")) == 2
        assert all(p["metadata"].get("finalizers") is None for p in pods_of(api, "flaky"))


def test_an_indexed_job_gives_each_pod_its_index(server: FakeAPIServer, api: Api) -> None:
    api.create(JOBS, job_manifest("idx", completions=5, parallelism=3, completionMode="Indexed"))
    server.settle()
    pods = sorted(
        pods_of(api, "idx"), key=lambda p: p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]
    )
    assert [p["metadata"]["generateName"] for p in pods] == ["idx-0-", "idx-1-", "idx-2-"]
    for index, pod in enumerate(pods):
        assert pod["metadata"]["labels"]["batch.kubernetes.io/job-completion-index"] == str(index)
        assert pod["spec"]["hostname"] == f"idx-{index}"
        assert pod["spec"]["containers"][0]["env"] == [
            {
                "name": "JOB_COMPLETION_INDEX",
                "valueFrom": {
                    "fieldRef": {
                        "apiVersion": "v1",
                        "fieldPath": "metadata.annotations['batch.kubernetes.io/job-completion-index']",
                    }
                },
            }
        ]

    finish_pod(server, NS, pods[0]["metadata"]["name"])
    finish_pod(server, NS, pods[2]["metadata"]["name"])
    server.settle()
    job = api.get(f"{JOBS}/idx")
    assert (job["status"]["completedIndexes"], job["status"]["succeeded"], job["status"]["active"]) == ("0,2", 2, 3)
    running = {
        p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]
        for p in pods_of(api, "idx")
        if p["status"]["phase"] == "Pending"
    }
    assert running == {"1", "3", "4"}

    for pod in pods_of(api, "idx"):
        if pod["status"]["phase"] == "Pending":
            finish_pod(server, NS, pod["metadata"]["name"])
    server.settle()
    job = api.get(f"{JOBS}/idx")
    assert (job["status"]["completedIndexes"], job["status"]["succeeded"]) == ("0-4", 5)
    assert [c[0] for c in conditions(job)] == ["SuccessCriteriaMet", "Complete"]


def test_active_deadline_fails_the_job_and_deletes_its_pods(server: FakeAPIServer, api: Api) -> None:
    with freeze_time(START, ignore=["kubernetes"]) as frozen:
        api.create(JOBS, job_manifest("slow", activeDeadlineSeconds=30, parallelism=2, completions=4))
        server.settle()
        assert len(pods_of(api, "slow")) == 2
        frozen.tick(29)
        server.settle()
        assert "conditions" not in api.get(f"{JOBS}/slow")["status"]

        frozen.tick(1)
        server.settle()
        job = api.get(f"{JOBS}/slow")
        message = "Job was active longer than specified deadline"
        assert conditions(job) == [
            ("FailureTarget", "True", "DeadlineExceeded", message),
            ("Failed", "True", "DeadlineExceeded", message),
        ]
        # The running pods were deleted and count as failures.
        assert job["status"]["failed"] == 2
        assert pods_of(api, "slow") == []


def test_suspend_deletes_active_pods_and_resume_restarts_them(server: FakeAPIServer, api: Api) -> None:
    with freeze_time(START, ignore=["kubernetes"]) as frozen:
        api.create(JOBS, job_manifest("later", suspend=True, parallelism=2, completions=2))
        server.settle()
        job = api.get(f"{JOBS}/later")
        assert pods_of(api, "later") == []
        assert conditions(job) == [("Suspended", "True", "JobSuspended", "Job suspended")]
        assert "startTime" not in job["status"]

        frozen.tick(60)
        api.merge_patch(f"{JOBS}/later", {"spec": {"suspend": False}})
        server.settle()
        job = api.get(f"{JOBS}/later")
        assert conditions(job) == [("Suspended", "False", "JobResumed", "Job resumed")]
        assert job["status"]["startTime"] == "2026-03-02T10:01:00Z"
        assert len(pods_of(api, "later")) == 2

        api.merge_patch(f"{JOBS}/later", {"spec": {"suspend": True}})
        server.settle()
        job = api.get(f"{JOBS}/later")
        assert conditions(job) == [("Suspended", "True", "JobSuspended", "Job suspended")]
        # Deleted on purpose: not failures.
        assert pods_of(api, "later") == []
        assert "failed" not in job["status"] and "active" not in job["status"]


def test_pod_failure_policy_fails_the_job_or_ignores_the_failure(server: FakeAPIServer, api: Api) -> None:
    policy = {
        "rules": [
            {"action": "FailJob", "onExitCodes": {"containerName": "main", "operator": "In", "values": [42]}},
            {"action": "Ignore", "onExitCodes": {"operator": "In", "values": [7]}},
        ]
    }
    api.create(JOBS, job_manifest("policy", backoffLimit=0, podFailurePolicy=policy))
    server.settle()
    [first] = pods_of(api, "policy")
    finish_pod(server, NS, first["metadata"]["name"], exit_code=7)
    server.settle()
    job = api.get(f"{JOBS}/policy")
    assert "conditions" not in job["status"] and "failed" not in job["status"]
    [second] = [p for p in pods_of(api, "policy") if p["status"]["phase"] != "Failed"]

    finish_pod(server, NS, second["metadata"]["name"], exit_code=42)
    server.settle()
    job = api.get(f"{JOBS}/policy")
    message = f"Container main for pod default/{second['metadata']['name']} failed with exit code 42 matching FailJob rule at index 0"
    assert conditions(job) == [
        ("FailureTarget", "True", "PodFailurePolicy", message),
        ("Failed", "True", "PodFailurePolicy", message),
    ]
    assert job["status"]["failed"] == 1


def test_deleting_a_job_releases_its_pods_finalizers(server: FakeAPIServer, api: Api) -> None:
    api.create(JOBS, job_manifest("gone", parallelism=2, completions=2))
    server.settle()
    assert len(pods_of(api, "gone")) == 2
    api.delete(f"{JOBS}/gone", "Background")
    server.settle()
    assert pods_of(api, "gone") == []


def test_lowering_parallelism_deletes_pods_without_counting_failures(server: FakeAPIServer, api: Api) -> None:
    api.create(JOBS, job_manifest("wide", parallelism=3, completions=6))
    server.settle()
    assert len(pods_of(api, "wide")) == 3
    api.merge_patch(f"{JOBS}/wide", {"spec": {"parallelism": 1}})
    server.settle()
    assert len(pods_of(api, "wide")) == 1
    job = api.get(f"{JOBS}/wide")
    assert (job["status"]["active"], job["status"].get("failed")) == (1, None)


def test_a_work_queue_job_completes_when_one_pod_succeeded_and_the_rest_finished(
    server: FakeAPIServer, api: Api
) -> None:
    api.create(JOBS, job_manifest("queue", parallelism=2))
    server.settle()
    first, second = pods_of(api, "queue")
    finish_pod(server, NS, first["metadata"]["name"])
    server.settle()
    # No new pod once one succeeded; the other one is waited for.
    assert len(pods_of(api, "queue")) == 2
    assert "conditions" not in api.get(f"{JOBS}/queue")["status"]
    finish_pod(server, NS, second["metadata"]["name"])
    server.settle()
    job = api.get(f"{JOBS}/queue")
    assert [c[0] for c in conditions(job)] == ["SuccessCriteriaMet", "Complete"]
    assert job["status"]["succeeded"] == 2


@pytest.mark.fakeapi(controllers=without_simulation("job"))
def test_kubectl_waits_for_a_job_whose_pod_succeeded(fakeapi: FakeAPI, kubectl: Any) -> None:
    kubectl("create", "job", "once", "--image=busybox", "--", "true")
    fakeapi.server.settle()
    [pod] = pods_of(Api(fakeapi.server), "once")
    finish_pod(fakeapi.server, NS, pod["metadata"]["name"])
    kubectl("wait", "--for=condition=complete", "job/once", "--timeout=20s")
    described = kubectl("get", "job", "once", "-o", "jsonpath={.status.succeeded}/{.status.conditions[*].type}")
    assert described.stdout == "1/SuccessCriteriaMet Complete"


def test_kubectl_wait_for_a_job_run_by_the_kubelet(kubectl: Any) -> None:
    kubectl("create", "job", "x", "--image=busybox", "--", "true")
    kubectl("wait", "--for=condition=complete", "job/x", "--timeout=30s")
    described = kubectl("get", "job", "x", "-o", "jsonpath={.status.succeeded}/{.status.conditions[*].type}")
    assert described.stdout == "1/SuccessCriteriaMet Complete"
    # NAME READY STATUS: the kubelet ran the container to completion.
    (row,) = kubectl("get", "pods", "-l", "job-name=x", "--no-headers").stdout.strip().split("\n")
    assert row.split()[1:3] == ["0/1", "Completed"]
