"""TaintToleration (pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go).

Filter: a node whose NoSchedule or NoExecute taint the pod does not tolerate is out, named
by its first such taint. Score: PreferNoSchedule taints the pod does not tolerate count
against a node (fewer is better), normalised in reverse.
"""

from __future__ import annotations

from typing import Any

from fakeapi.scheduler.framework.interface import Status, default_normalize_score
from fakeapi.scheduler.framework.types import NodeInfo
from fakeapi.storage.interfaces import Object
from fakeapi.util.nodeaffinity import tolerations_tolerate_taint

NAME = "TaintToleration"
# The default profile weighs this score three times (apis/config/v1 default_plugins.go).
WEIGHT = 3
FILTER_EFFECTS = ("NoSchedule", "NoExecute")


def _taints(node_info: NodeInfo) -> list[dict[str, Any]]:
    taints: list[dict[str, Any]] = (node_info.node.get("spec") or {}).get("taints") or []
    return taints


class TaintToleration:
    name = NAME
    weight = WEIGHT

    def filter(self, pod: Object, node_info: NodeInfo) -> Status | None:
        tolerations = (pod.get("spec") or {}).get("tolerations") or []
        for taint in _taints(node_info):
            if taint.get("effect") in FILTER_EFFECTS and not tolerations_tolerate_taint(tolerations, taint):
                return Status.unresolvable(
                    f"node(s) had untolerated taint {{{taint.get('key') or ''}: {taint.get('value') or ''}}}"
                )
        return None

    def score(self, pod: Object, node_info: NodeInfo) -> int:
        # Only tolerations that could apply to PreferNoSchedule count (getAllTolerationPreferNoSchedule).
        tolerations = [
            t
            for t in (pod.get("spec") or {}).get("tolerations") or []
            if t.get("effect") in ("", None, "PreferNoSchedule")
        ]
        return sum(
            1
            for taint in _taints(node_info)
            if taint.get("effect") == "PreferNoSchedule" and not tolerations_tolerate_taint(tolerations, taint)
        )

    def normalize(self, scores: dict[str, int]) -> dict[str, int]:
        return default_normalize_score(scores, reverse=True)
