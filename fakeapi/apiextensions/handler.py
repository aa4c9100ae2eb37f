"""Serving the custom resources of every CRD: stores, routes, discovery, tables, schemas.

Plays the part of apiextensions-apiserver's crdHandler (apiserver/customresource_handler.go:
getOrCreateServingInfoFor builds per-version storage from the CRD) together with its
DiscoveryController (apiserver/customresource_discovery_controller.go). Whenever a CRD is
written, the handler rebuilds everything its group serves: one Store per served version over
the CRD's one storage prefix, the status and scale subresources, the table convertor of the
printer columns, and the group-version documents of discovery (legacy and aggregated), in
upstream's version priority order. A CRD is served once its names are accepted (or it is
established). While it terminates it keeps serving reads and deletes; creates answer 405
``create not allowed while custom resource definition is terminating``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from fakeapi.apiextensions import helpers
from fakeapi.apiextensions.conversion.converter import Converter, new_converter
from fakeapi.apiextensions.customresource.info import CustomResourceVersion, version_info
from fakeapi.apiextensions.customresource.scale import CustomResourceScaleREST
from fakeapi.apiextensions.customresource.storage import CustomResourceCodec, CustomResourceStore
from fakeapi.apiextensions.customresource.strategy import (
    CustomResourceStatusStrategy,
    CustomResourceStrategy,
    decode,
)
from fakeapi.apiextensions.customresource.tableconvertor import CustomResourceTableConvertor
from fakeapi.apiextensions.openapi import definitions as openapi_definitions
from fakeapi.apimachinery import errors
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.apimachinery.managedfields import FieldManager, FieldManagerFactory
from fakeapi.apimachinery.openapi_schemas import DecodeResult, SchemaRegistry, ValidationResult
from fakeapi.apimachinery.schema import GroupResource, GroupVersion, GroupVersionKind, GroupVersionResource
from fakeapi.endpoints.discovery import DiscoveryManager
from fakeapi.endpoints.handlers.table import TableConvertorRegistry
from fakeapi.endpoints.installer import APIInstaller
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.rest import WriteOptions
from fakeapi.registry.rest_storage import StoreServices
from fakeapi.storage.codec import CodecStorage
from fakeapi.storage.interfaces import Object

API_GROUP_PREFIX = "/apis"
TERMINATING_VERBS = ["delete", "deletecollection", "get", "list", "watch"]


class DefinitionsPublisher(Protocol):
    """Where the OpenAPI definitions of custom resources are published (the server's OpenAPI documents)."""

    def set_definitions(
        self,
        gv: GroupVersion,
        definitions: Mapping[str, dict[str, Any]],
        v3_definitions: Mapping[str, dict[str, Any]] | None = None,
    ) -> None: ...

    def remove_definitions(self, gv: GroupVersion) -> None: ...


class CustomResourceSchemas(SchemaRegistry):
    """The schemas of the served custom resources, in front of the built-in registry.

    Handlers ask it for decode errors (custom resources are unstructured: only their metadata
    is decoded into a Go type) and for the unknown fields that fieldValidation reports (what
    pruning would drop); any other kind (the Scale of /scale) is the built-in registry's.
    """

    def __init__(self, builtin: SchemaRegistry) -> None:
        super().__init__({})
        self.builtin = builtin
        self._versions: dict[GroupVersionKind, CustomResourceVersion] = {}
        self._lock = threading.Lock()

    def set_group(self, group: str, versions: Iterable[CustomResourceVersion]) -> None:
        with self._lock:
            kept = {gvk: v for gvk, v in self._versions.items() if gvk.group != group}
            kept.update({v.spec.gvk: v for v in versions})
            self._versions = kept

    def clear(self) -> None:
        with self._lock:
            self._versions = {}

    def definition_for(self, gvk: GroupVersionKind) -> tuple[str, dict[str, Any]] | None:
        return None if gvk in self._versions else self.builtin.definition_for(gvk)

    def validate(self, obj: dict[str, Any], gvk: GroupVersionKind, *, prune: bool = False) -> ValidationResult:
        if gvk in self._versions:
            return ValidationResult([], [])
        return self.builtin.validate(obj, gvk, prune=prune)

    def decode(self, obj: dict[str, Any], gvk: GroupVersionKind) -> DecodeResult:
        # The built-in registry has no schema for a custom resource: it checks the metadata only.
        decoded = self.builtin.decode(obj, gvk)
        info = self._versions.get(gvk)
        if info is None:
            return decoded
        return DecodeResult(decoded.type_errors, decode(deep_copy_json(obj), info), decoded.conversion_errors)


_OBJECT_META_REF = "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


def _with_type_and_object_meta(schema: dict[str, Any] | None) -> dict[str, Any] | None:
    """The schema managedFields track: with apiVersion, kind and ObjectMeta, as the CR handler's type converter has."""
    if schema is None:
        return None
    properties = dict(schema.get("properties") or {})
    properties.update(
        {"apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"$ref": _OBJECT_META_REF}}
    )
    return {**schema, "properties": properties}


class _VersionTables:
    """One table convertor per version of a resource, chosen by the apiVersion of what is printed."""

    def __init__(self, convertors: dict[str, CustomResourceTableConvertor]) -> None:
        self.convertors = convertors

    def convert_to_table(self, obj: Object, options: Any) -> Object:
        version = str(obj.get("apiVersion") or "").rpartition("/")[2]
        convertor = self.convertors.get(version) or next(iter(self.convertors.values()))
        return convertor.convert_to_table(obj, options)


@dataclass
class TerminatingAwareStore(CustomResourceStore):
    """A custom resource Store that refuses creates while its CRD terminates."""

    terminating: bool = False

    def create(self, ctx: RequestContext, obj: Object, options: WriteOptions) -> Object:
        if self.terminating:
            err = errors.new_method_not_supported(self.spec.group_resource, "create")
            err.message = "create not allowed while custom resource definition is terminating"
            raise err
        return super().create(ctx, obj, options)


@dataclass
class ServedCRD:
    """What one CRD serves now: per served version, its info and main Store."""

    name: str
    group: str
    plural: str
    terminating: bool
    # The version objects are stored in: read and deleted in it, no conversion is needed.
    storage_version: str
    # The CRD's converter (strategy None or Webhook), shared by its versions' codecs and admission.
    converter: Converter
    versions: dict[str, CustomResourceVersion] = field(default_factory=dict)
    stores: dict[str, TerminatingAwareStore] = field(default_factory=dict)


class CustomResourceHandler:
    """crdHandler + DiscoveryController over one server's discovery and storage."""

    def __init__(
        self,
        services: StoreServices,
        discovery: DiscoveryManager,
        schemas: CustomResourceSchemas,
        table_convertors: TableConvertorRegistry,
        *,
        builtin_group_versions: Iterable[GroupVersion] = (),
        on_instance_deleted: Callable[[str], None] | None = None,
        openapi: DefinitionsPublisher | None = None,
    ) -> None:
        self.services = services
        self.discovery = discovery
        self.schemas = schemas
        self.table_convertors = table_convertors
        self.builtin_group_versions = frozenset(builtin_group_versions)
        self.on_instance_deleted = on_instance_deleted
        self.openapi = openapi
        self._lock = threading.RLock()
        self._served: dict[str, ServedCRD] = {}
        self._installed: dict[str, list[GroupVersion]] = {}
        self._tables: set[GroupResource] = set()
        self._field_managers = FieldManagerFactory(schemas.builtin)

    def served(self, crd_name: str) -> ServedCRD | None:
        with self._lock:
            return self._served.get(crd_name)

    def convert(self, obj: Object, kind: GroupVersionKind) -> Object | None:
        """``obj`` converted to ``kind``'s version by its CRD's converter; None when no CRD serves the kind."""
        with self._lock:
            served = next(
                (
                    s
                    for s in self._served.values()
                    if s.group == kind.group and any(v.spec.kind == kind.kind for v in s.versions.values())
                ),
                None,
            )
        return None if served is None else served.converter.convert(obj, kind.api_version)

    def is_builtin_group_version(self, gv: GroupVersion) -> bool:
        return gv in self.builtin_group_versions

    # -- building -------------------------------------------------------------------------------

    def _build(self, crd: Object) -> ServedCRD | None:
        serving = helpers.is_condition_true(crd, helpers.NAMES_ACCEPTED) or helpers.is_condition_true(
            crd, helpers.ESTABLISHED
        )
        accepted = helpers.accepted_names_of(crd)
        if not serving or not accepted.get("plural") or not accepted.get("kind"):
            return None
        spec = helpers.spec_of(crd)
        storage_version = helpers.storage_version(crd)
        if storage_version is None:
            return None
        served = ServedCRD(
            name=helpers.name_of(crd),
            group=str(spec.get("group")),
            plural=str(accepted["plural"]),
            terminating=helpers.is_condition_true(crd, helpers.TERMINATING),
            storage_version=storage_version,
            converter=new_converter(crd, self._webhook_converter),
        )
        options = self.services.storage_factory.get_rest_options(
            GroupVersionResource(served.group, storage_version, served.plural)
        )
        infos = {str(version.get("name")): version_info(crd, version) for version in helpers.versions_of(crd)}
        for version in helpers.served_versions(crd):
            info = infos[str(version.get("name"))]
            if self.is_builtin_group_version(info.spec.group_version):
                continue
            strategy = CustomResourceStrategy(info, self.schemas, self.services.identity)
            store = TerminatingAwareStore(
                spec=info.spec,
                storage=CodecStorage(options.storage, CustomResourceCodec(info, served.converter, infos)),
                key_prefix=options.resource_prefix,
                create_strategy=strategy,
                update_strategy=strategy,
                delete_strategy=strategy,
                pager=self.services.pager,
                admission=self.services.admission,
                admission_chain=self.services.admission_chain,
                enable_garbage_collection=options.enable_garbage_collection,
                return_deleted_object=True,
                field_manager=self._field_managers.for_schema(
                    _with_type_and_object_meta(info.schema), info.spec.gvk, status_subresource=info.status_enabled
                ),
                terminating=served.terminating,
            )
            if served.terminating:
                store.after_delete.append(self._instance_deleted_hook(served.name))
            served.versions[info.spec.version] = info
            served.stores[info.spec.version] = store
        return served

    def _webhook_converter(self, crd: Object) -> Converter:
        """The converter of a CRD with strategy Webhook (its module is imported at the first such CRD)."""
        from fakeapi.apiextensions.conversion.webhook_converter import WebhookConverter

        return WebhookConverter(crd, self.services.webhook_clients.manager())

    def _instance_deleted_hook(self, crd_name: str) -> Callable[[RequestContext, Object], None]:
        """After an instance of a terminating CRD goes, the finalizer may be able to finish."""

        def hook(ctx: RequestContext, obj: Object) -> None:
            if self.on_instance_deleted is not None:
                self.on_instance_deleted(crd_name)

        return hook

    @staticmethod
    def _subresource_manager(store: CustomResourceStore, subresource: str) -> FieldManager | None:
        """The main endpoint's field manager as a subresource records writes."""
        if store.field_manager is None:
            return None
        return FieldManagerFactory.for_subresource(store.field_manager, subresource)

    def _storage_map(self, served: ServedCRD, version: str) -> dict[str, Any]:
        info, store = served.versions[version], served.stores[version]
        storage_map: dict[str, Any] = {served.plural: store}
        if info.status_enabled:
            status = CustomResourceStatusStrategy(info, self.schemas, self.services.identity)
            storage_map[f"{served.plural}/status"] = replace(
                store, update_strategy=status, field_manager=self._subresource_manager(store, "status")
            )
        if info.scale is not None:
            scale_store = replace(store, field_manager=self._subresource_manager(store, "scale"))
            storage_map[f"{served.plural}/scale"] = CustomResourceScaleREST(scale_store, info)
        return storage_map

    # -- installing -----------------------------------------------------------------------------

    def sync_group(self, group: str, crds: Iterable[Object]) -> None:
        """Rebuild what ``group`` serves from its CRDs (all of them, as they are now)."""
        with self._lock:
            for name in [n for n, s in self._served.items() if s.group == group]:
                del self._served[name]
            for crd in crds:
                if helpers.spec_of(crd).get("group") != group:
                    continue
                served = self._build(crd)
                if served is not None:
                    self._served[served.name] = served
            self._install_group(group)

    def _install_group(self, group: str) -> None:
        """Build what the group serves, then swap it in at once (schemas and OpenAPI first, routes last)."""
        group_crds = [s for s in self._served.values() if s.group == group]
        versions: dict[str, dict[str, Any]] = {}
        terminating: dict[str, set[str]] = {}
        for served in group_crds:
            for version in served.versions:
                versions.setdefault(version, {}).update(self._storage_map(served, version))
                if served.terminating:
                    terminating.setdefault(version, set()).add(served.plural)
        self.schemas.set_group(group, [info for s in group_crds for info in s.versions.values()])
        installed_versions = []
        for version in helpers.sort_versions(list(versions)):
            gv = GroupVersion(group, version)
            prefix = f"{API_GROUP_PREFIX}/{group}/{version}"
            installed = APIInstaller(gv, prefix, self.schemas, self.table_convertors).install(versions[version])
            for entry in installed.api_resources:
                if entry["name"] in terminating.get(version, set()):
                    entry["verbs"] = list(TERMINATING_VERBS)
            installed_versions.append(installed)
            if self.openapi is not None:
                published: dict[str, dict[str, Any]] = {}
                published_v3: dict[str, dict[str, Any]] = {}
                for served in group_crds:
                    if version in served.versions:
                        published.update(openapi_definitions(served.versions[version], v2=True))
                        published_v3.update(openapi_definitions(served.versions[version], v2=False))
                self.openapi.set_definitions(gv, published, published_v3)
        self.discovery.replace_group(group, installed_versions)
        new_gvs = [installed.group_version for installed in installed_versions]
        for gv in self._installed.pop(group, []):
            if gv not in new_gvs and self.openapi is not None:
                self.openapi.remove_definitions(gv)
        if new_gvs:
            self._installed[group] = new_gvs
        self._sync_tables(group, group_crds)

    def _sync_tables(self, group: str, group_crds: list[ServedCRD]) -> None:
        wanted = {
            GroupResource(group, s.plural): _VersionTables(
                {v: CustomResourceTableConvertor(info.columns) for v, info in s.versions.items()}
            )
            for s in group_crds
            if s.versions
        }
        for resource in [r for r in self._tables if r.group == group and r not in wanted]:
            self.table_convertors.unregister(resource)
            self._tables.discard(resource)
        for resource, convertor in wanted.items():
            self.table_convertors.register(resource, convertor)
            self._tables.add(resource)

    def remove_all(self) -> None:
        """Stop serving every custom resource (the server forgot its CRDs)."""
        with self._lock:
            for gvs in self._installed.values():
                for gv in gvs:
                    self.discovery.remove(gv)
                    if self.openapi is not None:
                        self.openapi.remove_definitions(gv)
            self._installed.clear()
            self._served.clear()
            self.schemas.clear()
            for resource in self._tables:
                self.table_convertors.unregister(resource)
            self._tables.clear()
