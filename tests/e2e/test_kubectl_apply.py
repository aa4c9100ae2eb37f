"""Real kubectl 1.37 (and the `kubernetes` client) applying and patching: client-side apply,
server-side apply with conflicts and pruning, strategic/merge/JSON patches, diff, label, scale.

What kubectl prints and returns is what it prints against a real kube-apiserver for the same
answers (REFERENCE.md §2.4 and §7); the conflict texts are those of managedfields/internal/conflict.go.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.kubectl

Kubectl = Callable[..., subprocess.CompletedProcess[str]]

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
  labels:
    app: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports:
        - containerPort: 80
      - name: sidecar
        image: busybox:1.36
"""

CONFIGMAP = """apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: default
data:
  color: blue
  size: "3"
"""


def _get(kubectl: Kubectl, *args: str) -> Any:
    # kubectl drops managedFields from what it prints unless asked.
    return json.loads(kubectl("get", *args, "-o", "json", "--show-managed-fields").stdout)


def _managers(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{e['manager']}/{e['operation']}": e for e in obj["metadata"]["managedFields"]}


def _images(deployment: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["image"] for c in deployment["spec"]["template"]["spec"]["containers"]}


def test_client_side_apply_creates_configures_and_leaves_unchanged(kubectl: Kubectl) -> None:
    assert kubectl("apply", "--validate=false", "-f", "-", input=DEPLOYMENT).stdout == "deployment.apps/web created\n"
    changed = DEPLOYMENT.replace("nginx:1.25", "nginx:1.26")
    assert kubectl("apply", "--validate=false", "-f", "-", input=changed).stdout == "deployment.apps/web configured\n"
    assert kubectl("apply", "--validate=false", "-f", "-", input=changed).stdout == "deployment.apps/web unchanged\n"
    deployment = _get(kubectl, "deployment", "web")
    assert _images(deployment) == {"nginx": "nginx:1.26", "sidecar": "busybox:1.36"}
    assert deployment["metadata"]["generation"] == 2
    last_applied = json.loads(deployment["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    assert last_applied["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.26"
    entry = _managers(deployment)["kubectl-client-side-apply/Update"]
    containers = entry["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert set(containers) == {'k:{"name":"nginx"}', 'k:{"name":"sidecar"}'}


def test_client_side_apply_removes_a_container_dropped_from_the_file(kubectl: Kubectl) -> None:
    kubectl("apply", "--validate=false", "-f", "-", input=DEPLOYMENT)
    without_sidecar = DEPLOYMENT.split("      - name: sidecar")[0]
    kubectl("apply", "--validate=false", "-f", "-", input=without_sidecar)
    assert _images(_get(kubectl, "deployment", "web")) == {"nginx": "nginx:1.25"}


def test_server_side_apply_conflict_then_force(kubectl: Kubectl) -> None:
    first = kubectl("apply", "--server-side", "--field-manager=alice", "-f", "-", input=CONFIGMAP)
    assert first.stdout == "configmap/settings serverside-applied\n"
    conflicting = CONFIGMAP.replace("blue", "red")
    refused = kubectl("apply", "--server-side", "--field-manager=bob", "-f", "-", input=conflicting, check=False)
    assert refused.returncode == 1
    assert refused.stderr.startswith('error: Apply failed with 1 conflict: conflict with "alice": .data.color\n')
    assert "--force-conflicts" in refused.stderr
    assert _get(kubectl, "configmap", "settings")["data"]["color"] == "blue"
    forced = kubectl("apply", "--server-side", "--field-manager=bob", "--force-conflicts", "-f", "-", input=conflicting)
    assert forced.stdout == "configmap/settings serverside-applied\n"
    configmap = _get(kubectl, "configmap", "settings")
    assert configmap["data"] == {"color": "red", "size": "3"}
    managers = _managers(configmap)
    assert managers["alice/Apply"]["fieldsV1"] == {"f:data": {"f:size": {}}}
    assert managers["bob/Apply"]["fieldsV1"] == {"f:data": {"f:color": {}, "f:size": {}}}


def test_server_side_apply_conflict_with_an_update_manager(kubectl: Kubectl) -> None:
    kubectl("create", "configmap", "settings", "--from-literal=color=blue")
    refused = kubectl("apply", "--server-side", "-f", "-", input=CONFIGMAP.replace("blue", "green"), check=False)
    assert refused.returncode == 1
    assert refused.stderr.startswith(
        'error: Apply failed with 1 conflict: conflict with "kubectl-create" using v1: .data.color\n'
    )


def test_server_side_apply_prunes_a_field_removed_from_the_configuration(kubectl: Kubectl) -> None:
    labelled = CONFIGMAP.replace("  namespace: default\n", "  namespace: default\n  labels:\n    team: a\n")
    kubectl("apply", "--server-side", "-f", "-", input=labelled)
    kubectl("apply", "--server-side", "-f", "-", input=CONFIGMAP.replace('  size: "3"\n', ""))
    configmap = _get(kubectl, "configmap", "settings")
    assert configmap["data"] == {"color": "blue"}
    assert "labels" not in configmap["metadata"]
    assert _managers(configmap)["kubectl/Apply"]["fieldsV1"] == {"f:data": {"f:color": {}}}


def test_server_side_apply_after_client_side_apply_takes_over(kubectl: Kubectl) -> None:
    kubectl("apply", "--validate=false", "-f", "-", input=CONFIGMAP)
    migrated = kubectl("apply", "--server-side", "-f", "-", input=CONFIGMAP.replace("blue", "green"))
    assert migrated.stdout == "configmap/settings serverside-applied\n"
    configmap = _get(kubectl, "configmap", "settings")
    assert configmap["data"]["color"] == "green"
    assert _managers(configmap)["kubectl/Apply"]["fieldsV1"] == {"f:data": {"f:color": {}, "f:size": {}}}


def test_patch_strategic_changes_one_container_and_keeps_the_other(kubectl: Kubectl) -> None:
    kubectl("apply", "--validate=false", "-f", "-", input=DEPLOYMENT)
    patch = '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:2"}]}}}}'
    result = kubectl("patch", "deployment", "web", "--type", "strategic", "-p", patch)
    assert result.stdout == "deployment.apps/web patched\n"
    deployment = _get(kubectl, "deployment", "web")
    assert _images(deployment) == {"nginx": "nginx:2", "sidecar": "busybox:1.36"}
    # The port protocol is defaulted, as a real server does.
    assert deployment["spec"]["template"]["spec"]["containers"][0]["ports"] == [
        {"containerPort": 80, "protocol": "TCP"}
    ]
    assert "kubectl-patch/Update" in _managers(deployment)


def test_patch_merge_replaces_the_containers_list(kubectl: Kubectl) -> None:
    kubectl("apply", "--validate=false", "-f", "-", input=DEPLOYMENT)
    patch = '{"spec":{"template":{"spec":{"containers":[{"name":"only","image":"alpine"}]}}}}'
    assert (
        kubectl("patch", "deployment", "web", "--type", "merge", "-p", patch).stdout == "deployment.apps/web patched\n"
    )
    assert _images(_get(kubectl, "deployment", "web")) == {"only": "alpine"}


def test_patch_json_and_a_failing_test_operation(kubectl: Kubectl) -> None:
    kubectl("apply", "--validate=false", "-f", "-", input=CONFIGMAP)
    ops = '[{"op":"replace","path":"/data/color","value":"black"},{"op":"add","path":"/data/shape","value":"round"}]'
    assert kubectl("patch", "configmap", "settings", "--type", "json", "-p", ops).stdout == (
        "configmap/settings patched\n"
    )
    assert _get(kubectl, "configmap", "settings")["data"] == {"color": "black", "size": "3", "shape": "round"}
    failing = kubectl(
        "patch",
        "configmap",
        "settings",
        "--type",
        "json",
        "-p",
        '[{"op":"test","path":"/data/color","value":"x"}]',
        check=False,
    )
    assert failing.returncode == 1
    assert "the server rejected our request due to an error in our request" in failing.stderr


def test_patch_with_no_change_reports_no_change(kubectl: Kubectl) -> None:
    kubectl("apply", "--validate=false", "-f", "-", input=CONFIGMAP)
    before = _get(kubectl, "configmap", "settings")["metadata"]["resourceVersion"]
    result = kubectl("patch", "configmap", "settings", "--type", "merge", "-p", '{"data":{"color":"blue"}}')
    assert result.stdout == "configmap/settings patched (no change)\n"
    assert _get(kubectl, "configmap", "settings")["metadata"]["resourceVersion"] == before


def test_diff_shows_the_change_a_client_side_apply_would_make(kubectl: Kubectl) -> None:
    kubectl("apply", "--validate=false", "-f", "-", input=DEPLOYMENT)
    same = kubectl("diff", "-f", "-", input=DEPLOYMENT, check=False)
    assert (same.returncode, same.stdout) == (0, "")
    changed = kubectl("diff", "-f", "-", input=DEPLOYMENT.replace("nginx:1.25", "nginx:1.27"), check=False)
    assert changed.returncode == 1
    assert "-      - image: nginx:1.25" in changed.stdout
    assert "+      - image: nginx:1.27" in changed.stdout
    # A diff is a dry run: nothing changed.
    assert _images(_get(kubectl, "deployment", "web"))["nginx"] == "nginx:1.25"


def test_label_and_scale(kubectl: Kubectl) -> None:
    kubectl("apply", "--validate=false", "-f", "-", input=DEPLOYMENT)
    assert kubectl("label", "deployment", "web", "tier=frontend").stdout == "deployment.apps/web labeled\n"
    assert kubectl("scale", "deployment", "web", "--replicas=3").stdout == "deployment.apps/web scaled\n"
    deployment = _get(kubectl, "deployment", "web")
    assert deployment["metadata"]["labels"] == {"app": "web", "tier": "frontend"}
    assert deployment["spec"]["replicas"] == 3
    managers = _managers(deployment)
    assert managers["kubectl-label/Update"]["fieldsV1"] == {"f:metadata": {"f:labels": {"f:tier": {}}}}
    scale = next(e for e in deployment["metadata"]["managedFields"] if e.get("subresource") == "scale")
    assert (scale["manager"], scale["fieldsV1"]) == ("kubectl", {"f:spec": {"f:replicas": {}}})


def test_python_client_patch_sends_a_strategic_merge_patch(kubectl: Kubectl, k8s_client: Any) -> None:
    from kubernetes import client

    kubectl("apply", "--validate=false", "-f", "-", input=DEPLOYMENT)
    apps = client.AppsV1Api(k8s_client)
    body = {"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "image": "busybox:1.37"}]}}}}
    patched = apps.patch_namespaced_deployment("web", "default", body, _request_timeout=(5, 15))
    assert [(c.name, c.image) for c in patched.spec.template.spec.containers] == [
        ("nginx", "nginx:1.25"),
        ("sidecar", "busybox:1.37"),
    ]
    assert any(e.manager == "OpenAPI-Generator" for e in patched.metadata.managed_fields)


WIDGET_CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
              tags:
                type: array
                x-kubernetes-list-type: set
                items: {type: string}
"""

WIDGET = """apiVersion: example.com/v1
kind: Widget
metadata: {name: w1, namespace: default}
spec: {size: 1, tags: [a]}
"""


def test_custom_resources_take_merge_and_apply_patches_but_not_strategic(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", input=WIDGET_CRD)
    kubectl("wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=20s")
    kubectl("apply", "--server-side", "--field-manager=one", "-f", "-", input=WIDGET)
    refused = kubectl("patch", "widget", "w1", "--type", "strategic", "-p", '{"spec":{"size":3}}', check=False)
    assert refused.returncode == 1
    assert refused.stderr == (
        "error: application/strategic-merge-patch+json is not supported by example.com/v1, Kind=Widget: "
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml\n"
    )
    assert kubectl("patch", "widget", "w1", "--type", "merge", "-p", '{"spec":{"size":3}}').stdout == (
        "widget.example.com/w1 patched\n"
    )
    # A set list (x-kubernetes-list-type: set) merges item by item between appliers.
    kubectl(
        "apply",
        "--server-side",
        "--field-manager=two",
        "-f",
        "-",
        input=WIDGET.replace("size: 1, ", "").replace("[a]", "[b]"),
    )
    widget = _get(kubectl, "widget", "w1")
    assert widget["spec"] == {"size": 3, "tags": ["a", "b"]}
    assert _managers(widget)["two/Apply"]["fieldsV1"] == {"f:spec": {"f:tags": {'v:"b"': {}}}}
