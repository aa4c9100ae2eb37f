"""Group, version, kind and resource names (k8s.io/apimachinery/pkg/runtime/schema)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class GroupVersion:
    group: str
    version: str

    def __str__(self) -> str:
        """The apiVersion form: ``v1`` for core, ``apps/v1`` otherwise."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @classmethod
    def parse(cls, api_version: str) -> GroupVersion:
        group, _, version = api_version.rpartition("/")
        return cls(group, version)

    def with_kind(self, kind: str) -> GroupVersionKind:
        return GroupVersionKind(self.group, self.version, kind)


@dataclass(frozen=True, order=True)
class GroupVersionKind:
    group: str
    version: str
    kind: str

    @property
    def group_version(self) -> GroupVersion:
        return GroupVersion(self.group, self.version)

    @property
    def api_version(self) -> str:
        return str(self.group_version)

    @property
    def group_kind(self) -> GroupKind:
        return GroupKind(self.group, self.kind)


@dataclass(frozen=True, order=True)
class GroupVersionResource:
    group: str
    version: str
    resource: str

    @property
    def group_version(self) -> GroupVersion:
        return GroupVersion(self.group, self.version)

    @property
    def group_resource(self) -> GroupResource:
        return GroupResource(self.group, self.resource)


@dataclass(frozen=True, order=True)
class GroupResource:
    group: str
    resource: str

    def __str__(self) -> str:
        """The qualified form used in messages: ``configmaps``, ``deployments.apps``."""
        return f"{self.resource}.{self.group}" if self.group else self.resource


@dataclass(frozen=True, order=True)
class GroupKind:
    group: str
    kind: str

    def __str__(self) -> str:
        """``ConfigMap``, ``Deployment.apps``: how Invalid messages name a kind."""
        return f"{self.kind}.{self.group}" if self.group else self.kind
