"""``fakeapi serve``: the server as a command, for kubectl, helm and any other language."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import NoReturn

from fakeapi.apimachinery.errors import StatusError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fakeapi", description="A Kubernetes API server in memory.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the API over HTTPS until interrupted")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=6443, help="port to listen on; 0 picks a free one (default 6443)")
    serve.add_argument(
        "--kubeconfig",
        type=Path,
        default=None,
        help="where to write the admin kubeconfig (default $XDG_STATE_HOME/fakeapi/kubeconfig, "
        "else ~/.local/state/fakeapi/kubeconfig)",
    )
    serve.add_argument(
        "--seed",
        action="append",
        default=[],
        type=Path,
        metavar="PATH",
        help="YAML file or directory to load",
    )
    serve.add_argument(
        "--runtime-config",
        action="append",
        default=[],
        metavar="GROUP/VERSION[/RESOURCE]=BOOL",
        help="enable or disable API group-versions or resources, as kube-apiserver's --runtime-config",
    )
    serve.add_argument("--anonymous-auth", action="store_true", help="answer requests without credentials")
    return parser


def default_kubeconfig() -> Path:
    """The admin kubeconfig's default home: the user's state directory (XDG Base Directory).

    Not the working directory: a kubeconfig holds a private key, and one written into a
    project's checkout is one ``git add .`` away from being committed.
    """
    state = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(state) / "fakeapi" / "kubeconfig"


def serve(args: argparse.Namespace) -> int:
    from fakeapi.server.instance import FakeAPIServer, ServerConfig

    started = time.perf_counter()
    config = ServerConfig(
        host=args.host,
        port=args.port,
        runtime_config=list(args.runtime_config),
        allow_anonymous=args.anonymous_auth,
    )
    server = FakeAPIServer(config)
    try:
        server.seed(*args.seed)
    except (StatusError, OSError, ValueError) as exc:
        print(f"fakeapi: cannot load seed manifests: {exc}", file=sys.stderr)
        return 1
    try:
        server.start()
    except OSError as exc:
        print(f"fakeapi: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    kubeconfig = server.write_kubeconfig(args.kubeconfig or default_kubeconfig())
    elapsed_ms = (time.perf_counter() - started) * 1000
    print(f"fakeapi serving on {server.url} (ready in {elapsed_ms:.0f} ms)", flush=True)
    print(f"kubeconfig written to {kubeconfig.resolve()}", flush=True)
    print(f"  export KUBECONFIG={kubeconfig.resolve()}", flush=True)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    stop.wait()
    server.stop()
    print("fakeapi stopped", flush=True)
    return 0


def _exit_without_finalizing(code: int) -> NoReturn:
    """End the process now that the server has stopped, without tearing the interpreter down.

    The teardown (every module's objects, the schemas and descriptors a server loads) takes
    0.3-1 s of a loaded machine after "fakeapi stopped", and nothing needs it: the kubeconfig was
    written atomically, every socket is closed, and fakeapi registers no exit handlers. A
    supervisor sending SIGTERM waits for the exit, so it comes at once.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """The ``fakeapi`` command. ``serve`` does not return: it ends the process when the server stops."""
    args = _parser().parse_args(argv)
    if args.command == "serve":
        _exit_without_finalizing(serve(args))
    return 2


if __name__ == "__main__":
    sys.exit(main())
