"""What both policy plugins share (k8s.io/apiserver/pkg/admission/plugin/policy/generic/plugin.go).

The policy kinds' own resources are never subject to policies (a policy could otherwise lock
itself in place), and a request is dispatched only when some policy has a binding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from fakeapi.admission.interfaces import Attributes
from fakeapi.admission.plugin.policy.generic.policy_source import PolicyHook, PolicySource
from fakeapi.apimachinery.schema import GroupResource

E = TypeVar("E")

_GROUP = "admissionregistration.k8s.io"
# admissionResources: the resources related to CEL-based admission, which API-based policies skip.
ADMISSION_RESOURCES = frozenset(
    GroupResource(_GROUP, resource)
    for resource in (
        "validatingadmissionpolicies",
        "validatingadmissionpolicybindings",
        "mutatingadmissionpolicies",
        "mutatingadmissionpolicybindings",
    )
)


@dataclass
class Plugin(Generic[E]):
    source: PolicySource[E]

    def hooks_for(self, attributes: Attributes) -> Sequence[PolicyHook[E]]:
        """The hooks to dispatch the request to: none for the policy kinds themselves."""
        if attributes.resource.group_resource in ADMISSION_RESOURCES:
            return ()
        return self.source.hooks()
