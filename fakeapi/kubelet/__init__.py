"""Simulated nodes and kubelets (pkg/kubelet): nodes registered and kept Ready, pods taken through their phases.

Nothing runs: each bound pod's course is reported as a kubelet would report it, decided by a
replaceable policy (``fakeapi.kubelet.policy``). The implementation is imported only when the
``kubelet`` controller is enabled; ``fakeapi.kubelet.config`` is what a server is told.
"""
