"""The mutating admission chain (k8s.io/apiserver/pkg/admission/chain.go and interfaces.go).

Upstream the create handler runs every mutating plugin, in the order of
pkg/kubeapiserver/options/plugins.go, after decoding and defaulting and before the Store's
BeforeCreate (so before the strategy and validation). Each plugin here names the resources it
acts on, so a write of anything else costs one dictionary look-up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from fakeapi.apimachinery.schema import GroupResource
from fakeapi.storage.interfaces import Object

CREATE = "CREATE"
UPDATE = "UPDATE"


@dataclass
class Attributes:
    """admission.Attributes: what is written, where, by which operation."""

    operation: str
    resource: GroupResource
    namespace: str
    name: str
    obj: Object


class MutationInterface(Protocol):
    """admission.MutationInterface, with Handles narrowed to the resources a plugin acts on."""

    name: str
    resources: frozenset[GroupResource]
    operations: frozenset[str]

    def admit(self, attributes: Attributes) -> None:
        """Change ``attributes.obj`` in place, or raise a StatusError to refuse the write."""


class MutatingChain:
    """chainAdmissionHandler.Admit: the plugins in order, each seeing what the ones before it made."""

    def __init__(self, plugins: Iterable[MutationInterface]) -> None:
        self.plugins = tuple(plugins)
        self._by_resource: dict[GroupResource, tuple[MutationInterface, ...]] = {}
        for plugin in self.plugins:
            for resource in plugin.resources:
                self._by_resource[resource] = (*self._by_resource.get(resource, ()), plugin)

    def admit(self, attributes: Attributes) -> None:
        for plugin in self._by_resource.get(attributes.resource, ()):
            if attributes.operation in plugin.operations:
                plugin.admit(attributes)
