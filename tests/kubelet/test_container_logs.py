"""``kubectl logs`` against what a test scripted the containers to print (pods/log).

Expected answers come from upstream: pkg/registry/core/pod/rest/log.go and strategy.go
(``LogLocation``, ``validateContainer``: ``a container name must be specified for pod <p>, choose
one of: [a b]``, ``container <c> is not valid for pod <p>``), pkg/apis/core/validation
``ValidatePodLogOptions`` (422 PodLogOptions), pkg/kubelet/kubelet_pods.go
``validateContainerLogStatus`` (``container "c" in pod "p" is waiting to start: ContainerCreating``,
``previous terminated container "c" in pod "p" not found``) and pkg/kubelet/kuberuntime/logs/logs.go
(``--timestamps`` as Go's ``time.RFC3339Nano``, ``--since`` on each line's time, ``--tail``,
``--limit-bytes``).
"""

from __future__ import annotations

import re
import subprocess
import time
from typing import Any

import pytest

from fakeapi.pytest_plugin.handle import FakeAPI
from fakeapi.pytest_plugin.kube_tools import ToolRunner
from tests.kubelet.streams_helpers import run_pod

pytestmark = pytest.mark.kubectl

TWO_CONTAINERS = """
apiVersion: v1
kind: Pod
metadata: {name: duo, labels: {app: duo}}
spec:
  containers:
  - {name: app, image: nginx:1.27}
  - {name: sidecar, image: busybox:1.36}
"""


def test_a_container_prints_nothing_by_default(fakeapi: FakeAPI, kubectl: ToolRunner) -> None:
    run_pod(kubectl, "web")
    assert kubectl("logs", "web").stdout == ""


def test_output_rules_and_appended_lines(fakeapi: FakeAPI, kubectl: ToolRunner) -> None:
    fakeapi.containers.pods(name="web").output("starting\nlistening on :80\n")
    run_pod(kubectl, "web")
    fakeapi.containers.log("default", "web", "GET / 200")
    assert kubectl("logs", "web").stdout == "starting\nlistening on :80\nGET / 200\n"
    assert kubectl("logs", "web", "--tail=2").stdout == "listening on :80\nGET / 200\n"
    assert kubectl("logs", "web", "--tail=0").stdout == ""
    assert kubectl("logs", "web", "--limit-bytes=12").stdout == "starting\nlis"


@pytest.mark.fakeapi(freeze="2030-01-02T03:04:05Z")
def test_timestamps_are_rfc3339_nano_as_the_kubelet_writes_them(fakeapi: FakeAPI, kubectl: ToolRunner) -> None:
    run_pod(kubectl, "web")
    fakeapi.clock.advance(0.12)
    fakeapi.containers.log("default", "web", "one")
    fakeapi.clock.advance(0.88)
    fakeapi.containers.log("default", "web", "two")
    # Go's RFC3339Nano drops trailing zeros of the fraction, and the fraction itself when it is zero.
    assert kubectl("logs", "web", "--timestamps").stdout == ("2030-01-02T03:04:05.12Z one\n2030-01-02T03:04:06Z two\n")


def test_since_keeps_the_lines_written_since(fakeapi: FakeAPI, kubectl: ToolRunner) -> None:
    fakeapi.containers.pods(name="web").output("old line\n")
    run_pod(kubectl, "web")
    fakeapi.clock.advance(600)
    fakeapi.containers.log("default", "web", "new line")
    assert kubectl("logs", "web", "--since=5m").stdout == "new line\n"
    assert kubectl("logs", "web", "--since=20m").stdout == "old line\nnew line\n"
    since = fakeapi.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    assert kubectl("logs", "web", f"--since-time={since}").stdout == "new line\n"


def test_follow_streams_lines_appended_later(fakeapi: FakeAPI, kubectl: ToolRunner) -> None:
    fakeapi.containers.pods(name="web").output("first\n")
    run_pod(kubectl, "web")
    follower = subprocess.Popen(
        kubectl.command("logs", "-f", "web"), env=kubectl.env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert follower.stdout is not None
        assert follower.stdout.readline() == "first\n"
        for text in ("second", "third"):
            fakeapi.containers.log("default", "web", text)
            assert follower.stdout.readline() == text + "\n"
        # The follow ends when the container stops: deleting the pod stops it.
        kubectl("delete", "pod", "web", "--wait=false")
        assert follower.wait(timeout=20) == 0
    finally:
        follower.kill()


def test_previous_shows_the_crashed_instance(fakeapi: FakeAPI, kubectl: ToolRunner) -> None:
    """The must-show: a crash rule's container restarts; --previous prints what the crashed run printed."""
    fakeapi.behaviour.pods(labels={"run": "crashy"}).crash(exit_code=2, logs="panic: out of cheese\n")
    kubectl("run", "crashy", "--image=busybox:1.36")
    restarted = _wait_for(lambda: _restart_count(fakeapi, "crashy") >= 1)
    assert restarted, "the crashing container never restarted"
    assert kubectl("logs", "crashy", "--previous").stdout == "panic: out of cheese\n"
    pods = kubectl("get", "pod", "crashy", "--no-headers").stdout
    assert re.search(r"(CrashLoopBackOff|Error|Running)\s+[1-9]", pods), pods


def test_previous_of_a_container_that_never_restarted(fakeapi: FakeAPI, kubectl: ToolRunner) -> None:
    run_pod(kubectl, "web")
    failed = kubectl("logs", "web", "--previous", check=False)
    assert failed.returncode == 1
    assert failed.stderr == (
        'Error from server (BadRequest): previous terminated container "web" in pod "web" not found\n'
    )


def test_a_waiting_container_has_no_logs_yet(fakeapi: FakeAPI, kubectl: ToolRunner) -> None:
    fakeapi.behaviour.pods(labels={"run": "slow"}).stay_creating()
    kubectl("run", "slow", "--image=nginx:1.27")
    assert _wait_for(lambda: _waiting_reason(fakeapi, "slow") == "ContainerCreating")
    failed = kubectl("logs", "slow", check=False)
    assert failed.stderr == (
        'Error from server (BadRequest): container "slow" in pod "slow" is waiting to start: ContainerCreating\n'
    )


def test_containers_of_a_pod_with_several(fakeapi: FakeAPI, kubectl: ToolRunner) -> None:
    fakeapi.containers.pods(name="duo", container="sidecar").output("sidecar says hi\n")
    kubectl("apply", "-f", "-", input=TWO_CONTAINERS)
    kubectl("wait", "--for=condition=Ready", "pod/duo", "--timeout=30s")
    assert kubectl("logs", "duo", "-c", "sidecar").stdout == "sidecar says hi\n"
    assert kubectl("logs", "duo", "-c", "app").stdout == ""
    unnamed = fakeapi.server.request("GET", "/api/v1/namespaces/default/pods/duo/log")
    assert unnamed.status == 400
    assert unnamed.json()["message"] == "a container name must be specified for pod duo, choose one of: [app sidecar]"
    # kubectl checks the name itself; the server's answer is upstream's.
    wrong = fakeapi.server.request("GET", "/api/v1/namespaces/default/pods/duo/log", query="container=nope")
    assert (wrong.status, wrong.json()["message"]) == (400, "container nope is not valid for pod duo")


def test_errors_before_the_kubelet_is_asked(fakeapi: FakeAPI, kubectl: ToolRunner) -> None:
    missing = fakeapi.server.request("GET", "/api/v1/namespaces/default/pods/ghost/log")
    assert (missing.status, missing.json()["message"]) == (404, 'pods "ghost" not found')
    run_pod(kubectl, "web")
    invalid = fakeapi.server.request(
        "GET", "/api/v1/namespaces/default/pods/web/log", query="tailLines=-1&limitBytes=0"
    )
    assert invalid.status == 422
    assert invalid.json()["message"] == (
        'PodLogOptions "web" is invalid: [tailLines: Invalid value: -1: must be greater than or equal to 0, '
        "limitBytes: Invalid value: 0: must be greater than 0]"
    )
    both = fakeapi.server.request(
        "GET", "/api/v1/namespaces/default/pods/web/log", query="sinceSeconds=1&sinceTime=2030-01-02T03:04:05Z"
    )
    assert both.status == 422
    assert "at most one of `sinceTime` or `sinceSeconds` may be specified" in both.json()["message"]


@pytest.mark.fakeapi(controllers=["*", "-kubelet", "-scheduler"])
def test_a_pod_without_a_node_has_an_empty_log(fakeapi: FakeAPI, kubectl: ToolRunner) -> None:
    kubectl("run", "pending", "--image=nginx:1.27")
    reply = fakeapi.server.request("GET", "/api/v1/namespaces/default/pods/pending/log")
    assert (reply.status, reply.body) == (200, b"")


def _wait_for(condition: Any, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _container_status(fakeapi: FakeAPI, pod: str) -> dict[str, Any]:
    statuses = fakeapi.get("v1", "Pod", pod).get("status", {}).get("containerStatuses") or [{}]
    return dict(statuses[0])


def _restart_count(fakeapi: FakeAPI, pod: str) -> int:
    return int(_container_status(fakeapi, pod).get("restartCount", 0))


def _waiting_reason(fakeapi: FakeAPI, pod: str) -> str:
    return str(((_container_status(fakeapi, pod).get("state") or {}).get("waiting") or {}).get("reason", ""))
