"""Resource metrics as metrics-server serves them (``metrics.k8s.io/v1beta1``), from usage a test sets.

Installed with the simulated kubelets (whose containers the usage is of); imported only then.
"""
