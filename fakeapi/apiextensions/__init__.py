"""CustomResourceDefinitions (apiextensions.k8s.io/v1) and the custom resources they define.

Mirrors staging/src/k8s.io/apiextensions-apiserver: the CRD registry strategy and validation
(``strategy``, ``validation``), structural schemas with validation, pruning, defaulting and
list-type checks (``schema``), the custom resource registry (``customresource``), the naming,
establishing and finalizer controllers (``controller``) and the handler that serves the
resources of every established CRD (``handler``).
"""
