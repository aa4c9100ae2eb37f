"""Validating a request against the policies in effect (k8s.io/apiserver/pkg/admission/plugin/policy/validating/dispatcher.go).

For each policy whose matchConstraints match, each of its bindings that matches, and each param
the binding selects, the policy's validations run; a denial goes where the binding's
validationActions send it:

- ``Deny``: the request fails with the first denial, ``<resource> "<name>" is forbidden:
  ValidatingAdmissionPolicy '<policy>' with binding '<binding>' denied request: <message>``,
  reason the validation's (Invalid by default) and its code (422 for Invalid);
- ``Warn``: a warning, ``Validation failed for ValidatingAdmissionPolicy '<policy>' with binding
  '<binding>': <message>``;
- ``Audit``: the audit annotation ``validation.policy.admission.k8s.io/validation_failure``.

A policy's audit annotations are published as ``<policy>/<key>``, the distinct values of its
bindings joined by ``", "``. Configuration errors (an unknown paramKind, a missing param under
``parameterNotFoundAction: Deny``...) deny as ``failed to configure policy: ...`` or
``failed to configure binding: ...`` unless the policy's failurePolicy is Ignore.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from fakeapi.admission.interfaces import Attributes
from fakeapi.admission.plugin.cel.activation import Activation
from fakeapi.admission.plugin.cel.condition import Authorization, create_admission_request
from fakeapi.admission.plugin.policy.generic.interfaces import MatchError, PolicyMatcher
from fakeapi.admission.plugin.policy.generic.policy_dispatcher import (
    IGNORE,
    NamespaceGetter,
    ParamError,
    collect_params,
    failure_policy,
    forbidden,
    namespace_object,
    object_name,
)
from fakeapi.admission.plugin.policy.generic.policy_source import PolicyHook
from fakeapi.admission.plugin.policy.validating.policy_decision import (
    ACTION_DENY,
    AUDIT_ANNOTATION_ERROR,
    AUDIT_ANNOTATION_PUBLISH,
    EVAL_ERROR,
    REASON_INVALID,
    PolicyDecision,
    reason_to_code,
)
from fakeapi.admission.plugin.policy.validating.validator import Validator
from fakeapi.admission.versioned import VersionConverter, versioned
from fakeapi.apimachinery import errors
from fakeapi.authorization.authorizer import Authorizer
from fakeapi.storage.interfaces import Object

VALIDATION_FAILURE_ANNOTATION = "validation.policy.admission.k8s.io/validation_failure"
MAX_AUDIT_ANNOTATION_VALUE_LENGTH = 10 * 1024

DENY = "Deny"
WARN = "Warn"
AUDIT = "Audit"


@dataclass(frozen=True)
class _Denial:
    decision: PolicyDecision
    policy: Object
    binding: Object | None


def _name(obj: Object) -> str:
    return str(obj["metadata"]["name"])


def _validation_failure(binding: Object, index: int, message: str) -> str:
    """The value of the validation_failure annotation: a JSON list of one ValidationFailureValue."""
    spec = binding.get("spec") or {}
    value = {
        "message": message,
        "policy": spec.get("policyName", ""),
        "binding": _name(binding),
        "expressionIndex": index,
        "validationActions": spec.get("validationActions") or [],
    }
    return json.dumps([value], separators=(",", ":"), ensure_ascii=False)


class _AuditAnnotationCollector:
    """A policy's audit annotations over all its bindings: each distinct value once."""

    def __init__(self) -> None:
        self._values: dict[str, list[str]] = {}

    def add(self, key: str, value: str) -> None:
        values = self._values.setdefault(key, [])
        if value not in values:
            values.append(value)

    def publish(self, policy_name: str, attributes: Attributes) -> None:
        for key, values in self._values.items():
            attributes.add_annotation(f"{policy_name}/{key}", ", ".join(values))


@dataclass
class Dispatcher:
    """The validating dispatcher: matches hooks to the request and turns their decisions into actions."""

    matcher: PolicyMatcher
    get_namespace: NamespaceGetter
    authorizer: Authorizer
    # The object in the version the policy's rules matched (matchPolicy Equivalent).
    convert: VersionConverter

    def dispatch(self, attributes: Attributes, hooks: Sequence[PolicyHook[Validator]]) -> None:
        denials: list[_Denial] = []
        authorization = Authorization.of(self.authorizer, attributes)
        # The first value of an annotation key stays (admission attributes refuse to overwrite one).
        annotated: set[str] = set()

        def config_error(message: str, policy: Object, binding: Object | None) -> None:
            if failure_policy(policy) == IGNORE:
                return
            prefix = "failed to configure policy" if binding is None else "failed to configure binding"
            denials.append(_Denial(PolicyDecision(ACTION_DENY, EVAL_ERROR, f"{prefix}: {message}"), policy, binding))

        for hook in hooks:
            policy = hook.policy
            spec = policy.get("spec") or {}
            try:
                matched = self.matcher.definition_matches(attributes, spec.get("matchConstraints"))
            except MatchError as exc:
                config_error(str(exc), policy, None)
                continue
            if matched is None:
                continue
            if hook.configuration_error:
                config_error(hook.configuration_error, policy, None)
                continue
            collector = _AuditAnnotationCollector()
            # The object in the version the policy matched, converted at the first binding that applies.
            versioned_objects: tuple[Object | None, Object | None] | None = None
            for binding in hook.bindings:
                binding_spec = binding.get("spec") or {}
                try:
                    if not self.matcher.binding_matches(attributes, binding_spec.get("matchResources")):
                        continue
                    params = collect_params(
                        spec.get("paramKind"), hook.param_store, binding_spec.get("paramRef"), attributes.namespace
                    )
                except (MatchError, ParamError) as exc:
                    config_error(str(exc), policy, binding)
                    continue
                namespace = namespace_object(attributes, self.get_namespace)
                request = create_admission_request(attributes, matched)
                if versioned_objects is None:
                    versioned_objects = (
                        versioned(self.convert, attributes.obj, attributes.kind, matched.kind),
                        versioned(self.convert, attributes.old_obj, attributes.kind, matched.kind),
                    )
                obj, old_obj = versioned_objects
                for param in params:
                    activation = Activation(
                        obj,
                        old_obj,
                        request,
                        namespace,
                        param,
                        hook.evaluator.variables,
                        authorization.authorizer,
                        authorization.request_resource,
                    )
                    result = hook.evaluator.validate(activation)
                    for index, decision in enumerate(result.decisions):
                        if decision.action == ACTION_DENY:
                            self._act(attributes, policy, binding, index, decision, denials, annotated)
                    for annotation in result.audit_annotations:
                        if annotation.action == AUDIT_ANNOTATION_PUBLISH:
                            collector.add(annotation.key, annotation.value[:MAX_AUDIT_ANNOTATION_VALUE_LENGTH])
                        elif annotation.action == AUDIT_ANNOTATION_ERROR:
                            error = PolicyDecision(ACTION_DENY, EVAL_ERROR, annotation.error)
                            denials.append(_Denial(error, policy, binding))
            collector.publish(_name(policy), attributes)
        if denials:
            raise self._denied(attributes, denials[0])

    @staticmethod
    def _act(
        attributes: Attributes,
        policy: Object,
        binding: Object,
        index: int,
        decision: PolicyDecision,
        denials: list[_Denial],
        annotated: set[str],
    ) -> None:
        for action in (binding.get("spec") or {}).get("validationActions") or []:
            if action == DENY:
                denials.append(_Denial(decision, policy, binding))
            elif action == AUDIT and VALIDATION_FAILURE_ANNOTATION not in annotated:
                annotated.add(VALIDATION_FAILURE_ANNOTATION)
                attributes.add_annotation(
                    VALIDATION_FAILURE_ANNOTATION, _validation_failure(binding, index, decision.message)
                )
            elif action == WARN:
                attributes.add_warning(
                    f"Validation failed for ValidatingAdmissionPolicy '{_name(policy)}' "
                    f"with binding '{_name(binding)}': {decision.message}"
                )

    @staticmethod
    def _denied(attributes: Attributes, denial: _Denial) -> errors.StatusError:
        policy = _name(denial.policy)
        if denial.binding is not None:
            message = f"ValidatingAdmissionPolicy '{policy}' with binding '{_name(denial.binding)}' denied request: "
        else:
            message = f"ValidatingAdmissionPolicy '{policy}' denied request: "
        message += denial.decision.message
        err = forbidden(attributes.resource.group_resource, object_name(attributes), message)
        err.reason = denial.decision.reason or REASON_INVALID
        err.code = reason_to_code(err.reason)
        err.details["causes"] = [{"message": message}]
        return err
