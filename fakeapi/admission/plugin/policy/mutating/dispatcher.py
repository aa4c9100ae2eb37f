"""Mutating a request with the policies in effect (k8s.io/apiserver/pkg/admission/plugin/policy/mutating/dispatcher.go,
with generic/policy_dispatcher.go's selection of invocations).

Every (policy, binding, param) that matches the request is an invocation; each runs its policy's
mutations in order on the object, which is defaulted again after each one. An invocation that
fails is a policy error, ``policy '<policy>' with binding '<binding>' denied request: <error>``
with reason Invalid (the status stays 403 Forbidden, as upstream only replaces the reason);
configuration errors read ``policy "<policy>" denied request: failed to configure policy: ...``.
Under ``failurePolicy: Ignore`` errors are dropped.

Reinvocation: when an invocation changed the object, the invocations with ``reinvocationPolicy:
IfNeeded`` that ran before it are marked, and the chain runs the mutating plugins once more;
in that pass only the marked invocations run (all of them, if another plugin changed the object
since this one last ran).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fakeapi.admission.interfaces import Attributes
from fakeapi.admission.plugin.cel.activation import Activation
from fakeapi.admission.plugin.cel.condition import Authorization, create_admission_request
from fakeapi.admission.plugin.policy.generic.interfaces import (
    MatchedResource,
    MatchError,
    PolicyMatcher,
)
from fakeapi.admission.plugin.policy.generic.policy_dispatcher import (
    NamespaceGetter,
    ParamError,
    PolicyError,
    collect_params,
    namespace_object,
    policy_errors_to_status,
)
from fakeapi.admission.plugin.policy.generic.policy_source import PolicyHook
from fakeapi.admission.plugin.policy.mutating.compilation import PolicyEvaluator
from fakeapi.admission.plugin.policy.mutating.patch.json_patch import PatchError
from fakeapi.admission.plugin.policy.mutating.reinvocationcontext import InvocationKey, PolicyReinvokeContext
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.apimachinery.managedfields.schema import TypeRef
from fakeapi.apimachinery.schema import GroupVersionKind
from fakeapi.authorization.authorizer import Authorizer
from fakeapi.storage.interfaces import Object

PLUGIN_NAME = "MutatingAdmissionPolicy"
IF_NEEDED = "IfNeeded"
REASON_INVALID = "Invalid"

# The schema of a kind, for ApplyConfiguration merges (upstream's TypeConverterManager).
TypeResolver = Callable[[GroupVersionKind], TypeRef]
# Defaults an object of a kind in place, as decoding would.
Defaulter = Callable[[GroupVersionKind, Object], None]


@dataclass(frozen=True)
class _Invocation:
    hook: PolicyHook[PolicyEvaluator]
    binding: Object
    param: Object | None
    matched: MatchedResource

    def key(self) -> InvocationKey:
        meta = (self.param or {}).get("metadata") or {}
        return (
            self.hook.name,
            self.binding["metadata"]["name"],
            meta.get("namespace") or "",
            meta.get("name") or "",
        )


@dataclass
class Dispatcher:
    matcher: PolicyMatcher
    get_namespace: NamespaceGetter
    type_for: TypeResolver
    default: Defaulter
    authorizer: Authorizer

    def dispatch(
        self, attributes: Attributes, hooks: Sequence[PolicyHook[PolicyEvaluator]], reinvoke: ReinvocationState
    ) -> None:
        errors: list[PolicyError] = []
        invocations: list[_Invocation] = []
        for hook in hooks:
            spec = hook.policy.get("spec") or {}
            try:
                matched = self.matcher.definition_matches(attributes, spec.get("matchConstraints"))
            except MatchError as exc:
                errors.append(PolicyError(hook.policy, None, f"failed to configure policy: {exc}"))
                continue
            if matched is None:
                continue
            if hook.configuration_error:
                errors.append(PolicyError(hook.policy, None, f"failed to configure policy: {hook.configuration_error}"))
                continue
            for binding in hook.bindings:
                binding_spec = binding.get("spec") or {}
                try:
                    if not self.matcher.binding_matches(attributes, binding_spec.get("matchResources")):
                        continue
                    params = collect_params(
                        spec.get("paramKind"), hook.param_store, binding_spec.get("paramRef"), attributes.namespace
                    )
                except (MatchError, ParamError) as exc:
                    errors.append(PolicyError(hook.policy, binding, f"failed to configure binding: {exc}"))
                    continue
                invocations += [_Invocation(hook, binding, param, matched) for param in params]
        if invocations:
            errors += self._dispatch_invocations(attributes, invocations, reinvoke)
        policy_errors_to_status(attributes, errors)

    def _dispatch_invocations(
        self, attributes: Attributes, invocations: list[_Invocation], reinvoke: ReinvocationState
    ) -> list[PolicyError]:
        context = reinvoke.context
        if reinvoke.is_reinvoke and context.is_output_changed_since_last_policy_invocation(attributes.obj):
            # Another plugin changed the object since the policies last ran: every eligible one runs again.
            context.require_reinvoking_previously_invoked_plugins()
        errors: list[PolicyError] = []
        namespace = namespace_object(attributes, self.get_namespace)
        authorization = Authorization.of(self.authorizer, attributes)
        try:
            for invocation in invocations:
                error = self._invoke(attributes, invocation, namespace, authorization, reinvoke)
                if error is not None:
                    errors.append(error)
        finally:
            context.set_last_policy_invocation_output(attributes.obj)
        return errors

    def _invoke(
        self,
        attributes: Attributes,
        invocation: _Invocation,
        namespace: Object | None,
        authorization: Authorization,
        reinvoke: ReinvocationState,
    ) -> PolicyError | None:
        evaluator = invocation.hook.evaluator
        policy, binding = invocation.hook.policy, invocation.binding
        request = create_admission_request(attributes, invocation.matched)

        def activation_of(obj: Object | None) -> Activation:
            return Activation(
                obj,
                attributes.old_obj,
                request,
                namespace,
                invocation.param,
                evaluator.variables,
                authorization.authorizer,
                authorization.request_resource,
            )

        activation = activation_of(attributes.obj)
        if evaluator.matcher is not None:
            match = evaluator.matcher.match(activation)
            if match.error:
                return PolicyError(policy, binding, match.error, REASON_INVALID)
            if not match.matches:
                return None
        key = invocation.key()
        context = reinvoke.context
        if reinvoke.is_reinvoke and not context.should_reinvoke(key):
            return None
        before = deep_copy_json(attributes.obj)
        error = None
        for mutator in evaluator.mutators:
            obj = attributes.obj
            if obj is None:
                continue
            try:
                patched = mutator.patch(obj, activation, self.type_for(attributes.kind))
            except PatchError as exc:
                error = PolicyError(policy, binding, str(exc), REASON_INVALID)
                continue
            if patched is obj:
                continue  # a JSON patch whose test failed
            self.default(attributes.kind, patched)
            # The request's object is changed in place: the handlers hold it.
            obj.clear()
            obj.update(patched)
            # Later mutations of the invocation see what the earlier ones made.
            activation = activation_of(obj)
        if attributes.obj != before:
            context.require_reinvoking_previously_invoked_plugins()
            reinvoke.should_reinvoke = True
        if (policy.get("spec") or {}).get("reinvocationPolicy") == IF_NEEDED:
            context.add_reinvocable_policy_to_previously_invoked(key)
        return error


@dataclass
class ReinvocationState:
    """admission.ReinvocationContext, as the policy plugin sees it for one request."""

    is_reinvoke: bool
    context: PolicyReinvokeContext
    should_reinvoke: bool = False
