"""The simulated kubelets of every configured node, as one controller (pkg/kubelet/kubelet.go).

Keys are ``("node", name)`` (register the node: kubelet_node_status.go registerWithAPIServer),
``("lease", name)`` (renew its Lease: nodelease) and ``("pod", namespace, name)`` (sync a pod
bound to a simulated node: pod_workers). Every write goes through the loopback client with
the kubelet's user agent, so it passes the handler chain and shows in the audit log.

Nodes are registered when the kubelets start (and again after a reset). A node a test deletes
is not registered again, although a real kubelet would recreate it on its next status update:
tests delete nodes to see what the cluster does without them, so the choice here is explicit.
Pods on a node without its Node object are not run either.

Pod addresses: the node's InternalIP as hostIP, and as podIP the lowest free address of the
node's pod CIDR (from .2, the gateway being .1) among the pods that hold one there (not
terminal), or the host's address for hostNetwork pods. Upstream's host-local IPAM hands out
addresses round-robin instead; the lowest free one is as deterministic and needs no state.
"""

from __future__ import annotations

import threading

from fakeapi.apimachinery import errors
from fakeapi.controllers.base import QueueController, Requeue
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.controller_utils import (
    POD_NODE_NAME_INDEX,
    PODS_PREFIX,
    is_pod_terminal,
    meta,
    pod_node_name_index,
    spec_of,
    status_of,
)
from fakeapi.controllers.informer import ResourceEventHandlerFuncs
from fakeapi.controllers.nodelifecycle import NODE_MONITOR_GRACE_PERIOD_SECONDS
from fakeapi.kubelet.behaviour import Behaviour
from fakeapi.kubelet.config import NodeConfig
from fakeapi.kubelet.mirror_client import mirror_pods
from fakeapi.kubelet.nodelease import NODE_LEASE_NAMESPACE, new_lease, renewed, seconds_until_renewal
from fakeapi.kubelet.nodestatus import (
    KUBELET_VERSION,
    node_ip,
    node_object,
    node_status,
    pod_address,
    reported_differently,
)
from fakeapi.kubelet.pod_workers import PodWorkers
from fakeapi.kubelet.status_manager import StatusManager
from fakeapi.metrics.usage import ResourceUsage
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import now_rfc3339, parse_time, utc_now

NAME = "kubelet"
# The identity of kubelet's requests (its user agent; the loopback client authenticates as the server).
USER_AGENT = f"kubelet/{KUBELET_VERSION} (linux/amd64) kubernetes/0000000"
NODES_PREFIX = "nodes"
LEASES_PREFIX = "coordination.k8s.io/leases"
# Host addresses of a node's /24 that pods get (.1 is the bridge's gateway, .255 broadcast).
FIRST_POD_HOST, LAST_POD_HOST = 2, 254

Key = tuple[str, ...]
# Controllers that are themselves controlled, by kind: where to look them up to walk a pod's owners.
OWNER_PREFIXES = {"ReplicaSet": "apps/replicasets", "Job": "batch/jobs"}
MAX_OWNER_DEPTH = 5


class Kubelets(QueueController[Key]):
    """Every simulated node's kubelet: node registration, lease renewal and pod status."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(NAME, self._sync, ctx.log)
        self._ctx = ctx
        self.cluster = ctx.cluster
        self._client = ctx.client(NAME)
        self._client.user_agent = USER_AGENT
        self._nodes = ctx.informers.lister(NODES_PREFIX)
        self._pods = ctx.informers.lister(PODS_PREFIX)
        # A node's pods without listing every pod: choosing each pod's IP stays O(pods on the node).
        self._pods_by_node = ctx.informers.indexer(PODS_PREFIX, POD_NODE_NAME_INDEX, pod_node_name_index)
        self._leases = ctx.informers.lister(LEASES_PREFIX)
        self.status_manager = StatusManager(self._client, lambda: ctx.spec(PODS_PREFIX), self._pods.get)
        # The test's pod rules over the cluster's default policy (read on every sync: a test may replace it).
        self._owner_listers = {kind: ctx.informers.lister(prefix) for kind, prefix in OWNER_PREFIXES.items()}
        self.behaviour = Behaviour(lambda: self.cluster.pod_policy, self._owner_chain)
        self.behaviour.add_listener(self._resync_pods)
        # What the containers use, as metrics-server would scrape it (fakeapi.metrics).
        self.usage = ResourceUsage(self._owner_chain)
        self.pod_workers = PodWorkers(
            self.cluster, self.behaviour, self.status_manager, self._addresses, ctx.identity.new_container_id
        )
        # Pod addresses are chosen from what the other pods hold: one choice (and its write) at a time.
        self._network_lock = threading.Lock()
        # Nodes this kubelet registered (or found registered): one that goes away is not registered again.
        self._registered: set[str] = set()
        # The simulated nodes: the configured ones, then those a test added (fakeapi.kubelet.node_control).
        # Each keeps the index it was given first (its addresses); a removed node's index is not reused.
        self._node_configs: dict[str, NodeConfig] = {}
        self._node_indices: dict[str, int] = {}
        # Nodes whose kubelet reports NotReady, and nodes whose kubelet stopped (no heartbeat, no pod syncs).
        self.not_ready: set[str] = set()
        self.stopped: set[str] = set()
        self._load_nodes()
        ctx.informers.add_event_handler(
            PODS_PREFIX, ResourceEventHandlerFuncs(add=self._pod_changed, update=lambda _, new: self._pod_changed(new))
        )
        ctx.informers.add_event_handler(LEASES_PREFIX, ResourceEventHandlerFuncs(delete=self._lease_deleted))
        self._register_nodes()

    def owns_node(self, name: str) -> bool:
        """Whether a simulated kubelet runs on the node (the pod strategy asks, to delete gracefully)."""
        return self.node(name) is not None

    def node(self, name: str) -> NodeConfig | None:
        """The simulated node called ``name``, if there is one."""
        return self._node_configs.get(name)

    @property
    def nodes(self) -> list[NodeConfig]:
        return list(self._node_configs.values())

    def _load_nodes(self) -> None:
        self._node_configs = {node.name: node for node in self.cluster.nodes}
        self._node_indices = {node.name: index for index, node in enumerate(self.cluster.nodes)}
        self.not_ready.clear()
        self.stopped.clear()

    def add_node(self, config: NodeConfig) -> None:
        """Simulate one more node (or a node again): its kubelet registers it."""
        self._node_configs[config.name] = config
        self._node_indices.setdefault(config.name, max(self._node_indices.values(), default=-1) + 1)
        self._registered.discard(config.name)
        self.enqueue_key(("node", config.name), cause="node added")

    def replace_node(self, config: NodeConfig) -> None:
        """New settings for a simulated node (capacity, labels): its kubelet reports them."""
        self._node_configs[config.name] = config
        self.enqueue_key(("node", config.name), cause="node changed")

    def remove_node(self, name: str) -> None:
        """Stop simulating a node: its kubelet no longer registers it, renews its Lease or runs its pods."""
        self._node_configs.pop(name, None)

    def set_node_state(self, name: str, *, ready: bool | None = None, running: bool | None = None) -> None:
        """Make a node's kubelet report NotReady (``ready=False``) or stop altogether (``running=False``)."""
        if self.node(name) is None:
            raise ValueError(f"{name} is not a simulated node")
        if ready is not None:
            (self.not_ready.discard if ready else self.not_ready.add)(name)
        if running is not None:
            (self.stopped.discard if running else self.stopped.add)(name)
            if not running:
                self._mark_silence(name)
        self.enqueue_key(("node", name), cause="node state changed")

    def _mark_silence(self, name: str) -> None:
        """Queue the moment the node lifecycle controller will find this stopped kubelet's Lease stale.

        Its look at that moment is a heartbeat a clock jump does not stop for; this key, which does
        nothing when synced, makes the jump stop there, so the node goes Unknown when it would.
        """
        lease = self._leases.get(NODE_LEASE_NAMESPACE, name)
        renewed_at = ((lease or {}).get("spec") or {}).get("renewTime")
        if renewed_at:
            stale_at = parse_time(renewed_at).timestamp() + NODE_MONITOR_GRACE_PERIOD_SECONDS
            self.enqueue_after(("silence", name), stale_at - utc_now().timestamp(), cause="lease goes stale")

    def _register_nodes(self) -> None:
        for node in self.nodes:
            self.enqueue_key(("node", node.name), cause="kubelet started")

    def reset_state(self) -> None:
        """After a reset the cluster starts again: its configured nodes, registered anew, with no pod rules."""
        self._registered.clear()
        self.behaviour.clear()
        self.usage.clear()
        self._load_nodes()
        self._register_nodes()

    def restored(self) -> None:
        """A copied cluster holds the registered nodes and their Leases: only the renewals are scheduled again."""
        self.queue.clear()
        now = utc_now()
        for node in self.nodes:
            if self._nodes.get("", node.name) is None:
                continue
            self._registered.add(node.name)
            lease = self._leases.get(NODE_LEASE_NAMESPACE, node.name)
            due = seconds_until_renewal(lease, now, self.cluster.lease_renew_seconds) if lease else 0.0
            self.queue.add_at(("lease", node.name), now.timestamp() + due, periodic=True)

    def _owner_chain(self, pod: Object) -> list[tuple[str, str]]:
        """The controllers above a pod, nearest first: its ReplicaSet, then that one's Deployment..."""
        chain: list[tuple[str, str]] = []
        obj: Object | None = pod
        namespace = meta(pod).get("namespace") or ""
        while obj is not None and len(chain) < MAX_OWNER_DEPTH:
            ref = next((r for r in meta(obj).get("ownerReferences") or [] if r.get("controller")), None)
            if ref is None:
                break
            chain.append((str(ref.get("kind")), str(ref.get("name"))))
            lister = self._owner_listers.get(str(ref.get("kind")))
            obj = lister.get(namespace, str(ref.get("name"))) if lister is not None else None
        return chain

    def _resync_pods(self) -> None:
        """The pod rules changed: every pod on a simulated node is looked at again."""
        for pod in self._pods.list():
            self._pod_changed(pod)

    # -- event handlers (under the storage lock: only enqueue) -------------------------------

    def _pod_changed(self, pod: Object) -> None:
        node = spec_of(pod).get("nodeName")
        if node and self.node(node) is not None:
            self.enqueue_key(("pod", meta(pod).get("namespace") or "", meta(pod)["name"]), cause="pod changed")

    def _lease_deleted(self, lease: Object) -> None:
        name = meta(lease)["name"]
        if meta(lease).get("namespace") == NODE_LEASE_NAMESPACE and self.node(name) is not None:
            self.enqueue_key(("lease", name), cause="lease deleted")

    # -- syncs ----------------------------------------------------------------------------------

    def _sync(self, key: Key) -> None:
        kind = key[0]
        if kind == "node":
            self._sync_node(key[1])
        elif kind == "lease":
            self._sync_lease(key[1])
        elif kind == "pod":
            self._sync_pod(key[1], key[2])
        # ("silence", name) only marks a moment for the clock (_mark_silence): nothing to do.

    def _sync_node(self, name: str) -> None:
        """registerWithAPIServer: create the Node with its status, or report its status when it changed."""
        config = self.node(name)
        if config is None or name in self.stopped:
            return
        index = self._node_indices[name]
        ready = name not in self.not_ready
        node = self._nodes.get("", name)
        if node is None:
            if name in self._registered:
                return  # deleted by someone: a real kubelet would register it again; this one stays away
            try:
                self._client.create(
                    self._ctx.spec(NODES_PREFIX), "", node_object(config, index, now_rfc3339(), ready=ready)
                )
            except errors.StatusError as exc:
                if exc.code != 409:
                    raise
        elif reported_differently(node, config, ready):
            status = node_status(config, index, now_rfc3339(), ready=ready, previous=status_of(node))
            self._client.update(self._ctx.spec(NODES_PREFIX), {**node, "status": status}, "status")
        self._registered.add(name)
        if config.control_plane and self.cluster.kube_system:
            self._create_mirror_pods(name)
        self.enqueue_key(("lease", name), cause="node registered")
        # Pods bound to the node before it registered start now.
        for pod in self._pods.list():
            if spec_of(pod).get("nodeName") == name:
                self.enqueue_key(("pod", meta(pod).get("namespace") or "", meta(pod)["name"]), cause="node registered")

    def _create_mirror_pods(self, node_name: str) -> None:
        """The control plane's static pods, shown in the API as mirror pods (mirror_client.CreateMirrorPod)."""
        node = self._nodes.get("", node_name)
        if node is None:
            return
        pods = self._ctx.spec(PODS_PREFIX)
        for pod in mirror_pods(node):
            if self._pods.get(meta(pod)["namespace"], meta(pod)["name"]) is None:
                try:
                    self._client.create(pods, meta(pod)["namespace"], pod)
                except errors.StatusError as exc:
                    # A cluster without its bootstrap (no kube-system, no system PriorityClasses) shows none.
                    if exc.code not in (403, 404, 409):
                        raise

    def _sync_lease(self, name: str) -> None:
        """The lease controller's sync: create the Lease, renew it when due, and come back at the next renewal."""
        node = self._nodes.get("", name)
        if node is None or name in self.stopped:
            return  # no node or no kubelet, no heartbeat
        interval = self.cluster.lease_renew_seconds
        now = utc_now()
        spec = self._ctx.spec(LEASES_PREFIX)
        lease = self._leases.get(NODE_LEASE_NAMESPACE, name)
        try:
            if lease is None:
                self._client.create(spec, NODE_LEASE_NAMESPACE, new_lease(node, now))
            elif seconds_until_renewal(lease, now, interval) <= 0:
                self._client.update(spec, renewed(lease, node, now))
            else:
                self.enqueue_after(
                    ("lease", name), seconds_until_renewal(lease, now, interval), cause="renew lease", periodic=True
                )
                return
        except errors.StatusError as exc:
            if exc.code in (403, 404) and lease is None:
                # Its namespace is gone or going (kube-node-lease deleted): the kubelet keeps trying
                # (backoffEnsureLease), and succeeds once the API server has made the namespace again.
                self.enqueue_after(("lease", name), interval, cause=f"retry: {exc.message}", periodic=True)
                return
            if exc.code not in (404, 409):
                raise
            raise Requeue(f"lease of {name}: {exc.message}") from exc
        self.enqueue_after(("lease", name), interval, cause="renew lease", periodic=True)

    def _sync_pod(self, namespace: str, name: str) -> None:
        pod = self._pods.get(namespace, name)
        if pod is None:
            return
        node = spec_of(pod).get("nodeName") or ""
        if self.node(node) is None or node in self.stopped or self._nodes.get("", node) is None:
            return
        with self._network_lock:
            wait = self.pod_workers.sync(pod)
        if wait is not None:
            self.enqueue_after(("pod", namespace, name), wait, cause="pod course")

    # -- addresses ------------------------------------------------------------------------------

    def _addresses(self, pod: Object) -> tuple[str, str]:
        """(hostIP, podIP) of a pod on one of the simulated nodes."""
        node = spec_of(pod)["nodeName"]
        index = self._node_indices[node]
        host_ip = node_ip(index)
        if spec_of(pod).get("hostNetwork"):
            return host_ip, host_ip
        current = status_of(pod).get("podIP")
        if current:
            return host_ip, str(current)
        held = {
            status_of(p).get("podIP")
            for p in self._pods_by_node.by_index(node)
            if not is_pod_terminal(p) and meta(p).get("uid") != meta(pod).get("uid")
        }
        for host in range(FIRST_POD_HOST, LAST_POD_HOST + 1):
            if pod_address(index, host) not in held:
                return host_ip, pod_address(index, host)
        raise Requeue(f"no free pod address on node {node}")
