"""The rbac.authorization.k8s.io registry: bootstrap policy, aggregation and the listers RBAC reads."""
