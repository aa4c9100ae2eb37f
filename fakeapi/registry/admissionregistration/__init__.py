"""admissionregistration.k8s.io: the webhook configurations' validation (pkg/registry/admissionregistration)."""
