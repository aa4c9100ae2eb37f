"""kube-apiserver's system namespaces controller (pkg/controlplane/controller/systemnamespaces): a
deleted kube-node-lease comes back within a minute, and the kubelets' Leases with it."""

from __future__ import annotations

from fakeapi.pytest_plugin.plugin import FakeAPI


def namespace_names(fakeapi: FakeAPI) -> set[str]:
    return {ns["metadata"]["name"] for ns in fakeapi.list("v1", "Namespace")}


def test_a_deleted_node_lease_namespace_comes_back_within_a_minute(fakeapi: FakeAPI) -> None:
    assert fakeapi.server.request("DELETE", "/api/v1/namespaces/kube-node-lease").status == 200
    fakeapi.server.settle()
    assert "kube-node-lease" not in namespace_names(fakeapi)
    fakeapi.clock.advance(30)
    assert "kube-node-lease" not in namespace_names(fakeapi)
    fakeapi.clock.advance(30)
    fakeapi.server.settle()
    assert "kube-node-lease" in namespace_names(fakeapi)
    # The kubelet renews its Lease into it again, and the node stays Ready.
    fakeapi.clock.advance(40)
    fakeapi.server.settle()
    assert [
        lease["metadata"]["name"]
        for lease in fakeapi.list("coordination.k8s.io/v1", "Lease", namespace="kube-node-lease")
    ]
    [node] = fakeapi.list("v1", "Node")
    ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "True"


def test_other_namespaces_are_not_brought_back(fakeapi: FakeAPI) -> None:
    fakeapi.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    assert fakeapi.server.request("DELETE", "/api/v1/namespaces/team").status == 200
    fakeapi.server.settle()
    fakeapi.clock.advance(120)
    fakeapi.server.settle()
    assert "team" not in namespace_names(fakeapi)
