"""In-process transports: HTTP clients reach the handler chain without a socket.

The HTTPS listener (``server/secure_serving.py``) is one transport over ``server.handler``;
these are two more, thin adapters in the way httpx's ``Transport.handle_request`` is one:

- :func:`responses_mock` registers a ``responses`` callback on the server's URL, so clients
  built on ``requests`` (pykube-ng) are answered in process;
- ``fakeapi.testing.httpx_transport`` holds ``httpx`` transports (sync and async).

Both go through :class:`Exchange`: the chain runs in a thread of its own and its response
reaches the client as it is written, so a watch streams line by line until it ends, as over
a socket. There is no TLS, hence no client certificate: a request without an
``Authorization`` header is sent with the server's admin bearer token. Bodies over the
server's limit are refused with a 413, as the HTTPS server does.
"""

from __future__ import annotations

import http.client
import io
import queue
import re
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from fakeapi.apimachinery import errors
from fakeapi.endpoints.handlers.common import write_status_error
from fakeapi.endpoints.http import Handler, Headers, Request, unescape_path_leniently
from fakeapi.server.secure_serving import DEFAULT_MAX_REQUEST_BODY_BYTES

if TYPE_CHECKING:
    import responses

# What responses patches by default; pykube-ng's adapter calls the send it saved at import
# (KubernetesHTTPAdapter._do_send), so reaching pykube needs PYKUBE_TARGET instead.
REQUESTS_TARGET = "requests.adapters.HTTPAdapter.send"
PYKUBE_TARGET = "pykube.http.KubernetesHTTPAdapter._do_send"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

_END = object()


class Exchange:
    """One request run through a handler in a thread of its own; the response is read as it is written.

    It is the chain's ResponseWriter. ``wait_head`` waits for the status line; a response
    with a Content-Length is then read whole with ``read_all``, one without (a watch) chunk
    by chunk with ``next_chunk``. ``close`` is the client hanging up: the handler sees
    ``client_gone()`` and its next write fails, as over a socket.
    """

    def __init__(
        self, handler: Handler, request: Request, *, max_request_body_bytes: int = DEFAULT_MAX_REQUEST_BODY_BYTES
    ) -> None:
        self._handler = handler
        self._request = request
        self._max_body = max_request_body_bytes
        self._head_only = request.method == "HEAD"
        self._head = threading.Event()
        self._closed = threading.Event()
        self._chunks: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.status = 0
        self.headers: list[tuple[str, str]] = []
        self.streaming = False
        self.head_written = False
        self._thread = threading.Thread(target=self._run, name="fakeapi-in-process", daemon=True)

    def start(self) -> Exchange:
        self._thread.start()
        return self

    # -- the ResponseWriter the chain writes to ---------------------------------------------------

    def write_head(self, status: int, headers: list[tuple[str, str]]) -> None:
        self.status, self.headers = status, list(headers)
        # As over HTTP/1.1: no Content-Length means a chunked, streamed body (1xx/204/304 have none).
        bodyless = status < 200 or status in (204, 304)
        self.streaming = not bodyless and not any(k.lower() == "content-length" for k, _ in headers)
        self.head_written = True
        self._head.set()

    def write(self, data: bytes) -> None:
        if self._closed.is_set():
            raise ConnectionResetError("the in-process client closed the response")
        if data and not self._head_only:
            self._chunks.put(bytes(data))

    def client_gone(self) -> bool:
        return self._closed.is_set()

    def _run(self) -> None:
        request = self._request
        try:
            if len(request.body) > self._max_body:
                write_status_error(request, self, errors.new_request_entity_too_large(f"limit is {self._max_body}"))
                return
            self._handler(request, self)
            if not self.head_written:
                write_status_error(request, self, errors.new_internal_error("the handler wrote no response"))
        finally:
            self._chunks.put(_END)
            self._head.set()

    # -- the client's side ------------------------------------------------------------------------

    def wait_head(self, timeout: float | None) -> bool:
        """Wait for the status and headers; False if ``timeout`` seconds passed first."""
        return self._head.wait(timeout)

    def next_chunk(self, timeout: float | None) -> bytes | None:
        """The next piece of the body, or None at its end.

        Raises:
            TimeoutError: Nothing came within ``timeout`` seconds (a socket read timeout).
        """
        try:
            item = self._chunks.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError("the in-process response sent nothing in time") from None
        if item is _END:
            # Kept for any later reader: the end stays the end.
            self._chunks.put(_END)
            return None
        chunk: bytes = item
        return chunk

    def read_all(self, timeout: float | None) -> bytes:
        """The whole body (each piece within ``timeout`` seconds)."""
        body = bytearray()
        while (chunk := self.next_chunk(timeout)) is not None:
            body += chunk
        return bytes(body)

    def close(self) -> None:
        self._closed.set()


def build_request(
    method: str, url: str, headers: Iterable[tuple[str, str]], body: bytes, *, token: str | None
) -> Request:
    """The Request an HTTP client's request becomes; the admin ``token`` is added if it has no credentials."""
    parts = urlsplit(url)
    request_headers = Headers(headers)
    if token and not request_headers.get("Authorization"):
        request_headers = Headers([*request_headers.items(), ("Authorization", f"Bearer {token}")])
    return Request(
        method=method.upper(),
        path=unescape_path_leniently(parts.path or "/"),
        query_string=parts.query,
        headers=request_headers,
        body=body,
        remote_addr="127.0.0.1",
    )


def read_timeout(timeout: Any) -> float | None:
    """The read timeout of a ``requests`` timeout argument (a number, a (connect, read) pair, or None)."""
    if isinstance(timeout, tuple):
        timeout = timeout[1]
    return None if timeout is None else float(timeout)


# -- responses ---------------------------------------------------------------------------------


class _ChunkedStream(io.RawIOBase):
    """The exchange's body with HTTP/1.1 chunked framing, as it would come off the socket."""

    def __init__(self, exchange: Exchange, timeout: float | None) -> None:
        super().__init__()
        self._exchange = exchange
        self._timeout = timeout
        self._pending = b""
        self._ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self._pending:
            if self._ended:
                return 0
            chunk = self._exchange.next_chunk(self._timeout)
            if chunk is None:
                self._pending, self._ended = b"0\r\n\r\n", True
            else:
                self._pending = b"%x\r\n%s\r\n" % (len(chunk), chunk)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        if not self.closed:
            self._exchange.close()
        super().close()


class ChunkedBody(io.BufferedReader):
    """A streamed body in the shape urllib3 reads chunked responses from.

    urllib3 decodes chunks itself (``HTTPResponse.read_chunked``) when the body looks like an
    ``http.client.HTTPResponse``: an ``fp`` to read the framing from and ``_safe_read``. It
    then hands each chunk over as it arrives, which ``requests``' ``iter_lines`` needs to
    stream a watch; read otherwise, a body is only handed over in full blocks.
    """

    def __init__(self, exchange: Exchange, timeout: float | None) -> None:
        super().__init__(_ChunkedStream(exchange, timeout))

    @property
    def fp(self) -> ChunkedBody | None:
        return None if self.closed else self

    def _safe_read(self, amount: int) -> bytes:
        data = self.read(amount)
        if len(data) < amount:
            raise http.client.IncompleteRead(data, amount - len(data))
        return data


def responses_mock(
    handler: Handler,
    base_url: str,
    *,
    token: str | None,
    max_request_body_bytes: int = DEFAULT_MAX_REQUEST_BODY_BYTES,
    target: str = REQUESTS_TARGET,
    mock: responses.RequestsMock | None = None,
) -> responses.RequestsMock:
    """A ``responses.RequestsMock`` that answers every request to ``base_url`` from ``handler``.

    Use it as ``responses`` mocks are used: ``with responses_mock(...):`` (or ``start()`` /
    ``stop()``). Other URLs get responses' ConnectionError unless the mock allows them
    through (``add_passthru``). The mock does not insist that the server was called.

    Args:
        handler: The handler chain (``server.handler``).
        base_url: The server's URL; every path under it is answered.
        token: Bearer token for requests without an ``Authorization`` header.
        max_request_body_bytes: Bodies over this are answered 413.
        target: What responses patches: :data:`REQUESTS_TARGET` (``requests``' own adapter) or
            :data:`PYKUBE_TARGET` for pykube-ng's.
        mock: Register on this mock instead of a new one.
    """
    import responses

    if mock is None:
        mock = responses.RequestsMock(assert_all_requests_are_fired=False, target=target)
    pattern = re.compile(re.escape(base_url.rstrip("/")) + r"(?:[/?#].*)?\Z")

    def answer(prepared: Any) -> Any:
        body = prepared.body or b""
        request = build_request(
            prepared.method,
            prepared.url,
            prepared.headers.items(),
            body.encode() if isinstance(body, str) else bytes(body),
            token=token,
        )
        timeout = read_timeout(getattr(prepared, "req_kwargs", {}).get("timeout"))
        exchange = Exchange(handler, request, max_request_body_bytes=max_request_body_bytes).start()
        if not exchange.wait_head(timeout):
            exchange.close()
            import requests

            return requests.exceptions.ReadTimeout(
                f"{prepared.method} {prepared.url}: read timed out", request=prepared
            )
        headers = list(exchange.headers)
        if not exchange.streaming:
            return exchange.status, headers, exchange.read_all(timeout)
        # Passed as a buffered reader, the body is handed to urllib3 unread.
        return exchange.status, [*headers, ("Transfer-Encoding", "chunked")], ChunkedBody(exchange, timeout)

    for method in METHODS:
        mock.add(_callback_response(method, pattern, answer))
    return mock


def _callback_response(method: str, url: re.Pattern[str], callback: Callable[[Any], Any]) -> responses.BaseResponse:
    import responses

    class StreamingCallbackResponse(responses.CallbackResponse):
        """responses' CallbackResponse, with the response urllib3 can read chunk by chunk."""

        def get_response(self, request: Any) -> Any:
            response = super().get_response(request)
            # responses stands in for http.client's response with one that lacks ``_method``, which
            # urllib3 reads (is_response_to_head) before it decodes a chunked body.
            original = getattr(response, "_original_response", None)
            if original is not None:
                original._method = request.method
            return response

    return StreamingCallbackResponse(method, url, callback, content_type=None)
