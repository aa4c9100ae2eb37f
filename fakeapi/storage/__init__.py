"""The storage layer (k8s.io/apiserver/pkg/storage): a versioned in-memory backend with watch."""
