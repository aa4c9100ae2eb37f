"""Events about objects, as kube-controller-manager's controllers record them (client-go tools/record/event.go).

Each controller has an ``EventRecorder`` reporting as its component (``deployment-controller``,
``replicaset-controller``...). An Event is a core/v1 Event in the object's namespace, named
``<object>.<nanoseconds of the server clock in hex>`` as ``makeEvent`` names it, with the
involved object's reference, the reason and message, and ``count: 1`` (upstream's correlator
folds repeats into one Event with a higher count; here each is its own). A frozen clock gives
several events the same nanosecond: the next free one is taken, so names stay unique.
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


class EventRecorder:
    """record.EventRecorder for one component, writing through that controller's loopback client."""

    def __init__(self, client: LoopbackClient, events: Callable[[], ResourceSpec], component: str) -> None:
        self._client = client
        self._events = events
        self.component = component
        self._lock = threading.Lock()
        self._last_nanos = 0

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
        with self._lock:
            self._last_nanos = max(wall_nanos(), self._last_nanos + 1)
            while True:
                event["metadata"] = {"name": f"{obj_meta.get('name')}.{self._last_nanos:x}", "namespace": namespace}
                try:
                    self._client.create(self._events(), namespace, event)
                    return
                except errors.StatusError as exc:
                    if exc.code == 409 and exc.reason == "AlreadyExists":
                        self._last_nanos += 1  # a name an earlier event (or a copied bootstrap) holds
                        continue
                    if exc.code in (403, 404):
                        return
                    raise

    def reset(self) -> None:
        """A reset cluster: names start again from the server clock."""
        with self._lock:
            self._last_nanos = 0
