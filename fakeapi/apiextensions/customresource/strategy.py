"""Strategies of custom resources, and the decode step that prunes and defaults them.

Mirrors apiextensions-apiserver/pkg/registry/customresource/{strategy,status_strategy,validator}.go
and, for ``decode``, the schema coercion and defaulting of the CR handler's codecs
(apiserver/customresource_handler.go unstructuredSchemaCoercer and unstructuredDefaulter):
unknown fields are pruned (their paths feed fieldValidation), metadata goes through ObjectMeta,
then the schema's defaults apply.

The main endpoint ignores status when the status subresource is on; generation moves when
anything but metadata changes; updates must carry a resourceVersion; /status keeps only the
new status. Validation: the OpenAPI schema, the scale paths, embedded resources, the
uniqueness of list-type set and map entries (not checked again when the old object already
violated it, as upstream ratchets it), and the x-kubernetes-validations rules (schema/cel).
"""

from __future__ import annotations

from typing import Any

from fakeapi.apiextensions.customresource.info import CustomResourceVersion
from fakeapi.apiextensions.schema.defaulting import default
from fakeapi.apiextensions.schema.listtype import validate_list_sets_and_maps
from fakeapi.apiextensions.schema.objectmeta import validate_embedded
from fakeapi.apiextensions.schema.pruning import coerce_object_meta, prune
from fakeapi.apiextensions.schema.validation import validate_custom_resource
from fakeapi.apimachinery import field as fe
from fakeapi.apimachinery.field import ErrorType, FieldError
from fakeapi.apimachinery.gofmt import go_quote
from fakeapi.apimachinery.jsonutil import deep_copy_json, go_type_of, json_equal
from fakeapi.apimachinery.labels import qualified_name_errors
from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.apimachinery.validation import lacks_a_domain
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.rest import object_meta
from fakeapi.registry.strategy import Strategy
from fakeapi.storage.interfaces import Object
from fakeapi.util.identity import IdentityGenerator

MAX_INT32 = 2**31 - 1


def decode(obj: Object, info: CustomResourceVersion) -> list[str]:
    """Prune, coerce metadata and default ``obj`` in place; return the unknown field paths."""
    unknown = coerce_and_prune(obj, info)
    default(obj, info.structural)
    return unknown


def coerce_and_prune(obj: Object, info: CustomResourceVersion) -> list[str]:
    """Coerce metadata and prune ``obj`` in place, without defaulting (unstructuredSchemaCoercer, as the
    schemaCoercingConverter applies it after a conversion); return the unknown field paths."""
    unknown = coerce_object_meta(obj, info.structural)
    if not info.preserve_unknown_fields:
        type_meta: dict[str, Any] = {k: obj[k] for k in ("apiVersion", "kind") if k in obj}
        unknown += prune(obj, info.structural, is_resource_root=True)
        obj.update(type_meta)
    return unknown


def _nested_int(obj: Object, json_path: str) -> tuple[int, str | None]:
    """unstructured.NestedInt64 at a ``.a.b`` path: (value, error text)."""
    value: Any = obj
    parts = json_path.lstrip(".").split(".")
    for i, part in enumerate(parts):
        if not isinstance(value, dict):
            return (
                0,
                f"{'.' + '.'.join(parts[:i])} accessor error: {value} is of the type {go_type_of(value)}, expected map[string]interface{{}}",
            )
        if part not in value:
            return 0, None
        value = value[part]
    if isinstance(value, bool) or not isinstance(value, int):
        return 0, f"{json_path} accessor error: {value} is of the type {go_type_of(value)}, expected int64"
    return value, None


def _scale_errors(obj: Object, info: CustomResourceVersion, *, spec: bool) -> list[FieldError]:
    """ValidateScaleSpec / ValidateScaleStatus: the replicas paths hold non-negative int32s."""
    scale = info.scale
    if scale is None:
        return []
    errs: list[FieldError] = []
    paths = [str(scale.get("statusReplicasPath") or "")]
    if spec:
        paths.insert(0, str(scale.get("specReplicasPath") or ""))
    for path in paths:
        value, problem = _nested_int(obj, path)
        if problem is not None:
            errs.append(fe.invalid(path, value, problem))
        elif value < 0:
            errs.append(fe.invalid(path, value, "should be a non-negative integer"))
        elif value > MAX_INT32:
            errs.append(fe.invalid(path, value, f"should be less than or equal to {MAX_INT32}"))
    selector_path = scale.get("labelSelectorPath")
    if selector_path:
        current: Any = obj
        for part in str(selector_path).lstrip(".").split("."):
            current = current.get(part) if isinstance(current, dict) else None
        if current is not None and not isinstance(current, str):
            errs.append(
                fe.invalid(
                    str(selector_path),
                    "",
                    f"{selector_path} accessor error: {current} is of the type {go_type_of(current)}, expected string",
                )
            )
    return errs


# hasBlockingErr: the schema errors after which the rules are not evaluated.
_BLOCKING_ERRORS = frozenset(
    {ErrorType.NOT_SUPPORTED, ErrorType.REQUIRED, ErrorType.TOO_LONG, ErrorType.TOO_MANY, ErrorType.TYPE_INVALID}
)
RULES_NOT_CHECKED = (
    "some validation rules were not checked because the object was invalid; correct the existing errors to "
    "complete validation"
)


def _finalizer_warnings(obj: Object, old: Object | None) -> list[str]:
    """generateWarningsFromObj: each finalizer the write adds that is not a qualified name, or that
    has no domain and is not a standard one (validator.go validateKubeFinalizerName)."""
    added = set((obj.get("metadata") or {}).get("finalizers") or [])
    if old is not None:
        added -= set((old.get("metadata") or {}).get("finalizers") or [])
    warnings = []
    for name in sorted(f for f in added if isinstance(f, str)):
        warnings += [f"metadata.finalizers: {go_quote(name)}: {m}" for m in qualified_name_errors(name)]
        if lacks_a_domain(name):
            including = " including a path (/)" if "." in name else ""
            warnings.append(
                f"metadata.finalizers: {go_quote(name)}: prefer a domain-qualified finalizer name{including} "
                "to avoid accidental conflicts with other finalizer writers"
            )
    return warnings


class CustomResourceStrategy(Strategy):
    """customResourceStrategy."""

    # Updates check the scale subresource's spec replicas path here, its status path in statusStrategy.
    _scale_spec_on_update = True

    def __init__(self, info: CustomResourceVersion, schemas: SchemaRegistry, identity: IdentityGenerator) -> None:
        super().__init__(info.spec, schemas, identity)
        self.info = info
        self.has_status = info.status_enabled

    def prepare_for_create(self, ctx: RequestContext, obj: Object) -> None:
        decode(obj, self.info)
        if self.has_status:
            obj.pop("status", None)
        object_meta(obj)["generation"] = 1

    def validate(self, ctx: RequestContext, obj: Object) -> list[FieldError]:
        errs = validate_custom_resource(self.info.schema, obj)
        errs += _scale_errors(obj, self.info, spec=True)
        errs += validate_embedded("", obj, self.info.structural)
        errs += validate_list_sets_and_maps("", self.info.structural, obj)
        errs += self._rule_errors(ctx, errs, obj)
        return errs

    def _rule_errors(self, ctx: RequestContext, errs: list[FieldError], obj: Object, *old: Object) -> list[FieldError]:
        """The x-kubernetes-validations rules; on update (``old``), ratcheted failures become warnings.

        Not run over an object the schema already refused in a way the rules could trip on (a
        wrong type, a missing field, an unsupported value: hasBlockingErr); one error says so.
        """
        validator = self.info.rules
        if validator is None:
            return []
        if any(e.type in _BLOCKING_ERRORS for e in errs):
            return [fe.invalid("<nil>", None, RULES_NOT_CHECKED)]
        from fakeapi.apiextensions.schema.cel.validation import validate

        result = validate(validator, obj, *old)
        for warning in result.warnings:
            ctx.add_warning(warning)
        return result.errors

    def warnings_on_create(self, ctx: RequestContext, obj: Object) -> list[str]:
        return _finalizer_warnings(obj, None)

    def warnings_on_update(self, ctx: RequestContext, obj: Object, old: Object) -> list[str]:
        return _finalizer_warnings(obj, old)

    def allow_unconditional_update(self) -> bool:
        return False

    def prepare_for_update(self, ctx: RequestContext, obj: Object, old: Object) -> None:
        decode(obj, self.info)
        self._keep_old_status(obj, old)
        new_content = {k: v for k, v in obj.items() if k != "metadata"}
        old_content = {k: v for k, v in old.items() if k != "metadata"}
        generation = int((old.get("metadata") or {}).get("generation") or 0)
        object_meta(obj)["generation"] = generation if json_equal(new_content, old_content) else generation + 1

    def validate_update(self, ctx: RequestContext, obj: Object, old: Object) -> list[FieldError]:
        errs = validate_custom_resource(self.info.schema, obj)
        errs += _scale_errors(obj, self.info, spec=self._scale_spec_on_update)
        errs += validate_embedded("", obj, self.info.structural)
        if not validate_list_sets_and_maps("", self.info.structural, old):
            errs += validate_list_sets_and_maps("", self.info.structural, obj)
        errs += self._rule_errors(ctx, errs, obj, old)
        return errs


class CustomResourceStatusStrategy(CustomResourceStrategy):
    """statusStrategy: the old object with the new status (and managedFields)."""

    _scale_spec_on_update = False

    def prepare_for_update(self, ctx: RequestContext, obj: Object, old: Object) -> None:
        decode(obj, self.info)
        has_status = "status" in obj
        status = obj.get("status")
        managed_fields = (obj.get("metadata") or {}).get("managedFields")
        obj.clear()
        obj.update(deep_copy_json(old))
        if managed_fields is not None:
            object_meta(obj)["managedFields"] = managed_fields
        if has_status:
            obj["status"] = status
        else:
            obj.pop("status", None)
