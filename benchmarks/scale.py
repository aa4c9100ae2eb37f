#!/usr/bin/env python3
"""How fakeapi's cost grows: scale curves against a floor, written as a report and a plot.

Each curve is measured against a floor in the same run:

- LIST latency and resident memory with 1k, 10k and 50k ConfigMaps (a fresh child process holds
  the server; the floor is fakeapi's own HTTPS transport answering the same LIST bytes canned);
- watch event latency (p50, p99) with 1, 10, 100 and 500 concurrent watchers, from the create's
  response to each watcher reading the event (the floor echoes each create's body to every
  watcher as an ``ADDED`` line);
- GETs per second with 1, 4 and 16 concurrent keep-alive clients (the floor answers the same
  ConfigMap's bytes canned);
- a Deployment rolled out to 100, 300 and 1,000 running pods over 10 simulated nodes;
- ``fakeapi serve`` from spawn to its first ``/readyz`` 200, against a floor process that imports
  ``ssl``, ``cryptography`` and ``http.server``, makes a self-signed certificate and answers
  ``/readyz``; and what the pytest plugin adds to a session (one test using ``fakeapi`` against one
  that does not). Bytecode is cached for both, in a temporary folder.

For the watch and GET curves the servers run in child processes and the clients (raw
``http.client`` connections, one thread each) in this one, so the client threads do not share a
GIL with the server. Run from the repository root::

    python benchmarks/scale.py            # full run, about ten minutes
    python benchmarks/scale.py --quick    # fewer sizes and rounds, about three minutes

It prints a table and writes ``benchmarks/scale.json`` and ``benchmarks/scale.png`` (``--out``
changes the prefix). The plot needs matplotlib (``pip install -e '.[bench]'``); without it only
the report is written.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import gc
import http.client
import json
import os
import re
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

BENCHMARKS = Path(__file__).resolve().parent
REPO = BENCHMARKS.parent
for entry in (str(REPO), str(BENCHMARKS)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

from run import HOST, SOCKET_TIMEOUT, FloorServer, configmap, make_pki, median, percentile  # noqa: E402

from fakeapi import FakeAPIServer, ServerConfig  # noqa: E402
from fakeapi.endpoints.http import Request, ResponseWriter  # noqa: E402

CHILD_TIMEOUT = 600.0
EVENT_TIMEOUT = 120.0
NAME_RE = re.compile(rb'"name": ?"([^"]+)"')


@dataclass
class Settings:
    list_sizes: list[int]
    list_runs: int
    watchers: list[int]
    watch_events: int
    get_clients: list[int]
    get_seconds: float
    get_rounds: int
    rollout_pods: list[int]
    start_runs: int

    @classmethod
    def of(cls, quick: bool) -> Settings:
        if quick:
            return cls([1_000, 10_000], 3, [1, 10, 100], 20, [1, 4, 16], 1.0, 1, [100, 300], 3)
        return cls([1_000, 10_000, 50_000], 5, [1, 10, 100, 500], 50, [1, 4, 16], 2.0, 3, [100, 300, 1_000], 5)


@dataclass
class Report:
    curves: dict[str, Any] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        print(line, flush=True)
        self.lines.append(line)


def child_env(pycache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")]))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def rss_mb(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


# -- servers in child processes --------------------------------------------------------------------


class EchoWatchFloor(FloorServer):
    """The floor, plus the least a server must do for a watch: each create's body goes to every watcher."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.watchers: list[ResponseWriter] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def handle(self, req: Request, w: ResponseWriter) -> None:
        if req.method == "PUT" and req.path.startswith("/canned"):
            self.routes[("GET", req.path.removeprefix("/canned"))] = (200, req.body)
            w.write_head(204, [("Content-Length", "0")])
        elif req.method == "GET" and "watch=1" in req.query_string:
            w.write_head(200, [("Content-Type", "application/json")])
            with self.lock:
                self.watchers.append(w)
            self.stopping.wait(CHILD_TIMEOUT)
        elif req.method == "POST":
            line = b'{"type":"ADDED","object":' + req.body + b"}\n"
            with self.lock:
                watchers = list(self.watchers)
            for watcher in watchers:
                with contextlib.suppress(OSError):
                    watcher.write(line)
            w.write_head(201, [("Content-Type", "application/json"), ("Content-Length", str(len(req.body)))])
            w.write(req.body)
        else:
            super().handle(req, w)

    def stop(self) -> None:
        self.stopping.set()
        super().stop()


def serve_child(kind: str, directory: Path) -> None:
    """Serve until stdin closes; the port goes to stdout, the CA and admin certificate to ``directory``."""
    if kind == "fakeapi":
        server = FakeAPIServer(ServerConfig()).start()
        port, ca_pem, admin = server.port, server.ca.cert_pem, server.admin_cert
        stop: Callable[[], None] = server.stop
    else:
        pki = make_pki()
        floor = EchoWatchFloor(pki.serving, pki.ca.cert_pem).start()
        port, ca_pem, admin = floor.port, pki.ca.cert_pem, pki.admin
        stop = floor.stop
    (directory / "ca.pem").write_bytes(ca_pem)
    (directory / "admin.crt").write_bytes(admin.cert_pem)
    (directory / "admin.key").write_bytes(admin.key_pem)
    print(port, flush=True)
    sys.stdin.read()
    stop()


@dataclass
class Served:
    kind: str
    port: int
    context: ssl.SSLContext
    pid: int

    def connect(self) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection(HOST, self.port, context=self.context, timeout=SOCKET_TIMEOUT)

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        conn = self.connect()
        try:
            headers = {"Accept": "application/json", "Content-Type": "application/json"}
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()


@contextlib.contextmanager
def served(kind: str, pycache: Path) -> Iterator[Served]:
    with tempfile.TemporaryDirectory(prefix="fakeapi-scale-") as tmp:
        directory = Path(tmp)
        with subprocess.Popen(
            [sys.executable, __file__, "--serve", kind, "--dir", tmp],
            env=child_env(pycache),
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        ) as proc:
            assert proc.stdin is not None and proc.stdout is not None
            try:
                port = int(proc.stdout.readline())
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                context.load_verify_locations(cafile=str(directory / "ca.pem"))
                context.load_cert_chain(str(directory / "admin.crt"), str(directory / "admin.key"))
                yield Served(kind, port, context, proc.pid)
            finally:
                proc.stdin.close()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()


# -- LIST and memory, in a child holding the server --------------------------------------------------


def list_child(sizes: list[int], runs: int) -> None:
    """Seed ConfigMaps up to each size, then print a JSON line: memory and LIST times, fakeapi and floor."""
    server = FakeAPIServer(ServerConfig()).start()
    pki = make_pki()
    floor = FloorServer(pki.serving, pki.ca.cert_pem).start()
    contexts = {}
    for name, ca_pem, admin in (
        ("fakeapi", server.ca.cert_pem, server.admin_cert),
        ("floor", pki.ca.cert_pem, pki.admin),
    ):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(cadata=ca_pem.decode())
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, "c").write_bytes(admin.cert_pem)
            Path(tmp, "k").write_bytes(admin.key_pem)
            context.load_cert_chain(str(Path(tmp, "c")), str(Path(tmp, "k")))
        contexts[name] = context
    ns = "bench-list"
    path = f"/api/v1/namespaces/{ns}/configmaps"
    server.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    server.settle()
    gc.collect()
    empty = rss_mb()
    seeded = 0
    for size in sizes:
        for i in range(seeded, size):
            server.seed(configmap(ns, f"cm-{i:05d}", i))
        seeded = size
        server.settle()
        gc.collect()
        stored = rss_mb()
        times: dict[str, list[float]] = {"fakeapi": [], "floor": []}
        body = b""
        for target, port in (("fakeapi", server.port), ("floor", floor.port)):
            conn = http.client.HTTPSConnection(HOST, port, context=contexts[target], timeout=120)
            for run in range(runs + 1):
                start = time.perf_counter()
                conn.request("GET", path, headers={"Accept": "application/json"})
                response = conn.getresponse()
                data = response.read()
                elapsed = (time.perf_counter() - start) * 1e3
                if run:  # the first is a warm-up
                    times[target].append(elapsed)
                if target == "fakeapi":
                    body = data
                    floor.routes[("GET", path)] = (200, data)
            conn.close()
            del data
        items = len(json.loads(body)["items"])
        del body
        gc.collect()
        listed = rss_mb()
        body_bytes = len(floor.routes[("GET", path)][1])
        print(
            json.dumps(
                {
                    "objects": items,
                    "body_bytes": body_bytes,
                    "rss_empty_mb": empty,
                    "rss_stored_mb": stored,
                    # The floor's canned copy of the body is the benchmark's, not the server's.
                    "rss_listed_mb": listed - body_bytes / 2**20,
                    "list_ms": median(times["fakeapi"]),
                    "floor_list_ms": median(times["floor"]),
                }
            ),
            flush=True,
        )
    floor.stop()
    server.stop()


def bench_list(settings: Settings, report: Report, pycache: Path) -> None:
    command = [sys.executable, __file__, "--list-child", ",".join(map(str, settings.list_sizes))]
    command += ["--runs", str(settings.list_runs)]
    proc = subprocess.run(command, env=child_env(pycache), cwd=REPO, capture_output=True, timeout=CHILD_TIMEOUT)
    if proc.returncode:
        raise RuntimeError(f"list child failed:\n{proc.stderr.decode(errors='replace')}")
    points = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith(b"{")]
    report.curves["list"] = points
    report.say("\nLIST of N ConfigMaps (raw HTTPS, whole body read; medians) and resident memory")
    report.say(
        f"{'objects':>8} {'body MB':>8} {'fakeapi ms':>11} {'floor ms':>9} {'x floor':>8} {'RSS MB':>8} {'KB/object beyond JSON':>22} {'after LIST':>11}"
    )
    for p in points:
        n = p["objects"]
        json_kb = p["body_bytes"] / n / 1024
        stored = (p["rss_stored_mb"] - p["rss_empty_mb"]) * 1024 / n - json_kb
        listed = (p["rss_listed_mb"] - p["rss_empty_mb"]) * 1024 / n - json_kb
        p["overhead_kb_per_object"] = stored
        p["overhead_after_list_kb_per_object"] = listed
        report.say(
            f"{n:>8,} {p['body_bytes'] / 2**20:>8.1f} {p['list_ms']:>11.1f} {p['floor_list_ms']:>9.1f}"
            f" {p['list_ms'] / p['floor_list_ms']:>8.1f} {p['rss_stored_mb']:>8.0f} {stored:>22.2f} {listed:>11.2f}"
        )


# -- watch fan-out ---------------------------------------------------------------------------------


class Watcher(threading.Thread):
    """One watch connection; records when it read each object's event."""

    def __init__(self, target: Served, path: str, arrivals: dict[str, list[float]], done: threading.Condition) -> None:
        super().__init__(daemon=True)
        self.target = target
        self.path = path
        self.arrivals = arrivals
        self.done = done
        self.ready = threading.Event()
        # Connected and answered before the thread starts: hundreds of simultaneous handshakes would
        # overflow the listen backlog, and a watcher not yet registered would miss the first events.
        self.conn = target.connect()
        self.conn.request("GET", self.path, headers={"Accept": "application/json"})
        self.stream = self.conn.getresponse()

    def run(self) -> None:
        try:
            stream = self.stream
            self.ready.set()
            while True:
                line = stream.readline()
                if not line:
                    return
                arrived = time.perf_counter()
                match = NAME_RE.search(line)
                if match is None:
                    continue
                with self.done:
                    self.arrivals.setdefault(match.group(1).decode(), []).append(arrived)
                    self.done.notify_all()
        except (OSError, ValueError, AttributeError):
            return  # closed by close(): http.client fails in one of these ways, depending on where it was
        finally:
            self.ready.set()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.sock.shutdown(2)  # type: ignore[union-attr]
        self.conn.close()


def watch_latencies(target: Served, watchers: int, events: int) -> list[float]:
    """ms from each create's response to each watcher reading its event (0 when already there)."""
    ns = f"bench-watch-{watchers}"
    target.request(
        "POST",
        "/api/v1/namespaces",
        json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}).encode(),
    )
    path = f"/api/v1/namespaces/{ns}/configmaps"
    arrivals: dict[str, list[float]] = {}
    done = threading.Condition()
    threads = [Watcher(target, path + "?watch=1", arrivals, done) for _ in range(watchers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.ready.wait(SOCKET_TIMEOUT)
    writer = target.connect()
    latencies: list[float] = []
    try:
        for i in range(events + 5):
            name = f"w-{i:05d}"
            body = json.dumps(configmap(ns, name, i)).encode()
            writer.request("POST", path, body, {"Content-Type": "application/json", "Accept": "application/json"})
            response = writer.getresponse()
            response.read()
            returned = time.perf_counter()
            if response.status != 201:
                raise RuntimeError(f"create: {response.status}")
            # Generous: 500 watchers on a loaded 2-core machine can take seconds to catch up.
            deadline = time.monotonic() + EVENT_TIMEOUT
            with done:
                while len(arrivals.get(name, ())) < watchers:
                    if not done.wait(max(deadline - time.monotonic(), 0)):
                        raise TimeoutError(f"{name}: {len(arrivals.get(name, ()))} of {watchers} watchers")
                got = arrivals[name]
            if i >= 5:  # the first few warm the paths up
                latencies += [max(arrived - returned, 0.0) * 1e3 for arrived in got]
    finally:
        writer.close()
        for thread in threads:
            thread.close()
    return latencies


def bench_watch(settings: Settings, report: Report, pycache: Path) -> None:
    points = []
    results: dict[str, dict[int, list[float]]] = {"fakeapi": {}, "floor": {}}
    for kind in ("fakeapi", "floor"):
        with served(kind, pycache) as target:
            for watchers in settings.watchers:
                results[kind][watchers] = watch_latencies(target, watchers, settings.watch_events)
    report.say(f"\nwatch event latency, create's response to each watcher's read ({settings.watch_events} creates)")
    report.say(f"{'watchers':>8} {'fakeapi p50':>12} {'p99':>8} {'floor p50':>10} {'p99':>8}")
    for watchers in settings.watchers:
        fake, floor = results["fakeapi"][watchers], results["floor"][watchers]
        point = {
            "watchers": watchers,
            "p50_ms": percentile(fake, 0.5),
            "p99_ms": percentile(fake, 0.99),
            "floor_p50_ms": percentile(floor, 0.5),
            "floor_p99_ms": percentile(floor, 0.99),
        }
        points.append(point)
        report.say(
            f"{watchers:>8} {point['p50_ms']:>12.2f} {point['p99_ms']:>8.2f}"
            f" {point['floor_p50_ms']:>10.2f} {point['floor_p99_ms']:>8.2f}"
        )
    report.curves["watch"] = points


# -- GET throughput --------------------------------------------------------------------------------


def get_rate(target: Served, path: str, clients: int, seconds: float) -> float:
    """GETs per second from ``clients`` threads, each on its own keep-alive connection."""
    counts = [0] * clients
    start_line = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(index: int) -> None:
        conn = target.connect()
        try:
            conn.request("GET", path, headers={"Accept": "application/json"})
            conn.getresponse().read()
            start_line.wait()
            while time.perf_counter() < stop_at[0]:
                conn.request("GET", path, headers={"Accept": "application/json"})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    raise RuntimeError(f"GET: {response.status}")
                counts[index] += 1
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + 1e9
    start_line.wait()
    began = time.perf_counter()
    stop_at[0] = began + seconds
    for thread in threads:
        thread.join(SOCKET_TIMEOUT + seconds)
    return sum(counts) / (time.perf_counter() - began)


def bench_get(settings: Settings, report: Report, pycache: Path) -> None:
    path = "/api/v1/namespaces/default/configmaps/cm-get"
    rates: dict[str, dict[int, list[float]]] = {"fakeapi": {}, "floor": {}}
    with served("fakeapi", pycache) as fake, served("floor", pycache) as floor:
        fake.request(
            "POST", "/api/v1/namespaces/default/configmaps", json.dumps(configmap("default", "cm-get")).encode()
        )
        status, body = fake.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET: {status}")
        floor.request("PUT", "/canned" + path, body)
        for _ in range(settings.get_rounds):
            for clients in settings.get_clients:
                for target in (fake, floor):
                    rates[target.kind].setdefault(clients, []).append(
                        get_rate(target, path, clients, settings.get_seconds)
                    )
    report.say(
        f"\nGETs per second of one ConfigMap, concurrent keep-alive clients (median of {settings.get_rounds} rounds)"
    )
    report.say(f"{'clients':>8} {'fakeapi':>9} {'floor':>9} {'of floor':>9}")
    points = []
    for clients in settings.get_clients:
        fake_rate, floor_rate = median(rates["fakeapi"][clients]), median(rates["floor"][clients])
        points.append({"clients": clients, "per_second": fake_rate, "floor_per_second": floor_rate})
        report.say(f"{clients:>8} {fake_rate:>9.0f} {floor_rate:>9.0f} {fake_rate / floor_rate:>9.2f}")
    report.curves["get"] = points


# -- rollout ---------------------------------------------------------------------------------------


def rollout_child(pods: int) -> None:
    """Roll one Deployment out to ``pods`` running pods over 10 nodes; prints ms and the RSS it added."""
    from workloads import _deployment, _wait_available

    from fakeapi.kubelet.config import ClusterConfig

    with FakeAPIServer(ServerConfig(port=0, cluster=ClusterConfig.with_workers(10))) as server:
        gc.collect()
        before = rss_mb()
        start = time.perf_counter()
        server.request("POST", "/apis/apps/v1/namespaces/default/deployments", _deployment("big", pods))
        _wait_available(server, ["big"], pods)
        elapsed = (time.perf_counter() - start) * 1e3
        gc.collect()
        print(json.dumps({"pods": pods, "ms": elapsed, "rss_added_mb": rss_mb() - before}), flush=True)


def bench_rollout(settings: Settings, report: Report, pycache: Path) -> None:
    points = []
    report.say("\nDeployment rolled out to N running pods (10 nodes, controllers in the background)")
    report.say(f"{'pods':>8} {'seconds':>8} {'ms/pod':>8} {'RSS added MB':>13}")
    for pods in settings.rollout_pods:
        proc = subprocess.run(
            [sys.executable, __file__, "--rollout-child", str(pods)],
            env=child_env(pycache),
            cwd=REPO,
            capture_output=True,
            timeout=CHILD_TIMEOUT,
        )
        if proc.returncode:
            raise RuntimeError(f"rollout child failed:\n{proc.stderr.decode(errors='replace')}")
        point = json.loads(proc.stdout.splitlines()[-1])
        points.append(point)
        report.say(f"{pods:>8,} {point['ms'] / 1e3:>8.1f} {point['ms'] / pods:>8.1f} {point['rss_added_mb']:>13.1f}")
    report.curves["rollout"] = points


# -- start -----------------------------------------------------------------------------------------

FLOOR_PROCESS = r"""
import datetime, http.server, os, ssl, sys, tempfile
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

key = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "floor")])
now = datetime.datetime.now(datetime.timezone.utc)
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256()))
directory = tempfile.mkdtemp()
with open(os.path.join(directory, "tls.pem"), "wb") as out:
    out.write(cert.public_bytes(serialization.Encoding.PEM))
    out.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(os.path.join(directory, "tls.pem"))

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *args):
        pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.socket = context.wrap_socket(server.socket, server_side=True)
print(f"floor serving on https://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
"""

SERVING_RE = re.compile(r"https://127\.0\.0\.1:(\d+)")


def probe_context(kubeconfig: Path | None) -> ssl.SSLContext:
    """A client context for the readiness probe: the kubeconfig's client certificate, when there is one."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if kubeconfig is not None:
        user = yaml.safe_load(kubeconfig.read_text())["users"][0]["user"]
        with tempfile.TemporaryDirectory() as tmp:
            cert, key = Path(tmp, "tls.crt"), Path(tmp, "tls.key")
            cert.write_bytes(base64.b64decode(user["client-certificate-data"]))
            key.write_bytes(base64.b64decode(user["client-key-data"]))
            context.load_cert_chain(str(cert), str(key))
    return context


def spawn_to_ready_ms(command: list[str], pycache: Path, kubeconfig: Path | None = None) -> float:
    """Wall time from spawning ``command`` to a 200 from its ``/readyz`` (port read from its first line)."""
    start = time.perf_counter()
    with subprocess.Popen(
        command, env=child_env(pycache), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as proc:
        assert proc.stdout is not None
        try:
            match = SERVING_RE.search(proc.stdout.readline())
            if match is None:
                raise RuntimeError(f"no port from {command}")
            probe = probe_context(kubeconfig)
            deadline = time.monotonic() + SOCKET_TIMEOUT
            while time.monotonic() < deadline:
                conn = http.client.HTTPSConnection(HOST, int(match.group(1)), context=probe, timeout=SOCKET_TIMEOUT)
                try:
                    conn.request("GET", "/readyz")
                    if conn.getresponse().status == 200:
                        return (time.perf_counter() - start) * 1e3
                except OSError:
                    pass
                finally:
                    conn.close()
                time.sleep(0.001)
            raise TimeoutError(f"{command} not ready")
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


WITH_FAKEAPI = """
def test_with_fakeapi(fakeapi):
    assert fakeapi.get("v1", "Namespace", "default")["metadata"]["name"] == "default"
"""
WITHOUT_FAKEAPI = """
def test_without_fakeapi():
    assert True
"""


def pytest_session_ms(source: str, pycache: Path) -> float:
    with tempfile.TemporaryDirectory(prefix="fakeapi-scale-") as directory:
        Path(directory, "test_session.py").write_text(source)
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_session.py"]
        start = time.perf_counter()
        result = subprocess.run(
            command, cwd=directory, env=child_env(pycache), capture_output=True, text=True, timeout=CHILD_TIMEOUT
        )
        if result.returncode:
            raise RuntimeError(f"pytest failed:\n{result.stdout}\n{result.stderr}")
        return (time.perf_counter() - start) * 1e3


def bench_start(settings: Settings, report: Report, pycache: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="fakeapi-scale-") as tmp:
        kubeconfig = Path(tmp, "kubeconfig")
        serve = [sys.executable, "-m", "fakeapi", "serve", "--port", "0", "--kubeconfig", str(kubeconfig)]
        floor = [sys.executable, "-c", FLOOR_PROCESS]
        samples: dict[str, list[float]] = {"serve": [], "floor": [], "with": [], "without": []}
        spawn_to_ready_ms(serve, pycache, kubeconfig)  # fills the bytecode cache
        spawn_to_ready_ms(floor, pycache)
        pytest_session_ms(WITH_FAKEAPI, pycache)
        for _ in range(settings.start_runs):
            samples["serve"].append(spawn_to_ready_ms(serve, pycache, kubeconfig))
            samples["floor"].append(spawn_to_ready_ms(floor, pycache))
            samples["with"].append(pytest_session_ms(WITH_FAKEAPI, pycache))
            samples["without"].append(pytest_session_ms(WITHOUT_FAKEAPI, pycache))
    serve_ms, floor_ms = median(samples["serve"]), median(samples["floor"])
    session_ms = median(samples["with"]) - median(samples["without"])
    report.say(f"\nstart (medians of {settings.start_runs}, bytecode cached)")
    report.say(
        f"  fakeapi serve, spawn to /readyz 200: {serve_ms:.0f} ms; floor process: {floor_ms:.0f} ms ({serve_ms / floor_ms:.1f}x)"
    )
    report.say(
        f"  pytest session with one fakeapi test: {median(samples['with']):.0f} ms, without: {median(samples['without']):.0f} ms;"
        f" the plugin adds {session_ms:.0f} ms ({session_ms / floor_ms:.1f}x the floor process)"
    )
    report.curves["start"] = {
        "serve_ms": serve_ms,
        "floor_ms": floor_ms,
        "session_overhead_ms": session_ms,
        "samples": samples,
    }


# -- plot ------------------------------------------------------------------------------------------


def plot(curves: dict[str, Any], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5))
    if "list" in curves:
        points = curves["list"]
        n = [p["objects"] for p in points]
        ax = axes[0][0]
        ax.plot(n, [p["list_ms"] for p in points], "o-", label="fakeapi")
        ax.plot(n, [p["floor_list_ms"] for p in points], "s--", label="floor (same bytes, canned)")
        ax.set(xscale="log", yscale="log", xlabel="ConfigMaps", ylabel="ms", title="LIST latency")
        ax.legend()
        ax = axes[0][1]
        ax.plot(n, [p["overhead_kb_per_object"] for p in points], "o-", label="after seeding")
        ax.plot(n, [p["overhead_after_list_kb_per_object"] for p in points], "^-", label="after LISTs")
        ax.axhline(1.0, color="grey", linestyle=":", label="target: 1 KB")
        ax.set(xscale="log", xlabel="ConfigMaps", ylabel="KB per object", title="RSS beyond each object's JSON")
        ax.legend()
    if "watch" in curves:
        points = curves["watch"]
        w = [p["watchers"] for p in points]
        ax = axes[0][2]
        for key, style, label in (
            ("p50_ms", "o-", "fakeapi p50"),
            ("p99_ms", "o-", "fakeapi p99"),
            ("floor_p50_ms", "s--", "floor p50"),
            ("floor_p99_ms", "s--", "floor p99"),
        ):
            ax.plot(w, [max(p[key], 0.01) for p in points], style, label=label)
        ax.set(xscale="log", yscale="log", xlabel="concurrent watchers", ylabel="ms", title="watch event latency")
        ax.legend()
    if "get" in curves:
        points = curves["get"]
        c = [p["clients"] for p in points]
        ax = axes[1][0]
        ax.plot(c, [p["per_second"] for p in points], "o-", label="fakeapi")
        ax.plot(c, [p["floor_per_second"] for p in points], "s--", label="floor")
        ax.set(xscale="log", xlabel="concurrent clients", ylabel="GETs/s", title="GET throughput")
        ax.set_xticks(c, [str(x) for x in c])
        ax.legend()
    if "rollout" in curves:
        points = curves["rollout"]
        ax = axes[1][1]
        ax.plot([p["pods"] for p in points], [p["ms"] / 1e3 for p in points], "o-", label="to all Available")
        ax.set(xlabel="pods (one Deployment, 10 nodes)", ylabel="s", title="rollout")
        ax.legend()
    if "start" in curves:
        start = curves["start"]
        ax = axes[1][2]
        labels = ["floor process", "fakeapi serve", "plugin per session"]
        values = [start["floor_ms"], start["serve_ms"], start["session_overhead_ms"]]
        ax.bar(labels, values, color=["grey", "C0", "C1"])
        ax.axhline(2 * start["floor_ms"], color="grey", linestyle=":", label="budget: 2x floor")
        ax.set(ylabel="ms", title="start to ready")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="list,watch,get,rollout,start", help="comma-separated curves to run")
    parser.add_argument("--out", default=str(BENCHMARKS / "scale"), help="prefix of the .json and .png written")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    parser.add_argument("--list-child", help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=5, help=argparse.SUPPRESS)
    parser.add_argument("--rollout-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve_child(args.serve, Path(args.dir))
        return 0
    if args.list_child:
        list_child([int(n) for n in args.list_child.split(",")], args.runs)
        return 0
    if args.rollout_child:
        rollout_child(args.rollout_child)
        return 0

    settings = Settings.of(args.quick)
    report = Report()
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True).stdout
    report.say(
        f"fakeapi {commit.strip()}, Python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}"
    )
    benches = {
        "list": bench_list,
        "watch": bench_watch,
        "get": bench_get,
        "rollout": bench_rollout,
        "start": bench_start,
    }
    with tempfile.TemporaryDirectory(prefix="fakeapi-scale-pycache-") as pycache:
        for name in args.only.split(","):
            benches[name](settings, report, Path(pycache))
    report.say(f"\nload average at the end: {os.getloadavg()[0]:.2f}")
    out = Path(args.out)
    saved = out.with_suffix(".json")
    if saved.exists() and args.only != parser.get_default("only"):
        # A partial run replaces its own curves and keeps the others of the last report.
        report.curves = {**json.loads(saved.read_text())["curves"], **report.curves}
    saved.write_text(json.dumps({"curves": report.curves, "report": report.lines}, indent=1) + "\n")
    if plot(report.curves, out.with_suffix(".png")):
        print(f"wrote {out.with_suffix('.json')} and {out.with_suffix('.png')}")
    else:
        print(f"wrote {out.with_suffix('.json')} (no matplotlib: no plot)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
