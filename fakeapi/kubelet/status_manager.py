"""Pod statuses as a kubelet reports them, and their writes (pkg/kubelet/status).

``generate_pod_status`` turns a policy's container states into the status a kubelet writes:
phase as ``getPhase`` (pkg/kubelet/kubelet_pods.go) computes it, the container statuses, the
kubelet-owned conditions of status/generate.go (PodReadyToStartContainers, Initialized, Ready,
ContainersReady, PodScheduled) after the conditions others own (readiness gates), addresses and
startTime. As status_manager.go's ``updateStatusInternal`` does, times that did not change are
kept: a condition's lastTransitionTime moves only with its status, a container's startedAt
only with its state, so a sync that finds nothing new writes nothing.

:class:`StatusManager` writes it through pods/status as the kubelet, and finishes a graceful
deletion as ``syncPod`` does once ``canBeDeleted``: DELETE with gracePeriodSeconds 0 and the
pod's uid as precondition.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.gojson import go_encoder_for
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.apimachinery.schema import GroupVersionKind
from fakeapi.controllers.base import retry_on_conflict
from fakeapi.controllers.client import LoopbackClient
from fakeapi.controllers.controller_utils import meta, spec_of, status_of
from fakeapi.kubelet.policy import COMPLETED, ContainerState, PodStep, is_sidecar
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import format_time

# status/generate.go reasons.
UNKNOWN_CONTAINER_STATUSES = "UnknownContainerStatuses"
POD_COMPLETED = "PodCompleted"
POD_FAILED = "PodFailed"
CONTAINERS_NOT_READY = "ContainersNotReady"
CONTAINERS_NOT_INITIALIZED = "ContainersNotInitialized"
READINESS_GATES_NOT_READY = "ReadinessGatesNotReady"
# kubetypes.PodConditionsByKubelet, in the order generateAPIPodStatus appends them.
KUBELET_CONDITIONS = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")
# How often a status write that keeps conflicting is retried within one sync.
MAX_CONFLICT_RETRIES = 5
IMAGE_REGISTRY = "docker.io"


# -- images and container ids ---------------------------------------------------------------------


def normalize_image(image: str) -> str:
    """The image as containerd reports it: registry, ``library/`` for official images, ``:latest`` if untagged."""
    name = image
    first, _, rest = name.partition("/")
    if not rest or ("." not in first and ":" not in first and first != "localhost"):
        name = f"{IMAGE_REGISTRY}/{name if rest else 'library/' + name}"
    last = name.rsplit("/", 1)[-1]
    if "@" not in last and ":" not in last:
        name += ":latest"
    return name


def image_id(image: str) -> str:
    """A repo digest for the image: ``<repository>@sha256:<digest>``, the digest derived from the reference."""
    repository = image.split("@", 1)[0]
    last_colon = repository.rfind(":")
    if last_colon > repository.rfind("/"):
        repository = repository[:last_colon]
    return f"{repository}@sha256:{hashlib.sha256(image.encode()).hexdigest()}"


# -- container statuses ---------------------------------------------------------------------------


# Makes the ID of a container that starts (the runtime's; drawn from the server's seeded identity generator).
NewContainerID = Callable[[], str]


def _container_status(
    container: Object, state: ContainerState, old: Object | None, now: str, new_id: NewContainerID
) -> Object:
    old_state = (old or {}).get("state") or {}
    # The container already reported (same restart) keeps the ID the runtime gave it.
    same_container = bool((old or {}).get("containerID")) and (old or {}).get("restartCount") == state.restart_count
    cid = (old or {})["containerID"] if same_container else ""
    image = normalize_image(container.get("image") or "")
    status: Object = {
        "name": container["name"],
        "image": image,
        "imageID": image_id(image),
        "ready": state.ready,
        "restartCount": state.restart_count,
        "started": state.state == "running",
        "lastState": _last_state(old, state),
    }
    if state.state == "waiting":
        waiting: Object = {"reason": state.reason or "ContainerCreating"}
        if state.message:
            waiting["message"] = state.message
        status["state"] = {"waiting": waiting}
        return status
    cid = cid or new_id()
    status["containerID"] = cid
    running_since = (old_state.get("running") or {}).get("startedAt") if same_container else None
    if state.state == "running":
        status["state"] = {"running": {"startedAt": running_since or now}}
        return status
    previous = (old_state.get("terminated") or {}) if same_container else {}
    terminated: Object = {
        "containerID": cid,
        "exitCode": state.exit_code,
        "reason": state.reason or (COMPLETED if state.exit_code == 0 else "Error"),
        "startedAt": previous.get("startedAt") or running_since or now,
        "finishedAt": previous.get("finishedAt") or now,
    }
    if state.message:
        terminated["message"] = state.message
    status["state"] = {"terminated": terminated}
    return status


def _last_state(old: Object | None, state: ContainerState) -> Object:
    """lastState: the previous container's termination, once the container waits to restart or was restarted
    (convertToAPIContainerStatuses moves a terminated state there when the container is waiting or running again)."""
    previous = (old or {}).get("lastState") or {}
    old_state = (old or {}).get("state") or {}
    if "terminated" not in old_state:
        return dict(previous)
    if state.state == "terminated" and state.restart_count == (old or {}).get("restartCount"):
        return dict(previous)
    return {"terminated": old_state["terminated"]}


def _statuses(
    pod: Object,
    containers: list[Object],
    states: dict[str, ContainerState],
    key: str,
    now: str,
    new_id: NewContainerID,
) -> list[Object]:
    old = {s.get("name"): s for s in status_of(pod).get(key) or []}
    waiting = ContainerState("waiting")
    return [_container_status(c, states.get(c["name"], waiting), old.get(c["name"]), now, new_id) for c in containers]


# -- phase and conditions -------------------------------------------------------------------------


def _terminated(status: Object) -> Object | None:
    result: Object | None = (status.get("state") or {}).get("terminated")
    return result


def _stopped(status: Object) -> Object | None:
    """The termination of a container that is not running: its state, or its last one while it waits to restart."""
    ended = _terminated(status)
    if ended is None and "waiting" in (status.get("state") or {}):
        last: Object | None = (status.get("lastState") or {}).get("terminated")
        return last
    return ended


def pod_phase(pod: Object, init_statuses: list[Object], statuses: list[Object], terminating: bool) -> str:
    """getPhase: Pending until the init containers are done, Running while a container runs, then how they ended."""
    spec = spec_of(pod)
    restart_policy = spec.get("restartPolicy") or "Always"
    by_name = {s["name"]: s for s in init_statuses}
    for container in spec.get("initContainers") or []:
        status = by_name[container["name"]]
        ended = _terminated(status)
        if is_sidecar(container):
            if not status.get("started") and not terminating:
                return "Pending"
            continue
        if ended is None:
            return "Pending"
        if ended.get("exitCode") and restart_policy == "Never":
            return "Failed"
        if ended.get("exitCode"):
            return "Pending"
    running = sum(1 for s in statuses if "running" in (s.get("state") or {}))
    # A container waiting to restart counts as stopped, with its last termination (getPhase).
    ended_all = [t for t in map(_stopped, statuses) if t is not None]
    if running:
        return "Running"
    if statuses and len(ended_all) == len(statuses):
        failed = any(t.get("exitCode") for t in ended_all)
        if terminating or restart_policy == "Never":
            return "Failed" if failed else "Succeeded"
        if restart_policy == "OnFailure":
            return "Running" if failed else "Succeeded"
        return "Running"
    return "Pending"


def _condition(kind: str, ok: bool, reason: str = "", message: str = "") -> Object:
    condition: Object = {"type": kind, "status": "True" if ok else "False"}
    if reason:
        condition["reason"] = reason
    if message:
        condition["message"] = message
    return condition


def _names(names: list[str]) -> str:
    """A Go-printed []string: ``[a b]``."""
    return "[" + " ".join(names) + "]"


def containers_ready_condition(pod: Object, init_statuses: list[Object], statuses: list[Object], phase: str) -> Object:
    """GenerateContainersReadyCondition (sidecars count as containers)."""
    if phase in ("Succeeded", "Failed"):
        return _condition("ContainersReady", False, POD_COMPLETED if phase == "Succeeded" else POD_FAILED)
    sidecars = {c["name"] for c in spec_of(pod).get("initContainers") or [] if is_sidecar(c)}
    unready = [s["name"] for s in init_statuses if s["name"] in sidecars and not s.get("ready")]
    unready += [s["name"] for s in statuses if not s.get("ready")]
    if unready:
        return _condition(
            "ContainersReady", False, CONTAINERS_NOT_READY, f"containers with unready status: {_names(unready)}"
        )
    return _condition("ContainersReady", True)


def ready_condition(pod: Object, containers_ready: Object, conditions: list[Object], phase: str) -> Object:
    """GeneratePodReadyCondition: ContainersReady, and every readiness gate's condition True."""
    if phase in ("Succeeded", "Failed"):
        return _condition("Ready", False, POD_COMPLETED if phase == "Succeeded" else POD_FAILED)
    if containers_ready["status"] != "True":
        return {**containers_ready, "type": "Ready"}
    by_type = {c.get("type"): c for c in conditions}
    unready = []
    for gate in spec_of(pod).get("readinessGates") or []:
        kind = gate.get("conditionType") or ""
        condition = by_type.get(kind)
        if condition is None:
            unready.append(f'corresponding condition of pod readiness gate "{kind}" does not exist.')
        elif condition.get("status") != "True":
            unready.append(f'the status of pod readiness gate "{kind}" is not "True", but {condition.get("status")}')
    if unready:
        return _condition("Ready", False, READINESS_GATES_NOT_READY, ", ".join(unready))
    return _condition("Ready", True)


def initialized_condition(pod: Object, init_statuses: list[Object], statuses: list[Object], phase: str) -> Object:
    """GeneratePodInitializedCondition."""
    if phase == "Succeeded":
        return _condition("Initialized", True, POD_COMPLETED)
    if any((s.get("state") or {}).get("running") or _terminated(s) for s in statuses):
        return _condition("Initialized", True)
    incomplete = []
    for container, status in zip(spec_of(pod).get("initContainers") or [], init_statuses, strict=True):
        done = status.get("started") if is_sidecar(container) else status.get("ready")
        if not done:
            incomplete.append(container["name"])
    if incomplete:
        message = f"containers with incomplete status: {_names(incomplete)}"
        return _condition("Initialized", False, CONTAINERS_NOT_INITIALIZED, message)
    return _condition("Initialized", True)


def _with_transition_times(new: list[Object], old: list[Object], now: str, generation: Any) -> list[Object]:
    """Keep each condition's lastTransitionTime while its status stays (updateLastTransitionTime)."""
    by_type = {c.get("type"): c for c in old}
    result = []
    for condition in new:
        previous = by_type.get(condition["type"])
        stamped = dict(condition)
        if generation is not None:
            stamped["observedGeneration"] = generation
        if (
            previous is not None
            and previous.get("status") == condition["status"]
            and previous.get("lastTransitionTime")
        ):
            stamped["lastTransitionTime"] = previous["lastTransitionTime"]
        else:
            stamped["lastTransitionTime"] = now
        result.append(stamped)
    return result


def generate_pod_status(
    pod: Object,
    step: PodStep,
    host_ip: str,
    pod_ip: str,
    now: datetime,
    new_id: NewContainerID,
    *,
    terminating: bool = False,
) -> Object:
    """generateAPIPodStatus: the status a kubelet reports for ``pod`` whose containers are as ``step`` says."""
    stamp = format_time(now)
    spec = spec_of(pod)
    old = status_of(pod)
    init_statuses = _statuses(
        pod, spec.get("initContainers") or [], step.init_containers, "initContainerStatuses", stamp, new_id
    )
    statuses = _statuses(pod, spec.get("containers") or [], step.containers, "containerStatuses", stamp, new_id)
    phase = pod_phase(pod, init_statuses, statuses, terminating)
    others = [c for c in old.get("conditions") or [] if c.get("type") not in KUBELET_CONDITIONS]
    containers_ready = containers_ready_condition(pod, init_statuses, statuses, phase)
    kubelet_owned = [
        # The sandbox (and its network) exists until the pod is done.
        _condition("PodReadyToStartContainers", phase not in ("Succeeded", "Failed")),
        initialized_condition(pod, init_statuses, statuses, phase),
        ready_condition(pod, containers_ready, others, phase),
        containers_ready,
    ]
    generation = meta(pod).get("generation")
    conditions = others + _with_transition_times(kubelet_owned, old.get("conditions") or [], stamp, generation)
    scheduled = next((c for c in old.get("conditions") or [] if c.get("type") == "PodScheduled"), None)
    conditions.append(scheduled or {"type": "PodScheduled", "status": "True", "lastTransitionTime": stamp})
    status = deep_copy_json(old)
    status.update(
        phase=phase,
        conditions=conditions,
        hostIP=host_ip,
        hostIPs=[{"ip": host_ip}],
        podIP=pod_ip,
        podIPs=[{"ip": pod_ip}],
        startTime=old.get("startTime") or stamp,
        containerStatuses=statuses,
    )
    if init_statuses:
        status["initContainerStatuses"] = init_statuses
    if generation is not None:
        status["observedGeneration"] = generation
    return status


# -- writes ---------------------------------------------------------------------------------------


def _as_stored(status: Object) -> Object:
    """The status as the server stores it (with the fields Go always writes), for comparing with the stored one."""
    pod = {"status": deep_copy_json(status)}
    encode = go_encoder_for(GroupVersionKind("", "v1", "Pod"))
    if encode is not None:
        encode(pod)
    return pod["status"]


class StatusManager:
    """Writes pod statuses and finishes deletions as the kubelet (its client's identity)."""

    def __init__(
        self, client: LoopbackClient, pods: Callable[[], ResourceSpec], get_pod: Callable[[str, str], Object | None]
    ) -> None:
        self.client = client
        self._pods = pods
        self._get_pod = get_pod

    def set_pod_status(self, namespace: str, name: str, generate: Callable[[Object], Object | None]) -> None:
        """Write ``generate(pod)`` as the pod's status unless it is None or unchanged; conflicts read the pod again."""

        def write() -> None:
            pod = self._get_pod(namespace, name)
            if pod is None:
                return
            status = generate(pod)
            if status is None or _as_stored(status) == status_of(pod):
                return
            self.client.update(self._pods(), {**pod, "status": status}, subresource="status")

        retry_on_conflict(MAX_CONFLICT_RETRIES, write, f"status of pod {namespace}/{name} kept conflicting")

    def delete_pod(self, pod: Object) -> None:
        """The last step of a graceful deletion: the containers are gone, the pod can go (a 404 or 409 is fine)."""
        pod_meta = meta(pod)
        namespace, name = pod_meta.get("namespace") or "", pod_meta["name"]
        try:
            self.client.delete(self._pods(), namespace, name, uid=pod_meta.get("uid"), grace_period_seconds=0)
        except errors.StatusError as exc:
            if exc.code not in (404, 409):
                raise
