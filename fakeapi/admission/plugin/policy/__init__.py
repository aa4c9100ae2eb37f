"""ValidatingAdmissionPolicy and MutatingAdmissionPolicy (k8s.io/apiserver/pkg/admission/plugin/policy).

``generic/`` holds what both kinds share (the policy source fed by informers, param collection,
failure policies), ``validating/`` and ``mutating/`` one module per upstream file, and
``matching`` the matchConstraints and matchResources of policies and bindings. The CEL side
(the admission environment, composited variables, mutation literals) is in
``fakeapi.admission.plugin.cel``.

Nothing here is imported by a server until the first policy or binding is stored
(``fakeapi.admission.policies``).
"""

from __future__ import annotations

from dataclasses import dataclass

from fakeapi.admission.equivalence import EquivalentResourceMapper
from fakeapi.admission.plugin.cel.compile import Compiler
from fakeapi.admission.plugin.policy.generic.plugin import Plugin
from fakeapi.admission.plugin.policy.generic.policy_dispatcher import NamespaceGetter
from fakeapi.admission.plugin.policy.generic.policy_source import ListerParamStore, ParamStore, PolicySource
from fakeapi.admission.plugin.policy.matching import Matcher
from fakeapi.admission.plugin.policy.mutating import compilation as mutating_compilation
from fakeapi.admission.plugin.policy.mutating.dispatcher import Dispatcher as MutatingDispatcher
from fakeapi.admission.plugin.policy.mutating.plugin import MutatingAdmissionPolicy
from fakeapi.admission.plugin.policy.validating import plugin as validating_plugin
from fakeapi.admission.plugin.policy.validating.dispatcher import Dispatcher as ValidatingDispatcher
from fakeapi.admission.plugin.policy.validating.plugin import ValidatingAdmissionPolicy
from fakeapi.admission.reader import StoreReader
from fakeapi.admission.versioned import VersionConverter
from fakeapi.apimachinery.managedfields.schema import DEDUCED, TypeRef
from fakeapi.apimachinery.schema import GroupVersionKind
from fakeapi.authorization.authorizer import Authorizer
from fakeapi.controllers.client import ResourceCatalog
from fakeapi.controllers.informer import InformerFactory
from fakeapi.registry.defaults import defaulter_for
from fakeapi.storage.interfaces import Object

_PREFIX = "admissionregistration.k8s.io/"
_NAMESPACES = ("", "v1", "namespaces")


@dataclass
class PolicyPlugins:
    """The two plugins, and what a server reset must tell them."""

    validating: ValidatingAdmissionPolicy
    mutating: MutatingAdmissionPolicy

    def reset(self) -> None:
        """The storage was replaced without events: compile the policies again at the next request."""
        self.validating.policies.source.notify()
        self.mutating.policies.source.notify()


def new_policy_plugins(
    informers: InformerFactory,
    resources: ResourceCatalog,
    reader: StoreReader,
    authorizer: Authorizer,
    convert: VersionConverter,
) -> PolicyPlugins:
    """Both plugins, their sources watching the policies and bindings through ``informers``;
    expressions' ``authorizer`` checks ask ``authorizer``; ``convert`` gives validating policies
    the object in the version their rules matched."""
    compiler = Compiler()

    def param_store(api_version: str, kind: str) -> ParamStore | None:
        store = resources.by_kind(api_version, kind)
        return None if store is None else ListerParamStore(informers.lister(store.key_prefix), store.spec.namespaced)

    def type_for(gvk: GroupVersionKind) -> TypeRef:
        store = resources.by_kind(gvk.api_version, gvk.kind)
        return DEDUCED if store is None or store.field_manager is None else store.field_manager.tref

    def default(gvk: GroupVersionKind, obj: Object) -> None:
        defaulter = defaulter_for(gvk)
        if defaulter is not None:
            defaulter(obj)

    get_namespace: NamespaceGetter = lambda name: reader.get(_NAMESPACES, "", name)  # noqa: E731
    matcher = Matcher(reader, EquivalentResourceMapper(resources))
    validating_source = PolicySource(
        informers.lister(_PREFIX + "validatingadmissionpolicies"),
        informers.lister(_PREFIX + "validatingadmissionpolicybindings"),
        lambda policy: validating_plugin.compile_policy(compiler, policy),
        param_store,
    )
    mutating_source = PolicySource(
        informers.lister(_PREFIX + "mutatingadmissionpolicies"),
        informers.lister(_PREFIX + "mutatingadmissionpolicybindings"),
        lambda policy: mutating_compilation.compile_policy(compiler, policy),
        param_store,
    )
    validating_source.run(informers)
    mutating_source.run(informers)
    return PolicyPlugins(
        ValidatingAdmissionPolicy(
            Plugin(validating_source), ValidatingDispatcher(matcher, get_namespace, authorizer, convert)
        ),
        MutatingAdmissionPolicy(
            Plugin(mutating_source), MutatingDispatcher(matcher, get_namespace, type_for, default, authorizer)
        ),
    )
