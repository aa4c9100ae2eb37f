"""The generic registry Store, configured by strategies rather than subclassed.

Mirrors k8s.io/apiserver/pkg/registry/generic/registry/store.go: new_func/new_list_func,
key functions, create (system fields, generateName retries, namespace admission), update
(optimistic concurrency, create-on-update, delete when the last finalizer goes), delete
(preconditions, graceful deletion, finalizers and the garbage collector's orphan and
foregroundDeletion finalizers), delete_collection, list (selectors, paging) and watch.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from fakeapi.admission.chain import AdmissionChain
from fakeapi.admission.interfaces import CREATE, DELETE, UPDATE, Attributes
from fakeapi.apimachinery import errors
from fakeapi.apimachinery import field as field_errors
from fakeapi.apimachinery.fields import FieldSelector
from fakeapi.apimachinery.gojson import go_encoder_for
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.apimachinery.labels import LabelSelector
from fakeapi.apimachinery.managedfields import FieldManager, RecordsManagedFields
from fakeapi.apimachinery.schema import GroupKind, GroupResource, GroupVersionKind
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.defaults import defaulter_for
from fakeapi.registry.generic.admission import NamespaceLifecycle
from fakeapi.registry.generic.pagination import ListPager
from fakeapi.registry.generic.watch_stream import StoreWatchStream
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.registry.rest import (
    DefaultUpdatedObjectInfo,
    DeleteOptions,
    ListOptions,
    UpdatedObjectInfo,
    WriteOptions,
    object_meta,
)
from fakeapi.registry.strategy import Strategy, before_create, before_update, fill_object_meta_system_fields
from fakeapi.storage.caching_object import EncodedObjects, list_item
from fakeapi.storage.interfaces import (
    KeyExistsError,
    KeyNotFoundError,
    Object,
    ObjectKey,
    TooOldResourceVersionError,
    VersionedStorage,
)
from fakeapi.util.clock import format_time, parse_time, utc_now

# store.go maxNameGenerationCreateAttempts
MAX_NAME_GENERATION_CREATE_ATTEMPTS = 8
ORPHAN_FINALIZER = "orphan"
FOREGROUND_FINALIZER = "foregroundDeletion"
RESOURCE_VERSION_ON_CREATE_MSG = "resourceVersion should not be set on objects to be created"
_NAMESPACES = GroupResource("", "namespaces")


# What _managed_fields_of_write returns when the Store keeps no managedFields.
_UNTRACKED = object()


class _DeleteInsteadOfUpdate(Exception):
    """An update removed the last finalizer of an object being deleted: delete it instead."""

    def __init__(self, obj: Object) -> None:
        self.obj = obj


@dataclass
class SubresourceUpdate(DefaultUpdatedObjectInfo):
    """The parent object a subresource served in another kind (a Scale) writes: that subresource
    ran the mutating phase on its own object, and the validating phase sees the parent's new and old
    objects as that kind (``admission_view``), as scale storages' toScaleUpdateValidation does."""

    admission_kind: GroupVersionKind = field(kw_only=True)
    admission_view: Callable[[Object], Object] = field(kw_only=True)


def _field_value(obj: Object, path: str) -> str:
    value: Any = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass
class Store:
    """registry.Store: the REST storage of one resource (or one subresource view of it)."""

    spec: ResourceSpec
    storage: VersionedStorage
    key_prefix: str
    create_strategy: Strategy
    update_strategy: Strategy
    delete_strategy: Strategy
    pager: ListPager
    admission: NamespaceLifecycle | None = None
    # The admission plugins: each write is mutated after defaulting and before the strategy, and
    # validated after the strategy's validation, as the handlers and store.go call them upstream.
    admission_chain: AdmissionChain | None = None
    enable_garbage_collection: bool = False
    # Pods and custom resources answer a delete with the object instead of a Status.
    return_deleted_object: bool = False
    # Called after an object is gone (namespace content cleanup, cluster IP release).
    after_delete: list[Callable[[RequestContext, Object], None]] = field(default_factory=list)
    # Records metadata.managedFields for every write, as the handlers' FieldManager does
    # upstream; None leaves them as the write brought them.
    field_manager: FieldManager | None = None

    # -- construction helpers ---------------------------------------------------------------

    def new(self) -> Object:
        """NewFunc: an empty object of this kind."""
        return {"apiVersion": self.spec.gvk.api_version, "kind": self.spec.kind, "metadata": {}}

    def new_list(self) -> Object:
        """NewListFunc."""
        return {
            "apiVersion": self.spec.gvk.api_version,
            "kind": self.spec.list_kind,
            "metadata": {},
            "items": [],
        }

    def key_func(self, namespace: str, name: str) -> ObjectKey:
        """NamespaceKeyFunc / NoNamespaceKeyFunc."""
        return ObjectKey(self.key_prefix, namespace if self.spec.namespaced else "", name)

    def _key(self, ctx: RequestContext, name: str) -> ObjectKey:
        return self.key_func(ctx.namespace, name)

    # -- read -------------------------------------------------------------------------------

    def require_revision(self, minimum: int) -> None:
        """The watch cache's waitUntilFreshAndBlock: a revision past the newest is "too large".

        Upstream waits up to three seconds for its cache to reach the revision, then gives up
        (storage.NewTooLargeResourceVersionError, a 504 that asks the client to retry in a second).
        This storage is never behind, so no wait could help: it gives up at once.
        """
        current = self.storage.current_revision
        if minimum > current:
            err = errors.new_timeout(f"Too large resource version: {minimum}, current: {current}", 1)
            err.details["causes"] = [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}]
            raise err

    def get(self, ctx: RequestContext, name: str) -> Object:
        obj = self.storage.get(self._key(ctx, name))
        if obj is None:
            raise errors.new_not_found(self.spec.group_resource, name)
        return obj

    def field_attributes(self, obj: Object) -> dict[str, str]:
        """GetAttrs: the values field selectors compare against."""
        meta = obj.get("metadata") or {}
        attrs = {"metadata.name": meta.get("name") or ""}
        if self.spec.namespaced:
            attrs["metadata.namespace"] = meta.get("namespace") or ""
        for label, path in self.spec.selectable_fields.items():
            attrs[label] = _field_value(obj, path)
        return attrs

    def check_field_selector(self, selector: FieldSelector | None) -> None:
        """Refuse selectors on fields this resource does not index (400, as the conversion funcs do)."""
        if selector is None:
            return
        known = {"metadata.name", *self.spec.selectable_fields}
        if self.spec.namespaced:
            known.add("metadata.namespace")
        for requirement in selector.requirements:
            label = requirement[0]
            if label not in known:
                raise self.unknown_field_label(label, known)

    def unknown_field_label(self, label: str, known: set[str]) -> errors.StatusError:
        """The 400 for a field selector on ``label``, which is not among the ``known`` ones."""
        if self.spec.selectable_fields:
            return errors.new_bad_request(f"field label not supported: {label}")
        supported = ", ".join(f'"{k}"' for k in sorted(known))
        return errors.new_bad_request(f'"{label}" is not a known field selector: only {supported}')

    def matches(self, obj: Object, labels: LabelSelector | None, fields: FieldSelector | None) -> bool:
        """PredicateFunc: label and field selectors."""
        if (
            labels is not None
            and not labels.empty
            and not labels.matches((obj.get("metadata") or {}).get("labels") or {})
        ):
            return False
        return fields is None or fields.empty or fields.matches(self.field_attributes(obj))

    def list(self, ctx: RequestContext, options: ListOptions) -> Object:
        self.check_field_selector(options.field_selector)
        if options.continue_token:
            page = self.pager.next_page(options.continue_token, options.limit)
        else:
            namespace = ctx.namespace if self.spec.namespaced and ctx.namespace else None
            items, revision = self._list_state(namespace, options)
            labels, fields = options.label_selector, options.field_selector
            if (labels is not None and not labels.empty) or (fields is not None and not fields.empty):
                items = [o for o in items if self.matches(o, labels, fields)]
            page = self.pager.first_page(items, revision, options.limit)
        result = self.new_list()
        result["metadata"]["resourceVersion"] = str(page.revision)
        if page.continue_token:
            result["metadata"]["continue"] = page.continue_token
            if page.remaining_item_count is not None:
                result["metadata"]["remainingItemCount"] = page.remaining_item_count
        # Typed lists of built-in kinds carry no kind/apiVersion on their items; a storage that keeps
        # encodings hands out one item dict per version, whose bytes it then knows.
        encodings: EncodedObjects | None = getattr(self.storage, "encodings", None)
        result["items"] = [list_item(o) for o in page.items] if encodings is None else encodings.list_items(page.items)
        return result

    def _list_state(self, namespace: str | None, options: ListOptions) -> tuple[builtins.list[Object], int]:
        """The objects a list reads: the latest, or exactly those at a requested revision."""
        if options.resource_version not in ("", "0"):
            self.require_revision(int(options.resource_version))
        # storage.ValidateListOptions: Exact, and the legacy form of it (a limit and a resourceVersion
        # but no resourceVersionMatch), read the list at that revision.
        legacy_exact = not options.resource_version_match and options.limit > 0
        if options.resource_version not in ("", "0") and (options.resource_version_match == "Exact" or legacy_exact):
            revision = int(options.resource_version)
            if revision != self.storage.current_revision:
                try:
                    return self.storage.get_list_at(self.key_prefix, namespace, revision), revision
                except TooOldResourceVersionError:
                    raise errors.new_resource_expired("The resourceVersion for the provided list is too old.") from None
        return self.storage.get_list(self.key_prefix, namespace)

    def watch(self, ctx: RequestContext, options: ListOptions) -> StoreWatchStream:
        self.check_field_selector(options.field_selector)
        namespace = ctx.namespace if self.spec.namespaced and ctx.namespace else None
        return StoreWatchStream.start(self, namespace, options)

    # -- create -----------------------------------------------------------------------------

    def create(self, ctx: RequestContext, obj: Object, options: WriteOptions) -> Object:
        meta = object_meta(obj)
        if meta.get("resourceVersion"):
            raise errors.new_internal_error(RESOURCE_VERSION_ON_CREATE_MSG)
        fill_object_meta_system_fields(meta, self.create_strategy.identity)
        generated = not meta.get("name") and bool(meta.get("generateName"))
        self._default(obj)
        if self.field_manager is not None:
            self.field_manager.update(None, obj, options.field_manager)
        attributes = self._admit(ctx, CREATE, obj, None, options)
        # What preparing the object allocates (a Service's cluster IP and node ports) is given back
        # when validation, admission or storing refuses it.
        try:
            before_create(self.create_strategy, ctx, obj)
            self._default(obj)
            self._encode_as_go(obj)
            if self.admission is not None and self.spec.namespaced:
                self.admission.admit_create(
                    self.spec.group_resource, meta.get("namespace") or "", meta.get("name") or ""
                )
            if attributes is not None and not attributes.name:
                # AdmissionToValidateObjectFunc: validating admission sees the name generated since.
                attributes = replace(attributes, name=meta.get("name") or "")
            self._validate_admission(attributes)
            created = self._store_new(obj, generated, options.dry_run)
        except BaseException:
            self.create_strategy.release_resources(obj)
            raise
        if options.dry_run:
            self.create_strategy.release_resources(obj)
        return created

    def admission_attributes(
        self,
        ctx: RequestContext,
        operation: str,
        obj: Object | None,
        old: Object | None,
        options: WriteOptions | DeleteOptions,
        name: str = "",
        kind: GroupVersionKind | None = None,
    ) -> Attributes:
        """The admission.Attributes of a write to this Store (``kind`` for a subresource of another kind)."""
        return Attributes(
            operation=operation,
            kind=kind or self.spec.gvk,
            resource=self.spec.gvr,
            subresource=ctx.request_info.subresource,
            # RequestInfo's namespace: a namespace's own requests carry its name there.
            namespace=ctx.namespace if self.spec.namespaced or self.spec.group_resource == _NAMESPACES else "",
            name=name or (object_meta(obj).get("name") or "" if obj is not None else ""),
            obj=obj,
            old_obj=old,
            context=ctx,
            dry_run=options.dry_run,
            options=options,
        )

    def _admit(
        self,
        ctx: RequestContext,
        operation: str,
        obj: Object | None,
        old: Object | None,
        options: WriteOptions | DeleteOptions,
        name: str = "",
    ) -> Attributes | None:
        """The mutating admission of a write, as the handlers run it: after the managedFields are
        recorded (create.go, update.go and patch.go call the field manager first), so what plugins
        add belongs to no manager. Returns the attributes the validating phase gets."""
        if self.admission_chain is None:
            return None
        attributes = self.admission_attributes(ctx, operation, obj, old, options, name)
        self.admission_chain.admit(attributes)
        return attributes

    def _validate_admission(self, attributes: Attributes | None) -> None:
        """The validating admission (rest.ValidateObjectFunc), once the strategy validated the object."""
        if self.admission_chain is not None and attributes is not None:
            self.admission_chain.validate(attributes)

    def _store_new(self, obj: Object, generated: bool, dry_run: bool) -> Object:
        """Storage.Create, retrying generated names that collide (RetryGenerateName)."""
        meta = object_meta(obj)
        for attempt in range(1, MAX_NAME_GENERATION_CREATE_ATTEMPTS + 1):
            key = self.key_func(meta.get("namespace") or "", meta["name"])
            try:
                return self.storage.create(key, obj, dry_run=dry_run)
            except KeyExistsError as exc:
                if not generated:
                    raise self._already_exists(meta["name"], exc.existing) from None
                if attempt == MAX_NAME_GENERATION_CREATE_ATTEMPTS:
                    raise errors.new_generate_name_conflict(self.spec.group_resource, meta["name"], 1) from None
                meta["name"] = self.create_strategy.generate_name(meta["generateName"])
        raise AssertionError("unreachable: the last attempt raises")

    def _already_exists(self, name: str, existing: Object) -> errors.StatusError:
        err = errors.new_already_exists(self.spec.group_resource, name)
        if (existing.get("metadata") or {}).get("deletionTimestamp"):
            err.message = "object is being deleted: " + err.message
        return err

    # -- update -----------------------------------------------------------------------------

    def update(
        self,
        ctx: RequestContext,
        name: str,
        obj_info: UpdatedObjectInfo,
        options: WriteOptions,
        *,
        force_allow_create: bool = False,
    ) -> tuple[Object, bool]:
        key = self._key(ctx, name)
        # A subresource served in another kind (a Scale) ran the mutating phase on its own object.
        admitted_as = obj_info if isinstance(obj_info, SubresourceUpdate) else None
        created = False

        def try_update(existing: Object | None) -> Object:
            nonlocal created
            if existing is None:
                if not (self.update_strategy.allow_create_on_update() or force_allow_create):
                    raise errors.new_not_found(self.spec.group_resource, name)
                obj = deep_copy_json(obj_info.updated_object(ctx, None))
                self._check_name(obj, name)
                meta = object_meta(obj)
                meta.pop("resourceVersion", None)
                fill_object_meta_system_fields(meta, self.create_strategy.identity)
                self._default(obj)
                managed = self._managed_fields_of_write(obj_info, None, obj, options)
                attributes = self._admit(ctx, CREATE, obj, None, options)
                before_create(self.create_strategy, ctx, obj)
                self._default(obj)
                self._encode_as_go(obj)
                self._keep_managed_fields(obj, managed)
                if self.admission is not None and self.spec.namespaced:
                    self.admission.admit_create(self.spec.group_resource, meta.get("namespace") or "", name)
                self._validate_admission(attributes)
                created = True
                return obj
            created = False
            old = deep_copy_json(existing)
            obj = deep_copy_json(obj_info.updated_object(ctx, old))
            self._check_name(obj, name)
            self._check_preconditions(obj_info, existing, name)
            meta = object_meta(obj)
            existing_rv = (existing.get("metadata") or {}).get("resourceVersion")
            requested_rv = meta.get("resourceVersion")
            # store.go Update: the versioner parses the resourceVersion, so "" and "0" both read as 0,
            # which means "unconditional" where the strategy allows it.
            if not requested_rv or requested_rv == "0":
                if not self.update_strategy.allow_unconditional_update():
                    # Upstream builds this GroupKind from the resource (store.go): "widgets.example.com".
                    raise errors.new_invalid(
                        GroupKind(self.spec.group, self.spec.resource),
                        name,
                        [
                            field_errors.invalid(
                                "metadata.resourceVersion",
                                0,  # the uint64 resource version, which ErrorBody renders as JSON
                                "must be specified for an update",
                            )
                        ],
                    )
                meta["resourceVersion"] = existing_rv
            elif requested_rv != existing_rv:
                raise errors.new_optimistic_lock_conflict(self.spec.group_resource, name)
            self._default(obj)
            managed = self._managed_fields_of_write(obj_info, old, obj, options)
            attributes = None if admitted_as is not None else self._admit(ctx, UPDATE, obj, existing, options)
            before_update(self.update_strategy, ctx, obj, old)
            self._default(obj)
            self._encode_as_go(obj)
            self._keep_managed_fields(obj, managed)
            if admitted_as is not None and self.admission_chain is not None:
                # toScaleUpdateValidation: the validators see the subresource's objects.
                view, kind = admitted_as.admission_view, admitted_as.admission_kind
                attributes = self.admission_attributes(ctx, UPDATE, view(obj), view(existing), options, kind=kind)
            self._validate_admission(attributes)
            if self.update_strategy.should_delete_during_update(obj):
                raise _DeleteInsteadOfUpdate(obj)
            return obj

        try:
            stored, _ = self.storage.guaranteed_update(key, try_update, dry_run=options.dry_run)
        except _DeleteInsteadOfUpdate as final:
            self._delete_now(ctx, key, final.obj, options.dry_run)
            return final.obj, False
        return stored, created

    def _default(self, obj: Object) -> None:
        """Defaulting, where upstream applies it: as the request's object is decoded, and as the
        object the strategies made is read back from storage (a status wiped on create comes back
        with its defaulted phase)."""
        defaulter = defaulter_for(self.spec.gvk)
        if defaulter is not None:
            defaulter(obj)

    def _encode_as_go(self, obj: Object) -> None:
        """What stored objects look like once Go encoded them (``fakeapi.apimachinery.gojson``): done
        once on the way in, after the managedFields were recorded from what the request set."""
        encode = go_encoder_for(self.spec.gvk)
        if encode is not None:
            encode(obj)

    def _managed_fields_of_write(
        self, obj_info: UpdatedObjectInfo, old: Object | None, obj: Object, options: WriteOptions
    ) -> Any:
        """The managedFields an update leaves: an apply brings its own, other writes record an Update."""
        if isinstance(obj_info, RecordsManagedFields) and obj_info.records_managed_fields():
            return object_meta(obj).get("managedFields")
        if self.field_manager is None:
            return _UNTRACKED
        return self.field_manager.update(old, obj, options.field_manager)

    @staticmethod
    def _keep_managed_fields(obj: Object, managed: Any) -> None:
        """Put them back after the strategy: a status strategy starts again from the old object."""
        if managed is _UNTRACKED:
            return
        if managed is None:
            object_meta(obj).pop("managedFields", None)
        else:
            object_meta(obj)["managedFields"] = managed

    def _check_name(self, obj: Object, name: str) -> None:
        body_name = object_meta(obj).get("name")
        if body_name and body_name != name:
            raise errors.new_bad_request(
                f"the name of the object ({body_name}) does not match the name on the URL ({name})"
            )
        object_meta(obj)["name"] = name

    def _check_preconditions(self, obj_info: UpdatedObjectInfo, existing: Object, name: str) -> None:
        uid = obj_info.preconditions().uid
        existing_uid = (existing.get("metadata") or {}).get("uid")
        if uid and uid != existing_uid:
            raise errors.new_conflict(
                self.spec.group_resource,
                name,
                f"Precondition failed: UID in precondition: {uid}, UID in object meta: {existing_uid}",
            )

    # -- delete -----------------------------------------------------------------------------

    def delete(self, ctx: RequestContext, name: str, options: DeleteOptions) -> tuple[Object, bool]:
        """Returns (object or Status, deleted immediately)."""
        # delete.go: the mutating phase sees neither object; the validating one the object to delete.
        return self._delete(ctx, name, options, self._admit(ctx, DELETE, None, None, options, name))

    def _delete(
        self, ctx: RequestContext, name: str, options: DeleteOptions, attributes: Attributes | None
    ) -> tuple[Object, bool]:
        if self.admission is not None:
            self.admission.admit_delete(self.spec.group_resource, name)
        key = self._key(ctx, name)
        existing = self.storage.get(key)
        if existing is None:
            raise errors.new_not_found(self.spec.group_resource, name)
        self._check_delete_preconditions(options, existing, name)
        if attributes is not None:
            self._validate_admission(replace(attributes, name=name, old_obj=existing))
        pending = self._mark_for_deletion(ctx, key, name, options)
        if pending is not None:
            return pending, False
        deleted = self._delete_now(ctx, key, existing, options.dry_run, options)
        if self.return_deleted_object:
            return deleted, True
        return self._success_status(deleted), True

    def _check_delete_preconditions(self, options: DeleteOptions, obj: Object, name: str) -> None:
        meta = obj.get("metadata") or {}
        want = options.preconditions
        kind = self.spec.kind
        if want.uid is not None and want.uid != meta.get("uid"):
            raise errors.new_conflict(
                GroupResource(self.spec.group, kind),
                name,
                f"the UID in the precondition ({want.uid}) does not match the UID in record ({meta.get('uid')}). "
                "The object might have been deleted and then recreated",
            )
        if want.resource_version is not None and want.resource_version != meta.get("resourceVersion"):
            raise errors.new_conflict(
                GroupResource(self.spec.group, kind),
                name,
                f"the ResourceVersion in the precondition ({want.resource_version}) does not match the "
                f"ResourceVersion in record ({meta.get('resourceVersion')}). The object might have been modified",
            )

    def _finalizers_for_policy(self, finalizers: builtins.list[str], options: DeleteOptions) -> builtins.list[str]:
        """deletionFinalizersForGarbageCollection: orphan / foregroundDeletion per propagation policy."""
        if not self.enable_garbage_collection:
            return finalizers
        policy = options.propagation_policy
        if policy is None and options.orphan_dependents is not None:
            policy = "Orphan" if options.orphan_dependents else "Background"
        result = [f for f in finalizers if f not in (ORPHAN_FINALIZER, FOREGROUND_FINALIZER)]
        if policy == "Orphan":
            result.append(ORPHAN_FINALIZER)
        elif policy == "Foreground":
            result.append(FOREGROUND_FINALIZER)
        elif policy is None:
            result = finalizers
        return result

    def _mark_for_deletion(
        self, ctx: RequestContext, key: ObjectKey, name: str, options: DeleteOptions
    ) -> Object | None:
        """Graceful deletion and finalizers: store deletionTimestamp instead of removing the object.

        Follows rest.BeforeDelete and updateForGracefulDeletionAndFinalizers: a strategy that
        deletes gracefully (pods on a node a kubelet runs) sets the grace period, and the object
        gets a deletionTimestamp that far ahead; a later delete may only shorten it, and one that
        brings it to zero deletes at once unless finalizers hold the object. Upstream writes the
        zero grace period before deleting; here an object nothing holds is deleted straight away.

        Returns the updated object, or None when the object can go at once.
        """
        pending: Object | None = None

        def try_update(existing: Object | None) -> Object:
            nonlocal pending
            if existing is None:
                raise errors.new_not_found(self.spec.group_resource, name)
            obj = deep_copy_json(existing)
            meta = object_meta(obj)
            # The strategy may set the grace period: on a copy, as each try starts from the request's options.
            request = replace(options)
            finalizers = list(meta.get("finalizers") or [])
            if meta.get("deletionTimestamp"):
                graceful = self._shorten_grace_period(ctx, obj, request)
                if graceful is None:
                    pending = existing  # graceful deletion already pending: nothing changes
                    return existing
            else:
                finalizers = self._finalizers_for_policy(finalizers, options)
                graceful = self.delete_strategy.check_graceful_delete(ctx, obj, request)
                grace = int(request.grace_period_seconds or 0) if graceful else 0
                meta["deletionTimestamp"] = format_time(utc_now() + timedelta(seconds=grace))
                meta["deletionGracePeriodSeconds"] = grace
                if meta.get("generation"):
                    meta["generation"] = int(meta["generation"]) + 1
            if not finalizers and not graceful:
                pending = None
                return existing
            if finalizers:
                meta["finalizers"] = finalizers
            pending = obj
            return obj

        stored, _ = self.storage.guaranteed_update(key, try_update, dry_run=options.dry_run)
        return stored if pending is not None else None

    def _shorten_grace_period(self, ctx: RequestContext, obj: Object, options: DeleteOptions) -> bool | None:
        """A delete of an object already being deleted: whether it stays, or None when nothing changes.

        rest.BeforeDelete: with no grace period left the object goes unless held (by finalizers,
        or by what its strategy keeps it for, as a namespace's spec finalizers); a shorter grace
        period moves the deletionTimestamp earlier; a longer one, or none, changes nothing.
        """
        meta = object_meta(obj)
        current = int(meta.get("deletionGracePeriodSeconds") or 0)
        if current <= 0:
            return self.delete_strategy.check_graceful_delete(ctx, obj, replace(options, grace_period_seconds=0))
        wanted = options.grace_period_seconds
        if wanted is None or wanted >= current:
            return None
        wanted = max(wanted, 0)
        deadline = parse_time(meta["deletionTimestamp"]) - timedelta(seconds=current - wanted)
        meta["deletionTimestamp"] = format_time(deadline)
        meta["deletionGracePeriodSeconds"] = wanted
        return wanted > 0

    def _delete_now(
        self,
        ctx: RequestContext,
        key: ObjectKey,
        expected: Object,
        dry_run: bool,
        options: DeleteOptions | None = None,
    ) -> Object:
        expected_rv = (expected.get("metadata") or {}).get("resourceVersion")

        def check(current: Object) -> None:
            if options is None and (current.get("metadata") or {}).get("resourceVersion") != expected_rv:
                raise errors.new_optimistic_lock_conflict(self.spec.group_resource, key.name)

        try:
            deleted = self.storage.delete(key, check, dry_run=dry_run)
        except KeyNotFoundError:
            raise errors.new_not_found(self.spec.group_resource, key.name) from None
        if not dry_run:
            self.delete_strategy.release_resources(deleted)
            for hook in self.after_delete:
                hook(ctx, deleted)
        return deleted

    def _success_status(self, obj: Object) -> Object:
        meta = obj.get("metadata") or {}
        details = {"name": meta.get("name", ""), "kind": self.spec.resource, "uid": meta.get("uid", "")}
        if self.spec.group:
            details["group"] = self.spec.group
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}

    def delete_collection(
        self, ctx: RequestContext, options: DeleteOptions, list_options: ListOptions, *, admission: bool = True
    ) -> Object:
        """deleteCollection; without ``admission``, as the storage's own callers delete (the CRD finalizer
        passes rest.ValidateAllObjectFunc and no admission runs)."""
        listed = self.list(ctx, list_options)
        # deleteCollection (delete.go): one mutating admission for the collection, a validating one per object.
        attributes = self._admit(ctx, DELETE, None, None, options) if admission else None
        deleted = []
        for item in listed["items"]:
            meta = item.get("metadata") or {}
            item_ctx = replace(ctx, request_info=replace(ctx.request_info, namespace=meta.get("namespace") or ""))
            try:
                self._delete(item_ctx, meta.get("name") or "", options, attributes)
            except errors.StatusError as exc:
                if exc.code != 404:
                    raise
                continue
            deleted.append(item)
        listed["items"] = deleted
        return listed
