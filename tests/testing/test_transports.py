"""In-process transports: requests (through responses), pykube-ng, httpx sync and async, all without a socket."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pykube
import pytest
import requests
import responses
from testing_objects import configmap

from fakeapi import FakeAPIServer, ServerConfig
from fakeapi.testing.transports import PYKUBE_TARGET

TIMEOUT = 10.0


def _create_later(server: FakeAPIServer, name: str, started: threading.Event) -> threading.Thread:
    """Create a ConfigMap once ``started`` is set (by a client that is watching by then)."""

    def create() -> None:
        if started.wait(TIMEOUT):
            server.request("POST", "/api/v1/namespaces/default/configmaps", configmap(name))

    thread = threading.Thread(target=create, daemon=True)
    thread.start()
    return thread


# -- FakeAPIServer.request ------------------------------------------------------------------------


def test_server_request_takes_the_query_in_the_path_or_apart(server: FakeAPIServer) -> None:
    for name, level in (("debug-a", "debug"), ("info-b", "info")):
        server.request(
            "POST",
            "/api/v1/namespaces/default/configmaps",
            {**configmap(name), "metadata": {"name": name, "labels": {"level": level}}},
        )
    path = "/api/v1/namespaces/default/configmaps"

    def names(response_body: bytes) -> list[str]:
        return [item["metadata"]["name"] for item in json.loads(response_body)["items"]]

    assert names(server.request("GET", path + "?labelSelector=level%3Ddebug").body) == ["debug-a"]
    assert names(server.request("GET", path, query="labelSelector=level%3Dinfo").body) == ["info-b"]
    # Both at once: one query, as a URL would carry it.
    both = server.request("GET", path + "?labelSelector=level", query="limit=1")
    assert names(both.body) == ["debug-a"]
    assert json.loads(both.body)["metadata"]["continue"]


# -- requests through responses ------------------------------------------------------------------


def test_requests_reach_the_handler_chain_as_the_admin(server: FakeAPIServer) -> None:
    with server.responses_mock():
        created = requests.post(
            server.url + "/api/v1/namespaces/default/configmaps", json=configmap("one", a="1"), timeout=TIMEOUT
        )
        listed = requests.get(server.url + "/api/v1/namespaces/default/configmaps", timeout=TIMEOUT)
        missing = requests.get(server.url + "/api/v1/namespaces/default/configmaps/nope", timeout=TIMEOUT)

    assert created.status_code == 201
    assert created.json()["data"] == {"a": "1"}
    assert "one" in [item["metadata"]["name"] for item in listed.json()["items"]]
    assert missing.status_code == 404
    assert missing.json()["reason"] == "NotFound"
    assert missing.headers["Audit-Id"]
    audit = server.audit_log.assert_requested("create", "configmaps", namespace="default", user_agent="python-requests")
    assert audit[0].user == "kubernetes-admin"
    assert audit[0].object_ref is not None and audit[0].object_ref.name == "one"


def test_a_request_keeps_its_own_credentials(server: FakeAPIServer) -> None:
    with server.responses_mock():
        refused = requests.get(
            server.url + "/api/v1/namespaces", headers={"Authorization": "Bearer not-a-token"}, timeout=TIMEOUT
        )
    assert refused.status_code == 401
    assert server.audit_log.assert_requested("list", "namespaces", code=401)[0].user == ""


def test_only_the_server_url_is_answered(server: FakeAPIServer) -> None:
    with server.responses_mock(), pytest.raises(requests.exceptions.ConnectionError, match="Connection refused"):
        requests.get("https://elsewhere.invalid/api", timeout=TIMEOUT)


def test_a_body_over_the_limit_is_refused_with_413() -> None:
    config = ServerConfig(max_request_body_bytes=1024, bootstrap=False, run_controllers=False)
    with FakeAPIServer(config) as small, small.responses_mock():
        answer = requests.post(
            small.url + "/api/v1/namespaces",
            data=b"x" * 2048,
            headers={"Content-Type": "application/json"},
            timeout=TIMEOUT,
        )
    assert answer.status_code == 413
    assert answer.json()["reason"] == "RequestEntityTooLarge"


def test_head_answers_headers_only(server: FakeAPIServer) -> None:
    with server.responses_mock():
        head = requests.head(server.url + "/api/v1/namespaces", timeout=TIMEOUT)
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["Content-Length"]) > 0


def test_a_requests_watch_streams_line_by_line_until_it_times_out(server: FakeAPIServer) -> None:
    watching = threading.Event()
    creator = _create_later(server, "streamed", watching)
    lines = []
    with server.responses_mock():
        url = server.url + "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=3"
        with requests.get(url, stream=True, timeout=TIMEOUT) as response:
            assert response.status_code == 200
            for line in response.iter_lines():
                lines.append(json.loads(line))
                # Set at the first line: the ADDED of the new object must come while the watch is open.
                watching.set()
    creator.join(TIMEOUT)

    names = [(event["type"], event["object"]["metadata"]["name"]) for event in lines]
    assert ("ADDED", "streamed") in names
    watch = server.audit_log.assert_requested("watch", "configmaps", namespace="default")[0]
    assert watch.stage == "ResponseComplete"
    assert watch.duration is not None and 2.5 < watch.duration < TIMEOUT


def test_a_closed_streaming_response_ends_the_watch(server: FakeAPIServer) -> None:
    with server.responses_mock():
        url = server.url + "/api/v1/namespaces?watch=true"
        with requests.get(url, stream=True, timeout=TIMEOUT) as response:
            next(response.iter_lines())
            assert server.faults.open_watches(resource="namespaces")
    # The handler notices the client left at its next idle check, and the watch is deregistered.
    ended = server.audit_log.wait_for(lambda e: e.stage == "ResponseComplete", TIMEOUT, verb="watch")
    assert ended is not None
    assert not server.faults.open_watches(resource="namespaces")


def test_the_mock_can_be_one_of_the_tests_own(server: FakeAPIServer) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get("https://example.invalid/hello", body="hi")
        server.responses_mock(mock=mock)
        assert requests.get("https://example.invalid/hello", timeout=TIMEOUT).text == "hi"
        assert requests.get(server.url + "/version", timeout=TIMEOUT).json()["gitVersion"] == "v1.37.0"


# -- pykube-ng --------------------------------------------------------------------------------------


@pytest.fixture
def pykube_api(server: FakeAPIServer, tmp_path: Path) -> Iterator[pykube.HTTPClient]:
    """pykube-ng as its users build it, from a kubeconfig; its adapter needs responses' PYKUBE_TARGET."""
    kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
    with server.responses_mock(target=PYKUBE_TARGET):
        yield pykube.HTTPClient(pykube.KubeConfig.from_file(str(kubeconfig)))


def test_pykube_lists_creates_and_reads(server: FakeAPIServer, pykube_api: pykube.HTTPClient) -> None:
    namespaces = {ns.name for ns in pykube.Namespace.objects(pykube_api)}
    assert {"default", "kube-system"} <= namespaces

    pykube.ConfigMap(pykube_api, configmap("from-pykube", data="yes")).create()
    fetched = pykube.ConfigMap.objects(pykube_api, namespace="default").get(name="from-pykube")

    assert fetched.obj["data"] == {"data": "yes"}
    assert pykube_api.version == ("1", "37")
    server.audit_log.assert_requested("create", "configmaps", name="from-pykube", user_agent="pykube-ng")


def test_pykube_watches_until_the_watch_times_out(server: FakeAPIServer, pykube_api: pykube.HTTPClient) -> None:
    watching = threading.Event()
    creator = _create_later(server, "seen-by-pykube", watching)
    query = pykube.ConfigMap.objects(pykube_api, namespace="default").watch(params={"timeoutSeconds": 2})
    seen = []
    for event in query:
        seen.append((event.type, event.object.name))
        watching.set()
    creator.join(TIMEOUT)

    assert ("ADDED", "seen-by-pykube") in seen
    sent = server.watch_events.events("ADDED", "configmaps", name="seen-by-pykube", user_agent="pykube-ng")
    assert len(sent) == 1


# -- httpx ------------------------------------------------------------------------------------------


def test_httpx_client_reaches_the_chain(server: FakeAPIServer) -> None:
    with httpx.Client(transport=server.httpx_transport(), base_url="https://fakeapi", timeout=TIMEOUT) as client:
        created = client.post("/api/v1/namespaces/default/configmaps", json=configmap("from-httpx"))
        fetched = client.get("/api/v1/namespaces/default/configmaps/from-httpx")
        conflict = client.post("/api/v1/namespaces/default/configmaps", json=configmap("from-httpx"))

    assert created.status_code == 201
    assert fetched.json()["metadata"]["uid"] == created.json()["metadata"]["uid"]
    assert conflict.status_code == 409
    assert conflict.json()["message"] == 'configmaps "from-httpx" already exists'
    server.audit_log.assert_requested("create", "configmaps", count=2, user_agent="python-httpx")


def test_httpx_streams_a_watch(server: FakeAPIServer) -> None:
    watching = threading.Event()
    creator = _create_later(server, "httpx-streamed", watching)
    with (
        httpx.Client(transport=server.httpx_transport(), base_url="https://fakeapi", timeout=TIMEOUT) as client,
        client.stream(
            "GET", "/api/v1/namespaces/default/configmaps", params={"watch": "1", "timeoutSeconds": "2"}
        ) as r,
    ):
        events = []
        for line in r.iter_lines():
            events.append(json.loads(line))
            watching.set()
    creator.join(TIMEOUT)
    assert ("ADDED", "httpx-streamed") in [(e["type"], e["object"]["metadata"]["name"]) for e in events]


def test_async_httpx_client(server: FakeAPIServer) -> None:
    async def run() -> tuple[int, list[str]]:
        transport = server.httpx_async_transport()
        async with httpx.AsyncClient(transport=transport, base_url="https://fakeapi", timeout=TIMEOUT) as client:
            created = await client.post("/api/v1/namespaces/default/configmaps", json=configmap("from-async"))
            lines = []
            params = {"watch": "1", "timeoutSeconds": "1"}
            async with client.stream("GET", "/api/v1/namespaces/default/configmaps", params=params) as r:
                async for line in r.aiter_lines():
                    lines.append(json.loads(line)["object"]["metadata"]["name"])
            return created.status_code, lines

    status, names = asyncio.run(asyncio.wait_for(run(), TIMEOUT))
    assert status == 201
    assert "from-async" in names


def test_httpx_read_timeout_is_the_clients(server: FakeAPIServer) -> None:
    server.faults.delay(1.0, verb="get", resource="namespaces", name="default")
    with (
        httpx.Client(transport=server.httpx_transport(), base_url="https://fakeapi", timeout=0.2) as client,
        pytest.raises(httpx.ReadTimeout),
    ):
        client.get("/api/v1/namespaces/default")
