#!/usr/bin/env python3
"""How fast workloads come alive: rollouts through kubectl and helm, at scale, and what running pods cost.

Figures (medians of ``--runs`` runs where a run is short), each beside a floor measured in the same run:

- ``kubectl create deployment`` (3 replicas) then ``kubectl rollout status``: wall time of the two
  commands, against the same two kubectl calls with nothing to wait for (``kubectl create
  configmap``, then ``rollout status`` of a Deployment rolled out before): what is left is the
  rollout itself; target: under 100 ms. The same rollout is also timed in process (create,
  then read until all replicas are available), without kubectl's process starts;
- ``helm install --wait`` of tests/e2e/charts/workloads (Deployment, StatefulSet with a claim,
  DaemonSet, Services, a post-install hook Job), against ``helm install`` of the same chart
  with only its Services rendered (``--show-only`` is not an install option, so: ``helm list``,
  the cost of starting helm and reaching the cluster); target: under 2 s;
- 100 Deployments of 3 replicas created in process, until all are Available (controllers in the
  background, as ``fakeapi serve`` runs them);
- resident memory of 1,000 running pods (one Deployment of 1,000 replicas over 10 nodes), beyond
  the same server before.

Run from the repository root (needs ``python scripts/fetch_kube_tools.py`` for kubectl and helm)::

    python benchmarks/workloads.py
    python benchmarks/workloads.py --runs 10
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
from fakeapi.kubelet.config import ClusterConfig  # noqa: E402

TOOLS = REPO / ".tools" / "bin"
CHART = REPO / "tests" / "e2e" / "charts" / "workloads"
ROLLOUT_TARGET_MS = 100.0
HELM_TARGET_MS = 2000.0
DEPLOYMENTS = 100
PODS = 1000
WAIT_TIMEOUT = 300.0


def _deployment(name: str, replicas: int) -> dict[str, object]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}},
        },
    }


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def _run(env: dict[str, str], *command: str) -> None:
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=120)


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def _wait_available(server: FakeAPIServer, names: list[str], replicas: int) -> None:
    deadline = time.monotonic() + WAIT_TIMEOUT
    pending = set(names)
    while pending:
        listed = server.request("GET", "/apis/apps/v1/namespaces/default/deployments").json()["items"]
        done = {
            d["metadata"]["name"]
            for d in listed
            if (d.get("status") or {}).get("availableReplicas") == replicas
            and (d.get("status") or {}).get("updatedReplicas") == replicas
        }
        pending -= done
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(pending)} deployments not available after {WAIT_TIMEOUT} s")
        time.sleep(0.005)


def kubectl_rollout(runs: int) -> tuple[float, float]:
    """Median ms of create + rollout status, and of the floor (two kubectl gets)."""
    kubectl = str(TOOLS / "kubectl")
    figures, floors = [], []
    with FakeAPIServer(ServerConfig(port=0)) as server, tempfile.TemporaryDirectory() as home:
        server.write_kubeconfig(Path(home) / "config")
        env = {**os.environ, "KUBECONFIG": str(Path(home) / "config"), "HOME": home}
        _run(env, kubectl, "get", "namespace", "default")  # warm the discovery cache
        for i in range(runs):
            floors.append(_timed(lambda: [_run(env, kubectl, "get", "namespace", "default") for _ in range(2)]))
            name = f"web-{i}"
            figures.append(
                _timed(
                    lambda: (
                        _run(env, kubectl, "create", "deployment", name, "--image=nginx:1.27", "--replicas=3"),  # noqa: B023
                        _run(env, kubectl, "rollout", "status", f"deployment/{name}", "--timeout=60s"),  # noqa: B023
                    )
                )
            )
    return statistics.median(figures), statistics.median(floors)


def helm_install_wait(runs: int) -> tuple[float, float]:
    """Median ms of helm install --wait of the workloads chart, and of the floor (helm list)."""
    helm = str(TOOLS / "helm")
    figures, floors = [], []
    with FakeAPIServer(ServerConfig(port=0)) as server, tempfile.TemporaryDirectory() as home:
        server.write_kubeconfig(Path(home) / "config")
        env = {
            **os.environ,
            "KUBECONFIG": str(Path(home) / "config"),
            "HOME": home,
            "XDG_CACHE_HOME": f"{home}/cache",
            "XDG_CONFIG_HOME": f"{home}/config-home",
            "XDG_DATA_HOME": f"{home}/data",
        }
        for i in range(runs):
            floors.append(_timed(lambda: _run(env, helm, "list")))
            namespace = f"bench-{i}"
            figures.append(
                _timed(
                    lambda: _run(
                        env,
                        helm,
                        "install",
                        "app",
                        str(CHART),
                        "--wait",
                        "--timeout=60s",
                        "--namespace",
                        namespace,  # noqa: B023
                        "--create-namespace",
                    )
                )
            )
    return statistics.median(figures), statistics.median(floors)


def in_process_rollouts(runs: int) -> float:
    """Median ms from creating a 3-replica Deployment to all replicas available, controllers in the background."""
    figures = []
    with FakeAPIServer(ServerConfig(port=0)) as server:
        for i in range(runs):
            name = f"web-{i}"
            figures.append(
                _timed(
                    lambda: (
                        server.request("POST", "/apis/apps/v1/namespaces/default/deployments", _deployment(name, 3)),  # noqa: B023
                        _wait_available(server, [name], 3),  # noqa: B023
                    )
                )
            )
    return statistics.median(figures)


def many_deployments() -> float:
    """ms from creating 100 Deployments of 3 replicas to all of them Available."""
    config = ServerConfig(port=0, cluster=ClusterConfig.with_workers(3))
    with FakeAPIServer(config) as server:
        names = [f"app-{i}" for i in range(DEPLOYMENTS)]

        def roll_out() -> None:
            for name in names:
                server.request("POST", "/apis/apps/v1/namespaces/default/deployments", _deployment(name, 3))
            _wait_available(server, names, 3)

        return _timed(roll_out)


def running_pods_memory() -> tuple[float, float]:
    """MB of resident memory that 1,000 running pods add, and ms until they all ran."""
    config = ServerConfig(port=0, cluster=ClusterConfig.with_workers(10))
    with FakeAPIServer(config) as server:
        before = _rss_kib()
        elapsed = _timed(
            lambda: (
                server.request("POST", "/apis/apps/v1/namespaces/default/deployments", _deployment("big", PODS)),
                _wait_available(server, ["big"], PODS),
            )
        )
        return (_rss_kib() - before) / 1024, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    failures = []

    rollout, floor = kubectl_rollout(args.runs)
    beyond = rollout - floor
    print(f"kubectl create deployment + rollout status: {rollout:.0f} ms (floor, nothing to wait for: {floor:.0f} ms)")
    print(f"  the rollout beyond kubectl's own work: {beyond:.0f} ms (target < {ROLLOUT_TARGET_MS:.0f} ms)")
    print(f"  in process, create to 3 replicas available: {in_process_rollouts(args.runs):.0f} ms")
    if beyond > ROLLOUT_TARGET_MS:
        failures.append("rollout")

    install, helm_floor = helm_install_wait(args.runs)
    print(f"helm install --wait of the workloads chart: {install:.0f} ms (floor, helm list: {helm_floor:.0f} ms)")
    print(f"  target < {HELM_TARGET_MS:.0f} ms")
    if install > HELM_TARGET_MS:
        failures.append("helm")

    print(f"{DEPLOYMENTS} Deployments x 3 replicas, created to all Available: {many_deployments():.0f} ms")
    memory, elapsed = running_pods_memory()
    print(f"{PODS} running pods: {memory:.1f} MB resident beyond the server before ({elapsed:.0f} ms to run them)")

    if failures:
        print("missed targets: " + ", ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
