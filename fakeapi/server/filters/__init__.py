"""The handler chain's filters, one module each (k8s.io/apiserver/pkg/endpoints/filters, server/filters)."""
