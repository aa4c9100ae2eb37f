"""Strategies of Roles, ClusterRoles and their bindings: defaults and validation.

Follows pkg/apis/rbac/v1/defaults.go (a binding's ``roleRef.apiGroup`` and a User or Group
subject's ``apiGroup`` default to ``rbac.authorization.k8s.io``) and
pkg/apis/rbac/validation/validation.go (``validatePolicyRule``: verbs required, resource rules
need an API group and a resource, resource names only with one resource, non-resource URLs
never beside resources nor in a namespaced Role; ``ValidateRoleBinding`` /
``ValidateClusterRoleBinding``: the role reference's group, kind and name, each subject's
kind, name, group and — in a ClusterRoleBinding — a service account's namespace; and on
update, ``cannot change roleRef``).
"""

from __future__ import annotations

from typing import Any

from fakeapi.apimachinery import field
from fakeapi.apimachinery.field import FieldError
from fakeapi.apimachinery.validation import is_dns1123_subdomain, is_valid_path_segment_name
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.strategy import Strategy
from fakeapi.storage.interfaces import Object

__all__ = ["BindingStrategy", "RoleStrategy"]

GROUP = "rbac.authorization.k8s.io"


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def validate_policy_rule(rule: dict[str, Any], namespaced: bool, path: str) -> list[FieldError]:
    """``validatePolicyRule``."""
    errs = []
    # A missing list is already "Required value" from the schema; an empty one gets upstream's detail.
    if "verbs" in rule and not _strings(rule.get("verbs")):
        errs.append(field.required(f"{path}.verbs", "verbs must contain at least one value"))
    urls = _strings(rule.get("nonResourceURLs"))
    groups, resources, names = (_strings(rule.get(k)) for k in ("apiGroups", "resources", "resourceNames"))
    if urls:
        if namespaced:
            errs.append(
                field.invalid(f"{path}.nonResourceURLs", urls, "namespaced rules cannot apply to non-resource URLs")
            )
        if groups or resources or names:
            errs.append(
                field.invalid(
                    f"{path}.nonResourceURLs",
                    urls,
                    "rules cannot apply to both regular resources and non-resource URLs",
                )
            )
        return errs
    if not groups:
        errs.append(field.required(f"{path}.apiGroups", "resource rules must supply at least one api group"))
    if not resources:
        errs.append(field.required(f"{path}.resources", "resource rules must supply at least one resource"))
    if names and len(resources) > 1:
        errs.append(field.required(f"{path}.resourceNames", "resource names cannot apply to multiple resources"))
    return errs


class RoleStrategy(Strategy):
    """Roles and ClusterRoles: every rule is validated."""

    def validate(self, ctx: RequestContext, obj: Object) -> list[FieldError]:
        rules = obj.get("rules")
        if not isinstance(rules, list):
            return []
        namespaced = self.spec.namespaced
        return [
            error
            for i, rule in enumerate(rules)
            if isinstance(rule, dict)
            for error in validate_policy_rule(rule, namespaced, f"rules[{i}]")
        ]


def _role_ref_text(ref: dict[str, Any]) -> field.Raw:
    """An internal rbac.RoleRef as the update error shows it: JSON with Go's field names."""
    return field.marshalled(
        {"APIGroup": ref.get("apiGroup", ""), "Kind": ref.get("kind", ""), "Name": ref.get("name", "")}
    )


class BindingStrategy(Strategy):
    """RoleBindings and ClusterRoleBindings: defaults, the role reference, the subjects."""

    def prepare_for_create(self, ctx: RequestContext, obj: Object) -> None:
        super().prepare_for_create(ctx, obj)
        _set_defaults(obj)

    def prepare_for_update(self, ctx: RequestContext, obj: Object, old: Object) -> None:
        super().prepare_for_update(ctx, obj, old)
        _set_defaults(obj)

    def validate(self, ctx: RequestContext, obj: Object) -> list[FieldError]:
        namespaced = self.spec.namespaced
        value = obj.get("roleRef")
        ref: dict[str, Any] = value if isinstance(value, dict) else {}
        errs: list[FieldError] = []
        if ref.get("apiGroup", "") != GROUP:
            errs.append(field.not_supported("roleRef.apiGroup", ref.get("apiGroup", ""), [GROUP]))
        kinds = ["Role", "ClusterRole"] if namespaced else ["ClusterRole"]
        if ref.get("kind", "") not in kinds:
            errs.append(field.not_supported("roleRef.kind", ref.get("kind", ""), kinds))
        name = ref.get("name", "")
        if not name:
            errs.append(field.required("roleRef.name"))
        else:
            errs.extend(field.invalid("roleRef.name", name, message) for message in is_valid_path_segment_name(name))
        subjects = obj.get("subjects")
        for i, subject in enumerate(subjects if isinstance(subjects, list) else []):
            if isinstance(subject, dict):
                errs.extend(_validate_subject(subject, namespaced, f"subjects[{i}]"))
        return errs

    def validate_update(self, ctx: RequestContext, obj: Object, old: Object) -> list[FieldError]:
        errs = self.validate(ctx, obj)
        new_ref, old_ref = obj.get("roleRef") or {}, old.get("roleRef") or {}
        if new_ref != old_ref:
            errs.append(field.invalid("roleRef", _role_ref_text(new_ref), "cannot change roleRef"))
        return errs


def _set_defaults(obj: Object) -> None:
    ref = obj.get("roleRef")
    if isinstance(ref, dict) and not ref.get("apiGroup"):
        ref["apiGroup"] = GROUP
    subjects = obj.get("subjects")
    for subject in subjects if isinstance(subjects, list) else []:
        if isinstance(subject, dict) and not subject.get("apiGroup") and subject.get("kind") in ("User", "Group"):
            subject["apiGroup"] = GROUP


def _validate_subject(subject: dict[str, Any], namespaced: bool, path: str) -> list[FieldError]:
    """``validateRoleBindingSubject``."""
    errs: list[FieldError] = []
    name = subject.get("name", "")
    group = subject.get("apiGroup", "")
    if not name:
        errs.append(field.required(f"{path}.name"))
    kind = subject.get("kind", "")
    if kind == "ServiceAccount":
        if name:
            errs.extend(field.invalid(f"{path}.name", name, message) for message in is_dns1123_subdomain(name))
        if group:
            errs.append(field.not_supported(f"{path}.apiGroup", group, [""]))
        if not namespaced and not subject.get("namespace"):
            errs.append(field.required(f"{path}.namespace"))
    elif kind in ("User", "Group"):
        if not name:
            errs.append(field.invalid(f"{path}.name", name, f"{kind.lower()} name cannot be empty"))
        if group != GROUP:
            errs.append(field.not_supported(f"{path}.apiGroup", group, [GROUP]))
    else:
        errs.append(field.not_supported(f"{path}.kind", kind, ["ServiceAccount", "User", "Group"]))
    return errs
