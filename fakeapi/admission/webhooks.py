"""Admission webhooks, installed into a server's chain when its first webhook configuration is stored.

A server that never stores a Mutating- or ValidatingWebhookConfiguration never imports the webhook
code (``fakeapi.admission.plugin.webhook``, ``fakeapi.util.webhook``): this module watches the
storage for the first such configuration, then installs both plugins at their place in the chain
(``MutatingAdmissionWebhook`` and ``ValidatingAdmissionWebhook`` of PLUGIN_ORDER). A reset takes
them out again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fakeapi.admission.chain import AdmissionChain
from fakeapi.admission.equivalence import EquivalentResourceMapper
from fakeapi.admission.reader import StoreReader
from fakeapi.apimachinery.schema import GroupVersionKind
from fakeapi.authorization.authorizer import Authorizer
from fakeapi.registry.defaults import defaulter_for
from fakeapi.registry.webhook_clients import WebhookClients
from fakeapi.storage.interfaces import Event, Object

# The Stores whose first object installs the plugins, by (group, version, resource).
CONFIGURATION_STORES = (
    ("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations"),
    ("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations"),
)
PLUGIN_NAMES = ("MutatingAdmissionWebhook", "ValidatingAdmissionWebhook")


class WebhookAdmission:
    """Installs the webhook plugins into ``chain`` at the first configuration event of ``prefixes``."""

    def __init__(
        self,
        chain: AdmissionChain,
        reader: StoreReader,
        clients: WebhookClients,
        prefixes: Sequence[str],
        equivalents: EquivalentResourceMapper,
        convert: Callable[[Object, GroupVersionKind], Object],
        authorizer: Authorizer,
    ) -> None:
        self._chain = chain
        self._reader = reader
        self._clients = clients
        self._prefixes = frozenset(prefixes)
        self._equivalents = equivalents
        self._convert = convert
        self._authorizer = authorizer
        self.installed = False

    def on_event(self, event: Event) -> None:
        """A storage listener (under the storage lock): a configuration was written."""
        if not self.installed and event.key.prefix in self._prefixes:
            self.install()

    def install(self) -> None:
        from fakeapi.admission.plugin.webhook.plugins import new_webhook_plugins

        for plugin in new_webhook_plugins(
            self._reader, self._clients.manager, self._equivalents, self._convert, _default, self._authorizer
        ):
            self._chain.install(plugin)
        self.installed = True

    def reset(self) -> None:
        """The configurations are gone with the storage: requests pay nothing for webhooks until the next one."""
        for name in PLUGIN_NAMES:
            self._chain.remove(name)
        self.installed = False


def _default(gvk: GroupVersionKind, obj: Object) -> None:
    """What a webhook's patch gets, as the decoded object is defaulted again (o.GetObjectDefaulter)."""
    defaulter = defaulter_for(gvk)
    if defaulter is not None:
        defaulter(obj)
