"""Node control for tests: add and remove nodes, make their kubelets NotReady or silent, cordon, label, taint.

What a test does to a node is what happens to one in a cluster: a kubelet that reports NotReady
(its runtime is down), a kubelet that stops (the machine is gone: no Lease renewals, no pod
status), a node added or removed, an administrator's cordon, labels and taints. The rest is the
controllers' doing: the node lifecycle controller turns silence into Unknown conditions and
condition taints, the taint eviction controller evicts pods after their toleration seconds,
ReplicaSets make new pods and the scheduler places them elsewhere.

Writes that an administrator would make (cordon, labels, taints) go through the API with the
loopback client, so they show in the audit log and reach every watcher; what a kubelet reports
(readiness, capacity) its simulated kubelet writes. Everything here ends with a reset: the
cluster comes back with its configured nodes.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from fakeapi.apimachinery import errors
from fakeapi.kubelet.config import NodeConfig

if TYPE_CHECKING:
    from fakeapi.controllers.client import LoopbackClient
    from fakeapi.kubelet.kubelet import Kubelets
    from fakeapi.registry.resource_spec import ResourceSpec

NODES_PREFIX = "nodes"


class NodeControl:
    """``fakeapi.nodes``: the simulated nodes, as a test steers them."""

    def __init__(self, kubelets: Kubelets, client: LoopbackClient, nodes: ResourceSpec) -> None:
        self._kubelets = kubelets
        self._client = client
        self._spec = nodes

    @property
    def names(self) -> list[str]:
        """The simulated nodes' names, in the order they were added."""
        return [node.name for node in self._kubelets.nodes]

    def add(
        self,
        name: str,
        *,
        labels: dict[str, str] | None = None,
        taints: list[dict[str, Any]] | None = None,
        cpu: str = "8",
        memory: str = "16Gi",
        pods: str = "110",
    ) -> NodeConfig:
        """A new node whose kubelet registers it (Ready) with these labels, taints and capacity."""
        if self._kubelets.node(name) is not None:
            raise ValueError(f"node {name} is already simulated")
        config = NodeConfig(
            name, labels=dict(labels or {}), taints=list(taints or []), cpu=cpu, memory=memory, pods=pods
        )
        self._kubelets.add_node(config)
        return config

    def remove(self, name: str) -> None:
        """The machine is gone: its kubelet stops and the Node is deleted (pod GC then fails its pods)."""
        self._config(name)
        self._kubelets.remove_node(name)
        try:
            self._client.delete(self._spec, "", name)
        except errors.StatusError as exc:
            if exc.code != 404:
                raise

    def set_ready(self, name: str, ready: bool = True) -> None:
        """The kubelet reports the node Ready, or NotReady (``KubeletNotReady``: its container runtime is down)."""
        self._kubelets.set_node_state(name, ready=ready)

    def stop(self, name: str) -> None:
        """The kubelet stops: no Lease renewals, no status, no pod syncs; after the grace period the node is Unknown."""
        self._kubelets.set_node_state(name, running=False)

    def start(self, name: str) -> None:
        """The kubelet runs again: it reports the node, renews its Lease and syncs its pods."""
        self._kubelets.set_node_state(name, running=True)

    def set_capacity(
        self, name: str, *, cpu: str | None = None, memory: str | None = None, pods: str | None = None
    ) -> None:
        """New capacity (= allocatable) that the node's kubelet reports."""
        config = self._config(name)
        changed = dataclasses.replace(
            config, cpu=cpu or config.cpu, memory=memory or config.memory, pods=pods or config.pods
        )
        self._kubelets.replace_node(changed)

    def cordon(self, name: str) -> None:
        """``kubectl cordon``: spec.unschedulable, so the scheduler places no new pod there."""
        self._client.merge_patch(self._spec, "", name, {"spec": {"unschedulable": True}})

    def uncordon(self, name: str) -> None:
        """``kubectl uncordon``."""
        self._client.merge_patch(self._spec, "", name, {"spec": {"unschedulable": None}})

    def label(self, name: str, **labels: str | None) -> None:
        """Set labels (``None`` removes one), as ``kubectl label node``."""
        self._client.merge_patch(self._spec, "", name, {"metadata": {"labels": labels}})

    def taint(self, name: str, key: str, effect: str, value: str = "") -> None:
        """Add a taint (or replace the one with this key and effect), as ``kubectl taint node``."""
        taint = {"key": key, "effect": effect, **({"value": value} if value else {})}
        self._update_taints(name, lambda taints: [*(t for t in taints if _other(t, key, effect)), taint])

    def untaint(self, name: str, key: str, effect: str | None = None) -> None:
        """Remove the taints with this key (and effect), as ``kubectl taint node NAME KEY-``."""
        self._update_taints(name, lambda taints: [t for t in taints if _other(t, key, effect)])

    def _update_taints(self, name: str, change: Any) -> None:
        def write() -> None:
            node = self._client.get(self._spec, "", name)
            spec = dict(node.get("spec") or {})
            spec["taints"] = change(list(spec.get("taints") or []))
            self._client.update(self._spec, {**node, "spec": spec})

        for _ in range(5):
            try:
                write()
                return
            except errors.StatusError as exc:
                if exc.code != 409:
                    raise
        raise RuntimeError(f"the taints of node {name} kept conflicting")

    def _config(self, name: str) -> NodeConfig:
        config = self._kubelets.node(name)
        if config is None:
            raise ValueError(f"{name} is not a simulated node (known: {', '.join(self.names)})")
        return config


def _other(taint: dict[str, Any], key: str, effect: str | None) -> bool:
    return taint.get("key") != key or (effect is not None and taint.get("effect") != effect)
