"""How mutations are applied (k8s.io/apiserver/pkg/admission/plugin/policy/mutating/patch)."""
