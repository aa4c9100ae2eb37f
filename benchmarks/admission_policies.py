#!/usr/bin/env python3
"""What admission policies cost: loading them, and each write they validate or mutate.

Figures (medians of ``--runs`` runs, in process, through ``FakeAPIServer.request`` so that only
the server's own work is timed):

- the first policy: storing a ValidatingAdmissionPolicy and its binding, then the first create
  it sees (importing the CEL runtime and the policy plugins, compiling the policy), against the
  same create on a server without policies;
- a ConfigMap create under a ValidatingAdmissionPolicy with ten validations (each reading the
  object and a param), against the same create with no policy (the floor);
- a ConfigMap create under a MutatingAdmissionPolicy adding a label (ApplyConfiguration),
  against the floor.

Run from the repository root::

    python benchmarks/admission_policies.py
    python benchmarks/admission_policies.py --runs 500
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from fakeapi import FakeAPIServer, ServerConfig  # noqa: E402

ADMISSION = "/apis/admissionregistration.k8s.io/v1/"
CONFIGMAPS = "/api/v1/namespaces/default/configmaps"
RULES = [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["configmaps"]}]
VALIDATIONS = 10


def _policy(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"kind": kind, "metadata": {"name": "bench"}, "spec": {"matchConstraints": {"resourceRules": RULES}, **spec}}


VALIDATING = _policy(
    "ValidatingAdmissionPolicy",
    {
        "paramKind": {"apiVersion": "v1", "kind": "ConfigMap"},
        "validations": [
            {"expression": f"size(object.data.key) < int(params.data.limit) + {i}"} for i in range(VALIDATIONS)
        ],
    },
)
VALIDATING_BINDING = {
    "metadata": {"name": "bench"},
    "spec": {
        "policyName": "bench",
        "validationActions": ["Deny"],
        "paramRef": {"name": "limits", "namespace": "kube-system", "parameterNotFoundAction": "Deny"},
    },
}
MUTATING = _policy(
    "MutatingAdmissionPolicy",
    {
        "reinvocationPolicy": "Never",
        "mutations": [
            {
                "patchType": "ApplyConfiguration",
                "applyConfiguration": {"expression": 'Object{metadata: Object.metadata{labels: {"bench": "yes"}}}'},
            }
        ],
    },
)
MUTATING_BINDING = {"metadata": {"name": "bench"}, "spec": {"policyName": "bench"}}

FIRST_POLICY = """
import time
from fakeapi import FakeAPIServer, ServerConfig
server = FakeAPIServer(ServerConfig(controllers=[]))
server.request("POST", "{configmaps}", {{"metadata": {{"name": "warm"}}}})
start = time.perf_counter()
server.request("POST", "{configmaps}", {{"metadata": {{"name": "floor"}}}})
floor = time.perf_counter() - start
start = time.perf_counter()
server.request("POST", "{admission}validatingadmissionpolicies", {policy!r})
server.request("POST", "{admission}validatingadmissionpolicybindings", {binding!r})
server.request("POST", "{configmaps}", {{"metadata": {{"name": "first"}}}})
print(time.perf_counter() - start, floor)
"""


def first_policy_ms() -> tuple[float, float]:
    """A fresh process: the policy, its binding and the first create they see, and a plain create."""
    binding = {**VALIDATING_BINDING, "spec": {"policyName": "bench", "validationActions": ["Warn"]}}
    policy = _policy("ValidatingAdmissionPolicy", {"validations": [{"expression": "object.metadata.name != ''"}]})
    script = FIRST_POLICY.format(configmaps=CONFIGMAPS, admission=ADMISSION, policy=policy, binding=binding)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO)
    first, floor = (float(v) * 1000 for v in out.stdout.split())
    return first, floor


def creates_ms(server: FakeAPIServer, runs: int, prefix: str) -> float:
    """The median time of one ConfigMap create."""
    times = []
    for i in range(runs):
        body = {"metadata": {"name": f"{prefix}-{i}"}, "data": {"key": "value"}}
        start = time.perf_counter()
        response = server.request("POST", CONFIGMAPS, body)
        times.append(time.perf_counter() - start)
        if response.status != 201:
            raise SystemExit(f"create refused: {response.body!r}")
    return statistics.median(times) * 1000


def measure(runs: int, install: Callable[[FakeAPIServer], None] | None) -> float:
    server = FakeAPIServer(ServerConfig(controllers=[]))
    server.request(
        "POST", "/api/v1/namespaces/kube-system/configmaps", {"metadata": {"name": "limits"}, "data": {"limit": "100"}}
    )
    if install is not None:
        install(server)
    creates_ms(server, 20, "warm")
    return creates_ms(server, runs, "bench")


def _install(policy: dict[str, Any], binding: dict[str, Any], resource: str) -> Callable[[FakeAPIServer], None]:
    def install(server: FakeAPIServer) -> None:
        for path, body in ((resource, policy), (resource.replace("policies", "policybindings"), binding)):
            response = server.request("POST", ADMISSION + path, body)
            if response.status != 201:
                raise SystemExit(f"{path}: {response.body!r}")

    return install


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    first, plain = first_policy_ms()
    print(f"first policy (store policy and binding, first create): {first:.1f} ms; a plain create: {plain:.2f} ms")
    floor = measure(args.runs, None)
    validating = measure(args.runs, _install(VALIDATING, VALIDATING_BINDING, "validatingadmissionpolicies"))
    mutating = measure(args.runs, _install(MUTATING, MUTATING_BINDING, "mutatingadmissionpolicies"))
    print(f"create, no policy (floor):                  {floor:.3f} ms")
    print(
        f"create, {VALIDATIONS} validations with a param:     {validating:.3f} ms "
        f"(+{validating - floor:.3f} ms, {(validating - floor) * 1000 / VALIDATIONS:.0f} µs a validation)"
    )
    print(f"create, a label added by ApplyConfiguration: {mutating:.3f} ms (+{mutating - floor:.3f} ms)")


if __name__ == "__main__":
    main()
