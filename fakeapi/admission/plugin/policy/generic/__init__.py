"""What both admission policy kinds share (k8s.io/apiserver/pkg/admission/plugin/policy/generic)."""
