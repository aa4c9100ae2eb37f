#!/usr/bin/env python3
"""Benchmarks of fakeapi against a "floor" server, printed as one table.

The floor is the same HTTPS transport fakeapi uses (``SecureServer`` from
``fakeapi/server/secure_serving.py``, the same TLS context built from the same certificates)
with a handler that writes a canned JSON body: whatever the floor costs, fakeapi cannot go
below, so ``fakeapi/floor`` says how much fakeapi's own layers (filters, routing, storage,
encoding) add. The canned bodies are the exact bytes fakeapi answered, so a client spends the
same time decoding both.

Run from the repository root::

    python benchmarks/run.py            # full run, a few minutes
    python benchmarks/run.py --quick    # short run, under a minute
    python benchmarks/run.py --profile  # also cProfile the GET and LIST loops
    python benchmarks/run.py --nodelay  # TCP_NODELAY on every accepted socket, set by the benchmark

Everything listens on 127.0.0.1; every loop is bounded by a count and a duration, every socket
by a timeout, every subprocess by a timeout. See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import http.client
import io
import json
import math
import os
import platform
import pstats
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import kubernetes  # noqa: E402
from kubernetes import client as k8s  # noqa: E402

from fakeapi import FakeAPIServer, ServerConfig  # noqa: E402
from fakeapi.certs.kubeconfig import build_kubeconfig, write_kubeconfig  # noqa: E402
from fakeapi.certs.pki import CertificateAuthority, KeyPair, default_serving_hosts  # noqa: E402
from fakeapi.certs.tls import client_ssl_context, server_ssl_context  # noqa: E402
from fakeapi.endpoints.http import Request, ResponseWriter  # noqa: E402
from fakeapi.server.secure_serving import SecureServer  # noqa: E402

HOST = "127.0.0.1"
SOCKET_TIMEOUT = 15.0
SUBPROCESS_TIMEOUT = 120.0
MAX_OPS_PER_ROUND = 50_000
LIST_SIZE = 5_000

NS_GET = "bench-get"
NS_CREATE = "bench-create"
NS_WATCH = "bench-watch"
NS_LIST = "bench-list"
GET_NAME = "cm-get"


@dataclass(frozen=True)
class Settings:
    quick: bool
    profile: bool
    nodelay: bool
    cold_runs: int
    warm_runs: int
    rate_rounds: int
    rate_seconds: float
    watch_writes: int
    list_raw_runs: int
    list_client_runs: int

    @classmethod
    def of(cls, args: argparse.Namespace) -> Settings:
        if args.quick:
            return cls(True, args.profile, args.nodelay, 3, 3, 1, 0.75, 100, 3, 2)
        return cls(False, args.profile, args.nodelay, 7, 9, 5, 1.5, 400, 11, 5)


# -- results ---------------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    unit: str
    fakeapi: float | None
    floor: float | None = None
    # ("min", x): fakeapi must be >= x; ("max", x): fakeapi must be < x; ("ratio", x): fakeapi/floor >= x.
    target: tuple[str, float] | None = None

    def ratio(self) -> float | None:
        if self.fakeapi is None or not self.floor:
            return None
        return self.fakeapi / self.floor

    def verdict(self) -> str:
        if self.target is None or self.fakeapi is None:
            return ""
        kind, limit = self.target
        if kind == "min":
            ok = self.fakeapi >= limit
        elif kind == "max":
            ok = self.fakeapi < limit
        else:
            ratio = self.ratio()
            ok = ratio is not None and ratio >= limit
        return "ok" if ok else "MISSED"

    def target_text(self) -> str:
        if self.target is None:
            return ""
        kind, limit = self.target
        if kind == "ratio":
            return f">= {limit:.0%} of floor"
        return (">= " if kind == "min" else "< ") + _num(limit) + " " + self.unit


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        return row


def _num(value: float | None) -> str:
    if value is None:
        return "n/a"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def render(rows: list[Row]) -> str:
    header = ("figure", "unit", "fakeapi", "floor", "fakeapi/floor", "target", "")
    lines = [
        (
            row.label,
            row.unit,
            _num(row.fakeapi),
            _num(row.floor) if row.floor is not None else "-",
            f"{row.ratio():.0%}" if row.ratio() is not None else "-",
            row.target_text(),
            row.verdict(),
        )
        for row in rows
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    right = {2, 3, 4}

    def fmt(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(header).rstrip(), rule, *(fmt(line).rstrip() for line in lines)])


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


# -- objects ---------------------------------------------------------------------------------------


def namespace(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def configmap(ns: str, name: str, index: int = 0) -> dict[str, Any]:
    """A small, typical ConfigMap: two labels and two short data keys."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": "bench", "shard": str(index % 16)}},
        "data": {"index": str(index), "settings.yaml": f"replicas: {index % 7}\nlevel: info\n"},
    }


# -- the floor server ------------------------------------------------------------------------------


class FloorServer:
    """fakeapi's SecureServer and TLS setup, with a handler that writes canned bytes."""

    def __init__(self, serving: KeyPair, client_ca_pem: bytes) -> None:
        self.routes: dict[tuple[str, str], tuple[int, bytes]] = {("GET", "/readyz"): (200, b"ok")}
        self.default: tuple[int, bytes] = (200, b"{}")
        context = server_ssl_context(serving, client_ca_pem)
        self.server = SecureServer(HOST, 0, self.handle, lambda: context)

    def handle(self, req: Request, w: ResponseWriter) -> None:
        status, body = self.routes.get((req.method, req.path), self.default)
        w.write_head(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        w.write(body)

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def url(self) -> str:
        return f"https://{HOST}:{self.port}"

    def start(self) -> FloorServer:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()


@dataclass
class Pki:
    ca: CertificateAuthority
    serving: KeyPair
    admin: KeyPair


def make_pki() -> Pki:
    """The certificates FakeAPIServer makes for itself (CA, serving, admin client)."""
    ca = CertificateAuthority.create("kubernetes-ca")
    serving = ca.issue_serving_cert(*dict.fromkeys([*default_serving_hosts(), HOST]))
    admin = ca.issue_client_cert("kubernetes-admin", ["system:masters"])
    return Pki(ca, serving, admin)


# -- clients ---------------------------------------------------------------------------------------


class RawClient:
    """One keep-alive HTTPS connection (http.client), with the admin client certificate."""

    def __init__(self, port: int, context: ssl.SSLContext) -> None:
        self.conn = http.client.HTTPSConnection(HOST, port, context=context, timeout=SOCKET_TIMEOUT)

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, data, headers)
        response = self.conn.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self.conn.close()


def wait_ready(port: int, ca_pem: bytes, client: KeyPair, timeout: float = 10.0) -> None:
    """GET /readyz over HTTPS until it answers 200."""
    context = client_ssl_context(ca_pem, client)
    deadline = time.monotonic() + timeout
    while True:
        conn = http.client.HTTPSConnection(HOST, port, context=context, timeout=timeout)
        try:
            conn.request("GET", "/readyz")
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        if time.monotonic() > deadline:
            raise TimeoutError(f"/readyz on port {port} not ready after {timeout}s")
        time.sleep(0.001)


class KubeClients:
    """kubernetes.client.CoreV1Api instances built from kubeconfigs; closed together."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._clients: list[k8s.ApiClient] = []

    def core(self, url: str, ca_pem: bytes, admin: KeyPair) -> k8s.CoreV1Api:
        path = self.directory / f"kubeconfig-{len(self._clients)}"
        write_kubeconfig(path, build_kubeconfig(url, ca_pem, admin))
        api_client = kubernetes.config.new_client_from_config(config_file=str(path))
        self._clients.append(api_client)
        return k8s.CoreV1Api(api_client)

    def close(self) -> None:
        for api_client in self._clients:
            api_client.close()
        self._clients.clear()


def connections_opened(core: k8s.CoreV1Api, url: str) -> int:
    """How many TCP connections urllib3 opened to ``url`` (1 means keep-alive held throughout)."""
    pool = core.api_client.rest_client.pool_manager.connection_from_url(url)
    return int(pool.num_connections)


@dataclass
class Rate:
    """Median figures of one op over several rounds."""

    per_second: float
    cpu_us: float  # process CPU time (client and server threads together) per op
    low: float  # slowest round, ops/s
    high: float  # fastest round, ops/s


def rate(op: Callable[[int], object], seconds: float, max_ops: int = MAX_OPS_PER_ROUND) -> tuple[float, float]:
    """Ops per second and CPU microseconds per op of ``op`` called back to back for ``seconds``."""
    count = 0
    start, cpu_start = time.perf_counter(), time.process_time()
    deadline = start + seconds
    while count < max_ops:
        op(count)
        count += 1
        if time.perf_counter() >= deadline:
            break
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return count / elapsed, cpu / count * 1e6


def alternate_rates(
    ops: dict[str, Callable[[int], object]], rounds: int, seconds: float, warmup: int = 30
) -> dict[str, Rate]:
    """Median rate of each op over ``rounds``, the ops taking turns so drift hits them alike.

    ``op`` gets a running index (negative during warm-up) so that creates can name objects.
    """
    for op in ops.values():
        for i in range(warmup):
            op(-1 - i)
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in ops}
    offsets = dict.fromkeys(ops, 0)
    for _ in range(rounds):
        for name, op in ops.items():
            gc.collect()
            base = offsets[name]
            counter = [0]

            def counted(
                i: int, op: Callable[[int], object] = op, base: int = base, counter: list[int] = counter
            ) -> object:
                counter[0] += 1
                return op(base + i)

            results[name].append(rate(counted, seconds))
            offsets[name] = base + counter[0]
    return {
        name: Rate(
            median([r for r, _ in values]),
            median([c for _, c in values]),
            min(r for r, _ in values),
            max(r for r, _ in values),
        )
        for name, values in results.items()
    }


# -- server-side hooks (benchmark only; they touch SecureServer internals) --------------------------


def _tls_server(server: SecureServer) -> Any:
    return getattr(server, "_server", None)


@contextlib.contextmanager
def wrap_connections(
    server: SecureServer, wrapper: Callable[[Callable[[Any, Any], None]], Callable[[Any, Any], None]] | None
) -> Iterator[bool]:
    """Wrap how ``server`` handles each new connection (an instance attribute, undone on exit).

    Only connections accepted inside the block are affected. ``wrapper=None`` changes nothing.
    Yields False when the transport's internals are not where this expects them.
    """
    inner = _tls_server(server)
    original = getattr(inner, "finish_request", None)
    if wrapper is None or inner is None or original is None:
        yield wrapper is None
        return
    inner.finish_request = wrapper(original)
    try:
        yield True
    finally:
        with contextlib.suppress(AttributeError):
            del inner.finish_request


def nodelay_wrapper(original: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    def finish_request(request: Any, client_address: Any) -> None:
        with contextlib.suppress(OSError):
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        original(request, client_address)

    return finish_request


class ConnectionProfiler:
    """cProfile around each connection's handling, in the server thread that handles it.

    Meant for one connection at a time (a cProfile.Profile keeps one call stack).
    """

    def __init__(self) -> None:
        self.profile = cProfile.Profile()
        self._active = 0
        self._idle = threading.Condition()

    def wrap(self, original: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
        def finish_request(request: Any, client_address: Any) -> None:
            with self._idle:
                self._active += 1
            self.profile.enable()
            try:
                original(request, client_address)
            finally:
                self.profile.disable()
                with self._idle:
                    self._active -= 1
                    self._idle.notify_all()

        return finish_request

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until the profiled connections have been closed and their threads left the profile."""
        with self._idle:
            self._idle.wait_for(lambda: self._active == 0, timeout)


def fakeapi_secure_server(server: FakeAPIServer) -> SecureServer:
    secure = getattr(server, "_server", None)
    if not isinstance(secure, SecureServer):
        raise RuntimeError("FakeAPIServer._server is not a SecureServer; update benchmarks/run.py")
    return secure


# -- start to ready --------------------------------------------------------------------------------

# Child programs run with ``python -c``: their clock starts before their first import.
_CHILD_HELPERS = r"""
def wait_ready(port, ca_pem, client):
    context = client_ssl_context(ca_pem, client)
    deadline = time.monotonic() + 10
    while True:
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
        try:
            conn.request("GET", "/readyz")
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        if time.monotonic() > deadline:
            raise TimeoutError("not ready")
        time.sleep(0.001)

def nodelay(tls_server):
    # --nodelay: TCP_NODELAY on each accepted socket, as nodelay_wrapper() does in the parent.
    if "nodelay" not in sys.argv:
        return
    import socket
    original = tls_server.finish_request
    def finish_request(request, address):
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        original(request, address)
    tls_server.finish_request = finish_request

def report(t0, t1, t2, t3):
    print(json.dumps({"import_ms": (t1 - t0) * 1e3, "construct_ms": (t2 - t1) * 1e3,
                      "serve_ms": (t3 - t2) * 1e3, "total_ms": (t3 - t0) * 1e3}), flush=True)
"""

CHILD_FAKEAPI_START = (
    r"""
import time
t0 = time.perf_counter()
import http.client, json, sys
from fakeapi import FakeAPIServer, ServerConfig
from fakeapi.certs.tls import client_ssl_context
t1 = time.perf_counter()
"""
    + _CHILD_HELPERS
    + r"""
server = FakeAPIServer(ServerConfig())
t2 = time.perf_counter()
server.start()
nodelay(server._server._server)
wait_ready(server.port, server.ca.cert_pem, server.admin_cert)
t3 = time.perf_counter()
report(t0, t1, t2, t3)
server.stop()
"""
)

CHILD_FLOOR_START = (
    r"""
import time
t0 = time.perf_counter()
import http.client, json, sys
from fakeapi.certs.pki import CertificateAuthority, default_serving_hosts
from fakeapi.certs.tls import client_ssl_context, server_ssl_context
from fakeapi.server.secure_serving import SecureServer
t1 = time.perf_counter()
"""
    + _CHILD_HELPERS
    + r"""
def handle(req, w):
    body = b"ok"
    w.write_head(200, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    w.write(body)

ca = CertificateAuthority.create("kubernetes-ca")
serving = ca.issue_serving_cert(*dict.fromkeys([*default_serving_hosts(), "127.0.0.1"]))
admin = ca.issue_client_cert("kubernetes-admin", ["system:masters"])
context = server_ssl_context(serving, ca.cert_pem)
server = SecureServer("127.0.0.1", 0, handle, lambda: context)
t2 = time.perf_counter()
server.start()
nodelay(server._server)
wait_ready(server.port, ca.cert_pem, admin)
t3 = time.perf_counter()
report(t0, t1, t2, t3)
server.stop()
"""
)


def run_child(code: str, *args: str, pycache: Path | None) -> tuple[dict[str, float], float]:
    """Run ``code`` in a fresh interpreter; returns its JSON line and spawn-to-line wall time (ms).

    With ``pycache``, bytecode is read from and written to that folder (PYTHONPYCACHEPREFIX), never
    into the repository; without it, nothing is written (PYTHONDONTWRITEBYTECODE=1), so modules
    with no ``__pycache__`` next to them are compiled from source on every run.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")]))
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    else:
        env.pop("PYTHONPYCACHEPREFIX", None)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    start = time.perf_counter()
    with subprocess.Popen(
        [sys.executable, "-c", code, *args], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as proc:
        assert proc.stdout is not None
        try:
            line = proc.stdout.readline()
            wall_ms = (time.perf_counter() - start) * 1e3
            _, stderr = proc.communicate(timeout=SUBPROCESS_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    if proc.returncode != 0 or not line:
        raise RuntimeError(f"benchmark child failed ({proc.returncode}):\n{stderr.decode(errors='replace')}")
    return json.loads(line), wall_ms


def fakeapi_start_to_ready(nodelay: bool) -> float:
    start = time.perf_counter()
    server = FakeAPIServer(ServerConfig())
    try:
        server.start()
        with wrap_connections(fakeapi_secure_server(server), nodelay_wrapper if nodelay else None):
            wait_ready(server.port, server.ca.cert_pem, server.admin_cert)
        return (time.perf_counter() - start) * 1e3
    finally:
        server.stop()


def floor_start_to_ready(nodelay: bool) -> float:
    start = time.perf_counter()
    pki = make_pki()
    floor = FloorServer(pki.serving, pki.ca.cert_pem)
    try:
        floor.start()
        with wrap_connections(floor.server, nodelay_wrapper if nodelay else None):
            wait_ready(floor.port, pki.ca.cert_pem, pki.admin)
        return (time.perf_counter() - start) * 1e3
    finally:
        floor.stop()


def cold_starts(runs: int, pycache: Path | None, nodelay: bool) -> dict[str, dict[str, float]]:
    """Median figures of ``runs`` cold starts of each server, taking turns."""
    args = ("nodelay",) if nodelay else ()
    samples: dict[str, list[dict[str, float]]] = {"fakeapi": [], "floor": []}
    for _ in range(runs):
        for name, code in (("fakeapi", CHILD_FAKEAPI_START), ("floor", CHILD_FLOOR_START)):
            figures, wall = run_child(code, *args, pycache=pycache)
            samples[name].append({**figures, "wall_ms": wall})
    return {name: {key: median([run[key] for run in runs_]) for key in runs_[0]} for name, runs_ in samples.items()}


def bench_startup(settings: Settings, report: Report, pycache: Path) -> None:
    run_child(CHILD_FAKEAPI_START, pycache=pycache)  # fills the bytecode cache
    run_child(CHILD_FLOOR_START, pycache=pycache)
    cold = cold_starts(settings.cold_runs, pycache, settings.nodelay)
    fake, floor = cold["fakeapi"], cold["floor"]
    report.add(Row("start to ready, cold subprocess (import included)", "ms", fake["total_ms"], floor["total_ms"]))
    report.add(Row("  process spawn to ready (interpreter start too)", "ms", fake["wall_ms"], floor["wall_ms"]))
    report.notes.append(
        f"cold start, medians of {settings.cold_runs}: fakeapi import {fake['import_ms']:.0f} + construct"
        f" {fake['construct_ms']:.0f} + start/first GET {fake['serve_ms']:.0f} ms; floor import"
        f" {floor['import_ms']:.0f} + PKI/TLS context {floor['construct_ms']:.0f} + start/first GET"
        f" {floor['serve_ms']:.0f} ms (bytecode cached)"
    )
    if not (REPO / "fakeapi" / "__pycache__").exists():
        uncached = cold_starts(max(1, settings.cold_runs // 2), None, settings.nodelay)
        report.add(
            Row(
                "  cold, fakeapi not byte-compiled (no .pyc)",
                "ms",
                uncached["fakeapi"]["total_ms"],
                uncached["floor"]["total_ms"],
            )
        )

    fakeapi_start_to_ready(settings.nodelay)  # warm-up: imports, first-use caches
    floor_start_to_ready(settings.nodelay)
    warm: dict[str, list[float]] = {"fakeapi": [], "floor": []}
    for _ in range(settings.warm_runs):
        gc.collect()
        warm["fakeapi"].append(fakeapi_start_to_ready(settings.nodelay))
        gc.collect()
        warm["floor"].append(floor_start_to_ready(settings.nodelay))
    report.add(Row("start to ready, warm in-process", "ms", median(warm["fakeapi"]), median(warm["floor"])))


# -- memory ----------------------------------------------------------------------------------------

_CHILD_RSS = r"""
def rss_mb():
    figures = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                figures[key] = int(value.split()[0]) / 1024
    return figures
"""

CHILD_FAKEAPI_MEMORY = (
    r"""
import gc, json, sys
from fakeapi import FakeAPIServer, ServerConfig
"""
    + _CHILD_RSS
    + r"""
count = int(sys.argv[1])
server = FakeAPIServer(ServerConfig()).start()
gc.collect()
empty = rss_mb()
server.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench-list"}})
# One object per request, as clients load a cluster: the figure is the server's memory, not a
# 5,000-object list of the benchmark's own held next to 5,000 returned copies while seeding.
for i in range(count):
    server.seed(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"cm-{i:05d}", "namespace": "bench-list", "labels": {"app": "bench", "shard": str(i % 16)}},
            "data": {"index": str(i), "settings.yaml": f"replicas: {i % 7}\nlevel: info\n"},
        }
    )
gc.collect()
seeded = rss_mb()
print(json.dumps({"empty": empty["VmRSS"], "seeded": seeded["VmRSS"], "peak": seeded["VmHWM"]}), flush=True)
server.stop()
"""
)

CHILD_FLOOR_MEMORY = (
    r"""
import gc, json
from fakeapi.certs.pki import CertificateAuthority, default_serving_hosts
from fakeapi.certs.tls import server_ssl_context
from fakeapi.server.secure_serving import SecureServer
"""
    + _CHILD_RSS
    + r"""
def handle(req, w):
    w.write_head(200, [("Content-Length", "2")])
    w.write(b"{}")

ca = CertificateAuthority.create("kubernetes-ca")
serving = ca.issue_serving_cert(*dict.fromkeys([*default_serving_hosts(), "127.0.0.1"]))
context = server_ssl_context(serving, ca.cert_pem)
server = SecureServer("127.0.0.1", 0, handle, lambda: context)
server.start()
gc.collect()
figures = rss_mb()
print(json.dumps({"empty": figures["VmRSS"], "seeded": figures["VmRSS"], "peak": figures["VmHWM"]}), flush=True)
server.stop()
"""
)


def bench_memory(report: Report, pycache: Path) -> None:
    fakeapi, _ = run_child(CHILD_FAKEAPI_MEMORY, str(LIST_SIZE), pycache=pycache)
    floor, _ = run_child(CHILD_FLOOR_MEMORY, pycache=pycache)
    report.add(Row("resident memory, server holding no objects", "MB", fakeapi["empty"], floor["empty"]))
    report.add(
        Row(
            f"resident memory, server holding {LIST_SIZE:,} ConfigMaps",
            "MB",
            fakeapi["seeded"],
            floor["seeded"],
            target=("max", 100.0),
        )
    )
    report.notes.append(
        f"memory: VmRSS from /proc/self/status in a fresh process; the {LIST_SIZE:,}-ConfigMap process peaked at"
        f" {fakeapi['peak']:.0f} MB (VmHWM, seeding included); the floor column is the floor server with nothing"
    )


# -- the live benchmarks ---------------------------------------------------------------------------


@dataclass
class Bench:
    server: FakeAPIServer
    floor: FloorServer
    clients: KubeClients
    context: ssl.SSLContext

    def core(self, target: str) -> k8s.CoreV1Api:
        if target == "fakeapi":
            return self.clients.core(self.server.url, self.server.ca.cert_pem, self.server.admin_cert)
        return self.clients.core(self.floor.url, self.server.ca.cert_pem, self.server.admin_cert)

    def raw(self, target: str) -> RawClient:
        return RawClient(self.server.port if target == "fakeapi" else self.floor.port, self.context)


def add_rate_rows(
    report: Report, label: str, rates: dict[str, Rate], *, target: bool = False, cpu: bool = True
) -> None:
    fake, floor = rates["fakeapi"], rates["floor"]
    report.add(Row(label, "req/s", fake.per_second, floor.per_second, target=("ratio", 0.80) if target else None))
    if cpu:
        report.add(Row("    CPU per request, client + server threads", "us", fake.cpu_us, floor.cpu_us))
    report.notes.append(
        f"{label.strip()}: rounds ranged {fake.low:,.0f}-{fake.high:,.0f} req/s (fakeapi),"
        f" {floor.low:,.0f}-{floor.high:,.0f} req/s (floor)"
    )


def bench_get(
    bench: Bench, settings: Settings, report: Report, *, label: str = "", target: bool = True
) -> dict[str, Rate]:
    """GET/s of one ConfigMap, kubernetes client and raw; returns the kubernetes client's rates."""
    fake_core, floor_core = bench.core("fakeapi"), bench.core("floor")
    fake_raw, floor_raw = bench.raw("fakeapi"), bench.raw("floor")
    try:
        rates = alternate_rates(
            {
                "fakeapi": lambda _: fake_core.read_namespaced_config_map(GET_NAME, NS_GET),
                "floor": lambda _: floor_core.read_namespaced_config_map(GET_NAME, NS_GET),
            },
            settings.rate_rounds,
            settings.rate_seconds,
        )
        path = f"/api/v1/namespaces/{NS_GET}/configmaps/{GET_NAME}"
        raw_rates = alternate_rates(
            {"fakeapi": lambda _: fake_raw.request("GET", path), "floor": lambda _: floor_raw.request("GET", path)},
            settings.rate_rounds,
            settings.rate_seconds / 2,
        )
        opened = (connections_opened(fake_core, bench.server.url), connections_opened(floor_core, bench.floor.url))
    finally:
        fake_raw.close()
        floor_raw.close()
    add_rate_rows(report, f"GET/s, kubernetes client read_namespaced_config_map{label}", rates, target=target)
    add_rate_rows(report, f"  GET/s, raw http.client{label}", raw_rates)
    if opened != (1, 1):
        report.notes.append(f"GET{label}: urllib3 opened {opened[0]} connections to fakeapi, {opened[1]} to the floor")
    wall = 1e6 / rates["fakeapi"].per_second - 1e6 / rates["floor"].per_second
    cpu = rates["fakeapi"].cpu_us - rates["floor"].cpu_us
    report.notes.append(
        f"GET{label}: fakeapi adds {wall:,.0f} us of wall time and {cpu:,.0f} us of CPU time per request to the floor's"
    )
    return rates


def create_configmap(core: k8s.CoreV1Api, index: int) -> object:
    body: Any = configmap(NS_CREATE, f"c-{index + 100}", index)  # the client takes a dict as well as a model
    return core.create_namespaced_config_map(NS_CREATE, body)


def list_unparsed(core: k8s.CoreV1Api) -> bytes:
    """LIST through the client without building models (``_preload_content=False``)."""
    response: Any = core.list_namespaced_config_map(NS_LIST, _preload_content=False)
    return bytes(response.data)


def bench_create(bench: Bench, settings: Settings, report: Report) -> None:
    fake_core, floor_core = bench.core("fakeapi"), bench.core("floor")
    rates = alternate_rates(
        {
            "fakeapi": lambda i: create_configmap(fake_core, i),
            "floor": lambda i: create_configmap(floor_core, i),
        },
        settings.rate_rounds,
        settings.rate_seconds,
    )
    add_rate_rows(report, "creates/s, kubernetes client create_namespaced_config_map", rates)


def bench_watch(bench: Bench, settings: Settings, report: Report) -> None:
    writer = bench.raw("fakeapi")
    watch = http.client.HTTPSConnection(HOST, bench.server.port, context=bench.context, timeout=SOCKET_TIMEOUT)
    try:
        status, body = writer.request("GET", f"/api/v1/namespaces/{NS_WATCH}/configmaps")
        if status != 200:
            raise RuntimeError(f"list before watch: {status} {body[:200]!r}")
        rv = json.loads(body)["metadata"]["resourceVersion"]
        watch.request("GET", f"/api/v1/namespaces/{NS_WATCH}/configmaps?watch=1&resourceVersion={rv}")
        stream = watch.getresponse()
        if stream.status != 200:
            raise RuntimeError(f"watch: {stream.status} {stream.read()[:200]!r}")
        after_return: list[float] = []
        after_send: list[float] = []
        warmup = 20
        for i in range(settings.watch_writes + warmup):
            name = f"w-{i:05d}"
            sent = time.perf_counter()
            status, body = writer.request(
                "POST", f"/api/v1/namespaces/{NS_WATCH}/configmaps", configmap(NS_WATCH, name, i)
            )
            returned = time.perf_counter()
            if status != 201:
                raise RuntimeError(f"create: {status} {body[:200]!r}")
            while True:
                line = stream.readline()
                if not line:
                    raise RuntimeError("the watch ended")
                event = json.loads(line)
                if event["object"]["metadata"]["name"] == name:
                    break
            arrived = time.perf_counter()
            if i >= warmup:
                after_return.append((arrived - returned) * 1e3)
                after_send.append((arrived - sent) * 1e3)
    finally:
        watch.close()
        writer.close()
    n = len(after_return)
    report.add(
        Row(f"watch event latency after write returns, median (n={n})", "ms", median(after_return), target=("max", 5.0))
    )
    report.add(
        Row(
            f"watch event latency after write returns, p99 (n={n})",
            "ms",
            percentile(after_return, 0.99),
            target=("max", 5.0),
        )
    )
    report.add(Row("  watch event latency after write is sent, median", "ms", median(after_send)))
    report.add(Row("  watch event latency after write is sent, p99", "ms", percentile(after_send, 0.99)))


def list_items(bench: Bench) -> tuple[bytes, int]:
    raw = bench.raw("fakeapi")
    try:
        status, body = raw.request("GET", f"/api/v1/namespaces/{NS_LIST}/configmaps")
    finally:
        raw.close()
    if status != 200:
        raise RuntimeError(f"LIST returned {status}: {body[:200]!r}")
    return body, len(json.loads(body)["items"])


def seed_list(bench: Bench, report: Report) -> tuple[bytes, int]:
    """Seed the LIST namespace; returns the LIST body (the floor's canned copy) and its item count."""
    _, before = list_items(bench)  # objects the server made itself in a new namespace, if any
    objects = [configmap(NS_LIST, f"cm-{i:05d}", i) for i in range(LIST_SIZE)]
    start = time.perf_counter()
    bench.server.seed(*objects)
    report.add(
        Row(f"seed {LIST_SIZE:,} ConfigMaps in-process (FakeAPIServer.seed)", "ms", (time.perf_counter() - start) * 1e3)
    )
    body, items = list_items(bench)
    if items != before + LIST_SIZE:
        raise RuntimeError(f"LIST returned {items} items, expected {before} + {LIST_SIZE}")
    bench.floor.routes[("GET", f"/api/v1/namespaces/{NS_LIST}/configmaps")] = (200, body)
    return body, items


def bench_list(bench: Bench, settings: Settings, report: Report, body: bytes, items: int) -> None:
    path = f"/api/v1/namespaces/{NS_LIST}/configmaps"
    extra = f" ({LIST_SIZE:,} seeded, {items - LIST_SIZE} made by the server)" if items != LIST_SIZE else ""
    report.notes.append(f"LIST: {items:,} ConfigMaps{extra}, {len(body) / 1e6:.2f} MB of JSON per response")
    raws = {"fakeapi": bench.raw("fakeapi"), "floor": bench.raw("floor")}
    times: dict[str, list[float]] = {"fakeapi": [], "floor": []}
    try:
        for raw in raws.values():
            raw.request("GET", path)
        for _ in range(settings.list_raw_runs):
            for name, raw in raws.items():
                start = time.perf_counter()
                status, data = raw.request("GET", path)
                times[name].append((time.perf_counter() - start) * 1e3)
                if status != 200 or len(data) != len(body):
                    raise RuntimeError(f"LIST from {name}: {status}, {len(data)} bytes")
    finally:
        for raw in raws.values():
            raw.close()
    report.add(
        Row(
            f"LIST {LIST_SIZE:,} ConfigMaps, raw HTTPS GET (full body)",
            "ms",
            median(times["fakeapi"]),
            median(times["floor"]),
            target=("max", 150.0),
        )
    )

    cores = {"fakeapi": bench.core("fakeapi"), "floor": bench.core("floor")}
    decoded: dict[str, list[float]] = {"fakeapi": [], "floor": []}
    undecoded: dict[str, list[float]] = {"fakeapi": [], "floor": []}
    for core in cores.values():
        list_unparsed(core)  # warm-up
    for _ in range(settings.list_client_runs):
        for name, core in cores.items():
            start = time.perf_counter()
            result = core.list_namespaced_config_map(NS_LIST)
            decoded[name].append((time.perf_counter() - start) * 1e3)
            if len(result.items) != items:
                raise RuntimeError(f"client LIST from {name}: {len(result.items)} items")
            del result
            start = time.perf_counter()
            data = list_unparsed(core)
            undecoded[name].append((time.perf_counter() - start) * 1e3)
            if len(data) != len(body):
                raise RuntimeError(f"client LIST from {name}: {len(data)} bytes")
    report.add(
        Row(
            f"LIST {LIST_SIZE:,} ConfigMaps, kubernetes client (models)",
            "ms",
            median(decoded["fakeapi"]),
            median(decoded["floor"]),
            target=("max", 150.0),
        )
    )
    report.add(
        Row(
            f"  LIST {LIST_SIZE:,}, kubernetes client, _preload_content=False",
            "ms",
            median(undecoded["fakeapi"]),
            median(undecoded["floor"]),
        )
    )


# -- profiling -------------------------------------------------------------------------------------


def _where(filename: str, line: int, function: str) -> str:
    path = Path(filename)
    if path.is_relative_to(REPO):
        filename = str(path.relative_to(REPO))
    return f"{filename}:{line}({function})"


def format_profile(title: str, profile: cProfile.Profile, *, fakeapi_only: bool, limit: int = 25) -> str:
    """Functions by cumulative time (only fakeapi's, or all), then every function by own time."""
    stats = pstats.Stats(profile, stream=io.StringIO())
    entries = [
        (cumtime, tottime, ncalls, filename, line, function)
        for (filename, line, function), (_, ncalls, tottime, cumtime, _) in stats.stats.items()  # type: ignore[attr-defined]
    ]
    fakeapi_dir = REPO / "fakeapi"
    by_cumulative = sorted(entries, reverse=True)
    if fakeapi_only:
        by_cumulative = [e for e in by_cumulative if Path(e[3]).is_relative_to(fakeapi_dir)]
    by_own_time = sorted(entries, key=lambda e: e[1], reverse=True)
    columns = f"{'cumtime s':>10} {'tottime s':>10} {'calls':>8}  function"
    out = [f"== {title}", f"-- {'fakeapi' if fakeapi_only else 'all'} functions by cumulative time", columns]
    out += [f"{c:10.3f} {t:10.3f} {n:8d}  {_where(f, ln, fn)}" for c, t, n, f, ln, fn in by_cumulative[:limit]]
    out += ["-- all functions by own time (tottime)", columns]
    out += [f"{c:10.3f} {t:10.3f} {n:8d}  {_where(f, ln, fn)}" for c, t, n, f, ln, fn in by_own_time[:15]]
    return "\n".join(out)


def bench_profile(bench: Bench, settings: Settings, report: Report) -> None:
    """cProfile the server side of a GET loop and a LIST loop, and the client side of a client LIST."""
    secure = fakeapi_secure_server(bench.server)
    list_path = f"/api/v1/namespaces/{NS_LIST}/configmaps"

    profiler = ConnectionProfiler()
    with wrap_connections(secure, profiler.wrap) as ok:
        if not ok:
            report.profiles.append("profile: SecureServer internals not found; skipped")
            return
        core = bench.core("fakeapi")
        count = 300 if settings.quick else 2000
        deadline = time.monotonic() + (10 if settings.quick else 30)
        done = 0
        while done < count and time.monotonic() < deadline:
            core.read_namespaced_config_map(GET_NAME, NS_GET)
            done += 1
        bench.clients.close()
    profiler.wait_idle()
    title = f"GET loop: {done} kubernetes-client GETs of one ConfigMap; server connection thread"
    report.profiles.append(format_profile(title, profiler.profile, fakeapi_only=True))

    profiler = ConnectionProfiler()
    runs = 3 if settings.quick else 10
    with wrap_connections(secure, profiler.wrap):
        raw = bench.raw("fakeapi")
        try:
            for _ in range(runs):
                raw.request("GET", list_path)
        finally:
            raw.close()
    profiler.wait_idle()
    title = f"LIST loop: {runs} raw GETs of {LIST_SIZE:,} ConfigMaps; server connection thread"
    report.profiles.append(format_profile(title, profiler.profile, fakeapi_only=True))

    core = bench.core("fakeapi")
    core.list_namespaced_config_map(NS_LIST)
    client_profile = cProfile.Profile()
    runs = 2 if settings.quick else 5
    client_profile.enable()
    try:
        for _ in range(runs):
            core.list_namespaced_config_map(NS_LIST)
    finally:
        client_profile.disable()
        bench.clients.close()
    title = f"LIST loop: {runs} kubernetes-client LISTs of {LIST_SIZE:,} ConfigMaps; client (main) thread"
    report.profiles.append(format_profile(title, client_profile, fakeapi_only=False, limit=15))


# -- main ------------------------------------------------------------------------------------------


def environment() -> list[str]:
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        commit = "unknown"
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        f"python {platform.python_version()} ({platform.python_implementation()}) on {platform.platform()}",
        f"cores: {os.cpu_count()} (usable by this process: {affinity})",
        f"{ssl.OPENSSL_VERSION}; kubernetes client {kubernetes.__version__}",
        f"fakeapi at {commit}",
        f"{load_average()} at the start (other processes on this machine skew every figure)",
    ]


def load_average() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def note_nagle(report: Report, plain: dict[str, Rate], nodelay: dict[str, Rate]) -> None:
    """Say so when TCP_NODELAY multiplies the request rate: the stall is the transport's, not the client's."""
    speedup = nodelay["floor"].per_second / plain["floor"].per_second
    if speedup < 3:
        return
    stall_ms = 1e3 / plain["floor"].per_second - 1e3 / nodelay["floor"].per_second
    report.notes.append(
        f"NAGLE: with TCP_NODELAY on the accepted sockets the floor answers {speedup:.0f}x faster; each"
        f" request-response otherwise waits about {stall_ms:.0f} ms (Nagle's algorithm holding the body's"
        " send until the peer's delayed ACK of the header send). The floor shares fakeapi's transport, so"
        " the GET ratio hides this; the [TCP_NODELAY] rows and `--nodelay` show the figures without it"
    )


def live_benchmarks(settings: Settings, report: Report) -> None:
    with tempfile.TemporaryDirectory(prefix="fakeapi-bench-") as tmp:
        server = FakeAPIServer(ServerConfig())
        server.start()
        floor = FloorServer(server.serving_cert, server.ca.cert_pem).start()
        clients = KubeClients(Path(tmp))
        bench = Bench(server, floor, clients, client_ssl_context(server.ca.cert_pem, server.admin_cert))
        stack = contextlib.ExitStack()
        try:
            if settings.nodelay:
                stack.enter_context(wrap_connections(fakeapi_secure_server(server), nodelay_wrapper))
                stack.enter_context(wrap_connections(floor.server, nodelay_wrapper))
            server.seed(*(namespace(ns) for ns in (NS_GET, NS_CREATE, NS_WATCH, NS_LIST)))
            server.seed(configmap(NS_GET, GET_NAME, 1))
            raw = bench.raw("fakeapi")
            try:
                status, get_body = raw.request("GET", f"/api/v1/namespaces/{NS_GET}/configmaps/{GET_NAME}")
                created_status, created_body = raw.request(
                    "POST", f"/api/v1/namespaces/{NS_CREATE}/configmaps", configmap(NS_CREATE, "c-0")
                )
            finally:
                raw.close()
            if status != 200 or created_status != 201:
                raise RuntimeError(f"setup: GET {status}, POST {created_status}")
            floor.routes[("GET", f"/api/v1/namespaces/{NS_GET}/configmaps/{GET_NAME}")] = (200, get_body)
            floor.routes[("POST", f"/api/v1/namespaces/{NS_CREATE}/configmaps")] = (201, created_body)

            plain = bench_get(bench, settings, report)
            bench_create(bench, settings, report)
            bench_watch(bench, settings, report)
            body, items = seed_list(bench, report)
            bench_list(bench, settings, report, body, items)
            clients.close()
            if not settings.nodelay:
                # Diagnostic: the same GET loop with TCP_NODELAY set on the accepted sockets of both
                # servers (by the benchmark, on new connections only), to show what Nagle's algorithm costs.
                with (
                    wrap_connections(fakeapi_secure_server(server), nodelay_wrapper) as ok_fake,
                    wrap_connections(floor.server, nodelay_wrapper) as ok_floor,
                ):
                    if ok_fake and ok_floor:
                        nodelay = bench_get(bench, settings, report, label=" [TCP_NODELAY]", target=False)
                        note_nagle(report, plain, nodelay)
                    clients.close()
            if settings.profile:
                bench_profile(bench, settings, report)
        finally:
            stack.close()
            clients.close()
            floor.stop()
            server.stop()
        server.check()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer runs and shorter loops (under a minute)")
    parser.add_argument("--profile", action="store_true", help="cProfile the server side of the GET and LIST loops")
    parser.add_argument(
        "--nodelay",
        action="store_true",
        help="set TCP_NODELAY on every socket both servers accept (benchmark-side), for the whole live run",
    )
    settings = Settings.of(parser.parse_args(argv))
    started = time.perf_counter()
    for line in environment():
        print(line, flush=True)
    mode = "quick" if settings.quick else "full"
    print(f"mode: {mode}{' + TCP_NODELAY on accepted sockets' if settings.nodelay else ''}", flush=True)

    report = Report()
    with tempfile.TemporaryDirectory(prefix="fakeapi-bench-pycache-") as pycache:
        steps: list[tuple[str, Callable[[], None]]] = [
            ("start to ready", lambda: bench_startup(settings, report, Path(pycache))),
            ("resident memory", lambda: bench_memory(report, Path(pycache))),
            ("GET, create, watch, LIST", lambda: live_benchmarks(settings, report)),
        ]
        for name, step in steps:
            step_start = time.perf_counter()
            print(f"... {name}", end="", flush=True)
            step()
            print(f" ({time.perf_counter() - step_start:.1f} s)", flush=True)

    print()
    print(render(report.rows))
    print()
    for note in report.notes:
        print(f"* {note}")
    for profile in report.profiles:
        print()
        print(profile)
    missed = [row.label.strip() for row in report.rows if row.verdict() == "MISSED"]
    print()
    print(f"targets missed: {', '.join(missed) if missed else 'none'}")
    print(f"total run time: {time.perf_counter() - started:.0f} s; {load_average()} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
