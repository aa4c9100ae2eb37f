"""Events about objects, as kube-controller-manager's controllers record them (client-go tools/record/event.go).

Each controller has an ``EventRecorder`` reporting as its component (``deployment-controller``,
``replicaset-controller``...). An Event is a core/v1 Event in the object's namespace, named
``<object>.<nanoseconds of the server clock in hex>`` as ``makeEvent`` names it, with the
involved object's reference, the reason and message, and ``count: 1``. The same event again
(same component, object, type, reason and message: events_cache.go getEventKey) is folded into
the first as EventCorrelator's logger folds it: its count goes up, its lastTimestamp moves, by a
patch of the stored Event (created again if it was deleted). Upstream's aggregation of more than
ten similar events with different messages, and its spam filter, are not followed.

One ``EventLog`` per server holds the nanoseconds events are named after, so names stay unique
under a frozen clock and a seeded reset that copies recorded events names them as a fresh
bootstrap would, and the events recorded so far, as kube-controller-manager's controllers share
one broadcaster and its cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.controllers.client import LoopbackClient
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import now_rfc3339, wall_nanos

EVENTS_PREFIX = "events"
NORMAL = "Normal"
WARNING = "Warning"


# events_cache.go maxLruCacheEntries: how many distinct events the correlator remembers.
MAX_REMEMBERED_EVENTS = 4096


@dataclass
class Observation:
    """What the correlator remembers of an event it recorded: where it is stored and how often it happened."""

    name: str
    count: int
    first_timestamp: str = ""


class EventLog:
    """A server's events as its recorders see them: the nanoseconds they are named after, and the ones recorded.

    Each name takes the server clock's nanosecond, or the one after the last name given when the
    clock has not moved (a frozen clock), so the events of one moment are named in the order
    they were recorded. A reset starts the sequence again from the clock and forgets every event.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0
        self._seen: OrderedDict[Any, Observation] = OrderedDict()

    def next(self) -> int:
        with self._lock:
            self._last = max(wall_nanos(), self._last + 1)
            return self._last

    def seen(self, key: Any) -> Observation | None:
        """The last observation of the event ``key`` names (the least recently seen are forgotten first)."""
        with self._lock:
            observation = self._seen.get(key)
            if observation is not None:
                self._seen.move_to_end(key)
            return observation

    def remember(self, key: Any, observation: Observation) -> None:
        with self._lock:
            self._seen[key] = observation
            self._seen.move_to_end(key)
            while len(self._seen) > MAX_REMEMBERED_EVENTS:
                self._seen.popitem(last=False)

    def reset(self) -> None:
        with self._lock:
            self._last = 0
            self._seen.clear()


def create_event(client: LoopbackClient, spec: ResourceSpec, log: EventLog, base: str, event: Object) -> str | None:
    """Create ``event`` named ``<base>.<nanoseconds in hex>``; a name already taken (by an event a reset
    copied) moves to the next nanosecond; a namespace being deleted, or gone, takes no event (None)."""
    namespace = event["metadata"]["namespace"]
    while True:
        name = event["metadata"]["name"] = f"{base}.{log.next():x}"
        try:
            client.create(spec, namespace, event)
            return name
        except errors.StatusError as exc:
            if exc.code == 409 and exc.reason == "AlreadyExists":
                continue
            if exc.code in (403, 404):
                return None
            raise


def patch_event(client: LoopbackClient, spec: ResourceSpec, namespace: str, name: str, patch: Object) -> bool:
    """Patch a recorded event; False when it is gone (deleted, or its namespace), to be created again.

    A JSON merge patch of the changed fields; the core recorder's sink sends a strategic merge
    patch of the same fields, which changes the stored Event the same way (the audit log shows
    the other patch type).
    """
    try:
        client.merge_patch(spec, namespace, name, patch)
    except errors.StatusError as exc:
        if exc.code == 404:
            return False
        raise
    return True


class EventRecorder:
    """record.EventRecorder for one component, writing through that controller's loopback client."""

    def __init__(
        self, client: LoopbackClient, events: Callable[[], ResourceSpec], component: str, log: EventLog
    ) -> None:
        self._client = client
        self._events = events
        self.component = component
        self._log = log

    def event(self, obj: Object, event_type: str, reason: str, message: str) -> None:
        """Eventf: record that ``reason`` happened to ``obj``; a namespace being deleted takes none (as upstream)."""
        obj_meta = obj.get("metadata") or {}
        namespace = obj_meta.get("namespace") or "default"
        now = now_rfc3339()
        involved = {
            "kind": obj.get("kind") or "",
            "namespace": obj_meta.get("namespace") or "",
            "name": obj_meta.get("name") or "",
            "uid": obj_meta.get("uid") or "",
            "apiVersion": obj.get("apiVersion") or "",
            "resourceVersion": obj_meta.get("resourceVersion") or "",
        }
        # getEventKey: everything that makes two events the same but their times and the object's version.
        key = (self.component, *(involved[k] for k in ("kind", "namespace", "name", "uid", "apiVersion")))
        key += (event_type, reason, message)
        previous = self._log.seen(key)
        if previous is not None:
            count = previous.count + 1
            folded = {"count": count, "lastTimestamp": now, "message": message}
            if patch_event(self._client, self._events(), namespace, previous.name, folded):
                self._log.remember(key, Observation(previous.name, count, previous.first_timestamp))
                return
        event: Object = {
            "involvedObject": involved,
            "reason": reason,
            "message": message,
            "source": {"component": self.component},
            "firstTimestamp": previous.first_timestamp if previous is not None else now,
            "lastTimestamp": now,
            "count": previous.count + 1 if previous is not None else 1,
            "type": event_type,
            "reportingComponent": self.component,
            "reportingInstance": "",
        }
        event["metadata"] = {"namespace": namespace}
        name = create_event(self._client, self._events(), self._log, obj_meta.get("name") or "", event)
        if name is not None:
            self._log.remember(key, Observation(name, event["count"], event["firstTimestamp"]))
