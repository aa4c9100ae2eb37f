"""The registry of CustomResourceDefinitions: strategies and the storage's delete.

Mirrors apiextensions-apiserver/pkg/registry/customresourcedefinition/{strategy.go,etcd.go}:
on create the status starts empty apart from ``storedVersions``, generation starts at 1 and
moves with the spec, updates must carry a resourceVersion, the status endpoint only changes
status, and the first DELETE does not remove the CRD but marks it: deletionTimestamp, the
``customresourcecleanup.apiextensions.k8s.io`` finalizer and a Terminating condition, so the
finalizer controller can delete every custom resource before the CRD goes. The v1 defaults
(``names.singular``, ``names.listKind``, ``conversion.strategy``) are applied where the decoder
would apply them upstream.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fakeapi.apiextensions import helpers
from fakeapi.apimachinery import errors
from fakeapi.apimachinery.field import FieldError
from fakeapi.apimachinery.jsonutil import deep_copy_json, json_equal
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.generic.store import Store
from fakeapi.registry.rest import DeleteOptions, UpdatedObjectInfo, WriteOptions, object_meta
from fakeapi.registry.strategy import StatusStrategy, Strategy
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import now_rfc3339


def set_defaults(crd: Object) -> None:
    """SetDefaults_CustomResourceDefinitionSpec (v1)."""
    spec = crd.get("spec")
    if not isinstance(spec, dict):
        return
    names = spec.get("names")
    if isinstance(names, dict):
        kind = names.get("kind")
        if not names.get("singular") and isinstance(kind, str):
            names["singular"] = kind.lower()
        if not names.get("listKind") and isinstance(kind, str) and kind:
            names["listKind"] = kind + "List"
    if spec.get("conversion") is None:
        spec["conversion"] = {"strategy": "None"}
    webhook = (spec.get("conversion") or {}).get("webhook")
    service = ((webhook or {}).get("clientConfig") or {}).get("service") if isinstance(webhook, dict) else None
    if isinstance(service, dict) and service.get("port") is None:
        service["port"] = 443


def _add_storage_version(crd: Object) -> None:
    status = crd.setdefault("status", {})
    stored: list[str] = status.setdefault("storedVersions", [])
    version = helpers.storage_version(crd)
    if version is not None and version not in stored:
        stored.append(version)


class CustomResourceDefinitionStrategy(Strategy):
    """customresourcedefinition.strategy."""

    def prepare_for_create(self, ctx: RequestContext, obj: Object) -> None:
        set_defaults(obj)
        obj["status"] = {"acceptedNames": {"plural": "", "kind": ""}, "storedVersions": []}
        object_meta(obj)["generation"] = 1
        _add_storage_version(obj)

    def validate(self, ctx: RequestContext, obj: Object) -> list[FieldError]:
        from fakeapi.apiextensions.validation import validate_crd  # loaded with the first CRD written

        return validate_crd(obj)

    def allow_unconditional_update(self) -> bool:
        return False

    def prepare_for_update(self, ctx: RequestContext, obj: Object, old: Object) -> None:
        set_defaults(obj)
        obj["status"] = deep_copy_json(old.get("status") or {})
        old_generation = int((old.get("metadata") or {}).get("generation") or 0)
        if not json_equal(obj.get("spec"), old.get("spec")):
            object_meta(obj)["generation"] = old_generation + 1
        else:
            object_meta(obj)["generation"] = old_generation
        _add_storage_version(obj)

    def validate_update(self, ctx: RequestContext, obj: Object, old: Object) -> list[FieldError]:
        from fakeapi.apiextensions.validation import validate_crd_update  # loaded with the first CRD written

        return validate_crd_update(obj, old)


class CustomResourceDefinitionStatusStrategy(StatusStrategy):
    """customresourcedefinition.statusStrategy: only status changes; spec stays as it was."""

    def allow_unconditional_update(self) -> bool:
        return False

    def validate_update(self, ctx: RequestContext, obj: Object, old: Object) -> list[FieldError]:
        from fakeapi.apiextensions.validation import validate_status  # loaded with the first CRD written

        return validate_status(obj)


TERMINATING_PENDING = {
    "type": helpers.TERMINATING,
    "status": helpers.TRUE,
    "reason": "InstanceDeletionPending",
    "message": "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon",
}


@dataclass
class CustomResourceDefinitionStore(Store):
    """The CRD REST storage: a Store whose writes are followed by the CRD controllers.

    ``on_change`` callbacks get the CRD name after every committed write (the status copy
    made with ``dataclasses.replace`` shares the list).
    """

    on_change: list[Callable[[str], None]] = field(default_factory=list)

    def _changed(self, name: str, dry_run: bool) -> None:
        if dry_run:
            return
        for callback in self.on_change:
            callback(name)

    def create(self, ctx: RequestContext, obj: Object, options: WriteOptions) -> Object:
        created = super().create(ctx, obj, options)
        self._changed(helpers.name_of(created), options.dry_run)
        return created

    def update(
        self,
        ctx: RequestContext,
        name: str,
        obj_info: UpdatedObjectInfo,
        options: WriteOptions,
        *,
        force_allow_create: bool = False,
    ) -> tuple[Object, bool]:
        result = super().update(ctx, name, obj_info, options, force_allow_create=force_allow_create)
        self._changed(name, options.dry_run)
        return result

    def delete(self, ctx: RequestContext, name: str, options: DeleteOptions) -> tuple[Object, bool]:
        """etcd.go REST.Delete: the first delete only marks the CRD for the finalizer controller."""
        existing = self.storage.get(self._key(ctx, name))
        if existing is None:
            raise errors.new_not_found(self.spec.group_resource, name)
        if (existing.get("metadata") or {}).get("deletionTimestamp"):
            return super().delete(ctx, name, options)
        self._check_delete_preconditions(options, existing, name)

        def mark(current: Object | None) -> Object:
            if current is None:
                raise errors.new_not_found(self.spec.group_resource, name)
            crd = deep_copy_json(current)
            meta = object_meta(crd)
            meta.setdefault("deletionTimestamp", now_rfc3339())
            finalizers: list[Any] = meta.setdefault("finalizers", [])
            if helpers.CLEANUP_FINALIZER not in finalizers:
                finalizers.append(helpers.CLEANUP_FINALIZER)
            helpers.set_condition(crd.setdefault("status", {}), TERMINATING_PENDING)
            return crd

        marked, _ = self.storage.guaranteed_update(self._key(ctx, name), mark, dry_run=options.dry_run)
        self._changed(name, options.dry_run)
        return marked, False
