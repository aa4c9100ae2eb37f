"""Node heartbeats through Leases (pkg/kubelet/nodelease, component-helpers/apimachinery/lease/controller.go).

Every kubelet holds a Lease named after its node in ``kube-node-lease``: holderIdentity is the
node name, leaseDurationSeconds 40 (nodeLeaseDurationSeconds), the owner is the Node (so the
Lease goes with it), and renewTime is moved forward every renew interval of the server clock.
"""

from __future__ import annotations

from datetime import datetime

from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import format_micro_time, parse_time

NODE_LEASE_NAMESPACE = "kube-node-lease"
LEASE_DURATION_SECONDS = 40


def new_lease(node: Object, now: datetime) -> Object:
    """newLease: the Lease of a node whose kubelet has just started."""
    node_meta = node["metadata"]
    return {
        "metadata": {
            "name": node_meta["name"],
            "namespace": NODE_LEASE_NAMESPACE,
            "ownerReferences": [
                {"apiVersion": "v1", "kind": "Node", "name": node_meta["name"], "uid": node_meta["uid"]}
            ],
        },
        "spec": {
            "holderIdentity": node_meta["name"],
            "leaseDurationSeconds": LEASE_DURATION_SECONDS,
            "renewTime": format_micro_time(now),
        },
    }


def seconds_until_renewal(lease: Object, now: datetime, interval: float) -> float:
    """How long until the lease is due for renewal (zero or less: renew now)."""
    renewed = (lease.get("spec") or {}).get("renewTime")
    if not renewed:
        return 0.0
    return parse_time(renewed).timestamp() + interval - now.timestamp()


def renewed(lease: Object, node: Object, now: datetime) -> Object:
    """The lease renewed at ``now``, held by this node again (a lease someone else took is taken back)."""
    fresh = new_lease(node, now)
    return {
        **lease,
        "metadata": {**lease["metadata"], **{"ownerReferences": fresh["metadata"]["ownerReferences"]}},
        "spec": {**(lease.get("spec") or {}), **fresh["spec"]},
    }
