"""httpx transports that answer from a handler chain in process (httpx's ``BaseTransport`` seam).

``httpx.Client(transport=InProcessTransport(server.handler, token=...))`` (or
``server.httpx_transport()``) sends every request through the chain without a socket;
:class:`AsyncInProcessTransport` does the same for ``httpx.AsyncClient`` under asyncio or
trio, waiting for the chain in worker threads so the event loop never blocks. Responses
stream: a watch's lines arrive as the server writes them. This module imports httpx, an
optional dependency; nothing else in fakeapi imports it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import anyio.to_thread
import httpx

from fakeapi.endpoints.http import Handler
from fakeapi.server.secure_serving import DEFAULT_MAX_REQUEST_BODY_BYTES
from fakeapi.testing.transports import Exchange, build_request

# How long a worker thread of the async transport waits for the chain before checking back:
# a cancelled read waits for its thread, so no longer than this.
ASYNC_POLL_SECONDS = 0.25


def _read_timeout(request: httpx.Request) -> float | None:
    timeout = request.extensions.get("timeout") or {}
    value = timeout.get("read")
    return None if value is None else float(value)


class _Body:
    """A streamed response body: the exchange it comes from, its read timeout, and its request."""

    def __init__(self, exchange: Exchange, timeout: float | None, request: httpx.Request) -> None:
        self._exchange = exchange
        self._timeout = timeout
        self._request = request


class _SyncBody(_Body, httpx.SyncByteStream):
    def __iter__(self) -> Iterator[bytes]:
        while True:
            try:
                chunk = self._exchange.next_chunk(self._timeout)
            except TimeoutError as exc:
                raise httpx.ReadTimeout(str(exc), request=self._request) from exc
            if chunk is None:
                return
            yield chunk

    def close(self) -> None:
        self._exchange.close()


class _AsyncBody(_Body, httpx.AsyncByteStream):
    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            chunk = await _next_chunk(self._exchange, self._timeout, self._request)
            if chunk is None:
                return
            yield chunk

    async def aclose(self) -> None:
        self._exchange.close()


async def _next_chunk(exchange: Exchange, timeout: float | None, request: httpx.Request) -> bytes | None:
    waited = 0.0
    while True:
        step = ASYNC_POLL_SECONDS if timeout is None else min(ASYNC_POLL_SECONDS, max(timeout - waited, 0))
        try:
            return await anyio.to_thread.run_sync(exchange.next_chunk, step)
        except TimeoutError as exc:
            waited += step
            if timeout is not None and waited >= timeout:
                raise httpx.ReadTimeout(str(exc), request=request) from exc


class _InProcess:
    """What both transports hold: the handler chain, the default token, the body limit."""

    def __init__(
        self,
        handler: Handler,
        *,
        token: str | None = None,
        max_request_body_bytes: int = DEFAULT_MAX_REQUEST_BODY_BYTES,
    ) -> None:
        self._handler = handler
        self._token = token
        self._max_body = max_request_body_bytes

    def _start(self, request: httpx.Request, body: bytes) -> Exchange:
        built = build_request(request.method, str(request.url), request.headers.multi_items(), body, token=self._token)
        return Exchange(self._handler, built, max_request_body_bytes=self._max_body).start()


class InProcessTransport(_InProcess, httpx.BaseTransport):
    """Send httpx requests through ``handler`` in process.

    Args:
        handler: The handler chain (``server.handler``).
        token: Bearer token for requests without an ``Authorization`` header (the admin's).
        max_request_body_bytes: Bodies over this are answered 413, as by the HTTPS server.
    """

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        exchange = self._start(request, request.read())
        timeout = _read_timeout(request)
        if not exchange.wait_head(timeout):
            exchange.close()
            raise httpx.ReadTimeout("the in-process server sent no response in time", request=request)
        if not exchange.streaming:
            try:
                content = exchange.read_all(timeout)
            except TimeoutError as exc:
                raise httpx.ReadTimeout(str(exc), request=request) from exc
            return httpx.Response(exchange.status, headers=exchange.headers, content=content)
        return httpx.Response(exchange.status, headers=exchange.headers, stream=_SyncBody(exchange, timeout, request))


class AsyncInProcessTransport(_InProcess, httpx.AsyncBaseTransport):
    """Send ``httpx.AsyncClient`` requests through ``handler`` in process; arguments as :class:`InProcessTransport`."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        exchange = self._start(request, await request.aread())
        timeout = _read_timeout(request)
        waited = 0.0
        while not await anyio.to_thread.run_sync(exchange.wait_head, ASYNC_POLL_SECONDS):
            waited += ASYNC_POLL_SECONDS
            if timeout is not None and waited >= timeout:
                exchange.close()
                raise httpx.ReadTimeout("the in-process server sent no response in time", request=request)
        if not exchange.streaming:
            content = bytearray()
            while (chunk := await _next_chunk(exchange, timeout, request)) is not None:
                content += chunk
            return httpx.Response(exchange.status, headers=exchange.headers, content=bytes(content))
        return httpx.Response(exchange.status, headers=exchange.headers, stream=_AsyncBody(exchange, timeout, request))
