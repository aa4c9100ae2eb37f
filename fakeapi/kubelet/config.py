"""What the simulated cluster looks like: its nodes and how its kubelets behave.

A fresh server has one node, as a fresh kind cluster has (``fakeapi-control-plane``, with
kind's labels and no taint, so workloads schedule on it); tests ask for more with
``ClusterConfig(nodes=...)`` or ``ClusterConfig.with_workers(n)`` (whose control plane, as kind's,
keeps its NoSchedule taint). How a pod runs is decided
by ``ClusterConfig.pod_policy`` (``fakeapi.kubelet.policy``), which a test may replace at any
time: the kubelets read it on every sync.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fakeapi.kubelet.policy import BecomeReady, PodPolicy

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


# What kubeadm puts on a control-plane node (MarkControlPlane): kind takes both off again only when
# the cluster is that one node (kubeadminit), so that workloads can run on it.
CONTROL_PLANE_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}
EXCLUDE_FROM_LOAD_BALANCERS = "node.kubernetes.io/exclude-from-external-load-balancers"


def _control_plane(*, alone: bool = True) -> NodeConfig:
    """kind's control-plane node: untainted when it is the only node, else tainted and kept out of load balancers."""
    labels = {"node-role.kubernetes.io/control-plane": ""}
    if alone:
        return NodeConfig(CONTROL_PLANE_NODE, labels=labels, control_plane=True)
    labels[EXCLUDE_FROM_LOAD_BALANCERS] = ""
    return NodeConfig(CONTROL_PLANE_NODE, labels=labels, taints=[dict(CONTROL_PLANE_TAINT)], control_plane=True)


@dataclass
class ClusterConfig:
    """The nodes of the simulated cluster, and the kubelets' timing (all transitions immediate by default)."""

    nodes: list[NodeConfig] = field(default_factory=lambda: [_control_plane()])
    # Seconds a started container takes to become ready (server clock); 0 moves at once.
    pod_ready_delay_seconds: float = 0.0
    # How often the kubelets renew their node Leases (kubelet's nodeLeaseDurationSeconds is 40, renewed every 10 s).
    lease_renew_seconds: float = 10.0
    # Whether a deleted pod stays Terminating for its grace period (server clock) before the kubelet
    # removes it; by default the kubelet finishes the deletion on its next sync, as if every
    # container stopped at once on SIGTERM.
    honor_grace_period: bool = False
    # What a fresh kind cluster runs in kube-system (CoreDNS, kube-proxy, kindnet, the local-path
    # provisioner, the control plane's static pods as mirror pods); False for a cluster with none of it.
    kube_system: bool = True
    # Whether metrics-server runs: metrics.k8s.io served from the usage tests set (fakeapi.metrics), for
    # kubectl top and the HPA controller. A fresh kind cluster has none, so neither has this one by default.
    metrics_server: bool = False
    # What happens to each pod a kubelet runs; replace it (also at run time) to script other courses.
    pod_policy: PodPolicy = field(default_factory=BecomeReady)

    @classmethod
    def with_workers(cls, workers: int, **options: Any) -> ClusterConfig:
        """A control-plane node and ``workers`` worker nodes (``fakeapi-worker``, ``fakeapi-worker2``...), as kind names them.

        As in kind, a control plane with workers keeps kubeadm's ``node-role.kubernetes.io/control-plane:NoSchedule``
        taint: only pods that tolerate it (kube-system's) run there.
        """
        names = [f"fakeapi-worker{i + 1 if i else ''}" for i in range(workers)]
        return cls(nodes=[_control_plane(alone=not names), *(NodeConfig(name) for name in names)], **options)

    def node(self, name: str) -> NodeConfig | None:
        """The simulated node called ``name``, if the cluster has one."""
        return next((n for n in self.nodes if n.name == name), None)

    def node_index(self, name: str) -> int:
        """The node's position, which gives it its address and pod CIDR (ValueError when it is not simulated)."""
        for index, node in enumerate(self.nodes):
            if node.name == name:
                return index
        raise ValueError(f"{name} is not a simulated node")
