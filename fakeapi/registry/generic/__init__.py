"""The generic registry (k8s.io/apiserver/pkg/registry/generic): one Store for every resource."""
