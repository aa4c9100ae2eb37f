"""How to make the cluster misbehave on purpose: pods that cannot pull their image, crash-loop, never
turn ready, and time moved forward to see what a real cluster does after minutes or hours.

``fakeapi.behaviour.pods(...)`` adds a rule for the containers it matches (namespace, labels,
owner, container name, image); ``fakeapi.clock.advance(...)`` moves the server clock and runs
what became due on the way. The marker's ``freeze`` holds the clock still until the test moves it.

Messages are upstream's: kubectl's rollout status (kubectl/pkg/polymorphichelpers/rollout_status.go:
``deployment "web" exceeded its progress deadline``), the Deployment controller's condition
(pkg/controller/deployment/util/deployment_util.go: ``ProgressDeadlineExceeded``, ``ReplicaSet "..." has
timed out progressing.``), the kubelet's waiting reasons (pkg/kubelet/images, pkg/kubelet/kuberuntime).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fakeapi.pytest_plugin.plugin import FakeAPI

pytestmark = pytest.mark.kubectl

Tool = Callable[..., subprocess.CompletedProcess[str]]
FROZEN = pytest.mark.fakeapi(freeze="2030-01-02T00:00:00Z")


def _pods(kubectl: Tool, selector: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(kubectl("get", "pods", "-l", selector, "-o", "json").stdout)["items"]
    return items


@FROZEN
def test_an_unpullable_image_fails_the_rollout(fakeapi: FakeAPI, kubectl: Tool) -> None:
    fakeapi.behaviour.pods(image="registry.example/web:*").fail_image_pull()
    kubectl("create", "deployment", "web", "--image=registry.example/web:2.0")

    # kubectl's own timeout runs on real time: the rollout does not finish.
    waited = kubectl("rollout", "status", "deployment/web", "--timeout=1s", check=False)
    assert waited.returncode == 1
    assert "error: timed out waiting for the condition" in waited.stderr

    listed = kubectl("get", "pods", "-l", "app=web").stdout.splitlines()
    assert listed[1].split()[1:4] == ["0/1", "ImagePullBackOff", "0"]

    # Ten minutes later (progressDeadlineSeconds: 600) the Deployment controller gives up.
    fakeapi.clock.advance(601)
    failed = kubectl("rollout", "status", "deployment/web", "--timeout=10s", check=False)
    assert failed.returncode == 1
    assert failed.stderr.strip() == 'error: deployment "web" exceeded its progress deadline'
    progressing = next(
        c for c in fakeapi.get("apps/v1", "Deployment", "web")["status"]["conditions"] if c["type"] == "Progressing"
    )
    assert (progressing["status"], progressing["reason"]) == ("False", "ProgressDeadlineExceeded")
    (pod,) = _pods(kubectl, "app=web")
    waiting = pod["status"]["containerStatuses"][0]["state"]["waiting"]
    assert waiting["message"].startswith(
        'Back-off pulling image "registry.example/web:2.0": ErrImagePull: rpc error: code = NotFound'
    )


@FROZEN
def test_a_crashing_container_loops_with_rising_restarts(fakeapi: FakeAPI, kubectl: Tool) -> None:
    fakeapi.behaviour.pods(labels="app=worker").crash(exit_code=2, after=30, logs="panic: no database\n")
    kubectl("create", "deployment", "worker", "--image=busybox:1.36")
    kubectl("rollout", "status", "deployment/worker", "--timeout=10s")  # running (and ready) for 30 s

    # It exits 30 s after each start: restarted at once the first time, then after a back-off of 10 s, 20 s...
    seen = []
    for seconds in (31, 30, 10, 30, 20, 30):
        fakeapi.clock.advance(seconds)
        row = kubectl("get", "pods", "-l", "app=worker", "--no-headers").stdout.split()
        seen.append((row[2], row[3]))
    assert seen == [
        ("Running", "1"),
        ("CrashLoopBackOff", "1"),
        ("Running", "2"),
        ("CrashLoopBackOff", "2"),
        ("Running", "3"),
        ("CrashLoopBackOff", "3"),
    ]
    (pod,) = _pods(kubectl, "app=worker")
    status = pod["status"]["containerStatuses"][0]
    last = status["lastState"]["terminated"]
    assert (last["exitCode"], last["reason"], last["finishedAt"]) == (2, "Error", "2030-01-02T00:02:30Z")
    assert status["state"]["waiting"]["message"].startswith("back-off 40s restarting failed container=busybox pod=")


@FROZEN
def test_helm_install_wait_times_out_on_an_unpullable_image(fakeapi: FakeAPI, helm: Tool, tmp_path: Path) -> None:
    chart = tmp_path / "web"
    helm("create", str(chart))
    fakeapi.behaviour.pods(image="nginx:*").fail_image_pull()

    installed = helm("install", "web", str(chart), "--wait", "--timeout=2s", check=False)
    assert installed.returncode == 1
    assert "context deadline exceeded" in installed.stderr
    release = json.loads(helm("status", "web", "-o", "json").stdout)
    assert release["info"]["status"] == "failed"
