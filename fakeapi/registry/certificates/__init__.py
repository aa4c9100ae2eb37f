"""certificates.k8s.io resources whose behaviour differs from the generic one."""
