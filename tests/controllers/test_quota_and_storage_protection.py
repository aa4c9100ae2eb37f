"""The resource quota controller and the PVC and PV protection controllers, through kubectl.

pkg/controller/resourcequota (status.used per limited resource, pkg/quota/v1/evaluator/core's usage),
pkg/controller/volume/pvcprotection (a claim a scheduled pod uses stays Terminating until the pod is
gone) and pkg/controller/volume/pvprotection (a Bound volume stays until it is released).
"""

from __future__ import annotations

import json

import pytest

from fakeapi.pytest_plugin.kube_tools import ToolRunner

pytestmark = pytest.mark.kubectl

CLAIM_AND_POD = """\
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: user}
spec:
  containers:
    - name: app
      image: busybox
      resources:
        requests: {cpu: 250m, memory: 64Mi}
        limits: {cpu: 500m, memory: 128Mi}
      volumeMounts: [{name: data, mountPath: /data}]
  volumes:
    - name: data
      persistentVolumeClaim: {claimName: data}
"""


def _get(kubectl: ToolRunner, *args: str) -> dict:  # type: ignore[type-arg]
    return json.loads(kubectl("get", *args, "-o", "json").stdout)


def test_a_quota_s_status_shows_what_the_namespace_uses(kubectl: ToolRunner) -> None:
    kubectl(
        "create", "quota", "team", "--hard=pods=5,requests.cpu=1,limits.memory=1Gi,configmaps=3,requests.storage=5Gi"
    )
    kubectl("apply", "-f", "-", input=CLAIM_AND_POD)
    kubectl("create", "configmap", "settings", "--from-literal=a=1")
    kubectl("wait", "--for=jsonpath={.status.used.pods}=1", "quota/team", "--timeout=30s")
    kubectl("wait", "--for=jsonpath={.status.used.configmaps}=2", "quota/team", "--timeout=30s")

    status = _get(kubectl, "quota", "team")["status"]
    assert status["hard"] == {
        "configmaps": "3",
        "limits.memory": "1Gi",
        "pods": "5",
        "requests.cpu": "1",
        "requests.storage": "5Gi",
    }
    # kube-root-ca.crt is the other ConfigMap.
    assert status["used"] == {
        "configmaps": "2",
        "limits.memory": "128Mi",
        "pods": "1",
        "requests.cpu": "250m",
        "requests.storage": "1Gi",
    }
    kubectl("delete", "configmap", "settings")
    kubectl("wait", "--for=jsonpath={.status.used.configmaps}=1", "quota/team", "--timeout=30s")
    described = kubectl("describe", "quota", "team").stdout
    assert "requests.cpu      250m   1" in described.splitlines()


def test_a_claim_in_use_is_deleted_once_its_pod_is_gone(kubectl: ToolRunner) -> None:
    kubectl("apply", "-f", "-", input=CLAIM_AND_POD)
    kubectl("wait", "--for=condition=Ready", "pod/user", "--timeout=30s")
    assert _get(kubectl, "pvc", "data")["metadata"]["finalizers"] == ["kubernetes.io/pvc-protection"]

    kubectl("delete", "pvc", "data", "--wait=false")
    claim = _get(kubectl, "pvc", "data")
    assert claim["metadata"]["deletionTimestamp"]
    assert "Terminating" in kubectl("get", "pvc", "data").stdout

    kubectl("delete", "pod", "user", "--wait=false")
    kubectl("wait", "--for=delete", "pvc/data", "--timeout=30s")


VOLUME_AND_CLAIM = """\
apiVersion: v1
kind: PersistentVolume
metadata: {name: disk}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: manual
  hostPath: {path: /tmp/disk}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: manual}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  resources: {requests: {storage: 1Gi}}
"""


def test_a_bound_volume_is_deleted_once_released(kubectl: ToolRunner) -> None:
    kubectl("apply", "-f", "-", input=VOLUME_AND_CLAIM)
    kubectl("wait", "--for=jsonpath={.status.phase}=Bound", "pv/disk", "--timeout=30s")
    assert _get(kubectl, "pv", "disk")["metadata"]["finalizers"] == ["kubernetes.io/pv-protection"]

    kubectl("delete", "pv", "disk", "--wait=false")
    assert _get(kubectl, "pv", "disk")["metadata"]["deletionTimestamp"]

    kubectl("delete", "pvc", "manual")
    kubectl("wait", "--for=delete", "pv/disk", "--timeout=30s")
