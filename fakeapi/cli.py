"""``fakeapi serve``: the server as a command, for kubectl, helm and any other language."""

from __future__ import annotations

import argparse
import gc
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
    from fakeapi.server.instance import FakeAPIServer, ServerConfig


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
        "--behaviour",
        type=Path,
        metavar="FILE",
        help="YAML pod rules (crash, fail to pull, never ready...) and container rules (output, exec, port-forward): docs/behaviour.md",
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
        "--controllers",
        type=_string_slice,
        default=["*"],
        metavar="NAMES",
        help="kube-controller-manager's --controllers: the loops to run, comma-separated; '*' for all, "
        "'-name' to leave one out (default '*'; the simulation's scheduler and kubelet are among them)",
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
    serve.add_argument(
        "--service-account-signing-key-file",
        type=Path,
        metavar="FILE",
        help="PEM private key (RSA or ECDSA) service-account tokens are signed with",
    )
    serve.add_argument(
        "--service-account-key-file",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="PEM public or private keys that verify service-account tokens (repeatable; "
        "required with --service-account-signing-key-file)",
    )
    serve.add_argument(
        "--service-cluster-ip-range",
        metavar="CIDR",
        help="IPv4 range Services' cluster IPs come from; its first address is the kubernetes Service's "
        "(default 10.96.0.0/12)",
    )
    serve.add_argument(
        "--audit-policy-file", type=Path, metavar="FILE", help="audit.k8s.io/v1 Policy: which requests to log, how"
    )
    serve.add_argument(
        "--audit-log-path",
        metavar="PATH",
        help="write audit.k8s.io/v1 Events as JSON lines to this file ('-': standard output); needs a policy",
    )
    serve.add_argument(
        "--requestheader-client-ca-file",
        type=Path,
        metavar="FILE",
        help="CA bundle front-proxy client certificates must chain to (default: the generated front-proxy CA)",
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


def _service_account_keys(args: argparse.Namespace, config: ServerConfig) -> None:
    """--service-account-signing-key-file and --service-account-key-file, checked as kube-apiserver checks them.

    Raises:
        ValueError: A key file that cannot be used, or one flag without the other
            (pkg/kubeapiserver/options/authentication.go, cmd/kube-apiserver/app/options/validation.go).
        OSError: A file that cannot be read.
    """
    from fakeapi.certs.keyutil import private_key_from_file, public_keys_from_file

    if args.service_account_signing_key_file and not args.service_account_key_file:
        raise ValueError("service-account-key-file is a required flag")
    if args.service_account_key_file and not args.service_account_signing_key_file:
        raise ValueError(
            "--service-account-signing-key-file, --service-account-issuer, and --api-audiences should be specified together"
        )
    if args.service_account_signing_key_file:
        config.service_account_signing_key = private_key_from_file(args.service_account_signing_key_file)
        config.service_account_verification_keys = [
            key for path in args.service_account_key_file for key in public_keys_from_file(path)
        ]


def _server_config(args: argparse.Namespace) -> ServerConfig:
    """The ServerConfig of the flags.

    Raises:
        ValueError: A flag's value kube-apiserver would refuse.
        OSError: A file a flag names cannot be read.
    """
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
        controllers=args.controllers,
    )
    if args.service_account_issuer:
        config.service_account_issuer = args.service_account_issuer[0]
    if args.service_cluster_ip_range:
        config.service_cluster_ip_range = args.service_cluster_ip_range
    if args.requestheader_client_ca_file:
        config.request_header_client_ca = args.requestheader_client_ca_file.read_bytes()
    config.audit_policy_file = args.audit_policy_file
    config.audit_log_path = args.audit_log_path
    _service_account_keys(args, config)
    return config


def serve(args: argparse.Namespace) -> int:
    # Start-up makes a few hundred thousand objects that live as long as the server (modules,
    # schemas, the bootstrap cluster): collections while they are made find no garbage and take
    # about a tenth of the start. Once started they are frozen, so no later collection walks them.
    gc.disable()
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
    except (ValueError, OSError) as exc:
        print(f"fakeapi: {exc}", file=sys.stderr)
        return 1
    if args.audit_log_path and not args.audit_policy_file:
        # kube-apiserver's warning (apiserver/pkg/server/options/audit.go): the backend gets no events.
        print("fakeapi: no audit policy file provided, no events will be recorded for log backend", file=sys.stderr)
    for token, user in tokens.items():
        server.tokens.add(token, user)
    if args.behaviour is not None:
        try:
            _load_behaviour(server, args.behaviour)
        except (OSError, ValueError, RuntimeError) as exc:
            print(f"fakeapi: --behaviour {args.behaviour}: {exc}", file=sys.stderr)
            return 1
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
    gc.freeze()
    gc.enable()
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


def _load_behaviour(server: FakeAPIServer, path: Path) -> None:
    """Add the pod rules (``pods``: ``fakeapi.kubelet.behaviour``) and the container rules (``containers``:
    output, exec answers, port-forward targets, ``fakeapi.kubelet.container_runtime``) of a YAML file."""
    import yaml

    from fakeapi.kubelet.behaviour import rules_from_document

    try:
        document = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"invalid YAML: {exc}") from None
    containers = document.pop("containers", None) if isinstance(document, dict) else None
    rules = rules_from_document(document)
    if containers is not None:
        from fakeapi.kubelet.container_runtime import add_rules_from_document

        add_rules_from_document(server.containers, containers)
    for rule in rules:
        server.behaviour.add(rule)


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
