"""Each object version encoded to JSON at most once, the bytes shared by watch events, lists and gets.

Follows k8s.io/apiserver/pkg/storage/cacher/caching_object.go: the cacher wraps every object
it dispatches in a ``cachingObject``, which encodes it once per encoder (``CacheEncode``, a
``sync.Once`` per serialization) and hands the same bytes to every watcher. Here the storage
tracks each version it commits while that version's event is in the watch window or the
version is the object's current one; a version that is neither loses its encodings, so their
memory is bounded by the window and the live objects (about each object's JSON size once it
was read; a LIST of more objects than the window holds then encodes none of them again). The
encodings are looked up by the stored dict's identity: stored objects are never changed once
committed (storage/interfaces.py), so a version's bytes can never go stale, and an object the
storage does not hold (a transformed Table, a converted version, a dry run's result) misses
and is encoded afresh, which is what would have happened without the cache.

Two forms are cached per version: the object as a get or a watch event carries it, and the
list item, which carries no ``kind`` or ``apiVersion`` (a typed list's items have an empty
TypeMeta). The list-item dict itself is made once per version too, so a list's items keep
the identity that finds their bytes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from fakeapi.apimachinery.jsonutil import encode_json
from fakeapi.storage.interfaces import Object

_TYPE_META = ("kind", "apiVersion")


def list_item(obj: Object) -> Object:
    """The form of ``obj`` in a typed list: everything but its kind and apiVersion."""
    return {k: v for k, v in obj.items() if k not in _TYPE_META}


class _Versions:
    """One tracked version: the object, its list item once made, and each form's bytes once encoded."""

    __slots__ = ("item", "item_json", "object", "object_json")

    def __init__(self, obj: Object) -> None:
        self.object = obj
        self.item: Object | None = None
        self.object_json: bytes | None = None
        self.item_json: bytes | None = None


class EncodedObjects:
    """The encodings of the object versions in one storage's watch window, and of its current objects.

    ``track`` and ``forget`` are called by the storage as versions are committed and as they
    are neither in its window nor current any more;
    ``encode``, ``list_item`` and the body helpers by whoever answers a request.
    """

    def __init__(self) -> None:
        # By id() of a tracked object and of its list item; the entry holds both, so neither id
        # can be reused by another object while it is here.
        self._tracked: dict[int, _Versions] = {}
        self._lock = threading.Lock()

    def tracked(self) -> int:
        """How many versions are tracked."""
        return sum(1 for key, entry in self._tracked.items() if key == id(entry.object))

    def track(self, obj: Object) -> None:
        with self._lock:
            self._tracked[id(obj)] = _Versions(obj)

    def forget(self, obj: Object) -> None:
        # Under the lock: a list item being made for this version meanwhile is either dropped
        # here with it, or never registered.
        with self._lock:
            entry = self._tracked.pop(id(obj), None)
            if entry is not None and entry.item is not None:
                self._tracked.pop(id(entry.item), None)

    def clear(self) -> None:
        with self._lock:
            self._tracked.clear()

    def list_item(self, obj: Object) -> Object:
        """``obj`` as a list item: the same dict for every list of a tracked version."""
        entry = self._tracked.get(id(obj))
        if entry is None or entry.object is not obj:
            return list_item(obj)
        item = entry.item
        if item is None:
            with self._lock:
                item = entry.item
                if item is None:
                    item = entry.item = list_item(obj)
                    if self._tracked.get(id(obj)) is entry:  # not forgotten since the lookup
                        self._tracked[id(item)] = entry
        return item

    def list_items(self, objects: list[Object]) -> list[Object]:
        """``list_item`` of each object."""
        return self._each(objects, "object", "item", self.list_item)

    def _each(self, values: list[Any], key: str, form: str, make: Callable[[Any], Any]) -> list[Any]:
        """For each value, the ``form`` kept for the version whose ``key`` it is, else ``make(value)``.

        A large list's many items whose form is known are found without a call and a lock each.
        """
        tracked = self._tracked
        found = []
        for value in values:
            entry = tracked.get(id(value))
            known = getattr(entry, form) if entry is not None and getattr(entry, key) is value else None
            found.append(known if known is not None else make(value))
        return found

    def encode(self, value: Any) -> bytes:
        """Compact JSON of ``value`` (``encode_json``), encoded once per tracked version and form."""
        entry = self._tracked.get(id(value))
        if entry is None:
            return encode_json(value)
        if entry.object is value:
            return self._once(entry, "object_json", value)
        if entry.item is value:
            return self._once(entry, "item_json", value)
        return encode_json(value)

    def _once(self, entry: _Versions, form: str, value: Any) -> bytes:
        """The bytes of one form of a version (``object_json`` or ``item_json``), encoded by the first to ask."""
        encoded: bytes | None = getattr(entry, form)
        if encoded is None:
            with self._lock:
                encoded = getattr(entry, form)
                if encoded is None:
                    encoded = encode_json(value)
                    setattr(entry, form, encoded)
        return encoded

    def body(self, obj: Object) -> bytes:
        """A response body, as ``encode_json_body`` writes it; a list's items from their cached bytes."""
        items = obj.get("items")
        if type(items) is not list or next(reversed(obj)) != "items":
            return self.encode(obj) + b"\n"
        head = encode_json({k: v for k, v in obj.items() if k != "items"})
        # The head without its closing brace, then the items: exactly json.dumps of the whole.
        opening = head[:-1] + (b',"items":[' if len(obj) > 1 else b'"items":[')
        encoded = self._each(items, "item", "item_json", self.encode)
        if not encoded:
            return opening + b"]}\n"
        # One join copies each item once: a list of 50,000 is tens of megabytes, and each ``+`` would copy it all again.
        parts = [b","] * (2 * len(encoded) + 1)
        parts[0] = opening
        parts[1::2] = encoded
        parts[-1] = b"]}\n"
        return b"".join(parts)

    def watch_event(self, event_type: str, obj: Any) -> bytes:
        """One watch event line, as ``encode_json({"type": ..., "object": ...})`` plus a newline."""
        opening = _EVENT_OPENINGS.get(event_type) or b'{"type":' + encode_json(event_type) + b',"object":'
        return opening + self.encode(obj) + b"}\n"


_EVENT_OPENINGS = {
    event_type: b'{"type":"%s","object":' % event_type.encode()
    for event_type in ("ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR")
}
