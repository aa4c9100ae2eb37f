"""What the simulated containers print and answer: logs, exec, attach and port-forward, as a test scripts them.

A real kubelet reads a container's log file and asks the container runtime (CRI) to exec,
attach and port-forward; here this object plays the runtime. Tests tell it:

- what containers print: ``log(...)`` appends lines to a running container now (``kubectl logs
  -f`` sees them arrive), ``output(...)`` says what every matching container prints when it
  starts (each restart prints it again, so ``kubectl logs --previous`` shows the crashed
  instance's). Logs are kept per container instance (its containerID), as the runtime keeps one
  file per instance; by default a container prints nothing.
- what commands do: ``on_exec(handler, command="cat", ...)``; a command no handler takes fails
  as in a container without that binary. ``on_attach(handler, ...)`` answers ``kubectl attach``
  (by default attach streams what the container prints from then on).
- where a forwarded port leads: ``port_forward(("127.0.0.1", 8080), port=80, ...)`` or a callable
  that serves the connection.

Rules match pods by namespace, name (shell-style patterns), labels, container name and image;
the first matching rule wins, in the order they were added.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import parse_time, utc_now

LogStream = Literal["stdout", "stderr"]


@dataclass(frozen=True)
class ContainerSelector:
    """Which containers a rule applies to; every field left None matches anything."""

    namespace: str | None = None
    # A shell-style pattern of pod names (``web-*``).
    pod: str | None = None
    labels: Mapping[str, str] | None = None
    container: str | None = None
    # A shell-style pattern of the container's image as the pod spec names it (``nginx:*``).
    image: str | None = None

    def matches(self, pod: Object, container: str) -> bool:
        meta = pod.get("metadata") or {}
        if self.namespace is not None and meta.get("namespace") != self.namespace:
            return False
        if self.pod is not None and not fnmatch.fnmatchcase(meta.get("name", ""), self.pod):
            return False
        labels = meta.get("labels") or {}
        if self.labels is not None and any(labels.get(k) != v for k, v in self.labels.items()):
            return False
        if self.container is not None and container != self.container:
            return False
        return self.image is None or fnmatch.fnmatchcase(_image_of(pod, container), self.image)


def _image_of(pod: Object, container: str) -> str:
    spec = pod.get("spec") or {}
    for key in ("containers", "initContainers", "ephemeralContainers"):
        for candidate in spec.get(key) or []:
            if candidate.get("name") == container:
                return str(candidate.get("image") or "")
    return ""


class Stdin(Protocol):
    """The exec's standard input: ``read()`` blocks until the client closes it (b"" when stdin was not asked for)."""

    def read(self, size: int = -1) -> bytes: ...


@dataclass(frozen=True)
class ExecRequest:
    """What a handler is given: the pod as stored, the container, the command and its standard input."""

    pod: Object
    container: str
    command: tuple[str, ...]
    stdin: Stdin
    tty: bool = False

    @property
    def namespace(self) -> str:
        return str((self.pod.get("metadata") or {}).get("namespace", ""))

    @property
    def pod_name(self) -> str:
        return str((self.pod.get("metadata") or {}).get("name", ""))


@dataclass(frozen=True)
class ExecResult:
    """What the command printed and how it ended (text is sent UTF-8 encoded)."""

    stdout: bytes | str = b""
    stderr: bytes | str = b""
    exit_code: int = 0


# A handler returns an ExecResult, or just what it printed on stdout (exit code 0).
ExecHandler = Callable[[ExecRequest], "ExecResult | bytes | str | None"]


class ForwardedConnection(Protocol):
    """One connection through a forwarded port, as a port-forward handler serves it."""

    pod: Object
    port: int

    def recv(self, size: int) -> bytes:
        """Bytes the client sent (b"" once it closed its side)."""
        ...

    def sendall(self, data: bytes) -> None: ...


# Where a forwarded port leads: a local (host, port) to connect to, or a callable that serves the connection.
PortForwardTarget = tuple[str, int] | Callable[[ForwardedConnection], None]


def as_exec_result(answer: ExecResult | bytes | str | None) -> ExecResult:
    if isinstance(answer, ExecResult):
        return answer
    return ExecResult(stdout=answer or b"")


def as_bytes(data: bytes | str) -> bytes:
    return data.encode() if isinstance(data, str) else data


@dataclass(frozen=True)
class LogLine:
    """One line as the runtime's log file holds it: when it was written, on which stream, and its text."""

    time: datetime
    stream: LogStream
    content: bytes


@dataclass(frozen=True)
class ContainerInstance:
    """One run of a container, named by the containerID its status reports."""

    container_id: str
    started: datetime
    # Still running: a follow waits for more lines.
    running: bool


@dataclass
class _ExecRule:
    selector: ContainerSelector
    command: str | None
    handler: ExecHandler


@dataclass
class _OutputRule:
    selector: ContainerSelector
    lines: list[tuple[LogStream, bytes]]


@dataclass
class _ForwardRule:
    selector: ContainerSelector
    port: int | None
    target: PortForwardTarget


@dataclass
class _InstanceLog:
    lines: list[LogLine] = field(default_factory=list)


class ContainerRuntime:
    """The scripted container runtime of every simulated node (see the module docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._exec_rules: list[_ExecRule] = []
        self._attach_rules: list[_ExecRule] = []
        self._output_rules: list[_OutputRule] = []
        self._forward_rules: list[_ForwardRule] = []
        # Log lines per container instance (containerID).
        self._logs: dict[str, _InstanceLog] = {}
        # The pods the server knows, by (namespace, name), for log() to find the running instance.
        self._pods: Callable[[str, str], Object | None] = lambda namespace, name: None
        self._closed = False

    def connect_pods(self, get_pod: Callable[[str, str], Object | None]) -> None:
        """Where ``log()`` reads the pod whose running container it appends to (the server sets it)."""
        self._pods = get_pod

    # -- what tests script ---------------------------------------------------------------------

    def on_exec(
        self,
        handler: ExecHandler,
        *,
        command: str | None = None,
        namespace: str | None = None,
        pod: str | None = None,
        labels: Mapping[str, str] | None = None,
        container: str | None = None,
        image: str | None = None,
    ) -> None:
        """Answer ``exec`` with ``handler`` in matching containers, for the executable ``command`` (any when None)."""
        with self._lock:
            self._exec_rules.append(
                _ExecRule(ContainerSelector(namespace, pod, labels, container, image), command, handler)
            )

    def on_attach(
        self,
        handler: ExecHandler,
        *,
        namespace: str | None = None,
        pod: str | None = None,
        labels: Mapping[str, str] | None = None,
        container: str | None = None,
        image: str | None = None,
    ) -> None:
        """Answer ``attach`` with ``handler`` (given an empty command) in matching containers."""
        with self._lock:
            self._attach_rules.append(
                _ExecRule(ContainerSelector(namespace, pod, labels, container, image), None, handler)
            )

    def output(
        self,
        text: bytes | str,
        *,
        stream: LogStream = "stdout",
        namespace: str | None = None,
        pod: str | None = None,
        labels: Mapping[str, str] | None = None,
        container: str | None = None,
        image: str | None = None,
    ) -> None:
        """What each matching container prints when it starts (every run of it, restarts included)."""
        with self._lock:
            self._output_rules.append(
                _OutputRule(
                    ContainerSelector(namespace, pod, labels, container, image),
                    [(stream, line) for line in _split_lines(as_bytes(text))],
                )
            )

    def log(
        self,
        namespace: str,
        pod: str,
        text: bytes | str,
        *,
        container: str | None = None,
        stream: LogStream = "stdout",
    ) -> None:
        """Append lines to what the pod's running container printed, stamped with the server clock now.

        ``container`` may be left out when the pod has one container. Followers (``kubectl logs
        -f``, ``kubectl attach``) see the lines at once.
        """
        stored = self._pods(namespace, pod)
        if stored is None:
            raise LookupError(f'pod "{pod}" not found in namespace "{namespace}"')
        name = container or _only_container(stored)
        instance = current_instance(stored, name)
        if instance is None:
            raise LookupError(f'container "{name}" in pod "{pod}" has not started')
        now = utc_now()
        with self._lock:
            log = self._instance_log(stored, name, instance)
            log.lines.extend(LogLine(now, stream, line) for line in _split_lines(as_bytes(text)))
            self._lock.notify_all()

    def port_forward(
        self,
        target: PortForwardTarget,
        *,
        port: int | None = None,
        namespace: str | None = None,
        pod: str | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        """Lead forwarded connections to ``port`` (any when None) of matching pods to ``target``."""
        with self._lock:
            self._forward_rules.append(_ForwardRule(ContainerSelector(namespace, pod, labels), port, target))

    def clear(self) -> None:
        """Forget every rule and every log line (a test's reset)."""
        with self._lock:
            self._exec_rules.clear()
            self._attach_rules.clear()
            self._output_rules.clear()
            self._forward_rules.clear()
            self._logs.clear()
            self._lock.notify_all()

    def close(self) -> None:
        """The server stops: followers end."""
        with self._lock:
            self._closed = True
            self._lock.notify_all()

    # -- what the kubelet asks -----------------------------------------------------------------

    def exec_handler(self, pod: Object, container: str, command: tuple[str, ...]) -> ExecHandler | None:
        """The handler of the first rule that takes ``command`` in this container, if any."""
        executable = command[0] if command else ""
        with self._lock:
            for rule in self._exec_rules:
                if rule.selector.matches(pod, container) and rule.command in (None, executable):
                    return rule.handler
        return None

    def attach_handler(self, pod: Object, container: str) -> ExecHandler | None:
        with self._lock:
            return next((r.handler for r in self._attach_rules if r.selector.matches(pod, container)), None)

    def forward_target(self, pod: Object, port: int) -> PortForwardTarget | None:
        with self._lock:
            for rule in self._forward_rules:
                if rule.selector.matches(pod, "") and rule.port in (None, port):
                    return rule.target
        return None

    def log_lines(self, pod: Object, container: str, instance: ContainerInstance) -> list[LogLine]:
        """Every line the instance printed so far."""
        with self._lock:
            return list(self._instance_log(pod, container, instance).lines)

    def follow(
        self, pod: Object, container: str, instance: ContainerInstance, start: int, stopped: Callable[[], bool]
    ) -> Iterator[LogLine]:
        """Lines from index ``start`` on, waiting for new ones until ``stopped()`` says so or the runtime closes."""
        position = start
        while True:
            with self._lock:
                lines = self._instance_log(pod, container, instance).lines
                while position >= len(lines) and not self._closed and not stopped():
                    # Woken by appends; the timeout re-checks ``stopped`` (client gone, container ended).
                    self._lock.wait(0.2)
                    lines = self._instance_log(pod, container, instance).lines
                fresh = lines[position:]
            if not fresh:
                return
            position += len(fresh)
            yield from fresh

    def _instance_log(self, pod: Object, container: str, instance: ContainerInstance) -> _InstanceLog:
        """The instance's log, made from the first matching output rule when the instance is first seen."""
        log = self._logs.get(instance.container_id)
        if log is None:
            rule = next((r for r in self._output_rules if r.selector.matches(pod, container)), None)
            lines = [LogLine(instance.started, stream, text) for stream, text in rule.lines] if rule else []
            log = self._logs[instance.container_id] = _InstanceLog(lines)
        return log


def _split_lines(data: bytes) -> list[bytes]:
    """Lines with their newline (a missing final newline is added, as a line-buffered program's output ends)."""
    if not data:
        return []
    lines = data.splitlines(keepends=True)
    if not lines[-1].endswith(b"\n"):
        lines[-1] += b"\n"
    return lines


def _only_container(pod: Object) -> str:
    containers = (pod.get("spec") or {}).get("containers") or []
    if len(containers) != 1:
        names = [c.get("name") for c in containers]
        raise ValueError(f"pod has several containers {names}: name one")
    return str(containers[0].get("name", ""))


def container_status(pod: Object, container: str) -> Object | None:
    """The container's status among the pod's containers, init containers and ephemeral containers."""
    status = pod.get("status") or {}
    for key in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
        for candidate in status.get(key) or []:
            if candidate.get("name") == container:
                return dict(candidate)
    return None


def current_instance(pod: Object, container: str) -> ContainerInstance | None:
    """The instance a log read without ``previous`` shows: running, else the one that ended last."""
    status = container_status(pod, container)
    if status is None:
        return None
    state = status.get("state") or {}
    if "running" in state and status.get("containerID"):
        return ContainerInstance(status["containerID"], _started(state["running"]), running=True)
    terminated = state.get("terminated") or {}
    if terminated.get("containerID"):
        return ContainerInstance(terminated["containerID"], _started(terminated), running=False)
    return previous_instance(pod, container)


def previous_instance(pod: Object, container: str) -> ContainerInstance | None:
    """The instance that ended before the current one (``lastState.terminated``), if it is known."""
    status = container_status(pod, container) or {}
    last: dict[str, Any] = (status.get("lastState") or {}).get("terminated") or {}
    if not last.get("containerID"):
        return None
    return ContainerInstance(last["containerID"], _started(last), running=False)


def _started(state: Object) -> datetime:
    started = state.get("startedAt")
    return parse_time(started) if started else utc_now()
