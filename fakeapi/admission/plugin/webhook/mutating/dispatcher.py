"""Calling the mutating webhooks of a request, in order (k8s.io/apiserver/pkg/admission/plugin/webhook/mutating/dispatcher.go).

Webhooks run one after the other, by configuration name and then in the configuration's order,
each seeing what the ones before made. A JSONPatch answer is applied to the object in the version
the webhook matched, which is then defaulted again. A webhook with ``reinvocationPolicy: IfNeeded``
runs once more, in the reinvocation round, when a later webhook changed the object. A call that
fails is a 500 ``Internal error occurred: failed calling webhook ...`` under ``failurePolicy: Fail``
and is skipped under ``Ignore`` (noted in the audit annotation
``failed-open.mutation.webhook.admission.k8s.io/round_<r>_index_<i>``); every call leaves
``mutation.webhook.admission.k8s.io/round_<r>_index_<i>`` saying whether it changed the object.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from fakeapi.admission.interfaces import Attributes
from fakeapi.admission.plugin.webhook.accessors import WebhookAccessor
from fakeapi.admission.plugin.webhook.errors import to_status_err
from fakeapi.admission.plugin.webhook.generic.webhook import (
    CallTimer,
    WebhookMatcher,
    call_webhook,
)
from fakeapi.admission.plugin.webhook.mutating.reinvocationcontext import WebhookReinvokeContext
from fakeapi.admission.plugin.webhook.request.admissionreview import JSON_PATCH, Invocation
from fakeapi.admission.versioned import VersionConverter, versioned
from fakeapi.apimachinery import errors
from fakeapi.apimachinery.gofmt import go_quote
from fakeapi.apimachinery.jsonpatch import JSONPatchError, apply_json_patch
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.apimachinery.schema import GroupVersionKind
from fakeapi.storage.interfaces import Object
from fakeapi.util.webhook.client import ClientManager
from fakeapi.util.webhook.error import ErrCallingWebhook, ErrWebhookRejection

MUTATION_AUDIT_ANNOTATION_PREFIX = "mutation.webhook.admission.k8s.io/"
MUTATION_AUDIT_ANNOTATION_FAILED_OPEN_KEY_PREFIX = "failed-open." + MUTATION_AUDIT_ANNOTATION_PREFIX
Defaulter = Callable[[GroupVersionKind, Object], None]


class MutatingDispatcher:
    """mutatingDispatcher."""

    def __init__(
        self,
        clients: Callable[[], ClientManager],
        matcher: WebhookMatcher,
        convert: VersionConverter,
        default: Defaulter,
    ) -> None:
        self._clients = clients
        self._matcher = matcher
        self._convert = convert
        self._default = default

    def dispatch(
        self,
        attributes: Attributes,
        hooks: Sequence[WebhookAccessor],
        reinvocation: WebhookReinvokeContext,
        *,
        is_reinvoke: bool,
    ) -> bool:
        """Run the webhooks; True when one changed the object (the chain should run the reinvocation round)."""
        if is_reinvoke and reinvocation.is_output_changed_since_last_webhook_invocation(attributes.obj):
            # In-tree plugins changed the object since: every webhook that may run again is due.
            reinvocation.require_reinvoking_previously_invoked_plugins()
        should_reinvoke = False
        try:
            for index, hook in enumerate(hooks):
                invocation = self._matcher.should_call_hook(hook, attributes)
                if invocation is None:
                    continue
                # A webhook skipped in the first round is not called for the first time in the second.
                if is_reinvoke and not reinvocation.should_reinvoke_webhook(hook.uid):
                    continue
                round_ = 1 if is_reinvoke else 0
                timer = CallTimer("mutating", hook)
                changed = False
                error: Exception | None = None
                try:
                    changed = self._call(hook, invocation, attributes)
                except (ErrCallingWebhook, ErrWebhookRejection, errors.StatusError) as err:
                    error = err
                finally:
                    mutation = {"configuration": hook.configuration_name, "webhook": hook.name, "mutated": changed}
                    key = f"{MUTATION_AUDIT_ANNOTATION_PREFIX}round_{round_}_index_{index}"
                    attributes.add_annotation(key, json.dumps(mutation, separators=(",", ":")))
                if changed:
                    reinvocation.require_reinvoking_previously_invoked_plugins()
                    should_reinvoke = True
                if hook.reinvocation_policy == "IfNeeded":
                    reinvocation.add_reinvocable_webhook_to_previously_invoked(hook.uid)
                if error is None:
                    timer.finish("patched" if changed else "allowed")
                    continue
                if isinstance(error, ErrCallingWebhook):
                    if hook.failure_policy == "Ignore":
                        key = f"{MUTATION_AUDIT_ANNOTATION_FAILED_OPEN_KEY_PREFIX}round_{round_}_index_{index}"
                        attributes.add_annotation(key, hook.name)
                        timer.finish(f"ignored: {error}")
                        continue
                    timer.finish(str(error))
                    raise errors.new_internal_error(str(error)) from error
                if isinstance(error, ErrWebhookRejection):
                    timer.finish("denied")
                    raise error.status from error
                assert isinstance(error, errors.StatusError)
                timer.finish(error.message)
                raise error
        finally:
            reinvocation.set_last_webhook_invocation_output(attributes.obj)
        return should_reinvoke

    def _call(self, hook: WebhookAccessor, invocation: Invocation, attributes: Attributes) -> bool:
        """callAttrMutatingHook: whether the webhook's patch changed the object (it is then in ``attributes.obj``)."""
        request_kind = attributes.kind
        obj = versioned(self._convert, attributes.obj, request_kind, invocation.kind)
        old_obj = versioned(self._convert, attributes.old_obj, request_kind, invocation.kind)
        response = call_webhook(self._clients(), hook, invocation, attributes, obj, old_obj, mutating=True)
        if not response.allowed:
            raise ErrWebhookRejection(to_status_err(hook.name, response.result))
        if not response.patch:
            return False
        try:
            operations: Any = json.loads(response.patch)
        except ValueError as err:
            raise ErrCallingWebhook(
                hook.name,
                f"received undecodable patch in webhook response: {err}",
                errors.new_service_unavailable("error decoding patch in webhook response"),
            ) from err
        if not isinstance(operations, list):
            raise ErrCallingWebhook(
                hook.name,
                "received undecodable patch in webhook response: json: cannot unmarshal object into Go value of type jsonpatch.Patch",
                errors.new_service_unavailable("error decoding patch in webhook response"),
            )
        if not operations:
            return False
        if obj is None:
            raise errors.new_internal_error(
                f"admission webhook {go_quote(hook.name)} attempted to modify the object, which is not supported for this operation"
            )
        if response.patch_type != JSON_PATCH:
            raise ErrCallingWebhook(
                hook.name, f'unsupported patch type "{response.patch_type}"', to_status_err(hook.name, response.result)
            )
        try:
            patched = apply_json_patch(deep_copy_json(obj), operations)
        except JSONPatchError as err:
            raise errors.new_internal_error(str(err)) from err
        if not isinstance(patched, dict):
            raise errors.new_internal_error("Object 'Kind' is missing in the patched object")
        self._default(invocation.kind, patched)
        changed = patched != obj
        # The chain's plugins change the request's object in place: the Store goes on with that dict.
        replacement = versioned(self._convert, patched, invocation.kind, request_kind)
        assert attributes.obj is not None and replacement is not None
        attributes.obj.clear()
        attributes.obj.update(replacement)
        return changed
