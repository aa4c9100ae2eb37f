"""The ValidatingAdmissionWebhook plugin (k8s.io/apiserver/pkg/admission/plugin/webhook/validating/plugin.go)."""

from __future__ import annotations

from fakeapi.admission.interfaces import CONNECT, CREATE, DELETE, UPDATE, Attributes
from fakeapi.admission.plugin.webhook.generic.webhook import WebhookSource
from fakeapi.admission.plugin.webhook.predicates.rules import is_exempt_admission_configuration_resource
from fakeapi.admission.plugin.webhook.validating.dispatcher import ValidatingDispatcher
from fakeapi.apimachinery.schema import GroupResource

PLUGIN_NAME = "ValidatingAdmissionWebhook"


class ValidatingWebhook:
    name = PLUGIN_NAME
    resources: frozenset[GroupResource] | None = None
    operations = frozenset({CREATE, UPDATE, DELETE, CONNECT})

    def __init__(self, source: WebhookSource, dispatcher: ValidatingDispatcher) -> None:
        self.source = source
        self.dispatcher = dispatcher

    def validate(self, attributes: Attributes) -> None:
        if is_exempt_admission_configuration_resource(attributes):
            return
        hooks = self.source.webhooks()
        if hooks:
            self.dispatcher.dispatch(attributes, hooks)
