"""OpenAPI of a server: ``/openapi/v2`` and ``/openapi/v3`` (apiserver/pkg/server/routes/openapi.go).

``OpenAPI`` ties the document builders to what the server serves. Routes come from the
group-versions installed in the :class:`~fakeapi.endpoints.discovery.DiscoveryManager` and
definitions from the built-in schemas, plus those registered for a group-version with
:meth:`OpenAPI.set_definitions` (custom resources: their definitions, named and shaped as
apiextensions-apiserver publishes them, with ``x-kubernetes-group-version-kind`` so their
routes find them). Nothing is built until a client asks; a document is rebuilt on the first
request after the discovery generation or the registered definitions changed, as kube-apiserver
rebuilds its aggregated spec when a CRD or APIService comes or goes. ``/openapi/v3`` documents
are cached per group-version, so adding one custom resource version rebuilds only its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.apimachinery.schema import GroupVersion
from fakeapi.endpoints.discovery import DiscoveryManager
from fakeapi.endpoints.http import Handler
from fakeapi.endpoints.installer import APIGroupVersion
from fakeapi.endpoints.openapi.handler import OpenAPIService
from fakeapi.endpoints.openapi.handler3 import V3_ROOT, OpenAPIV3Service

if TYPE_CHECKING:
    from fakeapi.endpoints.openapi.definitions import DefinitionSet
    from fakeapi.endpoints.openapi.routes import Route

# The builders are imported when a document is first built: a server that is never asked for
# OpenAPI does not pay for them at start-up.

V2_PATH = "/openapi/v2"


class _Identity:
    """A cache key equal only to a key over the very same objects (which it keeps alive)."""

    __slots__ = ("_objects",)

    def __init__(self, *objects: object) -> None:
        self._objects = objects

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, _Identity)
            and len(other._objects) == len(self._objects)
            and all(a is b for a, b in zip(self._objects, other._objects, strict=True))
        )

    __hash__ = None  # type: ignore[assignment]


class OpenAPI:
    """The OpenAPI documents of one server, built on demand from its discovery state.

    Args:
        schemas: The built-in kinds' schemas.
        discovery: The installed group-versions.
        version_info: The ``/version`` document; ``info.version`` is its ``major.minor``
            (completeOpenAPI uses the emulation version, which has no patch number).
    """

    def __init__(self, schemas: SchemaRegistry, discovery: DiscoveryManager, version_info: Mapping[str, str]) -> None:
        self._schemas = schemas
        self._discovery = discovery
        self._info_version = f"{version_info['major']}.{version_info['minor']}"
        self._lock = threading.Lock()
        self._builtin: DefinitionSet | None = None
        self._extra: dict[GroupVersion, dict[str, dict[str, Any]]] = {}
        self._extra_v3: dict[GroupVersion, dict[str, dict[str, Any]]] = {}
        self._extra_generation = 0
        self._encoder: Any = None
        self.v2 = OpenAPIService(self._build_v2, self._v2_key, self._encode_protobuf)
        self.v3 = OpenAPIV3Service(self._v3_documents)

    def install(self, handlers: dict[str, Handler]) -> None:
        """Serve ``/openapi/v2`` and ``/openapi/v3[/...]`` from the server's non-REST handlers."""
        handlers[V2_PATH] = self.v2.serve
        handlers[V3_ROOT] = self.v3.serve

    # -- what custom resources add ------------------------------------------------------------------

    def set_definitions(
        self,
        gv: GroupVersion,
        definitions: Mapping[str, dict[str, Any]],
        v3_definitions: Mapping[str, dict[str, Any]] | None = None,
    ) -> None:
        """Register the Swagger 2.0 definitions of a group-version's kinds (custom resources).

        Args:
            gv: The group-version they belong to; its kinds' routes come from discovery.
            definitions: Definition name -> schema, with ``$ref``s as ``#/definitions/<name>``
                and ``x-kubernetes-group-version-kind`` on each kind and list kind. Built-in
                definitions (ObjectMeta, ListMeta...) may be referenced. They must be valid
                Swagger 2.0 (apiextensions-apiserver strips what 2.0 lacks, such as ``nullable``
                and ``oneOf``, before publishing a CRD's schema).
            v3_definitions: The same kinds as the v3 documents show them, in the same form (refs
                as ``#/definitions/<name>``), where they say more than 2.0 can; by default the v3
                documents derive from ``definitions``.
        """
        with self._lock:
            self._extra[gv] = {name: dict(schema) for name, schema in definitions.items()}
            v3 = definitions if v3_definitions is None else v3_definitions
            self._extra_v3[gv] = {name: dict(schema) for name, schema in v3.items()}
            self._extra_generation += 1

    def remove_definitions(self, gv: GroupVersion) -> None:
        """Forget what :meth:`set_definitions` registered for ``gv``."""
        with self._lock:
            self._extra_v3.pop(gv, None)
            if self._extra.pop(gv, None) is not None:
                self._extra_generation += 1

    # -- building ---------------------------------------------------------------------------------

    def _builtin_definitions(self) -> DefinitionSet:
        with self._lock:
            if self._builtin is None:
                from fakeapi.endpoints.openapi.definitions import DefinitionSet

                self._builtin = DefinitionSet.from_registry(self._schemas)
            return self._builtin

    def _definitions_for(self, extra: Mapping[str, dict[str, Any]]) -> DefinitionSet:
        return self._builtin_definitions().merged(extra)

    def _extras(self) -> dict[GroupVersion, dict[str, dict[str, Any]]]:
        with self._lock:
            return dict(self._extra)

    def _v2_key(self) -> object:
        return (self._discovery.generation, self._extra_generation)

    def _routes_of(self, installed: APIGroupVersion, definitions: DefinitionSet, custom: bool) -> list[Route]:
        from fakeapi.endpoints.openapi import routes

        patch_types = routes.CUSTOM_RESOURCE_PATCH_TYPES if custom else routes.PATCH_TYPES
        return [
            routes.group_version_discovery_route(installed.prefix),
            *routes.resource_routes(installed, definitions, patch_types),
        ]

    def _build_v2(self) -> dict[str, Any]:
        from fakeapi.endpoints.openapi.builder import build_swagger
        from fakeapi.endpoints.openapi.routes import group_discovery_route, root_discovery_routes, version_route

        extras = self._extras()
        merged: dict[str, dict[str, Any]] = {}
        for extra in extras.values():
            merged.update(extra)
        definitions = self._definitions_for(merged)
        installed = self._discovery.group_versions()
        routes = root_discovery_routes(any(not i.group_version.group for i in installed))
        groups: list[str] = []
        for entry in installed:
            group = entry.group_version.group
            if group and group not in groups:
                groups.append(group)
                routes.append(group_discovery_route(group))
            routes.extend(self._routes_of(entry, definitions, entry.group_version in extras))
        routes.append(version_route())
        return build_swagger(routes, definitions, self._info_version)

    def _v3_documents(self) -> dict[str, tuple[object, Callable[[], bytes]]]:
        with self._lock:
            extras = dict(self._extra_v3)
        documents: dict[str, tuple[object, Callable[[], bytes]]] = {}
        for installed in self._discovery.group_versions():
            extra = extras.get(installed.group_version)
            # The document depends on the installed routes and the group-version's own definitions.
            key = _Identity(installed, extra)
            documents[installed.prefix.lstrip("/")] = (key, self._v3_builder(installed, extra))
        return documents

    def _v3_builder(
        self, installed: APIGroupVersion, extra: Mapping[str, dict[str, Any]] | None
    ) -> Callable[[], bytes]:
        def build() -> bytes:
            from fakeapi.endpoints.openapi.builder3 import build_openapi_v3

            definitions = self._definitions_for(extra or {})
            routes = self._routes_of(installed, definitions, extra is not None)
            return build_openapi_v3(routes, definitions, self._info_version)

        return build

    def _encode_protobuf(self, document: dict[str, Any]) -> bytes:
        with self._lock:
            if self._encoder is None:
                from fakeapi.endpoints.openapi.gnostic import DocumentEncoder

                self._encoder = DocumentEncoder()
            encoder = self._encoder
        return bytes(encoder.encode(document))
