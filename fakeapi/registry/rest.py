"""The REST storage interfaces and the option types their verbs take.

Mirrors k8s.io/apiserver/pkg/registry/rest/rest.go (Getter, Lister, Creater, Updater,
GracefulDeleter, CollectionDeleter, Watcher, UpdatedObjectInfo) and the metav1 option types
(CreateOptions, UpdateOptions, PatchOptions, DeleteOptions, ListOptions), and Connecter, the
interface of the subresources that stream (pods/log, exec, attach, portforward). The installer finds
out what a storage can do with ``isinstance`` checks against these protocols, as the Go
installer does with type assertions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from fakeapi.apimachinery.fields import FieldSelector
from fakeapi.apimachinery.labels import LabelSelector
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.storage.interfaces import Object

if TYPE_CHECKING:
    from fakeapi.endpoints.http import Request, ResponseWriter


@dataclass
class WriteOptions:
    """What CreateOptions, UpdateOptions and PatchOptions share."""

    dry_run: bool = False
    field_manager: str = ""
    field_validation: str = "Warn"


@dataclass
class Preconditions:
    uid: str | None = None
    resource_version: str | None = None


@dataclass
class DeleteOptions:
    dry_run: bool = False
    grace_period_seconds: int | None = None
    preconditions: Preconditions = field(default_factory=Preconditions)
    propagation_policy: str | None = None
    orphan_dependents: bool | None = None


@dataclass
class ListOptions:
    label_selector: LabelSelector | None = None
    field_selector: FieldSelector | None = None
    resource_version: str = ""
    resource_version_match: str = ""
    limit: int = 0
    continue_token: str = ""
    watch: bool = False
    allow_watch_bookmarks: bool = False
    send_initial_events: bool | None = None
    timeout_seconds: int | None = None


class UpdatedObjectInfo(Protocol):
    """How an update computes the new object from the current one (PUT: the body; PATCH: the patch)."""

    def preconditions(self) -> Preconditions: ...

    def updated_object(self, ctx: RequestContext, old: Object | None) -> Object: ...


@dataclass
class DefaultUpdatedObjectInfo:
    """rest.DefaultUpdatedObjectInfo: the new object is the request body, optionally transformed."""

    obj: Object
    transformers: tuple[Callable[[RequestContext, Object, Object | None], Object], ...] = ()

    def preconditions(self) -> Preconditions:
        uid = (self.obj.get("metadata") or {}).get("uid")
        return Preconditions(uid=uid or None)

    def updated_object(self, ctx: RequestContext, old: Object | None) -> Object:
        obj = self.obj
        for transform in self.transformers:
            obj = transform(ctx, obj, old)
        return obj


@runtime_checkable
class Storage(Protocol):
    spec: ResourceSpec

    def new(self) -> Object: ...


@runtime_checkable
class Getter(Protocol):
    def get(self, ctx: RequestContext, name: str) -> Object: ...


@runtime_checkable
class FreshnessChecker(Protocol):
    """A storage that knows its revision, so a read asking for at least a revision can be refused."""

    def require_revision(self, minimum: int) -> None:
        """Raise the 504 of a too large resourceVersion when ``minimum`` is past the newest revision."""
        ...


@runtime_checkable
class Lister(Protocol):
    def new_list(self) -> Object: ...

    def list(self, ctx: RequestContext, options: ListOptions) -> Object: ...


@runtime_checkable
class Creater(Protocol):
    def create(self, ctx: RequestContext, obj: Object, options: WriteOptions) -> Object: ...


@runtime_checkable
class NamedCreater(Protocol):
    """Create under a parent's name (pods/binding, pods/eviction, serviceaccounts/token)."""

    def create_named(self, ctx: RequestContext, name: str, obj: Object, options: WriteOptions) -> Object: ...


@runtime_checkable
class Updater(Protocol):
    def update(
        self,
        ctx: RequestContext,
        name: str,
        obj_info: UpdatedObjectInfo,
        options: WriteOptions,
        *,
        force_allow_create: bool = False,
    ) -> tuple[Object, bool]: ...


@runtime_checkable
class GracefulDeleter(Protocol):
    def delete(self, ctx: RequestContext, name: str, options: DeleteOptions) -> tuple[Object, bool]: ...


@runtime_checkable
class CollectionDeleter(Protocol):
    def delete_collection(self, ctx: RequestContext, options: DeleteOptions, list_options: ListOptions) -> Object: ...


@runtime_checkable
class Connecter(Protocol):
    """rest.Connecter: a subresource that answers the request itself, streaming or upgrading the connection.

    Upstream's Connect returns an http.Handler that the connect handler then serves; here the
    storage serves the request directly. ``connect_methods`` are the HTTP methods it takes.
    """

    connect_methods: frozenset[str]

    def connect(self, ctx: RequestContext, name: str, req: Request, w: ResponseWriter) -> None: ...


@runtime_checkable
class Watcher(Protocol):
    def watch(self, ctx: RequestContext, options: ListOptions) -> WatchStream: ...


class WatchStream(Protocol):
    """What a watch handler consumes: typed events ready to encode, then the end."""

    def next(self, timeout: float) -> tuple[str, Object] | None: ...

    def stop(self) -> None: ...

    @property
    def stopped(self) -> bool: ...


def object_field(obj: dict[str, Any], key: str) -> dict[str, Any]:
    """The mapping at ``obj[key]``, created (replacing a non-mapping) if missing."""
    value = obj.get(key)
    if not isinstance(value, dict):
        value = {}
        obj[key] = value
    return value


def defaulted_object_field(obj: dict[str, Any], key: str) -> dict[str, Any] | None:
    """The mapping at ``obj[key]``, created empty when unset (absent or null); None when the
    field holds something else, which is left for validation to report."""
    value = obj.get(key)
    if value is None:
        value = obj[key] = {}
    return value if isinstance(value, dict) else None


def object_meta(obj: Object) -> dict[str, Any]:
    """The object's metadata dict, created if missing."""
    return object_field(obj, "metadata")
