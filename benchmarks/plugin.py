#!/usr/bin/env python3
"""What the pytest plugin costs a test suite: session start, per-test reset, seeding.

Figures (medians of ``--runs`` runs):

- start of a pytest session: a fresh ``pytest`` process running one test that uses the
  ``fakeapi`` fixture, against the same process running one test that does not (the
  difference is what the plugin adds: importing fakeapi, building and starting the server);
- per-test reset (``FakeAPIServer.reset`` with a seed, what the fixture does before each
  test) of an empty cluster and of one holding 1,000 ConfigMaps; targets: under 1 ms empty;
- seeding 1,000 ConfigMaps in one ``seed`` call; target: under 200 ms.

Run from the repository root::

    python benchmarks/plugin.py
    python benchmarks/plugin.py --runs 20
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from fakeapi import FakeAPIServer, ServerConfig  # noqa: E402

OBJECTS = 1000
RESET_TARGET_MS = 1.0
SEED_TARGET_MS = 200.0
SESSION_TIMEOUT = 120.0

WITH_FAKEAPI = """
def test_with_fakeapi(fakeapi):
    assert fakeapi.get("v1", "Namespace", "default")["metadata"]["name"] == "default"
"""
WITHOUT_FAKEAPI = """
def test_without_fakeapi():
    assert True
"""


def configmaps(count: int) -> list[dict[str, object]]:
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"settings-{i}", "namespace": "default"},
            "data": {"key": f"value-{i}"},
        }
        for i in range(count)
    ]


def timed_ms(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1e3


def pytest_session_ms(test_source: str) -> float:
    """Wall time of a fresh ``pytest`` process running one test file."""
    with tempfile.TemporaryDirectory(prefix="fakeapi-bench-") as directory:
        test_file = Path(directory, "test_session.py")
        test_file.write_text(test_source)
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", str(test_file)]
        environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        started = time.perf_counter()
        result = subprocess.run(
            command, cwd=directory, capture_output=True, text=True, timeout=SESSION_TIMEOUT, env=environment
        )
        elapsed = (time.perf_counter() - started) * 1e3
        if result.returncode != 0:
            raise RuntimeError(f"pytest failed:\n{result.stdout}\n{result.stderr}")
        return elapsed


def row(label: str, values: list[float], target: float | None = None) -> str:
    median = statistics.median(values)
    verdict = "" if target is None else ("ok" if median < target else "MISSED")
    goal = "" if target is None else f"< {target:g} ms"
    spread = f"{min(values):.2f}-{max(values):.2f}"
    return f"{label:<52} {median:>10.2f} ms   (range {spread:>15})  {goal:<10} {verdict}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="repetitions of each figure (default 10)")
    args = parser.parse_args()
    runs = max(1, args.runs)
    session_runs = max(1, runs // 2)

    with_fakeapi = [pytest_session_ms(WITH_FAKEAPI) for _ in range(session_runs)]
    without_fakeapi = [pytest_session_ms(WITHOUT_FAKEAPI) for _ in range(session_runs)]

    server = FakeAPIServer(ServerConfig()).start()
    try:
        server.reset(seed=0)  # warm-up: imports and caches of the first reset
        reset_empty = [timed_ms(lambda: server.reset(seed=1)) for _ in range(runs)]
        seeding, reset_full = [], []
        for _ in range(runs):
            objects = configmaps(OBJECTS)
            seeding.append(timed_ms(lambda objects=objects: server.seed(*objects)))  # type: ignore[misc]
            reset_full.append(timed_ms(lambda: server.reset(seed=1)))
        server.check()
    finally:
        server.stop()

    print(f"python {sys.version.split()[0]}; cores: {os.cpu_count()}; load average {os.getloadavg()[0]:.2f}")
    print(row("pytest session, one test using fakeapi", with_fakeapi))
    print(row("pytest session, one test without fakeapi", without_fakeapi))
    added = [a - b for a, b in zip(sorted(with_fakeapi), sorted(without_fakeapi), strict=True)]
    print(row("  what the plugin adds to the session", added))
    print(row("reset, empty cluster", reset_empty, RESET_TARGET_MS))
    print(row(f"reset, cluster holding {OBJECTS:,} ConfigMaps", reset_full))
    print(row(f"seed {OBJECTS:,} ConfigMaps in one call", seeding, SEED_TARGET_MS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
