"""The trace viewer: what a test's cluster did, on one timeline, in one HTML file (and live for ``fakeapi serve``).

A server records all the time, cheaply and within fixed bounds: requests with their bodies
(:mod:`fakeapi.testing.audit`), watch events sent (:mod:`fakeapi.testing.watches`), enqueues
(:class:`fakeapi.controllers.base.EnqueueLog`), object versions (the storage's window) and which
request committed each (:mod:`fakeapi.testing.commits`). This package, imported only when a
trace is wanted, turns that into a document (:mod:`.document`), an HTML file (:mod:`.html`) or
the live view's routes (:mod:`.live`). The pytest plugin writes one file per test
(``--fakeapi-trace``); docs/trace.md shows how to read it.
"""

from __future__ import annotations

import gc
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from fakeapi.testing.trace.document import (
    ClusterTrace,
    Cursor,
    Failure,
    Phase,
    TracedTest,
    cluster_trace,
    trace_document,
)
from fakeapi.testing.trace.html import read_html, render_html, write_html

if TYPE_CHECKING:
    from fakeapi.server.instance import FakeAPIServer


def write_trace(
    path: str | Path,
    servers: Mapping[str, FakeAPIServer],
    *,
    title: str,
    origin: float,
    test: TracedTest | None = None,
) -> Path:
    """Write the trace of ``servers`` (by the name each cluster is shown under) since ``origin`` to ``path``.

    ``origin`` is a real monotonic time (:func:`fakeapi.util.clock.real_monotonic`): what happened
    before it is the starting state. Several servers (a test with ``fakeapi_factory``) are several
    clusters of one trace. Returns the path of the HTML file written.
    """
    # The document is tens of thousands of new containers, none of them in a cycle: the cyclic
    # collector would only walk the server's whole heap over and over while it is built (a
    # 1,000-request trace: 63 ms with it, 41 ms without).
    collecting = gc.isenabled()
    gc.disable()
    try:
        clusters = [cluster_trace(server, name=name, origin=origin) for name, server in servers.items()]
        return write_html(Path(path), trace_document(clusters, title=title, test=test, origin=origin))
    finally:
        if collecting:
            gc.enable()


__all__ = [
    "ClusterTrace",
    "Cursor",
    "Failure",
    "Phase",
    "TracedTest",
    "cluster_trace",
    "read_html",
    "render_html",
    "trace_document",
    "write_html",
    "write_trace",
]
