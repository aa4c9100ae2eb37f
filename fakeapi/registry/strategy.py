"""Create, update and delete strategies and the lifecycle functions that run them.

Mirrors k8s.io/apiserver/pkg/registry/rest/{create,update,delete}.go: ``before_create``,
``before_update`` and ``before_delete`` run a strategy's hooks in upstream's fixed order,
and system metadata (uid, creationTimestamp) is filled in exactly one place,
``fill_object_meta_system_fields``. The generic behaviour (status reset, generation,
schema and ObjectMeta validation) is the base :class:`Strategy`; resources that behave
differently subclass it in ``fakeapi.registry.core``.
"""

from __future__ import annotations

from typing import Any

from fakeapi.apimachinery import errors, field, validation
from fakeapi.apimachinery.field import FieldError
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.apimachinery.schema import GroupKind, GroupResource
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.kind_validation import validate_kind
from fakeapi.registry.resource_spec import NameRule, ResourceSpec
from fakeapi.registry.rest import DeleteOptions, object_meta
from fakeapi.registry.workload_validation import validate_workload, validate_workload_update
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import now_rfc3339
from fakeapi.util.identity import IdentityGenerator

_NAME_VALIDATORS = {
    NameRule.DNS1123_SUBDOMAIN: validation.is_dns1123_subdomain,
    NameRule.DNS1123_LABEL: validation.is_dns1123_label,
    NameRule.DNS1035_LABEL: validation.is_dns1035_label,
    NameRule.PATH_SEGMENT: validation.is_valid_path_segment_name,
}

# Metadata a client may not change with an update (rest.BeforeUpdate keeps the old values).
# The built-in strategies whose AllowUnconditionalUpdate is false: a Lease is a lock, so an
# update must name the version it read (pkg/registry/coordination/lease/strategy.go).
_CONDITIONAL_UPDATES_ONLY = frozenset({GroupResource("coordination.k8s.io", "leases")})
# The groups whose kinds are validated with core's ValidateObjectMeta (pkg/apis/core/validation),
# which checks finalizer names beyond apimachinery's.
_KUBE_FINALIZER_NAME_GROUPS = frozenset({"", "apps", "batch"})
_IMMUTABLE_SYSTEM_METADATA = ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds")


class Strategy:
    """The default strategy of a built-in resource, configured by its ResourceSpec."""

    # Whether validate() reports every missing field upstream reports, with upstream's texts: the
    # OpenAPI schema's ``required`` lists are then not reported besides.
    reports_required_fields = False

    def __init__(self, spec: ResourceSpec, schemas: SchemaRegistry, identity: IdentityGenerator) -> None:
        self.spec = spec
        self.schemas = schemas
        self.identity = identity
        self.has_status = spec.subresource("status") is not None

    # -- create -----------------------------------------------------------------------------

    def namespace_scoped(self) -> bool:
        return self.spec.namespaced

    def generate_name(self, base: str) -> str:
        return self.identity.generate_name(base)

    def prepare_for_create(self, ctx: RequestContext, obj: Object) -> None:
        """Normalize a new object: clear status where it is a subresource, start generation at 1."""
        if self.has_status:
            obj.pop("status", None)
        meta = object_meta(obj)
        if self.spec.tracks_generation:
            meta["generation"] = 1
        else:
            meta.pop("generation", None)

    def validate(self, ctx: RequestContext, obj: Object) -> list[FieldError]:
        """Type-specific validation; the schema check of the generic Store has already run.

        Kinds that carry a pod spec get their pod and workload checks here, and the kinds of
        ``kind_validation`` theirs.
        """
        group_kind = GroupKind(self.spec.group, self.spec.kind)
        return validate_workload(group_kind, obj) + validate_kind(group_kind, obj)

    def warnings_on_create(self, ctx: RequestContext, obj: Object) -> list[str]:
        return []

    def canonicalize(self, obj: Object) -> None:
        return None

    # -- update -----------------------------------------------------------------------------

    def allow_create_on_update(self) -> bool:
        return False

    def allow_unconditional_update(self) -> bool:
        """Whether an update without a resourceVersion applies to whatever is stored (most strategies upstream)."""
        return self.spec.group_resource not in _CONDITIONAL_UPDATES_ONLY

    def prepare_for_update(self, ctx: RequestContext, obj: Object, old: Object) -> None:
        """The main endpoint ignores status changes and bumps generation when the spec changes."""
        self._keep_old_status(obj, old)
        if self.spec.tracks_generation and _spec_changed(obj, old):
            object_meta(obj)["generation"] = int(object_meta(old).get("generation") or 0) + 1

    def _keep_old_status(self, obj: Object, old: Object) -> None:
        """Where status is a subresource, an update of the main endpoint keeps the old status (or none)."""
        if self.has_status:
            if "status" in old:
                obj["status"] = deep_copy_json(old["status"])
            else:
                obj.pop("status", None)

    def validate_update(self, ctx: RequestContext, obj: Object, old: Object) -> list[FieldError]:
        return validate_workload_update(GroupKind(self.spec.group, self.spec.kind), self.validate(ctx, obj), obj, old)

    def warnings_on_update(self, ctx: RequestContext, obj: Object, old: Object) -> list[str]:
        return []

    # -- delete -----------------------------------------------------------------------------

    def should_delete_during_update(self, obj: Object) -> bool:
        """Whether an update leaves a terminating object with nothing to wait for (store.go ShouldDeleteDuringUpdate).

        Only once its grace period is over: a pod in its graceful deletion gets status updates
        from its kubelet and stays.
        """
        meta = obj.get("metadata") or {}
        return (
            bool(meta.get("deletionTimestamp"))
            and not meta.get("finalizers")
            and not int(meta.get("deletionGracePeriodSeconds") or 0)
        )

    def check_graceful_delete(self, ctx: RequestContext, obj: Object, options: DeleteOptions) -> bool:
        """Whether deletion is graceful (the object stays with a deletionTimestamp). No by default."""
        return False

    def release_resources(self, obj: Object) -> None:
        """Give back what the object held (cluster IPs, node ports): after a delete, a dry run or a failed create."""
        return None


class StatusStrategy(Strategy):
    """The /status endpoint: only status changes are kept; everything but metadata comes from the old object."""

    def prepare_for_update(self, ctx: RequestContext, obj: Object, old: Object) -> None:
        status = obj.get("status")
        meta = obj.get("metadata") or {}
        obj.clear()
        obj.update(deep_copy_json(old))
        # Labels, annotations and finalizers may change through /status as on built-in status strategies.
        for key in ("labels", "annotations", "finalizers", "ownerReferences", "resourceVersion"):
            if key in meta:
                object_meta(obj)[key] = meta[key]
            else:
                object_meta(obj).pop(key, None)
        if status is None:
            obj.pop("status", None)
        else:
            obj["status"] = status


def _spec_changed(obj: Object, old: Object) -> bool:
    ignored = ("metadata", "status")
    return {k: v for k, v in obj.items() if k not in ignored} != {k: v for k, v in old.items() if k not in ignored}


# -- lifecycle functions --------------------------------------------------------------------


def fill_object_meta_system_fields(meta: dict[str, Any], identity: IdentityGenerator) -> None:
    """rest.FillObjectMetaSystemFields: the one place uid and creationTimestamp are set."""
    meta["creationTimestamp"] = now_rfc3339()
    meta["uid"] = identity.new_uid()
    meta.pop("selfLink", None)


def _check_namespace(ctx: RequestContext, strategy: Strategy, meta: dict[str, Any]) -> None:
    """rest.EnsureObjectNamespaceMatchesRequestNamespace."""
    if not strategy.namespace_scoped():
        meta.pop("namespace", None)
        return
    request_namespace = ctx.namespace
    object_namespace = meta.get("namespace") or ""
    if not object_namespace:
        if request_namespace:
            meta["namespace"] = request_namespace
    elif request_namespace and object_namespace != request_namespace:
        raise errors.new_bad_request(errors.NAMESPACE_MISMATCH_MSG)


def validate_object_meta(strategy: Strategy, obj: Object, *, is_create: bool) -> list[FieldError]:
    """ValidateObjectMeta: name, namespace, labels, annotations, owners, finalizers."""
    meta = obj.get("metadata") or {}
    errs: list[FieldError] = []
    generate_name = meta.get("generateName") or ""
    if generate_name:
        errs.extend(
            field.invalid("metadata.generateName", generate_name, m) for m in _prefix_errors(strategy, generate_name)
        )
    name = meta.get("name") or ""
    if not name:
        if not is_create or not meta.get("generateName"):
            errs.append(field.required("metadata.name", "name or generateName is required"))
    else:
        messages = validation.is_valid_path_segment_name(name)
        if not messages:
            messages = _NAME_VALIDATORS[strategy.spec.name_rule](name)
        errs.extend(field.invalid("metadata.name", name, m) for m in messages)
    if strategy.namespace_scoped():
        namespace = meta.get("namespace") or ""
        if not namespace:
            errs.append(field.required("metadata.namespace"))
        else:
            errs.extend(
                field.invalid("metadata.namespace", namespace, m) for m in validation.is_dns1123_label(namespace)
            )
    errs.extend(validation.validate_labels(meta.get("labels"), "metadata.labels"))
    errs.extend(validation.validate_annotations(meta.get("annotations"), "metadata.annotations"))
    errs.extend(validation.validate_owner_references(meta.get("ownerReferences"), "metadata.ownerReferences"))
    errs.extend(validation.validate_finalizers(meta.get("finalizers"), "metadata.finalizers"))
    if strategy.spec.group in _KUBE_FINALIZER_NAME_GROUPS:
        errs.extend(_kube_finalizer_name_errors(meta.get("finalizers")))
    return errs


def _kube_finalizer_name_errors(finalizers: Any) -> list[FieldError]:
    """validateKubeFinalizerName, which core's ValidateObjectMeta adds: a finalizer without a domain
    must be a standard one (custom resources only get a warning for it)."""
    if not isinstance(finalizers, list):
        return []
    return [
        field.invalid(f"metadata.finalizers[{i}]", name, validation.NOT_QUALIFIED_FINALIZER_MSG)
        for i, name in enumerate(finalizers)
        if isinstance(name, str) and validation.lacks_a_domain(name)
    ]


def _prefix_errors(strategy: Strategy, prefix: str) -> list[str]:
    """The kind's name rule applied to a generateName, as ValidateNameFunc(prefix=true) applies it: a
    trailing dash is masked (maskTrailingDash), and only '/' and '%' are refused of a path segment."""
    if strategy.spec.name_rule is NameRule.PATH_SEGMENT:
        return [f"may not contain '{bad}'" for bad in ("/", "%") if bad in prefix]
    if len(prefix) > 1 and prefix.endswith("-"):
        prefix = prefix[:-2] + "a"
    return _NAME_VALIDATORS[strategy.spec.name_rule](prefix)


def _invalid(strategy: Strategy, obj: Object, errs: list[FieldError]) -> errors.StatusError:
    meta = obj.get("metadata") or {}
    return errors.new_invalid(strategy.spec.gvk.group_kind, meta.get("name") or meta.get("generateName") or "", errs)


def _schema_errors(strategy: Strategy, obj: Object) -> list[FieldError]:
    """Decode-time checks of a built-in object: wrong JSON types (400), then unknown fields dropped.

    fieldValidation has already refused or reported unknown fields; what is left of them is lost
    here, as decoding into the Go type loses it upstream.
    """
    result = strategy.schemas.validate(obj, strategy.spec.gvk, prune=True)
    if result.type_errors:
        raise errors.new_bad_request("; ".join(result.type_errors))
    return list(result.field_errors)


def _merged(strategy: Strategy, schema_errors: list[FieldError], strategy_errors: list[FieldError]) -> list[FieldError]:
    """Both validators' errors, without the strategy's repeats of what the schema already reported.

    Upstream has one validator per kind; here the schema's ``required`` lists and a strategy's
    own checks can both find the same missing field. A strategy that reports missing fields as
    upstream's validation does has the schema's ``required`` errors left out.
    """
    if strategy.reports_required_fields:
        schema_errors = [e for e in schema_errors if e.type is not field.ErrorType.REQUIRED]
    # A field the strategy reports missing in upstream's own words keeps those words only.
    required_here = {e.field for e in strategy_errors if e.type is field.ErrorType.REQUIRED and e.detail}
    schema_errors = [e for e in schema_errors if e.type is not field.ErrorType.REQUIRED or e.field not in required_here]
    return schema_errors + [e for e in strategy_errors if e not in schema_errors]


def before_create(strategy: Strategy, ctx: RequestContext, obj: Object) -> None:
    """rest.BeforeCreate: namespace check, prepare, validate (every error at once), warnings, canonicalize."""
    meta = object_meta(obj)
    _check_namespace(ctx, strategy, meta)
    meta.pop("deletionTimestamp", None)
    meta.pop("deletionGracePeriodSeconds", None)
    strategy.prepare_for_create(ctx, obj)
    if not meta.get("name") and meta.get("generateName"):
        meta["name"] = strategy.generate_name(meta["generateName"])
    errs = _merged(strategy, _schema_errors(strategy, obj), strategy.validate(ctx, obj))
    errs += validate_object_meta(strategy, obj, is_create=True)
    if errs:
        raise _invalid(strategy, obj, errs)
    for warning in strategy.warnings_on_create(ctx, obj):
        ctx.add_warning(warning)
    strategy.canonicalize(obj)


def before_update(strategy: Strategy, ctx: RequestContext, obj: Object, old: Object) -> None:
    """rest.BeforeUpdate: namespace check, keep system metadata, prepare, validate, warnings, canonicalize."""
    meta = object_meta(obj)
    old_meta = old.get("metadata") or {}
    _check_namespace(ctx, strategy, meta)
    if strategy.namespace_scoped() and meta.get("namespace") != old_meta.get("namespace"):
        raise errors.new_bad_request(errors.NAMESPACE_MISMATCH_MSG)
    meta["generation"] = old_meta.get("generation")
    if meta["generation"] is None:
        del meta["generation"]
    strategy.prepare_for_update(ctx, obj, old)
    meta = object_meta(obj)
    for key in _IMMUTABLE_SYSTEM_METADATA:
        if key in old_meta:
            meta[key] = old_meta[key]
        else:
            meta.pop(key, None)
    errs = _merged(strategy, _schema_errors(strategy, obj), strategy.validate_update(ctx, obj, old))
    errs += validate_object_meta(strategy, obj, is_create=False)
    if errs:
        raise _invalid(strategy, obj, errs)
    for warning in strategy.warnings_on_update(ctx, obj, old):
        ctx.add_warning(warning)
    strategy.canonicalize(obj)
