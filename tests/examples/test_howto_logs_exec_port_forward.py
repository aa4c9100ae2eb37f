"""How to test code that reads pod logs, execs into containers and forwards ports.

fakeapi runs no containers; ``fakeapi.containers`` says what they print and answer:

- ``fakeapi.containers.pods(...).output(text)``: what matching containers print when they start
  (every restart again, so ``--previous`` works); ``fakeapi.containers.log(ns, pod, text)``
  appends lines now (followers see them at once). A crash rule's ``logs`` (``fakeapi.behaviour``)
  is what the crashed run printed.
- ``fakeapi.containers.pods(...).on_exec(handler, command="pg_isready")``: ``handler(request)`` gets
  the pod, container, command and stdin and returns stdout (or an ``ExecResult`` with stderr
  and an exit code); a command no handler takes fails as a missing binary does.
- ``fakeapi.containers.pods(...).port_forward(("127.0.0.1", port), port=5432)`` or a callable.

``pods(...)`` matches as the pod rules do (namespace, labels, owners, container, image) and by
pod ``name`` (a shell pattern). Rules and logs end with the test.
"""

from __future__ import annotations

import socket
import subprocess
import time

import pytest
from kubernetes import client
from kubernetes.stream import stream

from fakeapi.kubelet.container_runtime import ExecRequest, ExecResult, ForwardedConnection
from fakeapi.pytest_plugin.kube_tools import ToolRunner
from fakeapi.pytest_plugin.plugin import FakeAPI

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "db-0", "labels": {"app": "db"}},
    "spec": {"containers": [{"name": "postgres", "image": "postgres:16"}]},
}


# -- the code under test ------------------------------------------------------------------------


def recent_errors(api: client.CoreV1Api, pod: str) -> list[str]:
    """The ERROR lines among the last 100 lines the pod printed."""
    text = api.read_namespaced_pod_log(pod, "default", tail_lines=100)
    return [line for line in text.splitlines() if "ERROR" in line]


def database_ready(api: client.CoreV1Api, pod: str) -> bool:
    """Ask the database itself, as an operator would: ``pg_isready`` exits 0 once it accepts connections."""
    session = stream(
        api.connect_get_namespaced_pod_exec,
        pod,
        "default",
        command=["pg_isready", "-q"],
        stdout=True,
        stderr=True,
        stdin=False,
        tty=False,
        _preload_content=False,
    )
    session.run_forever(timeout=10)
    return session.returncode == 0


# -- the tests -----------------------------------------------------------------------------------


def wait_running(fakeapi: FakeAPI, name: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        statuses = fakeapi.get("v1", "Pod", name).get("status", {}).get("containerStatuses") or []
        if statuses and "running" in (statuses[0].get("state") or {}):
            return
        time.sleep(0.05)
    raise AssertionError(f"{name} never ran")


def test_reading_logs(fakeapi: FakeAPI) -> None:
    fakeapi.containers.pods(labels={"app": "db"}).output("LOG: starting\nERROR: disk 91% full\n")
    fakeapi.seed(POD)
    wait_running(fakeapi, "db-0")
    fakeapi.containers.log("default", "db-0", "ERROR: checkpoint took 40 s")
    api = client.CoreV1Api(fakeapi.api_client())
    assert recent_errors(api, "db-0") == ["ERROR: disk 91% full", "ERROR: checkpoint took 40 s"]


def test_exec_with_an_exit_code(fakeapi: FakeAPI) -> None:
    answers = iter([2, 0])  # not ready yet, then ready

    def pg_isready(request: ExecRequest) -> ExecResult:
        assert request.container == "postgres" and request.command == ("pg_isready", "-q")
        return ExecResult(exit_code=next(answers))

    fakeapi.containers.pods(name="db-*").on_exec(pg_isready, command="pg_isready")
    fakeapi.seed(POD)
    wait_running(fakeapi, "db-0")
    api = client.CoreV1Api(fakeapi.api_client())
    assert database_ready(api, "db-0") is False
    assert database_ready(api, "db-0") is True


@pytest.mark.kubectl
def test_port_forward_with_kubectl(fakeapi: FakeAPI, kubectl: ToolRunner) -> None:
    """``kubectl port-forward`` to a pod whose port 5432 a callable serves (a local server works too)."""

    def fake_postgres(connection: ForwardedConnection) -> None:
        connection.recv(8)  # an SSLRequest...
        connection.sendall(b"N")  # ...which this postgres refuses

    fakeapi.containers.pods(name="db-0").port_forward(fake_postgres, port=5432)
    fakeapi.seed(POD)
    wait_running(fakeapi, "db-0")
    # port-forward runs until it is stopped: the test starts it itself, with the fixture's command and environment.
    forwarding = subprocess.Popen(
        kubectl.command("port-forward", "pod/db-0", ":5432"), env=kubectl.env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert forwarding.stdout is not None
        local_port = int(forwarding.stdout.readline().split(":")[1].split()[0])
        with socket.create_connection(("127.0.0.1", local_port), timeout=10) as connection:
            connection.sendall(b"\x00\x00\x00\x08\x04\xd2\x16\x2f")  # SSLRequest
            assert connection.recv(1) == b"N"
    finally:
        forwarding.terminate()
        forwarding.wait(timeout=10)
