"""The HTTPS transport: the standard library's threading HTTP server behind TLS.

Mirrors server/secure_serving.go. Each connection gets a thread; the TLS handshake runs in
that thread (never in the accept loop, so a slow or silent client cannot stall others), with
a bounded timeout. HTTP/1.1 keep-alive, chunked streaming for watches, a 3 MiB request body
limit (413), and a clean stop from any thread that also ends open watches. The TLS context
is asked for per connection, so new certificates apply to new connections without a restart.

Why this server: it starts in a few milliseconds, needs no dependency, streams with
``wfile.flush()``, and its blocking socket waits use real time, which freezegun cannot stop.
"""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.endpoints.handlers.common import write_status_error
from fakeapi.endpoints.http import Handler, Headers, Request

DEFAULT_MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024
HANDSHAKE_TIMEOUT_SECONDS = 10.0
# Idle keep-alive connections and slow senders are cut after this long (ReadHeaderTimeout/IdleTimeout).
IDLE_TIMEOUT_SECONDS = 90.0
# A refused body is read and dropped up to this size so the client sees the 413; beyond it, cut off.
MAX_DISCARDED_BODY_BYTES = 64 * 1024 * 1024


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
        if self._chunked:
            handler.wfile.write(head)
        else:
            self._pending_head = head

    def write(self, data: bytes) -> None:
        if self._head_only or not data:
            return
        if self._chunked:
            self._handler.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        else:
            self._handler.wfile.write(self._pending_head + data)
            self._pending_head = b""

    def finish(self) -> None:
        if self._pending_head:
            self._handler.wfile.write(self._pending_head)
            self._pending_head = b""
        if self._chunked and not self._head_only:
            self._handler.wfile.write(b"0\r\n\r\n")
        self._handler.wfile.flush()

    def client_gone(self) -> bool:
        """A watch client never sends anything, so a readable socket means it closed."""
        sock = self._handler.connection
        try:
            readable, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Watch events and small answers must not wait for the client's delayed ACK.
    disable_nagle_algorithm = True
    server: _TLSServer

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(IDLE_TIMEOUT_SECONDS)

    def log_message(self, format: str, *args: Any) -> None:
        return  # access logging is the audit log's job

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (ConnectionError, TimeoutError, ssl.SSLError):
            self.close_connection = True

    def _dispatch(self) -> None:
        method = self.command
        path, _, query = self.path.partition("?")
        head_only = method == "HEAD"
        writer = _ResponseWriter(self, head_only)
        request = Request(
            method=method,
            path=path,
            query_string=query,
            headers=Headers(self.headers.items()),
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

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch

    def _peer_certificate(self) -> bytes | None:
        connection = self.connection
        if isinstance(connection, ssl.SSLSocket):
            return connection.getpeercert(binary_form=True)
        return None

    def _read_body(self, request: Request) -> bytes:
        limit = self.server.max_request_body_bytes
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked(limit)
        length_header = self.headers.get("Content-Length")
        if not length_header:
            return b""
        try:
            length = int(length_header)
        except ValueError:
            raise errors.new_bad_request(f"invalid Content-Length: {length_header}") from None
        if length > limit:
            self._discard(length)
            raise errors.new_request_entity_too_large(f"limit is {limit}")
        return self.rfile.read(length) if length > 0 else b""

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
            try:
                size = int(size_line, 16)
            except ValueError:
                raise errors.new_bad_request("malformed chunked encoding") from None
            if size == 0:
                self.rfile.readline(1024)
                return bytes(body)
            if len(body) + size > limit:
                self._discard_chunks(size, len(body))
                raise errors.new_request_entity_too_large(f"limit is {limit}")
            body += self.rfile.read(size)
            self.rfile.readline(1024)

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
    ) -> None:
        self.chain = chain
        self.context_provider = context_provider
        self.max_request_body_bytes = max_request_body_bytes
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, _RequestHandler, bind_and_activate=True)

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
    ) -> None:
        self._server = _TLSServer((host, port), chain, context_provider, max_request_body_bytes)
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
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(timeout)
        self._thread = None
