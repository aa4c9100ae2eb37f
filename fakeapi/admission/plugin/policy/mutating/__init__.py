"""MutatingAdmissionPolicy (k8s.io/apiserver/pkg/admission/plugin/policy/mutating)."""
