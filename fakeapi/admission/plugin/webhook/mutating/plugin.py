"""The MutatingAdmissionWebhook plugin (k8s.io/apiserver/pkg/admission/plugin/webhook/mutating/plugin.go).

It acts on every resource and operation but the exempt ones (webhook configurations, admission
policies), asks the dispatcher to call the MutatingWebhookConfigurations' webhooks, and asks the
chain for its reinvocation round when a webhook changed the object.
"""

from __future__ import annotations

from fakeapi.admission.interfaces import CONNECT, CREATE, DELETE, UPDATE, Attributes
from fakeapi.admission.plugin.webhook.generic.webhook import WebhookSource
from fakeapi.admission.plugin.webhook.mutating.dispatcher import MutatingDispatcher
from fakeapi.admission.plugin.webhook.mutating.reinvocationcontext import WebhookReinvokeContext
from fakeapi.admission.plugin.webhook.predicates.rules import is_exempt_admission_configuration_resource
from fakeapi.apimachinery.schema import GroupResource

PLUGIN_NAME = "MutatingAdmissionWebhook"


class MutatingWebhook:
    name = PLUGIN_NAME
    resources: frozenset[GroupResource] | None = None
    operations = frozenset({CREATE, UPDATE, DELETE, CONNECT})

    def __init__(self, source: WebhookSource, dispatcher: MutatingDispatcher) -> None:
        self.source = source
        self.dispatcher = dispatcher

    def admit(self, attributes: Attributes) -> None:
        if is_exempt_admission_configuration_resource(attributes):
            return
        hooks = self.source.webhooks()
        if not hooks:
            return
        reinvocation = attributes.reinvocation
        state = reinvocation.values.setdefault(PLUGIN_NAME, WebhookReinvokeContext())
        assert isinstance(state, WebhookReinvokeContext)
        if self.dispatcher.dispatch(attributes, hooks, state, is_reinvoke=reinvocation.is_reinvoke):
            reinvocation.should_reinvoke = True
