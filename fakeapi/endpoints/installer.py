"""Route installation from an APIGroupInfo (endpoints/installer.go, groupversion.go).

For one group-version, ``APIInstaller.install`` looks at each storage (in sorted key order,
keys lowercase as upstream requires), finds out which verbs it supports through the
``fakeapi.registry.rest`` protocols, and produces both the discovery entries
(metav1.APIResource) and the dispatch table the director uses. A resource path with no
handler for the method answers 405; an unknown resource 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.apimachinery.schema import GroupVersion
from fakeapi.endpoints.handlers.common import RequestScope, context_of
from fakeapi.endpoints.handlers.connect import connect_resource
from fakeapi.endpoints.handlers.create import create_resource
from fakeapi.endpoints.handlers.delete import delete_collection, delete_resource
from fakeapi.endpoints.handlers.get import get_resource, list_resource
from fakeapi.endpoints.handlers.table import TableConvertorRegistry
from fakeapi.endpoints.handlers.update import update_resource
from fakeapi.endpoints.handlers.watch import serve_watch
from fakeapi.endpoints.http import Request, ResponseWriter
from fakeapi.registry import rest
from fakeapi.storage.caching_object import EncodedObjects

RouteHandler = Callable[[Request, ResponseWriter, RequestScope], None]


# RequestInfo verb → (handler, protocol the storage must satisfy).
def patch_resource(req: Request, w: ResponseWriter, scope: RequestScope) -> None:
    """The patch handler, imported with its patch engines (JSON, merge, strategic merge, apply) on the first patch."""
    from fakeapi.endpoints.handlers.patch import patch_resource as serve_patch

    serve_patch(req, w, scope)


_VERB_HANDLERS: dict[str, tuple[RouteHandler, type]] = {
    "get": (get_resource, rest.Getter),
    "list": (list_resource, rest.Lister),
    "watch": (serve_watch, rest.Watcher),
    "create": (create_resource, rest.Creater),
    "update": (update_resource, rest.Updater),
    "patch": (patch_resource, rest.Updater),
    "delete": (delete_resource, rest.GracefulDeleter),
    "deletecollection": (delete_collection, rest.CollectionDeleter),
}


_COLLECTION_ONLY_VERBS = frozenset({"create"})
_ITEM_ONLY_VERBS = frozenset({"get", "update", "patch", "delete"})


@dataclass
class InstalledResource:
    """One storage key (``pods`` or ``pods/status``) and what it serves."""

    scope: RequestScope
    namespaced: bool
    handlers: dict[str, RouteHandler]


@dataclass
class APIGroupVersion:
    """The installed routes of one group-version and its discovery document."""

    group_version: GroupVersion
    prefix: str
    resources: dict[str, InstalledResource] = field(default_factory=dict)
    api_resources: list[dict[str, Any]] = field(default_factory=list)

    def serve(self, req: Request, w: ResponseWriter) -> None:
        info = req.info
        key = f"{info.resource}/{info.subresource}" if info.subresource else info.resource
        installed = self.resources.get(key)
        # Only a proxy subresource's route ends in a path of its own ({path:*}); go-restful matches no other
        # route with segments past the subresource.
        if installed is None or (len(info.parts) > 3 and info.subresource != "proxy"):
            raise errors.new_generic_not_found()
        for text in installed.scope.spec.warnings:
            context_of(req).add_warning(text)
        verb = info.verb
        # The deprecated /watch/ routes are registered for GET only (installer.go registerResourceHandlers).
        if info.deprecated_watch_path and req.method != "GET":
            raise errors.new_generic_method_not_allowed()
        # A namespaced resource is reachable without a namespace only to list and watch across all of them;
        # a cluster-scoped one never under a namespace (except the namespaces resource itself).
        if installed.namespaced and not info.namespace and verb not in ("list", "watch"):
            raise errors.new_generic_not_found()
        if not installed.namespaced and info.namespace and info.resource != "namespaces":
            raise errors.new_generic_not_found()
        if verb == "watch" and info.name and "get" not in installed.handlers:
            raise errors.new_generic_method_not_allowed()
        # Routes exist per path: collection verbs on the collection, item verbs on an item (go-restful's 405).
        on_item = bool(info.name) and not info.subresource
        if (on_item and verb in _COLLECTION_ONLY_VERBS) or (not info.name and verb in _ITEM_ONLY_VERBS):
            raise errors.new_generic_method_not_allowed()
        handler = installed.handlers.get(verb)
        if handler is None:
            raise errors.new_generic_method_not_allowed()
        handler(req, w, installed.scope)


def _storage_verbs(storage: object, is_subresource: bool) -> set[str]:
    """The verbs a storage can serve, found as upstream does: by the interfaces it implements."""
    verbs = {verb for verb, (_, protocol) in _VERB_HANDLERS.items() if isinstance(storage, protocol)}
    if is_subresource:
        verbs -= {"list", "watch", "deletecollection"}
        if isinstance(storage, rest.NamedCreater):
            verbs.add("create")
    return verbs


class APIInstaller:
    def __init__(
        self,
        group_version: GroupVersion,
        prefix: str,
        schemas: SchemaRegistry,
        table_convertors: TableConvertorRegistry,
        encodings: EncodedObjects | None = None,
    ) -> None:
        self.group_version = group_version
        self.prefix = prefix
        self.schemas = schemas
        self.table_convertors = table_convertors
        # The storage's shared encodings; without them every response is encoded afresh.
        self.encodings = encodings if encodings is not None else EncodedObjects()

    def install(self, storage_map: dict[str, Any]) -> APIGroupVersion:
        installed = APIGroupVersion(self.group_version, self.prefix)
        for key in sorted(storage_map):
            if key != key.lower():
                raise ValueError(f"resource {key!r} of {self.group_version} must be lowercase")
            installed.resources[key], api_resource = self._register_resource_handlers(key, storage_map[key])
            installed.api_resources.append(api_resource)
        return installed

    def _register_resource_handlers(self, key: str, storage: Any) -> tuple[InstalledResource, dict[str, Any]]:
        subresource = key.partition("/")[2]
        spec = storage.spec
        sub_spec = spec.subresource(subresource) if subresource else None
        kind = sub_spec.kind if sub_spec is not None and sub_spec.kind is not None else spec.gvk
        scope = RequestScope(
            spec=spec,
            storage=storage,
            kind=kind,
            schemas=self.schemas,
            table_convertors=self.table_convertors,
            subresource=subresource,
            encodings=self.encodings,
        )
        # Served: what the table declares for the resource and its storage can do.
        declared = sub_spec.verbs if sub_spec is not None else spec.verbs
        handlers: dict[str, RouteHandler]
        if isinstance(storage, rest.Connecter):
            # A connect subresource serves the verbs its methods resolve to (GET: get, POST: create).
            verbs = sorted(declared)
            handlers = dict.fromkeys(verbs, connect_resource)
        else:
            verbs = sorted(set(declared) & _storage_verbs(storage, bool(subresource)))
            handlers = {verb: _VERB_HANDLERS[verb][0] for verb in verbs}
        api_resource: dict[str, Any] = {
            "name": key,
            "singularName": "" if subresource else spec.singular_name,
            "namespaced": spec.namespaced,
            "kind": kind.kind,
            "verbs": sorted(verbs),
        }
        if kind.group_version != spec.group_version:
            api_resource["group"] = kind.group
            api_resource["version"] = kind.version
        if not subresource:
            if spec.short_names:
                api_resource["shortNames"] = list(spec.short_names)
            if spec.categories:
                api_resource["categories"] = list(spec.categories)
        return InstalledResource(scope, spec.namespaced, handlers), api_resource
