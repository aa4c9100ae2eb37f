"""The default-enabled admission plugins, in kube-apiserver's order (pkg/kubeapiserver/options/plugins.go).

Of AllOrderedPlugins, the ones whose effect shows on what is stored: ServiceAccount, Priority,
DefaultTolerationSeconds and DefaultIngressClass. NamespaceLifecycle lives with the generic Store
(fakeapi.registry.generic.admission) and DefaultStorageClass with the claim strategy
(fakeapi.registry.core.persistentvolumeclaim).
"""

from __future__ import annotations

from fakeapi.admission.chain import MutatingChain
from fakeapi.admission.defaultingressclass import DefaultIngressClass
from fakeapi.admission.defaulttolerationseconds import DefaultTolerationSeconds
from fakeapi.admission.priority import Priority
from fakeapi.admission.reader import StoreReader
from fakeapi.admission.serviceaccount import ServiceAccount
from fakeapi.util.identity import IdentityGenerator


def new_default_chain(reader: StoreReader, identity: IdentityGenerator) -> MutatingChain:
    """The mutating plugins a v1.37 kube-apiserver enables by default, in its order."""
    return MutatingChain(
        [
            ServiceAccount(reader, identity),
            Priority(reader),
            DefaultTolerationSeconds(),
            DefaultIngressClass(reader),
        ]
    )
