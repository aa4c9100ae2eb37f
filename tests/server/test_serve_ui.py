"""``fakeapi serve --ui``: the live trace viewer's routes, their long poll, and their place behind authentication."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakeapi import FakeAPIServer, ServerConfig
from fakeapi.controllers.manager import without_simulation
from fakeapi.pytest_plugin.kube_tools import kubectl_runner
from fakeapi.testing.trace.live import LiveView

START_TIMEOUT = 30.0
CONFIGMAPS = "/api/v1/namespaces/default/configmaps"


@pytest.fixture(scope="module")
def live_server() -> Iterator[FakeAPIServer]:
    with FakeAPIServer(ServerConfig(controllers=without_simulation())) as server:
        LiveView(server).install()
        yield server


def _configmap(name: str) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}


def test_the_page_and_the_whole_trace(live_server: FakeAPIServer) -> None:
    live_server.request("POST", CONFIGMAPS, _configmap("before-the-page"))

    page = live_server.request("GET", "/ui/")
    assert page.status == 200
    assert ("Content-Type", "text/html; charset=utf-8") in page.headers
    assert b'content="trace"' in page.body  # the page follows /ui/trace
    redirect = live_server.request("GET", "/ui")
    assert (redirect.status, ("Location", "/ui/") in redirect.headers) == (301, True)

    document = live_server.request("GET", "/ui/trace").json()
    assert document["live"] is True
    (cluster,) = document["clusters"]
    assert "before-the-page" in {r["name"] for r in cluster["requests"]}
    assert not [r for r in cluster["requests"] if r["path"].startswith("/ui")]


def test_a_poll_answers_as_soon_as_something_happens(live_server: FakeAPIServer) -> None:
    cursor = live_server.request("GET", "/ui/trace").json()["clusters"][0]["cursor"]
    threading.Timer(0.3, lambda: live_server.request("POST", CONFIGMAPS, _configmap("during-the-poll"))).start()

    started = time.monotonic()
    delta = live_server.request("GET", "/ui/trace", query=f"after={cursor}&timeoutSeconds=20").json()
    assert time.monotonic() - started < 10
    (cluster,) = delta["clusters"]
    assert [(r["verb"], r["name"]) for r in cluster["requests"]] == [("create", "during-the-poll")]
    assert [v["name"] for v in cluster["versions"]] == ["during-the-poll"]


def test_a_poll_with_nothing_new_ends_empty_after_its_timeout(live_server: FakeAPIServer) -> None:
    cursor = live_server.request("GET", "/ui/trace").json()["clusters"][0]["cursor"]
    started = time.monotonic()
    delta = live_server.request("GET", "/ui/trace", query=f"after={cursor}&timeoutSeconds=1").json()
    assert time.monotonic() - started >= 1
    cluster = delta["clusters"][0]
    assert (cluster["requests"], cluster["versions"]) == ([], [])


def test_a_cursor_from_before_a_reset_asks_for_the_whole_trace_again(live_server: FakeAPIServer) -> None:
    for _ in range(3):
        live_server.request("POST", CONFIGMAPS, {**_configmap("x"), "metadata": {"generateName": "x-"}})
    cursor = live_server.request("GET", "/ui/trace").json()["clusters"][0]["cursor"]
    live_server.reset(seed=1)  # the revisions start over

    assert live_server.request("GET", "/ui/trace", query=f"after={cursor}").json() == {"reset": True}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("after=1.2", "invalid after: a cursor has four numbers separated by dots, got '1.2'"),
        ("after=1.2.3.4&timeoutSeconds=soon", 'invalid value for timeoutSeconds: "soon"'),
    ],
)
def test_bad_parameters_are_a_400(live_server: FakeAPIServer, query: str, message: str) -> None:
    response = live_server.request("GET", "/ui/trace", query=query)
    assert response.status == 400
    assert (response.json()["reason"], response.json()["message"]) == ("BadRequest", message)


@pytest.mark.parametrize(("method", "path", "code"), [("POST", "/ui/trace", 405), ("GET", "/ui/nothing", 404)])
def test_other_methods_and_paths(live_server: FakeAPIServer, method: str, path: str, code: int) -> None:
    # GenericAPIServer's non-resource routes answer as go-restful does: 405 for another method, 404 elsewhere.
    response = live_server.request(method, path)
    assert response.status == code
    assert response.json()["kind"] == "Status"


def _serve(tmp_path: Path, *flags: str) -> tuple[subprocess.Popen[str], list[str]]:
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "PYTHONPATH": str(Path.cwd())}
    process = subprocess.Popen(
        [sys.executable, "-m", "fakeapi", "serve", "--port", "0", *flags],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        assert line, f"fakeapi serve ended before it was ready: {lines}"
        lines.append(line.rstrip("\n"))
        if (line.startswith("  export KUBECONFIG=") and "--ui" not in flags) or line.startswith("live view at "):
            return process, lines
    process.kill()
    raise AssertionError(f"fakeapi serve was not ready within {START_TIMEOUT} s: {lines}")


def _get_anonymously(url: str) -> int:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(url, context=context, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.kubectl
@pytest.mark.parametrize("ui", [True, False])
def test_the_command_serves_the_view_behind_authentication_only_with_ui(tmp_path: Path, ui: bool) -> None:
    kubectl = kubectl_runner(tmp_path / "state" / "fakeapi" / "kubeconfig", tmp_path)
    process, lines = _serve(tmp_path, *(["--ui"] if ui else []))
    try:
        url = lines[0].split()[3]
        assert (
            lines[-1] == f"live view at {url}/ui/ (in a browser: kubectl proxy, then http://127.0.0.1:8001/ui/)"
        ) is ui
        # No credentials: 401, as for any other path of the API.
        assert _get_anonymously(f"{url}/ui/") == 401
        raw = kubectl("get", "--raw", "/ui/trace", check=False)
        if ui:
            assert raw.returncode == 0, raw.stderr
            assert json.loads(raw.stdout)["live"] is True
        else:
            assert "the server could not find the requested resource" in raw.stderr
    finally:
        process.kill()
        process.wait()
