"""The two admission webhook plugins of a server, built on what it serves (plugin.go of mutating and validating).

``new_webhook_plugins`` gives the MutatingAdmissionWebhook and ValidatingAdmissionWebhook plugins:
their configurations read from the server's Stores, Services resolved and webhooks called through
the server's webhook clients, equivalent resources and conversions answered by the server.
"""

from __future__ import annotations

from collections.abc import Callable

from fakeapi.admission.equivalence import EquivalentResourceMapper
from fakeapi.admission.interfaces import Interface
from fakeapi.admission.plugin.webhook.accessors import MUTATING, VALIDATING
from fakeapi.admission.plugin.webhook.generic.webhook import WebhookMatcher, WebhookSource
from fakeapi.admission.plugin.webhook.mutating.dispatcher import Defaulter, MutatingDispatcher
from fakeapi.admission.plugin.webhook.mutating.plugin import MutatingWebhook
from fakeapi.admission.plugin.webhook.validating.dispatcher import ValidatingDispatcher
from fakeapi.admission.plugin.webhook.validating.plugin import ValidatingWebhook
from fakeapi.admission.reader import StoreReader
from fakeapi.admission.versioned import VersionConverter
from fakeapi.authorization.authorizer import Authorizer
from fakeapi.util.webhook.client import ClientManager

_GROUP = "admissionregistration.k8s.io"
MUTATING_CONFIGURATIONS = (_GROUP, "v1", "mutatingwebhookconfigurations")
VALIDATING_CONFIGURATIONS = (_GROUP, "v1", "validatingwebhookconfigurations")


def new_webhook_plugins(
    reader: StoreReader,
    clients: Callable[[], ClientManager],
    equivalents: EquivalentResourceMapper,
    convert: VersionConverter,
    default: Defaulter,
    authorizer: Authorizer,
) -> tuple[Interface, Interface]:
    """The mutating and the validating plugin."""
    matcher = WebhookMatcher(reader, equivalents, convert, authorizer)
    mutating = MutatingWebhook(
        WebhookSource(reader, MUTATING_CONFIGURATIONS, MUTATING), MutatingDispatcher(clients, matcher, convert, default)
    )
    validating = ValidatingWebhook(
        WebhookSource(reader, VALIDATING_CONFIGURATIONS, VALIDATING), ValidatingDispatcher(clients, matcher, convert)
    )
    return mutating, validating
