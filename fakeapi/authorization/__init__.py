"""Request authorization (k8s.io/apiserver/pkg/authorization)."""
