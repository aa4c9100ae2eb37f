"""Status errors, as in k8s.io/apimachinery/pkg/api/errors/errors.go.

Every failure a client can see is a :class:`StatusError` whose ``status`` is the
metav1.Status body; the HTTP code always equals ``status["code"]``. Message texts are kept
here, in one place, word for word as upstream writes them.
"""

from __future__ import annotations

from typing import Any

from fakeapi.apimachinery.field import FieldError, aggregate_message
from fakeapi.apimachinery.schema import GroupKind, GroupResource

OPTIMISTIC_LOCK_ERROR_MSG = (
    "the object has been modified; please apply your changes to the latest version and try again"
)
NAMESPACE_MISMATCH_MSG = "the namespace of the provided object does not match the namespace sent on the request"
RESOURCE_NOT_FOUND_MSG = "the server could not find the requested resource"
METHOD_NOT_ALLOWED_MSG = "the server does not allow this method on the requested resource"
GENERIC_INVALID_MSG = "the server rejected our request due to an error in our request"
# etcd3's continueExpired: the 410 of a continue token whose list can no longer be read. (Its other text,
# inconsistentContinue, offers a token to go on from the latest revision, which this server does not give.)
CONTINUE_EXPIRED_MSG = (
    "The provided continue parameter is too old to display a consistent list result. You can start a new list "
    "without the continue parameter."
)


class StatusError(Exception):
    """An error that is sent to the client as a metav1.Status."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = {k: v for k, v in (details or {}).items() if v not in ("", None, [], 0)}
        self.headers = headers or {}
        self.metadata: dict[str, Any] = {}

    @property
    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": dict(self.metadata),
            "status": "Failure",
            "message": self.message,
        }
        if self.reason:
            body["reason"] = self.reason
        if self.details:
            body["details"] = self.details
        body["code"] = self.code
        return body


def _details(qualified: GroupResource, name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "group": qualified.group, "kind": qualified.resource, **extra}


def new_not_found(qualified: GroupResource, name: str) -> StatusError:
    return StatusError(404, "NotFound", f'{qualified} "{name}" not found', _details(qualified, name))


def new_already_exists(qualified: GroupResource, name: str) -> StatusError:
    return StatusError(409, "AlreadyExists", f'{qualified} "{name}" already exists', _details(qualified, name))


def new_generate_name_conflict(qualified: GroupResource, name: str, retry_after_seconds: int) -> StatusError:
    message = f'{qualified} "{name}" already exists, the server was not able to generate a unique name for the object'
    return StatusError(409, "AlreadyExists", message, _details(qualified, name, retryAfterSeconds=retry_after_seconds))


def new_conflict(qualified: GroupResource, name: str, err: str) -> StatusError:
    message = f'Operation cannot be fulfilled on {qualified} "{name}": {err}'
    return StatusError(409, "Conflict", message, _details(qualified, name))


def new_optimistic_lock_conflict(qualified: GroupResource, name: str) -> StatusError:
    return new_conflict(qualified, name, OPTIMISTIC_LOCK_ERROR_MSG)


def new_invalid(kind: GroupKind, name: str, errors: list[FieldError]) -> StatusError:
    message = f'{kind} "{name}" is invalid: {aggregate_message(errors)}'
    details = {"name": name, "group": kind.group, "kind": kind.kind, "causes": [e.cause() for e in errors]}
    return StatusError(422, "Invalid", message, details)


def new_bad_request(message: str) -> StatusError:
    return StatusError(400, "BadRequest", message)


def new_unauthorized(message: str = "Unauthorized") -> StatusError:
    return StatusError(401, "Unauthorized", message or "not authorized")


def new_forbidden(qualified: GroupResource, name: str, err: str) -> StatusError:
    if not qualified.resource:
        message = f"forbidden: {err}"
    elif not name:
        message = f"{qualified} is forbidden: {err}"
    else:
        message = f'{qualified} "{name}" is forbidden: {err}'
    return StatusError(403, "Forbidden", message, _details(qualified, name))


def new_method_not_supported(qualified: GroupResource, action: str) -> StatusError:
    message = f'{action} is not supported on resources of kind "{qualified}"'
    return StatusError(405, "MethodNotAllowed", message, {"group": qualified.group, "kind": qualified.resource})


# Go's encoding/json refuses nesting deeper than 10,000 levels with this text; here Python's recursion limit
# (about 1,000 levels) is what runs out first, and any decoding or walking that it stops answers the same.
EXCEEDED_MAX_DEPTH = "exceeded max depth"


def json_error_text(exc: Exception, data: bytes | str | None = None) -> str:
    """What a failure to decode ``data`` as JSON says: Go's encoding/json text where its scanner finds the
    fault (``invalid character ...``, ``unexpected end of JSON input``), else the decoder's own."""
    if isinstance(exc, RecursionError):
        return EXCEEDED_MAX_DEPTH
    if data is not None:
        from fakeapi.apimachinery.gojsonsyntax import syntax_error

        text = syntax_error(data)
        if text is not None:
            return text
    return str(exc)


def new_generic_method_not_allowed() -> StatusError:
    return StatusError(405, "MethodNotAllowed", METHOD_NOT_ALLOWED_MSG)


def new_generic_not_found() -> StatusError:
    return StatusError(404, "NotFound", RESOURCE_NOT_FOUND_MSG)


def new_not_acceptable(accepted: list[str]) -> StatusError:
    return StatusError(406, "NotAcceptable", "only the following media types are accepted: " + ", ".join(accepted))


def new_unsupported_media_type(accepted: list[str]) -> StatusError:
    message = "the body of the request was in an unknown format - accepted media types include: " + ", ".join(accepted)
    return StatusError(415, "UnsupportedMediaType", message)


def new_resource_expired(message: str) -> StatusError:
    return StatusError(410, "Expired", message)


def new_request_entity_too_large(message: str) -> StatusError:
    return StatusError(413, "RequestEntityTooLarge", f"Request entity too large: {message}")


def new_too_many_requests(message: str, retry_after_seconds: int) -> StatusError:
    return StatusError(
        429,
        "TooManyRequests",
        f"Too many requests: {message}",
        {"retryAfterSeconds": retry_after_seconds},
    )


def new_internal_error(err: str) -> StatusError:
    return StatusError(500, "InternalError", f"Internal error occurred: {err}", {"causes": [{"message": err}]})


def new_service_unavailable(message: str) -> StatusError:
    return StatusError(503, "ServiceUnavailable", message)


def new_timeout(message: str, retry_after_seconds: int = 0) -> StatusError:
    return StatusError(504, "Timeout", f"Timeout: {message}", {"retryAfterSeconds": retry_after_seconds})


def new_generic_invalid() -> StatusError:
    """The 422 a failed JSON patch operation becomes (NewGenericServerResponse drops the detail)."""
    return StatusError(422, "Invalid", GENERIC_INVALID_MSG)
