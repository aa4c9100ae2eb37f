"""What both policy plugins share (k8s.io/apiserver/pkg/admission/plugin/policy/generic/plugin.go).

The policy kinds' own resources are never subject to policies (a policy could otherwise lock
itself in place), nor are the reviews that are never stored (kube-apiserver's excluded admission
resources, pkg/kubeapiserver/admission/exclusion/resources.go); a request is dispatched only when
some policy has a binding.
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

# Excluded: the resources that are never persisted (token and access reviews).
EXCLUDED_RESOURCES = frozenset(
    [
        GroupResource("authentication.k8s.io", "selfsubjectreviews"),
        GroupResource("authentication.k8s.io", "tokenreviews"),
        GroupResource("authorization.k8s.io", "localsubjectaccessreviews"),
        GroupResource("authorization.k8s.io", "selfsubjectaccessreviews"),
        GroupResource("authorization.k8s.io", "selfsubjectrulesreviews"),
        GroupResource("authorization.k8s.io", "subjectaccessreviews"),
    ]
)


@dataclass
class Plugin(Generic[E]):
    source: PolicySource[E]

    def hooks_for(self, attributes: Attributes) -> Sequence[PolicyHook[E]]:
        """The hooks to dispatch the request to: none for the policy kinds themselves and for reviews."""
        resource = attributes.group_resource
        if resource in ADMISSION_RESOURCES or resource in EXCLUDED_RESOURCES:
            return ()
        return self.source.hooks()
