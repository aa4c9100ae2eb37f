"""The apiextensions part of a server: CRD writes drive the controllers and the CR handler.

Mirrors apiextensions-apiserver/pkg/apiserver/apiserver.go (``New`` wires the crdHandler, the
discovery controller and the naming, establishing and finalizer controllers to the CRD
informer). Here the informer is a storage listener: every committed change of a CRD rebuilds
what its group serves, under the storage lock, so routes and discovery always match what is
stored; and every CRD write through the API is followed by the controllers, synchronously.
"""

from __future__ import annotations

from collections.abc import Iterable

from fakeapi.apiextensions import helpers
from fakeapi.apiextensions.controller import CRDController
from fakeapi.apiextensions.handler import CustomResourceHandler, CustomResourceSchemas, DefinitionsPublisher
from fakeapi.apiextensions.strategy import CustomResourceDefinitionStore
from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.controllers.base import EnqueueLog
from fakeapi.endpoints.discovery import DiscoveryManager
from fakeapi.endpoints.handlers.table import TableConvertorRegistry
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.registry.rest_storage import StoreServices
from fakeapi.storage.interfaces import Event
from fakeapi.storage.memory import MemoryStorage


class APIExtensionsServer:
    """CustomResourceDefinitions served by one FakeAPIServer."""

    def __init__(
        self,
        *,
        storage: MemoryStorage,
        crd_store: CustomResourceDefinitionStore,
        crd_status_store: CustomResourceDefinitionStore,
        services: StoreServices,
        discovery: DiscoveryManager,
        schemas: SchemaRegistry,
        table_convertors: TableConvertorRegistry,
        builtin_specs: Iterable[ResourceSpec],
        log: EnqueueLog | None = None,
        openapi: DefinitionsPublisher | None = None,
    ) -> None:
        self._builtin_specs = list(builtin_specs)
        self.crd_store = crd_store
        self.schemas = CustomResourceSchemas(schemas)
        self.handler = CustomResourceHandler(
            services,
            discovery,
            self.schemas,
            table_convertors,
            builtin_group_versions={s.group_version for s in self._builtin_specs},
            on_instance_deleted=lambda name: self.controller.sync_now(name, "instance deleted"),
            openapi=openapi,
        )
        self.controller = CRDController(crd_store, crd_status_store, self.handler, self._builtin_names, log)
        # The status store is a copy of the main one sharing this list.
        crd_store.on_change.append(self.controller.sync_now)
        storage.add_listener(self._on_event)

    def _builtin_names(self, group: str) -> tuple[set[str], set[str]]:
        """The resource names and kinds built-in resources of ``group`` hold."""
        resources: set[str] = set()
        kinds: set[str] = set()
        for spec in self._builtin_specs:
            if spec.group != group:
                continue
            resources.update((spec.resource, spec.singular_name, *spec.short_names))
            kinds.update((spec.kind, spec.list_kind))
        return resources, kinds

    def _on_event(self, event: Event) -> None:
        """The CRD informer: rebuild the served group of a CRD that changed (runs under the storage lock)."""
        if event.key.prefix != self.crd_store.key_prefix:
            return
        crd = event.object if event.type != "DELETED" else (event.previous or event.object)
        group = str(helpers.spec_of(crd).get("group") or "")
        crds, _ = self.crd_store.storage.get_list(self.crd_store.key_prefix)
        self.handler.sync_group(group, crds)

    def reset(self) -> None:
        """Forget every custom resource route (the storage was cleared: no events say so)."""
        self.handler.remove_all()
