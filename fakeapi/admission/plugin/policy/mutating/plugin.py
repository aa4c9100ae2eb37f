"""The MutatingAdmissionPolicy admission plugin (k8s.io/apiserver/pkg/admission/plugin/policy/mutating/plugin.go).

It mutates creates, updates and connects (a delete has no object to mutate). The state that
decides which policies run again when the chain reinvokes the mutating plugins lives with the
request, under the plugin's name, as upstream keeps it in the request's ReinvocationContext.
"""

from __future__ import annotations

from dataclasses import dataclass

from fakeapi.admission.interfaces import Attributes
from fakeapi.admission.plugin.policy.generic.plugin import Plugin
from fakeapi.admission.plugin.policy.mutating.compilation import PolicyEvaluator
from fakeapi.admission.plugin.policy.mutating.dispatcher import PLUGIN_NAME, Dispatcher, ReinvocationState
from fakeapi.admission.plugin.policy.mutating.reinvocationcontext import PolicyReinvokeContext
from fakeapi.apimachinery.schema import GroupResource


@dataclass
class MutatingAdmissionPolicy:
    policies: Plugin[PolicyEvaluator]
    dispatcher: Dispatcher
    name: str = PLUGIN_NAME
    resources: frozenset[GroupResource] | None = None
    operations: frozenset[str] = frozenset({"CREATE", "UPDATE", "CONNECT"})

    def admit(self, attributes: Attributes) -> None:
        hooks = self.policies.hooks_for(attributes)
        if not hooks:
            return
        reinvocation = attributes.reinvocation_context
        context = reinvocation.value(PLUGIN_NAME)
        if not isinstance(context, PolicyReinvokeContext):
            context = PolicyReinvokeContext()
            reinvocation.set_value(PLUGIN_NAME, context)
        state = ReinvocationState(reinvocation.is_reinvoke, context)
        self.dispatcher.dispatch(attributes, hooks, state)
        if state.should_reinvoke:
            reinvocation.set_should_reinvoke()
