"""The Status a webhook's refusal becomes (k8s.io/apiserver/pkg/admission/plugin/webhook/errors/statuserror.go)."""

from __future__ import annotations

from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.errors import StatusError
from fakeapi.apimachinery.gofmt import go_quote


def to_status_err(webhook_name: str, result: dict[str, Any] | None) -> StatusError:
    """ToStatusErr: the webhook's ``status`` with at least 400, Failure, and who denied the request in front."""
    result = result if isinstance(result, dict) else {}
    denied_by = f"admission webhook {go_quote(webhook_name)} denied the request"
    code = result["code"] if isinstance(result.get("code"), int) else 0
    message, reason = str(result.get("message") or ""), str(result.get("reason") or "")
    if message:
        message = f"{denied_by}: {message}"
    elif reason:
        message = f"{denied_by}: {reason}"
    else:
        message = f"{denied_by} without explanation"
    details = result.get("details") if isinstance(result.get("details"), dict) else None
    error = StatusError(max(code, 400), reason, message, details)
    if isinstance(result.get("metadata"), dict):
        error.metadata = dict(result["metadata"])
    return error


def new_dry_run_unsupported_err(webhook_name: str) -> StatusError:
    """NewDryRunUnsupportedErr."""
    return errors.new_bad_request(f"admission webhook {go_quote(webhook_name)} does not support dry run")
