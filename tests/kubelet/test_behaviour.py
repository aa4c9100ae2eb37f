"""Pod rules (fakeapi.kubelet.behaviour): containers that crash, fail to pull, never turn ready, complete.

The reasons and messages are upstream's: pkg/kubelet/images/image_manager.go (ErrImagePull,
``Back-off pulling image "<image>": ErrImagePull: <error>``), pkg/kubelet/kuberuntime/kuberuntime_manager.go
``doBackOff`` (``back-off 10s restarting failed container=<c> pod=<name>_<ns>(<uid>)``, the first restart
immediate, then 10 s doubling to 5 min: pkg/kubelet/kubelet.go backOffPeriod, MaxContainerBackOff),
pkg/kubelet/kubelet_pods.go convertToAPIContainerStatuses (lastState, restartCount) and getPhase.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from fakeapi.kubelet.behaviour import PodMatch, PodRule, crash, go_duration, rules_from_yaml
from fakeapi.kubelet.config import ClusterConfig
from fakeapi.server.instance import FakeAPIServer, ServerConfig
from tests.kubelet.test_kubelet import NGINX, bind, call, conditions, create_pod, frozen, get_pod

T0 = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
def server() -> Iterator[FakeAPIServer]:
    """A stepped server with one node and only the test's pods, time frozen at T0 (moved by ``server.clock``)."""
    cluster = dataclasses.replace(ClusterConfig(), kube_system=False)
    instance = FakeAPIServer(ServerConfig(run_controllers=False, controllers=["kubelet"], cluster=cluster))
    with frozen(T0):
        instance.settle()
        yield instance
        instance.check()


def run_pod(server: FakeAPIServer, name: str = "web", spec: dict[str, Any] | None = None, **meta: Any) -> Any:
    create_pod(server, name, spec or NGINX, **meta)
    bind(server, name)
    server.settle()
    return get_pod(server, name)


def container(pod: Any, index: int = 0) -> Any:
    return pod["status"]["containerStatuses"][index]


def test_go_durations() -> None:
    assert [go_duration(s) for s in (10, 80, 300, 3600)] == ["10s", "1m20s", "5m0s", "1h0m0s"]


def test_image_pull_fails_then_backs_off(server: FakeAPIServer) -> None:
    server.behaviour.pods(image="nginx:*").fail_image_pull()
    pod = run_pod(server)
    status = container(pod)
    ref = "docker.io/library/nginx:1.27"
    error = (
        f'rpc error: code = NotFound desc = failed to pull and unpack image "{ref}": '
        f'failed to resolve reference "{ref}": {ref}: not found'
    )
    assert status["state"] == {
        "waiting": {
            "reason": "ImagePullBackOff",
            "message": f'Back-off pulling image "nginx:1.27": ErrImagePull: {error}',
        }
    }
    assert pod["status"]["phase"] == "Pending"
    assert conditions(pod)["Ready"][:2] == ("False", "ContainersNotReady")
    # At the end of the 10 s back-off the kubelet pulls again, fails, and backs off 20 s, then 40 s.
    backoff, key = server.behaviour.runtime.image_backoff, f"{pod['metadata']['uid']}_nginx:1.27"
    assert backoff.get(key) == 10
    server.clock.advance(10)
    assert container(get_pod(server, "web"))["state"]["waiting"]["reason"] == "ImagePullBackOff"
    assert backoff.get(key) == 20
    server.clock.advance(19)
    assert backoff.get(key) == 20
    server.clock.advance(1)
    assert backoff.get(key) == 40


def test_crash_loop_backs_off_10s_doubling(server: FakeAPIServer) -> None:
    server.behaviour.pods(labels={"app": "web"}).crash(exit_code=3)
    pod = run_pod(server, labels={"app": "web"})
    uid = pod["metadata"]["uid"]
    status = container(pod)
    # The first exit restarts at once; the second backs off 10 s.
    assert status["restartCount"] == 1
    assert status["state"]["waiting"] == {
        "reason": "CrashLoopBackOff",
        "message": f"back-off 10s restarting failed container=web pod=web_default({uid})",
    }
    assert status["lastState"]["terminated"]["exitCode"] == 3
    assert status["lastState"]["terminated"]["reason"] == "Error"
    assert pod["status"]["phase"] == "Running"
    seen = []
    for backoff in (10, 20, 40, 80, 160, 300, 300):
        server.clock.advance(backoff)
        status = container(get_pod(server, "web"))
        seen.append((status["restartCount"], status["state"]["waiting"]["message"].split()[1]))
    assert seen == [(2, "20s"), (3, "40s"), (4, "1m20s"), (5, "2m40s"), (6, "5m0s"), (7, "5m0s"), (8, "5m0s")]


def test_oom_killed_job_pod_fails(server: FakeAPIServer) -> None:
    server.behaviour.pods(container="web").oom_killed(after=5)
    spec = {**NGINX, "restartPolicy": "Never"}
    pod = run_pod(server, spec=spec)
    assert pod["status"]["phase"] == "Running"
    server.clock.advance(5)
    pod = get_pod(server, "web")
    assert pod["status"]["phase"] == "Failed"
    terminated = container(pod)["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (137, "OOMKilled")
    assert container(pod)["restartCount"] == 0


def test_complete_with_on_failure_restarts_only_after_failures(server: FakeAPIServer) -> None:
    server.behaviour.pods(namespace="default").complete(2)
    pod = run_pod(server, spec={**NGINX, "restartPolicy": "OnFailure"})
    assert container(pod)["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    server.behaviour.clear()
    server.behaviour.pods().complete(0)
    pod = run_pod(server, "done", spec={**NGINX, "restartPolicy": "OnFailure"})
    assert pod["status"]["phase"] == "Succeeded"
    assert container(pod)["state"]["terminated"]["reason"] == "Completed"


def test_stay_creating_and_never_ready(server: FakeAPIServer) -> None:
    server.behaviour.pods(image="stuck:*").stay_creating()
    server.behaviour.pods(image="slow:*").never_ready()
    stuck = run_pod(server, "stuck", {"containers": [{"name": "c", "image": "stuck:1"}]})
    assert container(stuck)["state"] == {"waiting": {"reason": "ContainerCreating"}}
    slow = run_pod(server, "slow", {"containers": [{"name": "c", "image": "slow:1"}]})
    assert "running" in container(slow)["state"] and container(slow)["ready"] is False
    assert conditions(slow)["Ready"][:2] == ("False", "ContainersNotReady")
    assert conditions(slow)["ContainersReady"][:2] == ("False", "ContainersNotReady")
    server.clock.advance(3600)
    assert container(get_pod(server, "slow"))["ready"] is False


def test_ready_flaps(server: FakeAPIServer) -> None:
    server.behaviour.pods().become_ready(after=5, ready_for=10, unready_for=3)
    readiness = [container(run_pod(server))["ready"]]
    for seconds in (5, 10, 3, 10):
        server.clock.advance(seconds)
        readiness.append(container(get_pod(server, "web"))["ready"])
    assert readiness == [False, True, False, True, False]


def test_first_matching_rule_wins_per_container(server: FakeAPIServer) -> None:
    server.behaviour.pods(container="sidecar").never_ready()
    server.behaviour.pods().crash()
    spec = {"containers": [{"name": "app", "image": "a:1"}, {"name": "sidecar", "image": "b:1"}]}
    pod = run_pod(server, spec=spec)
    assert container(pod, 0)["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert "running" in container(pod, 1)["state"]


def test_rules_match_owners_up_the_chain() -> None:
    match = PodMatch(owner_kind="Deployment", owner_name="web")
    pod = {"metadata": {"namespace": "default"}}
    assert match.matches_pod(pod, [("ReplicaSet", "web-5d4b"), ("Deployment", "web")])
    assert not match.matches_pod(pod, [("ReplicaSet", "web-5d4b")])


def test_rules_from_yaml() -> None:
    rules = rules_from_yaml(
        """
pods:
  - match: {namespace: shop, labels: "app in (web,api)", image: "nginx:*"}
    crash: {exitCode: 2, after: 5}
  - match: {ownerKind: Job}
    complete: {}
"""
    )
    assert rules == [
        PodRule(PodMatch(namespace="shop", labels="app in (web,api)", image="nginx:*"), crash(2, after=5)),
        PodRule(PodMatch(owner_kind="Job"), crash(0)),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("pods: [{crash: {}, complete: {}}]", "pods[0]: give exactly one course of"),
        ("pods: [{explode: {}}]", "pods[0]: unknown course 'explode'"),
        ("pods: [{match: {colour: red}, crash: {}}]", "pods[0].match: unknown field(s) colour"),
        ("pods: [{crash: {after: soon}}]", "pods[0]: crash.after must be a number, not 'soon'"),
        ("nodes: []", 'a behaviour document is a mapping with one key, "pods"'),
    ],
)
def test_bad_yaml_is_refused_with_where(text: str, message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        rules_from_yaml(text)


def test_rules_end_with_a_reset(server: FakeAPIServer) -> None:
    server.behaviour.pods().crash()
    server.reset()
    assert server.behaviour.rules == []
    assert call(server, "GET", "/api/v1/namespaces/default/pods")["items"] == []
