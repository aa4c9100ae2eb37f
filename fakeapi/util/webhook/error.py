"""The errors of a webhook call (k8s.io/apiserver/pkg/util/webhook/error.go).

``ErrCallingWebhook`` is a call that did not get an answer the server could use (failurePolicy
decides what it means); ``ErrWebhookRejection`` is a webhook that answered "no".
"""

from __future__ import annotations

from fakeapi.apimachinery.errors import StatusError
from fakeapi.apimachinery.gofmt import go_quote


class ErrCallingWebhook(Exception):
    """The webhook could not be called, or its answer could not be used."""

    def __init__(self, webhook_name: str, reason: str | None, status: StatusError) -> None:
        self.webhook_name = webhook_name
        self.reason = reason
        self.status = status
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.reason is not None:
            return f"failed calling webhook {go_quote(self.webhook_name)}: {self.reason}"
        return f"failed calling webhook {go_quote(self.webhook_name)}; no further details available"


class ErrWebhookRejection(Exception):
    """The webhook denied the request; ``status`` is what the client gets."""

    def __init__(self, status: StatusError) -> None:
        self.status = status
        super().__init__(status.message)
