"""PATCH (handlers/patch.go): JSON patch, merge patch, strategic merge patch and server-side apply.

The patch is applied inside the storage's update loop, to the object as it is now, so a
PATCH is unconditional unless the patch itself sets metadata.resourceVersion. As upstream:

- the accepted types are JSON patch, merge patch, strategic merge patch (built-in kinds only:
  kinds without a schema answer 415 for it) and apply; anything else is 415 with that list;
- ``force`` is refused outside apply and ``fieldManager`` is required for apply (422 on
  PatchOptions); apply creates a missing object (201), wiping its system metadata;
- a patched object that does not decode is 422 ``patch: Invalid value``, and with
  ``fieldValidation=Strict`` so are unknown fields (``Warn`` makes warnings of them);
  apply checks only for duplicate keys there, the schema check being the field manager's;
- a non-apply patch of a missing object is 404 (``createNewObject``).

Whole-object texts in those 422 messages are JSON with sorted keys: upstream prints the
patched document as its JSON patch library re-encodes it, which this does not reproduce.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from fakeapi.apimachinery import errors, field, safeyaml
from fakeapi.apimachinery.gofmt import go_json, go_quote, go_value
from fakeapi.apimachinery.jsonpatch import (
    JSONPatchApplyError,
    JSONPatchError,
    JSONPatchTooLarge,
    apply_json_patch,
)
from fakeapi.apimachinery.jsonutil import decode_json, deep_copy_json, json_value_kind
from fakeapi.apimachinery.managedfields import FieldManager, FieldManagerFactory, HasFieldManager
from fakeapi.apimachinery.mergepatch import MergePatchError, apply_merge_patch
from fakeapi.apimachinery.schema import GroupKind
from fakeapi.apimachinery.strategicpatch import PatchSchema, StrategicMergePatchError, strategic_merge_patch
from fakeapi.endpoints import negotiation
from fakeapi.endpoints.handlers.common import (
    RequestScope,
    check_type_meta,
    context_of,
    parse_bool,
    parse_write_options,
    write_object,
)
from fakeapi.endpoints.http import Request, ResponseWriter
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.rest import Preconditions, WriteOptions, object_meta
from fakeapi.storage.interfaces import Object

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
PATCH_OPTIONS = GroupKind("meta.k8s.io", "PatchOptions")
# rest.WipeObjectMetaSystemFields: what an apply that creates may not set.
_SYSTEM_FIELDS = ("creationTimestamp", "uid", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink")


def supported_patch_types(scope: RequestScope) -> list[str]:
    """The installer's list: strategic merge patch only for kinds with a built-in schema."""
    types = [JSON_PATCH, MERGE_PATCH]
    if scope.schemas.definition_for(scope.kind) is not None:
        types.append(STRATEGIC_MERGE_PATCH)
    types.append(APPLY_PATCH)
    return types


def _validate_patch_options(req: Request, is_apply: bool) -> None:
    """ValidatePatchOptions: force only for apply; apply needs an explicit fieldManager."""
    if not is_apply:
        if "force" in req.query:
            raise errors.new_invalid(
                PATCH_OPTIONS, "", [field.forbidden("force", "may not be specified for non-apply patch")]
            )
    elif not req.query_param("fieldManager"):
        raise errors.new_invalid(PATCH_OPTIONS, "", [field.required("fieldManager", "is required for apply patch")])


def _field_manager(scope: RequestScope) -> FieldManager:
    """The storage's field manager.

    Storages that keep no managedFields of their own (/scale, whose Scale is made from the
    parent for each request) get one for the endpoint's kind that owns nothing beforehand:
    such an apply sets the fields and never conflicts, and the parent records the write as
    an Update. Upstream converts the parent's entries to the Scale and back (scalehandler.go).
    """
    storage = scope.storage
    if isinstance(storage, HasFieldManager) and storage.field_manager is not None:
        return storage.field_manager
    return FieldManager(FieldManagerFactory(scope.schemas).type_of(scope.kind), scope.kind, track_untracked_live=False)


def patch_resource(req: Request, w: ResponseWriter, scope: RequestScope) -> None:
    patch_type = negotiation.request_content_type(req.headers.get("Content-Type"))
    supported = supported_patch_types(scope)
    if patch_type not in supported:
        raise errors.new_unsupported_media_type(supported)
    is_apply = patch_type == APPLY_PATCH
    _validate_patch_options(req, is_apply)
    options = parse_write_options(req, "PatchOptions")
    info = PatchedObjectInfo(
        patch_type=patch_type,
        body=req.body,
        scope=scope,
        options=options,
        force=bool(parse_bool(req, "force")) if is_apply else False,
        field_manager=_field_manager(scope) if is_apply else None,
    )
    result, created = scope.storage.update(context_of(req), req.info.name, info, options, force_allow_create=is_apply)
    write_object(req, w, 201 if created else 200, result, scope)


@dataclass
class PatchedObjectInfo:
    """UpdatedObjectInfo whose new object is the patch applied to the current one (patcher.applyPatch)."""

    patch_type: str
    body: bytes
    scope: RequestScope
    options: WriteOptions
    force: bool = False
    field_manager: FieldManager | None = None

    def preconditions(self) -> Preconditions:
        return Preconditions()

    def records_managed_fields(self) -> bool:
        """An apply sets managedFields itself; the other patches are recorded as Updates."""
        return self.patch_type == APPLY_PATCH

    def updated_object(self, ctx: RequestContext, old: Object | None) -> Object:
        if self.patch_type == APPLY_PATCH:
            patched = self._apply(ctx, old)
        elif old is None:
            raise errors.new_not_found(self.scope.spec.group_resource, ctx.request_info.name)
        else:
            patched = self._patch(ctx, old)
        if old is None:
            meta = object_meta(patched)
            if meta.get("uid"):
                raise errors.new_conflict(
                    self.scope.spec.group_resource,
                    ctx.request_info.name,
                    f"uid mismatch: the provided object specified uid {meta['uid']}, and no existing object was found",
                )
            for name in _SYSTEM_FIELDS:
                meta.pop(name, None)
        self._check_namespace_and_name(ctx, patched)
        return patched

    # -- JSON patch, merge patch, strategic merge patch -----------------------------------

    def _patch(self, ctx: RequestContext, old: Object) -> Object:
        if self.patch_type == STRATEGIC_MERGE_PATCH:
            patch = self._decode_json_object()
            schema = PatchSchema.for_kind(self.scope.schemas, self.scope.kind)
            assert schema is not None, "strategic merge patch is offered for built-in kinds only"
            shown = go_value(patch)
            try:
                # The merge works in place, and the Store still needs the old object.
                patched: Any = strategic_merge_patch(deep_copy_json(old), patch, schema)
            except StrategicMergePatchError as exc:
                raise exc.to_status_error() from None
        else:
            try:
                patch = decode_json(self.body)
            except (ValueError, RecursionError) as exc:
                raise errors.new_bad_request(errors.json_error_text(exc, self.body)) from None
            if self.patch_type == JSON_PATCH:
                patched = self._json_patch(old, patch)
            else:
                try:
                    patched = apply_merge_patch(old, patch)
                except MergePatchError as exc:
                    raise errors.new_bad_request(str(exc)) from None
            shown = go_json(patched, sort_keys=True)
            if not isinstance(patched, dict):
                raise _patch_invalid(
                    shown, f"json: cannot unmarshal {json_value_kind(patched)} into Go value of type {self._go_type()}"
                )
        check_type_meta(patched, self.scope.kind)
        self._check_decodes(ctx, patched, shown)
        return patched

    def _go_type(self) -> str:
        """The Go type the object decodes into, as reflect names it (``v1.ConfigMap``)."""
        found = self.scope.schemas.definition_for(self.scope.kind)
        package = found[0].rpartition(".")[0].rpartition(".")[2] if found else "unstructured"
        return f"{package}.{self.scope.kind.kind if found else 'Unstructured'}"

    def _decode_json_object(self) -> dict[str, Any]:
        try:
            patch = decode_json(self.body)
        except (ValueError, RecursionError) as exc:
            raise errors.new_bad_request(errors.json_error_text(exc, self.body)) from None
        if not isinstance(patch, dict):
            raise errors.new_bad_request(
                f"json: cannot unmarshal {json_value_kind(patch)} into Go value of type map[string]interface {{}}"
            )
        return patch

    @staticmethod
    def _json_patch(old: Object, patch: Any) -> Any:
        try:
            return apply_json_patch(old, patch)
        except JSONPatchTooLarge as exc:
            raise errors.new_request_entity_too_large(str(exc)) from None
        except JSONPatchApplyError:
            raise errors.new_generic_invalid() from None
        except JSONPatchError as exc:
            raise errors.new_bad_request(str(exc)) from None

    def _check_decodes(self, ctx: RequestContext, patched: Object, shown: str) -> None:
        """Decoding the patched object into its type: 422 for what does not fit, unknown fields per directive."""
        decoded = self.scope.schemas.decode(patched, self.scope.kind)
        if decoded.type_errors:
            # A strategic merge patch is converted from the merged map (FromUnstructuredWithValidation),
            # the others decoded from JSON: each fails in its own words (patch.go applyPatchToObject).
            if self.patch_type == STRATEGIC_MERGE_PATCH and decoded.conversion_errors:
                raise _patch_invalid(shown, decoded.conversion_errors[0])
            raise _patch_invalid(shown, decoded.type_errors[0])
        directive = self.options.field_validation
        if directive == "Ignore":
            return
        unknown = [f'unknown field "{path}"' for path in decoded.unknown_fields]
        if not unknown:
            return
        if directive == "Strict":
            raise _patch_invalid(shown, "strict decoding error: " + ", ".join(unknown))
        for message in unknown:
            ctx.add_warning(message)

    # -- apply ----------------------------------------------------------------------------

    def _apply(self, ctx: RequestContext, old: Object | None) -> Object:
        assert self.field_manager is not None
        applied, duplicates = _load_apply_body(self.body)
        result = self.field_manager.apply(old, applied, self.options.field_manager, force=self.force)
        # Only duplicate keys can be strict errors: the applied object is decoded into a map.
        if duplicates and self.options.field_validation in ("Strict", "Warn"):
            text = "error converting YAML to JSON: yaml: unmarshal errors:\n" + "\n".join(
                f"  line {line}: key {go_quote(key)} already set in map" for line, key in duplicates
            )
            if self.options.field_validation == "Strict":
                raise errors.new_bad_request(f"error strict decoding YAML: {text}")
            ctx.add_warning(text)
        return result

    # -- identity -------------------------------------------------------------------------

    def _check_namespace_and_name(self, ctx: RequestContext, patched: Object) -> None:
        """EnsureObjectNamespaceMatchesRequestNamespace, then checkName."""
        meta = object_meta(patched)
        spec = self.scope.spec
        expected = ctx.namespace if spec.namespaced else ""
        namespace = meta.get("namespace") or ""
        if namespace != expected:
            if not namespace:
                meta["namespace"] = expected
            elif not expected:
                meta.pop("namespace", None)
            else:
                raise errors.new_bad_request(errors.NAMESPACE_MISMATCH_MSG)
        name, url_name = meta.get("name") or "", ctx.request_info.name
        if name != url_name:
            raise errors.new_bad_request(
                f"the name of the object ({name}) does not match the name on the URL ({url_name})"
            )


def _patch_invalid(shown: str, detail: str) -> errors.StatusError:
    """NewInvalid(GroupKind{}, "", patch: Invalid value: <object>: <detail>)."""
    return errors.new_invalid(GroupKind("", ""), "", [field.invalid("patch", field.Raw(go_quote(shown)), detail)])


def _load_apply_body(body: bytes) -> tuple[dict[str, Any], list[tuple[int, str]]]:
    """yaml.Unmarshal into an unstructured object: 400 ``error decoding YAML`` when it does not fit."""
    as_json = safeyaml.json_object(body)
    if as_json is not None:
        return as_json, []
    loader = safeyaml.KubeYAMLLoader(body.decode("utf-8", "replace"))
    try:
        document = safeyaml.single_document(loader)
    except yaml.YAMLError as exc:
        raise errors.new_bad_request(
            f"error decoding YAML: error converting YAML to JSON: {safeyaml.error_text(exc)}"
        ) from None
    finally:
        loader.dispose()
    if document is None:
        return {}, loader.duplicates
    if not isinstance(document, dict):
        raise errors.new_bad_request(
            "error decoding YAML: json: cannot unmarshal "
            f"{json_value_kind(document)} into Go value of type map[string]interface {{}}"
        )
    return document, loader.duplicates
