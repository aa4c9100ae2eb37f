"""The ValidatingAdmissionPolicy admission plugin (k8s.io/apiserver/pkg/admission/plugin/policy/validating/plugin.go).

``compile_policy`` compiles a policy's variables, matchConditions, validations (with their
messageExpressions, which may not use ``authorizer``) and audit annotations in the admission
environment; the :class:`~fakeapi.admission.plugin.policy.generic.plugin.Plugin` runs them on
creates, updates and deletes.
"""

from __future__ import annotations

from dataclasses import dataclass

from fakeapi.admission.interfaces import Attributes
from fakeapi.admission.plugin.cel.compile import BOOL, NULL, STRING, Compiler, OptionalVariableDeclarations
from fakeapi.admission.plugin.policy.generic.plugin import Plugin
from fakeapi.admission.plugin.policy.generic.policy_dispatcher import failure_policy
from fakeapi.admission.plugin.policy.validating.dispatcher import Dispatcher
from fakeapi.admission.plugin.policy.validating.validator import (
    AuditAnnotationCondition,
    ValidationCondition,
    Validator,
)
from fakeapi.admission.plugin.webhook.matchconditions import Matcher
from fakeapi.apimachinery.schema import GroupResource
from fakeapi.storage.interfaces import Object

PLUGIN_NAME = "ValidatingAdmissionPolicy"


def compile_policy(compiler: Compiler, policy: Object) -> Validator:
    """compilePolicy: a Validator; compile errors are kept and surface when the policy is evaluated."""
    spec = policy.get("spec") or {}
    has_params = spec.get("paramKind") is not None
    options = OptionalVariableDeclarations(has_params=has_params, has_authorizer=True)
    message_options = OptionalVariableDeclarations(has_params=has_params)
    variables = {v["name"]: compiler.compile(v.get("expression") or "", options) for v in spec.get("variables") or []}
    matcher = None
    if spec.get("matchConditions"):
        conditions = [
            (c.get("name") or "", compiler.compile(c.get("expression") or "", options, (BOOL,)))
            for c in spec["matchConditions"]
        ]
        matcher = Matcher(conditions, failure_policy(policy))
    validations = [
        ValidationCondition(
            compiler.compile(v.get("expression") or "", options, (BOOL,)),
            v.get("message") or "",
            v.get("reason") or "",
            compiler.compile(v["messageExpression"], message_options, (STRING,))
            if v.get("messageExpression")
            else None,
        )
        for v in spec.get("validations") or []
    ]
    audit_annotations = [
        AuditAnnotationCondition(
            a.get("key") or "", compiler.compile(a.get("valueExpression") or "", options, (STRING, NULL))
        )
        for a in spec.get("auditAnnotations") or []
    ]
    return Validator(validations, audit_annotations, matcher, variables, failure_policy(policy))


@dataclass
class ValidatingAdmissionPolicy:
    """The plugin: validates creates, updates, deletes and connects against the policies in effect."""

    policies: Plugin[Validator]
    dispatcher: Dispatcher
    name: str = PLUGIN_NAME
    resources: frozenset[GroupResource] | None = None
    operations: frozenset[str] = frozenset({"CREATE", "UPDATE", "DELETE", "CONNECT"})

    def validate(self, attributes: Attributes) -> None:
        hooks = self.policies.hooks_for(attributes)
        if hooks:
            self.dispatcher.dispatch(attributes, hooks)
