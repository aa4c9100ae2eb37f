"""The request and namespace as admission expressions see them (k8s.io/apiserver/pkg/admission/plugin/cel/condition.go).

``request`` is an AdmissionRequest with the kind and resource the policy matched the request as,
the request's own kind and resource as ``requestKind`` and ``requestResource``, and no object
(the expressions read ``object`` and ``oldObject``). ``namespaceObject`` keeps a namespace's
spec, status and the identifying part of its metadata, without managedFields or owner
references.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fakeapi.admission.interfaces import Attributes
from fakeapi.admission.plugin.cel.authorizer import RequestAuthorizer
from fakeapi.admission.plugin.policy.generic.interfaces import MatchedResource
from fakeapi.authorization.authorizer import Authorizer
from fakeapi.cel.library.authz import new_resource_check
from fakeapi.storage.interfaces import Object

# CreateNamespaceObject: the metadata a namespace keeps.
_NAMESPACE_METADATA = (
    "name",
    "generateName",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "finalizers",
)


def create_admission_request(attributes: Attributes, matched: MatchedResource) -> dict[str, Any]:
    """CreateAdmissionRequest, as JSON (omitempty fields left out when empty)."""
    user = attributes.user
    user_info: dict[str, Any] = {"username": user.name}
    if user.uid:
        user_info["uid"] = user.uid
    if user.groups:
        user_info["groups"] = list(user.groups)
    if user.extra:
        user_info["extra"] = {key: list(values) for key, values in user.extra}
    request: dict[str, Any] = {
        "uid": "",
        "kind": {"group": matched.kind.group, "version": matched.kind.version, "kind": matched.kind.kind},
        "resource": {
            "group": matched.resource.group,
            "version": matched.resource.version,
            "resource": matched.resource.resource,
        },
        "requestKind": {
            "group": attributes.kind.group,
            "version": attributes.kind.version,
            "kind": attributes.kind.kind,
        },
        "requestResource": {
            "group": attributes.resource.group,
            "version": attributes.resource.version,
            "resource": attributes.resource.resource,
        },
        "operation": attributes.operation,
        "userInfo": user_info,
        "dryRun": attributes.dry_run,
        "options": _options(attributes.operation, attributes.options),
    }
    if attributes.subresource:
        request["subResource"] = request["requestSubResource"] = attributes.subresource
    if attributes.name:
        request["name"] = attributes.name
    if attributes.namespace:
        request["namespace"] = attributes.namespace
    return request


# The options type of each operation (a patch's are UpdateOptions, or CreateOptions when it creates).
_OPTIONS_KINDS = {"CREATE": "CreateOptions", "UPDATE": "UpdateOptions", "DELETE": "DeleteOptions"}


def _options(operation: str, options: Any) -> dict[str, Any] | None:
    """GetOperationOptions as JSON: the meta.k8s.io/v1 options of the operation, empty fields left out."""
    kind = _OPTIONS_KINDS.get(operation)
    if kind is None or options is None:
        return None
    result: dict[str, Any] = {"kind": kind, "apiVersion": "meta.k8s.io/v1"}
    if options.dry_run:
        result["dryRun"] = ["All"]
    if kind == "DeleteOptions":
        if options.grace_period_seconds is not None:
            result["gracePeriodSeconds"] = options.grace_period_seconds
        if options.propagation_policy:
            result["propagationPolicy"] = options.propagation_policy
    else:
        if options.field_manager:
            result["fieldManager"] = options.field_manager
        if options.field_validation:
            result["fieldValidation"] = options.field_validation
    return result


def create_namespace_object(namespace: Object | None) -> dict[str, Any] | None:
    """CreateNamespaceObject: None for cluster-scoped requests."""
    if namespace is None:
        return None
    meta = namespace.get("metadata") or {}
    kept = {key: meta[key] for key in _NAMESPACE_METADATA if key in meta}
    return {"metadata": kept, "spec": namespace.get("spec") or {}, "status": namespace.get("status") or {}}


@dataclass(frozen=True)
class Authorization:
    """What a request's expressions check permissions with: its caching authorizer and its own resource."""

    authorizer: RequestAuthorizer
    request_resource: Any

    @classmethod
    def of(cls, authorizer: Authorizer, attributes: Attributes) -> Authorization:
        """NewAuthorizerVal and NewResourceAuthorizerVal for the request's user and resource."""
        resource = attributes.resource
        check = new_resource_check(
            resource.group, resource.resource, attributes.subresource, attributes.namespace, attributes.name
        )
        return cls(RequestAuthorizer(authorizer, attributes.user), check)
