"""The endpoints layer (k8s.io/apiserver/pkg/endpoints): request info, route installation,
verb handlers, content negotiation and discovery."""
