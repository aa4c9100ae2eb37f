"""``fakeapi serve --behaviour FILE``: pod rules from YAML for a server that a test outside Python drives."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fakeapi.pytest_plugin.kube_tools import kubectl_runner

START_TIMEOUT = 30.0
RULES = """
pods:
  - match: {image: "registry.example/*"}
    failImagePull: {}
  - match: {labels: "app=flaky"}
    crash: {exitCode: 2}
"""


def _serve(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "PYTHONPATH": str(Path.cwd())}
    return subprocess.Popen(
        [sys.executable, "-m", "fakeapi", "serve", "--port", "0", *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.kubectl
def test_rules_from_the_file_apply_to_pods(tmp_path: Path) -> None:
    kubectl = kubectl_runner(tmp_path / "state" / "fakeapi" / "kubeconfig", tmp_path)
    rules = tmp_path / "behaviour.yaml"
    rules.write_text(RULES)
    process = _serve(tmp_path, "--behaviour", str(rules))
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT
        while not process.stdout.readline().startswith("  export KUBECONFIG="):
            assert time.monotonic() < deadline and process.poll() is None, process.stderr
        kubectl("run", "private", "--image=registry.example/app:1")
        kubectl("run", "flaky", "--image=busybox:1.36", "--labels=app=flaky")
        kubectl("run", "fine", "--image=busybox:1.36")
        kubectl("wait", "--for=condition=Ready", "pod/fine", "--timeout=30s")
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            pods = json.loads(kubectl("get", "pods", "-o", "json").stdout)["items"]
            reasons = {
                p["metadata"]["name"]: ((p["status"].get("containerStatuses") or [{}])[0].get("state") or {})
                for p in pods
            }
            waiting = {name: (state.get("waiting") or {}).get("reason") for name, state in reasons.items()}
            if waiting == {"private": "ImagePullBackOff", "flaky": "CrashLoopBackOff", "fine": None}:
                break
            assert time.monotonic() < deadline, waiting
            time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("pods: [{explode: {}}]", "pods[0]: unknown course 'explode'"),
        ("pods: [", "invalid YAML"),
    ],
)
def test_a_bad_file_is_refused_before_serving(tmp_path: Path, text: str, message: str) -> None:
    rules = tmp_path / "behaviour.yaml"
    rules.write_text(text)
    process = _serve(tmp_path, "--behaviour", str(rules))
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    assert stderr.startswith(f"fakeapi: --behaviour {rules}: {message}")
