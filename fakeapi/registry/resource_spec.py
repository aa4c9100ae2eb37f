"""The declarative description of one served resource.

Everything about a resource that kube-apiserver spreads over its registry packages but that
is really data (kind, plural, scope, short names, categories, verbs, subresources, selectable
fields, name rules) lives in a :class:`ResourceSpec`. The table of built-in resources is in
:mod:`fakeapi.registry.builtin_resources`; behaviour that differs lives in strategies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from fakeapi.apimachinery.schema import GroupResource, GroupVersion, GroupVersionKind, GroupVersionResource

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
SUBRESOURCE_VERBS = ("get", "patch", "update")


class NameRule(Enum):
    """Which validation a resource's metadata.name must pass (pkg/api/validation name funcs)."""

    DNS1123_SUBDOMAIN = "subdomain"
    DNS1123_LABEL = "label"
    DNS1035_LABEL = "dns1035"
    PATH_SEGMENT = "path-segment"


@dataclass(frozen=True)
class SubresourceSpec:
    """A subresource such as ``status`` or ``scale``; ``kind`` is set when it has another type."""

    name: str
    verbs: tuple[str, ...] = SUBRESOURCE_VERBS
    kind: GroupVersionKind | None = None


@dataclass(frozen=True)
class ResourceSpec:
    """One resource of one group-version, as discovery and the installer see it."""

    group: str
    version: str
    resource: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    subresources: tuple[SubresourceSpec, ...] = ()
    # Field selector label -> dotted path into the object, beyond metadata.name/metadata.namespace.
    selectable_fields: dict[str, str] = field(default_factory=dict)
    name_rule: NameRule = NameRule.DNS1123_SUBDOMAIN
    # Whether metadata.generation is set on create and bumped on spec changes.
    tracks_generation: bool = False
    # Whether a delete answers with the deleted object rather than a Status (ReturnDeletedObject).
    return_deleted_object: bool = False
    # Key of the strategy in fakeapi.registry.strategies (empty: the default strategy).
    strategy: str = ""
    singular: str = ""
    # Warnings every request to this resource in this version gets (a deprecated version's).
    warnings: tuple[str, ...] = ()

    @property
    def internal_type(self) -> str:
        """The Go type of an object of this resource inside kube-apiserver, as ``%T`` prints it in messages.

        The package is the group's first label (``core`` for the core group and events.k8s.io), which
        names every built-in group's internal package but internal.apiserver.k8s.io's (apiserverinternal).
        """
        package = "core" if self.group in ("", "events.k8s.io") else self.group.split(".")[0]
        return f"*{package}.{self.kind}"

    @property
    def group_version(self) -> GroupVersion:
        return GroupVersion(self.group, self.version)

    @property
    def gvk(self) -> GroupVersionKind:
        return GroupVersionKind(self.group, self.version, self.kind)

    @property
    def gvr(self) -> GroupVersionResource:
        return GroupVersionResource(self.group, self.version, self.resource)

    @property
    def group_resource(self) -> GroupResource:
        return GroupResource(self.group, self.resource)

    @property
    def singular_name(self) -> str:
        return self.singular or self.kind.lower()

    @property
    def list_kind(self) -> str:
        return self.kind + "List"

    def subresource(self, name: str) -> SubresourceSpec | None:
        return next((s for s in self.subresources if s.name == name), None)
