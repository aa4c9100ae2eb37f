"""How to test autoscaling: set what the pods use, and the HorizontalPodAutoscaler scales their Deployment.

A cluster made with ``ClusterConfig(metrics_server=True)`` runs a metrics-server (kind's has none).

``fakeapi.metrics`` sets the usage that ``metrics.k8s.io`` serves (as metrics-server would), so
``kubectl top`` shows it and the HPA controller (pkg/controller/podautoscaler) acts on it every
15 s of the server clock: up at once when usage crosses the target (ceil(replicas * usage/target),
at most doubling or +4 pods per 15 s), down only after the 5-minute stabilization window.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

import pytest

from fakeapi.kubelet.config import ClusterConfig
from fakeapi.pytest_plugin.plugin import FakeAPI

pytestmark = pytest.mark.kubectl
# metrics-server is not part of a fresh kind cluster: the cluster is asked for one.
WITH_METRICS_SERVER = pytest.mark.fakeapi(cluster=ClusterConfig(metrics_server=True), freeze="2030-01-02T00:00:00Z")

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


def _replicas(fakeapi: FakeAPI) -> int:
    return int(fakeapi.get("apps/v1", "Deployment", "web")["spec"]["replicas"])


@WITH_METRICS_SERVER
def test_kubectl_top_shows_the_usage_set(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2")
    kubectl("rollout", "status", "deployment/web", "--timeout=30s")
    fakeapi.metrics.pods(labels={"app": "web"}).use(cpu="250m", memory="64Mi")

    rows = [line.split() for line in kubectl("top", "pods", "-l", "app=web", "--no-headers").stdout.splitlines()]
    assert [row[1:] for row in rows] == [["250m", "64Mi"], ["250m", "64Mi"]]
    node = kubectl("top", "node", "--no-headers").stdout.split()
    assert node[:2] == ["fakeapi-control-plane", "500m"]
    apiservice = json.loads(kubectl("get", "apiservice", "v1beta1.metrics.k8s.io", "-o", "json").stdout)
    assert apiservice["status"]["conditions"][0]["status"] == "True"


@pytest.mark.fakeapi(freeze="2030-01-02T00:00:00Z")  # the default cluster: no metrics-server, as kind
def test_without_metrics_server_top_fails_and_the_hpa_says_why(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    kubectl("create", "deployment", "web", "--image=nginx:1.27")
    kubectl("set", "resources", "deployment/web", "--requests=cpu=200m")
    kubectl("rollout", "status", "deployment/web", "--timeout=30s")
    top = kubectl("top", "pods", check=False)
    assert (top.returncode, top.stderr.strip()) == (1, "error: Metrics API not available")
    kubectl("autoscale", "deployment/web", "--cpu=50%", "--max=5")
    fakeapi.server.settle()  # the HPA controller's first sync of the new object
    hpa = fakeapi.get("autoscaling/v2", "HorizontalPodAutoscaler", "web")
    active = next(c for c in hpa["status"]["conditions"] if c["type"] == "ScalingActive")
    assert (active["status"], active["reason"]) == ("False", "FailedGetResourceMetric")
    with pytest.raises(RuntimeError, match="metrics_server=True"):
        fakeapi.metrics.set_pod("web", cpu="1")


@WITH_METRICS_SERVER
def test_an_hpa_scales_when_usage_crosses_its_target(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2")
    kubectl("set", "resources", "deployment/web", "--requests=cpu=200m")
    kubectl("rollout", "status", "deployment/web", "--timeout=30s")
    fakeapi.metrics.pods(labels="app=web").use(cpu="100m")  # 50 % of the request: on target
    kubectl("autoscale", "deployment/web", "--cpu=50%", "--min=1", "--max=10")  # an autoscaling/v2 HPA
    fakeapi.clock.advance(15)
    assert _replicas(fakeapi) == 2
    row = kubectl("get", "hpa", "web", "--no-headers").stdout.split()
    assert row[:6] == ["web", "Deployment/web", "cpu:", "50%/50%", "1", "10"]
    hpa = fakeapi.get("autoscaling/v2", "HorizontalPodAutoscaler", "web")
    assert hpa["status"]["currentMetrics"][0]["resource"]["current"] == {
        "averageUtilization": 50,
        "averageValue": "100m",
    }
    conditions = {c["type"]: (c["status"], c["reason"]) for c in hpa["status"]["conditions"]}
    assert conditions == {
        "AbleToScale": ("True", "ReadyForNewScale"),
        "ScalingActive": ("True", "ValidMetricFound"),
        "ScalingLimited": ("False", "DesiredWithinRange"),
    }

    # Load: 150 % of the request on each pod; the next sync asks for ceil(2 * 150 / 50) = 6 pods.
    fakeapi.metrics.clear()
    fakeapi.metrics.pods(labels="app=web").use(cpu="300m")
    fakeapi.clock.advance(15)
    assert _replicas(fakeapi) == 6
    kubectl("rollout", "status", "deployment/web", "--timeout=30s")
    events = json.loads(kubectl("get", "events", "--field-selector", "reason=SuccessfulRescale", "-o", "json").stdout)
    assert [e["message"] for e in events["items"]] == [
        "New size: 6; reason: cpu resource utilization (percentage of request) above target"
    ]

    # Quiet again: 10 % of the request. Scaling down waits for the 5-minute stabilization window.
    fakeapi.metrics.clear()
    fakeapi.metrics.pods(labels="app=web").use(cpu="20m")
    fakeapi.clock.advance(15)
    assert _replicas(fakeapi) == 6
    fakeapi.clock.advance(300)
    assert _replicas(fakeapi) == 2  # ceil(6 * 10 / 50)
    # The status counts the replicas found at the sync (6) and those asked for (2); the next sync finds 2.
    hpa = fakeapi.get("autoscaling/v2", "HorizontalPodAutoscaler", "web")
    assert (hpa["status"]["currentReplicas"], hpa["status"]["desiredReplicas"]) == (6, 2)
    fakeapi.clock.advance(15)
    hpa = fakeapi.get("autoscaling/v2", "HorizontalPodAutoscaler", "web")
    assert (hpa["status"]["currentReplicas"], hpa["status"]["desiredReplicas"]) == (2, 2)
