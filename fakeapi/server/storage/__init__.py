"""Storage configuration of the server (k8s.io/apiserver/pkg/server/storage)."""
