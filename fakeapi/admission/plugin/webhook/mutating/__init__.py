"""Mutating admission webhooks (k8s.io/apiserver/pkg/admission/plugin/webhook/mutating)."""
