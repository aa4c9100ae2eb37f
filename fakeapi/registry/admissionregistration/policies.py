"""Validation of the admission policies and their bindings (pkg/apis/admissionregistration/validation/validation.go).

ValidatingAdmissionPolicy, MutatingAdmissionPolicy and their bindings are checked on create and
update as kube-apiserver checks them, with its field paths and messages:

- a policy needs a ``failurePolicy`` (Fail or Ignore) and ``matchConstraints`` with at least one
  resource rule; match resources need a ``matchPolicy`` and both selectors (label selectors
  checked strictly), their rules are the webhooks' rules plus unique ``resourceNames``; a
  ``paramKind`` names an apiVersion (group a DNS subdomain, version a DNS-1035 label) and a kind;
- ``matchConditions`` as the webhooks' (they may read ``params`` where the policy has a
  paramKind); on update they are not compiled again when neither they nor the paramKind changed;
- ``variables`` have a CEL identifier as name and an expression that compiles;
- a ValidatingAdmissionPolicy has validations or audit annotations: each validation's expression
  compiles to a bool, its messageExpression (no ``authorizer``) to a string, its message has no
  line break, its reason is Forbidden, Invalid or RequestEntityTooLarge; at most 20 audit
  annotations with unique keys that make ``<policy name>/<key>`` a qualified name and a value
  expression (5 KiB at most) that compiles to a string or null;
- a MutatingAdmissionPolicy has mutations (ApplyConfiguration or JSONPatch, with the expression
  of that type only) and a ``reinvocationPolicy``; its rules and its bindings' may only name the
  operations a mutation applies to (not DELETE);
- a binding names its policy (a DNS subdomain); a ``paramRef`` has a name (a path segment) or a
  selector, not both, and a ``parameterNotFoundAction`` (Deny or Allow); a ValidatingAdmissionPolicy
  binding has unique ``validationActions`` (Deny, Warn, Audit), not Deny and Warn together.

Expressions are compiled by the admission plugins' compiler, so their errors read as they do when
a policy is evaluated (the compiler, and CEL, are loaded by the first policy written). Upstream's binding validation reports its match resources under
``spec.matchResouces`` (sic); so does this one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fakeapi.apimachinery import field
from fakeapi.apimachinery.field import FieldError
from fakeapi.apimachinery.labels import qualified_name_errors
from fakeapi.apimachinery.validation import (
    is_dns1035_label,
    is_dns1123_subdomain,
    is_valid_path_segment_name,
    validate_label_selector,
)
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.admissionregistration.validation import (
    SUPPORTED_FAILURE_POLICIES,
    SUPPORTED_MATCH_POLICIES,
    SUPPORTED_REINVOCATION_POLICIES,
    expression_compiler,
    strings_of,
    validate_match_conditions,
    validate_rule_with_operations,
)
from fakeapi.registry.strategy import Strategy
from fakeapi.storage.interfaces import Object

if TYPE_CHECKING:
    from fakeapi.admission.plugin.cel.compile import OptionalVariableDeclarations

VALIDATING_ADMISSION_POLICY = "ValidatingAdmissionPolicy"
VALIDATING_ADMISSION_POLICY_BINDING = "ValidatingAdmissionPolicyBinding"
MUTATING_ADMISSION_POLICY = "MutatingAdmissionPolicy"
MUTATING_ADMISSION_POLICY_BINDING = "MutatingAdmissionPolicyBinding"

SUPPORTED_VALIDATION_ACTIONS = ["Audit", "Deny", "Warn"]
SUPPORTED_VALIDATION_POLICY_REASONS = ["Forbidden", "Invalid", "RequestEntityTooLarge"]
# A mutation applies to creates and updates (and connects): a rule may not name DELETE.
SUPPORTED_MUTATING_OPERATIONS = ["*", "CONNECT", "CREATE", "UPDATE"]
JSON_PATCH = "JSONPatch"
APPLY_CONFIGURATION = "ApplyConfiguration"
SUPPORTED_PATCH_TYPES = [APPLY_CONFIGURATION, JSON_PATCH]
PARAMETER_NOT_FOUND_ACTIONS = ["Deny", "Allow"]
MAX_AUDIT_ANNOTATIONS = 20
MAX_AUDIT_ANNOTATION_VALUE_EXPRESSION_LENGTH = 5 * 1024

_NEWLINES = re.compile(r"[\n\r]+")


def _dict(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _compile_error(
    path: str, expression: str, value: str, options: OptionalVariableDeclarations, return_types: tuple[str, ...]
) -> list[FieldError]:
    """validateCELCondition: what does not compile (or not to ``return_types``) is Invalid with the compiler's text."""
    compiled = expression_compiler().compile(expression, options, return_types)
    return [field.invalid(path, value, compiled.error)] if compiled.failed else []


# -- the parts policies and bindings share ----------------------------------------------------


def _one_of(
    obj: dict[str, Any], key: str, path: str, supported: Any, *, empty_is_unset: bool = False
) -> list[FieldError]:
    """A field that must hold one of ``supported``: Required when unset, else NotSupported.

    A Go pointer is unset when nil only; ``empty_is_unset`` for fields upstream checks by length.
    """
    value = obj.get(key)
    if value is None or (empty_is_unset and not value):
        return [field.required(f"{path}.{key}")]
    if value not in supported:
        return [field.not_supported(f"{path}.{key}", value, supported)]
    return []


def _failure_policy(spec: dict[str, Any], path: str) -> list[FieldError]:
    return _one_of(spec, "failurePolicy", path, SUPPORTED_FAILURE_POLICIES)


def _parse_group_version(text: str) -> tuple[str, str] | None:
    """parseGroupVersion: (group, version), or None when there is more than one slash."""
    if text in ("", "/"):
        return "", ""
    if text.count("/") > 1:
        return None
    group, _, version = text.rpartition("/")
    return group, version


def validate_param_kind(param_kind: dict[str, Any], path: str) -> list[FieldError]:
    """validateParamKind."""
    errs: list[FieldError] = []
    api_version = _text(param_kind.get("apiVersion"))
    if not api_version:
        errs.append(field.required(f"{path}.apiVersion"))
    elif (parsed := _parse_group_version(api_version)) is None:
        errs.append(field.invalid(f"{path}.apiVersion", api_version, f"unexpected GroupVersion string: {api_version}"))
    else:
        group, version = parsed
        if group and (messages := is_dns1123_subdomain(group)):
            errs.append(field.invalid(f"{path}.apiVersion", group, ",".join(messages)))
        if not version:
            errs.append(field.invalid(f"{path}.apiVersion", api_version, "version must be specified"))
        elif messages := is_dns1035_label(version):
            errs.append(field.invalid(f"{path}.apiVersion", version, ",".join(messages)))
    kind = _text(param_kind.get("kind"))
    if not kind:
        errs.append(field.required(f"{path}.kind"))
    elif messages := is_dns1035_label(kind.lower()):
        detail = "may have mixed case, but should otherwise match: " + ",".join(messages)
        errs.append(field.invalid(f"{path}.kind", kind, detail))
    return errs


def _validate_named_rule_with_operations(rule: dict[str, Any], path: str) -> list[FieldError]:
    """validateNamedRuleWithOperations: unique resource names that are path segments, then the rule."""
    errs: list[FieldError] = []
    seen: set[str] = set()
    for i, name in enumerate(strings_of(rule.get("resourceNames"))):
        errs += [field.invalid(f"{path}.resourceNames[{i}]", name, m) for m in is_valid_path_segment_name(name)]
        if name in seen:
            errs.append(field.duplicate(f"{path}.resourceNames[{i}]", name))
        seen.add(name)
    return errs + validate_rule_with_operations(rule, path)


def validate_match_resources(match: dict[str, Any] | None, path: str) -> list[FieldError]:
    """validateMatchResources: matchPolicy and both selectors required, then every rule."""
    if match is None:
        return []
    errs: list[FieldError] = []
    errs += _one_of(match, "matchPolicy", path, SUPPORTED_MATCH_POLICIES)
    for selector in ("namespaceSelector", "objectSelector"):
        if match.get(selector) is None:
            errs.append(field.required(f"{path}.{selector}"))
        else:
            errs += validate_label_selector(match[selector], f"{path}.{selector}")
    for rules in ("resourceRules", "excludeResourceRules"):
        for i, rule in enumerate(_dicts(match.get(rules))):
            errs += _validate_named_rule_with_operations(rule, f"{path}.{rules}[{i}]")
    return errs


def _mutable_operations(match: dict[str, Any] | None, path: str) -> list[FieldError]:
    """Only creates and updates can be mutated: any other operation of a resource rule is not supported."""
    return [
        field.not_supported(path, operation, SUPPORTED_MUTATING_OPERATIONS)
        for rule in _dicts((match or {}).get("resourceRules"))
        for operation in strings_of(rule.get("operations"))
        if operation not in SUPPORTED_MUTATING_OPERATIONS
    ]


def _validate_variable(variable: dict[str, Any], path: str, has_params: bool) -> list[FieldError]:
    """validateVariable."""
    # Imported with the first policy: a bare server loads nothing of CEL.
    from fakeapi.admission.plugin.cel.compile import ANY
    from fakeapi.cel.escaping import is_identifier

    errs: list[FieldError] = []
    name = _text(variable.get("name"))
    if not name.strip():
        errs.append(field.required(f"{path}.name", "name is not specified"))
    elif not is_identifier(name):
        errs.append(field.invalid(f"{path}.name", name, "name is not a valid CEL identifier"))

    return errs + _required_expression(variable, path, has_params, (ANY,))


def _required_expression(
    part: dict[str, Any], path: str, has_params: bool, return_types: tuple[str, ...]
) -> list[FieldError]:
    """A variable's or a validation's ``expression``: given, and compiling to one of ``return_types``."""
    from fakeapi.admission.plugin.cel.compile import OptionalVariableDeclarations

    expression = _text(part.get("expression"))
    if not expression.strip():
        return [field.required(f"{path}.expression", "expression is not specified")]
    options = OptionalVariableDeclarations(has_params=has_params, has_authorizer=True)
    return _compile_error(f"{path}.expression", expression, expression, options, return_types)


def _policy_spec_common(
    spec: dict[str, Any], path: str, *, ignore_match_conditions: bool, mutating: bool
) -> list[FieldError]:
    """What validate{Validating,Mutating}AdmissionPolicySpec check alike: up to the variables."""
    errs = _failure_policy(spec, path)
    param_kind = _dict(spec.get("paramKind"))
    if param_kind is not None:
        errs += validate_param_kind(param_kind, f"{path}.paramKind")
    constraints = _dict(spec.get("matchConstraints"))
    if constraints is None:
        errs.append(field.required(f"{path}.matchConstraints"))
    else:
        errs += validate_match_resources(constraints, f"{path}.matchConstraints")
        # At least one resource rule, to give the expressions a type.
        if not _dicts(constraints.get("resourceRules")):
            errs.append(field.required(f"{path}.matchConstraints.resourceRules"))
        if mutating:
            errs += _mutable_operations(constraints, f"{path}.matchConstraints.resourceRules.operations")
    has_params = param_kind is not None
    if not ignore_match_conditions:
        conditions = _dicts(spec.get("matchConditions"))
        errs += validate_match_conditions(conditions, f"{path}.matchConditions", has_params=has_params)
    for i, variable in enumerate(_dicts(spec.get("variables"))):
        errs += _validate_variable(variable, f"{path}.variables[{i}]", has_params)
    return errs


def _match_conditions_unchanged(obj: Object, old: Object | None) -> bool:
    """ignore*AdmissionPolicyMatchConditions: neither the paramKind nor the matchConditions changed."""
    if old is None:
        return False
    spec, old_spec = obj.get("spec") or {}, old.get("spec") or {}
    return all(spec.get(key) == old_spec.get(key) for key in ("paramKind", "matchConditions"))


def _validate_param_ref(param_ref: dict[str, Any] | None, path: str) -> list[FieldError]:
    """validateParamRef: a name or a selector, not both, and what to do when nothing is found."""
    if param_ref is None:
        return []
    errs: list[FieldError] = []
    name = _text(param_ref.get("name"))
    selector = param_ref.get("selector")
    exclusive = "name and selector are mutually exclusive"
    if name:
        errs += [field.invalid(f"{path}.name", name, m) for m in is_valid_path_segment_name(name)]
        if selector is not None:
            errs.append(field.forbidden(f"{path}.name", exclusive))
    if selector is not None:
        errs += validate_label_selector(selector, f"{path}.selector")
        if name:
            errs.append(field.forbidden(f"{path}.selector", exclusive))
    if not name and selector is None:
        errs.append(field.required(path, "one of name or selector must be specified"))
    return errs + _one_of(param_ref, "parameterNotFoundAction", path, PARAMETER_NOT_FOUND_ACTIONS, empty_is_unset=True)


def _policy_name(spec: dict[str, Any], path: str) -> list[FieldError]:
    name = _text(spec.get("policyName"))
    if not name:
        return [field.required(f"{path}.policyName")]
    return [field.invalid(f"{path}.policyName", name, m) for m in is_dns1123_subdomain(name)]


# -- ValidatingAdmissionPolicy ----------------------------------------------------------------


def _validate_validation(validation: dict[str, Any], path: str, has_params: bool) -> list[FieldError]:
    """validateValidation."""
    from fakeapi.admission.plugin.cel.compile import BOOL, STRING, OptionalVariableDeclarations

    errs = _required_expression(validation, path, has_params, (BOOL,))
    message_expression = _text(validation.get("messageExpression"))
    if message_expression and not message_expression.strip():
        errs.append(field.invalid(f"{path}.messageExpression", message_expression, "must be non-empty if specified"))
    elif message_expression.strip():
        # The untrimmed expression, so that the compiler's columns are the user's.
        options = OptionalVariableDeclarations(has_params=has_params)
        errs += _compile_error(f"{path}.messageExpression", message_expression, message_expression, options, (STRING,))
    message = _text(validation.get("message"))
    if message and not message.strip():
        errs.append(field.invalid(f"{path}.message", message, "message must be non-empty if specified"))
    elif _NEWLINES.search(message.strip()):
        errs.append(field.invalid(f"{path}.message", message, "message must not contain line breaks"))
    reason = validation.get("reason")
    if reason is not None and reason not in SUPPORTED_VALIDATION_POLICY_REASONS:
        errs.append(field.not_supported(f"{path}.reason", reason, SUPPORTED_VALIDATION_POLICY_REASONS))
    return errs


def _validate_audit_annotation(
    annotation: dict[str, Any], path: str, policy_name: str, has_params: bool
) -> list[FieldError]:
    """validateAuditAnnotation: the key makes ``<policy>/<key>``, the audit annotation's name."""
    errs: list[FieldError] = []
    key = _text(annotation.get("key"))
    if policy_name:
        qualified = f"{policy_name}/{key}"
        errs += [field.invalid(f"{path}.key", qualified, m) for m in qualified_name_errors(qualified)]
    else:
        errs.append(field.invalid(f"{path}.key", key, "requires metadata.name be non-empty"))
    value_expression = _text(annotation.get("valueExpression"))
    trimmed = value_expression.strip()
    if not trimmed:
        errs.append(field.required(f"{path}.valueExpression", "valueExpression is not specified"))
    elif len(trimmed.encode()) > MAX_AUDIT_ANNOTATION_VALUE_EXPRESSION_LENGTH:
        detail = f"must not exceed {MAX_AUDIT_ANNOTATION_VALUE_EXPRESSION_LENGTH} bytes in length"
        errs.append(field.required(f"{path}.valueExpression", detail))
    else:
        from fakeapi.admission.plugin.cel.compile import NULL, STRING, OptionalVariableDeclarations

        options = OptionalVariableDeclarations(has_params=has_params, has_authorizer=True)
        errs += _compile_error(f"{path}.valueExpression", trimmed, value_expression, options, (STRING, NULL))
    return errs


def _internal_audit_annotations(annotations: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The annotations as upstream prints its internal type (JSON with Go's field names)."""
    return [{"Key": _text(a.get("key")), "ValueExpression": _text(a.get("valueExpression"))} for a in annotations]


def validate_validating_admission_policy(obj: Object, old: Object | None = None) -> list[FieldError]:
    """ValidateValidatingAdmissionPolicy, and ValidateValidatingAdmissionPolicyUpdate when ``old`` is given."""
    spec = _dict(obj.get("spec")) or {}
    path = "spec"
    errs = _policy_spec_common(
        spec, path, ignore_match_conditions=_match_conditions_unchanged(obj, old), mutating=False
    )
    has_params = _dict(spec.get("paramKind")) is not None
    validations = _dicts(spec.get("validations"))
    annotations = _dicts(spec.get("auditAnnotations"))
    if not validations and not annotations:
        detail = "validations or auditAnnotations must contain at least one item"
        return [
            *errs,
            field.required(f"{path}.validations", detail),
            field.required(f"{path}.auditAnnotations", detail),
        ]
    for i, validation in enumerate(validations):
        errs += _validate_validation(validation, f"{path}.validations[{i}]", has_params)
    if len(annotations) > MAX_AUDIT_ANNOTATIONS:
        errs.append(
            field.invalid(
                f"{path}.auditAnnotations",
                _internal_audit_annotations(annotations),
                f"must not have more than {MAX_AUDIT_ANNOTATIONS} auditAnnotations",
            )
        )
    policy_name = _text((obj.get("metadata") or {}).get("name"))
    keys: set[str] = set()
    for i, annotation in enumerate(annotations):
        errs += _validate_audit_annotation(annotation, f"{path}.auditAnnotations[{i}]", policy_name, has_params)
        key = _text(annotation.get("key"))
        if key in keys:
            errs.append(field.duplicate(f"{path}.auditAnnotations[{i}].key", key))
        keys.add(key)
    return errs


def _validate_validation_actions(actions: list[str], path: str) -> list[FieldError]:
    """validateValidationActions."""
    errs: list[FieldError] = []
    seen: set[str] = set()
    for i, action in enumerate(actions):
        if action not in SUPPORTED_VALIDATION_ACTIONS:
            errs.append(field.not_supported(f"{path}[{i}]", action, SUPPORTED_VALIDATION_ACTIONS))
        if action in seen:
            errs.append(field.duplicate(f"{path}[{i}]", action))
        seen.add(action)
    if {"Deny", "Warn"} <= seen:
        detail = (
            "must not contain both Deny and Warn (repeating the same validation failure information in the "
            "API response and headers serves no purpose)"
        )
        errs.append(field.invalid(path, actions, detail))
    if not seen:
        errs.append(field.required(path, "at least one validation action is required"))
    return errs


def validate_validating_admission_policy_binding(obj: Object) -> list[FieldError]:
    """ValidateValidatingAdmissionPolicyBinding (its update is held to the same rules)."""
    spec = _dict(obj.get("spec")) or {}
    errs = _policy_name(spec, "spec")
    errs += _validate_param_ref(_dict(spec.get("paramRef")), "spec.paramRef")
    errs += validate_match_resources(_dict(spec.get("matchResources")), "spec.matchResouces")
    errs += _validate_validation_actions(strings_of(spec.get("validationActions")), "spec.validationActions")
    return errs


# -- MutatingAdmissionPolicy ------------------------------------------------------------------


def _validate_patch_expression(
    patch: dict[str, Any], path: str, return_type: str, has_params: bool
) -> list[FieldError]:
    """validateApplyConfiguration and validateJSONPatch: the trimmed expression, compiled with the patch types."""
    from fakeapi.admission.plugin.cel.compile import OptionalVariableDeclarations

    expression = _text(patch.get("expression")).strip()
    if not expression:
        return [field.required(f"{path}.expression")]
    options = OptionalVariableDeclarations(has_params=has_params, has_authorizer=True, has_patch_types=True)
    return _compile_error(f"{path}.expression", expression, expression, options, (return_type,))


def _validate_mutation(mutation: dict[str, Any], path: str, has_params: bool) -> list[FieldError]:
    """validateMutation: the patch of the mutation's patchType, and not the other one."""
    patch_type = mutation.get("patchType")
    type_errors = _one_of(mutation, "patchType", path, SUPPORTED_PATCH_TYPES, empty_is_unset=True)
    if type_errors:
        return type_errors
    from fakeapi.admission.plugin.cel.compile import APPLY_CONFIGURATION_OBJECT, JSON_PATCH_LIST

    own, other = (
        ("jsonPatch", "applyConfiguration") if patch_type == JSON_PATCH else ("applyConfiguration", "jsonPatch")
    )
    return_type = JSON_PATCH_LIST if patch_type == JSON_PATCH else APPLY_CONFIGURATION_OBJECT
    errs: list[FieldError] = []
    patch = _dict(mutation.get(own))
    if patch is None:
        errs.append(field.required(f"{path}.{own}", f"must be specified when patchType is {patch_type}"))
    else:
        errs += _validate_patch_expression(patch, f"{path}.{own}", return_type, has_params)
    if mutation.get(other) is not None:
        errs.append(
            field.invalid(f"{path}.{other}", f"{{{other}}}", f"must not be specified when patchType is {patch_type}")
        )
    return errs


def validate_mutating_admission_policy(obj: Object, old: Object | None = None) -> list[FieldError]:
    """ValidateMutatingAdmissionPolicy, and ValidateMutatingAdmissionPolicyUpdate when ``old`` is given."""
    spec = _dict(obj.get("spec")) or {}
    path = "spec"
    errs = _policy_spec_common(spec, path, ignore_match_conditions=_match_conditions_unchanged(obj, old), mutating=True)
    has_params = _dict(spec.get("paramKind")) is not None
    mutations = _dicts(spec.get("mutations"))
    if not mutations:
        errs.append(field.required(f"{path}.mutations", "mutations must contain at least one item"))
    for i, mutation in enumerate(mutations):
        errs += _validate_mutation(mutation, f"{path}.mutations[{i}]", has_params)
    return errs + _one_of(spec, "reinvocationPolicy", path, SUPPORTED_REINVOCATION_POLICIES, empty_is_unset=True)


def validate_mutating_admission_policy_binding(obj: Object) -> list[FieldError]:
    """ValidateMutatingAdmissionPolicyBinding (its update is held to the same rules)."""
    spec = _dict(obj.get("spec")) or {}
    errs = _policy_name(spec, "spec")
    errs += _validate_param_ref(_dict(spec.get("paramRef")), "spec.paramRef")
    match = _dict(spec.get("matchResources"))
    errs += validate_match_resources(match, "spec.matchResources")
    errs += _mutable_operations(match, "spec.matchResources.resourceRules.operations")
    return errs


_POLICY_VALIDATIONS: dict[str, Callable[[Object, Object | None], list[FieldError]]] = {
    VALIDATING_ADMISSION_POLICY: validate_validating_admission_policy,
    MUTATING_ADMISSION_POLICY: validate_mutating_admission_policy,
    # A binding's update is held to the rules of its create.
    VALIDATING_ADMISSION_POLICY_BINDING: lambda obj, old: validate_validating_admission_policy_binding(obj),
    MUTATING_ADMISSION_POLICY_BINDING: lambda obj, old: validate_mutating_admission_policy_binding(obj),
}


class AdmissionPolicyStrategy(Strategy):
    """The strategy of the admission policies and bindings (pkg/registry/admissionregistration/*policy*/strategy.go)."""

    reports_required_fields = True

    def validate(self, ctx: RequestContext, obj: Object) -> list[FieldError]:
        return _POLICY_VALIDATIONS[self.spec.kind](obj, None)

    def validate_update(self, ctx: RequestContext, obj: Object, old: Object) -> list[FieldError]:
        return _POLICY_VALIDATIONS[self.spec.kind](obj, old)
