#!/usr/bin/env python3
"""What CRD validation rules cost: start, per object, and through the server, each against a floor.

Figures (medians of ``--runs`` runs):

- start: a fresh process starts a server and creates a CRD whose schema has 10 rules, against
  the same process creating the same CRD without them (the floor). The difference is what CEL
  adds to a server's start: importing ``fakeapi.cel`` and cel-expr-python, building the
  environment, compiling and checking the rules. Target: under 30 ms.
- per object: validating one custom resource against those 10 rules (the whole walk: values
  converted, ``self`` bound, every rule run), per object and per rule, next to the floor of
  the same object's OpenAPI schema validation. Target: a rule under 50 µs.
- through the server: creates per second of objects of the CRD with rules against the one
  without, in process (``server.request``, the whole handler chain), and a LIST of them.

- ``--compare``: the runtime against the pure-Python ``cel-python`` (when it is installed;
  it is no dependency): import, compile and evaluation of one rule in fresh processes, and
  the text of a syntax error.

Run from the repository root::

    python benchmarks/cel.py
    python benchmarks/cel.py --runs 10
    python benchmarks/cel.py --compare
"""

from __future__ import annotations

import argparse
import compileall
import copy
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

START_TARGET_MS = 30.0
RULE_TARGET_US = 50.0
OBJECTS = 300

SPEC_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "replicas": {"type": "integer"},
        "maxReplicas": {"type": "integer"},
        "name": {"type": "string", "maxLength": 63},
        "image": {"type": "string", "maxLength": 256},
        "memory": {"type": "string", "maxLength": 16},
        "ports": {"type": "array", "maxItems": 16, "items": {"type": "integer"}},
        "labels": {"type": "object", "maxProperties": 16, "additionalProperties": {"type": "string", "maxLength": 63}},
        "mode": {"type": "string", "maxLength": 16},
    },
}
RULES = [
    "self.replicas <= self.maxReplicas",
    "self.replicas >= 0",
    "self.name.size() <= 40",
    "self.name.matches('^[a-z][-a-z0-9]*$')",
    "self.image.contains(':')",
    "quantity(self.memory).compareTo(quantity('4Gi')) <= 0",
    "self.ports.all(p, p > 0 && p < 65536)",
    "self.ports.isSorted()",
    "self.labels.all(k, k.size() <= 63)",
    "self.mode in ['fast', 'safe']",
]
SPEC = {
    "replicas": 2,
    "maxReplicas": 5,
    "name": "web-frontend",
    "image": "nginx:1.27",
    "memory": "512Mi",
    "ports": [80, 443, 8080],
    "labels": {"app": "web", "tier": "frontend"},
    "mode": "fast",
}


def crd(name: str, *, rules: bool) -> dict[str, Any]:
    spec_schema = copy.deepcopy(SPEC_SCHEMA)
    if rules:
        spec_schema["x-kubernetes-validations"] = [{"rule": r} for r in RULES]
    plural = f"{name}s"
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.bench.example.com"},
        "spec": {
            "group": "bench.example.com",
            "scope": "Namespaced",
            "names": {"plural": plural, "singular": name, "kind": name.capitalize()},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": spec_schema}}},
                }
            ],
        },
    }


START_SCRIPT = """
import json, sys, time
sys.path.insert(0, {repo!r})
from fakeapi import FakeAPIServer, ServerConfig
crd = json.loads({crd!r})
with FakeAPIServer(ServerConfig(port=0)) as server:
    started = time.perf_counter()
    server.seed(crd)
    print((time.perf_counter() - started) * 1000)
"""


def start_cost(runs: int) -> tuple[float, float]:
    """Median ms to create the CRD right after a fresh start: (with rules, without)."""

    def one(with_rules: bool) -> float:
        script = START_SCRIPT.format(repo=str(REPO), crd=json.dumps(crd("widget", rules=with_rules)))
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120)
        return float(out.stdout.strip().splitlines()[-1])

    with_rules, without = [], []
    for _ in range(runs):
        with_rules.append(one(True))
        without.append(one(False))
    return statistics.median(with_rules), statistics.median(without)


def per_object(repeat: int) -> tuple[float, float]:
    """Median µs to validate one object: (the 10 rules, the OpenAPI schema validation floor)."""
    from fakeapi.apiextensions.schema.cel.validation import new_validator, validate
    from fakeapi.apiextensions.schema.structural import new_structural
    from fakeapi.apiextensions.schema.validation import validate_custom_resource

    schema = crd("widget", rules=True)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    structural = new_structural(schema)
    validator = new_validator(structural)
    assert validator is not None
    obj = {"apiVersion": "bench.example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": SPEC}
    assert validate(validator, obj).errors == []

    def timed(step: Any) -> float:
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            for _ in range(100):
                step()
            samples.append((time.perf_counter() - started) / 100 * 1e6)
        return statistics.median(samples)

    return timed(lambda: validate(validator, obj)), timed(lambda: validate_custom_resource(schema, obj))


def through_server(runs: int) -> dict[str, tuple[float, float]]:
    """Creates/s and LIST ms of OBJECTS objects: {label: (with rules, without)}."""
    from fakeapi import FakeAPIServer, ServerConfig

    figures: dict[str, list[list[float]]] = {"creates/s": [[], []], "LIST ms": [[], []]}
    # Controllers stepped by hand (never, here): the figures are the request path's, not the loops' threads'.
    with FakeAPIServer(ServerConfig(port=0, run_controllers=False)) as server:
        server.seed(crd("ruled", rules=True), crd("plain", rules=False))
        for run in range(runs):
            for column, (plural, kind) in enumerate((("ruleds", "Ruled"), ("plains", "Plain"))):
                path = f"/apis/bench.example.com/v1/namespaces/default/{plural}"
                started = time.perf_counter()
                for i in range(OBJECTS):
                    body = {
                        "apiVersion": "bench.example.com/v1",
                        "kind": kind,
                        "metadata": {"name": f"o{run}-{i}"},
                        "spec": SPEC,
                    }
                    response = server.request("POST", path, body)
                    assert response.status == 201, response.body
                figures["creates/s"][column].append(OBJECTS / (time.perf_counter() - started))
                started = time.perf_counter()
                listed = server.request("GET", path)
                assert listed.status == 200
                figures["LIST ms"][column].append((time.perf_counter() - started) * 1000)
    return {label: (statistics.median(a), statistics.median(b)) for label, (a, b) in figures.items()}


COMPARED_RULE = (
    "self.replicas <= self.maxReplicas && self.name.startsWith('web') && self.ports.all(p, p > 0 && p < 65536)"
)
COMPARE_SCRIPT = """
import sys, time, timeit
rule, data = {rule!r}, {data!r}
started = time.perf_counter()
if {runtime!r} == "cel-python":
    import celpy
    imported = time.perf_counter()
    env = celpy.Environment()
    program = env.program(env.compile(rule))
    compiled = time.perf_counter()
    run = lambda: program.evaluate({{"self": celpy.json_to_cel(data)}})
    try:
        env.compile("self.a +")
    except Exception as exc:
        error = str(exc)
else:
    sys.path.insert(0, {repo!r})
    from cel_expr_python import cel
    imported = time.perf_counter()
    from fakeapi.cel.environment.base import Environment
    from fakeapi.cel.errors import CompileError
    env = Environment({{"self": "map(string, dyn)"}})
    program = env.compile(rule)
    compiled = time.perf_counter()
    run = lambda: program.eval({{"self": data}})
    try:
        env.compile("self.a +")
    except CompileError as exc:
        error = exc.message
assert run()
each = min(timeit.repeat(run, number=200, repeat=5)) / 200
print((imported - started) * 1e3, (compiled - imported) * 1e3, each * 1e6, repr(error.splitlines()[0]))
"""


def compare(runs: int) -> None:
    """cel-expr-python (with fakeapi's environment) against cel-python, each in fresh processes."""
    for runtime in ("cel-expr-python", "cel-python"):
        script = COMPARE_SCRIPT.format(
            rule=COMPARED_RULE, data=SPEC | {"name": "web-1"}, runtime=runtime, repo=str(REPO)
        )
        rows = []
        for _ in range(runs):
            out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
            if out.returncode != 0:
                print(f"{runtime}: not available ({out.stderr.strip().splitlines()[-1]})")
                break
            rows.append(out.stdout.split(" ", 3))
        else:
            medians = [statistics.median(float(r[i]) for r in rows) for i in range(3)]
            print(
                f"{runtime}: import {medians[0]:.1f} ms, environment and first compile {medians[1]:.1f} ms, "
                f"eval {medians[2]:.1f} µs; syntax error: {rows[0][3].strip()}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--compare", action="store_true", help="compare the runtime with cel-python instead")
    args = parser.parse_args()
    if args.compare:
        compare(args.runs)
        return

    # Bytecode as an installed package has it (PYTHONDONTWRITEBYTECODE would otherwise make every
    # fresh process compile fakeapi's sources again, which no user's start pays).
    compileall.compile_dir(REPO / "fakeapi", quiet=1)
    with_rules, without = start_cost(args.runs)
    print(f"start: create a CRD with 10 rules {with_rules:.1f} ms, without {without:.1f} ms")
    added = with_rules - without
    print(f"  CEL adds {added:.1f} ms to a server's start (target < {START_TARGET_MS:.0f} ms)")

    rules_us, floor_us = per_object(args.runs * 4)
    print(
        f"per object: 10 rules {rules_us:.1f} µs ({rules_us / len(RULES):.1f} µs a rule, target < {RULE_TARGET_US:.0f}); "
        f"OpenAPI schema validation of the same object {floor_us:.1f} µs"
    )

    for label, (ruled, plain) in through_server(max(1, args.runs // 2)).items():
        print(f"{label} of {OBJECTS} objects: with rules {ruled:.1f}, without {plain:.1f}")


if __name__ == "__main__":
    main()
