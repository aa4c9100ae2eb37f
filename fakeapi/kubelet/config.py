"""What the simulated cluster looks like: its nodes and how fast its kubelets move.

A fresh server has one node, as a fresh kind cluster has (``fakeapi-control-plane``, with
kind's labels and no taint, so workloads schedule on it); tests ask for more with
``ClusterConfig(nodes=...)`` or ``ClusterConfig.with_workers(n)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CONTROL_PLANE_NODE = "fakeapi-control-plane"
# kind's pod network (kindnet): one /24 of 10.244.0.0/16 per node; node addresses on the docker network.
POD_NETWORK = "10.244.0.0/16"
NODE_NETWORK_BASE = "172.18.0."


@dataclass(frozen=True)
class NodeConfig:
    """One simulated node: its name, labels, taints and capacity (Kubernetes quantities)."""

    name: str
    labels: dict[str, str] = field(default_factory=dict)
    taints: list[dict[str, Any]] = field(default_factory=list)
    cpu: str = "8"
    memory: str = "16Gi"
    pods: str = "110"
    ephemeral_storage: str = "100Gi"
    control_plane: bool = False


def _control_plane() -> NodeConfig:
    return NodeConfig(CONTROL_PLANE_NODE, labels={"node-role.kubernetes.io/control-plane": ""}, control_plane=True)


@dataclass
class ClusterConfig:
    """The nodes of the simulated cluster, and the kubelets' timing (all transitions immediate by default)."""

    nodes: list[NodeConfig] = field(default_factory=lambda: [_control_plane()])
    # Seconds a started container takes to become ready (server clock); 0 moves at once.
    pod_ready_delay_seconds: float = 0.0
    # How often the kubelets renew their node Leases (kubelet's nodeLeaseDurationSeconds is 40, renewed every 10 s).
    lease_renew_seconds: float = 10.0

    @classmethod
    def with_workers(cls, workers: int, **options: Any) -> ClusterConfig:
        """A control-plane node and ``workers`` worker nodes (``fakeapi-worker``, ``fakeapi-worker2``...), as kind names them."""
        names = [f"fakeapi-worker{i + 1 if i else ''}" for i in range(workers)]
        return cls(nodes=[_control_plane(), *(NodeConfig(name) for name in names)], **options)
