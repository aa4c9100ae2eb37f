"""Real kubectl changing PersistentVolumeClaims as a cluster allows it: a claim's spec is immutable but
for its storage request once bound (core/validation ValidatePersistentVolumeClaimUpdate), and the
request grows only where the claim's class allows expansion (the PersistentVolumeClaimResize
admission plugin). kind's ``standard`` class does not, which is what ``helm upgrade`` of a chart
with a larger persistence size meets there."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from fakeapi.pytest_plugin.plugin import FakeAPI

pytestmark = pytest.mark.kubectl

Kubectl = Callable[..., subprocess.CompletedProcess[str]]

_CLAIMS = """
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: user}
spec:
  containers: [{name: c, image: registry.example/app:1, volumeMounts: [{name: d, mountPath: /d}]}]
  volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: pending}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
"""

_EXPANDABLE = """
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: expandable}
provisioner: rancher.io/local-path
allowVolumeExpansion: true
volumeBindingMode: Immediate
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: grows}
spec: {storageClassName: expandable, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
"""

_IMMUTABLE = (
    "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName"
    " for bound claims"
)


def _patch(kubectl: Kubectl, claim: str, patch: str) -> subprocess.CompletedProcess[str]:
    return kubectl("patch", "pvc", claim, "-p", patch, check=False)


@pytest.fixture
def bound_claim(kubectl: Kubectl) -> str:
    """``data`` is bound (its pod was scheduled, its volume provisioned); ``pending`` waits for a pod."""
    kubectl("apply", "-f", "-", input=_CLAIMS)
    kubectl("wait", "--for=jsonpath={.status.phase}=Bound", "pvc/data", "--timeout=20s")
    return "data"


@pytest.mark.parametrize(
    ("storage", "message"),
    [
        (
            "2Gi",
            'Error from server (Forbidden): persistentvolumeclaims "data" is forbidden: only dynamically provisioned pvc'
            " can be resized and the storageclass that provisions the pvc must support resize",
        ),
        (
            "500Mi",
            'The PersistentVolumeClaim "data" is invalid: spec.resources.requests.storage: Forbidden: field can not be'
            " less than status.capacity",
        ),
    ],
)
def test_a_bound_claim_of_a_class_without_expansion_keeps_its_size(
    kubectl: Kubectl, bound_claim: str, storage: str, message: str
) -> None:
    """Growing is refused by PersistentVolumeClaimResize (kind's class allows no expansion); shrinking below
    the bound volume's capacity by validation."""
    refused = _patch(kubectl, bound_claim, json.dumps({"spec": {"resources": {"requests": {"storage": storage}}}}))
    assert refused.returncode == 1
    assert refused.stderr.strip() == message


def test_a_claims_spec_is_immutable(kubectl: Kubectl, bound_claim: str) -> None:
    modes = _patch(kubectl, bound_claim, '{"spec":{"accessModes":["ReadWriteMany"]}}')
    assert modes.returncode == 1
    lines = modes.stderr.strip().splitlines()
    assert lines[0] == f'The PersistentVolumeClaim "data" is invalid: {_IMMUTABLE}'
    # go-cmp's report of what changed (its exact spacing is randomized upstream).
    assert lines[1:] == [
        "  core.PersistentVolumeClaimSpec{",
        '- \tAccessModes: ["ReadWriteOnce"],',
        '+ \tAccessModes: ["ReadWriteMany"],',
        "  \t... // 8 identical fields",
        "  }",
    ]
    mode = _patch(kubectl, bound_claim, '{"spec":{"volumeMode":"Block"}}')
    assert mode.stderr.strip().splitlines()[-1] == '* volumeMode: Invalid value: "Block": field is immutable'
    # An unbound claim's request is part of the immutable spec.
    pending = _patch(kubectl, "pending", '{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}')
    assert pending.stderr.strip().splitlines()[0] == f'The PersistentVolumeClaim "pending" is invalid: {_IMMUTABLE}'
    # Metadata stays free to change.
    assert kubectl("label", "pvc", bound_claim, "tier=db").stdout == "persistentvolumeclaim/data labeled\n"


def test_a_bound_claim_of_an_expandable_class_grows(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", input=_EXPANDABLE)
    kubectl("wait", "--for=jsonpath={.status.phase}=Bound", "pvc/grows", "--timeout=20s")
    grown = _patch(kubectl, "grows", '{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}')
    assert grown.stdout == "persistentvolumeclaim/grows patched\n", grown.stderr
    requested = kubectl("get", "pvc", "grows", "-o", "jsonpath={.spec.resources.requests.storage}").stdout
    assert requested == "2Gi"


def _merge_patch(fakeapi: FakeAPI, claim: str, patch: dict[str, Any]) -> Any:
    return fakeapi.server.request(
        "PATCH",
        f"/api/v1/namespaces/default/persistentvolumeclaims/{claim}",
        patch,
        headers={"Content-Type": "application/merge-patch+json"},
    )


def test_a_class_named_by_the_beta_annotation_moves_into_the_spec(fakeapi: FakeAPI) -> None:
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "old", "annotations": {"volume.beta.kubernetes.io/storage-class": "standard"}},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }
    created = fakeapi.server.request("POST", "/api/v1/namespaces/default/persistentvolumeclaims", claim)
    assert created.status == 201
    assert "storageClassName" not in created.json()["spec"]  # the annotation names its class: no default given

    other = _merge_patch(fakeapi, "old", {"spec": {"storageClassName": "fast"}})
    assert other.status == 422
    assert other.json()["details"]["causes"][0]["field"] == "spec"
    annotation = _merge_patch(
        fakeapi, "old", {"metadata": {"annotations": {"volume.beta.kubernetes.io/storage-class": "fast"}}}
    )
    assert annotation.status == 422
    assert annotation.json()["message"] == (
        'PersistentVolumeClaim "old" is invalid: metadata.annotations.volume.beta.kubernetes.io/storage-class:'
        ' Invalid value: "fast": field is immutable'
    )
    moved = _merge_patch(fakeapi, "old", {"spec": {"storageClassName": "standard"}})
    assert moved.status == 200, moved.body
    assert moved.json()["spec"]["storageClassName"] == "standard"
