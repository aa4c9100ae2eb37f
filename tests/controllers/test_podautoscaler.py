"""The HPA's replica calculation (pkg/controller/podautoscaler/replica_calculator.go) and the controller on a
stepped cluster: failures it reports in ScalingActive, and the metrics it reads from metrics.k8s.io."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from freezegun import freeze_time

from fakeapi.controllers.podautoscaler.replica_calculator import MetricsError, resource_replicas
from fakeapi.kubelet.config import ClusterConfig
from fakeapi.server.instance import FakeAPIServer, ServerConfig


def _pod(name: str, *, request: str | None = "100m", ready: bool = True, phase: str = "Running") -> dict[str, Any]:
    resources = {"requests": {"cpu": request}} if request else {}
    return {
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "c", "resources": resources}]},
        "status": {"phase": phase, "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]},
    }


def _usage(**cpu: str) -> dict[str, Any]:
    return {name: {"containers": [{"name": "c", "usage": {"cpu": value}}]} for name, value in cpu.items()}


def test_within_tolerance_keeps_the_count() -> None:
    result = resource_replicas(2, [_pod("a"), _pod("b")], _usage(a="54m", b="54m"), "cpu", target_utilization=50)
    assert (result.replicas, result.utilization, result.average_milli) == (2, 54, 54)


def test_above_target_scales_by_the_ratio() -> None:
    # 300m used of 200m requested: 150 % against 50 % -> ceil(3 * 2).
    result = resource_replicas(2, [_pod("a"), _pod("b")], _usage(a="100m", b="200m"), "cpu", target_utilization=50)
    assert (result.replicas, result.utilization) == (6, 150)


def test_pods_without_metrics_count_as_idle_when_scaling_up() -> None:
    pods = [_pod("a"), _pod("b"), _pod("new")]
    # Usage 200 % on a and b; the pod without metrics counts as 0: 400/300 = 133 % of 50 -> ceil(2.67 * 3) = 8.
    assert resource_replicas(3, pods, _usage(a="200m", b="200m"), "cpu", target_utilization=50).replicas == 8


def test_pods_without_metrics_count_as_at_request_when_scaling_down() -> None:
    pods = [_pod("a"), _pod("b"), _pod("new")]
    # 10 % on a and b; the missing pod counts at 100 %: 120/300 = 40 % of 50 -> ceil(0.8 * 3) = 3 = current.
    assert resource_replicas(3, pods, _usage(a="10m", b="10m"), "cpu", target_utilization=50).replicas == 3


def test_average_value_targets() -> None:
    pods = [_pod("a", request=None), _pod("b", request=None)]
    result = resource_replicas(2, pods, _usage(a="300m", b="300m"), "cpu", target_average_milli=200)
    assert (result.replicas, result.utilization, result.average_milli) == (3, None, 300)


def test_a_container_without_a_request_is_an_error() -> None:
    with pytest.raises(MetricsError, match="missing request for cpu in container c of Pod a"):
        resource_replicas(1, [_pod("a", request=None)], _usage(a="1m"), "cpu", target_utilization=50)


def test_no_pods_is_an_error() -> None:
    with pytest.raises(MetricsError, match="no pods returned by selector"):
        resource_replicas(1, [], {}, "cpu", target_utilization=50)


# -- the controller on a stepped cluster ----------------------------------------------------------


@pytest.fixture
def server() -> Iterator[FakeAPIServer]:
    cluster = ClusterConfig(kube_system=False, metrics_server=True)
    instance = FakeAPIServer(ServerConfig(run_controllers=False, cluster=cluster))
    with freeze_time(datetime(2030, 1, 2, tzinfo=UTC)):
        instance.settle()
        yield instance
        instance.check()


def _deployment(request: str | None) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "web", "image": "nginx:1.27"}
    if request:
        container["resources"] = {"requests": {"cpu": request}}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [container]}},
        },
    }


def _hpa(kind: str = "Deployment") -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": kind, "name": "web"},
            "maxReplicas": 5,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}},
                }
            ],
        },
    }


def _conditions(server: FakeAPIServer) -> dict[str, tuple[str, str, str]]:
    hpa = server.request("GET", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web").json()
    return {c["type"]: (c["status"], c["reason"], c["message"]) for c in hpa["status"]["conditions"]}


def test_missing_requests_are_reported_and_nothing_scales(server: FakeAPIServer) -> None:
    server.seed(_deployment(None), _hpa())
    server.clock.advance(15)  # the first sync found no pods yet; the resync finds them
    assert _conditions(server)["ScalingActive"][:2] == ("False", "FailedGetResourceMetric")
    assert "missing request for cpu in container web of Pod web-" in _conditions(server)["ScalingActive"][2]


def test_without_a_metrics_api_the_hpa_reports_and_records_upstreams_errors() -> None:
    # kind without metrics-server: horizontal.go's reconcileAutoscaler read the scale (AbleToScale
    # SucceededGetScale), computeReplicasForMetrics failed (ScalingActive False, two Warning events, the
    # errors wrapped as replica_calculator.go and metrics/client.go wrap them), desiredReplicas untouched.
    cluster = ClusterConfig(kube_system=False)
    server = FakeAPIServer(ServerConfig(run_controllers=False, cluster=cluster))
    server.settle()
    server.seed(_deployment("100m"), _hpa())
    server.settle()
    conditions = _conditions(server)
    assert conditions["AbleToScale"] == (
        "True",
        "SucceededGetScale",
        "the HPA controller was able to get the target's current scale",
    )
    cause = (
        "failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from "
        "resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)"
    )
    assert conditions["ScalingActive"] == (
        "False",
        "FailedGetResourceMetric",
        f"the HPA was unable to compute the replica count: {cause}",
    )
    hpa = server.request("GET", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web").json()
    assert (hpa["status"]["currentReplicas"], hpa["status"]["desiredReplicas"]) == (2, 0)
    events = server.request("GET", "/api/v1/namespaces/default/events").json()["items"]
    about_hpa = {
        (e["type"], e["reason"], e["message"])
        for e in events
        if e["involvedObject"]["kind"] == "HorizontalPodAutoscaler"
    }
    assert about_hpa == {
        ("Warning", "FailedGetResourceMetric", cause),
        (
            "Warning",
            "FailedComputeMetricsReplicas",
            f"invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: {cause}",
        ),
    }


def test_a_target_without_a_scale_subresource_is_reported(server: FakeAPIServer) -> None:
    server.seed(_deployment("100m"), _hpa(kind="Pod"))
    server.settle()
    assert _conditions(server)["AbleToScale"][:2] == ("False", "FailedGetScale")


def test_scaling_up_is_limited_by_the_default_rate_and_bounded_by_max(server: FakeAPIServer) -> None:
    server.seed(_deployment("100m"))
    server.metrics.pods(labels="app=web").use(cpu="1")  # 1000 % of the request
    server.seed(_hpa())
    server.clock.advance(15)
    deployment = server.request("GET", "/apis/apps/v1/namespaces/default/deployments/web").json()
    assert deployment["spec"]["replicas"] == 5
    assert _conditions(server)["ScalingLimited"][:2] == ("True", "TooManyReplicas")
