"""Real kubectl 1.37 against the running server: typed writes (protobuf bodies), reads, errors, discovery.

Every expectation is what a real kube-apiserver 1.37 makes kubectl print or return
(see /work/shared/REFERENCE.md for the wire rules behind them).
"""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from kubectl_output import table_rows

pytestmark = pytest.mark.kubectl

Kubectl = Callable[..., subprocess.CompletedProcess[str]]

NAMESPACE = "e2e-kubectl"


def _json(result: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(result.stdout)


def _create_namespace(kubectl: Kubectl, name: str = NAMESPACE) -> None:
    result = kubectl("create", "namespace", name)
    assert result.stdout.strip() == f"namespace/{name} created"


def _request_content_types(verbose_log: str, verb: str) -> list[str]:
    """The Content-Type of each request with this verb in kubectl's -v=8 log."""
    types = []
    in_request = False
    for line in verbose_log.splitlines():
        if '"Request"' in line and f'verb="{verb}"' in line:
            in_request = True
        elif in_request and line.strip() == ">":
            in_request = False
        elif in_request and line.strip().startswith("Content-Type:"):
            types.append(line.split(":", 1)[1].strip())
    return types


def test_create_namespace_and_configmap_then_get_json(kubectl: Kubectl) -> None:
    result = kubectl("create", "namespace", NAMESPACE, "-v=8")
    assert result.stdout.strip() == f"namespace/{NAMESPACE} created"
    # kubectl 1.37's typed clients write protobuf: the server decoded it.
    assert _request_content_types(result.stderr, "POST") == ["application/vnd.kubernetes.protobuf"]
    result = kubectl(
        "create",
        "configmap",
        "settings",
        "-n",
        NAMESPACE,
        "--from-literal=color=blue",
        "--from-literal=size=3",
        "-v=8",
    )
    assert result.stdout.strip() == "configmap/settings created"
    assert _request_content_types(result.stderr, "POST") == ["application/vnd.kubernetes.protobuf"]

    cm = _json(kubectl("get", "cm", "settings", "-n", NAMESPACE, "-o", "json"))
    assert cm["kind"] == "ConfigMap"
    assert cm["apiVersion"] == "v1"
    assert cm["metadata"]["name"] == "settings"
    assert cm["metadata"]["namespace"] == NAMESPACE
    assert cm["data"] == {"color": "blue", "size": "3"}
    assert int(cm["metadata"]["resourceVersion"]) > 0
    assert len(cm["metadata"]["uid"]) == 36
    assert "generation" not in cm["metadata"]

    ns = _json(kubectl("get", "ns", NAMESPACE, "-o", "json"))
    assert ns["kind"] == "Namespace"
    assert ns["metadata"]["name"] == NAMESPACE
    assert ns["status"] == {"phase": "Active"}

    listed = _json(kubectl("get", "cm", "-n", NAMESPACE, "-o", "json"))
    assert listed["kind"] == "List"
    # kube-root-ca.crt is the root CA publisher's, in every namespace.
    names = [item["metadata"]["name"] for item in listed["items"]]
    assert [name for name in names if name != "kube-root-ca.crt"] == ["settings"]


def test_get_missing_configmap_is_not_found(kubectl: Kubectl) -> None:
    result = kubectl("get", "cm", "missing", check=False)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip() == 'Error from server (NotFound): configmaps "missing" not found'


def test_delete_configmap_then_get_is_not_found(kubectl: Kubectl) -> None:
    _create_namespace(kubectl)
    kubectl("create", "configmap", "doomed", "-n", NAMESPACE, "--from-literal=a=b")
    deleted = kubectl("delete", "cm", "doomed", "-n", NAMESPACE)
    assert deleted.stdout.strip() == f'configmap "doomed" deleted from {NAMESPACE} namespace'

    result = kubectl("get", "cm", "doomed", "-n", NAMESPACE, check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == 'Error from server (NotFound): configmaps "doomed" not found'

    again = kubectl("delete", "cm", "doomed", "-n", NAMESPACE, check=False)
    assert again.returncode == 1
    assert again.stderr.strip() == 'Error from server (NotFound): configmaps "doomed" not found'


# (name, shortnames, apiVersion, namespaced, kind) as `kubectl api-resources` prints them for kube-apiserver 1.37.
EXPECTED_API_RESOURCES = [
    ("configmaps", "cm", "v1", "true", "ConfigMap"),
    ("namespaces", "ns", "v1", "false", "Namespace"),
    ("nodes", "no", "v1", "false", "Node"),
    ("pods", "po", "v1", "true", "Pod"),
    ("secrets", "", "v1", "true", "Secret"),
    ("services", "svc", "v1", "true", "Service"),
    ("serviceaccounts", "sa", "v1", "true", "ServiceAccount"),
    ("persistentvolumeclaims", "pvc", "v1", "true", "PersistentVolumeClaim"),
    ("customresourcedefinitions", "crd,crds", "apiextensions.k8s.io/v1", "false", "CustomResourceDefinition"),
    ("deployments", "deploy", "apps/v1", "true", "Deployment"),
    ("daemonsets", "ds", "apps/v1", "true", "DaemonSet"),
    ("statefulsets", "sts", "apps/v1", "true", "StatefulSet"),
    ("replicasets", "rs", "apps/v1", "true", "ReplicaSet"),
    ("horizontalpodautoscalers", "hpa", "autoscaling/v2", "true", "HorizontalPodAutoscaler"),
    ("cronjobs", "cj", "batch/v1", "true", "CronJob"),
    ("jobs", "", "batch/v1", "true", "Job"),
    ("ingresses", "ing", "networking.k8s.io/v1", "true", "Ingress"),
    ("poddisruptionbudgets", "pdb", "policy/v1", "true", "PodDisruptionBudget"),
    ("clusterroles", "", "rbac.authorization.k8s.io/v1", "false", "ClusterRole"),
    ("storageclasses", "sc", "storage.k8s.io/v1", "false", "StorageClass"),
    ("priorityclasses", "pc", "scheduling.k8s.io/v1", "false", "PriorityClass"),
    ("leases", "", "coordination.k8s.io/v1", "true", "Lease"),
]


def test_api_resources_lists_builtin_resources(kubectl: Kubectl) -> None:
    result = kubectl("api-resources")
    assert result.stderr == ""
    rows = table_rows(result.stdout)
    assert list(rows[0]) == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    by_key = {(row["NAME"], row["APIVERSION"]): row for row in rows}
    for name, short_names, api_version, namespaced, kind in EXPECTED_API_RESOURCES:
        row = by_key.get((name, api_version))
        assert row is not None, f"{name} ({api_version}) missing from kubectl api-resources"
        assert (row["SHORTNAMES"], row["NAMESPACED"], row["KIND"]) == (short_names, namespaced, kind), name
    # Subresources are not listed, and every row names a served group-version.
    assert all("/" not in row["NAME"] for row in rows)
    assert {row["APIVERSION"] for row in rows} >= {"v1", "apps/v1", "batch/v1", "autoscaling/v2"}


def test_api_resources_by_group(kubectl: Kubectl) -> None:
    result = kubectl("api-resources", "--api-group=apps", "-o", "name")
    assert result.stdout.split() == [
        "controllerrevisions.apps",
        "daemonsets.apps",
        "deployments.apps",
        "replicasets.apps",
        "statefulsets.apps",
    ]


def test_get_pods_all_namespaces_shows_a_healthy_kind_like_cluster(kubectl: Kubectl) -> None:
    # What a fresh kind cluster runs, every pod Running and Ready.
    rows = table_rows(kubectl("get", "pods", "-A").stdout)
    by_namespace: dict[str, list[str]] = {}
    for row in rows:
        assert (row["READY"], row["STATUS"], row["RESTARTS"]) == ("1/1", "Running", "0"), row
        by_namespace.setdefault(row["NAMESPACE"], []).append(row["NAME"].rsplit("-", 1)[0])
    node = "fakeapi-control-plane"
    assert sorted(by_namespace) == ["kube-system", "local-path-storage"]
    assert sorted(by_namespace["kube-system"]) == sorted(
        ["coredns-944884566", "coredns-944884566", "kindnet", "kube-proxy"]
        + [
            f"{component}-{node}".rsplit("-", 1)[0]
            for component in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")
        ]
    )
    assert by_namespace["local-path-storage"] == ["local-path-provisioner-55f8f6745b"]


def test_get_pods_in_a_new_namespace_is_empty(kubectl: Kubectl) -> None:
    _create_namespace(kubectl)
    result = kubectl("get", "pods", "-n", NAMESPACE)
    assert result.stdout == ""
    assert result.stderr.strip() == f"No resources found in {NAMESPACE} namespace."


def test_get_configmaps_matching_nothing_in_a_namespace(kubectl: Kubectl) -> None:
    _create_namespace(kubectl)
    result = kubectl("get", "cm", "-n", NAMESPACE, "-l", "app=none")
    assert result.stdout == ""
    assert result.stderr.strip() == f"No resources found in {NAMESPACE} namespace."


def test_get_namespaces_lists_bootstrap_namespaces(kubectl: Kubectl) -> None:
    result = kubectl("get", "ns")
    rows = table_rows(result.stdout)
    # kubeadm's four, and kind's storage provisioner's.
    assert [row["NAME"] for row in rows] == [
        "default",
        "kube-node-lease",
        "kube-public",
        "kube-system",
        "local-path-storage",
    ]
    names = kubectl("get", "ns", "-o", "name")
    assert names.stdout.split() == [
        "namespace/default",
        "namespace/kube-node-lease",
        "namespace/kube-public",
        "namespace/kube-system",
        "namespace/local-path-storage",
    ]


def test_get_namespaces_prints_upstream_columns(kubectl: Kubectl) -> None:
    # kube-apiserver's namespace printer (pkg/printers/internalversion) serves NAME, STATUS, AGE.
    result = kubectl("get", "ns")
    assert result.stdout.splitlines()[0].split() == ["NAME", "STATUS", "AGE"]
    rows = table_rows(result.stdout)
    assert [(row["NAME"], row["STATUS"]) for row in rows] == [
        ("default", "Active"),
        ("kube-node-lease", "Active"),
        ("kube-public", "Active"),
        ("kube-system", "Active"),
        ("local-path-storage", "Active"),
    ]


def test_version_reports_server_minor_37(kubectl: Kubectl) -> None:
    result = kubectl("version", "-o", "json")
    version = _json(result)
    server = version["serverVersion"]
    assert server["major"] == "1"
    assert server["minor"] == "37"
    assert server["gitVersion"] == "v1.37.0"
    assert server["platform"] == "linux/amd64"
    assert version["clientVersion"]["minor"] == "37"
    # Within the supported skew: kubectl prints no warning.
    assert "WARNING" not in result.stderr


def test_create_secret_generic_and_read_data_with_jsonpath(kubectl: Kubectl) -> None:
    _create_namespace(kubectl)
    created = kubectl(
        "create",
        "secret",
        "generic",
        "creds",
        "-n",
        NAMESPACE,
        "--from-literal=user=admin",
        "--from-literal=pass=s3cr3t!",
    )
    assert created.stdout.strip() == "secret/creds created"

    user = kubectl("get", "secret", "creds", "-n", NAMESPACE, "-o", "jsonpath={.data.user}")
    assert user.stdout == base64.b64encode(b"admin").decode() == "YWRtaW4="
    password = kubectl("get", "secret", "creds", "-n", NAMESPACE, "-o", "jsonpath={.data.pass}")
    assert base64.b64decode(password.stdout) == b"s3cr3t!"
    secret_type = kubectl("get", "secret", "creds", "-n", NAMESPACE, "-o", "jsonpath={.type}")
    assert secret_type.stdout == "Opaque"


def test_create_deployment_has_generation_one(kubectl: Kubectl) -> None:
    _create_namespace(kubectl)
    created = kubectl("create", "deployment", "web", "--image=nginx", "-n", NAMESPACE)
    assert created.stdout.strip() == "deployment.apps/web created"

    deploy = _json(kubectl("get", "deploy", "web", "-n", NAMESPACE, "-o", "json"))
    assert deploy["apiVersion"] == "apps/v1"
    assert deploy["kind"] == "Deployment"
    assert deploy["metadata"]["generation"] == 1
    assert deploy["metadata"]["labels"] == {"app": "web"}
    assert deploy["spec"]["replicas"] == 1
    assert deploy["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    template = deploy["spec"]["template"]
    assert template["metadata"]["labels"] == {"app": "web"}
    [container] = template["spec"]["containers"]
    assert container["name"] == "nginx"
    assert container["image"] == "nginx"


def test_get_raw_api_v1_is_an_api_resource_list(kubectl: Kubectl) -> None:
    document = _json(kubectl("get", "--raw", "/api/v1"))
    assert document["kind"] == "APIResourceList"
    assert document["groupVersion"] == "v1"
    resources = {r["name"]: r for r in document["resources"]}
    configmaps = resources["configmaps"]
    assert configmaps["singularName"] == "configmap"
    assert configmaps["namespaced"] is True
    assert configmaps["kind"] == "ConfigMap"
    assert configmaps["shortNames"] == ["cm"]
    assert sorted(configmaps["verbs"]) == [
        "create",
        "delete",
        "deletecollection",
        "get",
        "list",
        "patch",
        "update",
        "watch",
    ]
    assert resources["pods/status"]["kind"] == "Pod"
    assert sorted(resources["pods/status"]["verbs"]) == ["get", "patch", "update"]
    assert resources["namespaces"]["namespaced"] is False


def test_label_and_annotate_configmap(kubectl: Kubectl) -> None:
    _create_namespace(kubectl)
    kubectl("create", "configmap", "tagged", "-n", NAMESPACE, "--from-literal=k=v")
    before = _json(kubectl("get", "cm", "tagged", "-n", NAMESPACE, "-o", "json"))

    labelled = kubectl("label", "cm", "tagged", "-n", NAMESPACE, "team=blue", "tier=web")
    assert labelled.stdout.strip() == "configmap/tagged labeled"
    annotated = kubectl("annotate", "cm", "tagged", "-n", NAMESPACE, "owner=alice")
    assert annotated.stdout.strip() == "configmap/tagged annotated"

    after = _json(kubectl("get", "cm", "tagged", "-n", NAMESPACE, "-o", "json"))
    assert after["metadata"]["labels"] == {"team": "blue", "tier": "web"}
    assert after["metadata"]["annotations"] == {"owner": "alice"}
    assert after["data"] == {"k": "v"}
    assert after["metadata"]["uid"] == before["metadata"]["uid"]
    assert int(after["metadata"]["resourceVersion"]) > int(before["metadata"]["resourceVersion"])

    # Overwrite one label, remove the other (a merge patch with null), remove the annotation.
    kubectl("label", "cm", "tagged", "-n", NAMESPACE, "team=red", "--overwrite")
    kubectl("label", "cm", "tagged", "-n", NAMESPACE, "tier-")
    kubectl("annotate", "cm", "tagged", "-n", NAMESPACE, "owner-")
    final = _json(kubectl("get", "cm", "tagged", "-n", NAMESPACE, "-o", "json"))
    assert final["metadata"]["labels"] == {"team": "red"}
    assert "annotations" not in final["metadata"] or final["metadata"]["annotations"] == {}

    selected = kubectl("get", "cm", "-n", NAMESPACE, "-l", "team=red", "-o", "name")
    assert selected.stdout.split() == ["configmap/tagged"]


def test_label_without_overwrite_refuses_to_change(kubectl: Kubectl) -> None:
    _create_namespace(kubectl)
    kubectl("create", "configmap", "fixed", "-n", NAMESPACE)
    kubectl("label", "cm", "fixed", "-n", NAMESPACE, "team=blue")
    result = kubectl("label", "cm", "fixed", "-n", NAMESPACE, "team=red", check=False)
    assert result.returncode == 1
    assert "'team' already has a value (blue), and --overwrite is false" in result.stderr
