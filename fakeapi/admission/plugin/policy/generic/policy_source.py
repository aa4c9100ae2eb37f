"""The policies and bindings in effect, compiled (k8s.io/apiserver/pkg/admission/plugin/policy/generic/policy_source.go).

Upstream the source's informers mark its policy list dirty on every change of a policy or a
binding, and a loop recompiles the list once a second. Here the informers mark it dirty the same
way and the next admission recompiles it, so a policy takes effect for the very next request;
each policy is compiled again only when it changed.

A hook is one policy with the bindings that name it (a binding naming a policy that does not
exist is skipped); hooks come in policy-name order (upstream iterates a Go map, in no fixed
order). A policy whose paramKind cannot be resolved carries the configuration error
``failed to find resource referenced by paramKind: '<group>/<version>, Kind=<kind>'``, and the
list is recomputed at every request until it can.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from fakeapi.apimachinery.labels import LabelSelector
from fakeapi.apimachinery.schema import GroupVersion
from fakeapi.controllers.informer import InformerFactory, Lister, ResourceEventHandlerFuncs
from fakeapi.storage.interfaces import Object

E = TypeVar("E")


class ParamStore(Protocol):
    """What a param lister gives: the objects of the paramKind (upstream a GenericInformer's lister)."""

    @property
    def namespaced(self) -> bool: ...

    def get(self, namespace: str, name: str) -> Object | None: ...

    def list(self, namespace: str, selector: LabelSelector) -> list[Object]: ...


# Resolves a paramKind (apiVersion, kind) to the store of its objects: upstream's RESTMapper and informer.
ParamResolver = Callable[[str, str], "ParamStore | None"]


@dataclass(frozen=True)
class ListerParamStore:
    """A ParamStore over a resource's lister."""

    lister: Lister
    namespaced: bool

    def get(self, namespace: str, name: str) -> Object | None:
        return self.lister.get(namespace if self.namespaced else "", name)

    def list(self, namespace: str, selector: LabelSelector) -> list[Object]:
        items = self.lister.list(namespace if self.namespaced else None)
        return [item for item in items if selector.matches((item.get("metadata") or {}).get("labels") or {})]


@dataclass
class PolicyHook(Generic[E]):
    """PolicyHook: a policy, its bindings, its compiled evaluator and where its params come from."""

    policy: Object
    bindings: list[Object]
    evaluator: E
    param_store: ParamStore | None = None
    configuration_error: str = ""

    @property
    def name(self) -> str:
        return str(self.policy["metadata"]["name"])


def gvk_string(api_version: str, kind: str) -> str:
    """schema.GroupVersionKind's String(): ``apps/v1, Kind=Deployment``, ``/v1, Kind=ConfigMap``."""
    gv = GroupVersion.parse(api_version)
    return f"{gv.group}/{gv.version}, Kind={kind}"


@dataclass
class _Compiled(Generic[E]):
    # The stored object it was compiled from: stored objects are replaced, never changed, on a write.
    policy: Object
    evaluator: E


@dataclass
class PolicySource(Generic[E]):
    """policySource: the hooks of one policy kind, recompiled after its informers saw a change."""

    policies: Lister
    bindings: Lister
    compile_policy: Callable[[Object], E]
    resolve_params: ParamResolver
    _hooks: list[PolicyHook[E]] = field(default_factory=list)
    _dirty: bool = True
    _compiled: dict[str, _Compiled[E]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, informers: InformerFactory) -> None:
        """Watch the policies and bindings: any change marks the hooks for recompilation."""
        notify = ResourceEventHandlerFuncs(
            add=lambda _: self.notify(), update=lambda _old, _new: self.notify(), delete=lambda _: self.notify()
        )
        informers.add_event_handler(self.policies.prefix, notify)
        informers.add_event_handler(self.bindings.prefix, notify)

    def notify(self) -> None:
        self._dirty = True

    def hooks(self) -> list[PolicyHook[E]]:
        """The current hooks, recompiled first if anything changed since the last call."""
        with self._lock:
            if self._dirty:
                self._dirty = False
                self._hooks = self._calculate()
            return self._hooks

    def _calculate(self) -> list[PolicyHook[E]]:
        by_policy: dict[str, list[Object]] = {}
        for binding in self.bindings.list():
            name = (binding.get("spec") or {}).get("policyName") or ""
            by_policy.setdefault(name, []).append(binding)
        hooks: list[PolicyHook[E]] = []
        for name in sorted(by_policy):
            policy = self.policies.get("", name)
            if policy is None:
                continue
            param_store, error = self._param_store(policy)
            if error:
                # Retried at the next request, as upstream requeues a policy sync error.
                self._dirty = True
            hooks.append(PolicyHook(policy, by_policy[name], self._evaluator(policy), param_store, error))
        for name in set(self._compiled) - set(by_policy):
            del self._compiled[name]
        return hooks

    def _evaluator(self, policy: Object) -> E:
        """compilePolicyLocked: compile again only when the policy changed (upstream compares
        resourceVersions, which a server reset can repeat for another object)."""
        name = policy["metadata"]["name"]
        compiled = self._compiled.get(name)
        if compiled is None or compiled.policy is not policy:
            compiled = self._compiled[name] = _Compiled(policy, self.compile_policy(policy))
        return compiled.evaluator

    def _param_store(self, policy: Object) -> tuple[ParamStore | None, str]:
        """ensureParamsForPolicyLocked: the store of the paramKind's objects, or the configuration error."""
        param_kind: Mapping[str, Any] | None = (policy.get("spec") or {}).get("paramKind")
        if param_kind is None:
            return None, ""
        api_version, kind = param_kind.get("apiVersion") or "", param_kind.get("kind") or ""
        store = self.resolve_params(api_version, kind)
        if store is None:
            return None, f"failed to find resource referenced by paramKind: '{gvk_string(api_version, kind)}'"
        return store, ""
