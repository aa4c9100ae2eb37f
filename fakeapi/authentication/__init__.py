"""Request authentication (k8s.io/apiserver/pkg/authentication)."""
