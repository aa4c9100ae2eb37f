"""The replaceable decision of how each pod runs: what its containers do, and when to look again.

A real kubelet reports what its containers did; the simulated one asks a policy. The policy
only says what each container is doing (:class:`ContainerState`); the kubelet derives the rest
of the pod status from that as upstream does (phase, conditions, addresses, times: see
``fakeapi.kubelet.status_manager``), so a policy cannot produce a status a kubelet would not.

:class:`BecomeReady` is the default: containers start and are ready at once (or after
``ClusterConfig.pod_ready_delay_seconds``), init containers complete first, sidecars keep
running, and Job pods (``restartPolicy`` Never or OnFailure, controlled by a Job) complete with
exit code 0. Crash loops, image-pull failures, slow starts are other policies: set
``ClusterConfig.pod_policy`` (also while the server runs; each sync reads it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

Object = dict[str, Any]
StateKind = Literal["waiting", "running", "terminated"]

# Container reasons as the kubelet and container runtime report them.
CONTAINER_CREATING = "ContainerCreating"
POD_INITIALIZING = "PodInitializing"
COMPLETED = "Completed"


@dataclass(frozen=True)
class ContainerState:
    """What one container is doing: waiting (with a reason), running, or terminated (exit code, reason)."""

    state: StateKind
    ready: bool = False
    reason: str = ""
    message: str = ""
    exit_code: int = 0
    restart_count: int = 0


@dataclass(frozen=True)
class PodStep:
    """A policy's answer: each container's state by name, and when to ask again (server-clock seconds)."""

    init_containers: dict[str, ContainerState] = field(default_factory=dict)
    containers: dict[str, ContainerState] = field(default_factory=dict)
    requeue_after: float | None = None


@dataclass(frozen=True)
class PodContext:
    """What a policy decides from: the pod as stored, the server clock, and the cluster's settings."""

    pod: Object
    now: datetime
    # When the kubelet started the pod (status.startTime): how long it has been running.
    started: datetime
    ready_delay_seconds: float

    @property
    def elapsed(self) -> float:
        return (self.now - self.started).total_seconds()


class PodPolicy(Protocol):
    """Decides a pod's course: called on every sync of a running pod, and once when it is deleted."""

    def step(self, ctx: PodContext) -> PodStep:
        """The containers' states now (a pod whose containers all terminated ends with that phase)."""
        ...

    def terminate(self, ctx: PodContext) -> PodStep:
        """The containers' states once they were stopped for a deletion."""
        ...


def is_sidecar(container: Object) -> bool:
    """podutil.IsRestartableInitContainer: an init container with restartPolicy Always runs beside the others."""
    return container.get("restartPolicy") == "Always"


# Helm's hook annotation: Helm waits for a hook pod (a `helm test` pod among them) to succeed.
HELM_HOOK_ANNOTATION = "helm.sh/hook"


def runs_to_completion(pod: Object) -> bool:
    """A pod whose containers exit by themselves: restartPolicy Never or OnFailure, and controlled by a
    Job or run as a Helm hook (whose pods Helm waits to see Succeeded). Other pods run until deleted."""
    spec = pod.get("spec") or {}
    if spec.get("restartPolicy") not in ("Never", "OnFailure"):
        return False
    meta = pod.get("metadata") or {}
    if HELM_HOOK_ANNOTATION in (meta.get("annotations") or {}):
        return True
    return any(r.get("controller") and r.get("kind") == "Job" for r in meta.get("ownerReferences") or [])


@dataclass(frozen=True)
class BecomeReady:
    """The default course: init containers complete, containers run and turn ready; Job pods and
    Helm hook pods complete (``runs_to_completion``).

    ``run_seconds``: how long such a pod's containers run before they exit 0 (0: they complete
    at the first sync, and the pod goes straight to Succeeded).
    """

    run_seconds: float = 0.0

    def step(self, ctx: PodContext) -> PodStep:
        spec = ctx.pod.get("spec") or {}
        init: dict[str, ContainerState] = {}
        for container in spec.get("initContainers") or []:
            if is_sidecar(container):
                init[container["name"]] = ContainerState("running", ready=True)
            else:
                init[container["name"]] = ContainerState("terminated", ready=True, reason=COMPLETED)
        if runs_to_completion(ctx.pod) and ctx.elapsed >= self.run_seconds:
            done = ContainerState("terminated", reason=COMPLETED)
            return PodStep(init, {c["name"]: done for c in spec.get("containers") or []})
        ready = ctx.elapsed >= ctx.ready_delay_seconds
        running = ContainerState("running", ready=ready)
        wait = [ctx.ready_delay_seconds - ctx.elapsed] if not ready else []
        if runs_to_completion(ctx.pod):
            wait.append(self.run_seconds - ctx.elapsed)
        return PodStep(
            init,
            {c["name"]: running for c in spec.get("containers") or []},
            requeue_after=min(wait) if wait else None,
        )

    def terminate(self, ctx: PodContext) -> PodStep:
        """Every container exits 0 on SIGTERM (as nginx does): the pod ends Completed."""
        spec = ctx.pod.get("spec") or {}
        stopped = ContainerState("terminated", reason=COMPLETED)
        # Init containers that completed stay ready; stopped sidecars are not.
        init = {
            c["name"]: stopped if is_sidecar(c) else ContainerState("terminated", ready=True, reason=COMPLETED)
            for c in spec.get("initContainers") or []
        }
        return PodStep(init, {c["name"]: stopped for c in spec.get("containers") or []})
