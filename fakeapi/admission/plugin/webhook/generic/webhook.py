"""What mutating and validating webhooks share (generic/webhook.go and the callHook halves of the dispatchers).

``WebhookSource`` lists the webhooks of every configuration of a kind, by configuration name;
``WebhookMatcher`` is ShouldCallHook: the namespace and object selectors, the rules, and under
``matchPolicy: Equivalent`` the same resource in another version (the webhook then gets the object
in that version), then ``matchConditions`` (CEL, loaded with the first webhook that has them):
a condition that is false skips the webhook; one that fails to evaluate makes the request
Forbidden under ``failurePolicy: Fail`` and skips the webhook under ``Ignore``.

``call_webhook`` is what upstream's mutating and validating dispatchers each write out: the dryRun
check against ``sideEffects``, the AdmissionReview in the webhook's version, the POST with the
webhook's ``timeoutSeconds`` (sent as ``?timeout=``), the answer checked, the webhook's
``auditAnnotations`` (as ``<webhook>/<key>``) and ``warnings`` passed on. Failures carry
upstream's texts: ``failed calling webhook "<name>": failed to call webhook: ...`` for a call
that got no usable answer, ``received invalid webhook response: ...`` for a malformed one.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

from fakeapi.admission.equivalence import EquivalentResourceMapper
from fakeapi.admission.interfaces import Attributes
from fakeapi.admission.plugin.webhook.accessors import WebhookAccessor, accessors_of
from fakeapi.admission.plugin.webhook.errors import new_dry_run_unsupported_err
from fakeapi.admission.plugin.webhook.predicates.namespace import NamespaceMatcher
from fakeapi.admission.plugin.webhook.predicates.object import object_selector_matches
from fakeapi.admission.plugin.webhook.predicates.rules import rule_matches
from fakeapi.admission.plugin.webhook.request.admissionreview import (
    AdmissionResponse,
    InvalidResponse,
    Invocation,
    create_admission_review,
    review_version,
    verify_admission_response,
)
from fakeapi.admission.reader import StoreReader
from fakeapi.admission.versioned import VersionConverter, versioned
from fakeapi.apimachinery import errors
from fakeapi.authorization.authorizer import Authorizer
from fakeapi.storage.interfaces import Object
from fakeapi.testing.audit import WebhookCall, record_webhook_call
from fakeapi.util.webhook.client import CallError, ClientManager
from fakeapi.util.webhook.error import ErrCallingWebhook

if TYPE_CHECKING:
    from fakeapi.admission.plugin.webhook.matchconditions import WebhookConditions

SIDE_EFFECTS_SAFE_ON_DRY_RUN = ("None", "NoneOnDryRun")


def call_webhook(
    clients: ClientManager,
    hook: WebhookAccessor,
    invocation: Invocation,
    attributes: Attributes,
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


class WebhookSource:
    """The webhooks of every configuration of one kind, by configuration name (the configuration managers' order)."""

    def __init__(self, reader: StoreReader, configurations: tuple[str, str, str], webhook_type: str) -> None:
        self._reader = reader
        self._configurations = configurations
        self._type = webhook_type

    def webhooks(self) -> list[WebhookAccessor]:
        # Listed in key order, which for cluster-scoped objects is by name, as upstream sorts them.
        return [
            hook
            for configuration in self._reader.list(self._configurations)
            for hook in accessors_of(configuration, self._type)
        ]


class WebhookMatcher:
    """Webhook.ShouldCallHook: selectors, rules, matchPolicy Equivalent, matchConditions."""

    def __init__(
        self,
        reader: StoreReader,
        equivalents: EquivalentResourceMapper,
        convert: VersionConverter,
        authorizer: Authorizer,
    ) -> None:
        self._namespaces = NamespaceMatcher(reader)
        self._equivalents = equivalents
        self._convert = convert
        self._authorizer = authorizer
        self._conditions: WebhookConditions | None = None

    def should_call_hook(self, hook: WebhookAccessor, attributes: Attributes) -> Invocation | None:
        namespace_error = object_error = None
        try:
            if not self._namespaces.matches(hook.namespace_selector, attributes):
                return None
        except errors.StatusError as err:
            namespace_error = err
        try:
            if not object_selector_matches(hook.object_selector, attributes):
                return None
        except errors.StatusError as err:
            object_error = err
        invocation = self._matching_invocation(hook, attributes)
        if invocation is None:
            return None
        # Selector errors count only for requests the rules select.
        for error in (namespace_error, object_error):
            if error is not None:
                raise error
        if hook.match_conditions and not self._conditions_match(hook, invocation, attributes):
            return None
        return invocation

    def _conditions_match(self, hook: WebhookAccessor, invocation: Invocation, attributes: Attributes) -> bool:
        if self._conditions is None:
            # CEL is loaded by the first webhook with conditions, not by webhooks as such.
            from fakeapi.admission.plugin.webhook.matchconditions import WebhookConditions

            self._conditions = WebhookConditions(self._authorizer)
        obj = versioned(self._convert, attributes.obj, attributes.kind, invocation.kind)
        old_obj = versioned(self._convert, attributes.old_obj, attributes.kind, invocation.kind)
        result = self._conditions.match(hook, attributes, invocation, obj, old_obj)
        if result.error:
            raise errors.new_forbidden(attributes.resource.group_resource, attributes.name, result.error)
        return result.matches

    def _matching_invocation(self, hook: WebhookAccessor, attributes: Attributes) -> Invocation | None:
        if any(rule_matches(rule, attributes) for rule in hook.rules):
            return Invocation(attributes.resource, attributes.subresource, attributes.kind)
        if hook.match_policy != "Equivalent":
            return None
        for rule in hook.rules:
            for equivalent in self._equivalents.resources_for(attributes.resource, attributes.subresource):
                if equivalent == attributes.resource or not rule_matches(
                    rule, replace(attributes, resource=equivalent)
                ):
                    continue
                kind = self._equivalents.kind_for(equivalent, attributes.subresource)
                if kind is None:
                    raise errors.new_internal_error(f"unable to convert to {equivalent}: unknown kind")
                return Invocation(equivalent, attributes.subresource, kind)
        return None
