"""Denial-of-service inputs and connection abuse over real HTTPS (issue #14): each answered as upstream, fast.

Every test here reproduces one defect the issue found against ``fakeapi serve`` and fails if
its fix is reverted: YAML alias bombs (go-yaml's excessive-aliasing limit), JSON nested past
any decoder's depth, the deprecated ``/watch/`` routes under other methods, a negative watch
timeout, a client dribbling its headers (net/http's ReadHeaderTimeout), connections past the
server's bound, the max-in-flight filter's 429, and a corpus of methods, header sizes and
request lines that must each be answered with a Status. Requests are written byte by byte on
TLS sockets, so nothing a client library would normalise is lost.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from crd_manifests import crd_manifest

from fakeapi.certs.pki import KeyPair
from fakeapi.certs.tls import client_ssl_context
from fakeapi.server.instance import FakeAPIServer, ServerConfig

SOCKET_TIMEOUT = 15.0
CM_PATH = "/api/v1/namespaces/default/configmaps"
BOMBS_PATH = "/apis/example.com/v1/namespaces/default/bombs"
# go-yaml's error (gopkg.in/yaml.v2 decode.go, the CVE-2019-11253 fix), as kube-apiserver passes it on.
EXCESSIVE_ALIASING = "yaml: document contains excessive aliasing"
# Go's encoding/json scanner past its maxNestingDepth.
EXCEEDED_MAX_DEPTH = "exceeded max depth"


def alias_bomb(kind_line: str = "apiVersion: example.com/v1\nkind: Bomb\n") -> bytes:
    """Seven levels of nine aliases each (9**7 leaves, ~4.8 million strings) in under 500 bytes."""
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdef", "bcdefg", strict=True):
        levels.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return (kind_line + "metadata:\n  name: bomb\nspec:\n" + "".join(f"  {line}\n" for line in levels)).encode()


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def status_object(self) -> dict[str, Any]:
        """The body as a metav1.Status whose code is the HTTP status (fails the test otherwise)."""
        assert self.headers.get("Content-Type") == "application/json", (self.status, self.body[:200])
        status: dict[str, Any] = json.loads(self.body)
        assert (status["kind"], status["apiVersion"], status["status"]) == ("Status", "v1", "Failure")
        assert status["code"] == self.status
        return status


class RawClient:
    """TLS sockets to one server, with a client certificate, writing requests as given."""

    def __init__(self, server: FakeAPIServer, cert: KeyPair | None = None) -> None:
        self.server = server
        self.context: ssl.SSLContext = client_ssl_context(server.ca.cert_pem, cert or server.admin_cert)

    def connect(self, timeout: float = SOCKET_TIMEOUT) -> ssl.SSLSocket:
        raw = socket.create_connection((self.server.config.host, self.server.port), timeout=timeout)
        return self.context.wrap_socket(raw, server_hostname=self.server.config.host)

    def exchange(self, head: bytes, body: bytes = b"", sock: ssl.SSLSocket | None = None) -> Answer:
        """Send ``head`` (the request line and headers, without the blank line) and ``body``; read one answer."""
        own = sock is None
        conn = self.connect() if sock is None else sock
        try:
            conn.sendall(head + b"\r\n\r\n" + body)
            return read_answer(conn, head.split(b" ", 1)[0].decode("latin-1"))
        finally:
            if own:
                conn.close()

    def request(
        self, method: str, path: str, body: bytes = b"", content_type: str = "application/json", **headers: str
    ) -> Answer:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.server.config.host}", "Accept: application/json"]
        lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
        if body:
            lines += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
        return self.exchange("\r\n".join(lines).encode("latin-1"), body)


def read_answer(sock: ssl.SSLSocket, method: str = "GET") -> Answer:
    response = http.client.HTTPResponse(sock, method=method)  # type: ignore[arg-type]  # reads sock.makefile()
    response.begin()
    return Answer(response.status, response.headers, response.read())


def rss_bytes() -> int:
    """This process's resident set (the in-process server's memory included)."""
    with open("/proc/self/status") as status:
        match = re.search(r"^VmRSS:\s+(\d+) kB", status.read(), re.MULTILINE)
    assert match is not None
    return int(match.group(1)) * 1024


def closed_by_peer(sock: ssl.SSLSocket) -> bool:
    """Whether the server has cut the connection (a read ends or fails instead of timing out)."""
    try:
        return sock.recv(1) == b""
    except (ConnectionError, ssl.SSLError):
        return True
    except TimeoutError:
        return False


@pytest.fixture(scope="module")
def server() -> Iterator[FakeAPIServer]:
    with FakeAPIServer(ServerConfig(read_header_timeout_seconds=1.0)) as running:
        created = running.request(
            "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd_manifest("Bomb")
        )
        assert created.status == 201, created.body
        deadline = time.monotonic() + 10
        while running.request("GET", BOMBS_PATH).status != 200:
            assert time.monotonic() < deadline, "the Bomb resource was never served"
            time.sleep(0.05)
        yield running


@pytest.fixture
def client(server: FakeAPIServer) -> Iterator[RawClient]:
    yield RawClient(server)
    # Whatever a test sent, the server answered for itself: nothing unexpected failed in its threads.
    assert server.errors == []
    assert client_serves(RawClient(server))


def client_serves(client: RawClient) -> bool:
    return client.request("GET", "/api/v1/namespaces/default").status == 200


# -- bodies ---------------------------------------------------------------------------------------


def test_yaml_alias_bomb_body_is_refused_quickly_without_growing(client: RawClient) -> None:
    bomb = alias_bomb()
    assert len(bomb) < 500
    before = rss_bytes()
    started = time.monotonic()
    answer = client.request("POST", BOMBS_PATH, bomb, content_type="application/yaml")
    elapsed = time.monotonic() - started
    assert answer.status == 400, answer.body[:300]
    assert answer.status_object()["message"] == EXCESSIVE_ALIASING
    # Expanded, the document is ~150 MB of objects and takes seconds to build.
    assert elapsed < 2.0
    assert rss_bytes() - before < 20 * 1024 * 1024
    assert client.server.request("GET", BOMBS_PATH).json()["items"] == []


def test_yaml_alias_bomb_apply_patch_is_refused(client: RawClient) -> None:
    before = rss_bytes()
    started = time.monotonic()
    answer = client.request(
        "PATCH", f"{BOMBS_PATH}/bomb?fieldManager=test", alias_bomb(), content_type="application/apply-patch+yaml"
    )
    assert answer.status == 400, answer.body[:300]
    # fieldmanager's applyPatcher: yaml.Unmarshal's error behind "error decoding YAML".
    assert EXCESSIVE_ALIASING.removeprefix("yaml: ") in answer.status_object()["message"]
    assert time.monotonic() - started < 2.0
    assert rss_bytes() - before < 20 * 1024 * 1024


def test_yaml_with_a_few_shared_anchors_is_still_accepted(client: RawClient) -> None:
    """go-yaml counts aliasing only past 100 aliased nodes: ordinary anchors keep working."""
    body = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: anchors\n  labels: &l {a: b}\n  annotations: *l\n"
    answer = client.request("POST", CM_PATH, body, content_type="application/yaml")
    assert answer.status == 201, answer.body[:300]
    assert json.loads(answer.body)["metadata"]["annotations"] == {"a": "b"}
    assert client.request("DELETE", f"{CM_PATH}/anchors").status == 200


@pytest.mark.parametrize(
    ("method", "path", "content_type"),
    [
        ("POST", CM_PATH, "application/json"),
        ("PATCH", f"{CM_PATH}/kube-root-ca.crt", "application/merge-patch+json"),
        ("PATCH", f"{CM_PATH}/kube-root-ca.crt", "application/strategic-merge-patch+json"),
        ("PATCH", f"{CM_PATH}/kube-root-ca.crt", "application/json-patch+json"),
    ],
)
def test_deeply_nested_json_is_bad_request(client: RawClient, method: str, path: str, content_type: str) -> None:
    depth = 100_000
    answer = client.request(method, path, b"[" * depth + b"]" * depth, content_type=content_type)
    assert answer.status == 400, answer.body[:300]
    assert EXCEEDED_MAX_DEPTH in answer.status_object()["message"]


def test_deeply_nested_json_inside_an_object_is_bad_request(client: RawClient) -> None:
    depth = 100_000
    body = b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"x":' + b"[" * depth + b"]" * depth + b"}"
    answer = client.request("POST", CM_PATH, body)
    assert answer.status == 400, answer.body[:300]
    assert EXCEEDED_MAX_DEPTH in answer.status_object()["message"]


# -- watches ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_deprecated_watch_path_allows_get_only(client: RawClient, method: str) -> None:
    """installer.go registers the /watch/ routes for GET; go-restful's 405 becomes a Status (handler.go)."""
    started = time.monotonic()
    answer = client.request(method, "/api/v1/watch/namespaces/default/configmaps", b"{}")
    assert time.monotonic() - started < 5.0
    status = answer.status_object()
    assert (status["code"], status["reason"]) == (405, "MethodNotAllowed")
    assert status["message"] == "the server does not allow this method on the requested resource"


def test_deprecated_watch_path_still_watches_with_get(client: RawClient) -> None:
    answer = client.request("GET", "/api/v1/watch/namespaces/default/configmaps?timeoutSeconds=1")
    assert answer.status == 200
    assert b'"ADDED"' in answer.body  # the initial events, then the stream ends at its timeout


@pytest.mark.parametrize("path", [f"{CM_PATH}?watch=true", "/api/v1/watch/namespaces/default/configmaps?"])
def test_negative_timeout_ends_the_watch_at_once(client: RawClient, path: str) -> None:
    """handlers/get.go takes the default only for a zero timeout; a negative one expires at once."""
    started = time.monotonic()
    answer = client.request("GET", f"{path}&timeoutSeconds=-1&resourceVersion=0")
    assert answer.status == 200
    assert time.monotonic() - started < 3.0


# -- slow clients and connection bounds -----------------------------------------------------------------


def test_header_dribbling_client_is_cut_after_the_deadline(client: RawClient) -> None:
    """ReadHeaderTimeout (1 s here): header lines every 0.3 s never finish a head; others are served meanwhile."""
    slow = client.connect(timeout=0.3)
    started = time.monotonic()
    slow.sendall(b"GET /version HTTP/1.1\r\n")
    cut = False
    for i in range(20):
        try:
            slow.sendall(f"X-Dribble-{i}: x\r\n".encode())
        except (ConnectionError, ssl.SSLError):
            cut = True
            break
        if closed_by_peer(slow):
            cut = True
            break
        assert client_serves(client)
    elapsed = time.monotonic() - started
    slow.close()
    assert cut, "the dribbling client was never cut off"
    assert 0.9 < elapsed < 3.0


def test_silent_connection_is_cut_after_the_deadline(client: RawClient) -> None:
    """The first request's deadline runs from the handshake: a client that sends nothing holds no thread."""
    silent = client.connect(timeout=3.0)
    started = time.monotonic()
    assert closed_by_peer(silent)
    assert 0.9 < time.monotonic() - started < 2.5
    silent.close()


def test_slow_head_within_the_deadline_is_served(client: RawClient) -> None:
    sock = client.connect()
    try:
        sock.sendall(b"GET /version HTTP/1.1\r\n")
        time.sleep(0.4)
        sock.sendall(f"Host: {client.server.config.host}\r\n".encode())
        time.sleep(0.4)
        sock.sendall(b"Accept: application/json\r\n\r\n")
        assert read_answer(sock).status == 200
        # On a kept-alive connection the deadline restarts with the next request's first byte.
        time.sleep(1.2)
        answer = client.exchange(f"GET /version HTTP/1.1\r\nHost: {client.server.config.host}".encode(), sock=sock)
        assert answer.status == 200
    finally:
        sock.close()


def test_connections_past_the_bound_wait_and_are_served_when_one_closes() -> None:
    with FakeAPIServer(ServerConfig(max_connections=4, run_controllers=False)) as server:
        client = RawClient(server)
        head = f"GET /version HTTP/1.1\r\nHost: {server.config.host}".encode()
        held = [client.connect() for _ in range(4)]
        for sock in held:
            assert client.exchange(head, sock=sock).status == 200  # accepted, kept alive
        answers: list[int] = []

        def fifth() -> None:
            answers.append(client.exchange(head).status)

        waiting = threading.Thread(target=fifth, daemon=True)
        waiting.start()
        waiting.join(1.0)
        assert waiting.is_alive() and answers == [], "a fifth connection was served past max_connections=4"
        held.pop().close()
        waiting.join(5.0)
        assert answers == [200]
        for sock in held:
            sock.close()
        assert server.errors == []


def test_max_in_flight_answers_429_to_ordinary_users_only() -> None:
    """maxinflight.go: a spent budget is a plain-text 429 with Retry-After, except for system:masters."""
    config = ServerConfig(max_requests_inflight=1, max_mutating_requests_inflight=1, run_controllers=False)
    with FakeAPIServer(config) as server:
        alice = RawClient(server, server.rotation.issue_client_cert("alice", ["devs"]))
        admin = RawClient(server)
        server.faults.delay(2.0, verb="list", resource="configmaps")
        slow_answer: list[int] = []
        slow = threading.Thread(target=lambda: slow_answer.append(alice.request("GET", CM_PATH).status))
        slow.start()
        deadline = time.monotonic() + 5
        while server.faults.rules:  # the delay rule expires once the slow list holds the read-only slot
            assert time.monotonic() < deadline
            time.sleep(0.01)
        refused = alice.request("GET", "/api/v1/namespaces/default")
        assert refused.status == 429
        assert refused.headers["Retry-After"] == "1"
        assert refused.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert refused.body == b"Too many requests, please try again later.\n"
        # The mutating budget is separate; a system:masters user always gets an answer.
        body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "write"}}).encode()
        assert alice.request("POST", CM_PATH, body).status == 201
        assert admin.request("GET", "/api/v1/namespaces/default").status == 200
        slow.join(10)
        assert slow_answer == [200]
        assert alice.request("GET", "/api/v1/namespaces/default").status == 200
        assert server.errors == []


# -- a Status for every head --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "BREW", "OPTIONS"])
@pytest.mark.parametrize(
    ("path", "code"),
    [
        # go-restful matches the path but no route for the method: 405 (APIServerHandler's serviceErrorHandler).
        (CM_PATH, 405),
        ("/version", 405),
        # No route for the path: 404 whatever the method (go-restful, then the non-go-restful mux).
        ("/version/nope", 404),
        ("/nope", 404),
    ],
)
def test_unknown_methods_get_a_status(client: RawClient, method: str, path: str, code: int) -> None:
    answer = client.request(method, path)
    assert answer.status_object()["code"] == code


def test_150_headers_are_accepted(client: RawClient) -> None:
    """net/http has no limit on the number of headers, only on their size."""
    headers = {f"X_Extra_{i}": "v" for i in range(150)}
    assert client.request("GET", "/version", **headers).status == 200


def test_headers_over_1_mib_are_431(client: RawClient) -> None:
    headers = {f"X_Big_{i}": "v" * 8000 for i in range(256)}  # 2 MiB
    status = client.request("GET", "/version", **headers).status_object()
    assert (status["code"], status["reason"]) == (431, "RequestHeaderFieldsTooLarge")


def test_headers_just_under_1_mib_are_accepted(client: RawClient) -> None:
    headers = {f"X_Big_{i}": "v" * 8000 for i in range(127)}
    assert client.request("GET", "/version", **headers).status == 200


def test_request_line_over_64_kib_is_accepted(client: RawClient) -> None:
    """Go reads the request line under the same 1 MiB budget as the headers; there is no 414 of its own."""
    assert client.request("GET", "/version?pad=" + "x" * 100_000).status == 200


def test_request_line_over_1_mib_is_431(client: RawClient) -> None:
    status = client.request("GET", "/version?pad=" + "x" * (2 << 20)).status_object()
    assert status["code"] == 431


@pytest.mark.parametrize(
    ("line", "code"),
    [
        (b"GET", 400),
        (b"GET /version", 400),
        (b"GET  /version HTTP/1.1", 400),
        (b"GET /version HTTP/1.1 extra", 400),
        (b"GET /version HTTP/x.y", 400),
        (b"GET /version FTP/1.1", 400),
        (b"\x00\x01\x02 / HTTP/1.1", 400),
        (b"G(E)T /version HTTP/1.1", 400),
        (b"GET /version HTTP/2.0", 505),
        (b"GET /version HTTP/0.9", 505),
    ],
)
def test_malformed_request_lines_get_a_status(client: RawClient, line: bytes, code: int) -> None:
    """net/http's readRequest: 400 for what does not parse, 505 for a version other than HTTP/1.x."""
    answer = client.exchange(line + b"\r\nHost: " + client.server.config.host.encode())
    assert answer.status_object()["code"] == code
    assert answer.headers["Connection"] == "close"


@pytest.mark.parametrize(
    ("path", "accept", "code"),
    [
        ("/openapi/v3/apis/nope.example.com/v1", "application/json", 404),
        ("/openapi/v3/api/v1", "text/html", 406),
    ],
)
def test_openapi_v3_refusals_have_empty_bodies_as_upstream(
    client: RawClient, path: str, accept: str, code: int
) -> None:
    """Not a Status, on purpose: kube-aggregator's handleGroupVersion writes a bare 404 for an unknown
    group-version, and kube-openapi's handler3 HandleGroupVersion a bare 406 when no offer matches Accept."""
    answer = client.exchange(f"GET {path} HTTP/1.1\r\nHost: {client.server.config.host}\r\nAccept: {accept}".encode())
    assert (answer.status, answer.body) == (code, b"")
