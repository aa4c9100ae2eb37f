"""LimitRanger, ResourceQuota, StorageObjectInUseProtection, RuntimeClass and ServiceAccount's refusal,
through kubectl and the ``kubernetes`` client.

Texts from plugin/pkg/admission/limitranger/admission.go (minConstraint, maxConstraint,
limitRequestRatioConstraint, mergeContainerResources), resourcequota/controller.go (exceeded quota,
failed quota ... must specify, prettyPrint), runtimeclass/admission.go, serviceaccount/admission.go
and storage/storageobjectinuseprotection/admission.go, each wrapped by admission.NewForbidden.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from kubernetes import client

from fakeapi.pytest_plugin.plugin import FakeAPI

Kubectl = Callable[..., subprocess.CompletedProcess[str]]
pytestmark = pytest.mark.kubectl

LIMIT_RANGE = """\
apiVersion: v1
kind: LimitRange
metadata: {name: limits}
spec:
  limits:
    - type: Container
      max: {cpu: "1", memory: 1Gi}
      defaultRequest: {cpu: 100m}
      maxLimitRequestRatio: {memory: "2"}
    - type: Pod
      max: {cpu: 1500m}
    - type: PersistentVolumeClaim
      min: {storage: 1Gi}
      max: {storage: 5Gi}
"""


def _refusal(kubectl: Kubectl, *args: str, manifest: str | None = None) -> str:
    result = kubectl(*args, input=manifest, check=False)
    assert result.returncode != 0, result.stdout
    return result.stderr.strip()


def _pod(name: str, *containers: dict[str, Any], **spec: Any) -> str:
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name},
            "spec": {"containers": list(containers), **spec},
        }
    )


def _container(name: str, **resources: dict[str, str]) -> dict[str, Any]:
    return {"name": name, "image": "nginx:1.27", "resources": resources}


def test_limit_ranges_default_containers_and_refuse_what_breaks_them(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", input=LIMIT_RANGE)
    stored = json.loads(kubectl("get", "limitrange", "limits", "-o", "json").stdout)["spec"]["limits"][0]
    # SetDefaults_LimitRangeItem: the default limit is the max, the default request the explicit one.
    assert stored["default"] == {"cpu": "1", "memory": "1Gi"}
    assert stored["defaultRequest"] == {"cpu": "100m", "memory": "1Gi"}

    kubectl("run", "web", "--image=nginx:1.27")
    pod = json.loads(kubectl("get", "pod", "web", "-o", "json").stdout)
    assert pod["spec"]["containers"][0]["resources"] == {
        "limits": {"cpu": "1", "memory": "1Gi"},
        "requests": {"cpu": "100m", "memory": "1Gi"},
    }
    assert pod["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == (
        "LimitRanger plugin set: cpu, memory request for container web; cpu, memory limit for container web"
    )

    greedy = _pod("greedy", _container("app", limits={"cpu": "2", "memory": "512Mi"}, requests={"memory": "128Mi"}))
    assert _refusal(kubectl, "apply", "-f", "-", manifest=greedy) == (
        'Error from server (Forbidden): error when creating "STDIN": pods "greedy" is forbidden: '
        "[maximum cpu usage per Container is 1, but limit is 2, "
        "memory max limit to request ratio per Container is 2, but provided ratio is 4.000000, "
        "maximum cpu usage per Pod is 1500m, but limit is 2]"
    )
    pair = _pod("pair", _container("a", limits={"cpu": "800m"}), _container("b", limits={"cpu": "800m"}))
    assert _refusal(kubectl, "apply", "-f", "-", manifest=pair).endswith(
        'pods "pair" is forbidden: maximum cpu usage per Pod is 1500m, but limit is 1600m'
    )
    claim = json.dumps(
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "small"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "500Mi"}}},
        }
    )
    assert _refusal(kubectl, "apply", "-f", "-", manifest=claim).endswith(
        'persistentvolumeclaims "small" is forbidden: '
        "minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi"
    )


def test_a_quota_refuses_what_would_exceed_it(kubectl: Kubectl) -> None:
    kubectl("create", "quota", "team", "--hard=pods=2,requests.cpu=1,limits.memory=1Gi,count/deployments.apps=1")
    kubectl("wait", "--for=jsonpath={.status.used.pods}=0", "quota/team", "--timeout=30s")

    unstated = _pod("unstated", _container("app"))
    assert _refusal(kubectl, "apply", "-f", "-", manifest=unstated).endswith(
        'pods "unstated" is forbidden: failed quota: team: must specify limits.memory for: app; requests.cpu for: app'
    )
    first = _pod("first", _container("app", requests={"cpu": "600m"}, limits={"memory": "256Mi"}))
    kubectl("apply", "-f", "-", input=first)
    second = _pod("second", _container("app", requests={"cpu": "500m"}, limits={"memory": "256Mi"}))
    assert _refusal(kubectl, "apply", "-f", "-", manifest=second).endswith(
        'pods "second" is forbidden: exceeded quota: team, requested: requests.cpu=500m, '
        "used: requests.cpu=600m, limited: requests.cpu=1"
    )
    kubectl("create", "deployment", "one", "--image=nginx:1.27", "--replicas=0")
    assert _refusal(kubectl, "create", "deployment", "two", "--image=nginx:1.27").endswith(
        'deployments.apps "two" is forbidden: exceeded quota: team, requested: count/deployments.apps=1, '
        "used: count/deployments.apps=1, limited: count/deployments.apps=1"
    )


def test_claims_and_volumes_are_created_with_their_protection_finalizer(k8s_client: client.ApiClient) -> None:
    core = client.CoreV1Api(k8s_client)
    claim = core.create_namespaced_persistent_volume_claim(
        "default",
        {
            "metadata": {"name": "data"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
        },
    )
    volume = core.create_persistent_volume(
        {
            "metadata": {"name": "disk"},
            "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/d"}},
        }
    )
    assert claim.metadata.finalizers == ["kubernetes.io/pvc-protection"]
    assert volume.metadata.finalizers == ["kubernetes.io/pv-protection"]


RUNTIME_CLASS = """\
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata: {name: gvisor}
handler: runsc
overhead:
  podFixed: {cpu: 250m, memory: 64Mi}
scheduling:
  nodeSelector: {sandbox: gvisor}
  tolerations: [{key: sandbox, operator: Exists, effect: NoSchedule}]
"""


def test_a_runtime_class_gives_its_pods_overhead_and_scheduling(kubectl: Kubectl) -> None:
    missing = _pod("early", _container("app"), runtimeClassName="gvisor")
    assert _refusal(kubectl, "apply", "-f", "-", manifest=missing).endswith(
        'pods "early" is forbidden: pod rejected: RuntimeClass "gvisor" not found'
    )
    kubectl("apply", "-f", "-", input=RUNTIME_CLASS)
    kubectl("apply", "-f", "-", input=_pod("sandboxed", _container("app"), runtimeClassName="gvisor"))
    spec = json.loads(kubectl("get", "pod", "sandboxed", "-o", "json").stdout)["spec"]
    assert spec["overhead"] == {"cpu": "250m", "memory": "64Mi"}
    assert spec["nodeSelector"] == {"sandbox": "gvisor"}
    assert {"key": "sandbox", "operator": "Exists", "effect": "NoSchedule"} in spec["tolerations"]

    clash = _pod("clash", _container("app"), runtimeClassName="gvisor", nodeSelector={"sandbox": "kata"})
    assert _refusal(kubectl, "apply", "-f", "-", manifest=clash).endswith(
        'pods "clash" is forbidden: conflict: runtimeClass.scheduling.nodeSelector[sandbox] = gvisor; '
        "pod.spec.nodeSelector[sandbox] = kata"
    )
    stray = _pod("stray", _container("app"), overhead={"cpu": "1"})
    assert _refusal(kubectl, "apply", "-f", "-", manifest=stray).endswith(
        'pods "stray" is forbidden: pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead'
    )


def test_a_pod_of_a_service_account_that_does_not_exist_is_refused(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    orphan = _pod("orphan", _container("app"), serviceAccountName="builder")
    assert _refusal(kubectl, "apply", "-f", "-", manifest=orphan).endswith(
        'pods "orphan" is forbidden: error looking up service account default/builder: '
        'serviceaccount "builder" not found'
    )
    kubectl("create", "serviceaccount", "builder")
    kubectl("apply", "-f", "-", input=orphan)
    assert fakeapi.get("v1", "pods", "orphan")["spec"]["serviceAccountName"] == "builder"


def test_a_scoped_quota_counts_only_the_pods_its_scopes_select(kubectl: Kubectl) -> None:
    """The pods evaluator's scopes (pkg/quota/v1/evaluator/core/pods.go podMatchesScopeFunc)."""
    kubectl("create", "quota", "best-effort", "--hard=pods=1", "--scopes=BestEffort")
    kubectl("run", "first", "--image=nginx:1.27")
    assert _refusal(kubectl, "run", "second", "--image=nginx:1.27").endswith(
        'pods "second" is forbidden: exceeded quota: best-effort, requested: pods=1, used: pods=1, limited: pods=1'
    )
    # A pod that requests something is not BestEffort: the quota has nothing to say about it.
    kubectl("apply", "-f", "-", input=_pod("burstable", _container("app", requests={"cpu": "100m"})))
    kubectl("wait", "--for=jsonpath={.status.used.pods}=1", "quota/best-effort", "--timeout=30s")
