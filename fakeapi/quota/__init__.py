"""Resource quota: what each object costs a namespace (k8s.io/kubernetes/pkg/quota/v1).

Shared by the resource quota controller, which writes ``status.used``, and the ResourceQuota
admission plugin, which refuses what would exceed ``spec.hard``.
"""
