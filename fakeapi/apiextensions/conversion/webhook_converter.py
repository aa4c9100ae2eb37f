"""Conversion by webhook (apiextensions-apiserver/pkg/apiserver/conversion/webhook_converter.go).

A CRD with ``spec.conversion.strategy: Webhook`` has its objects converted by POSTing a
ConversionReview (v1, or v1beta1 when ``conversionReviewVersions`` lists it first) to the CRD's
webhook, whenever a read or write crosses versions: an object written in one version is sent to
be stored in the storage version, and every stored object read in another version is sent back.
Objects already in the desired version are not sent. The answer is checked as upstream checks
it (kind, uid, result, count, each object's apiVersion, kind, name, namespace and uid), the
converted object keeps the original metadata except labels and annotations, and every failure
reads ``conversion webhook for <group>/<version>, Kind=<kind> ...`` as upstream's.
"""

from __future__ import annotations

import copy
import time
import uuid
from typing import Any

from fakeapi.apiextensions import helpers
from fakeapi.apiextensions.conversion.converter import conversion_error
from fakeapi.apimachinery.errors import StatusError
from fakeapi.apimachinery.field import aggregate_message
from fakeapi.apimachinery.validation import validate_annotations, validate_labels
from fakeapi.storage.interfaces import Object
from fakeapi.testing.audit import WebhookCall, record_webhook_call
from fakeapi.util.webhook.client import CallError, ClientManager, client_config_from_api
from fakeapi.util.webhook.error import ErrCallingWebhook

API_GROUP = "apiextensions.k8s.io"
REVIEW_KIND = "ConversionReview"
# webhook/authentication.go setGlobalDefaults: the conversion client's timeout, which client-go also sends as ?timeout=30s.
CALL_TIMEOUT_SECONDS = 30


def _gvk_text(obj: Object) -> str:
    """schema.GroupVersionKind.String() of an object."""
    api_version = str(obj.get("apiVersion") or "")
    group, _, version = api_version.rpartition("/")
    return f"{group}/{version}, Kind={obj.get('kind') or ''}"


class _InvalidResponse(Exception):
    """The answer was not a usable ConversionReview."""


class WebhookConverter:
    """webhookConverter for one CRD."""

    def __init__(self, crd: Object, clients: ClientManager) -> None:
        self.name = helpers.name_of(crd)
        webhook = (helpers.spec_of(crd).get("conversion") or {}).get("webhook") or {}
        self.client_config = client_config_from_api(
            f"conversion_webhook_for_{self.name}", webhook.get("clientConfig") or {}
        )
        self.review_versions = [str(v) for v in webhook.get("conversionReviewVersions") or []]
        self.clients = clients

    def convert(self, obj: Object, api_version: str) -> Object:
        if obj.get("apiVersion") == api_version or set(obj) <= {"apiVersion", "kind"}:
            # Nothing to send: already there, or an empty object (which converts to an empty object).
            return obj if obj.get("apiVersion") == api_version else {**obj, "apiVersion": api_version}
        started = time.perf_counter()
        try:
            converted = self._call(obj, api_version)
        except StatusError as err:
            self._record(err.message, started)
            raise
        self._record("converted", started)
        return converted

    def _record(self, outcome: str, started: float) -> None:
        """The call in the audit event of the request that needed it."""
        seconds = time.perf_counter() - started
        record_webhook_call(WebhookCall(self.client_config.name, "conversion", outcome, seconds))

    def _call(self, obj: Object, api_version: str) -> Object:
        gvk = _gvk_text(obj)
        uid = str(uuid.uuid4())
        review_version = next((v for v in self.review_versions if v in ("v1beta1", "v1")), None)
        if review_version is None:
            raise conversion_error("no supported conversion review versions")
        review = {
            "kind": REVIEW_KIND,
            "apiVersion": f"{API_GROUP}/{review_version}",
            "request": {"uid": uid, "desiredAPIVersion": api_version, "objects": [obj]},
            "response": {"uid": "", "convertedObjects": None, "result": {"metadata": {}}},
        }
        try:
            answer = self.clients.hook_client(self.client_config).post(review, CALL_TIMEOUT_SECONDS)
        except (CallError, ErrCallingWebhook) as err:
            raise conversion_error(f"conversion webhook for {gvk} failed: {err}") from err
        try:
            converted_objects = _converted_objects(review_version, uid, answer)
        except _InvalidResponse as err:
            raise conversion_error(f"conversion webhook for {gvk} failed: {err}") from err
        if len(converted_objects) != 1:
            raise conversion_error(
                f"conversion webhook for {gvk} returned {len(converted_objects)} objects, expected 1"
            )
        converted = converted_objects[0]
        if not isinstance(converted, dict):
            raise conversion_error(f"conversion webhook for {gvk} failed, unexpected type at index 0")
        received = str(converted.get("apiVersion") or "")
        if received != api_version:
            raise conversion_error(
                f"conversion webhook for {gvk} returned invalid object at index 0: invalid groupVersion "
                f"(expected {api_version}, received {received})"
            )
        if converted.get("kind") != obj.get("kind"):
            raise conversion_error(
                f"conversion webhook for {gvk} returned invalid object at index 0: invalid kind "
                f"(expected {obj.get('kind')}, received {converted.get('kind') or ''})"
            )
        mismatch = _validate_converted_object(obj, converted)
        if mismatch:
            raise conversion_error(f"conversion webhook for {gvk} returned invalid object: {mismatch}")
        try:
            return _restore_object_meta(obj, converted)
        except ValueError as err:
            raise conversion_error(f"conversion webhook for {gvk} returned invalid metadata: {err}") from err


def _converted_objects(review_version: str, uid: str, answer: dict[str, Any]) -> list[Any]:
    """getConvertedObjectsFromResponse."""
    if review_version == "v1":
        expected = f"{API_GROUP}/v1, Kind={REVIEW_KIND}"
        got = _gvk_text(answer)
        if got != expected:
            raise _InvalidResponse(f"expected webhook response of {expected}, got {got}")
    response = answer.get("response")
    if not isinstance(response, dict):
        raise _InvalidResponse("no response provided")
    # v1beta1 answers were never checked for their uid; v1 answers are.
    if review_version == "v1" and str(response.get("uid") or "") != uid:
        raise _InvalidResponse(f'expected response.uid="{uid}", got "{response.get("uid") or ""}"')
    result = response.get("result") or {}
    if result.get("status") != "Success":
        if result.get("message"):
            raise _InvalidResponse(str(result["message"]))
        raise _InvalidResponse(f"response.result.status was '{result.get('status') or ''}', not 'Success'")
    return list(response.get("convertedObjects") or [])


def _meta(obj: Object) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _validate_converted_object(original: Object, converted: Object) -> str:
    """validateConvertedObject: the identity of the object may not change."""
    for field, label in (("name", "name"), ("namespace", "namespace"), ("uid", "UID")):
        expected, got = _meta(original).get(field) or "", _meta(converted).get(field) or ""
        if expected != got:
            return f"must have the same {label}: {expected} != {got}"
    return ""


def _restore_object_meta(original: Object, converted: Object) -> Object:
    """restoreObjectMeta: the original metadata, with the converted labels and annotations."""
    response_meta = converted.get("metadata")
    if "metadata" not in converted:
        raise ValueError("missing metadata in converted object")
    if not isinstance(response_meta, dict):
        raise ValueError(f"invalid metadata of type {type(response_meta).__name__} in converted object")
    restored_meta = copy.deepcopy(_meta(original))
    for field in ("labels", "annotations"):
        value = response_meta.get(field)
        if value is None:
            restored_meta.pop(field, None)
            continue
        if not isinstance(value, dict):
            raise ValueError(f"invalid metadata.{field} of type {type(value).__name__} in converted object")
        for key, item in value.items():
            if not isinstance(item, str):
                raise ValueError(
                    f"metadata.{field}[{key}] must be a string, but is {type(item).__name__} in converted object"
                )
        if value != (restored_meta.get(field) or {}):
            # Upstream names the annotations' path "metadata.annotation".
            errs = (
                validate_labels(value, "metadata.labels")
                if field == "labels"
                else validate_annotations(value, "metadata.annotation")
            )
            if errs:
                raise ValueError(aggregate_message(errs))
        restored_meta[field] = value
    return {**converted, "metadata": restored_meta}
