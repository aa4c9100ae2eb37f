"""Real kubectl meeting ValidateService (pkg/apis/core/validation/validation.go) with upstream's texts,
and a refused Service giving its cluster IP back."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.kubectl

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


def _service(spec: dict[str, Any], name: str = "checked") -> str:
    return json.dumps({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec})


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"selector": {"app": "web"}}, "spec.ports: Required value"),
        (
            {"ports": [{"port": 80}, {"port": 443}]},
            "\n* spec.ports[0].name: Required value\n* spec.ports[1].name: Required value",
        ),
        (
            {"ports": [{"port": 80, "name": "Web"}]},
            'spec.ports[0].name: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case'
            " alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',"
            "  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        ),
        (
            {"ports": [{"port": 80, "protocol": "HTTP"}]},
            'spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
        ),
        (
            {"ports": [{"port": 80, "targetPort": "web-server-ports"}]},
            'spec.ports[0].targetPort: Invalid value: "web-server-ports": must be no more than 15 characters',
        ),
        (
            {"type": "Internal", "ports": [{"port": 80}]},
            'spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName",'
            ' "LoadBalancer", "NodePort"',
        ),
        ({"type": "ExternalName"}, "spec.externalName: Required value"),
        (
            {"ports": [{"port": 80, "nodePort": 30080}]},
            "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
        ),
        (
            {"ports": [{"port": 80, "name": "a"}, {"port": 80, "name": "b"}]},
            # The internal core.ServicePort key as JSON: Go's field names (no JSON tags on internal types).
            'spec.ports[1]: Duplicate value: {"Name":"","Protocol":"TCP","AppProtocol":null,"Port":80,"TargetPort":0,'
            '"NodePort":0}',
        ),
        (
            {"ports": [{"port": 80}], "externalTrafficPolicy": "Local"},
            'spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services',
        ),
    ],
)
def test_invalid_services_are_refused(kubectl: Kubectl, spec: dict[str, Any], message: str) -> None:
    refused = kubectl("create", "-f", "-", "--dry-run=server", input=_service(spec), check=False)
    assert refused.returncode == 1, refused.stdout
    assert refused.stderr.strip() == f'The Service "checked" is invalid: {message}'.strip()


def test_the_services_charts_write_are_accepted(kubectl: Kubectl) -> None:
    for spec in (
        {"clusterIP": "None", "selector": {"app": "db"}},
        {"type": "ExternalName", "externalName": "db.example.com."},
        {"type": "NodePort", "ports": [{"name": "http", "port": 80, "targetPort": "http", "nodePort": 30081}]},
        {"type": "LoadBalancer", "externalTrafficPolicy": "Local", "ports": [{"port": 443, "protocol": "TCP"}]},
        {"ports": [{"name": "dns", "port": 53, "protocol": "UDP"}, {"name": "dns-tcp", "port": 53, "protocol": "TCP"}]},
    ):
        created = kubectl("create", "-f", "-", "--dry-run=server", input=_service(spec), check=False)
        assert created.returncode == 0, (spec, created.stderr)


def test_a_refused_service_gives_its_cluster_ip_back(kubectl: Kubectl) -> None:
    wanted = {"clusterIP": "10.96.0.77", "ports": [{"port": 80, "protocol": "HTTP"}]}
    assert kubectl("create", "-f", "-", input=_service(wanted), check=False).returncode == 1
    wanted["ports"] = [{"port": 80}]
    assert kubectl("create", "-f", "-", input=_service(wanted)).stdout == "service/checked created\n"
