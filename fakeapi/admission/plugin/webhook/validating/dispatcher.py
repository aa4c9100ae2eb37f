"""Calling the validating webhooks of a request, all at once (k8s.io/apiserver/pkg/admission/plugin/webhook/validating/dispatcher.go).

Every webhook that matches is called in parallel, each with the object in the version it matched.
A refusal is the webhook's Status (``admission webhook "<name>" denied the request: ...``); a call
that fails is a 500 under ``failurePolicy: Fail`` and is let through under ``Ignore`` (noted in
``failed-open.validating.webhook.admission.k8s.io/round_0_index_<i>``). When several refuse,
upstream answers with whichever error reached it first; here the first in the webhooks' order,
so a test sees the same answer every run.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Sequence

from fakeapi.admission.interfaces import Attributes
from fakeapi.admission.plugin.webhook.accessors import WebhookAccessor
from fakeapi.admission.plugin.webhook.errors import to_status_err
from fakeapi.admission.plugin.webhook.generic.webhook import (
    CallTimer,
    WebhookMatcher,
    call_webhook,
)
from fakeapi.admission.plugin.webhook.request.admissionreview import Invocation
from fakeapi.admission.versioned import VersionConverter, versioned
from fakeapi.apimachinery import errors
from fakeapi.apimachinery.errors import StatusError
from fakeapi.apimachinery.schema import GroupVersionKind
from fakeapi.storage.interfaces import Object
from fakeapi.util.webhook.client import ClientManager
from fakeapi.util.webhook.error import ErrCallingWebhook

VALIDATING_AUDIT_ANNOTATION_PREFIX = "validating.webhook.admission.k8s.io/"
VALIDATING_AUDIT_ANNOTATION_FAILED_OPEN_KEY_PREFIX = "failed-open." + VALIDATING_AUDIT_ANNOTATION_PREFIX


class ValidatingDispatcher:
    """validatingDispatcher."""

    def __init__(
        self, clients: Callable[[], ClientManager], matcher: WebhookMatcher, convert: VersionConverter
    ) -> None:
        self._clients = clients
        self._matcher = matcher
        self._convert = convert

    def dispatch(self, attributes: Attributes, hooks: Sequence[WebhookAccessor]) -> None:
        """Raise the first refusal or failure, in the webhooks' order."""
        relevant: list[tuple[WebhookAccessor, Invocation]] = []
        versions: dict[GroupVersionKind, tuple[Object | None, Object | None]] = {}
        for hook in hooks:
            invocation = self._matcher.should_call_hook(hook, attributes)
            if invocation is None:
                continue
            relevant.append((hook, invocation))
            if invocation.kind not in versions:
                versions[invocation.kind] = (
                    versioned(self._convert, attributes.obj, attributes.kind, invocation.kind),
                    versioned(self._convert, attributes.old_obj, attributes.kind, invocation.kind),
                )
        if not relevant:
            return
        outcomes: list[StatusError | None] = [None] * len(relevant)

        def call(index: int) -> None:
            hook, invocation = relevant[index]
            obj, old_obj = versions[invocation.kind]
            outcomes[index] = self._call(index, hook, invocation, attributes, obj, old_obj)

        if len(relevant) == 1:
            call(0)
        else:
            threads = [
                # Each thread carries the request's context (its audit event) as a goroutine would.
                threading.Thread(target=contextvars.copy_context().run, args=(call, i), daemon=True)
                for i in range(len(relevant))
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        for outcome in outcomes:
            if outcome is not None:
                raise outcome

    def _call(
        self,
        index: int,
        hook: WebhookAccessor,
        invocation: Invocation,
        attributes: Attributes,
        obj: Object | None,
        old_obj: Object | None,
    ) -> StatusError | None:
        """One webhook: None when it allowed the request (or failed open), else the error to answer with."""
        timer = CallTimer("validating", hook)
        try:
            response = call_webhook(self._clients(), hook, invocation, attributes, obj, old_obj, mutating=False)
        except ErrCallingWebhook as err:
            if hook.failure_policy == "Ignore":
                key = f"{VALIDATING_AUDIT_ANNOTATION_FAILED_OPEN_KEY_PREFIX}round_0_index_{index}"
                attributes.add_annotation(key, hook.name)
                timer.finish(f"ignored: {err}")
                return None
            timer.finish(str(err))
            return errors.new_internal_error(str(err))
        except StatusError as err:
            timer.finish(err.message)
            return err
        if response.allowed:
            timer.finish("allowed")
            return None
        timer.finish("denied")
        return to_status_err(hook.name, response.result)
