"""One webhook of a configuration, as the dispatchers read it (k8s.io/apiserver/pkg/admission/plugin/webhook/accessors.go).

Configurations are kept as their JSON; their webhooks were defaulted when written
(failurePolicy Fail, matchPolicy Equivalent, timeoutSeconds 10, reinvocationPolicy Never,
``{}`` selectors), and the accessors fall back on the same defaults for objects that skipped it.
``uid`` is upstream's ``<configuration>/<webhook>/<index>``, unique across configurations.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from fakeapi.util.webhook.client import ClientConfig, client_config_from_api

MUTATING = "Mutating"
VALIDATING = "Validating"


@dataclass(frozen=True)
class WebhookAccessor:
    configuration_name: str
    index: int
    webhook: dict[str, Any]
    type: str

    @property
    def uid(self) -> str:
        return f"{self.configuration_name}/{self.name}/{self.index}"

    @property
    def name(self) -> str:
        return str(self.webhook.get("name") or "")

    @property
    def rules(self) -> list[dict[str, Any]]:
        return [r for r in self.webhook.get("rules") or [] if isinstance(r, dict)]

    @property
    def failure_policy(self) -> str:
        return str(self.webhook.get("failurePolicy") or "Fail")

    @property
    def match_policy(self) -> str:
        return str(self.webhook.get("matchPolicy") or "Equivalent")

    @property
    def namespace_selector(self) -> dict[str, Any]:
        return self.webhook.get("namespaceSelector") or {}

    @property
    def object_selector(self) -> dict[str, Any]:
        return self.webhook.get("objectSelector") or {}

    @property
    def side_effects(self) -> str | None:
        value = self.webhook.get("sideEffects")
        return None if value is None else str(value)

    @property
    def timeout_seconds(self) -> int | None:
        value = self.webhook.get("timeoutSeconds", 10)
        return None if value is None else int(value)

    @property
    def admission_review_versions(self) -> list[str]:
        return [str(v) for v in self.webhook.get("admissionReviewVersions") or []]

    @property
    def reinvocation_policy(self) -> str:
        return str(self.webhook.get("reinvocationPolicy") or "Never")

    @property
    def match_conditions(self) -> list[dict[str, Any]]:
        return [c for c in self.webhook.get("matchConditions") or [] if isinstance(c, dict)]

    @cached_property
    def client_config(self) -> ClientConfig:
        """webhookutil.ClientConfig of the webhook (HookClientConfigForWebhook)."""
        return client_config_from_api(self.name, self.webhook.get("clientConfig") or {})


def accessors_of(configuration: dict[str, Any], webhook_type: str) -> list[WebhookAccessor]:
    """The webhooks of one configuration, in their order."""
    name = str((configuration.get("metadata") or {}).get("name") or "")
    hooks = [w for w in configuration.get("webhooks") or [] if isinstance(w, dict)]
    return [WebhookAccessor(name, i, hook, webhook_type) for i, hook in enumerate(hooks)]
