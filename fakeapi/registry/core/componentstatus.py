"""componentstatuses (pkg/registry/core/componentstatus/rest.go): read-only health of the
control plane's components. fakeapi's components are all in-process and healthy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.registry.rest import ListOptions
from fakeapi.storage.interfaces import Object

COMPONENTS = ("controller-manager", "etcd-0", "scheduler")


@dataclass
class ComponentStatusREST:
    spec: ResourceSpec

    def new(self) -> Object:
        return {"apiVersion": "v1", "kind": "ComponentStatus", "metadata": {}}

    def new_list(self) -> Object:
        return {"apiVersion": "v1", "kind": "ComponentStatusList", "metadata": {}, "items": []}

    def _status(self, name: str) -> Object:
        condition: dict[str, Any] = {"type": "Healthy", "status": "True", "message": "ok"}
        return {"kind": "ComponentStatus", "apiVersion": "v1", "metadata": {"name": name}, "conditions": [condition]}

    def get(self, ctx: RequestContext, name: str) -> Object:
        if name not in COMPONENTS:
            raise errors.new_not_found(self.spec.group_resource, name)
        return self._status(name)

    def list(self, ctx: RequestContext, options: ListOptions) -> Object:
        result = self.new_list()
        result["items"] = [
            {k: v for k, v in self._status(name).items() if k not in ("kind", "apiVersion")}
            for name in COMPONENTS
            if options.label_selector is None or options.label_selector.matches({})
        ]
        return result
