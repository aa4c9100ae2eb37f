"""``kubectl exec``, ``kubectl attach`` and the ``kubernetes`` client's ``stream()`` against registered handlers.

Expected answers are upstream's: the exit code travels as the Status of
kubelet/pkg/cri/streaming/remotecommand/exec.go ``ServeExec`` (reason ``NonZeroExitCode``, cause
``ExitCode``), which kubectl prints as ``command terminated with exit code N`` and exits with; a
missing binary fails as containerd reports it (an internal error with the OCI runtime's
``exec: "x": executable file not found in $PATH``); pkg/registry/core/pod/rest/subresources.go
needs ``create`` on the subresource for a WebSocket upgrade too (AuthorizePodWebsocketUpgradeCreatePermission).
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest
from kubernetes import client
from kubernetes.stream import stream

from fakeapi.kubelet.container_runtime import ExecRequest, ExecResult
from fakeapi.pytest_plugin.handle import FakeAPI, FakeAPIServerError
from fakeapi.pytest_plugin.kube_tools import ToolRunner
from tests.kubelet.streams_helpers import run_pod

MISSING_BINARY = (
    r"error: Internal error occurred: error executing command in container: failed to exec in container: "
    r'failed to start exec "[0-9a-f]{64}": OCI runtime exec failed: exec failed: unable to start container '
    r'process: exec: "{name}": executable file not found in \$PATH: unknown\n'
)


def shell(request: ExecRequest) -> ExecResult:
    """A handler that answers ``sh -c 'exit N'`` with output on both streams and the exit code N."""
    script = request.command[-1]
    code = int(script.split()[-1]) if script.startswith("exit ") else 0
    return ExecResult(stdout=f"out of {request.pod_name}/{request.container}\n", stderr="warning\n", exit_code=code)


@pytest.fixture
def spdy_kubectl(kubectl: ToolRunner) -> ToolRunner:
    """kubectl with its WebSocket executor off: exec and attach go over SPDY, as its fallback does."""
    return kubectl.with_env(KUBECTL_REMOTE_COMMAND_WEBSOCKETS="false")


@pytest.mark.parametrize("transport", ["websocket", "spdy"])
@pytest.mark.kubectl
def test_kubectl_exec_stdout_stderr_and_exit_code(
    fakeapi: FakeAPI, kubectl: ToolRunner, spdy_kubectl: ToolRunner, transport: str
) -> None:
    run = kubectl if transport == "websocket" else spdy_kubectl
    fakeapi.containers.pods(name="web").on_exec(shell, command="sh")
    run_pod(kubectl, "web")
    done = run("exec", "web", "--", "sh", "-c", "exit 0")
    assert (done.returncode, done.stdout, done.stderr) == (0, "out of web/web\n", "warning\n")
    failed = run("exec", "web", "--", "sh", "-c", "exit 3", check=False)
    assert (failed.returncode, failed.stdout) == (3, "out of web/web\n")
    assert failed.stderr == "warning\ncommand terminated with exit code 3\n"


@pytest.mark.parametrize("transport", ["websocket", "spdy"])
@pytest.mark.kubectl
def test_kubectl_exec_with_stdin(
    fakeapi: FakeAPI, kubectl: ToolRunner, spdy_kubectl: ToolRunner, transport: str
) -> None:
    run = kubectl if transport == "websocket" else spdy_kubectl
    fakeapi.containers.pods().on_exec(lambda request: request.stdin.read().upper(), command="tr")
    run_pod(kubectl, "web")
    assert run("exec", "-i", "web", "--", "tr", "a-z", "A-Z", input="hello\nworld\n").stdout == "HELLO\nWORLD\n"


@pytest.mark.kubectl
def test_unknown_commands_fail_as_a_missing_binary(fakeapi: FakeAPI, kubectl: ToolRunner) -> None:
    import re

    fakeapi.containers.pods().on_exec(shell, command="sh")
    run_pod(kubectl, "web")
    failed = kubectl("exec", "web", "--", "curl", "localhost", check=False)
    assert failed.returncode == 1
    assert re.fullmatch(MISSING_BINARY.replace("{name}", "curl"), failed.stderr), failed.stderr


@pytest.mark.kubectl
def test_exec_in_a_container_of_several(fakeapi: FakeAPI, kubectl: ToolRunner) -> None:
    fakeapi.containers.pods(container="sidecar").on_exec(shell)
    kubectl("run", "duo", "--image=nginx:1.27", "--overrides", json.dumps(_two_containers()))
    kubectl("wait", "--for=condition=Ready", "pod/duo", "--timeout=30s")
    assert kubectl("exec", "duo", "-c", "sidecar", "--", "sh", "-c", "true").stdout == "out of duo/sidecar\n"
    assert kubectl("exec", "duo", "-c", "duo", "--", "sh", "-c", "true", check=False).returncode == 1


def test_kubernetes_client_stream(fakeapi: FakeAPI, k8s_client: Any) -> None:
    fakeapi.containers.pods(name="web").on_exec(shell, command="sh")
    fakeapi.containers.pods(name="web").on_exec(lambda request: request.stdin.read()[::-1], command="rev")
    core = client.CoreV1Api(k8s_client)
    fakeapi.seed({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}, "spec": _one_container()})
    _wait_ready(fakeapi, "web")
    # Preloaded: everything the command printed, as one string.
    printed = stream(
        core.connect_get_namespaced_pod_exec,
        "web",
        "default",
        command=["sh", "-c", "exit 0"],
        stderr=True,
        stdin=False,
        stdout=True,
        tty=False,
    )
    assert printed == "out of web/web\nwarning\n"
    # Streamed: the two streams apart, and the exit code from the status channel.
    session = stream(
        core.connect_get_namespaced_pod_exec,
        "web",
        "default",
        command=["sh", "-c", "exit 7"],
        stderr=True,
        stdin=False,
        stdout=True,
        tty=False,
        _preload_content=False,
    )
    session.run_forever(timeout=10)
    assert (session.read_stdout(), session.read_stderr(), session.returncode) == ("out of web/web\n", "warning\n", 7)
    # stdin, ended by v5's close signal.
    piped = stream(
        core.connect_get_namespaced_pod_exec,
        "web",
        "default",
        command=["rev"],
        stderr=True,
        stdin=True,
        stdout=True,
        tty=False,
        _preload_content=False,
    )
    piped.write_stdin("stressed")
    piped.close_channel(0)
    piped.run_forever(timeout=10)
    assert (piped.read_stdout(), piped.returncode) == ("desserts", 0)


@pytest.mark.kubectl
def test_kubectl_attach_to_a_handler(fakeapi: FakeAPI, kubectl: ToolRunner) -> None:
    fakeapi.containers.pods(name="web").on_attach(lambda request: ExecResult(stdout="attached\n", exit_code=0))
    run_pod(kubectl, "web")
    assert kubectl("attach", "web").stdout == "attached\n"


@pytest.mark.kubectl
def test_kubectl_attach_streams_what_the_container_prints(fakeapi: FakeAPI, kubectl: ToolRunner) -> None:
    run_pod(kubectl, "web")
    attached = subprocess.Popen(
        kubectl.command("attach", "web"), env=kubectl.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert attached.stdout is not None
        # Lines the container prints once the attach request arrived are streamed to it.
        assert fakeapi.audit.wait_for(resource="pods", subresource="attach", timeout=20) is not None
        fakeapi.containers.log("default", "web", "request 1")
        assert attached.stdout.readline() == "request 1\n"
        fakeapi.containers.log("default", "web", "request 2")
        assert attached.stdout.readline() == "request 2\n"
        kubectl("delete", "pod", "web", "--wait=false")
        assert attached.wait(timeout=20) == 0
    finally:
        attached.kill()


@pytest.mark.fakeapi(authorization_mode="RBAC")
@pytest.mark.kubectl
def test_exec_needs_create_on_pods_exec(fakeapi: FakeAPI, kubectl: ToolRunner) -> None:
    fakeapi.containers.pods().on_exec(shell, command="sh")
    run_pod(kubectl, "web")
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": {"name": "exec-reader", "namespace": "default"},
        "rules": [{"apiGroups": [""], "resources": ["pods", "pods/exec"], "verbs": ["get"]}],
    }
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "bob", "namespace": "default"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "exec-reader"},
        "subjects": [{"kind": "User", "name": "bob", "apiGroup": "rbac.authorization.k8s.io"}],
    }
    fakeapi.seed(role, binding)
    refused = kubectl("exec", "web", "--as=bob", "--", "sh", "-c", "true", check=False)
    assert refused.returncode == 1
    assert 'User "bob" cannot create resource "pods/exec" in API group "" in the namespace "default"' in refused.stderr
    kubectl(
        "patch", "role", "exec-reader", "--type=json", "-p", '[{"op":"add","path":"/rules/0/verbs/-","value":"create"}]'
    )
    assert kubectl("exec", "web", "--as=bob", "--", "sh", "-c", "true").stdout == "out of web/web\n"


def _one_container() -> dict[str, Any]:
    return {"containers": [{"name": "web", "image": "nginx:1.27"}]}


def _two_containers() -> dict[str, Any]:
    containers = [{"name": "duo", "image": "nginx:1.27"}, {"name": "sidecar", "image": "busybox:1.36"}]
    return {"apiVersion": "v1", "spec": {"containers": containers}}


def _wait_ready(fakeapi: FakeAPI, name: str) -> None:
    import time

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        conditions = fakeapi.get("v1", "Pod", name).get("status", {}).get("conditions") or []
        if any(c["type"] == "Ready" and c["status"] == "True" for c in conditions):
            return
        time.sleep(0.05)
    raise AssertionError(f"pod {name} never became Ready")


@pytest.mark.kubectl
def test_a_handler_that_raises_fails_the_exec_and_the_test(fakeapi: FakeAPI, kubectl: ToolRunner) -> None:
    def broken(request: ExecRequest) -> str:
        raise ValueError("the handler has a bug")

    fakeapi.containers.pods().on_exec(broken)
    run_pod(kubectl, "web")
    failed = kubectl("exec", "web", "--", "anything", check=False)
    assert (failed.returncode, failed.stderr) == (
        1,
        "error: Internal error occurred: error executing command in container: the handler has a bug\n",
    )
    # The server keeps the exception for the test: the fixture's check would fail the test with it.
    with pytest.raises(FakeAPIServerError) as raised:
        fakeapi.check()
    assert isinstance(raised.value.__cause__, ValueError)
