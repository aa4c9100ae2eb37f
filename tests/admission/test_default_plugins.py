"""The default admission plugins' effects on what is stored, through real clients.

Expectations: plugin/pkg/admission/serviceaccount/admission.go (the kube-api-access volume),
defaulttolerationseconds/admission.go, priority/admission.go, network/defaultingressclass/admission.go,
and the system PriorityClasses of pkg/apis/scheduling/types.go.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from fakeapi.pytest_plugin.plugin import FakeAPI

Kubectl = Callable[..., subprocess.CompletedProcess[str]]
PODS = "/api/v1/namespaces/default/pods"
TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
DEFAULT_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
]
TOKEN_SOURCES = [
    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
    {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
    {
        "downwardAPI": {
            "items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]
        }
    },
]


def pod(name: str, **spec: Any) -> dict[str, Any]:
    containers = [{"name": "app", "image": "nginx:1.27"}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {"containers": containers, **spec}}


def create_pod(fakeapi: FakeAPI, obj: dict[str, Any]) -> dict[str, Any]:
    response = fakeapi.server.request("POST", PODS, obj)
    assert response.status == 201, response.body
    spec: dict[str, Any] = response.json()["spec"]
    return spec


def test_kubectl_run_gives_a_pod_the_token_volume_and_the_default_tolerations(
    fakeapi: FakeAPI, kubectl: Kubectl
) -> None:
    kubectl("run", "web", "--image=nginx:1.27")
    spec = yaml.safe_load(kubectl("get", "pod", "web", "-o", "yaml").stdout)["spec"]
    assert spec["tolerations"] == DEFAULT_TOLERATIONS
    assert spec["serviceAccountName"] == spec["serviceAccount"] == "default"
    (volume,) = spec["volumes"]
    assert re.fullmatch(r"kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}", volume["name"])
    assert volume["projected"] == {"sources": TOKEN_SOURCES, "defaultMode": 420}
    assert spec["containers"][0]["volumeMounts"] == [
        {"name": volume["name"], "readOnly": True, "mountPath": TOKEN_PATH}
    ]
    assert (spec["priority"], spec["preemptionPolicy"]) == (0, "PreemptLowerPriority")


def test_no_token_when_the_pod_or_its_service_account_says_so(fakeapi: FakeAPI) -> None:
    spec = create_pod(fakeapi, pod("quiet", automountServiceAccountToken=False))
    assert "volumes" not in spec and "volumeMounts" not in spec["containers"][0]
    account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "bot"}}
    account["automountServiceAccountToken"] = False
    assert fakeapi.server.request("POST", "/api/v1/namespaces/default/serviceaccounts", account).status == 201
    spec = create_pod(fakeapi, pod("bot", serviceAccountName="bot"))
    assert spec["serviceAccount"] == "bot"
    assert "volumes" not in spec
    # The pod's own choice wins over the account's.
    spec = create_pod(fakeapi, pod("chatty", serviceAccountName="bot", automountServiceAccountToken=True))
    assert spec["volumes"][0]["name"].startswith("kube-api-access-")


def test_a_container_mounting_the_token_path_itself_keeps_it(fakeapi: FakeAPI) -> None:
    own = {"name": "own", "image": "busybox", "volumeMounts": [{"name": "mine", "mountPath": TOKEN_PATH}]}
    obj = pod("own", volumes=[{"name": "mine", "emptyDir": {}}], initContainers=[{"name": "init", "image": "busybox"}])
    obj["spec"]["containers"].append(own)
    spec = create_pod(fakeapi, obj)
    token = spec["volumes"][-1]["name"]
    assert token.startswith("kube-api-access-")
    assert spec["initContainers"][0]["volumeMounts"] == [{"name": token, "readOnly": True, "mountPath": TOKEN_PATH}]
    assert [m["name"] for m in spec["containers"][0]["volumeMounts"]] == [token]
    assert spec["containers"][1]["volumeMounts"] == own["volumeMounts"]


def test_tolerations_a_pod_has_are_kept(fakeapi: FakeAPI) -> None:
    # A toleration with no key and no effect tolerates both taints: nothing is added.
    spec = create_pod(fakeapi, pod("all", tolerations=[{"operator": "Exists"}]))
    assert spec["tolerations"] == [{"operator": "Exists"}]
    mine = {
        "key": "node.kubernetes.io/unreachable",
        "operator": "Exists",
        "effect": "NoExecute",
        "tolerationSeconds": 6,
    }
    spec = create_pod(fakeapi, pod("short", tolerations=[mine]))
    assert spec["tolerations"] == [mine, DEFAULT_TOLERATIONS[0]]


def test_priority_comes_from_the_class(fakeapi: FakeAPI) -> None:
    spec = create_pod(fakeapi, pod("critical", priorityClassName="system-node-critical"))
    assert (spec["priority"], spec["preemptionPolicy"]) == (2000001000, "PreemptLowerPriority")
    high = {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"}}
    high |= {"value": 1000, "globalDefault": True, "preemptionPolicy": "Never"}
    assert fakeapi.server.request("POST", "/apis/scheduling.k8s.io/v1/priorityclasses", high).status == 201
    spec = create_pod(fakeapi, pod("defaulted"))
    assert (spec["priorityClassName"], spec["priority"], spec["preemptionPolicy"]) == ("high", 1000, "Never")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"priorityClassName": "missing"}, "no PriorityClass with name missing was found"),
        (
            {"priorityClassName": "system-cluster-critical", "priority": 5},
            "the integer value of priority (5) must not be provided in pod spec; "
            "priority admission controller computed 2000000000 from the given PriorityClass name",
        ),
        (
            {"preemptionPolicy": "Never"},
            "the string value of PreemptionPolicy (Never) must not be provided in pod spec; "
            "priority admission controller computed PreemptLowerPriority from the given PriorityClass name",
        ),
    ],
)
def test_priorities_the_class_does_not_give_are_forbidden(fakeapi: FakeAPI, spec: dict[str, Any], message: str) -> None:
    response = fakeapi.server.request("POST", PODS, pod("refused", **spec))
    assert response.status == 403
    assert response.json()["message"] == f'pods "refused" is forbidden: {message}'


def test_the_system_priority_classes_are_served(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    out = kubectl("get", "priorityclasses", "-o", "jsonpath={range .items[*]}{.metadata.name}={.value} {end}").stdout
    assert out.split() == ["system-cluster-critical=2000000000", "system-node-critical=2000001000"]


def test_an_ingress_gets_the_default_ingress_class(fakeapi: FakeAPI) -> None:
    base = "/apis/networking.k8s.io/v1"
    for name, default in (("main", "true"), ("plain", "false")):
        ingress_class = {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass"}
        ingress_class["metadata"] = {
            "name": name,
            "annotations": {"ingressclass.kubernetes.io/is-default-class": default},
        }
        ingress_class["spec"] = {"controller": "example.com/ingress"}
        assert fakeapi.server.request("POST", f"{base}/ingressclasses", ingress_class).status == 201
    backend = {"service": {"name": "web", "port": {"number": 80}}}
    ingress = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web"}}
    ingress["spec"] = {"defaultBackend": backend}
    created = fakeapi.server.request("POST", f"{base}/namespaces/default/ingresses", ingress).json()
    assert created["spec"]["ingressClassName"] == "main"
    annotated = {**ingress, "metadata": {"name": "legacy", "annotations": {"kubernetes.io/ingress.class": "nginx"}}}
    created = fakeapi.server.request("POST", f"{base}/namespaces/default/ingresses", annotated).json()
    assert "ingressClassName" not in created["spec"]
