"""CertificateSigningRequests: the requester recorded on create; approval changes the approval conditions only."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Callable
from functools import cache

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from fakeapi.pytest_plugin.plugin import FakeAPI

Kubectl = Callable[..., subprocess.CompletedProcess[str]]

CSRS = "/apis/certificates.k8s.io/v1/certificatesigningrequests"


@cache
def certificate_request(common_name: str = "alice") -> str:
    """A signed PKCS#10 request, PEM, base64-encoded as spec.request holds it."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    request = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
    return base64.b64encode(request.public_bytes(serialization.Encoding.PEM)).decode()


def test_approval_sets_conditions_only(fakeapi: FakeAPI) -> None:
    created = fakeapi.seed(
        {
            "apiVersion": "certificates.k8s.io/v1",
            "kind": "CertificateSigningRequest",
            "metadata": {"name": "alice"},
            "spec": {
                "request": certificate_request(),
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

CSR_FROM_ALICE = f"""
apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: from-alice
spec:
  request: {certificate_request()}
  signerName: kubernetes.io/kube-apiserver-client
  usages: [client auth]
  username: mallory
  groups: [system:masters]
status:
  conditions:
  - {{type: Approved, status: "True", reason: Forged, message: pre-approved}}
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


# --- validation (pkg/apis/certificates/validation/validation.go) ---------------------------------


def csr(name: str, **spec: object) -> dict[str, object]:
    body = {"request": certificate_request(), "signerName": "example.com/signer", "usages": ["client auth"], **spec}
    return {
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": {"name": name},
        "spec": body,
    }


def causes(response: object) -> list[tuple[str, str]]:
    status = response.json()  # type: ignore[attr-defined]
    return [(c["field"], c["message"]) for c in status["details"]["causes"]]


def test_a_request_is_validated_on_create(fakeapi: FakeAPI) -> None:
    bad = csr(
        "bad",
        request=base64.b64encode(b"not a pem").decode(),
        usages=["client auth", "flying", "client auth"],
        signerName="signer",
        expirationSeconds=60,
    )
    response = fakeapi.server.request("POST", CSRS, bad)
    assert response.status == 422
    found = causes(response)
    assert found[0][0] == "spec.request" and found[0][1].endswith(": PEM block type must be CERTIFICATE REQUEST")
    assert found[1][0] == "spec.usages[1]" and found[1][1].startswith(
        'Unsupported value: "flying": supported values: "any"'
    )
    assert found[2:] == [
        ("spec.usages[2]", 'Duplicate value: "client auth"'),
        (
            "spec.signerName",
            "Invalid value: \"signer\": must be a fully qualified domain and path of the form 'example.com/signer-name'",
        ),
        ("spec.expirationSeconds", "Invalid value: 60: may not specify a duration less than 600 seconds (10 minutes)"),
    ]
    missing = fakeapi.server.request("POST", CSRS, csr("none", usages=[]))
    assert causes(missing) == [("spec.usages", "Required value")]
    legacy = fakeapi.server.request("POST", CSRS, csr("legacy", signerName="kubernetes.io/legacy-unknown"))
    assert causes(legacy) == [
        (
            "spec.signerName",
            'Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version',
        )
    ]


def test_approval_and_status_conditions_are_validated(fakeapi: FakeAPI) -> None:
    created = fakeapi.seed(csr("bob"))[0]
    both = {
        **created,
        "status": {
            "conditions": [
                {"type": "Approved", "status": "True", "reason": "A"},
                {"type": "Denied", "status": "True", "reason": "D"},
            ]
        },
    }
    response = fakeapi.server.request("PUT", f"{CSRS}/bob/approval", both)
    assert causes(response) == [
        ("status.conditions[1].type", 'Invalid value: "Denied": Approved and Denied conditions are mutually exclusive')
    ]
    falsely = {**created, "status": {"conditions": [{"type": "Approved", "status": "False"}]}}
    response = fakeapi.server.request("PUT", f"{CSRS}/bob/approval", falsely)
    assert causes(response) == [("status.conditions[0].status", 'Unsupported value: "False": supported values: "True"')]
    approved = {**created, "status": {"conditions": [{"type": "Approved", "status": "True", "reason": "OK"}]}}
    response = fakeapi.server.request("PUT", f"{CSRS}/bob/approval", approved)
    assert response.status == 200
    current = response.json()
    # The approval cannot be taken back, and /status may not add one.
    cleared = {**current, "status": {}}
    response = fakeapi.server.request("PUT", f"{CSRS}/bob/approval", cleared)
    assert causes(response) == [
        ("status.conditions", 'Forbidden: updates may not remove a condition of type "Approved"')
    ]
    denied = {
        **current,
        "status": {"conditions": [*current["status"]["conditions"], {"type": "Denied", "status": "True"}]},
    }
    response = fakeapi.server.request("PUT", f"{CSRS}/bob/status", denied)
    assert ("status.conditions", 'Forbidden: updates may not add a condition of type "Denied"') in causes(response)
    # The issued certificate must be PEM certificates.
    forged = {**current, "status": {**current["status"], "certificate": base64.b64encode(b"forged").decode()}}
    response = fakeapi.server.request("PUT", f"{CSRS}/bob/status", forged)
    assert causes(response) == [
        ("status.certificate", 'Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block')
    ]
    issued = {
        **current,
        "status": {**current["status"], "certificate": base64.b64encode(fakeapi.server.ca.cert_pem).decode()},
    }
    assert fakeapi.server.request("PUT", f"{CSRS}/bob/status", issued).status == 200
