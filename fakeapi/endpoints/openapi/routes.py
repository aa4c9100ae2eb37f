"""The documented routes of the installed group-versions, as go-restful routes carry them.

kube-apiserver builds OpenAPI from its go-restful routes, and each route's documentation is
written where the route is registered: apiserver/pkg/endpoints/installer.go
``registerResourceHandlers`` (the actions of a resource by scope, their paths, operation names,
``Doc`` strings, parameters, ``Produces``/``Consumes``, ``Returns`` and the
``x-kubernetes-action``/``x-kubernetes-group-version-kind`` route metadata), and
apiserver/pkg/endpoints/discovery (``/api``, ``/apis``, ``/apis/<group>``, the group-version
resource lists) plus routes/version.go for ``/version``. This module makes the same
:class:`Route` list from fakeapi's installed group-versions; the builders render it as
Swagger 2.0 or OpenAPI 3.0.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar

from fakeapi.apimachinery.schema import GroupVersionKind
from fakeapi.endpoints.installer import APIGroupVersion, InstalledResource
from fakeapi.endpoints.openapi.definitions import DefinitionSet
from fakeapi.endpoints.openapi.parameters import (
    CONNECT_SUBRESOURCES,
    CREATE_OPTIONS,
    DELETE_OPTIONS,
    GETTERS_WITH_OPTIONS,
    LIST_OPTIONS,
    NAMESPACE,
    PATCH_OPTIONS,
    PRETTY,
    SUBPATH,
    UPDATE_OPTIONS,
    WATCH_ONLY_LIST_OPTIONS,
    Param,
)

logger = logging.getLogger("fakeapi.openapi")

# negotiation.MediaTypesForSerializer with the CBORServingAndStorage gate off (its default in v1.37).
MEDIA_TYPES = ("application/json", "application/yaml", "application/vnd.kubernetes.protobuf")
STREAM_MEDIA_TYPES = ("application/json;stream=watch", "application/vnd.kubernetes.protobuf;stream=watch")
ALL_MEDIA_TYPES = (*MEDIA_TYPES, *STREAM_MEDIA_TYPES)
PATCH_TYPES = (
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
)
# apiextensions-apiserver's routes for custom resources: no strategic merge patch.
CUSTOM_RESOURCE_PATCH_TYPES = (
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/apply-patch+yaml",
)
ANY_TYPE = ("*/*",)

# A body or response that is a plain string rather than a definition (kube-openapi's toSchema
# renders a Go type name it knows, such as "string", as a primitive schema).
STRING = "string"

_META = "io.k8s.apimachinery.pkg.apis.meta.v1."
STATUS = _META + "Status"
DELETE_OPTIONS_MODEL = _META + "DeleteOptions"
PATCH_MODEL = _META + "Patch"
WATCH_EVENT = _META + "WatchEvent"
API_VERSIONS = _META + "APIVersions"
API_GROUP_LIST = _META + "APIGroupList"
API_GROUP = _META + "APIGroup"
API_RESOURCE_LIST = _META + "APIResourceList"
VERSION_INFO = "io.k8s.apimachinery.pkg.version.Info"

_WATCH_DEPRECATION = (
    ". deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the "
    "'fieldSelector' parameter."
)
_WATCH_LIST_DEPRECATION = ". deprecated: use the 'watch' parameter with a list operation instead."


@dataclass(frozen=True)
class Response:
    code: int
    message: str
    model: str


@dataclass(frozen=True)
class Route:
    """One method on one path, with everything kube-openapi reads from a go-restful route."""

    method: str
    path: str
    operation: str
    doc: str
    params: tuple[Param, ...]
    consumes: tuple[str, ...]
    produces: tuple[str, ...]
    responses: tuple[Response, ...]
    # x-kubernetes-action and x-kubernetes-group-version-kind; non-resource routes have neither.
    action: str = ""
    gvk: GroupVersionKind | None = None

    def models(self) -> Iterable[str]:
        """The definitions this route refers to."""
        for param in self.params:
            if param.kind == "body" and param.model != STRING:
                yield param.model
        for response in self.responses:
            if response.model != STRING:
                yield response.model


def _article(noun: str) -> str:
    """installer.go GetArticleForNoun with padding " "."""
    if not noun.endswith("ss") and noun.endswith("s"):
        return " "
    return " an " if noun[0].lower() in "aeiou" else " a "


def _title(word: str) -> str:
    """cases.Title for the one-word subresource names."""
    return word[:1].upper() + word[1:].lower()


def _body(model: str, required: bool = True) -> Param:
    return Param("body", "body", required=required, model=model)


def _name_param(kind: str) -> Param:
    return Param("name", "path", f"name of the {kind}", required=True)


@dataclass(frozen=True)
class _Action:
    """installer.go's ``action``: a verb on a path with its path parameters."""

    verb: str
    path: str
    params: tuple[Param, ...]
    all_namespaces: bool = False


@dataclass(frozen=True)
class _Naming:
    """What one action's routes are called: ``<verb><Namespaced><Kind><Subresource>[List]<suffix>``."""

    path: str
    namespaced: str
    kind: str
    subresource: str
    suffix: str

    def operation(self, verb: str, list_suffix: str = "") -> str:
        return f"{verb}{self.namespaced}{self.kind}{self.subresource}{list_suffix}{self.suffix}"


class _ResourceRoutes:
    """registerResourceHandlers for one storage key (``pods`` or ``pods/status``)."""

    def __init__(
        self,
        installed: APIGroupVersion,
        key: str,
        resource: InstalledResource,
        definitions: DefinitionSet,
        patch_types: tuple[str, ...],
    ) -> None:
        self.gv = installed.group_version
        self.prefix = installed.prefix
        self.resource_name, _, self.subresource = key.partition("/")
        self.storage = resource.scope.storage
        self.definitions = definitions
        self.patch_types = patch_types
        scope = resource.scope
        # The kind the storage serves (fqKindToRegister) and, for a subresource, its parent's kind,
        # which operation names and docs use.
        self.gvk = scope.kind
        self.parent_kind = scope.spec.kind
        self.namespaced = resource.namespaced
        lookup = (scope.spec.group, self.resource_name, self.subresource)
        self.connect = CONNECT_SUBRESOURCES.get(lookup)
        self.getter_options = GETTERS_WITH_OPTIONS.get(lookup)
        # A connecter's handlers stand for its HTTP methods, not for the standard verbs.
        self.verbs = frozenset() if self.connect is not None else frozenset(resource.handlers)

    # -- models ----------------------------------------------------------------------------------

    def _definition(self, gvk: GroupVersionKind) -> str:
        name = self.definitions.name_for(gvk)
        if name is None:
            raise LookupError(f"no OpenAPI definition of {gvk.kind} in {gvk.group_version}")
        return name

    def _object(self) -> str:
        return self._definition(self.gvk)

    def _list(self) -> str:
        return self._definition(GroupVersionKind(self.gv.group, self.gv.version, self.parent_kind + "List"))

    def _watch_event(self) -> str:
        return self.definitions.name_for(GroupVersionKind(self.gv.group, self.gv.version, "WatchEvent")) or WATCH_EVENT

    # -- actions ---------------------------------------------------------------------------------

    def actions(self) -> list[_Action]:
        """The actions by scope, in installer.go's order."""
        name = _name_param(self.gvk.kind)
        scope_params: tuple[Param, ...] = (NAMESPACE,) if self.namespaced else ()
        collection = f"namespaces/{{namespace}}/{self.resource_name}" if self.namespaced else self.resource_name
        item = f"{collection}/{{name}}"
        item_params = (*scope_params, name)
        collection_params = scope_params
        if self.subresource:
            item = f"{item}/{self.subresource}"
            collection, collection_params = item, item_params
        verbs = self.verbs
        lister, watcher = "list" in verbs, "watch" in verbs
        candidates = [
            (lister, "LIST", collection, collection_params, False),
            ("create" in verbs, "POST", collection, collection_params, False),
            ("deletecollection" in verbs, "DELETECOLLECTION", collection, collection_params, False),
            (watcher and lister, "WATCHLIST", f"watch/{collection}", collection_params, False),
            ("get" in verbs, "GET", item, item_params, False),
            ("update" in verbs, "PUT", item, item_params, False),
            ("patch" in verbs, "PATCH", item, item_params, False),
            ("delete" in verbs, "DELETE", item, item_params, False),
            (watcher, "WATCH", f"watch/{item}", item_params, False),
        ]
        if self.connect is not None:
            candidates.append((True, "CONNECT", item, item_params, False))
            candidates.append((self.connect.subpath, "CONNECT", f"{item}/{{path:*}}", (*item_params, SUBPATH), False))
        if self.namespaced and not self.subresource:
            # List and watch across namespaces.
            candidates.append((lister, "LIST", self.resource_name, (), True))
            candidates.append((watcher and lister, "WATCHLIST", f"watch/{self.resource_name}", (), True))
        return [_Action(verb, path, params, everywhere) for ok, verb, path, params, everywhere in candidates if ok]

    def routes(self) -> list[Route]:
        routes: list[Route] = []
        for action in self.actions():
            suffix = "WithPath" if action.path.endswith("/{path:*}") else ""
            namespaced = "Namespaced" if self.namespaced else ""
            if action.all_namespaces:
                suffix += "ForAllNamespaces"
                namespaced = ""
            path = f"{self.prefix}/{action.path}"
            if path.endswith(":*}"):
                # go-swagger's {path:*} is not OpenAPI; kube-openapi strips the ":*".
                path = path[:-3] + "}"
            titled = _title(self.subresource) if self.subresource else ""
            naming = _Naming(path, namespaced, self.parent_kind, titled, suffix)
            routes.extend(self._VERBS[action.verb](self, action, naming))
        return routes

    def _route(
        self,
        action: _Action,
        naming: _Naming,
        method: str,
        operation: str,
        doc: str,
        params: tuple[Param, ...],
        produces: tuple[str, ...],
        responses: tuple[Response, ...],
        consumes: tuple[str, ...] = ANY_TYPE,
    ) -> Route:
        return Route(
            method, naming.path, operation, doc, params, consumes, produces, responses, action.verb.lower(), self.gvk
        )

    def _doc(self, plain: str, with_subresource: str) -> str:
        """A route's Doc: the subresource form when the storage is a subresource."""
        return with_subresource if self.subresource else plain

    def _get(self, action: _Action, naming: _Naming) -> list[Route]:
        kind, sub = self.parent_kind, self.subresource
        doc = self._doc(f"read the specified {kind}", f"read {sub} of the specified {kind}")
        extra: tuple[Param, ...] = ()
        produces: tuple[str, ...] = MEDIA_TYPES
        if self.getter_options is not None:
            # A GetterWithOptions (pods/log) takes its options' query parameters and writes a string.
            extra = self.getter_options.options
            produces = (*self.getter_options.produces, *MEDIA_TYPES)
            model = STRING
        else:
            model = self._object()
        params = (PRETTY, *extra, *action.params)
        responses = (Response(200, "OK", model),)
        return [self._route(action, naming, "GET", naming.operation("read"), doc, params, produces, responses)]

    def _list_routes(self, action: _Action, naming: _Naming) -> list[Route]:
        kind, sub = self.parent_kind, self.subresource
        if "watch" in self.verbs:
            doc = self._doc(f"list or watch objects of kind {kind}", f"list or watch {sub} of objects of kind {kind}")
        else:
            doc = self._doc(f"list objects of kind {kind}", f"list {sub} of objects of kind {kind}")
        params = (PRETTY, *LIST_OPTIONS, *action.params)
        responses = (Response(200, "OK", self._list()),)
        return [self._route(action, naming, "GET", naming.operation("list"), doc, params, ALL_MEDIA_TYPES, responses)]

    def _put(self, action: _Action, naming: _Naming) -> list[Route]:
        kind, sub, obj = self.parent_kind, self.subresource, self._object()
        doc = self._doc(f"replace the specified {kind}", f"replace {sub} of the specified {kind}")
        params = (PRETTY, _body(obj), *UPDATE_OPTIONS, *action.params)
        responses = (Response(200, "OK", obj), Response(201, "Created", obj))
        return [self._route(action, naming, "PUT", naming.operation("replace"), doc, params, MEDIA_TYPES, responses)]

    def _patch(self, action: _Action, naming: _Naming) -> list[Route]:
        kind, sub, obj = self.parent_kind, self.subresource, self._object()
        doc = self._doc(f"partially update the specified {kind}", f"partially update {sub} of the specified {kind}")
        params = (PRETTY, _body(PATCH_MODEL), *PATCH_OPTIONS, *action.params)
        responses = (Response(200, "OK", obj), Response(201, "Created", obj))
        operation = naming.operation("patch")
        return [self._route(action, naming, "PATCH", operation, doc, params, MEDIA_TYPES, responses, self.patch_types)]

    def _post(self, action: _Action, naming: _Naming) -> list[Route]:
        kind, sub, obj = self.parent_kind, self.subresource, self._object()
        article = _article(kind)
        doc = self._doc(f"create{article}{kind}", f"create {sub} of{article}{kind}")
        params = (PRETTY, _body(obj), *CREATE_OPTIONS, *action.params)
        responses = (Response(200, "OK", obj), Response(201, "Created", obj), Response(202, "Accepted", obj))
        return [self._route(action, naming, "POST", naming.operation("create"), doc, params, MEDIA_TYPES, responses)]

    def _delete(self, action: _Action, naming: _Naming) -> list[Route]:
        kind, sub = self.parent_kind, self.subresource
        article = _article(kind)
        doc = self._doc(f"delete{article}{kind}", f"delete {sub} of{article}{kind}")
        # rest.MayReturnFullObjectDeleter: stores that answer a delete with the object, not a Status.
        returned = self._object() if getattr(self.storage, "return_deleted_object", False) else STATUS
        params = (PRETTY, _body(DELETE_OPTIONS_MODEL, required=False), *DELETE_OPTIONS, *action.params)
        responses = (Response(200, "OK", returned), Response(202, "Accepted", returned))
        return [self._route(action, naming, "DELETE", naming.operation("delete"), doc, params, MEDIA_TYPES, responses)]

    def _delete_collection(self, action: _Action, naming: _Naming) -> list[Route]:
        kind, sub = self.parent_kind, self.subresource
        doc = self._doc(f"delete collection of {kind}", f"delete collection of {sub} of a {kind}")
        list_options = tuple(p for p in LIST_OPTIONS if p.name not in WATCH_ONLY_LIST_OPTIONS)
        body = _body(DELETE_OPTIONS_MODEL, required=False)
        params = (PRETTY, body, *DELETE_OPTIONS, *list_options, *action.params)
        operation = naming.operation("deletecollection")
        responses = (Response(200, "OK", STATUS),)
        return [self._route(action, naming, "DELETE", operation, doc, params, MEDIA_TYPES, responses)]

    def _watch(self, action: _Action, naming: _Naming) -> list[Route]:
        kind, sub = self.parent_kind, self.subresource
        doc = self._doc(
            f"watch changes to an object of kind {kind}", f"watch changes to {sub} of an object of kind {kind}"
        )
        params = (PRETTY, *LIST_OPTIONS, *action.params)
        responses = (Response(200, "OK", self._watch_event()),)
        operation = naming.operation("watch")
        return [
            self._route(action, naming, "GET", operation, doc + _WATCH_DEPRECATION, params, ALL_MEDIA_TYPES, responses)
        ]

    def _watch_list(self, action: _Action, naming: _Naming) -> list[Route]:
        kind, sub = self.parent_kind, self.subresource
        doc = self._doc(
            f"watch individual changes to a list of {kind}", f"watch individual changes to a list of {sub} of {kind}"
        )
        params = (PRETTY, *LIST_OPTIONS, *action.params)
        responses = (Response(200, "OK", self._watch_event()),)
        operation = naming.operation("watch", "List")
        doc += _WATCH_LIST_DEPRECATION
        return [self._route(action, naming, "GET", operation, doc, params, ALL_MEDIA_TYPES, responses)]

    def _connect(self, action: _Action, naming: _Naming) -> list[Route]:
        assert self.connect is not None
        kind, sub = self.parent_kind, self.subresource
        params = (*self.connect.options, *action.params)
        # Connect routes document no Returns, only Writes("string"): kube-openapi makes that a 200.
        responses = (Response(200, "OK", STRING),)
        routes = []
        for method in self.connect.methods:
            doc = self._doc(f"connect {method} requests to {kind}", f"connect {method} requests to {sub} of {kind}")
            operation = naming.operation("connect" + _title(method))
            routes.append(self._route(action, naming, method, operation, doc, params, ANY_TYPE, responses, ANY_TYPE))
        return routes

    _VERBS: ClassVar[dict[str, Callable[[_ResourceRoutes, _Action, _Naming], list[Route]]]] = {
        "GET": _get,
        "LIST": _list_routes,
        "PUT": _put,
        "PATCH": _patch,
        "POST": _post,
        "DELETE": _delete,
        "DELETECOLLECTION": _delete_collection,
        "WATCH": _watch,
        "WATCHLIST": _watch_list,
        "CONNECT": _connect,
    }


def resource_routes(
    installed: APIGroupVersion, definitions: DefinitionSet, patch_types: tuple[str, ...] = PATCH_TYPES
) -> list[Route]:
    """The routes APIInstaller.Install registers for one group-version, in its (sorted) order."""
    routes: list[Route] = []
    for key in sorted(installed.resources):
        builder = _ResourceRoutes(installed, key, installed.resources[key], definitions, patch_types)
        try:
            routes.extend(builder.routes())
        except LookupError as err:
            # A kind with no published definition (a custom resource whose schema nobody
            # registered) is left out, as apiextensions-apiserver leaves out a CRD whose
            # OpenAPI it could not build.
            logger.debug("%s/%s left out of OpenAPI: %s", installed.prefix, key, err)
    return routes


_DISCOVERY_TYPES = MEDIA_TYPES


def _discovery_route(path: str, operation: str, doc: str, model: str) -> Route:
    return Route("GET", path, operation, doc, (), _DISCOVERY_TYPES, _DISCOVERY_TYPES, (Response(200, "OK", model),))


def group_version_discovery_route(prefix: str) -> Route:
    """discovery.APIResourceListHandler's route: ``GET <prefix>/`` (``/apis/apps/v1/``)."""
    return _discovery_route(f"{prefix}/", "getAPIResources", "get available resources", API_RESOURCE_LIST)


def group_discovery_route(group: str) -> Route:
    """discovery.APIGroupHandler's route: ``GET /apis/<group>/``."""
    return _discovery_route(f"/apis/{group}/", "getAPIGroup", "get information of a group", API_GROUP)


def root_discovery_routes(has_legacy: bool) -> list[Route]:
    """``/api/`` (legacy root) and ``/apis/`` (group list)."""
    routes = []
    if has_legacy:
        routes.append(_discovery_route("/api/", "getAPIVersions", "get available API versions", API_VERSIONS))
    routes.append(_discovery_route("/apis/", "getAPIVersions", "get available API versions", API_GROUP_LIST))
    return routes


def version_route() -> Route:
    """routes/version.go: ``GET /version/``."""
    json_only = ("application/json",)
    return Route(
        "GET",
        "/version/",
        "getCodeVersion",
        "get the code version",
        (),
        json_only,
        json_only,
        (Response(200, "OK", VERSION_INFO),),
    )
