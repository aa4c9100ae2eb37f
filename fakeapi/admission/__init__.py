"""kube-apiserver's admission: the chain and the default plugins whose effects show on stored objects.

Mirrors k8s.io/apiserver/pkg/admission (``chain``, the attributes a plugin sees) and the plugins of
kubernetes/plugin/pkg/admission, one module per upstream plugin package.
"""
