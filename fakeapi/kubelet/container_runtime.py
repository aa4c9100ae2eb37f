"""What the simulated containers print and answer: logs, exec, attach and port-forward, as a test scripts them.

A real kubelet reads a container's log file and asks the container runtime (CRI) to exec,
attach and port-forward; here this object plays the runtime. Tests tell it:

- what containers print: ``log(namespace, pod, text)`` appends lines to a running container now
  (``kubectl logs -f`` sees them arrive); ``pods(...).output(text)`` is what every matching
  container prints when it starts (each restart prints it again, so ``kubectl logs --previous``
  shows the crashed instance's), and without one a container prints the ``logs`` of its pod
  rule's exit course (``fakeapi.kubelet.behaviour``), else nothing. Logs are kept per container
  instance (its containerID), as the runtime keeps one file per instance.
- what commands do: ``pods(...).on_exec(handler, command="cat")``; a command no handler takes
  fails as in a container without that binary. ``pods(...).on_attach(handler)`` answers
  ``kubectl attach`` (by default attach streams what the container prints from then on).
- where a forwarded port leads: ``pods(...).port_forward(("127.0.0.1", 8080), port=80)``, or a
  callable that serves the connection.

``pods(...)`` matches containers as the pod rules do (namespace, labels, owners, container
name, image) and by pod name; the first matching rule wins, in the order they were added.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from fakeapi.kubelet.behaviour import MATCH_FIELDS, OwnerChain, PodMatch
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import parse_time, utc_now

LogStream = Literal["stdout", "stderr"]


@dataclass(frozen=True)
class ContainerSelector:
    """Which containers a rule applies to: the pod rules' match (``fakeapi.kubelet.behaviour.PodMatch``), and a pod name.

    ``pod`` is a shell-style pattern of pod names (``web-*``); None matches any pod.
    """

    match: PodMatch
    pod: str | None = None

    def matches(self, pod: Object, container: str | None, owners: OwnerChain) -> bool:
        """Whether the rule takes this container of the pod (``container`` None: the pod as a whole)."""
        name = (pod.get("metadata") or {}).get("name", "")
        if self.pod is not None and not fnmatch.fnmatchcase(name, self.pod):
            return False
        if not self.match.matches_pod(pod, owners(pod)):
            return False
        return container is None or self.match.matches_container(container_spec(pod, container) or {"name": container})


def container_spec(pod: Object, container: str) -> Object | None:
    """The container called ``container`` among the pod's containers, init containers and ephemeral containers."""
    spec = pod.get("spec") or {}
    for key in ("containers", "initContainers", "ephemeralContainers"):
        for candidate in spec.get(key) or []:
            if candidate.get("name") == container:
                return dict(candidate)
    return None


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

    def __init__(
        self,
        get_pod: Callable[[str, str], Object | None],
        owners: OwnerChain,
        course_logs: Callable[[Object, Object], str] = lambda pod, container: "",
        record_error: Callable[[BaseException], None] = lambda exc: None,
    ) -> None:
        """
        Args:
            get_pod: The stored pod of a namespace and name (``log()`` appends to its running container).
            owners: The controllers up a pod's ownership chain (what ``owner_kind``/``owner_name`` match).
            course_logs: What the pod rules say a container prints (an exit course's ``logs``), for
                containers no ``output`` rule matches.
            record_error: Keeps what a test's handler raised, so the test fails with it (the
                server's ``check()``), not only the client with an internal error.
        """
        self._lock = threading.Condition()
        self._get_pod = get_pod
        self._owners = owners
        self._course_logs = course_logs
        self._record_error = record_error
        self._exec_rules: list[_ExecRule] = []
        self._attach_rules: list[_ExecRule] = []
        self._output_rules: list[_OutputRule] = []
        self._forward_rules: list[_ForwardRule] = []
        # Log lines per container instance (containerID).
        self._logs: dict[str, _InstanceLog] = {}
        self._closed = False

    # -- what tests script --------------------------------------------------------------------

    def pods(
        self,
        *,
        name: str | None = None,
        namespace: str | None = None,
        labels: str | Mapping[str, str] | None = None,
        owner_kind: str | None = None,
        owner_name: str | None = None,
        container: str | None = None,
        image: str | None = None,
    ) -> ContainerRules:
        """The containers to script, matched as the pod rules match them, plus a pod ``name`` pattern.

        ``containers.pods(name="web-*").on_exec(handler, command="cat")``; with no argument, every container.
        """
        match = PodMatch(namespace, labels, owner_kind, owner_name, container, image)
        return ContainerRules(self, ContainerSelector(match, name))

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
        stored = self._get_pod(namespace, pod)
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

    def add_rule(self, rule: _ExecRule | _OutputRule | _ForwardRule, *, attach: bool = False) -> None:
        """Append a rule after the earlier ones (which win); ContainerRules makes them."""
        with self._lock:
            if isinstance(rule, _OutputRule):
                self._output_rules.append(rule)
            elif isinstance(rule, _ForwardRule):
                self._forward_rules.append(rule)
            else:
                (self._attach_rules if attach else self._exec_rules).append(rule)

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
            matches = (
                r.handler
                for r in self._exec_rules
                if r.selector.matches(pod, container, self._owners) and r.command in (None, executable)
            )
            handler = next(matches, None)
        return None if handler is None else self._recording(handler)

    def attach_handler(self, pod: Object, container: str) -> ExecHandler | None:
        with self._lock:
            matches = (r.handler for r in self._attach_rules if r.selector.matches(pod, container, self._owners))
            handler = next(matches, None)
        return None if handler is None else self._recording(handler)

    def forward_target(self, pod: Object, port: int) -> PortForwardTarget | None:
        with self._lock:
            matches = (
                r.target
                for r in self._forward_rules
                if r.selector.matches(pod, None, self._owners) and r.port in (None, port)
            )
            target = next(matches, None)
        return self._recording(target) if callable(target) else target

    def _recording(self, handler: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """``handler``, with what it raises kept for the test before it propagates."""

        def call(argument: Any) -> Any:
            try:
                return handler(argument)
            except Exception as exc:
                self._record_error(exc)
                raise

        return call

    def log_lines(self, pod: Object, container: str, instance: ContainerInstance) -> list[LogLine]:
        """Every line the instance printed so far."""
        with self._lock:
            return list(self._instance_log(pod, container, instance).lines)

    def follow(
        self, pod: Object, container: str, instance: ContainerInstance, start: int, stopped: Callable[[], bool]
    ) -> Iterator[list[LogLine]]:
        """Lines from index ``start`` on, as they come (each batch what arrived since the last), until ``stopped()``."""
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
            yield fresh

    def _instance_log(self, pod: Object, container: str, instance: ContainerInstance) -> _InstanceLog:
        """The instance's log, made from the first matching output rule when the instance is first seen."""
        log = self._logs.get(instance.container_id)
        if log is None:
            rule = next((r for r in self._output_rules if r.selector.matches(pod, container, self._owners)), None)
            if rule is not None:
                printed = rule.lines
            else:
                spec = container_spec(pod, container) or {"name": container}
                printed = [("stdout", line) for line in _split_lines(self._course_logs(pod, spec).encode())]
            lines = [LogLine(instance.started, stream, text) for stream, text in printed]
            log = self._logs[instance.container_id] = _InstanceLog(lines)
        return log


class ContainerRules:
    """What the containers a selector matches do: their output, their commands, their forwarded ports."""

    def __init__(self, runtime: ContainerRuntime, selector: ContainerSelector) -> None:
        self._runtime = runtime
        self._selector = selector

    def on_exec(self, handler: ExecHandler, *, command: str | None = None) -> ContainerRules:
        """Answer ``exec`` of the executable ``command`` (any when None) with ``handler``."""
        self._runtime.add_rule(_ExecRule(self._selector, command, handler))
        return self

    def on_attach(self, handler: ExecHandler) -> ContainerRules:
        """Answer ``attach`` with ``handler`` (given an empty command) instead of streaming the container's output."""
        self._runtime.add_rule(_ExecRule(self._selector, None, handler), attach=True)
        return self

    def output(self, text: bytes | str, *, stream: LogStream = "stdout") -> ContainerRules:
        """What each container prints when it starts (every run of it, restarts included)."""
        self._runtime.add_rule(_OutputRule(self._selector, [(stream, line) for line in _split_lines(as_bytes(text))]))
        return self

    def port_forward(self, target: PortForwardTarget, *, port: int | None = None) -> ContainerRules:
        """Lead connections forwarded to ``port`` (any when None) to ``target``: a (host, port) or a callable."""
        self._runtime.add_rule(_ForwardRule(self._selector, port, target))
        return self


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


# -- YAML ---------------------------------------------------------------------------------------

# A rule's match: the pod rules' fields (YAML name → keyword), and the pod's name.
CONTAINER_MATCH_FIELDS = {**MATCH_FIELDS, "name": "name"}
CONTAINER_ACTIONS = ("output", "exec", "portForward")


@dataclass(frozen=True)
class CannedAnswer:
    """An exec handler that always answers the same (what a YAML rule can say)."""

    result: ExecResult

    def __call__(self, request: ExecRequest) -> ExecResult:
        return self.result


def add_rules_from_document(runtime: ContainerRuntime, entries: Any) -> None:
    """Add the ``containers`` rules of a behaviour file (``fakeapi serve --behaviour FILE``) to ``runtime``.

    Each rule is ``{"match": {...}, <action>: {...}}`` with one action: ``output`` (text, or
    ``{text, stream}``), ``exec`` (``{command, stdout, stderr, exitCode}``) or ``portForward``
    (``{port, address: "host:port"}``).

    Raises:
        ValueError: A rule of another shape, an unknown field or action.
    """
    if not isinstance(entries, list):
        raise ValueError('"containers" is a list of rules')
    for index, entry in enumerate(entries):
        where = f"containers[{index}]"
        try:
            _add_rule_from_entry(runtime, entry)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{where}: {exc}") from None


def _add_rule_from_entry(runtime: ContainerRuntime, entry: Any) -> None:
    if not isinstance(entry, Mapping):
        raise ValueError("a rule is a mapping")
    match = entry.get("match") or {}
    unknown = set(match) - set(CONTAINER_MATCH_FIELDS)
    if unknown:
        raise ValueError(f"match: unknown field(s) {', '.join(sorted(unknown))}")
    actions = [key for key in entry if key != "match"]
    if len(actions) != 1 or actions[0] not in CONTAINER_ACTIONS:
        raise ValueError(f"give exactly one action of {', '.join(CONTAINER_ACTIONS)}")
    rules = runtime.pods(**{CONTAINER_MATCH_FIELDS[k]: v for k, v in match.items()})
    action, options = actions[0], entry[actions[0]]
    if action == "output" and isinstance(options, str):
        rules.output(options)
        return
    if not isinstance(options, Mapping):
        raise ValueError(f"{action} takes a mapping of options")
    if action == "output":
        stream = options.get("stream", "stdout")
        if stream not in ("stdout", "stderr"):
            raise ValueError(f'output.stream must be "stdout" or "stderr", not {stream!r}')
        rules.output(str(options.get("text", "")), stream=stream)
    elif action == "exec":
        result = ExecResult(
            stdout=str(options.get("stdout", "")),
            stderr=str(options.get("stderr", "")),
            exit_code=int(options.get("exitCode", 0)),
        )
        command = options.get("command")
        rules.on_exec(CannedAnswer(result), command=None if command is None else str(command))
    else:
        host, _, port = str(options.get("address", "")).rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f'portForward.address must be "host:port", not {options.get("address")!r}')
        forwarded = options.get("port")
        rules.port_forward((host, int(port)), port=None if forwarded is None else int(forwarded))
