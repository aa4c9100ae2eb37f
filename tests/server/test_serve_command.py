"""``fakeapi serve`` as a user runs it: where the kubeconfig goes, and a prompt exit on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# The command ends without tearing the interpreter down, in a few milliseconds; the teardown took
# 0.3-1.3 s after "fakeapi stopped" once a client had connected.
PROMPT_EXIT_SECONDS = 0.5
START_TIMEOUT = 30.0


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """``python -m fakeapi serve --port 0`` in an empty working directory, with its state directory under tmp_path."""
    workdir = tmp_path / "project"
    workdir.mkdir()
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "PYTHONPATH": str(Path.cwd())}
    process = subprocess.Popen(
        [sys.executable, "-m", "fakeapi", "serve", "--port", "0"],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    yield process
    if process.poll() is None:
        process.kill()
        process.wait()


def _lines_until_ready(process: subprocess.Popen[str]) -> list[str]:
    assert process.stdout is not None
    lines = []
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        assert line, f"fakeapi serve ended before it was ready: {lines}"
        lines.append(line.rstrip("\n"))
        if line.startswith("  export KUBECONFIG="):
            return lines
    raise AssertionError(f"fakeapi serve was not ready within {START_TIMEOUT} s: {lines}")


def test_the_kubeconfig_goes_to_the_state_directory_not_the_working_directory(
    serving: subprocess.Popen[str], tmp_path: Path
) -> None:
    lines = _lines_until_ready(serving)

    kubeconfig = tmp_path / "state" / "fakeapi" / "kubeconfig"
    assert lines[-1] == f"  export KUBECONFIG={kubeconfig}"
    assert kubeconfig.stat().st_mode & 0o777 == 0o600
    assert list((tmp_path / "project").iterdir()) == []


def test_sigterm_stops_it_promptly_with_a_client_connected(serving: subprocess.Popen[str]) -> None:
    from kubernetes import client, config

    kubeconfig = _lines_until_ready(serving)[-1].removeprefix("  export KUBECONFIG=")
    assert serving.stdout is not None
    with config.new_client_from_config(config_file=kubeconfig) as api_client:
        client.CoreV1Api(api_client).list_namespace()  # its connection stays open (keep-alive) until the stop

        sent = time.monotonic()
        serving.send_signal(signal.SIGTERM)
        assert serving.stdout.readline() == "fakeapi stopped\n"
        serving.wait(timeout=10)
        took = time.monotonic() - sent

    assert serving.returncode == 0
    assert took < PROMPT_EXIT_SECONDS, f"exited {took:.2f} s after SIGTERM"
