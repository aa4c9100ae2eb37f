"""CertificateSigningRequests: the requester recorded on create; approval changes the approval conditions only."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

import pytest
import yaml

from fakeapi.pytest_plugin.plugin import FakeAPI

Kubectl = Callable[..., subprocess.CompletedProcess[str]]

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


# --- the requester (pkg/registry/certificates/certificates/strategy.go PrepareForCreate) ---------

CSR_FROM_ALICE = """
apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: from-alice
spec:
  request: LS0tLS1CRUdJTg==
  signerName: kubernetes.io/kube-apiserver-client
  usages: [client auth]
  username: mallory
  groups: [system:masters]
status:
  conditions:
  - {type: Approved, status: "True", reason: Forged, message: pre-approved}
"""


@pytest.mark.kubectl
def test_a_created_csr_records_who_asked_and_no_approval(kubectl: Kubectl) -> None:
    kubectl("create", "-f", "-", "--as=alice", "--as-group=devs", "--as-uid=1234", input=CSR_FROM_ALICE)

    stored = json.loads(kubectl("get", "csr", "from-alice", "-o", "json").stdout)
    assert stored["spec"]["username"] == "alice"
    assert stored["spec"]["uid"] == "1234"
    assert stored["spec"]["groups"] == ["devs", "system:authenticated"]
    assert "extra" not in stored["spec"]
    assert stored["status"] == {}
    # kubectl's REQUESTOR column, what an approver reads before `kubectl certificate approve`.
    assert "alice" in kubectl("get", "csr", "from-alice").stdout

    kubectl("certificate", "approve", "from-alice")
    approved = json.loads(kubectl("get", "csr", "from-alice", "-o", "json").stdout)
    assert [c["type"] for c in approved["status"]["conditions"]] == ["Approved"]
    assert approved["spec"]["username"] == "alice"


def test_an_update_changes_neither_spec_nor_status(fakeapi: FakeAPI) -> None:
    created = fakeapi.seed(yaml.safe_load(CSR_FROM_ALICE))[0]
    body = {**created, "spec": {**created["spec"], "username": "mallory"}, "status": {"certificate": "Zm9yZ2Vk"}}
    body["metadata"] = {**created["metadata"], "labels": {"checked": "yes"}}

    updated = fakeapi.server.request("PUT", f"{CSRS}/from-alice", body).json()

    assert updated["metadata"]["labels"] == {"checked": "yes"}
    assert updated["spec"] == created["spec"]
    assert updated["status"] == {}
