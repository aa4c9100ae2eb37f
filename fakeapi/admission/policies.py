"""The admission policy plugins, loaded when the first policy or binding is stored.

kube-apiserver enables ValidatingAdmissionPolicy and MutatingAdmissionPolicy by default. Here a
server without policies pays nothing for them: :class:`AdmissionPolicies` watches the four
policy resources and, at the first object stored in any of them, installs two small plugins in
the admission chain at their upstream places. The first request they see imports the CEL runtime
and ``fakeapi.admission.plugin.policy`` and builds the real plugins, which from then on keep
their compiled policies up to date from the same informers.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from fakeapi.admission.chain import AdmissionChain
from fakeapi.admission.interfaces import CONNECT, CREATE, DELETE, UPDATE, Attributes
from fakeapi.admission.reader import StoreReader
from fakeapi.admission.versioned import VersionConverter
from fakeapi.apimachinery.schema import GroupResource
from fakeapi.authorization.authorizer import Authorizer
from fakeapi.controllers.client import ResourceCatalog
from fakeapi.controllers.informer import InformerFactory
from fakeapi.storage.interfaces import Event

if TYPE_CHECKING:
    from fakeapi.admission.plugin.policy import PolicyPlugins

VALIDATING_PLUGIN = "ValidatingAdmissionPolicy"
MUTATING_PLUGIN = "MutatingAdmissionPolicy"
_PREFIXES = tuple(
    f"admissionregistration.k8s.io/{resource}"
    for resource in (
        "validatingadmissionpolicies",
        "validatingadmissionpolicybindings",
        "mutatingadmissionpolicies",
        "mutatingadmissionpolicybindings",
    )
)


class AdmissionPolicies:
    """Installs the policy plugins in ``chain`` once a policy or binding exists."""

    def __init__(
        self,
        chain: AdmissionChain,
        informers: InformerFactory,
        resources: ResourceCatalog,
        reader: StoreReader,
        authorizer: Authorizer,
        convert: VersionConverter,
    ) -> None:
        self._chain = chain
        self._authorizer = authorizer
        self._convert = convert
        self._informers = informers
        self._resources = resources
        self._reader = reader
        self._lock = threading.Lock()
        self._plugins: PolicyPlugins | None = None
        self._installed = False
        for prefix in _PREFIXES:
            informers.add_event_handler(prefix, self._stored)

    def _stored(self, _event: Event) -> None:
        # Under the storage lock, inside the write: only install the placeholders, nothing is imported.
        if not self._installed:
            self._installed = True
            self._chain.install(_Validating(self))
            self._chain.install(_Mutating(self))

    def plugins(self) -> PolicyPlugins:
        """The real plugins, built on first use."""
        with self._lock:
            if self._plugins is None:
                from fakeapi.admission.plugin.policy import new_policy_plugins

                self._plugins = new_policy_plugins(
                    self._informers, self._resources, self._reader, self._authorizer, self._convert
                )
            return self._plugins

    def reset(self) -> None:
        """The server's storage was cleared or restored, which informers do not see."""
        if self._plugins is not None:
            self._plugins.reset()


class _Validating:
    name = VALIDATING_PLUGIN
    resources: frozenset[GroupResource] | None = None
    operations = frozenset({CREATE, UPDATE, DELETE, CONNECT})

    def __init__(self, policies: AdmissionPolicies) -> None:
        self._policies = policies

    def validate(self, attributes: Attributes) -> None:
        self._policies.plugins().validating.validate(attributes)


class _Mutating:
    name = MUTATING_PLUGIN
    resources: frozenset[GroupResource] | None = None
    operations = frozenset({CREATE, UPDATE, CONNECT})

    def __init__(self, policies: AdmissionPolicies) -> None:
        self._policies = policies

    def admit(self, attributes: Attributes) -> None:
        self._policies.plugins().mutating.admit(attributes)
