"""The access reviews: may this user do that (pkg/registry/authorization/*/rest.go).

- ``SubjectAccessReview``: for any user, groups, uid and extra given in the spec.
- ``LocalSubjectAccessReview``: the same, in the namespace of the URL, resource attributes only.
- ``SelfSubjectAccessReview``: for the requesting user (``kubectl auth can-i``).
- ``SelfSubjectRulesReview``: every rule the requesting user has in a namespace
  (``kubectl auth can-i --list``), from the authorizer's rule resolvers.

Specs are validated as pkg/apis/authorization/validation does (exactly one of resource and
non-resource attributes, a user or a group, empty metadata); the decision is the server's
authorizer's (``allowed``, ``denied``, ``reason``, ``evaluationError``). Nothing is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fakeapi.apimachinery import errors, field
from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.authorization.authorizer import Attributes, Decision, Rules
from fakeapi.endpoints.request import RequestContext, UserInfo
from fakeapi.registry.authentication.services import ReviewREST, SecurityServices, mapping, with_status
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.registry.rest import WriteOptions
from fakeapi.storage.interfaces import Object

__all__ = [
    "REST_BY_RESOURCE",
    "LocalSubjectAccessReviewREST",
    "SelfSubjectAccessReviewREST",
    "SelfSubjectRulesReviewREST",
    "SubjectAccessReviewREST",
]

ONE_OF_MSG = "exactly one of nonResourceAttributes or resourceAttributes must be specified"


def _internal_struct(value: dict[str, Any], fields: tuple[tuple[str, str], ...]) -> field.Raw:
    """An internal authorization struct as a bad value: JSON with Go's field names, e.g. {"Path":"/api","Verb":"get"}."""
    return field.marshalled({go_name: value.get(json_name, "") for go_name, json_name in fields})


_NON_RESOURCE_FIELDS = (("Path", "path"), ("Verb", "verb"))


def _pointer(value: Any) -> Any:
    if value is None:
        return None
    return _internal_struct(value, _NON_RESOURCE_FIELDS)


def _spec_errors(spec: dict[str, Any], *, with_subject: bool, local: bool) -> list[field.FieldError]:
    resource = spec.get("resourceAttributes")
    non_resource = spec.get("nonResourceAttributes")
    errs: list[field.FieldError] = []
    if resource is not None and non_resource is not None and not local:
        errs.append(
            field.invalid(
                "spec.nonResourceAttributes",
                _pointer(non_resource),
                "cannot be specified in combination with resourceAttributes",
            )
        )
    if resource is None and non_resource is None:
        errs.append(field.invalid("spec.resourceAttributes", _pointer(non_resource), ONE_OF_MSG))
    if with_subject and not spec.get("user") and not spec.get("groups"):
        errs.append(
            field.invalid("spec.user", spec.get("user") or "", "at least one of user or group must be specified")
        )
    if local and non_resource is not None:
        errs.append(
            field.invalid("spec.nonResourceAttributes", _pointer(non_resource), "disallowed on this kind of request")
        )
    return errs


def _metadata_errors(obj: Object, *, allow_namespace: bool) -> list[field.FieldError]:
    meta = {k: v for k, v in mapping(obj, "metadata").items() if k != "managedFields" and v not in (None, "", {}, [])}
    if allow_namespace:
        meta.pop("namespace", None)
    if not meta:
        return []
    detail = "must be empty except for namespace" if allow_namespace else "must be empty"
    return [field.invalid("metadata", meta, detail)]


def _attributes(user: UserInfo, spec: dict[str, Any]) -> Attributes:
    """``ResourceAttributesFrom`` / ``NonResourceAttributesFrom``."""
    resource = spec.get("resourceAttributes")
    if isinstance(resource, dict):
        return Attributes(
            user=user,
            verb=resource.get("verb") or "",
            resource_request=True,
            namespace=resource.get("namespace") or "",
            api_group=resource.get("group") or "",
            api_version=resource.get("version") or "*",
            resource=resource.get("resource") or "",
            subresource=resource.get("subresource") or "",
            name=resource.get("name") or "",
        )
    non_resource = mapping(spec, "nonResourceAttributes")
    return Attributes(user=user, verb=non_resource.get("verb") or "", path=non_resource.get("path") or "")


def _subject(spec: dict[str, Any]) -> UserInfo:
    extra = spec.get("extra") or {}
    return UserInfo(
        name=spec.get("user") or "",
        groups=tuple(spec.get("groups") or ()),
        uid=spec.get("uid") or "",
        extra=tuple((k, tuple(v or ())) for k, v in extra.items()),
    )


class _ReviewREST(ReviewREST):
    """What the four access reviews share: how spec errors are refused and a decision becomes a status."""

    def _check(self, obj: Object, errs: list[field.FieldError]) -> None:
        if errs:
            raise errors.new_invalid(self.spec.gvk.group_kind, "", errs)

    def _decide(self, obj: Object, attributes: Attributes) -> Object:
        result = self.services.require_authorizer().authorize(attributes)
        status: dict[str, Any] = {"allowed": result.decision is Decision.ALLOW}
        if result.decision is Decision.DENY:
            status["denied"] = True
        if result.reason:
            status["reason"] = result.reason
        if result.error:
            status["evaluationError"] = result.error
        return with_status(obj, status)


class SubjectAccessReviewREST(_ReviewREST):
    """POST /apis/authorization.k8s.io/v1/subjectaccessreviews."""

    def create(self, ctx: RequestContext, obj: Object, options: WriteOptions) -> Object:
        spec = mapping(obj, "spec")
        self._check(
            obj, _spec_errors(spec, with_subject=True, local=False) + _metadata_errors(obj, allow_namespace=False)
        )
        return self._decide(obj, _attributes(_subject(spec), spec))


class LocalSubjectAccessReviewREST(_ReviewREST):
    """POST /apis/authorization.k8s.io/v1/namespaces/<ns>/localsubjectaccessreviews."""

    def create(self, ctx: RequestContext, obj: Object, options: WriteOptions) -> Object:
        namespace = ctx.namespace
        meta = obj.setdefault("metadata", {})
        if not isinstance(meta, dict):
            meta = obj["metadata"] = {}
        if meta.get("namespace") and meta["namespace"] != namespace:
            raise errors.new_bad_request(errors.NAMESPACE_MISMATCH_MSG)
        meta["namespace"] = namespace
        spec = mapping(obj, "spec")
        self._check(
            obj, _spec_errors(spec, with_subject=True, local=True) + _metadata_errors(obj, allow_namespace=True)
        )
        if not namespace:
            raise errors.new_bad_request(f"namespace is required on this type: {namespace}")
        resource = mapping(spec, "resourceAttributes")
        if resource.get("namespace") and resource["namespace"] != namespace:
            raise errors.new_bad_request(f"spec.resourceAttributes.namespace must match namespace: {namespace}")
        return self._decide(obj, _attributes(_subject(spec), spec))


class SelfSubjectAccessReviewREST(_ReviewREST):
    """POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews."""

    def create(self, ctx: RequestContext, obj: Object, options: WriteOptions) -> Object:
        spec = mapping(obj, "spec")
        self._check(
            obj, _spec_errors(spec, with_subject=False, local=False) + _metadata_errors(obj, allow_namespace=False)
        )
        return self._decide(obj, _attributes(ctx.user, spec))


class SelfSubjectRulesReviewREST(_ReviewREST):
    """POST /apis/authorization.k8s.io/v1/selfsubjectrulesreviews."""

    def create(self, ctx: RequestContext, obj: Object, options: WriteOptions) -> Object:
        namespace = mapping(obj, "spec").get("namespace") or ""
        if not namespace:
            raise errors.new_bad_request("no namespace on request")
        rules: Rules = self.services.require_authorizer().rules_for(ctx.user, namespace)
        status: dict[str, Any] = {
            "resourceRules": [
                _resource_rule(r.verbs, r.api_groups, r.resources, r.resource_names) for r in rules.resource_rules
            ],
            "nonResourceRules": [
                {
                    "verbs": list(r.verbs),
                    **({"nonResourceURLs": list(r.non_resource_urls)} if r.non_resource_urls else {}),
                }
                for r in rules.non_resource_rules
            ],
            "incomplete": rules.incomplete,
        }
        if rules.error:
            status["evaluationError"] = rules.error
        return {
            "kind": self.spec.kind,
            "apiVersion": self.spec.gvk.api_version,
            "metadata": {},
            "spec": {},
            "status": status,
        }


def _resource_rule(
    verbs: tuple[str, ...], groups: tuple[str, ...], resources: tuple[str, ...], names: tuple[str, ...]
) -> dict[str, Any]:
    rule: dict[str, Any] = {"verbs": list(verbs)}
    if groups:
        rule["apiGroups"] = list(groups)
    if resources:
        rule["resources"] = list(resources)
    if names:
        rule["resourceNames"] = list(names)
    return rule


REST_BY_RESOURCE: dict[str, Callable[[ResourceSpec, SecurityServices, SchemaRegistry], _ReviewREST]] = {
    "subjectaccessreviews": SubjectAccessReviewREST,
    "localsubjectaccessreviews": LocalSubjectAccessReviewREST,
    "selfsubjectaccessreviews": SelfSubjectAccessReviewREST,
    "selfsubjectrulesreviews": SelfSubjectRulesReviewREST,
}
