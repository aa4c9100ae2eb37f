"""Compiling a MutatingAdmissionPolicy (k8s.io/apiserver/pkg/admission/plugin/policy/mutating/compilation.go).

Compile errors are kept and returned when the mutation runs, as upstream delays them until
invocation: the request then fails (or not, under ``failurePolicy: Ignore``) with the
compiler's text.

Each mutation's evaluation has a budget of ``RuntimeCELCostBudget`` (dispatcher.go gives every
patcher the whole budget): running out of it fails the mutation with activation.go's error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fakeapi.admission.plugin.cel.activation import Activation, CostBudget, OutOfBudget
from fakeapi.admission.plugin.cel.compile import (
    APPLY_CONFIGURATION_OBJECT,
    BOOL,
    JSON_PATCH_LIST,
    CompilationResult,
    Compiler,
    OptionalVariableDeclarations,
)
from fakeapi.admission.plugin.policy.generic.policy_dispatcher import failure_policy
from fakeapi.admission.plugin.policy.mutating.patch.json_patch import PatchError, apply_patch
from fakeapi.admission.plugin.policy.mutating.patch.smd import apply_configuration
from fakeapi.admission.plugin.webhook.matchconditions import Matcher
from fakeapi.apimachinery.managedfields.schema import TypeRef
from fakeapi.cel.environment.base import RUNTIME_CEL_COST_BUDGET
from fakeapi.storage.interfaces import Object

JSON_PATCH = "JSONPatch"
APPLY_CONFIGURATION = "ApplyConfiguration"
# What each patch type's expression must evaluate to.
RETURN_TYPES = {JSON_PATCH: JSON_PATCH_LIST, APPLY_CONFIGURATION: APPLY_CONFIGURATION_OBJECT}


@dataclass(frozen=True)
class Mutator:
    """patch.Patcher: one compiled mutation of a policy."""

    patch_type: str
    expression: CompilationResult

    def patch(self, obj: Object, activation: Activation, tref: TypeRef) -> Object:
        """The object with this mutation applied (a new object), or a PatchError."""
        if self.expression.failed:
            raise PatchError(self.expression.error)
        try:
            result = activation.evaluate(self.expression, CostBudget(RUNTIME_CEL_COST_BUDGET))
        except OutOfBudget as exc:
            raise PatchError(str(exc)) from None
        if result.error:
            raise PatchError(result.error)
        if self.patch_type == JSON_PATCH:
            return apply_patch(obj, result.value)
        return apply_configuration(obj, result.value, tref)


@dataclass(frozen=True)
class PolicyEvaluator:
    """The compiled policy: its matchConditions, its mutations in order, its variables."""

    matcher: Matcher | None
    mutators: Sequence[Mutator]
    variables: Mapping[str, CompilationResult]


def _expression(mutation: Mapping[str, Any]) -> tuple[str, str] | None:
    patch_type = mutation.get("patchType")
    if patch_type == JSON_PATCH and mutation.get("jsonPatch") is not None:
        return patch_type, mutation["jsonPatch"].get("expression") or ""
    if patch_type == APPLY_CONFIGURATION and mutation.get("applyConfiguration") is not None:
        return patch_type, mutation["applyConfiguration"].get("expression") or ""
    return None


def compile_policy(compiler: Compiler, policy: Object) -> PolicyEvaluator:
    """compilePolicy: variables, matchConditions and mutations, in the policy's environment."""
    spec = policy.get("spec") or {}
    options = OptionalVariableDeclarations(has_params=spec.get("paramKind") is not None, has_authorizer=True)
    variables = {v["name"]: compiler.compile(v.get("expression") or "", options) for v in spec.get("variables") or []}
    matcher = None
    if spec.get("matchConditions"):
        conditions = [
            (c.get("name") or "", compiler.compile(c.get("expression") or "", options, (BOOL,)))
            for c in spec["matchConditions"]
        ]
        matcher = Matcher(conditions, failure_policy(policy))
    patch_options = OptionalVariableDeclarations(options.has_params, options.has_authorizer, has_patch_types=True)
    mutators = []
    for mutation in spec.get("mutations") or []:
        found = _expression(mutation)
        if found is not None:
            patch_type, expression = found
            mutators.append(
                Mutator(patch_type, compiler.compile(expression, patch_options, (RETURN_TYPES[patch_type],)))
            )
    return PolicyEvaluator(matcher, mutators, variables)
