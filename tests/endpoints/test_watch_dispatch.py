"""Watch events written by the transport's one dispatch thread, and handed to the request's thread when a client stalls.

The unit tests drive ``_DispatchedWatch`` with a stream and a transport of their own, running
the dispatch jobs by hand, so every interleaving is chosen. The last test does it over HTTPS:
a client that stops reading fills its socket, and the others keep hearing of every event.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fakeapi.certs.tls import client_ssl_context
from fakeapi.endpoints.handlers.watch import _DispatchedWatch
from fakeapi.endpoints.http import WouldBlock
from fakeapi.server.instance import FakeAPIServer, ServerConfig
from fakeapi.storage.interfaces import Object

SOCKET_TIMEOUT = 30.0


class _Stream:
    """Events a test queues; ``next(0)`` hands out the first."""

    def __init__(self) -> None:
        self.events: deque[tuple[str, Object]] = deque()
        self.stopped = False

    def add(self, name: str, event_type: str = "ADDED") -> None:
        self.events.append((event_type, {"metadata": {"name": name}}))

    def next(self, timeout: float) -> tuple[str, Object] | None:
        return self.events.popleft() if self.events and not self.stopped else None

    def stop(self) -> None:
        self.stopped = True


class _Transport:
    """A client socket a test can fill: while ``full``, a non-blocking write raises WouldBlock."""

    def __init__(self) -> None:
        self.jobs: list[Callable[[], None]] = []
        self.written: list[bytes] = []
        self.full = False
        self.failure: Exception | None = None
        self.in_write: threading.Event | None = None
        self.release_write: threading.Event | None = None
        self._nonblocking = False

    @contextlib.contextmanager
    def nonblocking(self) -> Iterator[None]:
        self._nonblocking = True
        try:
            yield
        finally:
            self._nonblocking = False

    def dispatch(self, job: Callable[[], None]) -> None:
        self.jobs.append(job)

    def run_jobs(self) -> None:
        jobs, self.jobs = self.jobs, []
        for job in jobs:
            job()

    # The response writer: the watch writes through it.
    def write(self, data: bytes) -> None:
        if self.failure is not None:
            raise self.failure
        if self._nonblocking and self.full:
            raise WouldBlock
        in_write, release = self.in_write, self.release_write
        if in_write is not None and release is not None:
            in_write.set()
            assert release.wait(SOCKET_TIMEOUT)
        self.written.append(data)

    def write_head(self, status: int, headers: list[tuple[str, str]]) -> None:
        raise AssertionError("the head went out before the watch began")

    @property
    def head_written(self) -> bool:
        return True


def _encode(event_type: str, obj: Object) -> bytes:
    return f"{event_type} {obj['metadata']['name']}\n".encode()


def _watch() -> tuple[_DispatchedWatch, _Stream, _Transport]:
    stream, transport = _Stream(), _Transport()
    return _DispatchedWatch(stream, transport, transport, _encode), stream, transport


def test_the_dispatch_thread_writes_each_event_once_in_order() -> None:
    watch, stream, transport = _watch()
    stream.add("a")
    watch.schedule()
    stream.add("b")
    watch.schedule()  # already scheduled: one job writes both
    assert len(transport.jobs) == 1
    transport.run_jobs()
    assert transport.written == [b"ADDED a\n", b"ADDED b\n"]
    assert not watch.woken.is_set()
    stream.add("c", "MODIFIED")
    watch.schedule()
    transport.run_jobs()
    assert transport.written[-1] == b"MODIFIED c\n"


def test_a_full_socket_hands_the_rest_to_the_request_thread_which_hands_back() -> None:
    watch, stream, transport = _watch()
    transport.full = True
    stream.add("a")
    stream.add("b")
    watch.schedule()
    transport.run_jobs()
    assert transport.written == []
    assert watch.woken.is_set()
    # While the request's thread has it, the dispatch thread leaves it alone.
    stream.add("c")
    watch.schedule()
    transport.run_jobs()
    assert transport.written == []
    # The request's thread waits for the client: the event that would have blocked first, then the rest.
    transport.full = False
    watch.write_from_here()
    assert transport.written == [b"ADDED a\n", b"ADDED b\n", b"ADDED c\n"]
    assert not watch.woken.is_set()
    stream.add("d")
    watch.schedule()
    transport.run_jobs()
    assert transport.written[-1] == b"ADDED d\n"


def test_an_error_event_ends_the_watch_even_when_it_had_to_wait() -> None:
    watch, stream, transport = _watch()
    transport.full = True
    stream.add("gone", "ERROR")
    stream.add("after")
    watch.schedule()
    transport.run_jobs()
    transport.full = False
    watch.write_from_here()
    assert transport.written == [b"ERROR gone\n"]
    assert watch.done


def test_a_write_that_fails_in_the_dispatch_thread_is_raised_in_the_request_thread() -> None:
    watch, stream, transport = _watch()
    transport.failure = ConnectionResetError("the client is gone")
    stream.add("a")
    watch.schedule()
    transport.run_jobs()  # must not raise here: other watches share the thread
    assert watch.woken.is_set()
    with pytest.raises(ConnectionResetError, match="the client is gone"):
        watch.write_from_here()


def test_a_stopped_stream_wakes_the_request_thread() -> None:
    watch, stream, transport = _watch()
    stream.stop()
    watch.schedule()
    transport.run_jobs()
    assert watch.woken.is_set()


def test_the_dispatch_thread_never_waits_while_the_request_thread_writes() -> None:
    """A client that reads slowly holds up its own watch only: the dispatch job returns at once,
    and the request's thread writes what came meanwhile before it lets go."""
    watch, stream, transport = _watch()
    in_write, release = threading.Event(), threading.Event()
    transport.in_write, transport.release_write = in_write, release
    stream.add("a")
    writer = threading.Thread(target=watch.write_from_here)
    writer.start()
    assert in_write.wait(SOCKET_TIMEOUT)
    transport.in_write = transport.release_write = None  # later writes go straight through
    stream.add("b")
    watch.schedule()
    started = time.monotonic()
    transport.run_jobs()
    assert time.monotonic() - started < 1.0
    assert transport.written == []
    release.set()
    writer.join(SOCKET_TIMEOUT)
    assert transport.written == [b"ADDED a\n", b"ADDED b\n"]


def test_nothing_is_written_after_close() -> None:
    watch, stream, transport = _watch()
    stream.add("a")
    watch.schedule()
    watch.close()
    transport.run_jobs()
    assert transport.written == []


# -- over HTTPS ---------------------------------------------------------------------------------


def _watch_socket(server: FakeAPIServer, path: str, receive_buffer: int | None = None) -> ssl.SSLSocket:
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer is not None:
        # Before connecting, so the window the server sees stays this small.
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    raw.settimeout(SOCKET_TIMEOUT)
    raw.connect((server.config.host, server.port))
    context = client_ssl_context(server.ca.cert_pem, server.admin_cert)
    sock = context.wrap_socket(raw, server_hostname=server.config.host)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {server.config.host}\r\nAccept: application/json\r\n\r\n".encode())
    return sock


def _event_names(sock: ssl.SSLSocket, count: int) -> list[tuple[str, str]]:
    """(type, name) of the first ``count`` events of a chunked watch response."""
    reader = sock.makefile("rb")
    assert reader.readline().startswith(b"HTTP/1.1 200")
    while reader.readline() not in (b"\r\n", b""):
        pass
    events: list[tuple[str, str]] = []
    while len(events) < count:
        size = int(reader.readline().strip(), 16)
        event: Any = json.loads(reader.read(size))
        reader.readline()
        events.append((event["type"], event["object"]["metadata"]["name"]))
    return events


def test_a_client_that_stops_reading_holds_up_no_other_watcher_and_loses_nothing() -> None:
    # More than the stalled client's window and the server's largest send buffer can hold.
    with open("/proc/sys/net/ipv4/tcp_wmem") as wmem:
        send_buffer_max = int(wmem.read().split()[2])
    value = "x" * (512 * 1024)
    count = (send_buffer_max // len(value)) * 2 + 8
    with FakeAPIServer(ServerConfig()) as server:
        path = "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=" + str(
            server.request("GET", "/api/v1/namespaces/default/configmaps").json()["metadata"]["resourceVersion"]
        )
        stalled = _watch_socket(server, path, receive_buffer=4096)
        reading = _watch_socket(server, path)
        heard: list[tuple[str, str]] = []
        listener = threading.Thread(target=lambda: heard.extend(_event_names(reading, count)), daemon=True)
        listener.start()
        time.sleep(0.2)  # both watches registered
        names = [f"big-{i:03d}" for i in range(count)]
        for name in names:
            created = server.request(
                "POST",
                "/api/v1/namespaces/default/configmaps",
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"v": value}},
            )
            assert created.status == 201, created.body[:300]
        listener.join(SOCKET_TIMEOUT)
        # The reading client heard every event while the other had read nothing.
        assert heard == [("ADDED", name) for name in names]
        # The stalled one, reading at last, gets every event once, in order.
        assert _event_names(stalled, count) == [("ADDED", name) for name in names]
        stalled.close()
        reading.close()
        assert server.errors == []


def test_watchers_that_vanish_mid_stream_leave_the_server_whole() -> None:
    """Clients reset their connections while events are written to them: the other watchers
    hear every event, the vanished ones' threads end, and nothing fails in the server."""
    with FakeAPIServer(ServerConfig()) as server:
        others = set(_connection_threads())  # other tests' servers may still be closing theirs
        path = "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=" + str(
            server.request("GET", "/api/v1/namespaces/default/configmaps").json()["metadata"]["resourceVersion"]
        )
        vanishing = [_watch_socket(server, path) for _ in range(20)]
        staying = _watch_socket(server, path)
        heard: list[tuple[str, str]] = []
        listener = threading.Thread(target=lambda: heard.extend(_event_names(staying, 40)), daemon=True)
        listener.start()
        time.sleep(0.2)
        assert len(_connection_threads() - others) == 21
        for i in range(40):
            created = server.request(
                "POST",
                "/api/v1/namespaces/default/configmaps",
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm-{i:02d}"}, "data": {"i": str(i)}},
            )
            assert created.status == 201
            if i % 2 == 0 and vanishing:
                sock = vanishing.pop()
                # A reset rather than a goodbye: SO_LINGER with a zero timeout.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                sock.close()
        listener.join(SOCKET_TIMEOUT)
        assert heard == [("ADDED", f"cm-{i:02d}") for i in range(40)]
        staying.close()
        deadline = time.monotonic() + SOCKET_TIMEOUT
        while _connection_threads() - others and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _connection_threads() - others == set()
        assert server.request("GET", "/api/v1/namespaces/default/configmaps/cm-00").status == 200
        assert server.errors == []


def _connection_threads() -> set[threading.Thread]:
    """The threads serving a connection (socketserver names them after process_request_thread)."""
    return {thread for thread in threading.enumerate() if "process_request_thread" in thread.name}
