"""kube-aggregator's available condition controller, for APIServices backed by a Service
(staging/src/k8s.io/kube-aggregator/pkg/controllers/status/remote/remote_available_controller.go).

An APIService gets its ``Available`` condition when it is written (strategy.py). Upstream the
controller also watches Services and Endpoints and queues the APIServices that name them, so
the condition follows them: ``EndpointsNotFound`` becomes ``MissingEndpoints`` once the
endpoints controller made the Service's (empty) Endpoints, ``ServiceNotFound`` clears when the
Service is created. This is that watch; a sync writes the condition through the status
subresource when its status, reason or message changed.
"""

from __future__ import annotations

from typing import Any

from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.controllers.base import QueueController
from fakeapi.controllers.context import ControllerContext
from fakeapi.registry.apiregistration.strategy import CoreReader, with_available_condition
from fakeapi.storage.interfaces import Event, Object

NAME = "apiservice-available"
CLIENT_NAME = "kube-aggregator"
APISERVICES_PREFIX = "apiregistration.k8s.io/apiservices"
_BACKING_PREFIXES = ("services", "endpoints")


def _available(apiservice: Object) -> tuple[Any, Any, Any] | None:
    conditions = (apiservice.get("status") or {}).get("conditions") or []
    condition = next((c for c in conditions if c.get("type") == "Available"), None)
    return None if condition is None else (condition.get("status"), condition.get("reason"), condition.get("message"))


class AvailableConditionController(QueueController[str]):
    """Keys are APIService names."""

    def __init__(self, ctx: ControllerContext, read: CoreReader) -> None:
        super().__init__(NAME, self._sync, ctx.log)
        self._read = read
        self._resources = ctx.resources
        self._client = ctx.client(CLIENT_NAME)
        self._apiservices = ctx.informers.lister(APISERVICES_PREFIX)
        for prefix in _BACKING_PREFIXES:
            ctx.informers.add_event_handler(prefix, self._backing_changed)

    def _backing_changed(self, event: Event) -> None:
        """A Service or Endpoints changed: queue the APIServices whose ``spec.service`` names it."""
        meta = event.object.get("metadata") or {}
        backing = (meta.get("namespace"), meta.get("name"))
        for apiservice in self._apiservices.list():
            service = (apiservice.get("spec") or {}).get("service") or {}
            if (service.get("namespace"), service.get("name")) == backing:
                name = apiservice["metadata"]["name"]
                self.enqueue_key(name, cause=f"{event.key.prefix} {backing[0]}/{backing[1]} {event.type.lower()}")

    def _sync(self, name: str) -> None:
        apiservice = self._apiservices.get("", name)
        store = self._resources.by_prefix(APISERVICES_PREFIX)
        if apiservice is None or store is None:
            return
        updated = deep_copy_json(apiservice)
        with_available_condition(updated, self._read)
        if _available(updated) != _available(apiservice):
            self._client.update(store.spec, updated, "status")
