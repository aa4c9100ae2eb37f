"""`helm install` of a chart that registers an aggregated API (tests/e2e/charts/aggregated-api), as
metrics-server's and prometheus-adapter's charts do: a Service, an APIService pointing at it, and
the bindings an extension API server needs. helm reads the APIService kind from discovery, so the
install fails without apiregistration.k8s.io; with no server behind the Service, kube-aggregator's
status says why (Available False, MissingEndpoints: staging/src/k8s.io/kube-aggregator/pkg/
controllers/status/remote/remote_available_controller.go).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from fakeapi.pytest_plugin.plugin import FakeAPI

Helm = Callable[..., subprocess.CompletedProcess[str]]

CHART = str(Path(__file__).parent / "charts" / "aggregated-api")
APISERVICE = "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.custom.metrics.k8s.io"


def test_a_chart_registering_an_apiservice_installs_upgrades_and_uninstalls(helm: Helm, fakeapi: FakeAPI) -> None:
    installed = helm("install", "adapter", CHART)
    assert "STATUS: deployed" in installed.stdout
    # The endpoints controller gives the Service its (empty) Endpoints; the status follows them.
    fakeapi.server.settle()

    apiservice = fakeapi.server.request("GET", APISERVICE).json()
    assert apiservice["spec"]["service"] == {"name": "adapter-api", "namespace": "default", "port": 443}
    available = next(c for c in apiservice["status"]["conditions"] if c["type"] == "Available")
    assert (available["status"], available["reason"]) == ("False", "MissingEndpoints")

    upgraded = helm("upgrade", "adapter", CHART, "--set", "version=v1beta2")
    assert "STATUS: deployed" in upgraded.stdout
    # The release's APIService is now the v1beta2 one; helm removed the one it no longer renders.
    assert fakeapi.server.request("GET", APISERVICE).status == 404
    assert fakeapi.server.request("GET", APISERVICE.replace("v1beta1", "v1beta2")).status == 200

    helm("uninstall", "adapter")
    assert fakeapi.server.request("GET", APISERVICE.replace("v1beta1", "v1beta2")).status == 404
