"""AdmissionReview v1 and v1beta1 (k8s.io/apiserver/pkg/admission/plugin/webhook/request/admissionreview.go).

``create_admission_review`` writes the review in the first version the webhook's
``admissionReviewVersions`` names that the server speaks (v1, v1beta1); ``verify_admission_response``
reads the answer and checks it as upstream does: a v1 answer must be a v1 AdmissionReview with the
request's uid, a mutating webhook's patch and patchType come together, a validating webhook sends
neither; a v1beta1 answer is taken as it is (its patch is a JSONPatch). The request carries the
object in the version the webhook matched (``kind``/``resource``) and what the client asked for
(``requestKind``/``requestResource``), the user, ``dryRun`` and the operation's options.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass, field
from typing import Any

from fakeapi.admission.interfaces import CREATE, Attributes
from fakeapi.apimachinery.schema import GroupVersionKind, GroupVersionResource
from fakeapi.endpoints.request import UserInfo
from fakeapi.registry.rest import DeleteOptions, WriteOptions
from fakeapi.storage.interfaces import Object

GROUP = "admission.k8s.io"
KNOWN_VERSIONS = ("v1", "v1beta1")
JSON_PATCH = "JSONPatch"


@dataclass(frozen=True)
class Invocation:
    """generic.WebhookInvocation: the resource and kind a webhook matched the request as."""

    resource: GroupVersionResource
    subresource: str
    kind: GroupVersionKind


class InvalidResponse(Exception):
    """The webhook's answer is not a usable AdmissionReview; the text is upstream's."""


@dataclass
class AdmissionResponse:
    """What the dispatchers take from an answer (request.AdmissionResponse)."""

    allowed: bool
    audit_annotations: dict[str, str] = field(default_factory=dict)
    patch: bytes = b""
    patch_type: str = ""
    result: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)


def review_version(versions: list[str]) -> str | None:
    """The first of the webhook's admissionReviewVersions the server speaks (CreateAdmissionObjects)."""
    return next((v for v in versions if v in KNOWN_VERSIONS), None)


def _gvk(gvk: GroupVersionKind) -> dict[str, str]:
    return {"group": gvk.group, "version": gvk.version, "kind": gvk.kind}


def _gvr(gvr: GroupVersionResource) -> dict[str, str]:
    return {"group": gvr.group, "version": gvr.version, "resource": gvr.resource}


def _user_info(user: UserInfo) -> dict[str, Any]:
    """authenticationv1.UserInfo as encoding/json writes it (extra always a map)."""
    out: dict[str, Any] = {"username": user.name}
    if user.uid:
        out["uid"] = user.uid
    if user.groups:
        out["groups"] = list(user.groups)
    out["extra"] = {key: list(values) for key, values in user.extra} if user.extra else {}
    return out


def operation_options(operation: str, options: Any) -> dict[str, Any] | None:
    """The CreateOptions, UpdateOptions or DeleteOptions of the operation, as the handlers pass them."""
    dry_run = ["All"] if getattr(options, "dry_run", False) else None
    if isinstance(options, DeleteOptions):
        out: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "meta.k8s.io/v1"}
        if options.grace_period_seconds is not None:
            out["gracePeriodSeconds"] = options.grace_period_seconds
        if options.propagation_policy:
            out["propagationPolicy"] = options.propagation_policy
        if options.orphan_dependents is not None:
            out["orphanDependents"] = options.orphan_dependents
    elif isinstance(options, WriteOptions):
        kind = "CreateOptions" if operation == CREATE else "UpdateOptions"
        out = {"kind": kind, "apiVersion": "meta.k8s.io/v1"}
        if options.field_manager:
            out["fieldManager"] = options.field_manager
        if options.field_validation and options.field_validation != "Warn":
            out["fieldValidation"] = options.field_validation
    else:
        return None
    if dry_run:
        out["dryRun"] = dry_run
    return out


def create_admission_review(
    version: str,
    attributes: Attributes,
    invocation: Invocation,
    obj: Object | None,
    old_obj: Object | None,
) -> tuple[str, dict[str, Any]]:
    """CreateV1AdmissionReview / CreateV1beta1AdmissionReview: a new uid and the review to POST."""
    uid = str(uuid.uuid4())
    request: dict[str, Any] = {
        "uid": uid,
        "kind": _gvk(invocation.kind),
        "resource": _gvr(invocation.resource),
    }
    if invocation.subresource:
        request["subResource"] = invocation.subresource
    request["requestKind"] = _gvk(attributes.kind)
    request["requestResource"] = _gvr(attributes.resource)
    if attributes.subresource:
        request["requestSubResource"] = attributes.subresource
    if attributes.name:
        request["name"] = attributes.name
    if attributes.namespace:
        request["namespace"] = attributes.namespace
    request["operation"] = attributes.operation
    request["userInfo"] = _user_info(attributes.user)
    request["object"] = obj
    request["oldObject"] = old_obj
    request["dryRun"] = attributes.dry_run
    request["options"] = operation_options(attributes.operation, attributes.options)
    return uid, {"kind": "AdmissionReview", "apiVersion": f"{GROUP}/{version}", "request": request}


def _patch_bytes(value: Any) -> bytes:
    """A ``[]byte`` field: base64 in JSON."""
    if not value:
        return b""
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError) as err:
        raise InvalidResponse(f"illegal base64 data: {err}") from err


def _string_map(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def verify_admission_response(uid: str, version: str, mutating: bool, review: dict[str, Any]) -> AdmissionResponse:
    """VerifyAdmissionResponse for the version the review was sent in."""
    response = review.get("response")
    if not isinstance(response, dict):
        raise InvalidResponse("webhook response was absent")
    patch_type_value = response.get("patchType")
    patch = _patch_bytes(response.get("patch"))
    if version == "v1":
        if str(response.get("uid") or "") != uid:
            raise InvalidResponse(f'expected response.uid="{uid}", got "{response.get("uid") or ""}"')
        expected = f"{GROUP}/v1, Kind=AdmissionReview"
        api_version = str(review.get("apiVersion") or "")
        group, _, got_version = api_version.rpartition("/")
        got = f"{group}/{got_version}, Kind={review.get('kind') or ''}"
        if got != expected:
            raise InvalidResponse(f"expected webhook response of {expected}, got {got}")
        if mutating:
            if patch and patch_type_value is None:
                raise InvalidResponse("webhook returned response.patch but not response.patchType")
            if not patch and patch_type_value is not None:
                raise InvalidResponse("webhook returned response.patchType but not response.patch")
            if patch_type_value is not None and not patch_type_value:
                raise InvalidResponse(f'webhook returned invalid response.patchType of "{patch_type_value}"')
            patch_type = str(patch_type_value or "")
        else:
            if patch:
                raise InvalidResponse("validating webhook may not return response.patch")
            if patch_type_value is not None:
                raise InvalidResponse("validating webhook may not return response.patchType")
            patch_type = ""
    else:
        # v1beta1 answers were never checked for uid, kind or patch type; a patch is a JSONPatch.
        if not mutating:
            patch = b""
        patch_type = JSON_PATCH if patch else ""
    result = response.get("status")
    return AdmissionResponse(
        allowed=response.get("allowed") is True,
        audit_annotations=_string_map(response.get("auditAnnotations")),
        patch=patch,
        patch_type=patch_type,
        result=result if isinstance(result, dict) else None,
        warnings=[str(w) for w in response.get("warnings") or []],
    )
