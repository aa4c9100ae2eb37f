"""Exec and attach sessions (kubelet/pkg/cri/streaming/remotecommand, and the API server's v5 stream translator).

A session runs the handler a test registered with the container runtime and reports as the
kubelet does: what it printed on stdout and stderr (with a TTY everything goes to stdout), then
its end on the error channel: ``{"metadata":{},"status":"Success"}``, or for a non-zero exit
upstream's Status with reason ``NonZeroExitCode`` and a cause ``ExitCode`` carrying the code
(exec.go ``ServeExec``), which kubectl turns into its own exit code. The subprotocols older
than v4 write only a failure's message there (``v1WriteStatusFunc``).

A command that no handler takes fails as containerd fails to start a missing binary, an
internal error whose text is the OCI runtime's (``exec: "x": executable file not found in
$PATH``); kubectl prints it and exits 1. A container that is not running has nothing to exec
in: ``unable to upgrade connection: container not found ("x")``, as the kubelet answers.

Attach without a handler streams what the container prints from then on (its log), until the
container stops or the client leaves, as attaching to the container's process does.

Transports: WebSocket with ``v5.channel.k8s.io`` (kubectl's default; the close signal ends
stdin), ``v4.channel.k8s.io`` and ``v4.base64.channel.k8s.io`` (JSON Status on the error
channel), ``channel.k8s.io``, ``base64.channel.k8s.io`` or none; and SPDY/3.1 with the
``v4.channel.k8s.io`` down to ``channel.k8s.io`` stream protocols (``fakeapi.kubelet.streaming.spdy_remotecommand``).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.httpstream.wsstream import (
    BASE64_CHANNEL_PROTOCOL,
    CHANNEL_PROTOCOL,
    ChannelConn,
    accept,
    is_websocket_request,
)
from fakeapi.endpoints.http import Request, ResponseWriter
from fakeapi.kubelet.container_runtime import (
    ContainerRuntime,
    ExecHandler,
    ExecRequest,
    Stdin,
    as_bytes,
    as_exec_result,
    container_status,
    current_instance,
)
from fakeapi.storage.interfaces import Object

STDIN_CHANNEL, STDOUT_CHANNEL, STDERR_CHANNEL, ERROR_CHANNEL, RESIZE_CHANNEL = range(5)
V5_PROTOCOL = "v5.channel.k8s.io"
V4_PROTOCOL = "v4.channel.k8s.io"
V4_BASE64_PROTOCOL = "v4.base64.channel.k8s.io"
# remotecommand's constants (apimachinery/pkg/util/remotecommand).
NON_ZERO_EXIT_CODE_REASON = "NonZeroExitCode"
EXIT_CODE_CAUSE_TYPE = "ExitCode"


@dataclass(frozen=True)
class _WebSocketProtocol:
    base64: bool
    # v4 and later write a JSON Status on the error channel; older ones a failure's message only.
    json_status: bool
    close_signal: bool = False


# The subprotocols served, in no particular order (the client's order decides).
WEBSOCKET_PROTOCOLS = {
    V5_PROTOCOL: _WebSocketProtocol(base64=False, json_status=True, close_signal=True),
    V4_PROTOCOL: _WebSocketProtocol(base64=False, json_status=True),
    V4_BASE64_PROTOCOL: _WebSocketProtocol(base64=True, json_status=True),
    CHANNEL_PROTOCOL: _WebSocketProtocol(base64=False, json_status=False),
    BASE64_CHANNEL_PROTOCOL: _WebSocketProtocol(base64=True, json_status=False),
    "": _WebSocketProtocol(base64=False, json_status=False),
}


@dataclass(frozen=True)
class StreamOptions:
    """remotecommand.Options: which streams the client asked for (a TTY merges stderr into stdout)."""

    stdin: bool
    stdout: bool
    stderr: bool
    tty: bool

    @classmethod
    def new(cls, *, stdin: bool, stdout: bool, stderr: bool, tty: bool) -> StreamOptions:
        """NewOptions: stderr is dropped with a TTY; at least one stream is required (a 400 before any upgrade)."""
        if tty:
            stderr = False
        if not (stdin or stdout or stderr):
            raise errors.new_bad_request("you must specify at least 1 of stdin, stdout, stderr")
        return cls(stdin, stdout, stderr, tty)


class Session(Protocol):
    """The streams of one exec or attach, whatever carries them."""

    stdin: Stdin

    def write(self, channel: int, data: bytes) -> None: ...

    def write_status(self, status: Object) -> None: ...

    def client_gone(self) -> bool: ...

    def close(self) -> None: ...


class _NoInput:
    def read(self, size: int = -1) -> bytes:
        return b""


class WebSocketSession:
    """A session over a ``channel.k8s.io``-family WebSocket."""

    def __init__(self, conn: ChannelConn, protocol: _WebSocketProtocol, options: StreamOptions) -> None:
        self._conn = conn
        self._protocol = protocol
        self.stdin: Stdin = conn.reader(STDIN_CHANNEL) if options.stdin else _NoInput()
        self._reader = threading.Thread(target=conn.serve, name="exec-websocket-reader", daemon=True)
        self._reader.start()

    def write(self, channel: int, data: bytes) -> None:
        self._conn.write(channel, data)

    def write_status(self, status: Object) -> None:
        if self._protocol.json_status:
            self._conn.write(ERROR_CHANNEL, json.dumps(status, separators=(",", ":")).encode())
        elif status.get("status") != "Success":
            self._conn.write(ERROR_CHANNEL, str(status.get("message", "")).encode())

    def client_gone(self) -> bool:
        return self._conn.websocket.closed

    def close(self) -> None:
        self._conn.websocket.close()
        self._reader.join(5)


def open_session(req: Request, w: ResponseWriter, options: StreamOptions) -> Session | None:
    """The session the client's upgrade asks for; None when the upgrade was refused (the refusal already written)."""
    if is_websocket_request(req):
        return _open_websocket_session(req, w, options)
    from fakeapi.kubelet.streaming.spdy_remotecommand import open_spdy_session

    return open_spdy_session(req, w, options)


def _open_websocket_session(req: Request, w: ResponseWriter, options: StreamOptions) -> Session | None:
    """Upgrade to the client's preferred served subprotocol; None when the handshake was refused (already answered)."""
    websocket = accept(req, w, list(WEBSOCKET_PROTOCOLS))
    if websocket is None:
        return None
    protocol = WEBSOCKET_PROTOCOLS[websocket.protocol]
    readable = {STDIN_CHANNEL} if options.stdin else set()
    if options.tty:
        readable.add(RESIZE_CHANNEL)
    conn = ChannelConn(websocket, frozenset(readable), base64=protocol.base64, close_signal=protocol.close_signal)
    session = WebSocketSession(conn, protocol, options)
    # createWebSocketStreams: an empty message on the lowest writable channel tells the client the streams are up.
    first = STDOUT_CHANNEL if options.stdout else STDERR_CHANNEL if options.stderr else ERROR_CHANNEL
    session.write(first, b"")
    return session


def success_status() -> Object:
    return {"metadata": {}, "status": "Success"}


def exit_code_status(command: tuple[str, ...], exit_code: int) -> Object:
    """ServeExec's Status for a command that exited non-zero (containerd's ``error executing command`` text)."""
    detail = f"error executing command [{' '.join(command)}], exit code {exit_code}"
    return {
        "metadata": {},
        "status": "Failure",
        "message": f"command terminated with non-zero exit code: {detail}",
        "reason": NON_ZERO_EXIT_CODE_REASON,
        "details": {"causes": [{"reason": EXIT_CODE_CAUSE_TYPE, "message": str(exit_code)}]},
    }


def internal_error_status(message: str) -> Object:
    status: Object = errors.new_internal_error(message).status
    return {k: v for k, v in status.items() if k not in ("kind", "apiVersion")}


def executable_not_found(pod: Object, container: str, command: tuple[str, ...]) -> str:
    """containerd's error for a command whose binary the container lacks (the exec ID is derived, not random)."""
    status = container_status(pod, container) or {}
    exec_id = hashlib.sha256(f"{status.get('containerID', '')}/{' '.join(command)}".encode()).hexdigest()
    executable = command[0] if command else ""
    return (
        f'error executing command in container: failed to exec in container: failed to start exec "{exec_id}": '
        f'OCI runtime exec failed: exec failed: unable to start container process: exec: "{executable}": '
        "executable file not found in $PATH: unknown"
    )


def container_running(pod: Object, container: str) -> bool:
    instance = current_instance(pod, container)
    return instance is not None and instance.running


def serve_exec(
    session: Session,
    pod: Object,
    container: str,
    command: tuple[str, ...],
    options: StreamOptions,
    handler: ExecHandler | None,
) -> None:
    """Run one exec (or an attach with a handler): its output, then how it ended."""
    try:
        if not container_running(pod, container):
            session.write_status(
                internal_error_status(f'unable to upgrade connection: container not found ("{container}")')
            )
            return
        if handler is None:
            session.write_status(internal_error_status(executable_not_found(pod, container, command)))
            return
        request = ExecRequest(pod=pod, container=container, command=command, stdin=session.stdin, tty=options.tty)
        try:
            result = as_exec_result(handler(request))
        except Exception as exc:  # a test's handler failed: the exec fails as the runtime's would
            session.write_status(internal_error_status(f"error executing command in container: {exc}"))
            return
        _write_output(session, options, as_bytes(result.stdout), as_bytes(result.stderr))
        session.write_status(success_status() if result.exit_code == 0 else exit_code_status(command, result.exit_code))
    except (ConnectionError, OSError):
        return  # the client left mid-stream: nothing more to tell it
    finally:
        session.close()


def attach_mark(runtime: ContainerRuntime, pod: Object, container: str) -> int:
    """Where an attach starts reading what the container prints: after what it printed so far."""
    instance = current_instance(pod, container)
    return 0 if instance is None else len(runtime.log_lines(pod, container, instance))


def serve_attach(
    session: Session,
    runtime: ContainerRuntime,
    pod: Object,
    container: str,
    options: StreamOptions,
    mark: int,
    still_running: Callable[[], bool],
) -> None:
    """Attach: a registered handler answers as an exec with no command; otherwise what the container prints from ``mark`` on."""
    handler = runtime.attach_handler(pod, container)
    if handler is not None:
        serve_exec(session, pod, container, (), options, handler)
        return
    try:
        instance = current_instance(pod, container)
        if instance is None or not instance.running:
            session.write_status(
                internal_error_status(f'unable to upgrade connection: container not found ("{container}")')
            )
            return

        def stopped() -> bool:
            return session.client_gone() or not still_running()

        for batch in runtime.follow(pod, container, instance, mark, stopped):
            for line in batch:
                channel = STDOUT_CHANNEL if line.stream == "stdout" or options.tty else STDERR_CHANNEL
                session.write(channel, line.content)
        if not session.client_gone():
            session.write_status(success_status())
    except (ConnectionError, OSError):
        return
    finally:
        session.close()


def _write_output(session: Session, options: StreamOptions, stdout: bytes, stderr: bytes) -> None:
    if options.tty:
        stdout, stderr = stdout + stderr, b""
    if stdout and options.stdout:
        session.write(STDOUT_CHANNEL, stdout)
    if stderr and options.stderr:
        session.write(STDERR_CHANNEL, stderr)
