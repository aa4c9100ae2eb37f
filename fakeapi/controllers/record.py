"""Events about objects, as kube-controller-manager's controllers record them (client-go tools/record/event.go).

Each controller has an ``EventRecorder`` reporting as its component (``deployment-controller``,
``replicaset-controller``...). An Event is a core/v1 Event in the object's namespace, named
``<object>.<nanoseconds of the server clock in hex>`` as ``makeEvent`` names it, with the
involved object's reference, the reason and message, and ``count: 1`` (upstream's correlator
folds repeats into one Event with a higher count; here each is its own). The nanoseconds come
from one ``EventClock`` per server, so names stay unique under a frozen clock and a seeded
reset that copies recorded events names them as a fresh bootstrap would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from fakeapi.apimachinery import errors
from fakeapi.controllers.client import LoopbackClient
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import now_rfc3339, wall_nanos

EVENTS_PREFIX = "events"
NORMAL = "Normal"
WARNING = "Warning"


class EventClock:
    """The nanoseconds events are named after, one sequence for every recorder of a server.

    Each name takes the server clock's nanosecond, or the one after the last name given when the
    clock has not moved (a frozen clock), so the events of one moment are named in the order
    they were recorded; a reset starts the sequence again from the clock.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def next(self) -> int:
        with self._lock:
            self._last = max(wall_nanos(), self._last + 1)
            return self._last

    def reset(self) -> None:
        with self._lock:
            self._last = 0


def create_event(client: LoopbackClient, spec: ResourceSpec, clock: EventClock, base: str, event: Object) -> None:
    """Create ``event`` named ``<base>.<nanoseconds in hex>``; a name already taken (by an event a reset
    copied) moves to the next nanosecond; a namespace being deleted, or gone, takes no event."""
    namespace = event["metadata"]["namespace"]
    while True:
        event["metadata"]["name"] = f"{base}.{clock.next():x}"
        try:
            client.create(spec, namespace, event)
            return
        except errors.StatusError as exc:
            if exc.code == 409 and exc.reason == "AlreadyExists":
                continue
            if exc.code in (403, 404):
                return
            raise


class EventRecorder:
    """record.EventRecorder for one component, writing through that controller's loopback client."""

    def __init__(
        self, client: LoopbackClient, events: Callable[[], ResourceSpec], component: str, clock: EventClock
    ) -> None:
        self._client = client
        self._events = events
        self.component = component
        self._clock = clock

    def event(self, obj: Object, event_type: str, reason: str, message: str) -> None:
        """Eventf: record that ``reason`` happened to ``obj``; a namespace being deleted takes none (as upstream)."""
        obj_meta = obj.get("metadata") or {}
        namespace = obj_meta.get("namespace") or "default"
        now = now_rfc3339()
        event: Object = {
            "involvedObject": {
                "kind": obj.get("kind") or "",
                "namespace": obj_meta.get("namespace") or "",
                "name": obj_meta.get("name") or "",
                "uid": obj_meta.get("uid") or "",
                "apiVersion": obj.get("apiVersion") or "",
                "resourceVersion": obj_meta.get("resourceVersion") or "",
            },
            "reason": reason,
            "message": message,
            "source": {"component": self.component},
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "type": event_type,
            "reportingComponent": self.component,
            "reportingInstance": "",
        }
        event["metadata"] = {"namespace": namespace}
        create_event(self._client, self._events(), self._clock, obj_meta.get("name") or "", event)
