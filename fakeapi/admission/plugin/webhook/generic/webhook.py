"""The part of a webhook call both dispatchers share (generic/webhook.go and the callHook halves of the dispatchers).

``call_webhook`` is what upstream's mutating and validating dispatchers each write out: the dryRun
check against ``sideEffects``, the AdmissionReview in the webhook's version, the POST with the
webhook's ``timeoutSeconds`` (sent as ``?timeout=``), the answer checked, the webhook's
``auditAnnotations`` (as ``<webhook>/<key>``) and ``warnings`` passed on. Failures carry
upstream's texts: ``failed calling webhook "<name>": failed to call webhook: ...`` for a call
that got no usable answer, ``received invalid webhook response: ...`` for a malformed one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from fakeapi.admission.plugin.webhook.accessors import WebhookAccessor
from fakeapi.admission.plugin.webhook.errors import new_dry_run_unsupported_err
from fakeapi.admission.plugin.webhook.request.admissionreview import (
    AdmissionResponse,
    InvalidResponse,
    Invocation,
    ReviewAttributes,
    create_admission_review,
    review_version,
    verify_admission_response,
)
from fakeapi.apimachinery import errors
from fakeapi.apimachinery.schema import GroupVersionKind
from fakeapi.storage.interfaces import Object
from fakeapi.testing.audit import WebhookCall, record_webhook_call
from fakeapi.util.webhook.client import CallError, ClientManager
from fakeapi.util.webhook.error import ErrCallingWebhook

SIDE_EFFECTS_SAFE_ON_DRY_RUN = ("None", "NoneOnDryRun")
# Converts an object to another version of its kind (the webhook matched it as that version).
VersionConverter = Callable[[Object, GroupVersionKind], Object]


class CallAttributes(ReviewAttributes, Protocol):
    """What a webhook call reads and writes of the request."""

    def add_annotation(self, key: str, value: str) -> None: ...

    def add_warning(self, text: str) -> None: ...


def versioned(
    convert: VersionConverter, obj: Object | None, from_kind: GroupVersionKind, to_kind: GroupVersionKind
) -> Object | None:
    """The object in the version a webhook matched it as (or back in the request's): VersionedAttributes."""
    if obj is None or from_kind == to_kind:
        return obj
    return convert(obj, to_kind)


class HookMatcher(Protocol):
    def should_call_hook(self, hook: WebhookAccessor, attributes: CallAttributes) -> Invocation | None:
        """ShouldCallHook: the resource and kind the webhook matches the request as, or None.

        Raises:
            StatusError: a selector or match condition could not be evaluated.
        """


def call_webhook(
    clients: ClientManager,
    hook: WebhookAccessor,
    invocation: Invocation,
    attributes: CallAttributes,
    obj: Object | None,
    old_obj: Object | None,
    *,
    mutating: bool,
) -> AdmissionResponse:
    """POST the review and return the checked answer.

    Raises:
        ErrCallingWebhook: no usable answer (failurePolicy decides).
        StatusError: the webhook cannot be called for a dry run.
    """
    if attributes.dry_run:
        if hook.side_effects is None:
            raise ErrCallingWebhook(
                hook.name, "Webhook SideEffects is nil", errors.new_bad_request("Webhook SideEffects is nil")
            )
        if hook.side_effects not in SIDE_EFFECTS_SAFE_ON_DRY_RUN:
            raise new_dry_run_unsupported_err(hook.name)
    version = review_version(hook.admission_review_versions)
    if version is None:
        reason = (
            "could not create admission objects: webhook does not accept known AdmissionReview versions (v1, v1beta1)"
        )
        raise ErrCallingWebhook(hook.name, reason, errors.new_bad_request("error creating admission objects"))
    uid, review = create_admission_review(version, attributes, invocation, obj, old_obj)
    client = clients.hook_client(hook.client_config)
    try:
        answer = client.post(review, hook.timeout_seconds)
    except CallError as err:
        status = err.status if err.status is not None else errors.new_service_unavailable("error calling webhook")
        raise ErrCallingWebhook(hook.name, f"failed to call webhook: {err}", status) from err
    try:
        response = verify_admission_response(uid, version, mutating, answer)
    except InvalidResponse as err:
        raise ErrCallingWebhook(
            hook.name,
            f"received invalid webhook response: {err}",
            errors.new_service_unavailable("error validating webhook response"),
        ) from err
    for key, value in response.audit_annotations.items():
        attributes.add_annotation(f"{hook.name}/{key}", value)
    for warning in response.warnings:
        attributes.add_warning(warning)
    return response


class CallTimer:
    """Times one webhook call and puts it, with its outcome, on the request's audit event."""

    def __init__(self, kind: str, hook: WebhookAccessor) -> None:
        self.kind = kind
        self.hook = hook
        self.started = time.perf_counter()

    def finish(self, outcome: str) -> None:
        seconds = time.perf_counter() - self.started
        record_webhook_call(WebhookCall(self.hook.name, self.kind, outcome, seconds))
