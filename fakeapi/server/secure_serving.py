"""The HTTPS transport: the standard library's threading HTTP server behind TLS.

Mirrors server/secure_serving.go. Each connection gets a thread; the TLS handshake runs in
that thread (never in the accept loop, so a slow or silent client cannot stall others), with
a bounded timeout. HTTP/1.1 keep-alive, chunked streaming for watches, a 3 MiB request body
limit (413), and a clean stop from any thread that also ends open watches. The TLS context
is asked for per connection, so new certificates apply to new connections without a restart.

The limits are kube-apiserver's (its http.Server): a keep-alive connection may sit idle for
90 s (IdleTimeout); a request line and headers must arrive within 32 s of the handshake (for
a connection's first request) or of their first byte (for later ones) (ReadHeaderTimeout: one
reaper thread cuts slower connections, so a client that dribbles header lines cannot hold its
thread; configurable, 0 for none) and within 1 MiB (DefaultMaxHeaderBytes, plus net/http's
4 KiB of slop; 431 past it). Every method reaches the handler chain, which answers what it does not serve
with a Status. Because each connection costs a thread here (a goroutine in Go), at most
``max_connections`` are served at once; further connections wait, unaccepted, in the listen
backlog until one closes. The accept loop backs off when accepting fails (out of file
descriptors), from 5 ms doubling to 1 s, as Go's does, instead of spinning.

A watch's events are written by one dispatch thread for every connection
(``stream_dispatch.py``), without waiting on any client; a connection whose client stops
reading is left to its own thread.

Why this server: it starts in a few milliseconds, needs no dependency, streams with
``wfile.flush()``, and its blocking socket waits use real time, which freezegun cannot stop.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import re
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, cast

from fakeapi.apimachinery import errors
from fakeapi.endpoints.handlers.common import write_status_error
from fakeapi.endpoints.http import Handler, Headers, PathEscapeError, Request, WouldBlock, unescape_path
from fakeapi.server.background_read import BackgroundReads
from fakeapi.util.clock import real_monotonic

if TYPE_CHECKING:
    from fakeapi.server.stream_dispatch import StreamDispatcher

DEFAULT_MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024
HANDSHAKE_TIMEOUT_SECONDS = 10.0
# An idle keep-alive connection, or a socket read that waits this long, is cut (IdleTimeout).
IDLE_TIMEOUT_SECONDS = 90.0
# From a request's first byte to the end of its headers (ReadHeaderTimeout).
READ_HEADER_TIMEOUT_SECONDS = 32.0
# The request line and headers together: http.DefaultMaxHeaderBytes, plus the 4 KiB that net/http's
# initialReadLimitSize adds for bufio slop.
MAX_HEADER_BYTES = (1 << 20) + 4096
DEFAULT_MAX_CONNECTIONS = 1024
# Accept failures (EMFILE...) pause the accept loop this long, doubling up to the maximum (net/http's Serve).
ACCEPT_BACKOFF_MIN_SECONDS = 0.005
ACCEPT_BACKOFF_MAX_SECONDS = 1.0
_ACCEPT_RESOURCE_ERRORS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
# A method or a header name is an RFC 9110 token (net/http's validMethod, textproto's validHeaderFieldByte).
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_CHUNK_SIZE = re.compile(rb"[0-9a-fA-F]{1,16}")
# A refused body is read and dropped up to this size so the client sees the 413; beyond it, cut off.
MAX_DISCARDED_BODY_BYTES = 64 * 1024 * 1024
# After refusing a request head or a WebSocket frame, what the client still sends is read and
# dropped for this long (net/http's closeWriteAndWait and its rstAvoidanceDelay): closing with
# unread bytes makes the kernel reset the connection, and the client could lose the answer.
REFUSAL_LINGER_SECONDS = 0.5
# A response body larger than this is written after its head rather than copied behind it.
_SEPARATE_BODY_BYTES = 256 * 1024


class _ResponseWriter:
    """ResponseWriter over one HTTP/1.1 exchange; chunked when no Content-Length is given.

    A response with a Content-Length goes out as one write, head and body together: two small
    writes on a keep-alive connection would wait for the client's delayed ACK (Nagle), and
    each TLS write costs a record of its own. A streamed response sends its head at once, so
    a watch client sees the headers before the first event.
    """

    def __init__(self, handler: _RequestHandler, head_only: bool) -> None:
        self._handler = handler
        self._head_only = head_only
        self._chunked = False
        self._pending_head = b""
        self.head_written = False
        self.hijacked = False
        self._switching_protocols = False
        self._watched = False
        # Inside ``nonblocking()``: a write that would wait raises WouldBlock instead.
        self._nonblocking = False
        # The socket was made non-blocking by ``nonblocking()``, and stays so until the response ends:
        # switching it back and forth costs two system calls a switch, each dropping the GIL.
        self._socket_nonblocking = False

    def write_head(self, status: int, headers: list[tuple[str, str]]) -> None:
        handler = self._handler
        reason = handler.responses.get(status, ("",))[0]
        lines = [f"HTTP/1.1 {status} {reason}", f"Date: {handler.date_time_string()}"]
        # 1xx, 204 and 304 answers never have a body (RFC 9112 6.3), hence no chunked framing either.
        bodyless = status < 200 or status in (204, 304)
        self._chunked = not bodyless and not any(k.lower() == "content-length" for k, _ in headers)
        for key, value in headers:
            lines.append(f"{key}: {value}")
            if key.lower() == "connection" and value.lower() == "close":
                handler.close_connection = True
        if self._chunked:
            lines.append("Transfer-Encoding: chunked")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.head_written = True
        self._switching_protocols = status == 101
        if self._chunked or self._switching_protocols:
            # A 101 goes out at once: the upgraded protocol follows it on the hijacked connection.
            handler.wfile.write(head)
        else:
            self._pending_head = head

    def write(self, data: bytes) -> None:
        if self._head_only or not data:
            return
        if self._chunked:
            chunk = b"%x\r\n%s\r\n" % (len(data), data)
            if self._socket_nonblocking:
                self._send_on_nonblocking_socket(chunk)
            else:
                self._handler.wfile.write(chunk)
        elif len(data) > _SEPARATE_BODY_BYTES:
            # Copying a large body behind its head would cost more than the head's own TLS record.
            self._handler.wfile.write(self._pending_head)
            self._handler.wfile.write(data)
            self._pending_head = b""
        else:
            self._handler.wfile.write(self._pending_head + data)
            self._pending_head = b""

    def finish(self) -> None:
        if self.hijacked:
            return
        if self._watched:
            self._handler.server.background_reads.unwatch(self._handler.connection)
        if self._socket_nonblocking:
            self._socket_nonblocking = False
            with contextlib.suppress(OSError):
                self._handler.connection.settimeout(IDLE_TIMEOUT_SECONDS)
        if self._pending_head:
            self._handler.wfile.write(self._pending_head)
            self._pending_head = b""
        if self._chunked and not self._head_only:
            self._handler.wfile.write(b"0\r\n\r\n")
        self._handler.wfile.flush()

    @contextlib.contextmanager
    def nonblocking(self) -> Iterator[None]:
        """Streamed writes within raise WouldBlock when the client's socket is full, instead of waiting."""
        if not self._socket_nonblocking:
            self._handler.connection.settimeout(0.0)
            self._socket_nonblocking = True
        self._nonblocking = True
        try:
            yield
        finally:
            self._nonblocking = False

    def _send_on_nonblocking_socket(self, chunk: bytes) -> None:
        """Send ``chunk`` whole; outside ``nonblocking()``, wait for the client as a blocking socket would."""
        connection = self._handler.connection
        while True:
            try:
                connection.sendall(chunk)
                return
            except (ssl.SSLWantWriteError, BlockingIOError):
                wanted = select.POLLOUT
            except ssl.SSLWantReadError:
                wanted = select.POLLIN
            if self._nonblocking:
                # Without SSL_MODE_ENABLE_PARTIAL_WRITE, OpenSSL resumes the record it began when it
                # is given the same bytes again (the chunk frames them the same way).
                raise WouldBlock
            poll = select.poll()
            poll.register(connection, wanted)
            if not poll.poll(IDLE_TIMEOUT_SECONDS * 1000):
                raise TimeoutError("timed out writing to the client")

    def dispatch(self, job: Callable[[], None]) -> None:
        """Run ``job`` on the server's stream dispatch thread."""
        self._handler.server.stream_dispatcher.submit(job)

    def on_client_gone(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` as soon as the streaming client hangs up (until the response finishes)."""
        self._handler.server.background_reads.watch(self._handler.connection, callback)
        self._watched = True

    def hijack(self) -> HijackedConnection:
        """Take the connection over (Go's http.Hijacker): the caller speaks the upgraded protocol on it.

        Allowed before any answer, or after a 101 head. The request's reader keeps any bytes the
        client sent after its head. Read timeouts no longer apply (an idle exec session waits for
        its user); stopping the server still cuts the connection. The connection closes once the
        handler returns.
        """
        if self.head_written and not self._switching_protocols:
            raise RuntimeError("the response has already been started")
        self.hijacked = self.head_written = True
        handler = self._handler
        handler.close_connection = True
        handler.connection.settimeout(None)
        return HijackedConnection(cast(io.BufferedReader, handler.rfile), handler.connection)

    def client_gone(self) -> bool:
        """A watch client never sends anything, so a readable socket means it closed."""
        sock = self._handler.connection
        try:
            readable, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)


class HijackedConnection:
    """A connection taken over from the HTTP server: buffered reads, whole writes from any thread."""

    def __init__(self, reader: io.BufferedReader, connection: socket.socket) -> None:
        self._reader = reader
        self._connection = connection
        self._write_lock = threading.Lock()

    def read(self, limit: int) -> bytes:
        """Up to ``limit`` bytes as soon as some arrived; b"" once the client closed (or the connection broke)."""
        try:
            return self._reader.read1(limit)
        except (OSError, ValueError):
            return b""

    def write(self, data: bytes) -> None:
        """Send all of ``data``; raises ConnectionError when the client is gone."""
        with self._write_lock:
            try:
                self._connection.sendall(data)
            except (OSError, ValueError) as exc:
                raise ConnectionResetError(str(exc)) from exc

    def close(self) -> None:
        """Stop both directions now (the server closes the socket itself once the handler returned)."""
        with contextlib.suppress(OSError):
            self._connection.shutdown(socket.SHUT_RDWR)

    def close_after_refusal(self) -> None:
        """Close once what the client still sends was read for a moment (only from the reading thread)."""
        _linger(self._reader, self._connection)
        self.close()


def _linger(reader: io.BufferedReader, connection: socket.socket) -> None:
    """Read and drop what the client sends, until it stops or for REFUSAL_LINGER_SECONDS at most."""
    deadline = real_monotonic() + REFUSAL_LINGER_SECONDS
    dropped = 0
    with contextlib.suppress(OSError, ValueError):
        while dropped < MAX_DISCARDED_BODY_BYTES and (left := deadline - real_monotonic()) > 0:
            connection.settimeout(left)
            chunk = reader.read1(65536)
            if not chunk:
                return
            dropped += len(chunk)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Watch events and small answers must not wait for the client's delayed ACK.
    disable_nagle_algorithm = True
    server: _TLSServer

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(IDLE_TIMEOUT_SECONDS)
        # Until the first request has been read the header deadline runs from the handshake, as in net/http's
        # conn.serve; between keep-alive requests only the idle timeout applies, until the next first byte.
        self._between_requests = False
        self.request_headers = Headers()
        # The request target's path, %-escapes decoded (Go's URL.Path).
        self.decoded_path = "/"

    def log_message(self, format: str, *args: Any) -> None:
        return  # access logging is the audit log's job

    def handle_one_request(self) -> None:
        """Read one request's head (under the header deadline once its first byte came), then serve it."""
        self.close_connection = True
        try:
            if self._between_requests and not cast(io.BufferedReader, self.rfile).peek(1):
                return  # the client closed the idle connection
            self._between_requests = True
            with self.server.header_deadlines.watching(self.connection):
                if not self._read_request_head():
                    return
            self._dispatch()
        except (ConnectionError, TimeoutError, ssl.SSLError, ValueError):
            # ValueError: the reaper or a stop closed the socket under a read.
            self.close_connection = True

    def _read_request_head(self) -> bool:
        """The request line and headers, as Go's readRequest: 1 MiB at most, any method; False if refused."""
        budget = MAX_HEADER_BYTES
        line = self.rfile.readline(budget + 1)
        if not line:
            return False  # closed before a request began: nothing to answer
        budget -= len(line)
        self.command, self.path, self.request_version = "GET", "/", "HTTP/1.1"
        words = line.decode("iso-8859-1").rstrip("\r\n").split(" ")
        if budget < 0:
            return self._refuse(431, "RequestHeaderFieldsTooLarge", "request header fields too large")
        if len(words) != 3 or not words[0] or not words[1]:
            return self._refuse(400, "BadRequest", "malformed HTTP request")
        command, path, version = words
        if not _TOKEN.fullmatch(command):
            return self._refuse(400, "BadRequest", f"invalid method {json.dumps(command)}")
        major_minor = version.removeprefix("HTTP/").split(".")
        if not version.startswith("HTTP/") or len(major_minor) != 2 or not all(p.isdigit() for p in major_minor):
            return self._refuse(400, "BadRequest", f"malformed HTTP version {version}")
        if int(major_minor[0]) != 1:
            # net/http's readRequest: only HTTP/1.x is served over this listener (HTTP/2 needs ALPN).
            return self._refuse(505, "HTTPVersionNotSupported", "unsupported protocol version")
        try:
            # net/http parses the target before it reads the headers (url.ParseRequestURI).
            self.decoded_path = unescape_path(path.partition("?")[0])
        except PathEscapeError as exc:
            return self._refuse(400, "BadRequest", str(exc))
        self.command, self.path, self.request_version = command, path, version
        lines = []
        while True:
            header = self.rfile.readline(budget + 1)
            budget -= len(header)
            if budget < 0:
                return self._refuse(431, "RequestHeaderFieldsTooLarge", "request header fields too large")
            if header in (b"\r\n", b"\n", b""):
                break
            lines.append(header)
        pairs = _header_fields(lines)
        if isinstance(pairs, str):
            return self._refuse(400, "BadRequest", pairs)
        self.request_headers = headers = Headers(pairs)
        refused = _framing_problem(headers, version)
        if refused is not None:
            return self._refuse(*refused)
        connection = headers.get("Connection", "").lower()
        self.close_connection = connection == "close" or (version == "HTTP/1.0" and connection != "keep-alive")
        if headers.get("Expect").lower() == "100-continue" and version != "HTTP/1.0":
            self.send_response_only(100)
            self.end_headers()
        return True

    def _refuse(self, code: int, reason: str, message: str) -> bool:
        """Answer a request whose head cannot be read with a Status, and close the connection."""
        err = errors.StatusError(code, reason, message)
        err.headers["Connection"] = "close"
        writer = _ResponseWriter(self, head_only=False)
        write_status_error(Request(method="GET", path="/"), writer, err)
        writer.finish()
        self.close_connection = True
        _linger(cast(io.BufferedReader, self.rfile), self.connection)
        return False

    def _dispatch(self) -> None:
        method = self.command
        query = self.path.partition("?")[2]
        head_only = method == "HEAD"
        writer = _ResponseWriter(self, head_only)
        request = Request(
            method=method,
            path=self.decoded_path,
            query_string=query,
            headers=self.request_headers,
            peer_certificate=self._peer_certificate(),
            remote_addr=str(self.client_address[0]),
        )
        try:
            request.body = self._read_body(request)
        except errors.StatusError as err:
            # What is left of the body cannot be trusted: say so, then close (RFC 9112 9.6).
            err.headers["Connection"] = "close"
            write_status_error(request, writer, err)
            writer.finish()
            return
        self.server.chain(request, writer)
        if not writer.head_written:
            write_status_error(request, writer, errors.new_internal_error("the handler wrote no response"))
        writer.finish()

    def _peer_certificate(self) -> bytes | None:
        connection = self.connection
        if isinstance(connection, ssl.SSLSocket):
            return connection.getpeercert(binary_form=True)
        return None

    def _read_body(self, request: Request) -> bytes:
        limit = self.server.max_request_body_bytes
        if self.request_headers.get("Transfer-Encoding"):  # only chunked gets this far (_framing_problem)
            return self._read_chunked(limit)
        length_header = self.request_headers.get("Content-Length").strip(" \t")
        if not length_header:
            return b""
        length = int(length_header)  # checked with the head (_framing_problem)
        if length > limit:
            self._discard(length)
            raise errors.new_request_entity_too_large(f"limit is {limit}")
        return self._read_exactly(length) if length > 0 else b""

    def _discard(self, length: int) -> None:
        """Read and drop a refused body, so the client that is still sending it gets the 413.

        Closing with unread data would reset the connection and lose the answer; a body far
        beyond any sane size is cut off instead.
        """
        remaining = min(length, MAX_DISCARDED_BODY_BYTES)
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 65536))
            if not chunk:
                return
            remaining -= len(chunk)

    def _read_chunked(self, limit: int) -> bytes:
        body = bytearray()
        while True:
            size_line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            # net/http's parseHexUint: hex digits only (no sign, no 0x), at most 16 of them.
            if not _CHUNK_SIZE.fullmatch(size_line):
                raise errors.new_bad_request("malformed chunked encoding")
            size = int(size_line, 16)
            if size == 0:
                self.rfile.readline(1024)
                return bytes(body)
            if len(body) + size > limit:
                self._discard_chunks(size, len(body))
                raise errors.new_request_entity_too_large(f"limit is {limit}")
            body += self._read_exactly(size)
            if self.rfile.readline(1024) not in (b"\r\n", b"\n"):
                raise errors.new_bad_request("malformed chunked encoding")

    def _read_exactly(self, length: int) -> bytes:
        """``length`` bytes of body; a client that hangs up sooner sent no request (io.ErrUnexpectedEOF)."""
        data = self.rfile.read(length)
        if len(data) < length:
            raise ConnectionAbortedError("the client closed the connection in the middle of the body")
        return data

    def _discard_chunks(self, size: int, already_read: int) -> None:
        """Drop the rest of a refused chunked body (the current chunk of ``size`` bytes onwards)."""
        total = already_read
        while size > 0 and total < MAX_DISCARDED_BODY_BYTES:
            self._discard(size)
            total += size
            self.rfile.readline(1024)
            try:
                size = int(self.rfile.readline(1024).split(b";", 1)[0].strip(), 16)
            except ValueError:
                return
        self.rfile.readline(1024)


def _header_fields(lines: list[bytes]) -> list[tuple[str, str]] | str:
    """The header fields of a request head as net/textproto's ReadMIMEHeader reads them: ``Name: value``
    with a token for a name, a line starting with a space or tab continuing the one before; the
    error text for a head it refuses."""
    fields: list[tuple[str, str]] = []
    for raw in lines:
        line = raw.decode("iso-8859-1").rstrip("\r\n")
        if line[:1] in (" ", "\t"):
            if not fields:
                return f"malformed MIME header initial line: {line}"
            name, value = fields[-1]
            continued = line.strip(" \t")
            fields[-1] = (name, f"{value} {continued}".strip())
            continue
        name, colon, value = line.partition(":")
        if not colon or not _TOKEN.fullmatch(name):
            return f"malformed MIME header line: {line}"
        fields.append((name, value.strip(" \t")))
    return fields


def _framing_problem(headers: Headers, version: str) -> tuple[int, str, str] | None:
    """What net/http's readRequest and readTransfer refuse about where a request's body ends:
    a missing Host (HTTP/1.1), a transfer coding other than chunked (501), Content-Lengths that
    disagree or are not unsigned decimal numbers."""
    if version == "HTTP/1.1" and not headers.get_all("Host"):
        return 400, "BadRequest", "missing required Host header"
    codings = headers.get_all("Transfer-Encoding")
    if codings and [c.strip(" \t").lower() for c in codings] != ["chunked"]:
        return 501, "NotImplemented", f"unsupported transfer encoding: {json.dumps(codings[0])}"
    lengths = {value.strip(" \t") for value in headers.get_all("Content-Length")}
    # The texts are net/http's; the values after "got" are listed as Python writes them, not as Go's %q.
    if len(lengths) > 1:
        return 400, "BadRequest", f"message cannot contain multiple Content-Length headers; got {sorted(lengths)}"
    if not codings and lengths and not all(length.isascii() and length.isdigit() for length in lengths):
        return 400, "BadRequest", f"bad Content-Length: {json.dumps(lengths.pop())}"
    return None


class _HeaderDeadlines:
    """ReadHeaderTimeout for every connection at once: one reaper thread shuts down connections past their deadline."""

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._deadlines: dict[socket.socket, float] = {}
        self._lock = threading.Condition()
        self._stopped = False
        self._thread: threading.Thread | None = None

    @contextlib.contextmanager
    def watching(self, connection: socket.socket) -> Iterator[None]:
        """Cut ``connection`` if the block has not ended by the deadline (no deadline when the timeout is 0)."""
        if self._timeout <= 0:
            yield
            return
        with self._lock:
            self._deadlines[connection] = real_monotonic() + self._timeout
            if self._thread is None and not self._stopped:
                self._thread = threading.Thread(target=self._reap, name="header-deadlines", daemon=True)
                self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                self._deadlines.pop(connection, None)

    def _reap(self) -> None:
        with self._lock:
            while not self._stopped:
                now = real_monotonic()
                expired = [c for c, deadline in self._deadlines.items() if deadline <= now]
                for connection in expired:
                    del self._deadlines[connection]
                    with contextlib.suppress(OSError):
                        connection.shutdown(socket.SHUT_RDWR)
                next_deadline = min(self._deadlines.values(), default=now + self._timeout)
                self._lock.wait(max(next_deadline - now, 0.05))

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._lock.notify_all()


class _TLSServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(
        self,
        address: tuple[str, int],
        chain: Handler,
        context_provider: Callable[[], ssl.SSLContext],
        max_request_body_bytes: int,
        max_connections: int,
        read_header_timeout: float,
    ) -> None:
        self.chain = chain
        self.context_provider = context_provider
        self.max_request_body_bytes = max_request_body_bytes
        self.max_connections = max_connections
        self.header_deadlines = _HeaderDeadlines(read_header_timeout)
        self.background_reads = BackgroundReads()
        # Made by the first watch (a bare start serves none).
        self._stream_dispatcher: StreamDispatcher | None = None
        self._connections: set[socket.socket] = set()
        # Counts accepted connections from accept to close (the TLS ones are tracked only after the handshake).
        self._open = 0
        self._connections_lock = threading.Condition()
        self._accept_backoff = 0.0
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, _RequestHandler, bind_and_activate=True)

    @property
    def stream_dispatcher(self) -> StreamDispatcher:
        dispatcher = self._stream_dispatcher
        if dispatcher is None:
            with self._connections_lock:
                if self._stream_dispatcher is None:
                    from fakeapi.server.stream_dispatch import StreamDispatcher

                    self._stream_dispatcher = StreamDispatcher()
                dispatcher = self._stream_dispatcher
        return dispatcher

    def stop_streams(self) -> None:
        with self._connections_lock:
            dispatcher = self._stream_dispatcher
        if dispatcher is not None:
            dispatcher.stop()

    def _handle_request_noblock(self) -> None:
        # At the connection limit, leave new connections in the listen backlog until one closes.
        with self._connections_lock:
            if self._open >= self.max_connections and not self._connections_lock.wait_for(
                lambda: self._open < self.max_connections, timeout=0.05
            ):
                return
        super()._handle_request_noblock()  # type: ignore[misc]  # socketserver's private step of serve_forever

    def get_request(self) -> tuple[socket.socket, Any]:
        try:
            accepted = super().get_request()
        except OSError as exc:
            if exc.errno in _ACCEPT_RESOURCE_ERRORS:
                self._accept_backoff = min(
                    max(self._accept_backoff * 2, ACCEPT_BACKOFF_MIN_SECONDS), ACCEPT_BACKOFF_MAX_SECONDS
                )
                time.sleep(self._accept_backoff)
            raise
        self._accept_backoff = 0.0
        with self._connections_lock:
            self._open += 1
        return accepted

    def shutdown_request(self, request: Any) -> None:
        super().shutdown_request(request)
        with self._connections_lock:
            self._open -= 1
            self._connections_lock.notify_all()

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.settimeout(HANDSHAKE_TIMEOUT_SECONDS)
        try:
            tls = self.context_provider().wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        with self._connections_lock:
            self._connections.add(tls)
        try:
            _RequestHandler(tls, client_address, self)
        finally:
            with self._connections_lock:
                self._connections.discard(tls)
            _close_notify(tls)
            with contextlib.suppress(OSError):
                tls.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a broken connection affects only itself

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


def _close_notify(tls: ssl.SSLSocket) -> None:
    """Say goodbye in TLS before closing, as Go's tls.Conn.Close does: a close_notify alert, not waited on.

    A client that closes first (an aiohttp session at exit) waits for the server's close_notify
    before it lets go of its socket; without one it holds the socket until its shutdown times out,
    and a loop that ends first leaves it unclosed.
    """
    with contextlib.suppress(OSError, ValueError):
        tls.setblocking(False)
        # The first SSL_shutdown sends the alert; the second, which would wait for the peer's, fails at once.
        tls.unwrap()


class SecureServer:
    """Binds in the caller's thread, serves in a daemon thread, stops idempotently."""

    def __init__(
        self,
        host: str,
        port: int,
        chain: Handler,
        context_provider: Callable[[], ssl.SSLContext],
        *,
        max_request_body_bytes: int = DEFAULT_MAX_REQUEST_BODY_BYTES,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        read_header_timeout: float = READ_HEADER_TIMEOUT_SECONDS,
    ) -> None:
        self._server = _TLSServer(
            (host, port), chain, context_provider, max_request_body_bytes, max_connections, read_header_timeout
        )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread is None:
            return
        self._server.shutdown()
        self._server.header_deadlines.stop()
        self._server.background_reads.stop()
        self._server.stop_streams()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(timeout)
        self._thread = None
