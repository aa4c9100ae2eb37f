"""limit/continue paging over a consistent snapshot.

etcd serves every page of a paginated list at the revision of the first page; an in-memory
store has no history to read from, so the first page's result is kept and later pages are
cut from it. Tokens look like upstream's (base64 of ``{"v":"meta.k8s.io/v1","rv":N,"start":KEY}``)
with a snapshot id added. A snapshot evicted from the bounded cache answers 410 Expired,
as a compacted revision does upstream, and client-go's pager then falls back to a full list.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass

from fakeapi.apimachinery import errors
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


def _decode_token(token: str) -> tuple[int, int, int]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        body = json.loads(raw)
        if body.get("v") != "meta.k8s.io/v1":
            raise ValueError("unsupported version")
        return int(body["id"]), int(body["rv"]), int(body["start"])
    except (binascii.Error, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise errors.new_bad_request(f"continue key is not valid: {exc}") from exc
