#!/usr/bin/env python3
"""What an admission webhook adds to a create, and what a conversion webhook adds to a read.

Each figure is the median and p99 of ``--requests`` ConfigMap creates made in process through the
handler chain (``FakeAPIServer.request``: no client, no TLS to the server), with webhooks served
by ``fakeapi.testing.webhooks.WebhookServer`` on 127.0.0.1 over HTTPS:

- no webhook (the floor);
- one validating webhook that allows everything;
- one mutating webhook that adds a label with a JSONPatch;
- a mutating and two validating webhooks (the validating ones called in parallel);
- a get of a custom resource in the version it is not stored in, with a conversion webhook,
  against the same get in the storage version.

The added latency per webhook is the difference of medians; target: under 5 ms.

Run from the repository root::

    python benchmarks/webhooks.py
    python benchmarks/webhooks.py --requests 2000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from fakeapi import FakeAPIServer, ServerConfig  # noqa: E402
from fakeapi.controllers.manager import without_simulation  # noqa: E402
from fakeapi.testing.webhooks import WebhookServer  # noqa: E402

TARGET_MS = 5.0
CONFIGMAPS = "/api/v1/namespaces/default/configmaps"
RULES = [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["configmaps"]}]
LABEL_PATCH = [{"op": "add", "path": "/metadata/labels", "value": {"checked": "yes"}}]


def configuration(kind: str, name: str, client_config: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": kind,
        "metadata": {"name": name},
        "webhooks": [
            {
                "name": f"{name}.bench.example.com",
                "clientConfig": client_config,
                "rules": RULES,
                "sideEffects": "None",
                "admissionReviewVersions": ["v1"],
            }
        ],
    }


def timings(server: FakeAPIServer, requests: int, prefix: str) -> list[float]:
    """Milliseconds of each create (a fresh name each time)."""
    out = []
    for i in range(requests):
        body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"{prefix}-{i}"}}
        started = time.perf_counter()
        response = server.request("POST", CONFIGMAPS, body)
        out.append((time.perf_counter() - started) * 1000)
        if response.status != 201:
            raise SystemExit(f"create failed: {response.status} {response.body[:300]!r}")
    return out


def read_timings(server: FakeAPIServer, path: str, requests: int) -> list[float]:
    out = []
    for _ in range(requests):
        started = time.perf_counter()
        response = server.request("GET", path)
        out.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            raise SystemExit(f"get failed: {response.status} {response.body[:300]!r}")
    return out


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def report(name: str, values: list[float], floor: list[float] | None, webhooks: int) -> None:
    line = f"{name:<48} median {statistics.median(values):6.2f} ms  p99 {p99(values):6.2f} ms"
    if floor is not None:
        added = (statistics.median(values) - statistics.median(floor)) / webhooks
        verdict = "met" if added < TARGET_MS else "missed"
        line += f"  added per webhook {added:5.2f} ms (target < {TARGET_MS:.0f} ms: {verdict})"
    print(line)


def crontab_crd(client_config: dict[str, Any]) -> dict[str, Any]:
    schema = {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "crontabs.bench.example.com"},
        "spec": {
            "group": "bench.example.com",
            "scope": "Namespaced",
            "names": {"plural": "crontabs", "singular": "crontab", "kind": "CronTab"},
            "versions": [
                {"name": "v1", "served": True, "storage": True, "schema": schema},
                {"name": "v2", "served": True, "storage": False, "schema": schema},
            ],
            "conversion": {
                "strategy": "Webhook",
                "webhook": {"clientConfig": client_config, "conversionReviewVersions": ["v1"]},
            },
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="creates per configuration")
    args = parser.parse_args()
    n = args.requests
    server = FakeAPIServer(ServerConfig(port=0, controllers=without_simulation()))
    with WebhookServer(server.ca) as hooks:
        allow = hooks.admission("/allow", lambda request: {"allowed": True})
        label = hooks.admission("/label", lambda request: {"allowed": True, "patch": LABEL_PATCH})

        def scenario(
            name: str, configurations: list[dict[str, Any]], count: int, floor: list[float] | None
        ) -> list[float]:
            server.reset()
            server.seed(*configurations)
            timings(server, 50, "warm")  # connections opened, code paths warm
            values = timings(server, n, "cm")
            report(name, values, floor, count)
            return values

        floor = scenario("create, no webhook", [], 1, None)
        scenario(
            "create, 1 validating webhook", [configuration("ValidatingWebhookConfiguration", "allow", allow)], 1, floor
        )
        scenario(
            "create, 1 mutating webhook (JSONPatch)",
            [configuration("MutatingWebhookConfiguration", "label", label)],
            1,
            floor,
        )
        three = [
            configuration("MutatingWebhookConfiguration", "label", label),
            configuration("ValidatingWebhookConfiguration", "allow-a", allow),
            configuration("ValidatingWebhookConfiguration", "allow-b", allow),
        ]
        scenario("create, 1 mutating + 2 validating (parallel)", three, 3, floor)

        convert: Callable[[dict[str, Any], str], dict[str, Any]] = lambda obj, version: {**obj, "apiVersion": version}  # noqa: E731
        server.reset()
        server.seed(crontab_crd(hooks.conversion("/convert", convert)))
        crontab = {
            "apiVersion": "bench.example.com/v1",
            "kind": "CronTab",
            "metadata": {"name": "c", "namespace": "default"},
        }
        server.seed(crontab)
        path = "/apis/bench.example.com/{}/namespaces/default/crontabs/c"
        read_timings(server, path.format("v2"), 50)
        stored = read_timings(server, path.format("v1"), n)
        report("get custom resource, storage version", stored, None, 1)
        report("get custom resource, converted by webhook", read_timings(server, path.format("v2"), n), stored, 1)
    server.stop()


if __name__ == "__main__":
    main()
