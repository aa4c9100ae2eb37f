"""A kopf operator with admission webhooks, as downstream projects write them: run by the test next to it.

kopf serves the webhooks itself (``kopf.WebhookServer``) and, with ``settings.admission.managed``,
writes the Validating- and MutatingWebhookConfiguration that point the cluster at it. The test
hands it the listening port and a certificate issued by the cluster's CA through the environment.
"""

from __future__ import annotations

import os
from typing import Any

import kopf


@kopf.on.login()
def login(**kwargs: Any) -> kopf.ConnectionInfo | None:
    """The operator runs with a registry of its own, which has none of kopf's default login handlers."""
    return kopf.login_via_client(**kwargs)


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
    settings.admission.server = kopf.WebhookServer(
        addr="127.0.0.1",
        port=int(os.environ["WIDGET_WEBHOOK_PORT"]),
        host="127.0.0.1",
        certfile=os.environ["WIDGET_WEBHOOK_CERT"],
        pkeyfile=os.environ["WIDGET_WEBHOOK_KEY"],
        cafile=os.environ["WIDGET_WEBHOOK_CA"],
    )
    settings.admission.managed = "auto.widgets.example.com"


@kopf.on.validate("example.com", "v1", "widgets")
def size_within_limits(spec: dict[str, Any], **_: Any) -> None:
    if spec.get("size", 0) > 10:
        raise kopf.AdmissionError("size must be at most 10", code=422)


@kopf.on.mutate("example.com", "v1", "widgets")
def mark_admitted(patch: kopf.Patch, **_: Any) -> None:
    patch.setdefault("metadata", {}).setdefault("labels", {})["admitted-by"] = "kopf"
