#!/usr/bin/env python3
"""A bounded soak of ``fakeapi serve``: does its memory level off under mixed traffic, and what do its limits cost?

Two parts, each against a fresh ``python -m fakeapi serve`` child on 127.0.0.1 (the server alone
in its process, so its resident set is what is measured):

1. **Soak.** A few client threads drive mixed operations over loopback HTTPS for ``--seconds``
   (default 120): creates, updates, deletes, gets and lists of ConfigMaps (a bounded set of
   names, so the number of objects stays about constant, as in a test suite), watches opened and
   closed after their first event, bad requests (malformed and deeply nested JSON, alias-bomb
   YAML, unknown paths, unknown methods, a malformed request line) and fresh connections next
   to kept-alive ones. The child's RSS is sampled every ``--sample-every`` seconds and printed
   with the writes committed so far. The storage keeps the last 10,000 events (each holds an
   object) for watches from a resourceVersion, so RSS grows with the writes until that window is
   full; the run *levelled off* when, over the samples taken once it was full, the mean of the
   last half is within 5 % of the first half's (over all samples, the last third against the
   middle third, when the window never filled, which the summary then says).
2. **Cost of the limits.** GET throughput (one ConfigMap, kept-alive connections, two client
   threads) with kube-apiserver's limits on (max-in-flight 400/200, the 32 s header deadline)
   and off (``--max-requests-inflight 0 --max-mutating-requests-inflight 0 --read-header-timeout 0``),
   in alternating rounds against two children; the median round of each is reported.

Run from the repository root::

    python benchmarks/soak.py                 # 120 s soak, then the throughput rounds
    python benchmarks/soak.py --seconds 30 --rounds 3

Every socket has a timeout and every child is stopped at the end, so the script always ends.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import json
import random
import re
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

import yaml

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 15.0
CM_PATH = "/api/v1/namespaces/default/configmaps"
# Few enough names that the store holds a few hundred objects at most, whatever the run's length.
NAMES = 200
LEVELLED_TOLERANCE = 0.05
# The storage's event window (fakeapi.storage.memory.DEFAULT_WINDOW).
WINDOW_EVENTS = 10_000
MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NO_LIMITS = ("--max-requests-inflight", "0", "--max-mutating-requests-inflight", "0", "--read-header-timeout", "0")
ALIAS_BOMB = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n"
    + '  a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    + "".join(f"  {n}: &{n} [" + ",".join([f"*{p}"] * 9) + "]\n" for p, n in zip("abcdef", "bcdefg", strict=True))
).encode()


@dataclass
class Served:
    """A ``fakeapi serve`` child: its process, address and admin TLS context."""

    process: subprocess.Popen[str]
    host: str
    port: int
    context: ssl.SSLContext

    def connection(self) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection(self.host, self.port, timeout=TIMEOUT, context=self.context)

    def rss_kib(self) -> int:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        return int(match.group(1)) if match else 0

    def threads(self) -> int:
        return len(list(Path(f"/proc/{self.process.pid}/task").iterdir()))


@contextlib.contextmanager
def fakeapi_serve(*flags: str) -> Iterator[Served]:
    """Start ``python -m fakeapi serve`` on a free port; yield once it answers; stop it on the way out."""
    with tempfile.TemporaryDirectory() as folder:
        kubeconfig = Path(folder) / "kubeconfig"
        command = [sys.executable, "-m", "fakeapi", "serve", "--port", "0", "--kubeconfig", str(kubeconfig), *flags]
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)
        try:
            assert process.stdout is not None
            first = process.stdout.readline()
            match = re.search(r"https://([\d.]+):(\d+)", first)
            if match is None:
                raise RuntimeError(f"fakeapi serve did not start: {first!r}")
            # The kubeconfig line follows the address line; wait for it so the file is complete.
            process.stdout.readline()
            yield Served(process, match.group(1), int(match.group(2)), _admin_context(kubeconfig, Path(folder)))
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def _admin_context(kubeconfig: Path, folder: Path) -> ssl.SSLContext:
    config = yaml.safe_load(kubeconfig.read_text())
    user = config["users"][0]["user"]
    ca = base64.b64decode(config["clusters"][0]["cluster"]["certificate-authority-data"])
    (folder / "ca.crt").write_bytes(ca)
    (folder / "admin.crt").write_bytes(base64.b64decode(user["client-certificate-data"]))
    (folder / "admin.key").write_bytes(base64.b64decode(user["client-key-data"]))
    context = ssl.create_default_context(cafile=str(folder / "ca.crt"))
    context.load_cert_chain(str(folder / "admin.crt"), str(folder / "admin.key"))
    return context


# -- the soak ----------------------------------------------------------------------------------------


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    by_status: dict[int, int] = field(default_factory=dict)
    # Successful creates, updates, patches and deletes: each is one event in the storage's window.
    commits: int = 0
    failures: list[str] = field(default_factory=list)

    def add(self, status: int, method: str = "GET") -> None:
        with self.lock:
            self.by_status[status] = self.by_status.get(status, 0) + 1
            if method in MUTATING_METHODS and 200 <= status < 300:
                self.commits += 1

    def fail(self, what: str) -> None:
        with self.lock:
            if len(self.failures) < 20:
                self.failures.append(what)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


class SoakClient:
    """One client thread's traffic: a kept-alive connection, renewed now and then, and raw sockets for the odd cases."""

    def __init__(self, served: Served, seed: int, tally: Tally) -> None:
        self.served = served
        self.rnd = random.Random(seed)
        self.tally = tally
        self.conn = served.connection()

    def send(self, method: str, path: str, body: bytes | None = None, content_type: str = "application/json") -> None:
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = content_type
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            response.read()
            self.tally.add(response.status, method)
            if response.status >= 500:
                self.tally.fail(f"{method} {path} -> {response.status}")
            if response.will_close:
                self.renew()
        except (OSError, http.client.HTTPException) as exc:
            self.tally.fail(f"{method} {path}: {exc!r}")
            self.renew()

    def renew(self) -> None:
        self.conn.close()
        self.conn = self.served.connection()

    def configmap(self, name: str) -> bytes:
        data = {f"k{i}": "v" * self.rnd.randint(1, 200) for i in range(self.rnd.randint(1, 5))}
        body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}
        return json.dumps(body).encode()

    def watch_once(self) -> None:
        """A watch from now, closed after its first event or its 1 s timeout, on a connection of its own."""
        conn = self.served.connection()
        try:
            conn.request("GET", f"{CM_PATH}?watch=true&timeoutSeconds=1", headers={"Accept": "application/json"})
            response = conn.getresponse()
            response.readline()
            self.tally.add(response.status)
        except (OSError, http.client.HTTPException) as exc:
            self.tally.fail(f"watch: {exc!r}")
        finally:
            conn.close()

    def raw_bad_head(self) -> None:
        """A request line the transport refuses (400 Status), on a connection of its own."""
        try:
            raw = socket.create_connection((self.served.host, self.served.port), timeout=TIMEOUT)
            with self.served.context.wrap_socket(raw, server_hostname=self.served.host) as sock:
                sock.sendall(b"GET /version HTTP/x.y\r\nHost: x\r\n\r\n")
                answer = sock.recv(65536)
            self.tally.add(int(answer.split(b" ", 2)[1]))
        except (OSError, ValueError, IndexError) as exc:
            self.tally.fail(f"raw: {exc!r}")

    def step(self) -> None:
        name = f"soak-{self.rnd.randrange(NAMES)}"
        roll = self.rnd.random()
        if roll < 0.20:
            self.send("POST", CM_PATH, self.configmap(name))
        elif roll < 0.32:
            self.send("PUT", f"{CM_PATH}/{name}", self.configmap(name))
        elif roll < 0.40:
            patch = json.dumps({"metadata": {"labels": {"n": str(self.rnd.randrange(1000))}}}).encode()
            self.send("PATCH", f"{CM_PATH}/{name}", patch, "application/merge-patch+json")
        elif roll < 0.52:
            self.send("DELETE", f"{CM_PATH}/{name}")
        elif roll < 0.70:
            self.send("GET", f"{CM_PATH}/{name}")
        elif roll < 0.78:
            self.send("GET", f"{CM_PATH}?limit=50")
        elif roll < 0.82:
            self.watch_once()
        elif roll < 0.85:
            self.send("POST", CM_PATH, b'{"apiVersion": "v1", "kind": ')
        elif roll < 0.87:
            self.send("POST", CM_PATH, b"[" * 20_000 + b"]" * 20_000)
        elif roll < 0.89:
            self.send("POST", CM_PATH, ALIAS_BOMB, "application/yaml")
        elif roll < 0.92:
            self.send("GET", f"/api/v1/namespaces/default/nothings/{name}")
        elif roll < 0.94:
            self.send("TRACE", CM_PATH)
        elif roll < 0.96:
            self.raw_bad_head()
        else:
            self.renew()
            self.send("GET", "/version")

    def run(self, until: float) -> None:
        while time.monotonic() < until:
            self.step()
        self.conn.close()


def levelled_off(earlier: list[int], later: list[int]) -> tuple[bool, float, float]:
    """Whether the later samples' mean RSS is within tolerance of the earlier ones'; and both means."""
    before, after = statistics.fmean(earlier), statistics.fmean(later)
    return after <= before * (1 + LEVELLED_TOLERANCE), before, after


def soak(seconds: float, clients: int, sample_every: float) -> bool:
    with fakeapi_serve() as served:
        tally = Tally()
        until = time.monotonic() + seconds
        threads = [
            threading.Thread(target=SoakClient(served, seed, tally).run, args=(until,), daemon=True)
            for seed in range(clients)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        samples: list[int] = []
        # Samples taken once the window was full (its events no longer add memory).
        full: list[int] = []
        print(f"soak: {clients} client threads for {seconds:g} s against fakeapi serve (pid {served.process.pid})")
        print(f"{'t (s)':>6} {'RSS (MiB)':>10} {'threads':>8} {'requests':>9} {'writes':>7}")
        while True:
            now = time.monotonic()
            samples.append(served.rss_kib())
            if tally.commits >= WINDOW_EVENTS:
                full.append(samples[-1])
            print(
                f"{now - started:6.0f} {samples[-1] / 1024:10.1f} {served.threads():8d} {tally.total:9d} "
                f"{tally.commits:7d}",
                flush=True,
            )
            if now >= until:
                break
            time.sleep(min(sample_every, max(until - now, 0.0)))
        for thread in threads:
            thread.join(TIMEOUT)
        print(
            f"requests: {tally.total} ({tally.total / seconds:.0f}/s); by status: {dict(sorted(tally.by_status.items()))}"
        )
        if len(full) >= 4:
            half = len(full) // 2
            flat, before, after = levelled_off(full[:half], full[half:])
            print(f"the {WINDOW_EVENTS:,}-event window was full for the last {len(full)} samples; RSS mean, ", end="")
            print(f"first half {before / 1024:.1f} MiB, second half {after / 1024:.1f} MiB: ", end="")
        else:
            third = len(samples) // 3
            flat, before, after = levelled_off(samples[third : 2 * third], samples[2 * third :])
            print(f"the {WINDOW_EVENTS:,}-event window never filled ({tally.commits} writes): run longer; ", end="")
            print(f"RSS mean, middle third {before / 1024:.1f} MiB, last third {after / 1024:.1f} MiB: ", end="")
        print("levelled off" if flat else "STILL GROWING")
        for failure in tally.failures:
            print(f"  unexpected: {failure}")
        return flat and not tally.failures


# -- the cost of the limits -------------------------------------------------------------------------


def get_rate(served: Served, seconds: float, clients: int = 2) -> float:
    """GETs per second of one ConfigMap over kept-alive connections."""
    counts = [0] * clients
    until = time.monotonic() + seconds

    def loop(index: int) -> None:
        conn = served.connection()
        while time.monotonic() < until:
            conn.request("GET", f"{CM_PATH}/rate", headers={"Accept": "application/json"})
            response = conn.getresponse()
            response.read()
            assert response.status == 200, response.status
            counts[index] += 1
        conn.close()

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + TIMEOUT)
    return sum(counts) / seconds


def limits_cost(rounds: int, seconds: float) -> None:
    with fakeapi_serve() as limited, fakeapi_serve(*NO_LIMITS) as unlimited:
        body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "rate"}, "data": {"a": "b"}})
        for served in (limited, unlimited):
            conn = served.connection()
            conn.request("POST", CM_PATH, body=body, headers={"Content-Type": "application/json"})
            assert conn.getresponse().status == 201
            conn.close()
            get_rate(served, 1.0)  # warm-up
        rates: dict[str, list[float]] = {"limits on": [], "limits off": []}
        runs: list[tuple[str, Callable[[], float]]] = [
            ("limits on", lambda: get_rate(limited, seconds)),
            ("limits off", lambda: get_rate(unlimited, seconds)),
        ]
        for round_index in range(rounds):
            for label, run in runs if round_index % 2 == 0 else runs[::-1]:
                rates[label].append(run())
        print(f"GET throughput, {rounds} alternating rounds of {seconds:g} s, 2 client threads (median, min-max):")
        for label, values in rates.items():
            print(f"  {label:10} {statistics.median(values):7.0f}/s  ({min(values):.0f}-{max(values):.0f})")
        ratio = statistics.median(rates["limits on"]) / statistics.median(rates["limits off"])
        print(f"  on/off     {ratio:7.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="length of the soak (default 120)")
    parser.add_argument("--clients", type=int, default=4, help="client threads in the soak (default 4)")
    parser.add_argument("--sample-every", type=float, default=5.0, help="seconds between RSS samples (default 5)")
    parser.add_argument("--rounds", type=int, default=5, help="throughput rounds per side (default 5)")
    parser.add_argument("--round-seconds", type=float, default=5.0, help="length of a throughput round (default 5)")
    args = parser.parse_args()
    flat = soak(args.seconds, args.clients, args.sample_every)
    limits_cost(args.rounds, args.round_seconds)
    return 0 if flat else 1


if __name__ == "__main__":
    sys.exit(main())
