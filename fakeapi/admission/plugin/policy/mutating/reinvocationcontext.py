"""Which policies run again when the admission chain reinvokes the mutating plugins
(k8s.io/apiserver/pkg/admission/plugin/policy/mutating/reinvocationcontext.go).

An invocation is a (policy, binding, param) triple. A policy with ``reinvocationPolicy: IfNeeded``
that ran is remembered; when a later mutation changes the object, every remembered one is marked
to run again in the chain's reinvocation pass, and only those run there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.storage.interfaces import Object

# (policy name, binding name, param namespace, param name)
InvocationKey = tuple[str, str, str, str]


@dataclass
class PolicyReinvokeContext:
    last_policy_output: Object | None = None
    previously_invoked_reinvocable_policies: set[InvocationKey] = field(default_factory=set)
    reinvoke_policies: set[InvocationKey] = field(default_factory=set)

    def should_reinvoke(self, key: InvocationKey) -> bool:
        return key in self.reinvoke_policies

    def is_output_changed_since_last_policy_invocation(self, obj: Object | None) -> bool:
        return self.last_policy_output != obj

    def set_last_policy_invocation_output(self, obj: Object | None) -> None:
        self.last_policy_output = None if obj is None else deep_copy_json(obj)

    def add_reinvocable_policy_to_previously_invoked(self, key: InvocationKey) -> None:
        self.previously_invoked_reinvocable_policies.add(key)

    def require_reinvoking_previously_invoked_plugins(self) -> None:
        self.reinvoke_policies |= self.previously_invoked_reinvocable_policies
        self.previously_invoked_reinvocable_policies = set()
