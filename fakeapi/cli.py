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
from typing import TYPE_CHECKING, NoReturn

from fakeapi.apimachinery.errors import StatusError
from fakeapi.server.filters.maxinflight import DEFAULT_MAX_MUTATING_REQUESTS_IN_FLIGHT, DEFAULT_MAX_REQUESTS_IN_FLIGHT
from fakeapi.server.secure_serving import READ_HEADER_TIMEOUT_SECONDS

if TYPE_CHECKING:
    from fakeapi.server.instance import ServerConfig


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
    # kube-apiserver's flags of the same names (0: no limit; both 0: no max-in-flight filter at all).
    serve.add_argument("--max-requests-inflight", type=int, default=DEFAULT_MAX_REQUESTS_IN_FLIGHT, metavar="N")
    serve.add_argument(
        "--max-mutating-requests-inflight", type=int, default=DEFAULT_MAX_MUTATING_REQUESTS_IN_FLIGHT, metavar="N"
    )
    serve.add_argument(
        "--read-header-timeout",
        type=float,
        default=READ_HEADER_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help="cut connections whose request head takes longer (default 32, as kube-apiserver; 0: never)",
    )
    serve.add_argument(
        "--ui",
        action="store_true",
        help="record the traffic and serve the live trace viewer at /ui/ on the same port, behind the same "
        "authentication (open it through kubectl proxy: http://127.0.0.1:8001/ui/)",
    )
    _add_kube_apiserver_flags(serve)
    return parser


def _string_slice(text: str) -> list[str]:
    """A pflag StringSlice value: comma-separated, empty items dropped."""
    return [item.strip() for item in text.split(",") if item.strip()]


def _add_kube_apiserver_flags(serve: argparse.ArgumentParser) -> None:
    """kube-apiserver's flags of the same names and formats, so its documentation applies."""
    serve.add_argument(
        "--token-auth-file",
        type=Path,
        metavar="FILE",
        help='static bearer tokens, CSV records token,user,uid[,"group1,group2"]',
    )
    serve.add_argument(
        "--authorization-mode",
        default="AlwaysAllow",
        help="comma-separated authorizers: AlwaysAllow, AlwaysDeny, RBAC (default AlwaysAllow)",
    )
    serve.add_argument(
        "--service-account-issuer",
        action="append",
        default=[],
        metavar="ISSUER",
        help="the iss of the service-account tokens issued (only the first is used here)",
    )
    serve.add_argument(
        "--api-audiences", type=_string_slice, default=[], help="audiences of the API (default: the issuer)"
    )
    flags = {
        "--requestheader-username-headers": "request headers to inspect for the user name (X-Remote-User)",
        "--requestheader-uid-headers": "request headers to inspect for the user's UID",
        "--requestheader-group-headers": "request headers to inspect for groups (X-Remote-Group)",
        "--requestheader-extra-headers-prefix": "request header prefixes to inspect (X-Remote-Extra-)",
        "--requestheader-allowed-names": "client certificate common names the front proxy may use",
    }
    for flag, text in flags.items():
        serve.add_argument(flag, type=_string_slice, help=text)


def default_kubeconfig() -> Path:
    """The admin kubeconfig's default home: the user's state directory (XDG Base Directory).

    Not the working directory: a kubeconfig holds a private key, and one written into a
    project's checkout is one ``git add .`` away from being committed.
    """
    state = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(state) / "fakeapi" / "kubeconfig"


def _server_config(args: argparse.Namespace) -> ServerConfig:
    from fakeapi.authentication.request_header import RequestHeaderConfig
    from fakeapi.server.instance import ServerConfig
    from fakeapi.testing.audit import DEFAULT_CAPACITY

    request_header = RequestHeaderConfig()
    for name in ("username_headers", "uid_headers", "group_headers", "extra_headers_prefix", "allowed_names"):
        value = getattr(args, f"requestheader_{name}")
        if value is not None:
            setattr(request_header, "extra_header_prefixes" if name == "extra_headers_prefix" else name, value)
    config = ServerConfig(
        host=args.host,
        port=args.port,
        runtime_config=list(args.runtime_config),
        allow_anonymous=args.anonymous_auth,
        max_requests_inflight=args.max_requests_inflight,
        max_mutating_requests_inflight=args.max_mutating_requests_inflight,
        read_header_timeout_seconds=args.read_header_timeout,
        # The audit and watch-event logs are for tests in the server's own process and for the live view: without
        # --ui nobody can read them from outside, so serve keeps none (the storage's watch window is bounded anyway).
        audit_log_size=DEFAULT_CAPACITY if args.ui else 0,
        watch_event_log_size=DEFAULT_CAPACITY if args.ui else 0,
        authorization_mode=args.authorization_mode,
        api_audiences=list(args.api_audiences),
        request_header=request_header,
    )
    if args.service_account_issuer:
        config.service_account_issuer = args.service_account_issuer[0]
    return config


def serve(args: argparse.Namespace) -> int:
    from fakeapi.authentication.tokenfile import TokenFileError, read_token_file
    from fakeapi.server.instance import FakeAPIServer

    started = time.perf_counter()
    try:
        tokens = read_token_file(args.token_auth_file) if args.token_auth_file else {}
    except (TokenFileError, OSError) as exc:
        print(f"fakeapi: --token-auth-file: {exc}", file=sys.stderr)
        return 1
    try:
        server = FakeAPIServer(_server_config(args))
    except ValueError as exc:
        print(f"fakeapi: {exc}", file=sys.stderr)
        return 1
    for token, user in tokens.items():
        server.tokens.add(token, user)
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
    if args.ui:
        from fakeapi.testing.trace.live import UI_PATH, LiveView

        LiveView(server).install()
    kubeconfig = server.write_kubeconfig(args.kubeconfig or default_kubeconfig())
    elapsed_ms = (time.perf_counter() - started) * 1000
    print(f"fakeapi serving on {server.url} (ready in {elapsed_ms:.0f} ms)", flush=True)
    print(f"kubeconfig written to {kubeconfig.resolve()}", flush=True)
    print(f"  export KUBECONFIG={kubeconfig.resolve()}", flush=True)
    if args.ui:
        print(
            f"live view at {server.url}{UI_PATH}/ (in a browser: kubectl proxy, then http://127.0.0.1:8001{UI_PATH}/)",
            flush=True,
        )
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
