"""Type checking a ValidatingAdmissionPolicy's expressions (k8s.io/apiserver/pkg/admission/plugin/policy/validating/typechecking.go).

The kinds a policy's matchConstraints name explicitly (no wildcards, no subresources; at most
ten, sorted by group, version and kind) are each checked in turn: every validation's
``expression`` and ``messageExpression`` is compiled with the policy's variables, and what does
not compile becomes a warning ``spec.validations[i].expression`` ->
``<group>/<version>, Kind=<kind>: <compiler's issues>``, one line per kind. A policy whose
constraints name no kind that is served gets no warnings.

Upstream compiles with ``object`` typed from the kind's OpenAPI schema, so a misspelt field is
reported too; here ``object`` is ``dyn`` and the warnings are what the compiler finds without
the schema: syntax errors, unknown variables and functions, wrong argument types.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fakeapi.admission.plugin.cel.compile import Compiler, OptionalVariableDeclarations
from fakeapi.apimachinery.schema import GroupVersionKind, GroupVersionResource
from fakeapi.storage.interfaces import Object

MAX_TYPES_TO_CHECK = 10

# KindsFor: the kinds a served resource has (none when it is not served).
KindResolver = Callable[[GroupVersionResource], list[GroupVersionKind]]


def _without_wildcards(values: list[str]) -> list[str]:
    """A rule's groups or versions, sorted; none at all when one is a wildcard."""
    return [] if any("*" in v for v in values) else sorted(values)


def types_to_check(policy: Object, kinds_for: KindResolver) -> list[GroupVersionKind]:
    """typesToCheck: the kinds named by the policy's resourceRules, sorted, at most ten."""
    constraints = (policy.get("spec") or {}).get("matchConstraints") or {}
    found: set[GroupVersionKind] = set()
    count = 0
    for rule in constraints.get("resourceRules") or []:
        groups = _without_wildcards(rule.get("apiGroups") or [])
        versions = _without_wildcards(rule.get("apiVersions") or [])
        # Wildcards and subresources are skipped, the rule's other resources still count.
        resources = sorted(r for r in rule.get("resources") or [] if "*" not in r and "/" not in r)
        for group in groups:
            for version in versions:
                for resource in resources:
                    for gvk in kinds_for(GroupVersionResource(group, version, resource)):
                        found.add(gvk)
                        count += 1
                        if count == MAX_TYPES_TO_CHECK:
                            return _sorted(found)
    return _sorted(found)


def _sorted(gvks: set[GroupVersionKind]) -> list[GroupVersionKind]:
    return sorted(gvks, key=lambda gvk: (gvk.group, gvk.version, gvk.kind))


def _checked_expressions(policy: Object) -> Iterator[tuple[str, str]]:
    for i, validation in enumerate((policy.get("spec") or {}).get("validations") or []):
        yield f"spec.validations[{i}].expression", validation.get("expression") or ""
        if validation.get("messageExpression"):
            yield f"spec.validations[{i}].messageExpression", validation["messageExpression"]


def check(compiler: Compiler, policy: Object, kinds_for: KindResolver) -> list[dict[str, Any]]:
    """TypeChecker.Check: the policy's expressionWarnings (fieldRef and warning), empty when all compile."""
    gvks = types_to_check(policy, kinds_for)
    spec = policy.get("spec") or {}
    options = OptionalVariableDeclarations(has_params=spec.get("paramKind") is not None, has_authorizer=True)
    warnings = []
    for field_ref, expression in _checked_expressions(policy):
        result = compiler.compile(expression, options) if gvks else None
        if result is not None and result.failed:
            # With an untyped object every kind gets the same issues: one line each, as upstream words them.
            issues = result.error.removeprefix("compilation failed: ")
            lines = [f"{gvk.group}/{gvk.version}, Kind={gvk.kind}: {issues}\n" for gvk in gvks]
            warnings.append({"fieldRef": field_ref, "warning": "\n".join(lines)})
    return warnings
