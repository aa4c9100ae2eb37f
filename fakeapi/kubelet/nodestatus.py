"""A simulated node as its kubelet registers and reports it (pkg/kubelet/nodestatus/setters.go, kubelet_node_status.go).

``node_object`` is the Node a kubelet creates when it registers (``initialNode``): kind's
labels, the pod CIDR kind's control plane allocates (10.244.N.0/24 for the N-th node), kind's
providerID, the configured taints, and a status as the setters fill it: addresses,
capacity = allocatable (kind reserves nothing), the four conditions with upstream's reasons
and messages, nodeInfo, daemonEndpoints. Machine, system and boot ids are derived from the node
name, so the same cluster looks the same on every run.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fakeapi.kubelet.config import NODE_NETWORK_BASE, NodeConfig
from fakeapi.storage.interfaces import Object

KUBELET_VERSION = "v1.37.0"
CONTAINER_RUNTIME_VERSION = "containerd://2.1.0"
OS_IMAGE = "Debian GNU/Linux 12 (bookworm)"
KERNEL_VERSION = "6.8.0-fakeapi"
KUBELET_PORT = 10250
PROVIDER_ID_PREFIX = "kind://docker/fakeapi/"

# setters.go MemoryPressureCondition, DiskPressureCondition, PIDPressureCondition, ReadyCondition (healthy).
NODE_CONDITIONS = (
    ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
)
# setters.go ReadyCondition when the runtime reports errors (the message is the joined errors).
NOT_READY_CONDITION = ("Ready", "False", "KubeletNotReady", "container runtime is down")


def node_ip(index: int) -> str:
    """The node's InternalIP on kind's docker network (the first node is .2, as the gateway is .1)."""
    return f"{NODE_NETWORK_BASE}{index + 2}"


def pod_cidr(index: int) -> str:
    """The node's pod CIDR: the controller manager's range allocator gives the N-th node 10.244.N.0/24."""
    return pod_address(index, 0) + "/24"


def pod_address(index: int, host: int) -> str:
    """The ``host``-th address of the node's pod CIDR."""
    return f"10.244.{index}.{host}"


def _hex_id(kind: str, name: str) -> str:
    return hashlib.sha256(f"{kind}/{name}".encode()).hexdigest()[:32]


def _uuid(kind: str, name: str) -> str:
    h = _hex_id(kind, name)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def node_labels(config: NodeConfig) -> dict[str, str]:
    """kubelet's well-known labels (getNodeLabels) with the configured ones over them."""
    return {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": config.name,
        "kubernetes.io/os": "linux",
        **config.labels,
    }


def node_resources(config: NodeConfig) -> dict[str, str]:
    """Capacity (and allocatable: kind reserves nothing) as the node reports it."""
    return {
        "cpu": config.cpu,
        "ephemeral-storage": config.ephemeral_storage,
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        "memory": config.memory,
        "pods": config.pods,
    }


def _conditions(ready: bool) -> tuple[tuple[str, str, str, str], ...]:
    return NODE_CONDITIONS if ready else (*NODE_CONDITIONS[:-1], NOT_READY_CONDITION)


def reported_differently(node: Object, config: NodeConfig, ready: bool) -> bool:
    """Whether the kubelet has something new to report: conditions missing or other than its own, or other resources."""
    status = node.get("status") or {}
    by_type = {c.get("type"): c for c in status.get("conditions") or []}
    expected = {kind: (value, reason) for kind, value, reason, _ in _conditions(ready)}
    if {kind: (c.get("status"), c.get("reason")) for kind, c in by_type.items()} != expected:
        return True
    resources = node_resources(config)
    return status.get("capacity") != resources or status.get("allocatable") != resources


def node_status(
    config: NodeConfig, index: int, now: str, *, ready: bool = True, previous: Object | None = None
) -> Object:
    """What the node status setters report at ``now`` for a node that is ready or not; conditions whose status
    stays keep their lastTransitionTime from ``previous``."""
    resources = node_resources(config)
    before = {c.get("type"): c for c in (previous or {}).get("conditions") or []}
    conditions = [
        {
            "type": kind,
            "status": status,
            "reason": reason,
            "message": message,
            "lastHeartbeatTime": now,
            "lastTransitionTime": (
                before[kind].get("lastTransitionTime") or now
                if kind in before and before[kind].get("status") == status
                else now
            ),
        }
        for kind, status, reason, message in _conditions(ready)
    ]
    return {
        "addresses": [{"type": "InternalIP", "address": node_ip(index)}, {"type": "Hostname", "address": config.name}],
        "allocatable": dict(resources),
        "capacity": resources,
        "conditions": conditions,
        "daemonEndpoints": {"kubeletEndpoint": {"Port": KUBELET_PORT}},
        "nodeInfo": {
            "architecture": "amd64",
            "bootID": _uuid("boot", config.name),
            "containerRuntimeVersion": CONTAINER_RUNTIME_VERSION,
            "kernelVersion": KERNEL_VERSION,
            # Deprecated, and left empty since DisableNodeKubeProxyVersion went GA; the schema still requires it.
            "kubeProxyVersion": "",
            "kubeletVersion": KUBELET_VERSION,
            "machineID": _hex_id("machine", config.name),
            "operatingSystem": "linux",
            "osImage": OS_IMAGE,
            "systemUUID": _uuid("system", config.name),
        },
    }


def node_object(config: NodeConfig, index: int, now: str, *, ready: bool = True) -> Object:
    """The Node a kubelet registers (initialNode), status included."""
    spec: dict[str, Any] = {
        "podCIDR": pod_cidr(index),
        "podCIDRs": [pod_cidr(index)],
        "providerID": PROVIDER_ID_PREFIX + config.name,
    }
    if config.taints:
        spec["taints"] = [dict(t) for t in config.taints]
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": config.name,
            "labels": node_labels(config),
            # Set by a kubelet that lets the attach/detach controller manage its volumes (the default).
            "annotations": {"volumes.kubernetes.io/controller-managed-attach-detach": "true"},
        },
        "spec": spec,
        "status": node_status(config, index, now, ready=ready),
    }
