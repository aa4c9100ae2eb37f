"""Updates without a resourceVersion (apiserver registry/generic/registry/store.go Update).

The versioner parses ``metadata.resourceVersion`` into a number, so ``""`` and ``"0"`` are both
0: "unconditional" where the strategy's AllowUnconditionalUpdate is true (Node, ConfigMap and
most built-in strategies), and 422 "must be specified for an update" where it is false (Lease,
pkg/registry/coordination/lease/strategy.go; custom resources and CRDs).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

import pytest

from fakeapi.pytest_plugin.plugin import FakeAPI

Kubectl = Callable[..., subprocess.CompletedProcess[str]]

NODE = """
apiVersion: v1
kind: Node
metadata:
  name: worker-1
  resourceVersion: "0"
  labels: {tier: gold}
"""


@pytest.mark.kubectl
def test_kubectl_replace_of_a_node_with_resource_version_zero_succeeds(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    fakeapi.seed({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "worker-1"}})

    kubectl("replace", "-f", "-", input=NODE)

    node = json.loads(kubectl("get", "node", "worker-1", "-o", "json").stdout)
    assert node["metadata"]["labels"] == {"tier": "gold"}
    assert node["metadata"]["resourceVersion"] not in ("", "0")


@pytest.mark.parametrize("resource_version", ["", "0"])
def test_a_lease_update_must_name_its_version(fakeapi: FakeAPI, resource_version: str) -> None:
    lease = fakeapi.seed(
        {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": "lock", "namespace": "default"},
            "spec": {"holderIdentity": "a"},
        }
    )[0]
    body = {**lease, "metadata": {**lease["metadata"], "resourceVersion": resource_version}, "spec": {}}

    response = fakeapi.server.request("PUT", "/apis/coordination.k8s.io/v1/namespaces/default/leases/lock", body)

    assert response.status == 422
    assert response.json()["message"] == (
        'leases.coordination.k8s.io "lock" is invalid: metadata.resourceVersion: '
        "Invalid value: 0: must be specified for an update"
    )
