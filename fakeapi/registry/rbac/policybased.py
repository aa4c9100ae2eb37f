"""The RBAC Stores with escalation prevention (pkg/registry/rbac/*/policybased/storage.go).

A Role or ClusterRole may be written only by a member of ``system:masters``, by a user
allowed to ``escalate`` it, or with rules the writer already holds in that namespace. A
binding may be written only by a member of ``system:masters``, by a user allowed to ``bind``
the role it references, or when the writer holds every rule of that role. A ClusterRole with
an ``aggregationRule`` needs one of the first two (``must have cluster-admin privileges to use
the aggregationRule``). Refusals are 403s naming the object; an update that changes only what
the garbage collector changes (finalizers, owner references) is not checked. The stores also
get the RBAC strategies (defaults, validation, immutable role references).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.schema import GroupResource
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.authentication.services import SecurityServices
from fakeapi.registry.generic.store import Store
from fakeapi.registry.rbac.escalation import (
    EscalationError,
    binding_authorized,
    confirm_no_escalation,
    escalation_allowed,
    role_escalation_authorized,
)
from fakeapi.registry.rbac.strategy import BindingStrategy, RoleStrategy
from fakeapi.registry.rest import Preconditions, UpdatedObjectInfo, WriteOptions
from fakeapi.storage.interfaces import Object

__all__ = ["PolicyBasedStore", "policy_based_storage"]

GROUP = "rbac.authorization.k8s.io"
ROLE_RESOURCES = frozenset({"roles", "clusterroles"})
BINDING_RESOURCES = frozenset({"rolebindings", "clusterrolebindings"})
# Metadata the garbage collector changes; an update of these alone is never an escalation.
_GC_FIELDS = ("finalizers", "ownerReferences", "resourceVersion", "managedFields", "generation")


def _role_ref(obj: Object) -> dict[str, Any]:
    ref = obj.get("roleRef")
    return ref if isinstance(ref, dict) else {}


def _rules(obj: Object) -> list[dict[str, Any]]:
    rules = obj.get("rules")
    return [r for r in rules if isinstance(r, dict)] if isinstance(rules, list) else []


def _only_gc_fields_change(obj: Object, old: Object | None) -> bool:
    if old is None:
        return False

    def strip(o: Object) -> Object:
        meta = {k: v for k, v in (o.get("metadata") or {}).items() if k not in _GC_FIELDS}
        return {**o, "metadata": meta}

    return strip(obj) == strip(old)


@dataclasses.dataclass
class _CheckedUpdate:
    """``rest.WrapUpdatedObjectInfo``: the new object, checked before the Store writes it."""

    inner: UpdatedObjectInfo
    store: PolicyBasedStore

    def preconditions(self) -> Preconditions:
        return self.inner.preconditions()

    def updated_object(self, ctx: RequestContext, old: Object | None) -> Object:
        obj = self.inner.updated_object(ctx, old)
        if not _only_gc_fields_change(obj, old):
            self.store.check_no_escalation(ctx, obj)
        return obj


@dataclasses.dataclass
class PolicyBasedStore(Store):
    """A Store of roles or bindings that refuses escalation."""

    security: SecurityServices = dataclasses.field(default_factory=SecurityServices)
    # Every Store of the server, read when a binding's role is looked up (built in any order).
    stores: dict[tuple[str, str, str], Store] = dataclasses.field(default_factory=dict)

    def _privileged(self, ctx: RequestContext, obj: Object) -> bool:
        user = ctx.user
        if escalation_allowed(user):
            return True
        resource = self.spec.resource
        name = str((obj.get("metadata") or {}).get("name") or "")
        authorizer = self.security.require_authorizer()
        if resource in ROLE_RESOURCES:
            return role_escalation_authorized(authorizer, user, resource, ctx.namespace, name)
        return binding_authorized(authorizer, user, _role_ref(obj), ctx.namespace)

    def _referenced_rules(self, ctx: RequestContext, role_ref: dict[str, Any]) -> list[dict[str, Any]]:
        name = str(role_ref.get("name") or "")
        if role_ref.get("kind") == "Role":
            resource, namespace = "roles", ctx.namespace
        else:
            resource, namespace = "clusterroles", ""
        store = self.stores.get((GROUP, self.spec.version, resource))
        if store is None:
            return []
        role = store.storage.get(store.key_func(namespace, name))
        if role is None:
            raise errors.new_not_found(store.spec.group_resource, name)
        return _rules(role)

    def check_no_escalation(self, ctx: RequestContext, obj: Object) -> None:
        """Raise 403 (or 404 for a missing referenced role) unless writing ``obj`` escalates nothing."""
        if self._privileged(ctx, obj):
            return
        name = str((obj.get("metadata") or {}).get("name") or "")
        group_resource = GroupResource(GROUP, self.spec.resource)
        if self.spec.resource == "clusterroles" and obj.get("aggregationRule") is not None:
            raise errors.new_forbidden(
                group_resource, name, "must have cluster-admin privileges to use the aggregationRule"
            )
        rules = _rules(obj) if self.spec.resource in ROLE_RESOURCES else self._referenced_rules(ctx, _role_ref(obj))
        try:
            confirm_no_escalation(ctx.user, ctx.namespace, self.security.require_authorizer(), rules)
        except EscalationError as err:
            raise errors.new_forbidden(group_resource, name, str(err)) from None

    def create(self, ctx: RequestContext, obj: Object, options: WriteOptions) -> Object:
        self.check_no_escalation(ctx, obj)
        return super().create(ctx, obj, options)

    def update(
        self,
        ctx: RequestContext,
        name: str,
        obj_info: UpdatedObjectInfo,
        options: WriteOptions,
        *,
        force_allow_create: bool = False,
    ) -> tuple[Object, bool]:
        return super().update(ctx, name, _CheckedUpdate(obj_info, self), options, force_allow_create=force_allow_create)


def policy_based_storage(store: Store, security: SecurityServices, stores: dict[tuple[str, str, str], Store]) -> Store:
    """The policy-based Store of an RBAC resource, or ``store`` itself for any other resource."""
    spec = store.spec
    if spec.group != GROUP or spec.resource not in ROLE_RESOURCES | BINDING_RESOURCES:
        return store
    strategy_class = RoleStrategy if spec.resource in ROLE_RESOURCES else BindingStrategy
    strategy = strategy_class(spec, store.create_strategy.schemas, store.create_strategy.identity)
    copied = {f.name: getattr(store, f.name) for f in dataclasses.fields(store) if f.init}
    copied.update(create_strategy=strategy, update_strategy=strategy, delete_strategy=strategy)
    return PolicyBasedStore(**copied, security=security, stores=stores)
