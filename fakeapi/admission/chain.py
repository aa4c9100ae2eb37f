"""The admission chain (k8s.io/apiserver/pkg/admission/chain.go).

Upstream every plugin of kube-apiserver's ordered list (pkg/kubeapiserver/options/plugins.go)
is asked, in that order, first to mutate (``Admit``) and then, once the strategy has validated
the object, to validate (``Validate``). Where the handlers and the Store call the two phases is
in ``fakeapi.registry.generic.store``. Plugins name the resources they act on, so a write of
anything else costs one dictionary look-up; plugins that act on every resource (webhooks,
admission policies) are installed when first needed (``install``), in their upstream place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from fakeapi.admission.interfaces import Attributes, Interface, MutationInterface, ValidationInterface
from fakeapi.apimachinery.schema import GroupResource

_Plugin = TypeVar("_Plugin", bound=Interface)
# Plugins by the resource they act on; the key None holds those acting on every resource.
_Index = dict[GroupResource | None, tuple[_Plugin, ...]]


class AdmissionChain:
    """chainAdmissionHandler: the plugins in ``order``, each seeing what the ones before it made."""

    def __init__(self, order: Sequence[str], plugins: Iterable[Interface] = ()) -> None:
        self._order = {name: position for position, name in enumerate(order)}
        self.plugins: tuple[Interface, ...] = ()
        self._mutating: _Index[MutationInterface] = {}
        self._validating: _Index[ValidationInterface] = {}
        for plugin in plugins:
            self.install(plugin)

    def install(self, plugin: Interface) -> None:
        """Add ``plugin`` at its place in the order (a plugin of the same name is replaced)."""
        if plugin.name not in self._order:
            raise ValueError(f"admission plugin {plugin.name!r} has no place in the plugin order")
        self._set([p for p in self.plugins if p.name != plugin.name] + [plugin])

    def remove(self, name: str) -> None:
        """Take the plugin called ``name`` out of the chain, if it is there."""
        self._set([p for p in self.plugins if p.name != name])

    def _set(self, plugins: list[Interface]) -> None:
        self.plugins = tuple(sorted(plugins, key=lambda p: self._order[p.name]))
        self._mutating = self._index([p for p in self.plugins if isinstance(p, MutationInterface)])
        self._validating = self._index([p for p in self.plugins if isinstance(p, ValidationInterface)])

    def plugin(self, name: str) -> Interface | None:
        return next((p for p in self.plugins if p.name == name), None)

    @staticmethod
    def _index(plugins: list[_Plugin]) -> _Index[_Plugin]:
        index: _Index[_Plugin] = {}
        for plugin in plugins:
            for resource in plugin.resources if plugin.resources is not None else (None,):
                index[resource] = (*index.get(resource, ()), plugin)
        return index

    def _for(self, index: _Index[_Plugin], attributes: Attributes) -> list[_Plugin]:
        resource = attributes.group_resource
        found = [*index.get(resource, ()), *index.get(None, ())]
        if resource in index and None in index:
            found.sort(key=lambda p: self._order[p.name])
        return [p for p in found if attributes.operation in p.operations]

    def admit(self, attributes: Attributes) -> None:
        """The mutating phase; run a second time when a plugin asked for it (reinvocation.go)."""
        plugins = self._for(self._mutating, attributes)
        for plugin in plugins:
            plugin.admit(attributes)
        reinvocation = attributes.reinvocation_context
        if reinvocation.should_reinvoke:
            reinvocation.is_reinvoke = True
            for plugin in plugins:
                plugin.admit(attributes)

    def validate(self, attributes: Attributes) -> None:
        """The validating phase."""
        for plugin in self._for(self._validating, attributes):
            plugin.validate(attributes)
