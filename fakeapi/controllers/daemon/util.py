"""What a DaemonSet's pods look like and where they belong (pkg/controller/daemon/util/daemonset_util.go).

Besides daemonset_util.go's helpers (the default tolerations, the pod template with the hash
and generation labels, surge and unavailability counts, ``IsPodUpdated``, the node-name
affinity and ``GetTargetNodeName``), this holds daemon_controller.go's ``NewPod``,
``predicates`` and ``NodeShouldRunDaemonPod``, which the controller, the rolling update and
the event handlers all ask, so they live beside the helpers they use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fakeapi.apimachinery.intstr import get_scaled_value_from_int_or_percent
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.controllers.controller_utils import meta, spec_of
from fakeapi.controllers.history import CONTROLLER_REVISION_HASH_LABEL
from fakeapi.storage.interfaces import Object
from fakeapi.util.nodeaffinity import (
    OBJECT_NAME_FIELD,
    find_matching_untolerated_taint,
    required_node_affinity_matches,
)

# extensions.DefaultDaemonSetUniqueLabelKey is apps.ControllerRevisionHashLabelKey.
DEFAULT_DAEMON_SET_UNIQUE_LABEL_KEY = CONTROLLER_REVISION_HASH_LABEL
# extensions.DaemonSetTemplateGenerationKey: the pod label that carries the template generation.
DAEMON_SET_TEMPLATE_GENERATION_KEY = "pod-template-generation"
# apps.DeprecatedTemplateGeneration: the annotation the apiserver keeps the template generation in.
DEPRECATED_TEMPLATE_GENERATION = "deprecated.daemonset.template.generation"

ROLLING_UPDATE = "RollingUpdate"
ON_DELETE = "OnDelete"

# v1.TaintNode*: the taints the node lifecycle controller and kubelet put on troubled nodes.
TAINT_NODE_NOT_READY = "node.kubernetes.io/not-ready"
TAINT_NODE_UNREACHABLE = "node.kubernetes.io/unreachable"
TAINT_NODE_DISK_PRESSURE = "node.kubernetes.io/disk-pressure"
TAINT_NODE_MEMORY_PRESSURE = "node.kubernetes.io/memory-pressure"
TAINT_NODE_PID_PRESSURE = "node.kubernetes.io/pid-pressure"
TAINT_NODE_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
TAINT_NODE_NETWORK_UNAVAILABLE = "node.kubernetes.io/network-unavailable"

# AddOrUpdateDaemonPodTolerations: DaemonSet pods survive node problems and cordons.
_DAEMON_POD_TOLERATIONS = (
    (TAINT_NODE_NOT_READY, "NoExecute"),
    (TAINT_NODE_UNREACHABLE, "NoExecute"),
    (TAINT_NODE_DISK_PRESSURE, "NoSchedule"),
    (TAINT_NODE_MEMORY_PRESSURE, "NoSchedule"),
    (TAINT_NODE_PID_PRESSURE, "NoSchedule"),
    (TAINT_NODE_UNSCHEDULABLE, "NoSchedule"),
)


def _add_or_update_toleration(pod_spec: dict[str, Any], toleration: dict[str, Any]) -> None:
    """v1helper.AddOrUpdateTolerationInPodSpec: append unless one with the same key, operator, value and effect exists."""
    tolerations: list[dict[str, Any]] = pod_spec.setdefault("tolerations", [])
    identity = ("key", "operator", "value", "effect")
    if not any(all((t.get(k) or "") == (toleration.get(k) or "") for k in identity) for t in tolerations):
        tolerations.append(toleration)


def add_or_update_daemon_pod_tolerations(pod_spec: dict[str, Any]) -> None:
    """AddOrUpdateDaemonPodTolerations: tolerate not-ready and unreachable nodes, pressure, cordons (and no network for hostNetwork)."""
    wanted = list(_DAEMON_POD_TOLERATIONS)
    if pod_spec.get("hostNetwork"):
        wanted.append((TAINT_NODE_NETWORK_UNAVAILABLE, "NoSchedule"))
    for key, effect in wanted:
        _add_or_update_toleration(pod_spec, {"key": key, "operator": "Exists", "effect": effect})


def template_generation(ds: Object) -> int | None:
    """GetTemplateGeneration: the generation in the deprecated annotation, None when absent or unreadable."""
    value = (meta(ds).get("annotations") or {}).get(DEPRECATED_TEMPLATE_GENERATION)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def create_pod_template(template: dict[str, Any], generation: int | None, hash_value: str) -> dict[str, Any]:
    """CreatePodTemplate: the template with the default tolerations and the generation and hash labels."""
    result = deep_copy_json(template)
    add_or_update_daemon_pod_tolerations(result.setdefault("spec", {}))
    labels = result.setdefault("metadata", {}).setdefault("labels", {})
    if generation is not None:
        labels[DAEMON_SET_TEMPLATE_GENERATION_KEY] = str(generation)
    if hash_value:
        labels[DEFAULT_DAEMON_SET_UNIQUE_LABEL_KEY] = hash_value
    return result


def _rolling_update(ds: Object) -> dict[str, Any] | None:
    strategy = spec_of(ds).get("updateStrategy") or {}
    if strategy.get("type") != ROLLING_UPDATE:
        return None
    rolling: dict[str, Any] = strategy.get("rollingUpdate") or {}
    return rolling


def surge_count(ds: Object, number_to_schedule: int) -> int:
    """SurgeCount: how many nodes may run an extra (new) pod at once; 0 unless a RollingUpdate asks."""
    rolling = _rolling_update(ds)
    if rolling is None:
        return 0
    return get_scaled_value_from_int_or_percent(rolling.get("maxSurge"), number_to_schedule, True)


def unavailable_count(ds: Object, number_to_schedule: int) -> int:
    """UnavailableCount: how many nodes may be without an available pod during a RollingUpdate."""
    rolling = _rolling_update(ds)
    if rolling is None:
        return 0
    return get_scaled_value_from_int_or_percent(rolling.get("maxUnavailable"), number_to_schedule, True)


def allows_surge(ds: Object) -> bool:
    """AllowsSurge: more than one pod may run on a node during an update."""
    try:
        return surge_count(ds, 1) > 0
    except ValueError:
        return False


def is_pod_updated(pod: Object, hash_value: str, generation: int | None) -> bool:
    """IsPodUpdated: the pod carries the current revision's hash (or, for old pods, the template generation)."""
    labels = meta(pod).get("labels") or {}
    generation_matches = generation is not None and labels.get(DAEMON_SET_TEMPLATE_GENERATION_KEY) == str(generation)
    hash_matches = bool(hash_value) and labels.get(DEFAULT_DAEMON_SET_UNIQUE_LABEL_KEY) == hash_value
    return hash_matches or generation_matches


def replace_daemon_set_pod_node_name_node_affinity(affinity: dict[str, Any] | None, node_name: str) -> dict[str, Any]:
    """ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes ``metadata.name In [node]``.

    The pod is then placed by the scheduler (which binds it), not by setting spec.nodeName.
    """
    selector = {
        "nodeSelectorTerms": [{"matchFields": [{"key": OBJECT_NAME_FIELD, "operator": "In", "values": [node_name]}]}]
    }
    result = deep_copy_json(affinity) if affinity else {}
    node_affinity = result.setdefault("nodeAffinity", {})
    required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    if required is None:
        node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = selector
    else:
        required["nodeSelectorTerms"] = selector["nodeSelectorTerms"]
    return result


def target_node_name(pod: Object) -> str | None:
    """GetTargetNodeName: spec.nodeName, or the one node a pending pod's ``metadata.name`` matchFields names."""
    pod_spec = spec_of(pod)
    if pod_spec.get("nodeName"):
        name: str = pod_spec["nodeName"]
        return name
    required = ((pod_spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    for term in required.get("nodeSelectorTerms") or []:
        for requirement in term.get("matchFields") or []:
            if requirement.get("key") == OBJECT_NAME_FIELD and requirement.get("operator") == "In":
                values = requirement.get("values") or []
                return str(values[0]) if len(values) == 1 else None
    return None


# -- daemon_controller.go: NewPod, predicates, NodeShouldRunDaemonPod ----------------------------


def new_pod_spec(ds: Object, node_name: str) -> dict[str, Any]:
    """NewPod's spec: the template's, placed on ``node_name``, with the daemon tolerations."""
    pod_spec: dict[str, Any] = deep_copy_json((spec_of(ds).get("template") or {}).get("spec") or {})
    pod_spec["nodeName"] = node_name
    add_or_update_daemon_pod_tolerations(pod_spec)
    return pod_spec


def _schedule_or_execute(taint: Mapping[str, Any]) -> bool:
    return taint.get("effect") in ("NoSchedule", "NoExecute")


def _execute(taint: Mapping[str, Any]) -> bool:
    return taint.get("effect") == "NoExecute"


def node_should_run_daemon_pod(node: Object, ds: Object) -> tuple[bool, bool]:
    """NodeShouldRunDaemonPod: (should run a pod here, may keep running one already here).

    The node must match the template's nodeName (if set), nodeSelector and required node
    affinity; a NoSchedule or NoExecute taint the pod does not tolerate stops a new pod, but a
    running one stays unless the untolerated taint is NoExecute. ``spec.unschedulable`` does not
    count: DaemonSet pods tolerate the ``unschedulable`` taint, so cordoned nodes keep them.
    """
    node_name = meta(node).get("name") or ""
    template_node = ((spec_of(ds).get("template") or {}).get("spec") or {}).get("nodeName")
    if template_node and template_node != node_name:
        return False, False
    pod_spec = new_pod_spec(ds, node_name)
    if not required_node_affinity_matches(pod_spec, node):
        return False, False
    taints = spec_of(node).get("taints") or []
    tolerations = pod_spec.get("tolerations") or []
    if find_matching_untolerated_taint(taints, tolerations, _schedule_or_execute) is not None:
        return False, find_matching_untolerated_taint(taints, tolerations, _execute) is None
    return True, True
