"""PATCH (handlers/patch.go): JSON patch and JSON merge patch applied to the current object.

The patch is applied inside the storage's update loop, to the object as it is now, so a
PATCH is unconditional unless the patch itself sets metadata.resourceVersion.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fakeapi.apimachinery import errors, field
from fakeapi.apimachinery.jsonpatch import (
    JSONPatchApplyError,
    JSONPatchError,
    JSONPatchTooLarge,
    apply_json_patch,
)
from fakeapi.apimachinery.mergepatch import apply_merge_patch
from fakeapi.apimachinery.schema import GroupKind
from fakeapi.endpoints import negotiation
from fakeapi.endpoints.handlers.common import (
    RequestScope,
    check_type_meta,
    check_unknown_fields,
    context_of,
    parse_write_options,
    write_object,
)
from fakeapi.endpoints.http import Request, ResponseWriter
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.rest import Preconditions
from fakeapi.storage.interfaces import Object

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
SUPPORTED_PATCH_TYPES = [JSON_PATCH, MERGE_PATCH]


@dataclass
class PatchedObjectInfo:
    """UpdatedObjectInfo whose new object is the patch applied to the current one."""

    patch_type: str
    body: bytes
    scope: RequestScope

    def preconditions(self) -> Preconditions:
        return Preconditions()

    def updated_object(self, ctx: RequestContext, old: Object | None) -> Object:
        if old is None:
            raise errors.new_not_found(self.scope.spec.group_resource, ctx.request_info.name)
        try:
            patch: Any = json.loads(self.body)
        except ValueError as exc:
            raise errors.new_bad_request(str(exc)) from None
        if self.patch_type == JSON_PATCH:
            try:
                patched = apply_json_patch(old, patch)
            except JSONPatchTooLarge as exc:
                raise errors.new_request_entity_too_large(str(exc)) from None
            except JSONPatchApplyError:
                raise errors.new_generic_invalid() from None
            except JSONPatchError as exc:
                raise errors.new_bad_request(str(exc)) from None
        else:
            if not isinstance(patch, dict):
                raise errors.new_bad_request("json: cannot unmarshal a non-object merge patch into an object")
            patched = apply_merge_patch(old, patch)
        if not isinstance(patched, dict):
            raise errors.new_bad_request("the patched object is not a JSON object")
        check_type_meta(patched, self.scope.kind)
        _check_identity(patched, old)
        return patched


def _check_identity(patched: Object, old: Object) -> None:
    meta, old_meta = patched.get("metadata") or {}, old.get("metadata") or {}
    if meta.get("namespace", "") != old_meta.get("namespace", ""):
        raise errors.new_bad_request(errors.NAMESPACE_MISMATCH_MSG)
    if meta.get("name") != old_meta.get("name"):
        raise errors.new_bad_request(
            f"the name of the object ({meta.get('name')}) does not match the name on the URL ({old_meta.get('name')})"
        )


def patch_resource(req: Request, w: ResponseWriter, scope: RequestScope) -> None:
    patch_type = negotiation.request_content_type(req.headers.get("Content-Type"))
    if patch_type not in SUPPORTED_PATCH_TYPES:
        raise errors.new_unsupported_media_type(SUPPORTED_PATCH_TYPES)
    options = parse_write_options(req, "PatchOptions")
    if req.query_param("force"):
        raise errors.new_invalid(
            GroupKind("meta.k8s.io", "PatchOptions"),
            "",
            [field.forbidden("force", "may not be specified for non-apply patch")],
        )
    ctx = context_of(req)
    info = PatchedObjectInfo(patch_type, req.body, scope)
    result, created = scope.storage.update(ctx, req.info.name, _Validated(info, req, options.field_validation), options)
    write_object(req, w, 201 if created else 200, result, scope)


@dataclass
class _Validated:
    """Runs field validation on the patched object, as the patcher does after applying."""

    inner: PatchedObjectInfo
    req: Request
    directive: str

    def preconditions(self) -> Preconditions:
        return self.inner.preconditions()

    def updated_object(self, ctx: RequestContext, old: Object | None) -> Object:
        patched = self.inner.updated_object(ctx, old)
        check_unknown_fields(self.req, self.inner.scope, patched, self.directive)
        return patched
