"""``/openapi/v2`` (k8s.io/kube-openapi/pkg/handler), and the HTTP details both versions share.

``OpenAPIService.RegisterOpenAPIVersionedService`` negotiates with goautoneg between JSON and
gnostic's protobuf (``application/com.github.proto-openapi.spec.v2@v1.0+protobuf``, or the
``.v2.v1.0+`` spelling; either is answered with the latter as Content-Type), 406 with an empty
body when nothing fits. The ETag is the uppercase hex SHA-512 of the JSON, quoted, and serves
both forms (the response varies on Accept). Bodies go out through Go's ``http.ServeContent``:
``Last-Modified``, ``Accept-Ranges``, and 304 for a matching ``If-None-Match`` or a fresh
``If-Modified-Since``. The handler is wrapped in NYTimes/gziphandler, so clients that accept
gzip (every Go client does) get the body compressed.

Upstream builds the JSON when the spec changes and the protobuf on first request; here both
are built on the first request after the served group-versions changed, so a server starts
without paying for documents nobody asks for.
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.endpoints.http import Request, ResponseWriter, encode_json

logger = logging.getLogger("fakeapi.openapi")

JSON = "application/json"
PROTOBUF_V2 = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
_PROTOBUF_V2_DEPRECATED_SUBTYPE = "com.github.proto-openapi.spec.v2@v1.0+protobuf"
_PROTOBUF_V2_SUBTYPE = "com.github.proto-openapi.spec.v2.v1.0+protobuf"
# gziphandler.DefaultMinSize: smaller bodies are not worth compressing.
GZIP_MIN_SIZE = 1400


@dataclass(frozen=True)
class Clause:
    """One media range of an Accept header, as goautoneg parses it."""

    type: str
    subtype: str
    q: float


def parse_accept(header: str) -> list[Clause]:
    """goautoneg.ParseAccept: the media ranges, best first."""
    clauses = []
    for part in header.split(","):
        media_range, *params = part.strip(" ").split(";")
        pieces = media_range.split("/")
        kind = pieces[0].strip(" ")
        if len(pieces) == 1 and kind == "*":
            subtype = "*"
        elif len(pieces) == 2:
            subtype = pieces[1].strip(" ")
        else:
            continue
        q = 1.0
        for param in params:
            key, sep, value = param.partition("=")
            if sep and key.strip(" ") == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        clauses.append(Clause(kind, subtype, q))
    # goautoneg sorts with sort.Sort and this ordering; for the few clauses of a real header Go
    # runs an insertion sort, reproduced here so ties land where they land upstream.
    for i in range(1, len(clauses)):
        j = i
        while j > 0 and _accept_less(clauses[j], clauses[j - 1]):
            clauses[j], clauses[j - 1] = clauses[j - 1], clauses[j]
            j -= 1
    return clauses


def _accept_less(a: Clause, b: Clause) -> bool:
    if a.q > b.q:
        return True
    if a.type != "*" and b.type == "*":
        return True
    return a.subtype != "*" and b.subtype == "*"


def negotiate(accept: str, offers: list[tuple[str, str]]) -> str | None:
    """The first offer (type, subtype) the best-ranked matching clause accepts, or None."""
    for clause in parse_accept(accept or "*/*"):
        for kind, subtype in offers:
            if clause.type not in (kind, "*"):
                continue
            if clause.subtype not in (subtype, "*"):
                continue
            return f"{kind}/{subtype}"
    return None


def compute_etag(data: bytes) -> str:
    """handler.go computeETag: the uppercase hex SHA-512 of the JSON document."""
    return hashlib.sha512(data).hexdigest().upper()


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_HTTP_DATE = re.compile(r"\w{3}, (\d\d) (\w{3}) (\d{4}) (\d\d):(\d\d):(\d\d) GMT")


def http_date(timestamp: float) -> str:
    """net/http TimeFormat: ``Mon, 02 Jan 2006 15:04:05 GMT``."""
    return _rfc1123(datetime.datetime.fromtimestamp(timestamp, datetime.UTC), "GMT")


def _rfc1123(when: datetime.datetime, zone: str) -> str:
    # Names spelled out rather than strftime's, which follow the locale.
    return (
        f"{_DAYS[when.weekday()]}, {when.day:02d} {_MONTHS[when.month - 1]} {when.year} "
        f"{when.hour:02d}:{when.minute:02d}:{when.second:02d} {zone}"
    )


def _parse_http_date(text: str) -> float | None:
    """http.ParseTime for the TimeFormat layout clients send; None for anything else."""
    match = _HTTP_DATE.fullmatch(text.strip())
    if match is None or match.group(2) not in _MONTHS:
        return None
    day, _, year, hour, minute, second = match.groups()
    try:
        when = datetime.datetime(
            int(year),
            _MONTHS.index(match.group(2)) + 1,
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=datetime.UTC,
        )
    except ValueError:
        return None
    return when.timestamp()


def _etag_matches(header: str, etag: str) -> bool:
    """net/http checkIfNoneMatch: weak comparison against each listed tag, ``*`` matching any."""
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag.removeprefix("W/"):
            return True
    return False


def _not_modified_since(header: str, last_modified: float) -> bool:
    since = _parse_http_date(header)
    # HTTP dates have second precision: compare truncated, as net/http does.
    return since is not None and int(last_modified) <= since


def serve_content(
    req: Request,
    w: ResponseWriter,
    body: bytes,
    last_modified: float,
    headers: list[tuple[str, str]],
    gzipped: bytes | None = None,
) -> None:
    """net/http ServeContent for a response whose Content-Type and ETag are among ``headers``.

    Args:
        req: The request, for its conditional headers.
        w: Where the answer goes.
        body: The full representation.
        last_modified: When the representation was made (seconds since the epoch).
        headers: Headers already set (Content-Type, ETag, Vary, caching).
        gzipped: The representation compressed, sent instead of ``body`` when given.
    """
    etag = next((value for key, value in headers if key.lower() == "etag"), "")
    if req.method in ("GET", "HEAD"):
        if_none_match = req.headers.get("If-None-Match")
        if_modified_since = req.headers.get("If-Modified-Since")
        if (if_none_match and etag and _etag_matches(if_none_match, etag)) or (
            not if_none_match and if_modified_since and _not_modified_since(if_modified_since, last_modified)
        ):
            # writeNotModified: no body headers, and no Last-Modified when there is an ETag.
            kept = [
                (k, v) for k, v in headers if k.lower() not in ("content-type", "content-length", "content-encoding")
            ]
            if not etag:
                kept.append(("Last-Modified", http_date(last_modified)))
            w.write_head(304, kept)
            return
    payload = body
    out = [*headers, ("Last-Modified", http_date(last_modified)), ("Accept-Ranges", "bytes")]
    if gzipped is not None:
        payload = gzipped
        out.append(("Content-Encoding", "gzip"))
    out.append(("Content-Length", str(len(payload))))
    w.write_head(200, out)
    w.write(payload)


def accepts_gzip(req: Request) -> bool:
    """gziphandler's acceptsGzip: ``gzip`` listed in Accept-Encoding with a non-zero q."""
    for part in req.headers.get("Accept-Encoding").split(","):
        coding, *params = part.strip().split(";")
        if coding.strip().lower() != "gzip":
            continue
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    return float(value) > 0
                except ValueError:
                    return False
        return True
    return False


@dataclass
class CachedBody:
    """One encoding of a document, with its compressed form made on first need."""

    data: bytes
    _gzipped: bytes | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def gzipped(self) -> bytes:
        with self._lock:
            if self._gzipped is None:
                # gziphandler writes with gzip.DefaultCompression; mtime 0 keeps the bytes stable.
                self._gzipped = gzip.compress(self.data, compresslevel=6, mtime=0)
            return self._gzipped


@dataclass
class _SpecV2:
    key: object
    json: CachedBody
    etag: str
    last_modified: float
    document: dict[str, Any]
    proto: CachedBody | None = None


class OpenAPIService:
    """The ``/openapi/v2`` handler over a document built on demand.

    Args:
        build: Makes the Swagger 2.0 document of what is served now.
        current_key: Identifies what is served now; the document is rebuilt when it changes.
        encode_protobuf: Turns the document into gnostic's protobuf bytes.
    """

    def __init__(
        self,
        build: Callable[[], dict[str, Any]],
        current_key: Callable[[], object],
        encode_protobuf: Callable[[dict[str, Any]], bytes],
    ) -> None:
        self._build = build
        self._current_key = current_key
        self._encode_protobuf = encode_protobuf
        self._spec: _SpecV2 | None = None
        self._lock = threading.Lock()

    def _spec_now(self) -> _SpecV2:
        key = self._current_key()
        with self._lock:
            spec = self._spec
            if spec is None or spec.key != key:
                started = time.perf_counter()
                document = self._build()
                built = time.perf_counter()
                data = encode_json(document)
                logger.debug(
                    "built /openapi/v2 in %.1f ms, JSON-encoded in %.1f ms (%d bytes)",
                    (built - started) * 1e3,
                    (time.perf_counter() - built) * 1e3,
                    len(data),
                )
                spec = self._spec = _SpecV2(key, CachedBody(data), compute_etag(data), time.time(), document)
            return spec

    def _protobuf(self, spec: _SpecV2) -> CachedBody:
        with self._lock:
            if spec.proto is None:
                started = time.perf_counter()
                spec.proto = CachedBody(self._encode_protobuf(spec.document))
                logger.debug(
                    "encoded /openapi/v2 as protobuf in %.1f ms (%d bytes)",
                    (time.perf_counter() - started) * 1e3,
                    len(spec.proto.data),
                )
            return spec.proto

    def serve(self, req: Request, w: ResponseWriter) -> None:
        # Registered with Handle("/openapi/v2"): an exact path; anything below it is not found.
        if req.path.rstrip("/") != "/openapi/v2":
            raise errors.new_generic_not_found()
        offers = [
            ("application", "json"),
            ("application", _PROTOBUF_V2_DEPRECATED_SUBTYPE),
            ("application", _PROTOBUF_V2_SUBTYPE),
        ]
        chosen = negotiate(req.headers.get("Accept"), offers)
        headers = [("Vary", "Accept-Encoding"), ("Vary", "Accept")]
        if chosen is None:
            w.write_head(406, [*headers, ("Content-Length", "0")])
            return
        spec = self._spec_now()
        body = spec.json
        content_type = JSON
        if chosen != JSON:
            body = self._protobuf(spec)
            content_type = PROTOBUF_V2
        headers += [("Content-Type", content_type), ("Etag", f'"{spec.etag}"')]
        compressed = body.gzipped() if accepts_gzip(req) and len(body.data) >= GZIP_MIN_SIZE else None
        serve_content(req, w, body.data, spec.last_modified, headers, compressed)


def expires_in_a_year(now: datetime.datetime) -> str:
    """``time.Now().AddDate(1, 0, 0).Format(time.RFC1123)`` on a server whose zone is UTC."""
    try:
        later = now.replace(year=now.year + 1)
    except ValueError:
        # AddDate normalises 29 February of a year that has none to 1 March.
        later = now.replace(year=now.year + 1, month=3, day=1)
    return _rfc1123(later, "UTC")
