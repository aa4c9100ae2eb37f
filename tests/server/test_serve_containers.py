"""``fakeapi serve --behaviour FILE`` with a ``containers`` section: output, exec answers and port-forward targets."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import pytest

from fakeapi.pytest_plugin.kube_tools import kubectl_runner
from tests.kubelet.streams_helpers import echo_server
from tests.server.test_serve_behaviour import START_TIMEOUT, _serve

RULES = """
pods:
  - match: {labels: "run=flaky"}
    crash: {exitCode: 2, logs: "panic: out of cheese\\n"}
containers:
  - match: {name: "web"}
    output: "listening on :80\\n"
  - match: {name: "web"}
    exec: {command: check, stderr: "down\\n", exitCode: 4}
  - match: {name: "web"}
    portForward: {port: 80, address: "127.0.0.1:%d"}
"""


@pytest.mark.kubectl
def test_container_rules_from_the_file(tmp_path: Path) -> None:
    kubectl = kubectl_runner(tmp_path / "state" / "fakeapi" / "kubeconfig", tmp_path)
    with echo_server() as (_, echo_port):
        rules = tmp_path / "behaviour.yaml"
        rules.write_text(RULES % echo_port)
        process = _serve(tmp_path, "--behaviour", str(rules))
        try:
            assert process.stdout is not None
            deadline = time.monotonic() + START_TIMEOUT
            while not process.stdout.readline().startswith("  export KUBECONFIG="):
                assert time.monotonic() < deadline and process.poll() is None, process.stderr
            kubectl("run", "web", "--image=nginx:1.27")
            kubectl("run", "flaky", "--image=busybox:1.36")
            kubectl("wait", "--for=condition=Ready", "pod/web", "--timeout=30s")
            assert kubectl("logs", "web").stdout == "listening on :80\n"
            checked = kubectl("exec", "web", "--", "check", check=False)
            assert (checked.returncode, checked.stderr) == (4, "down\ncommand terminated with exit code 4\n")
            # The crashing pod restarts on its own; then its previous run's log is the rule's.
            deadline = time.monotonic() + START_TIMEOUT
            while kubectl("logs", "flaky", "--previous", check=False).stdout != "panic: out of cheese\n":
                assert time.monotonic() < deadline
                time.sleep(0.1)
            forwarding = subprocess.Popen(
                kubectl.command("port-forward", "pod/web", ":80"), env=kubectl.env, stdout=subprocess.PIPE, text=True
            )
            try:
                assert forwarding.stdout is not None
                local = int(forwarding.stdout.readline().split(":")[1].split()[0])
                with socket.create_connection(("127.0.0.1", local), timeout=10) as connection:
                    connection.sendall(b"hi")
                    assert connection.recv(100) == b"echo:hi"
            finally:
                forwarding.terminate()
                forwarding.wait(10)
        finally:
            process.terminate()
            process.wait(10)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("containers: [{match: {colour: red}, output: hi}]", "containers[0]: match: unknown field(s) colour"),
        ("containers: [{output: hi, exec: {}}]", "containers[0]: give exactly one action of output, exec, portForward"),
        ("containers: [{portForward: {address: nowhere}}]", 'containers[0]: portForward.address must be "host:port"'),
        ("containers: {}", '"containers" is a list of rules'),
    ],
)
def test_a_bad_containers_section_is_refused(tmp_path: Path, text: str, message: str) -> None:
    rules = tmp_path / "behaviour.yaml"
    rules.write_text(text)
    process = _serve(tmp_path, "--behaviour", str(rules))
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    assert stderr.startswith(f"fakeapi: --behaviour {rules}: {message}"), stderr
