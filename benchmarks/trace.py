#!/usr/bin/env python3
"""What the trace costs: its size and write time, and what its always-on recording costs a passing test.

Figures:

- each how-to test (``tests/examples``) run with ``--fakeapi-trace=on``: the trace file's size
  and the time to write it (the document built from the server's logs, rendered and written);
  targets: under 1 MB, under 50 ms;
- a test making 1,000 requests (creates, reads and patches of ConfigMaps, through the handler
  chain in process): the same two figures;
- a passing test under ``retain-on-failure``: the CPU time of the plugin's notes per test (all
  that differs from ``off``), and sessions of ``--tests`` passing tests (each seeds and reads a
  ConfigMap) run alternately in each mode (target: nothing measurable);
- the recording itself: the CPU time of 1,000 in-process creates at the audit level
  ``RequestResponse`` (bodies kept: the default) against ``Metadata``.

Run from the repository root::

    python benchmarks/trace.py
    python benchmarks/trace.py --runs 5 --skip-howtos
"""

from __future__ import annotations

import argparse
import functools
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from fakeapi import FakeAPIServer, ServerConfig  # noqa: E402
from fakeapi.controllers.manager import without_simulation  # noqa: E402
from fakeapi.testing import trace  # noqa: E402
from fakeapi.util.clock import real_monotonic  # noqa: E402

REQUESTS = 1000
PASSING_TEST = """
import pytest

@pytest.mark.parametrize("n", range({tests}))
def test_passes(fakeapi, n):
    fakeapi.seed({{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {{"name": f"c{{n}}"}}}})
    assert fakeapi.get("v1", "ConfigMap", f"c{{n}}")["metadata"]["name"] == f"c{{n}}"
"""


def _timed(write: Callable[[], Path]) -> tuple[float, float, int]:
    """Wall and CPU milliseconds (of this thread: the machine may be busy with others) of a write, and the file's size."""
    wall, cpu = time.perf_counter(), time.thread_time()
    written = write()
    return (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000, written.stat().st_size


def _timed_writes() -> tuple[list[tuple[str, float, float, int]], Callable[[], None]]:
    """Wrap ``write_trace`` so each call's times and file size are noted; returns the notes and an undo."""
    notes: list[tuple[str, float, float, int]] = []
    original = trace.write_trace

    def timed(path: Any, servers: Any, **keywords: Any) -> Path:
        notes.append((keywords["title"], *_timed(lambda: original(path, servers, **keywords))))
        return Path(path)

    trace.write_trace = timed  # type: ignore[assignment]

    def undo() -> None:
        trace.write_trace = original  # type: ignore[assignment]

    return notes, undo


def howtos(output: Path) -> None:
    import pytest

    notes, undo = _timed_writes()
    try:
        pytest.main(
            [
                str(REPO / "tests" / "examples"),
                "-q",
                "-p",
                "no:cacheprovider",
                "-n",
                "0",
                "--fakeapi-trace=on",
                f"--fakeapi-trace-dir={output}",
                "-W",
                "ignore",
            ]
        )
    finally:
        undo()
    print(f"\nhow-to tests, --fakeapi-trace=on: {len(notes)} traces")
    print(f"{'test':<100} {'size':>8} {'wall':>9} {'CPU':>9}")
    for title, wall, cpu, size in notes:
        print(f"{title:<100} {size / 1024:>5.0f} KB {wall:>6.1f} ms {cpu:>6.1f} ms")
    sizes = [size for *_, size in notes]
    walls = [wall for _, wall, _, _ in notes]
    cpus = [cpu for _, _, cpu, _ in notes]
    print(
        f"size median {statistics.median(sizes) / 1024:.0f} KB (largest {max(sizes) / 1024:.0f} KB); write median "
        f"{statistics.median(walls):.1f} ms wall (slowest {max(walls):.1f}), {statistics.median(cpus):.1f} ms CPU "
        f"(most {max(cpus):.1f})"
    )


def thousand_requests(output: Path, runs: int) -> None:
    with FakeAPIServer(ServerConfig(controllers=without_simulation())) as server:
        walls: list[float] = []
        cpus: list[float] = []
        size = 0
        for run in range(runs):
            server.reset(seed=run)
            origin = real_monotonic()
            path = "/api/v1/namespaces/default/configmaps"
            for index in range(REQUESTS // 2):
                server.request(
                    "POST", path, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"c{index}"}}
                )
            for index in range(REQUESTS // 4):
                server.request("GET", f"{path}/c{index}")
                server.request(
                    "PATCH",
                    f"{path}/c{index}",
                    {"data": {"n": str(index)}},
                    headers={"Content-Type": "application/merge-patch+json"},
                )
            assert len(server.audit_log.requests()) == REQUESTS
            wall, cpu, size = _timed(
                functools.partial(
                    trace.write_trace,
                    output / "thousand.html",
                    {server.url: server},
                    title="1,000 requests",
                    origin=origin,
                )
            )
            walls.append(wall)
            cpus.append(cpu)
    print(
        f"\na test making {REQUESTS} requests: trace {size / 1024:.0f} KB, written in {statistics.median(walls):.1f} ms "
        f"wall ({min(walls):.1f}-{max(walls):.1f}), {statistics.median(cpus):.1f} ms CPU (medians of {runs})"
    )


def passing_overhead(runs: int, tests: int) -> None:
    """What retain-on-failure adds to a passing test: the plugin's per-phase note, timed in the pytest session itself.

    The recording the trace reads is on in every mode, so this note is all that differs from ``off``
    for a passing test; sessions in both modes are also timed whole (that figure drowns in the
    machine's noise, which is the point).
    """
    import pytest

    from fakeapi.pytest_plugin import tracing

    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "test_passing.py").write_text(PASSING_TEST.format(tests=tests))
        spent: list[float] = []
        original = tracing.record_phase

        def timed(*args: Any) -> None:
            started = time.thread_time()
            original(*args)
            spent.append(time.thread_time() - started)

        tracing.record_phase = timed  # type: ignore[assignment]
        try:
            arguments = ["-q", "-p", "no:cacheprovider", "-n", "0", "--fakeapi-trace=retain-on-failure", folder]
            pytest.main([*arguments, f"--rootdir={folder}"])
        finally:
            tracing.record_phase = original  # type: ignore[assignment]
        per_test_us = sum(spent) / tests * 1e6
        print(f"\nretain-on-failure on a passing test: {per_test_us:.1f} µs of CPU per test ({len(spent)} phase notes)")

        durations: dict[str, list[float]] = {"off": [], "retain-on-failure": []}
        for _ in range(runs):
            for mode in durations:
                command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0"]
                command += [f"--fakeapi-trace={mode}", "--durations=0", "--durations-min=0", "test_passing.py"]
                result = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=True)
                durations[mode].append(_per_test_ms(result.stdout))
    off, kept = (statistics.median(durations[m]) for m in durations)
    print(f"{tests} passing tests, per test (setup + call + teardown, median of {runs} sessions each):")
    print(f"  off                {off:.3f} ms  {sorted(round(d, 3) for d in durations['off'])}")
    print(f"  retain-on-failure  {kept:.3f} ms  {sorted(round(d, 3) for d in durations['retain-on-failure'])}")
    print(f"  difference         {kept - off:+.3f} ms")


def _per_test_ms(stdout: str) -> float:
    """The mean of what pytest's --durations reports per test, phases added (the first test, which starts the server, left out)."""
    per_test: dict[str, float] = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0].endswith("s") and parts[1] in ("setup", "call", "teardown"):
            per_test[parts[2]] = per_test.get(parts[2], 0.0) + float(parts[0][:-1])
    per_test.pop("test_passing.py::test_passes[0]", None)
    return 1000 * statistics.mean(per_test.values())


def recording_cost(runs: int) -> None:
    """CPU time per in-process create at each audit level, the two servers taking turns (the machine's load hits both)."""
    levels = ("Metadata", "RequestResponse")
    times: dict[str, list[float]] = {level: [] for level in levels}
    servers = {
        level: FakeAPIServer(ServerConfig(controllers=without_simulation(), audit_level=level)).start()  # type: ignore[arg-type]
        for level in levels
    }
    try:
        for run in range(runs):
            for level, server in servers.items():
                server.reset(seed=run)
                started = time.thread_time()
                for index in range(REQUESTS):
                    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"c{index}"}}
                    server.request("POST", "/api/v1/namespaces/default/configmaps", config_map)
                times[level].append((time.thread_time() - started) * 1000 / REQUESTS)
    finally:
        for server in servers.values():
            server.stop()
    print(f"\n{REQUESTS} in-process creates, CPU per request (median of {runs}):")
    for level in levels:
        print(f"  audit level {level:<16} {statistics.median(times[level]):.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tests", type=int, default=200, help="passing tests per session for the overhead figure")
    parser.add_argument("--skip-howtos", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder)
        thousand_requests(output, args.runs)
        recording_cost(args.runs)
        passing_overhead(args.runs, args.tests)
        if not args.skip_howtos:
            howtos(output / "howtos")


if __name__ == "__main__":
    main()
