"""metrics.k8s.io/v1beta1 as metrics-server serves it (sigs.k8s.io/metrics-server pkg/api): units, selectors,
running pods only, NotFound for an object without metrics, and usage given per pod, by rule or per node."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from freezegun import freeze_time

from fakeapi.kubelet.config import ClusterConfig
from fakeapi.metrics.api import format_usage
from fakeapi.metrics.usage import Usage
from fakeapi.server.instance import FakeAPIServer, ServerConfig
from tests.kubelet.test_kubelet import NGINX, bind, create_pod

PODS = "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods"


@pytest.fixture
def server() -> Iterator[FakeAPIServer]:
    cluster = ClusterConfig(kube_system=False, metrics_server=True)
    instance = FakeAPIServer(ServerConfig(run_controllers=False, controllers=["kubelet"], cluster=cluster))
    with freeze_time(datetime(2030, 1, 2, tzinfo=UTC)):
        instance.settle()
        yield instance
        instance.check()


def test_units_are_metrics_servers() -> None:
    assert format_usage(Usage.of("250m", "64Mi")) == {"cpu": "250000000n", "memory": "65536Ki"}
    assert format_usage(Usage.of(2, 1000)) == {"cpu": "2000000000n", "memory": "1000"}


def test_pods_with_usage_by_rule_and_by_pod(server: FakeAPIServer) -> None:
    for name, labels in (("a", {"app": "web"}), ("b", {"app": "web"}), ("c", {"app": "db"})):
        create_pod(server, name, NGINX, labels=labels)
        bind(server, name)
    create_pod(server, "pending", NGINX)
    server.settle()
    server.metrics.pods(labels={"app": "web"}).use(cpu="100m", memory="10Mi")
    server.metrics.set_pod("b", cpu="300m")
    listed = server.request("GET", PODS, query="labelSelector=app%3Dweb").json()
    assert listed["kind"] == "PodMetricsList"
    assert [(i["metadata"]["name"], i["containers"][0]["usage"]) for i in listed["items"]] == [
        ("a", {"cpu": "100000000n", "memory": "10240Ki"}),
        ("b", {"cpu": "300000000n", "memory": "0"}),
    ]
    item = listed["items"][0]
    assert (item["timestamp"], item["window"], item["metadata"]["labels"]) == (
        "2030-01-02T00:00:00Z",
        "15s",
        {"app": "web"},
    )
    # Not running, no metrics.
    missing = server.request("GET", f"{PODS}/pending")
    assert missing.status == 404
    assert missing.json()["message"] == 'pods.metrics.k8s.io "pending" not found'
    node = server.request("GET", "/apis/metrics.k8s.io/v1beta1/nodes/fakeapi-control-plane").json()
    assert node["kind"] == "NodeMetrics"
    assert node["usage"] == {"cpu": "400000000n", "memory": "10240Ki"}  # a: 100m, 10Mi; b: 300m, 0; c: 0
    server.metrics.set_node("fakeapi-control-plane", cpu="3", memory="2Gi")
    node = server.request("GET", "/apis/metrics.k8s.io/v1beta1/nodes/fakeapi-control-plane").json()
    assert node["usage"] == {"cpu": "3000000000n", "memory": "2097152Ki"}


def test_the_group_is_not_writable(server: FakeAPIServer) -> None:
    response = server.request("POST", PODS, {"apiVersion": "metrics.k8s.io/v1beta1", "kind": "PodMetrics"})
    assert response.status == 405
