#!/usr/bin/env python3
"""How long certificate rotations of a running fakeapi server take, end to end.

A full rotation is ``server.rotation.rotate_ca()``: a new cluster CA, the admin certificate
re-issued from it, the client-CA bundle set to old + new, a new serving certificate from the
new CA, the old CA dropped, and every listener run each time (the serving-certificate
controller builds a new SSLContext, the cluster-authentication-trust controller rewrites
``kube-system/extension-apiserver-authentication`` through the handler chain). The target is
under 50 ms. After each rotation a fresh TLS connection with the new trust bundle must get a
200, so the figure covers work that is really in effect. Before each rotation (untimed) the
ConfigMap is rebuilt from the current CA alone, as on a cluster rotating for the first time.

Run from the repository root::

    python benchmarks/rotation.py             # 50 rotations of each kind
    python benchmarks/rotation.py --runs 200
    python benchmarks/rotation.py --key-type RSA
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import http.client  # noqa: E402

from fakeapi import FakeAPIServer, ServerConfig  # noqa: E402
from fakeapi.certs.tls import client_ssl_context  # noqa: E402

TARGET_MS = 50.0
TIMEOUT = 10.0
CONFIG_MAP_PATH = "/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication"


def _check(server: FakeAPIServer) -> None:
    """A new connection trusting the current bundle, as the admin: must answer 200."""
    context = client_ssl_context(server.rotation.trust_bundle, server.admin_cert)
    connection = http.client.HTTPSConnection("127.0.0.1", server.port, timeout=TIMEOUT, context=context)
    try:
        connection.request("GET", CONFIG_MAP_PATH)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"request after rotation answered {response.status}")
    finally:
        connection.close()


def _settle_published_cas(server: FakeAPIServer) -> None:
    # The ConfigMap keeps every CA until it expires, so repeated rotations would make each one
    # parse a longer bundle than a real cluster's single rotation does: start each from one CA.
    server.request("DELETE", CONFIG_MAP_PATH)
    server.authentication_trust.run_once()


def _measure(server: FakeAPIServer, step: Callable[[], object], runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        _settle_published_cas(server)
        started = time.perf_counter()
        step()
        timings.append((time.perf_counter() - started) * 1000)
        _check(server)
    return timings


def _row(name: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{name:<26} {min(ordered):8.2f} {statistics.median(ordered):8.2f} {p95:8.2f} {max(ordered):8.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50, help="rotations of each kind (default 50)")
    parser.add_argument("--key-type", choices=("ECDSA", "RSA"), default="ECDSA")
    args = parser.parse_args()

    with FakeAPIServer(ServerConfig(key_type=args.key_type)) as server:
        _check(server)
        results = {
            "serving certificate": _measure(server, server.rotation.rotate_serving_cert, args.runs),
            "full CA rotation": _measure(server, server.rotation.rotate_ca, args.runs),
        }
        server.check()

    print(f"{args.runs} runs each, {args.key_type} keys, milliseconds")
    print(f"{'rotation':<26} {'min':>8} {'median':>8} {'p95':>8} {'max':>8}")
    for name, timings in results.items():
        print(_row(name, timings))
    median = statistics.median(results["full CA rotation"])
    verdict = "meets" if median < TARGET_MS else "misses"
    print(f"full CA rotation median {median:.2f} ms {verdict} the {TARGET_MS:.0f} ms target")
    return 0 if median < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
