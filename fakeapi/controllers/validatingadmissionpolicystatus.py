"""The ValidatingAdmissionPolicy status controller: writes each policy's type-checking warnings.

Follows pkg/controller/validatingadmissionpolicystatus/controller.go. Every added or updated
policy is queued by name; a sync type-checks a policy whose generation is newer than its
``status.observedGeneration`` (``fakeapi.admission.plugin.policy.validating.typechecking``) and
writes ``status.observedGeneration`` and ``status.typeChecking.expressionWarnings``. Upstream
applies the status server-side (force, as ``validatingadmissionpolicy-status-controller``); here
the status subresource is updated, which leaves the same status. The CEL machinery is imported
by the first sync, so a server without policies never loads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.apimachinery.schema import GroupVersionKind, GroupVersionResource
from fakeapi.controllers.base import QueueController
from fakeapi.controllers.context import ControllerContext
from fakeapi.storage.interfaces import Event

if TYPE_CHECKING:
    from fakeapi.admission.plugin.cel.compile import Compiler

__all__ = ["NAME", "POLICIES_PREFIX", "ValidatingAdmissionPolicyStatusController"]

NAME = "validatingadmissionpolicy-status"
SERVICE_ACCOUNT = "validatingadmissionpolicy-status-controller"
POLICIES_PREFIX = "admissionregistration.k8s.io/validatingadmissionpolicies"
# The release whose built-in schemas type the policies' expressions (the server's).
SCHEMA_VERSION = "1.37"


class ValidatingAdmissionPolicyStatusController(QueueController[str]):
    """Keys are policy names."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(NAME, self._sync_policy, ctx.log)
        self._resources = ctx.resources
        self._client = ctx.client(SERVICE_ACCOUNT)
        self._policies = ctx.informers.lister(POLICIES_PREFIX)
        self._compiler: Compiler | None = None
        ctx.informers.add_event_handler(POLICIES_PREFIX, self._policy_changed)

    def _policy_changed(self, event: Event) -> None:
        if event.type != "DELETED":
            name = event.object["metadata"]["name"]
            self.enqueue_key(name, cause=f"validatingadmissionpolicy {name} {event.type.lower()}")

    def _kinds_for(self, gvr: GroupVersionResource) -> list[GroupVersionKind]:
        """RESTMapper.KindsFor over the served resources."""
        return [
            store.spec.gvk
            for store in self._resources.served()
            if (store.spec.group, store.spec.version, store.spec.resource) == (gvr.group, gvr.version, gvr.resource)
        ]

    def _sync_policy(self, name: str) -> None:
        policy = self._policies.get("", name)
        if policy is None:
            return
        generation = policy["metadata"].get("generation") or 0
        status: dict[str, Any] = policy.get("status") or {}
        if generation <= (status.get("observedGeneration") or 0):
            return
        from fakeapi.admission.plugin.cel.compile import Compiler
        from fakeapi.admission.plugin.policy.validating.typechecking import check

        if self._compiler is None:
            self._compiler = Compiler()
        warnings = check(self._compiler, SchemaRegistry.for_version(SCHEMA_VERSION), policy, self._kinds_for)
        store = self._resources.by_prefix(POLICIES_PREFIX)
        if store is None:
            return
        updated = {
            **policy,
            "status": {
                **status,
                "observedGeneration": generation,
                "typeChecking": {"expressionWarnings": warnings} if warnings else {},
            },
        }
        self._client.update(store.spec, updated, "status")
