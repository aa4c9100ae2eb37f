"""NodeUnschedulable (pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable.go).

A cordoned node (``spec.unschedulable``) takes only pods that tolerate the
``node.kubernetes.io/unschedulable:NoSchedule`` taint, as DaemonSet pods do.
"""

from __future__ import annotations

from fakeapi.scheduler.framework.interface import Status
from fakeapi.scheduler.framework.types import NodeInfo
from fakeapi.storage.interfaces import Object
from fakeapi.util.nodeaffinity import tolerations_tolerate_taint

NAME = "NodeUnschedulable"
ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable"
TAINT_NODE_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"


class NodeUnschedulable:
    name = NAME

    def filter(self, pod: Object, node_info: NodeInfo) -> Status | None:
        if not (node_info.node.get("spec") or {}).get("unschedulable"):
            return None
        taint = {"key": TAINT_NODE_UNSCHEDULABLE, "effect": "NoSchedule"}
        if tolerations_tolerate_taint((pod.get("spec") or {}).get("tolerations") or [], taint):
            return None
        return Status.unresolvable(ERR_REASON_UNSCHEDULABLE)
