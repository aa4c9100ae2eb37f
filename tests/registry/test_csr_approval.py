"""certificatesigningrequests/approval changes the approval conditions and nothing else."""

from __future__ import annotations

from fakeapi.pytest_plugin.plugin import FakeAPI

CSRS = "/apis/certificates.k8s.io/v1/certificatesigningrequests"


def test_approval_sets_conditions_only(fakeapi: FakeAPI) -> None:
    created = fakeapi.seed(
        {
            "apiVersion": "certificates.k8s.io/v1",
            "kind": "CertificateSigningRequest",
            "metadata": {"name": "alice"},
            "spec": {
                "request": "LS0tLS1CRUdJTg==",
                "signerName": "kubernetes.io/kube-apiserver-client",
                "usages": ["client auth"],
            },
        }
    )[0]
    body = dict(created)
    body["spec"] = {**created["spec"], "signerName": "example.com/other"}
    body["status"] = {
        "certificate": "Zm9yZ2Vk",
        "conditions": [{"type": "Approved", "status": "True", "reason": "Test", "message": "ok"}],
    }
    response = fakeapi.server.request("PUT", f"{CSRS}/alice/approval", body)
    assert response.status == 200, response.json()
    approved = response.json()
    assert [c["type"] for c in approved["status"]["conditions"]] == ["Approved"]
    assert "certificate" not in approved["status"]
    assert approved["spec"]["signerName"] == "kubernetes.io/kube-apiserver-client"
