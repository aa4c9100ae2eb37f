"""limit/continue paging over a consistent snapshot.

etcd serves every page of a paginated list at the revision of the first page; an in-memory
store has no history to read from, so the first page's result is kept and later pages are
cut from it. Tokens look like upstream's (base64 of ``{"v":"meta.k8s.io/v1","rv":N,"start":KEY}``)
with a snapshot id added. A snapshot evicted from the bounded cache answers 410 Expired,
as a compacted revision does upstream, and client-go's pager then falls back to a full list.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.jsonutil import json_value_kind
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import real_monotonic

MAX_SNAPSHOTS = 128
SNAPSHOT_TTL_SECONDS = 300.0


@dataclass
class _Snapshot:
    items: list[Object]
    revision: int
    created: float


@dataclass
class Page:
    items: list[Object]
    revision: int
    continue_token: str
    remaining_item_count: int | None


class ListPager:
    """Keeps the snapshots behind open continue tokens."""

    def __init__(self, ttl_seconds: float = SNAPSHOT_TTL_SECONDS) -> None:
        self._lock = threading.Lock()
        self._snapshots: OrderedDict[int, _Snapshot] = OrderedDict()
        self._ids = itertools.count(1)
        self._ttl = ttl_seconds

    def first_page(self, items: list[Object], revision: int, limit: int) -> Page:
        if limit <= 0 or len(items) <= limit:
            return Page(items, revision, "", None)
        with self._lock:
            snapshot_id = next(self._ids)
            self._snapshots[snapshot_id] = _Snapshot(items, revision, real_monotonic())
            while len(self._snapshots) > MAX_SNAPSHOTS:
                self._snapshots.popitem(last=False)
        return self._page(snapshot_id, items, revision, 0, limit)

    def next_page(self, token: str, limit: int) -> Page:
        snapshot_id, revision, start = _decode_token(token)
        with self._lock:
            snapshot = self._snapshots.get(snapshot_id)
            if snapshot is not None and real_monotonic() - snapshot.created > self._ttl:
                del self._snapshots[snapshot_id]
                snapshot = None
        if snapshot is None or snapshot.revision != revision:
            raise errors.new_resource_expired(errors.CONTINUE_EXPIRED_MSG)
        page = self._page(snapshot_id, snapshot.items, revision, start, limit)
        if not page.continue_token:
            with self._lock:
                self._snapshots.pop(snapshot_id, None)
        return page

    def _page(self, snapshot_id: int, items: list[Object], revision: int, start: int, limit: int) -> Page:
        end = len(items) if limit <= 0 else start + limit
        if end >= len(items):
            return Page(items[start:], revision, "", None)
        token = _encode_token(snapshot_id, revision, end)
        return Page(items[start:end], revision, token, len(items) - end)


def _encode_token(snapshot_id: int, revision: int, start: int) -> str:
    body = {"v": "meta.k8s.io/v1", "rv": revision, "start": start, "id": snapshot_id}
    return base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).decode().rstrip("=")


# storage.DecodeContinue's errors (k8s.io/apiserver/pkg/storage/continue.go).
_INVALID_KEY = "continue key is not valid"
_BASE64_URL = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _invalid(detail: str) -> errors.StatusError:
    """storage.ValidateListOptions' 400 for a continue token DecodeContinue refuses."""
    return errors.new_bad_request(f"invalid continue token: {detail}")


def _decode_token(token: str) -> tuple[int, int, int]:
    """DecodeContinue, in its words where upstream would refuse the token; then this pager's own fields."""
    raw = token.encode()
    bad = next((i for i, byte in enumerate(raw) if byte not in _BASE64_URL), None)
    if bad is None and len(raw) % 4 == 1:
        bad = len(raw) - 1  # base64.RawURLEncoding: a lone last character
    if bad is not None:
        raise _invalid(f"{_INVALID_KEY}: illegal base64 data at input byte {bad}")
    data = base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4))
    try:
        body = json.loads(data)
    except ValueError:
        from fakeapi.apimachinery.gojsonsyntax import syntax_error

        raise _invalid(f"{_INVALID_KEY}: {syntax_error(data) or 'unexpected end of JSON input'}") from None
    if body is None:
        body = {}  # null leaves the struct as it was
    if not isinstance(body, dict):
        raise _invalid(
            f"{_INVALID_KEY}: json: cannot unmarshal {json_value_kind(body)} into Go value of type storage.continueToken"
        )
    version = body.get("v")
    if version != "meta.k8s.io/v1":
        raise _invalid(f"{_INVALID_KEY}: server does not recognize this encoded version {version or ''}")
    revision, start, snapshot_id = body.get("rv"), body.get("start"), body.get("id")
    # A field of the wrong JSON type is refused by the checks below, where json.Unmarshal would say
    # "cannot unmarshal string into Go struct field continueToken.rv of type int64".
    if not isinstance(revision, int) or revision == 0:
        raise _invalid(f"{_INVALID_KEY}: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
    if start in (None, ""):
        raise _invalid(f"{_INVALID_KEY}: encoded start key empty (version meta.k8s.io/v1)")
    if not isinstance(start, int) or not isinstance(snapshot_id, int):
        # A well-formed token of another server's (or a hand-made one): no snapshot of this server's is
        # behind it, as if its revision had been compacted.
        raise errors.new_resource_expired(errors.CONTINUE_EXPIRED_MSG)
    return snapshot_id, revision, start
