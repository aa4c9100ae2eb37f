"""Real kubectl 1.37 ``get``: the columns and cells kube-apiserver's printers send as Tables.

Every expectation is what ``kubectl get`` prints against a real cluster for the same objects
(pkg/printers/internalversion/printers.go); ages of fresh objects are a few seconds.
"""

from __future__ import annotations

import queue
import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from kubectl_output import table_rows

from fakeapi.controllers.manager import without_simulation
from fakeapi.pytest_plugin.kube_tools import ToolRunner

# These tests check kubectl's tables for objects in states the tests write themselves (a pod
# made Running by hand, a Deployment with no ready replicas): nothing schedules or runs pods here.
pytestmark = [pytest.mark.kubectl, pytest.mark.fakeapi(controllers=without_simulation())]

Kubectl = Callable[..., subprocess.CompletedProcess[str]]

NAMESPACE = "e2e-get"
FRESH_AGE = re.compile(r"^\d+s$")
CONTAINER = {"name": "app", "image": "nginx:1.27"}


def _columns(header: str) -> list[str]:
    """Column titles of kubectl's header line (titles hold single spaces, columns are wider apart)."""
    return re.split(r"\s{2,}", header.strip())


def _seed_namespace(fakeapi: Any, name: str = NAMESPACE) -> None:
    fakeapi.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


def _pod(name: str, namespace: str = NAMESPACE, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"containers": [CONTAINER]},
    }


def _deployment(name: str, replicas: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [CONTAINER]}},
        },
    }


def _run_pod(fakeapi: Any, name: str, namespace: str = NAMESPACE) -> None:
    """Write the status a kubelet would once the pod's container runs and is ready."""
    path = f"/api/v1/namespaces/{namespace}/pods/{name}"
    pod = fakeapi.server.request("GET", path).json()
    pod["status"] = {
        "phase": "Running",
        "conditions": [{"type": "Ready", "status": "True"}],
        "podIP": "10.244.0.5",
        "podIPs": [{"ip": "10.244.0.5"}],
        "containerStatuses": [
            {
                "name": "app",
                "image": CONTAINER["image"],
                "imageID": "",
                "ready": True,
                "restartCount": 0,
                "state": {"running": {"startedAt": pod["metadata"]["creationTimestamp"]}},
            }
        ],
    }
    response = fakeapi.server.request("PUT", path + "/status", pod)
    assert response.status == 200, response.body


# -- pods ---------------------------------------------------------------------------------------------------------


def test_new_pod_is_pending(fakeapi: Any, kubectl: Kubectl) -> None:
    _seed_namespace(fakeapi)
    fakeapi.seed(_pod("web"))
    result = kubectl("get", "pods", "-n", NAMESPACE)
    assert _columns(result.stdout.splitlines()[0]) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    (row,) = table_rows(result.stdout)
    assert (row["NAME"], row["READY"], row["STATUS"], row["RESTARTS"]) == ("web", "0/1", "Pending", "0")
    assert FRESH_AGE.match(row["AGE"]), row


def test_pods_wide_and_running(fakeapi: Any, kubectl: Kubectl) -> None:
    _seed_namespace(fakeapi)
    fakeapi.seed(_pod("web"), _pod("idle"))
    _run_pod(fakeapi, "web")
    result = kubectl("get", "pods", "-n", NAMESPACE, "-o", "wide")
    assert _columns(result.stdout.splitlines()[0]) == [
        "NAME",
        "READY",
        "STATUS",
        "RESTARTS",
        "AGE",
        "IP",
        "NODE",
        "NOMINATED NODE",
        "READINESS GATES",
    ]
    rows = {row["NAME"]: row for row in table_rows(result.stdout)}
    assert [rows["web"][c] for c in ("READY", "STATUS", "IP", "NODE", "NOMINATED NODE", "READINESS GATES")] == [
        "1/1",
        "Running",
        "10.244.0.5",
        "<none>",
        "<none>",
        "<none>",
    ]
    assert [rows["idle"][c] for c in ("READY", "STATUS", "IP")] == ["0/1", "Pending", "<none>"]


# -- workloads and services -----------------------------------------------------------------------------


def test_deployments(fakeapi: Any, kubectl: Kubectl) -> None:
    _seed_namespace(fakeapi)
    fakeapi.seed(_deployment("web", 3))
    result = kubectl("get", "deploy", "-n", NAMESPACE)
    assert _columns(result.stdout.splitlines()[0]) == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    (row,) = table_rows(result.stdout)
    assert [row[c] for c in ("NAME", "READY", "UP-TO-DATE", "AVAILABLE")] == ["web", "0/3", "0", "0"]
    assert FRESH_AGE.match(row["AGE"]), row
    (wide,) = table_rows(kubectl("get", "deploy", "web", "-n", NAMESPACE, "-o", "wide").stdout)
    assert [wide[c] for c in ("CONTAINERS", "IMAGES", "SELECTOR")] == ["app", "nginx:1.27", "app=web"]


def test_services(fakeapi: Any, kubectl: Kubectl) -> None:
    result = kubectl("get", "svc")
    assert _columns(result.stdout.splitlines()[0]) == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    (kubernetes,) = table_rows(result.stdout)
    assert [kubernetes[c] for c in ("NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)")] == [
        "kubernetes",
        "ClusterIP",
        "10.96.0.1",
        "<none>",
        "443/TCP",
    ]
    fakeapi.seed(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80, "protocol": "TCP"}]},
        }
    )
    rows = {row["NAME"]: row for row in table_rows(kubectl("get", "svc", "-o", "wide").stdout)}
    assert rows["web"]["TYPE"] == "NodePort"
    assert re.fullmatch(r"80:3\d{4}/TCP", rows["web"]["PORT(S)"]), rows["web"]
    assert (rows["web"]["SELECTOR"], rows["kubernetes"]["SELECTOR"]) == ("app=web", "<none>")


def test_namespaces_are_active(kubectl: Kubectl) -> None:
    result = kubectl("get", "ns", "default", "kube-system")
    assert _columns(result.stdout.splitlines()[0]) == ["NAME", "STATUS", "AGE"]
    assert [(row["NAME"], row["STATUS"]) for row in table_rows(result.stdout)] == [
        ("default", "Active"),
        ("kube-system", "Active"),
    ]


# -- PartialObjectMetadata: namespaces and labels ---------------------------------------------------------


def _config_map(name: str, namespace: str, data: int, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "data": {f"key{i}": "value" for i in range(data)},
    }


def test_config_maps_across_namespaces(fakeapi: Any, kubectl: Kubectl) -> None:
    _seed_namespace(fakeapi)
    fakeapi.seed(_config_map("settings", NAMESPACE, 2), _config_map("flags", "default", 0))
    result = kubectl("get", "cm", "-A")
    assert _columns(result.stdout.splitlines()[0]) == ["NAMESPACE", "NAME", "DATA", "AGE"]
    rows = {(row["NAMESPACE"], row["NAME"]): row["DATA"] for row in table_rows(result.stdout)}
    assert rows[(NAMESPACE, "settings")] == "2"
    assert rows[("default", "flags")] == "0"


def test_show_labels_and_label_columns(fakeapi: Any, kubectl: Kubectl) -> None:
    _seed_namespace(fakeapi)
    fakeapi.seed(_config_map("front", NAMESPACE, 1, app="web", tier="front"), _config_map("plain", NAMESPACE, 1))
    ours = {"front", "plain"}  # the namespace may also hold the published kube-root-ca.crt
    shown = table_rows(kubectl("get", "cm", "-n", NAMESPACE, "--show-labels").stdout)
    assert [(row["NAME"], row["LABELS"]) for row in shown if row["NAME"] in ours] == [
        ("front", "app=web,tier=front"),
        ("plain", "<none>"),
    ]
    result = kubectl("get", "cm", "-n", NAMESPACE, "-L", "app", "-L", "tier")
    assert _columns(result.stdout.splitlines()[0]) == ["NAME", "DATA", "AGE", "APP", "TIER"]
    assert [(row["NAME"], row["APP"], row["TIER"]) for row in table_rows(result.stdout) if row["NAME"] in ours] == [
        ("front", "web", "front"),
        ("plain", "", ""),
    ]


# -- other kinds ----------------------------------------------------------------------------------------------

_SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "creds"},
    "stringData": {"user": "u", "pass": "p"},
}
_JOB = {
    "apiVersion": "batch/v1",
    "kind": "Job",
    "metadata": {"name": "once"},
    "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [CONTAINER]}}},
}
_CRONJOB = {
    "apiVersion": "batch/v1",
    "kind": "CronJob",
    "metadata": {"name": "nightly"},
    "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": _JOB["spec"]}},
}
_PVC = {
    "apiVersion": "v1",
    "kind": "PersistentVolumeClaim",
    "metadata": {"name": "data"},
    "spec": {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": "1Gi"}},
        "storageClassName": "standard",
    },
}
_ROLE = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "reader"}, "rules": []}
_ROLE_BINDING = {
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "RoleBinding",
    "metadata": {"name": "readers"},
    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"},
    "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"}],
}
_PDB = {
    "apiVersion": "policy/v1",
    "kind": "PodDisruptionBudget",
    "metadata": {"name": "web"},
    "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}},
}
_LEASE = {
    "apiVersion": "coordination.k8s.io/v1",
    "kind": "Lease",
    "metadata": {"name": "leader"},
    "spec": {"holderIdentity": "pod-a"},
}


@pytest.mark.parametrize(
    ("resource", "manifest", "header", "cells"),
    [
        ("secrets", _SECRET, ["NAME", "TYPE", "DATA", "AGE"], ["creds", "Opaque", "2"]),
        ("jobs", _JOB, ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"], ["once", "Running", "0/1", ""]),
        (
            "cronjobs",
            _CRONJOB,
            ["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"],
            ["nightly", "0 3 * * *", "<none>", "False", "0", "<none>"],
        ),
        (
            "pvc",
            _PVC,
            ["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE"],
            ["data", "Pending", "", "", "", "standard", "<unset>"],
        ),
        ("roles", _ROLE, ["NAME", "CREATED AT"], ["reader"]),
        ("rolebindings", _ROLE_BINDING, ["NAME", "ROLE", "AGE"], ["readers", "Role/reader"]),
        (
            "pdb",
            _PDB,
            ["NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"],
            ["web", "1", "N/A", "0"],
        ),
        ("leases", _LEASE, ["NAME", "HOLDER", "AGE"], ["leader", "pod-a"]),
    ],
)
def test_columns_of_other_kinds(
    fakeapi: Any, kubectl: Kubectl, resource: str, manifest: dict[str, Any], header: list[str], cells: list[str]
) -> None:
    _seed_namespace(fakeapi)
    fakeapi.seed({**manifest, "metadata": {**manifest["metadata"], "namespace": NAMESPACE}})
    result = kubectl("get", resource, "-n", NAMESPACE)
    assert _columns(result.stdout.splitlines()[0]) == header
    (row,) = table_rows(result.stdout)
    assert [row[title] for title in header[: len(cells)]] == cells
    last = header[-1]
    # The default table's "Created At" is a date kubectl prints as sent; the printers' Age is a duration.
    pattern = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" if last == "CREATED AT" else FRESH_AGE.pattern
    assert re.fullmatch(pattern, row[last]), row


def test_get_all(fakeapi: Any, kubectl: Kubectl) -> None:
    _seed_namespace(fakeapi)
    fakeapi.seed(_deployment("web", 2), _pod("solo"))
    text = kubectl("get", "all", "-n", NAMESPACE).stdout
    sections = [section for section in text.split("\n\n") if section.strip()]
    # One table per kind, each row named kind/name.
    tables = {table_rows(section)[0]["NAME"].split("/")[0]: section for section in sections}
    assert {"deployment.apps", "pod"} <= set(tables)
    assert _columns(tables["pod"].splitlines()[0]) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    (pod,) = table_rows(tables["pod"])
    assert (pod["NAME"], pod["READY"], pod["STATUS"]) == ("pod/solo", "0/1", "Pending")
    (deployment,) = table_rows(tables["deployment.apps"])
    assert (deployment["NAME"], deployment["READY"], deployment["UP-TO-DATE"]) == ("deployment.apps/web", "0/2", "0")


# -- watch ----------------------------------------------------------------------------------------------


@pytest.fixture
def kubectl_watch(kubectl: ToolRunner) -> Iterator[Callable[..., queue.Queue[str]]]:
    """Start ``kubectl <args>`` in the background; its stdout lines arrive in the returned queue."""
    processes: list[subprocess.Popen[str]] = []

    def start(*args: str) -> queue.Queue[str]:
        process = subprocess.Popen(
            kubectl.command(*args), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=kubectl.env
        )
        processes.append(process)
        lines: queue.Queue[str] = queue.Queue()
        assert process.stdout is not None
        stdout = process.stdout

        def pump() -> None:
            for line in stdout:
                lines.put(line.rstrip("\n"))

        threading.Thread(target=pump, daemon=True).start()
        return lines

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


def _next_line(lines: queue.Queue[str], pattern: str, timeout: float = 20) -> str:
    """The first line matching ``pattern`` within ``timeout`` seconds (earlier lines are dropped)."""
    deadline = time.monotonic() + timeout
    seen = []
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=remaining)
        except queue.Empty:
            break
        if re.match(pattern, line):
            return line
        seen.append(line)
    raise AssertionError(f"no line matching {pattern!r} within {timeout}s; got {seen}")


def test_watch_prints_rows_as_pods_change(fakeapi: Any, kubectl_watch: Callable[..., queue.Queue[str]]) -> None:
    _seed_namespace(fakeapi)
    fakeapi.seed(_pod("first"))
    lines = kubectl_watch("get", "pods", "-n", NAMESPACE, "-w", "--request-timeout=60s")
    assert _columns(_next_line(lines, r"NAME\s")) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    _next_line(lines, r"first\s+0/1\s+Pending\s+0\s+\d+s$")

    # A finalizer keeps the second pod after its delete, as a kubelet would while it stops.
    held = _pod("second")
    held["metadata"]["finalizers"] = ["example.com/hold"]
    created = fakeapi.server.request("POST", f"/api/v1/namespaces/{NAMESPACE}/pods", held)
    assert created.status == 201, created.body
    _next_line(lines, r"second\s+0/1\s+Pending\s+0\s+\d+s$")
    _run_pod(fakeapi, "second")
    _next_line(lines, r"second\s+1/1\s+Running\s+0\s+\d+s$")
    for name in ("first", "second"):
        deleted = fakeapi.server.request("DELETE", f"/api/v1/namespaces/{NAMESPACE}/pods/{name}")
        assert deleted.status == 200, deleted.body
    # An unscheduled pod goes at once (its last row is printed); the held one is Terminating.
    _next_line(lines, r"first\s+0/1\s+Pending\s+0\s+\d+s$")
    _next_line(lines, r"second\s+1/1\s+Terminating\s+0\s+\d+s$")


# -- events ---------------------------------------------------------------------------------------------------------


def test_events_posted_through_events_k8s_io_show_in_kubectl(fakeapi: Any, kubectl: Kubectl, k8s_client: Any) -> None:
    # client-go's newer recorders post events.k8s.io/v1 Events; kubectl reads core v1 Events.
    from kubernetes import client

    _seed_namespace(fakeapi)
    event = client.EventsV1Event(
        metadata=client.V1ObjectMeta(name="web.scaled", namespace=NAMESPACE),
        regarding=client.V1ObjectReference(api_version="apps/v1", kind="Deployment", name="web", namespace=NAMESPACE),
        reason="ScalingReplicaSet",
        note="Scaled up replica set web-abc to 1",
        event_time=datetime.now(UTC),
        reporting_controller="deployment-controller",
        reporting_instance="deployment-controller-1",
        action="Scale",
        type="Normal",
    )
    client.EventsV1Api(k8s_client).create_namespaced_event(NAMESPACE, event, _request_timeout=(5, 15))

    (row,) = table_rows(kubectl("get", "events", "-n", NAMESPACE).stdout)
    assert (row["TYPE"], row["REASON"], row["OBJECT"]) == ("Normal", "ScalingReplicaSet", "deployment/web")
    assert row["MESSAGE"] == "Scaled up replica set web-abc to 1"
    described = kubectl("events", "-n", NAMESPACE, "--for=deployment/web").stdout
    assert "ScalingReplicaSet" in described and "Scaled up replica set web-abc to 1" in described
