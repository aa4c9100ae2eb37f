"""apiregistration.k8s.io/v1 APIServices, as kube-aggregator serves them.

Local APIServices, one per served group-version, as the autoregister controller
(kube-aggregator pkg/controllers/autoregister) and crdregistration_controller.go create them,
Available with reason Local; service-backed ones Available=False with the reasons of
pkg/controllers/status/remote/available_controller.go; kubectl's table from
pkg/registry/apiservice/etcd/etcd.go ConvertToTable.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from crd_manifests import crd_manifest

from fakeapi.pytest_plugin.plugin import FakeAPI

Kubectl = Callable[..., subprocess.CompletedProcess[str]]

APISERVICES = "/apis/apiregistration.k8s.io/v1/apiservices"

# What the metrics-server chart renders for its APIService (and the Service behind it).
METRICS_SERVER = """
apiVersion: v1
kind: Service
metadata:
  name: metrics-server
  namespace: kube-system
  labels: {app.kubernetes.io/name: metrics-server}
spec:
  type: ClusterIP
  ports:
  - {name: https, port: 443, protocol: TCP, targetPort: https}
  selector: {app.kubernetes.io/name: metrics-server}
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1beta1.metrics.k8s.io
  labels: {app.kubernetes.io/name: metrics-server}
spec:
  group: metrics.k8s.io
  groupPriorityMinimum: 100
  insecureSkipTLSVerify: true
  service: {name: metrics-server, namespace: kube-system, port: 443}
  version: v1beta1
  versionPriority: 100
"""


def _available(apiservice: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in apiservice["status"]["conditions"] if c["type"] == "Available")


def test_every_served_group_version_has_a_local_apiservice(fakeapi: FakeAPI) -> None:
    items = fakeapi.server.request("GET", APISERVICES).json()["items"]
    by_name = {item["metadata"]["name"]: item for item in items}

    assert {"v1.", "v1.apps", "v2.autoscaling", "v1.apiregistration.k8s.io", "v1.apiextensions.k8s.io"} <= set(by_name)
    apps = by_name["v1.apps"]
    assert apps["metadata"]["labels"] == {"kube-aggregator.kubernetes.io/automanaged": "onstart"}
    assert apps["spec"] == {"group": "apps", "version": "v1", "groupPriorityMinimum": 17800, "versionPriority": 15}
    assert "service" not in apps["spec"]
    available = _available(apps)
    assert (available["status"], available["reason"], available["message"]) == (
        "True",
        "Local",
        "Local APIServices are always available",
    )


def test_a_crd_group_gets_its_apiservice_and_loses_it_with_the_crd(fakeapi: FakeAPI) -> None:
    fakeapi.seed(crd_manifest("Widget"))

    widgets = fakeapi.server.request("GET", f"{APISERVICES}/v1.example.com").json()
    assert widgets["metadata"]["labels"] == {"kube-aggregator.kubernetes.io/automanaged": "true"}
    assert (widgets["spec"]["groupPriorityMinimum"], widgets["spec"]["versionPriority"]) == (1000, 100)

    deleted = fakeapi.server.request(
        "DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com"
    )
    assert deleted.status == 200
    fakeapi.server.settle()
    assert fakeapi.server.request("GET", f"{APISERVICES}/v1.example.com").status == 404


@pytest.mark.parametrize(
    ("seeded", "reason", "message"),
    [
        ([], "ServiceNotFound", 'service/metrics-server in "kube-system" is not present'),
        (["service-8443"], "ServicePortError", 'service/metrics-server in "kube-system" is not listening on port 443'),
        (["service"], "EndpointsNotFound", 'cannot find endpoints for service/metrics-server in "kube-system"'),
        (
            ["service", "endpoints-without-addresses"],
            "MissingEndpoints",
            'endpoints for service/metrics-server in "kube-system" have no addresses with port name "https"',
        ),
        (["service", "endpoints"], "FailedDiscoveryCheck", "failing or missing response from https://"),
    ],
)
def test_a_service_backed_apiservice_is_unavailable_with_upstreams_reason(
    fakeapi: FakeAPI, seeded: list[str], reason: str, message: str
) -> None:
    port = 8443 if "service-8443" in seeded else 443
    objects: dict[str, dict[str, Any]] = {
        "service": {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "metrics-server", "namespace": "kube-system"},
            "spec": {"ports": [{"name": "https", "port": port}]},
        },
        "endpoints": {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": "metrics-server", "namespace": "kube-system"},
            "subsets": [{"addresses": [{"ip": "10.244.0.7"}], "ports": [{"name": "https", "port": 10250}]}],
        },
    }
    objects["service-8443"] = objects["service"]
    objects["endpoints-without-addresses"] = {
        **objects["endpoints"],
        "subsets": [{"notReadyAddresses": [{"ip": "10.244.0.7"}], "ports": [{"name": "https", "port": 10250}]}],
    }
    fakeapi.seed(*(objects[name] for name in seeded))

    created = fakeapi.seed(METRICS_SERVER.split("---")[1])[0]

    available = _available(created)
    assert (available["status"], available["reason"]) == ("False", reason)
    assert available["message"].startswith(message)


def test_the_condition_follows_the_service_and_its_endpoints(fakeapi: FakeAPI) -> None:
    """remote_available_controller.go watches Services and Endpoints and requeues the APIServices naming them."""
    fakeapi.seed(METRICS_SERVER.split("---")[1])
    path = f"{APISERVICES}/v1beta1.metrics.k8s.io"

    def reason() -> str:
        fakeapi.server.settle()
        return str(_available(fakeapi.server.request("GET", path).json())["reason"])

    assert reason() == "ServiceNotFound"
    # Without a selector, no controller makes its Endpoints: the test does.
    fakeapi.seed(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "metrics-server", "namespace": "kube-system"},
            "spec": {"ports": [{"name": "https", "port": 443}]},
        }
    )
    assert reason() == "EndpointsNotFound"
    endpoints = {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": "metrics-server", "namespace": "kube-system"},
    }
    fakeapi.seed(
        {
            **endpoints,
            "subsets": [{"notReadyAddresses": [{"ip": "10.244.0.7"}], "ports": [{"name": "https", "port": 10250}]}],
        }
    )
    assert reason() == "MissingEndpoints"
    endpoints_path = "/api/v1/namespaces/kube-system/endpoints/metrics-server"
    ready = fakeapi.server.request("GET", endpoints_path).json()
    ready["subsets"] = [{"addresses": [{"ip": "10.244.0.7"}], "ports": [{"name": "https", "port": 10250}]}]
    assert fakeapi.server.request("PUT", endpoints_path, ready).status == 200
    assert reason() == "FailedDiscoveryCheck"
    assert fakeapi.server.request("DELETE", "/api/v1/namespaces/kube-system/services/metrics-server").status == 200
    assert reason() == "ServiceNotFound"


def test_an_apiservice_named_other_than_version_dot_group_is_refused(fakeapi: FakeAPI) -> None:
    body = {
        "apiVersion": "apiregistration.k8s.io/v1",
        "kind": "APIService",
        "metadata": {"name": "metrics"},
        "spec": {"group": "metrics.k8s.io", "version": "v1beta1", "groupPriorityMinimum": 100, "versionPriority": 100},
    }

    response = fakeapi.server.request("POST", APISERVICES, body)

    assert response.status == 422
    assert response.json()["message"] == (
        'APIService.apiregistration.k8s.io "metrics" is invalid: metadata.name: Invalid value: "metrics": '
        'must be `spec.version+"."+spec.group`: "v1beta1.metrics.k8s.io"'
    )


@pytest.mark.kubectl
def test_kubectl_get_apiservices_lists_the_local_ones(kubectl: Kubectl) -> None:
    lines = kubectl("get", "apiservices").stdout.splitlines()

    assert lines[0].split() == ["NAME", "SERVICE", "AVAILABLE", "AGE"]
    rows = {line.split()[0]: line.split()[1:3] for line in lines[1:]}
    assert rows["v1.apps"] == ["Local", "True"]
    assert rows["v1."] == ["Local", "True"]


@pytest.mark.kubectl
def test_kubectl_applies_the_metrics_server_apiservice(kubectl: Kubectl) -> None:
    applied = kubectl("apply", "-f", "-", input=METRICS_SERVER)

    assert "apiservice.apiregistration.k8s.io/v1beta1.metrics.k8s.io created" in applied.stdout
    row = kubectl("get", "apiservice", "v1beta1.metrics.k8s.io", "--no-headers").stdout.split()
    # The endpoints controller made the Service's Endpoints, with no address: no metrics-server pod runs.
    assert row[:4] == ["v1beta1.metrics.k8s.io", "kube-system/metrics-server", "False", "(MissingEndpoints)"]
    stored = json.loads(kubectl("get", "apiservice", "v1beta1.metrics.k8s.io", "-o", "json").stdout)
    assert stored["spec"]["insecureSkipTLSVerify"] is True
