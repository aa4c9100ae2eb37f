"""CEL environments (apiserver/pkg/cel/environment)."""
