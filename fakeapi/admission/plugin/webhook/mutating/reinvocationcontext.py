"""Which mutating webhooks run again (k8s.io/apiserver/pkg/admission/plugin/webhook/mutating/reinvocationcontext.go).

A webhook with ``reinvocationPolicy: IfNeeded`` that ran is noted; when a later webhook (or, in
the reinvocation round, an in-tree plugin) changes the object, the noted ones are due again, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fakeapi.apimachinery.jsonutil import deep_copy_json


@dataclass
class WebhookReinvokeContext:
    last_webhook_output: Any = None
    previously_invoked_reinvocable_webhooks: set[str] = field(default_factory=set)
    reinvoke_webhooks: set[str] = field(default_factory=set)

    def should_reinvoke_webhook(self, uid: str) -> bool:
        return uid in self.reinvoke_webhooks

    def is_output_changed_since_last_webhook_invocation(self, obj: Any) -> bool:
        return bool(self.last_webhook_output != obj)

    def set_last_webhook_invocation_output(self, obj: Any) -> None:
        self.last_webhook_output = None if obj is None else deep_copy_json(obj)

    def add_reinvocable_webhook_to_previously_invoked(self, uid: str) -> None:
        self.previously_invoked_reinvocable_webhooks.add(uid)

    def require_reinvoking_previously_invoked_plugins(self) -> None:
        if self.previously_invoked_reinvocable_webhooks:
            self.reinvoke_webhooks |= self.previously_invoked_reinvocable_webhooks
            self.previously_invoked_reinvocable_webhooks = set()
