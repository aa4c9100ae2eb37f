"""Pod rules: what a test scripts the simulated containers to do (kwok's Stages, as data).

A :class:`Behaviour` is an ordered list of rules. Each rule matches containers (by the pod's
namespace, labels and owners, by container name or image) and gives them a *course*: become
ready (after a delay, for a while, flapping), fail to pull their image, exit with a code
(crash, OOMKilled, run to completion), stay ``ContainerCreating``, never turn ready. The first
rule that matches a container decides its course; containers no rule matches follow the
cluster's default policy (``ClusterConfig.pod_policy``, by default become Ready).

The courses mirror what the kubelet reports, with upstream's reasons and messages:

- image pulls (pkg/kubelet/images/image_manager.go ``EnsureImageExists``): a failed pull is
  ``ErrImagePull`` with the runtime's error; while the pull is backed off (10 s doubling to
  5 min) ``ImagePullBackOff`` with ``Back-off pulling image "<image>": ErrImagePull: <error>``;
- restarts (pkg/kubelet/kuberuntime/kuberuntime_manager.go ``doBackOff``, pkg/kubelet/kubelet.go
  ``backOffPeriod``/``MaxContainerBackOff``): a container that exited is restarted at once the
  first time, then after a back-off of 10 s doubling to 5 min, meanwhile ``CrashLoopBackOff``
  with ``back-off 10s restarting failed container=<name> pod=<name>_<namespace>(<uid>)``; the
  restart policy decides whether it restarts at all (Never; OnFailure after a non-zero code);
- ``OOMKilled`` is an exit with code 137 and that reason (the runtime's).

The kubelet derives the rest of the pod status (phase, conditions, ``restartCount``,
``lastState``) from the containers' states, as upstream does.

Rules come from the test (``fakeapi.behaviour.pods(...).crash()``), or from YAML for
``fakeapi serve --behaviour FILE`` (:func:`behaviour_from_yaml`). A change of the rules makes
the kubelets look at their pods again.
"""

from __future__ import annotations

import fnmatch
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from fakeapi.apimachinery.labels import LabelSelector, parse_label_selector
from fakeapi.kubelet.policy import COMPLETED, ContainerState, Object, PodContext, PodPolicy, PodStep
from fakeapi.util.flowcontrol import Backoff

# pkg/kubelet/kubelet.go: backOffPeriod and MaxContainerBackOff, for image pulls and restarts alike.
BACKOFF_PERIOD_SECONDS = 10.0
MAX_CONTAINER_BACKOFF_SECONDS = 300.0
# Container waiting reasons (pkg/kubelet/images/types.go, pkg/kubelet/container/sync_result.go).
ERR_IMAGE_PULL = "ErrImagePull"
IMAGE_PULL_BACKOFF = "ImagePullBackOff"
CRASH_LOOP_BACKOFF = "CrashLoopBackOff"
CONTAINER_CREATING = "ContainerCreating"
# The runtime's reasons for a container that exited.
ERROR = "Error"
OOM_KILLED = "OOMKilled"
OOM_EXIT_CODE = 137


def go_duration(seconds: float) -> str:
    """A time.Duration as Go prints it, for whole seconds: ``10s``, ``1m20s``, ``5m0s``, ``1h0m0s``."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


def not_found_pull_error(image: str) -> str:
    """What containerd answers for an image that does not exist, as the kubelet reports it (the CRI's error text)."""
    from fakeapi.kubelet.status_manager import normalize_image

    ref = normalize_image(image)
    return (
        f'rpc error: code = NotFound desc = failed to pull and unpack image "{ref}": '
        f'failed to resolve reference "{ref}": {ref}: not found'
    )


@dataclass
class Runtime:
    """What a kubelet remembers between syncs (its back-off maps), and the pod and container a course runs."""

    image_backoff: Backoff = field(
        default_factory=lambda: Backoff(BACKOFF_PERIOD_SECONDS, MAX_CONTAINER_BACKOFF_SECONDS)
    )
    restart_backoff: Backoff = field(
        default_factory=lambda: Backoff(BACKOFF_PERIOD_SECONDS, MAX_CONTAINER_BACKOFF_SECONDS)
    )

    def clear(self) -> None:
        self.image_backoff.clear()
        self.restart_backoff.clear()


@dataclass(frozen=True)
class ContainerContext:
    """One container as a course sees it: the pod's context, the container's spec and its last reported status."""

    pod: PodContext
    container: Object
    status: Object
    runtime: Runtime

    @property
    def name(self) -> str:
        return str(self.container["name"])

    @property
    def now(self) -> float:
        return self.pod.now.timestamp()

    @property
    def state(self) -> Object:
        return self.status.get("state") or {}

    @property
    def restart_count(self) -> int:
        return int(self.status.get("restartCount") or 0)

    def running_since(self) -> float | None:
        """When the current container started (its running state), or None when it is not running."""
        from fakeapi.util.clock import parse_time

        started = (self.state.get("running") or {}).get("startedAt")
        return parse_time(started).timestamp() if started else None

    def finished_at(self) -> float | None:
        """When the last container exited (its terminated state now, or the last one while waiting to restart)."""
        from fakeapi.util.clock import parse_time

        terminated = self.state.get("terminated") or (self.status.get("lastState") or {}).get("terminated")
        finished = (terminated or {}).get("finishedAt")
        return parse_time(finished).timestamp() if finished else None


# A course's answer: the container's state and when to look again (seconds; None: not before something changes).
Decision = tuple[ContainerState, float | None]


class Course(Protocol):
    """What a matched container does: asked on every sync of its pod."""

    def decide(self, ctx: ContainerContext) -> Decision: ...


@dataclass(frozen=True)
class Ready:
    """Run and turn ready ``after`` seconds; with ``ready_for``, turn unready after that long, and with
    ``unready_for`` as well, flap: ready for ``ready_for`` seconds, unready for ``unready_for``, and so on.

    ``after=math.inf`` never turns ready (a readiness probe that keeps failing).
    """

    after: float = 0.0
    ready_for: float | None = None
    unready_for: float | None = None

    def decide(self, ctx: ContainerContext) -> Decision:
        since = ctx.running_since()
        elapsed = 0.0 if since is None else ctx.now - since
        if elapsed < self.after:
            return ContainerState("running", ready=False), _finite(self.after - elapsed)
        if self.ready_for is None:
            return ContainerState("running", ready=True), None
        phase = elapsed - self.after
        if self.unready_for is None:
            ready = phase < self.ready_for
            return ContainerState("running", ready=ready), (self.ready_for - phase) if ready else None
        cycle = self.ready_for + self.unready_for
        offset = phase % cycle
        if offset < self.ready_for:
            return ContainerState("running", ready=True), self.ready_for - offset
        return ContainerState("running", ready=False), cycle - offset


@dataclass(frozen=True)
class StayCreating:
    """The container never starts: ``ContainerCreating`` (a volume or sandbox that never comes up)."""

    def decide(self, ctx: ContainerContext) -> Decision:
        return ContainerState("waiting", reason=CONTAINER_CREATING), None


@dataclass(frozen=True)
class FailImagePull:
    """Every pull of the container's image fails with ``error`` (default: containerd's not-found answer)."""

    error: str = ""

    def decide(self, ctx: ContainerContext) -> Decision:
        image = str(ctx.container.get("image") or "")
        error = self.error or not_found_pull_error(image)
        backoff = ctx.runtime.image_backoff
        key = f"{(ctx.pod.pod.get('metadata') or {}).get('uid', '')}_{image}"
        if backoff.in_backoff_since_update(key, ctx.now):
            message = f'Back-off pulling image "{image}": {ERR_IMAGE_PULL}: {error}'
            last = backoff.last_update(key) or ctx.now
            return ContainerState("waiting", reason=IMAGE_PULL_BACKOFF, message=message), last + backoff.get(
                key
            ) - ctx.now
        backoff.next(key, ctx.now)
        return ContainerState("waiting", reason=ERR_IMAGE_PULL, message=error), 0.0


@dataclass(frozen=True)
class Exit:
    """The container runs ``after`` seconds, then exits with ``exit_code`` (and ``reason``: the runtime's
    ``Completed`` for 0, ``Error`` otherwise, unless given, as ``OOMKilled``).

    What follows is the restart policy's: restarted with back-off (``CrashLoopBackOff`` meanwhile)
    under Always, and under OnFailure after a non-zero code; left terminated otherwise, so a pod
    whose containers all exited ends Succeeded or Failed. ``logs`` is what the container printed
    before it exited (served by ``kubectl logs --previous`` where logs are served).
    """

    exit_code: int = 1
    after: float = 0.0
    reason: str = ""
    logs: str = ""

    def decide(self, ctx: ContainerContext) -> Decision:
        since = ctx.running_since()
        if since is not None:
            if ctx.now < since + self.after:
                return ContainerState(
                    "running", ready=True, restart_count=ctx.restart_count
                ), since + self.after - ctx.now
            reason = self.reason or (COMPLETED if self.exit_code == 0 else ERROR)
            exited = ContainerState(
                "terminated", reason=reason, exit_code=self.exit_code, restart_count=ctx.restart_count
            )
            # The pod lifecycle event makes the kubelet sync again at once, to restart it or back off.
            return exited, 0.0
        finished = ctx.finished_at()
        if finished is None:
            # Not started yet: start it.
            return ContainerState("running", ready=True, restart_count=ctx.restart_count), _finite(self.after)
        if not self._restarts(ctx):
            terminated = self.reason or (COMPLETED if self.exit_code == 0 else ERROR)
            return ContainerState(
                "terminated", reason=terminated, exit_code=self.exit_code, restart_count=ctx.restart_count
            ), None
        pod_meta = ctx.pod.pod.get("metadata") or {}
        key = f"{pod_meta.get('uid', '')}_{ctx.name}"
        backoff = ctx.runtime.restart_backoff
        if backoff.in_backoff_since(key, finished, ctx.now):
            delay = backoff.get(key)
            pod = f"{pod_meta.get('name')}_{pod_meta.get('namespace')}({pod_meta.get('uid')})"
            message = f"back-off {go_duration(delay)} restarting failed container={ctx.name} pod={pod}"
            waiting = ContainerState(
                "waiting", reason=CRASH_LOOP_BACKOFF, message=message, restart_count=ctx.restart_count
            )
            return waiting, finished + delay - ctx.now
        backoff.next(key, finished)
        restarted = ContainerState("running", ready=True, restart_count=ctx.restart_count + 1)
        return restarted, _finite(self.after)

    def _restarts(self, ctx: ContainerContext) -> bool:
        policy = (ctx.pod.pod.get("spec") or {}).get("restartPolicy") or "Always"
        return policy == "Always" or (policy == "OnFailure" and self.exit_code != 0)


def _finite(seconds: float) -> float | None:
    return None if math.isinf(seconds) else seconds


def crash(exit_code: int = 1, *, after: float = 0.0, logs: str = "") -> Exit:
    """The container exits with ``exit_code`` (reason ``Error``) ``after`` seconds, on every start."""
    return Exit(exit_code, after, logs=logs)


def oom_killed(*, after: float = 0.0, logs: str = "") -> Exit:
    """The container is killed for memory: exit code 137, reason ``OOMKilled``."""
    return Exit(OOM_EXIT_CODE, after, OOM_KILLED, logs)


def complete(exit_code: int = 0, *, after: float = 0.0, logs: str = "") -> Exit:
    """The container runs to completion with ``exit_code`` (a Job pod then Succeeds, or Fails)."""
    return Exit(exit_code, after, logs=logs)


def never_ready() -> Ready:
    """The container runs but its readiness probe keeps failing: Ready and ContainersReady stay False."""
    return Ready(after=math.inf)


# -- matching -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PodMatch:
    """Which containers a rule is for; every given field must match (none given: every container).

    ``labels`` is a label selector (``app=web,tier in (a,b)``) or a mapping of labels that must be
    present; ``owner_kind``/``owner_name`` match any controller up the pod's ownership chain (a
    Deployment's pods match ``owner_kind="Deployment"``); ``container`` and ``image`` are
    shell-style patterns (``nginx:*``) on the container's name and its image as written.
    """

    namespace: str | None = None
    labels: str | Mapping[str, str] | None = None
    owner_kind: str | None = None
    owner_name: str | None = None
    container: str | None = None
    image: str | None = None
    _selector: LabelSelector | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Parsed once, so a bad selector fails where the rule is made.
        object.__setattr__(self, "_selector", self._parse_selector())

    def _parse_selector(self) -> LabelSelector | None:
        if self.labels is None:
            return None
        if isinstance(self.labels, str):
            return parse_label_selector(self.labels)
        return parse_label_selector(",".join(f"{k}={v}" for k, v in self.labels.items()))

    def matches_pod(self, pod: Object, owners: list[tuple[str, str]]) -> bool:
        meta = pod.get("metadata") or {}
        if self.namespace is not None and meta.get("namespace") != self.namespace:
            return False
        if self._selector is not None and not self._selector.matches(meta.get("labels") or {}):
            return False
        if self.owner_kind is not None or self.owner_name is not None:
            return any(
                (self.owner_kind is None or kind == self.owner_kind)
                and (self.owner_name is None or fnmatch.fnmatchcase(name, self.owner_name))
                for kind, name in owners
            )
        return True

    def matches_container(self, container: Object) -> bool:
        if self.container is not None and not fnmatch.fnmatchcase(str(container.get("name")), self.container):
            return False
        return self.image is None or fnmatch.fnmatchcase(str(container.get("image") or ""), self.image)


@dataclass(frozen=True)
class PodRule:
    """A match and the course of the containers it matches."""

    match: PodMatch
    course: Course


class PodRules:
    """The rules a selector (``behaviour.pods(...)``) adds: each method appends one and returns it."""

    def __init__(self, behaviour: Behaviour, match: PodMatch) -> None:
        self._behaviour = behaviour
        self.match = match

    def _add(self, course: Course) -> PodRule:
        return self._behaviour.add(PodRule(self.match, course))

    def become_ready(
        self, *, after: float = 0.0, ready_for: float | None = None, unready_for: float | None = None
    ) -> PodRule:
        return self._add(Ready(after, ready_for, unready_for))

    def never_ready(self) -> PodRule:
        return self._add(never_ready())

    def stay_creating(self) -> PodRule:
        return self._add(StayCreating())

    def fail_image_pull(self, error: str = "") -> PodRule:
        return self._add(FailImagePull(error))

    def crash(self, exit_code: int = 1, *, after: float = 0.0, logs: str = "") -> PodRule:
        return self._add(crash(exit_code, after=after, logs=logs))

    def oom_killed(self, *, after: float = 0.0, logs: str = "") -> PodRule:
        return self._add(oom_killed(after=after, logs=logs))

    def complete(self, exit_code: int = 0, *, after: float = 0.0, logs: str = "") -> PodRule:
        return self._add(complete(exit_code, after=after, logs=logs))


# The controllers up a pod's ownership chain, nearest first: (kind, name).
OwnerChain = Callable[[Object], list[tuple[str, str]]]


def _controller_refs(pod: Object) -> list[tuple[str, str]]:
    refs = (pod.get("metadata") or {}).get("ownerReferences") or []
    return [(str(r.get("kind")), str(r.get("name"))) for r in refs if r.get("controller")]


class Behaviour:
    """The ordered pod rules of one server, over its default policy; a :class:`PodPolicy` the kubelets ask.

    ``owners`` walks a pod's controllers up (the kubelets give it their listers); without it only
    the pod's own controller is known.
    """

    def __init__(self, default: Callable[[], PodPolicy], owners: OwnerChain = _controller_refs) -> None:
        self._default = default
        self.owners = owners
        self.runtime = Runtime()
        self._rules: list[PodRule] = []
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    # -- rules ---------------------------------------------------------------------------------

    def pods(
        self,
        *,
        namespace: str | None = None,
        labels: str | Mapping[str, str] | None = None,
        owner_kind: str | None = None,
        owner_name: str | None = None,
        container: str | None = None,
        image: str | None = None,
    ) -> PodRules:
        """The containers to give a course: ``behaviour.pods(image="nginx:broken").fail_image_pull()``."""
        return PodRules(self, PodMatch(namespace, labels, owner_kind, owner_name, container, image))

    def add(self, rule: PodRule) -> PodRule:
        """Append a rule (after the earlier ones, which win); the kubelets look at their pods again."""
        with self._lock:
            self._rules.append(rule)
        self._changed()
        return rule

    @property
    def rules(self) -> list[PodRule]:
        with self._lock:
            return list(self._rules)

    def clear(self) -> None:
        """Forget every rule and what the kubelets remembered (a reset)."""
        with self._lock:
            self._rules.clear()
        self.runtime.clear()

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Called after each change of the rules (the kubelets enqueue their pods)."""
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in self._listeners:
            listener()

    def course_for(self, pod: Object, container: Object) -> Course | None:
        """The course of the first rule matching the container, or None for the default policy's."""
        rules = self.rules
        if not rules:
            return None
        owners = self.owners(pod)
        return next(
            (r.course for r in rules if r.match.matches_pod(pod, owners) and r.match.matches_container(container)),
            None,
        )

    # -- PodPolicy -----------------------------------------------------------------------------

    def step(self, ctx: PodContext) -> PodStep:
        default = self._default().step(ctx)
        spec = ctx.pod.get("spec") or {}
        statuses = {s.get("name"): s for s in (ctx.pod.get("status") or {}).get("containerStatuses") or []}
        containers = dict(default.containers)
        waits = [] if default.requeue_after is None else [default.requeue_after]
        for container in spec.get("containers") or []:
            course = self.course_for(ctx.pod, container)
            if course is None:
                continue
            status = statuses.get(container["name"]) or {}
            state, wait = course.decide(ContainerContext(ctx, container, status, self.runtime))
            containers[container["name"]] = state
            if wait is not None:
                waits.append(wait)
        return PodStep(default.init_containers, containers, requeue_after=min(waits) if waits else None)

    def terminate(self, ctx: PodContext) -> PodStep:
        return self._default().terminate(ctx)


# -- YAML -----------------------------------------------------------------------------------------

_MATCH_FIELDS = {
    "namespace": "namespace",
    "labels": "labels",
    "ownerKind": "owner_kind",
    "ownerName": "owner_name",
    "container": "container",
    "image": "image",
}


def _course(kind: str, options: Mapping[str, Any]) -> Course:
    def number(name: str, default: float) -> float:
        value = options.get(name, default)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ValueError(f"{kind}.{name} must be a number, not {value!r}")
        return float(value)

    def optional(name: str) -> float | None:
        return None if options.get(name) is None else number(name, 0)

    logs = str(options.get("logs") or "")
    if kind == "becomeReady":
        return Ready(number("after", 0), optional("readyFor"), optional("unreadyFor"))
    if kind == "neverReady":
        return never_ready()
    if kind == "stayCreating":
        return StayCreating()
    if kind == "failImagePull":
        return FailImagePull(str(options.get("error") or ""))
    if kind == "crash":
        return crash(int(number("exitCode", 1)), after=number("after", 0), logs=logs)
    if kind == "oomKilled":
        return oom_killed(after=number("after", 0), logs=logs)
    if kind == "complete":
        return complete(int(number("exitCode", 0)), after=number("after", 0), logs=logs)
    raise ValueError(f"unknown course {kind!r} (known: {', '.join(COURSES)})")


COURSES = ("becomeReady", "neverReady", "stayCreating", "failImagePull", "crash", "oomKilled", "complete")


def rules_from_document(document: Any) -> list[PodRule]:
    """The rules of a behaviour document: ``{"pods": [{"match": {...}, "crash": {"exitCode": 2}}, ...]}``.

    Raises:
        ValueError: A document that is not of that shape, an unknown field or course.
    """
    if not isinstance(document, Mapping) or set(document) - {"pods"}:
        raise ValueError('a behaviour document is a mapping with one key, "pods": a list of rules')
    rules = []
    for index, entry in enumerate(document.get("pods") or []):
        where = f"pods[{index}]"
        if not isinstance(entry, Mapping):
            raise ValueError(f"{where}: a rule is a mapping")
        match = entry.get("match") or {}
        unknown = set(match) - set(_MATCH_FIELDS)
        if unknown:
            raise ValueError(f"{where}.match: unknown field(s) {', '.join(sorted(unknown))}")
        courses = [key for key in entry if key != "match"]
        if len(courses) != 1:
            raise ValueError(f"{where}: give exactly one course of {', '.join(COURSES)}")
        try:
            course = _course(courses[0], entry[courses[0]] or {})
            pod_match = PodMatch(**{_MATCH_FIELDS[k]: v for k, v in match.items()})
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        rules.append(PodRule(pod_match, course))
    return rules


def rules_from_yaml(text: str) -> list[PodRule]:
    """:func:`rules_from_document` of YAML text (``fakeapi serve --behaviour FILE``)."""
    import yaml

    return rules_from_document(yaml.safe_load(text) or {})
