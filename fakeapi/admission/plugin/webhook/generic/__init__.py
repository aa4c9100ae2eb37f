"""What mutating and validating webhooks share (k8s.io/apiserver/pkg/admission/plugin/webhook/generic)."""
