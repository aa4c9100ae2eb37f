"""``/openapi/v3`` and ``/openapi/v3/<group-version>`` (k8s.io/kube-openapi/pkg/handler3).

The index is what kube-aggregator's openapiv3 ``specProxier.handleDiscovery`` serves in front
of kube-apiserver: ``{"paths": {"apis/apps/v1": {"serverRelativeURL":
"/openapi/v3/apis/apps/v1?hash=<ETag>"}}}``, written with ``http.ServeContent`` and no
Content-Type of its own, so Go sniffs one (``text/plain; charset=utf-8``) and adds a fresh
``Last-Modified``; there is no ETag. A group-version the index does not list is a 404 with an
empty body (``handleGroupVersion``).

A group-version document follows handler3's ``HandleGroupVersion``: goautoneg between JSON and
the v3 protobuf, ``Vary: Accept``, the ETag (uppercase hex SHA-512 of the JSON, quoted, also the
index's hash) and ``http.ServeContent``. With ``?hash=``: a stale hash is answered with a 301 to
the current URL; the current one adds ``Cache-Control: public, immutable`` and an ``Expires``
a year ahead.

fakeapi does not have gnostic's OpenAPI v3 protobuf schema, so it offers JSON only: a client
that accepts only ``application/com.github.proto-openapi.spec.v3@v1.0+protobuf`` gets 406 where
kube-apiserver would send protobuf (client-go and kubectl ask for JSON).
"""

from __future__ import annotations

import datetime
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from fakeapi.endpoints.http import Request, ResponseWriter
from fakeapi.endpoints.openapi.handler import JSON, compute_etag, expires_in_a_year, negotiate, serve_content

logger = logging.getLogger("fakeapi.openapi")

V3_ROOT = "/openapi/v3"


def server_relative_url(gv_path: str, etag: str) -> str:
    """constructServerRelativeURL: ``/openapi/v3/apis/apps/v1?hash=<etag>``."""
    return f"{V3_ROOT}/{gv_path}?{urlencode({'hash': etag})}"


@dataclass
class _GroupVersionDoc:
    key: object
    data: bytes
    etag: str
    last_modified: float


class OpenAPIV3Service:
    """The v3 index and per-group-version documents, each built on demand.

    Args:
        documents: The group-version paths served now (``api/v1``, ``apis/apps/v1``), each with a
            key identifying its current content and a function that builds its document.
    """

    def __init__(self, documents: Callable[[], dict[str, tuple[object, Callable[[], bytes]]]]) -> None:
        self._documents = documents
        self._cache: dict[str, _GroupVersionDoc] = {}
        self._lock = threading.Lock()
        self._index_body = b""
        self._index_modified = 0.0

    def _document(self, gv_path: str, key: object, build: Callable[[], bytes]) -> _GroupVersionDoc:
        with self._lock:
            doc = self._cache.get(gv_path)
            if doc is None or doc.key != key:
                started = time.perf_counter()
                data = build()
                logger.debug(
                    "built /openapi/v3/%s in %.1f ms (%d bytes)",
                    gv_path,
                    (time.perf_counter() - started) * 1e3,
                    len(data),
                )
                # A later second than the replaced document's, for the reason _index_modified_at gives.
                modified = time.time() if doc is None else max(time.time(), doc.last_modified + 1.0)
                doc = self._cache[gv_path] = _GroupVersionDoc(key, data, compute_etag(data), modified)
            return doc

    def _current(self) -> dict[str, _GroupVersionDoc]:
        documents = self._documents()
        current = {path: self._document(path, key, build) for path, (key, build) in documents.items()}
        with self._lock:
            # Forget what is no longer served (a removed custom resource version).
            for stale in set(self._cache) - set(current):
                del self._cache[stale]
        return current

    def serve(self, req: Request, w: ResponseWriter) -> None:
        path = req.path.rstrip("/")
        if path == V3_ROOT:
            self._serve_index(req, w)
        else:
            self._serve_group_version(req, w, path.removeprefix(V3_ROOT + "/"))

    def _serve_index(self, req: Request, w: ResponseWriter) -> None:
        current = self._current()
        index = {
            "paths": {
                path: {"serverRelativeURL": server_relative_url(path, doc.etag)}
                for path, doc in sorted(current.items())
            }
        }
        body = json.dumps(index, separators=(",", ":")).encode()
        serve_content(req, w, body, self._index_modified_at(body), [("Content-Type", "text/plain; charset=utf-8")])

    def _index_modified_at(self, body: bytes) -> float:
        """When the index last changed, always in a later second than any time announced before.

        Last-Modified has one-second resolution and clients revalidate with If-Modified-Since:
        an index that changed within the second of the previous answer (a CRD created right
        after a kubectl command read the index) must not be answered 304 from a stale copy.
        """
        with self._lock:
            if body != self._index_body:
                self._index_body = body
                self._index_modified = max(time.time(), self._index_modified + 1.0)
            return self._index_modified

    def _serve_group_version(self, req: Request, w: ResponseWriter, gv_path: str) -> None:
        documents = self._documents()
        entry = documents.get(gv_path)
        if entry is None:
            w.write_head(404, [("Content-Length", "0")])
            return
        headers = [("Vary", "Accept")]
        if negotiate(req.headers.get("Accept"), [("application", "json")]) is None:
            w.write_head(406, [*headers, ("Content-Length", "0")])
            return
        doc = self._document(gv_path, *entry)
        headers += [("Content-Type", JSON), ("Etag", f'"{doc.etag}"')]
        requested = req.query_param("hash")
        if requested:
            if requested != doc.etag:
                w.write_head(
                    301, [*headers, ("Location", server_relative_url(gv_path, doc.etag)), ("Content-Length", "0")]
                )
                return
            headers += [
                ("Cache-Control", "public, immutable"),
                ("Expires", expires_in_a_year(datetime.datetime.now(datetime.UTC))),
            ]
        serve_content(req, w, doc.data, doc.last_modified, headers)
