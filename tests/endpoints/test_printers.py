"""The Tables kube-apiserver's printers make (pkg/printers/internalversion/printers.go), cell by cell.

Expected cells are what a real API server returns for the same objects. Ages are measured at a
frozen ``NOW``: the clock module's ``datetime`` is replaced for the test, which is how freezegun
reaches it too (freezegun itself is not used: starting it scans every loaded module, and the
``kubernetes`` client's lazily built models fail under that scan).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.apimachinery.schema import GroupKind, GroupResource, GroupVersionKind
from fakeapi.endpoints.handlers.printers import BUILTIN_PRINTERS, Doc, human_duration
from fakeapi.endpoints.handlers.table import (
    TableConvertorRegistry,
    TableOptions,
    new_table,
    table_items,
    to_table,
)
from fakeapi.storage.interfaces import Object
from fakeapi.util import clock
from fakeapi.util.clock import format_micro_time, format_time

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def ago(**delta: float) -> str:
    return format_time(NOW - timedelta(**delta))


def meta(name: str, *, namespace: str = "default", age_seconds: float = 5, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": namespace,
        "uid": f"uid-{name}",
        "resourceVersion": "7",
        "creationTimestamp": ago(seconds=age_seconds),
        **extra,
    }


class _FrozenDatetime(datetime):
    """``datetime`` whose ``now`` is ``NOW``."""

    @classmethod
    def now(cls, tz: Any = None) -> Any:
        return NOW.astimezone(tz) if tz is not None else NOW.replace(tzinfo=None)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "datetime", _FrozenDatetime)


@pytest.fixture(scope="module")
def registry() -> TableConvertorRegistry:
    return TableConvertorRegistry(SchemaRegistry.for_version("1.37"))


def make_table(registry: TableConvertorRegistry, group: str, kind: str, obj: Object, **options: Any) -> Object:
    convertor = registry.convertor_for(GroupResource(group, "irrelevant"), GroupKind(group, kind))
    return to_table(obj, convertor, GroupVersionKind(group, "v1", kind), **options)


def cells(registry: TableConvertorRegistry, group: str, kind: str, obj: Object) -> dict[str, Any]:
    """The row of ``obj`` as column name -> cell."""
    table = make_table(registry, group, kind, obj)
    names = [column["name"] for column in table["columnDefinitions"]]
    (row,) = table["rows"]
    assert len(row["cells"]) == len(names)
    return dict(zip(names, row["cells"], strict=True))


# -- durations ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("elapsed", "text"),
    [
        (timedelta(seconds=-3), "<invalid>"),
        (timedelta(seconds=-1.5), "0s"),
        (timedelta(0), "0s"),
        (timedelta(seconds=45), "45s"),
        (timedelta(seconds=119.9), "119s"),
        (timedelta(minutes=2), "2m"),
        (timedelta(minutes=3, seconds=20), "3m20s"),
        (timedelta(minutes=9, seconds=59), "9m59s"),
        (timedelta(minutes=10, seconds=30), "10m"),
        (timedelta(minutes=179), "179m"),
        (timedelta(hours=3), "3h"),
        (timedelta(hours=5), "5h"),
        (timedelta(hours=7, minutes=59), "7h59m"),
        (timedelta(hours=8, minutes=30), "8h"),
        (timedelta(hours=47), "47h"),
        (timedelta(days=2, hours=3), "2d3h"),
        (timedelta(days=7), "7d"),
        (timedelta(days=8, hours=5), "8d"),
        (timedelta(days=50), "50d"),
        (timedelta(days=729), "729d"),
        (timedelta(days=730), "2y"),
        (timedelta(days=365 * 3 + 10), "3y10d"),
        (timedelta(days=365 * 9), "9y"),
    ],
)
def test_human_duration(elapsed: timedelta, text: str) -> None:
    assert human_duration(elapsed) == text


# -- column definitions ---------------------------------------------------------------------------


def test_every_column_description_names_a_schema_field() -> None:
    definitions = SchemaRegistry.for_version("1.37").definitions
    missing = []
    for kind, printer in BUILTIN_PRINTERS.items():
        for column in printer.columns:
            doc = column.description
            if isinstance(doc, Doc) and doc.field not in (definitions.get(doc.definition) or {}).get("properties", {}):
                missing.append((kind.kind, column.name, doc))
    # Upstream describes RuntimeClass's Handler with an ObjectMeta field that does not exist.
    assert [(kind, name) for kind, name, _ in missing] == [("RuntimeClass", "Handler")]


def test_pod_column_definitions(registry: TableConvertorRegistry) -> None:
    table = make_table(registry, "", "Pod", {"kind": "PodList", "metadata": {"resourceVersion": "9"}, "items": []})
    columns = table["columnDefinitions"]
    assert [(c["name"], c["type"], c["format"], c["priority"]) for c in columns] == [
        ("Name", "string", "name", 0),
        ("Ready", "string", "", 0),
        ("Status", "string", "", 0),
        ("Restarts", "string", "", 0),
        ("Age", "string", "", 0),
        ("IP", "string", "", 1),
        ("Node", "string", "", 1),
        ("Nominated Node", "string", "", 1),
        ("Readiness Gates", "string", "", 1),
    ]
    assert columns[5]["description"].startswith("podIP address allocated to the pod.")
    assert columns[4]["description"].startswith("CreationTimestamp is a timestamp representing the server time")
    assert table["rows"] == []
    assert table["metadata"] == {"resourceVersion": "9"}


# -- pods ------------------------------------------------------------------------------------------------------

CONTAINER = {"name": "app", "image": "nginx:1.27"}


def pod(status: dict[str, Any] | None = None, *, spec: dict[str, Any] | None = None, **meta_extra: Any) -> Object:
    return {
        "metadata": meta("web", **meta_extra),
        "spec": spec or {"containers": [CONTAINER]},
        "status": status if status is not None else {"phase": "Pending", "qosClass": "BestEffort"},
    }


def test_new_pod_is_pending(registry: TableConvertorRegistry) -> None:
    assert cells(registry, "", "Pod", pod()) == {
        "Name": "web",
        "Ready": "0/1",
        "Status": "Pending",
        "Restarts": "0",
        "Age": "5s",
        "IP": "<none>",
        "Node": "<none>",
        "Nominated Node": "<none>",
        "Readiness Gates": "<none>",
    }


def test_running_pod(registry: TableConvertorRegistry) -> None:
    running = pod(
        {
            "phase": "Running",
            "podIPs": [{"ip": "10.244.0.7"}],
            "conditions": [{"type": "Ready", "status": "True"}, {"type": "example.com/gate", "status": "True"}],
            "containerStatuses": [{"name": "app", "ready": True, "restartCount": 0, "state": {"running": {}}}],
        },
        spec={
            "containers": [CONTAINER],
            "nodeName": "node-1",
            "readinessGates": [{"conditionType": "example.com/gate"}],
        },
    )
    row = cells(registry, "", "Pod", running)
    assert (row["Ready"], row["Status"], row["IP"], row["Node"], row["Readiness Gates"]) == (
        "1/1",
        "Running",
        "10.244.0.7",
        "node-1",
        "1/1",
    )


def test_crash_looping_pod_shows_restarts_and_when(registry: TableConvertorRegistry) -> None:
    crashing = pod(
        {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": "app",
                    "ready": False,
                    "restartCount": 4,
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {"terminated": {"exitCode": 1, "finishedAt": ago(minutes=2)}},
                }
            ],
        }
    )
    row = cells(registry, "", "Pod", crashing)
    assert (row["Ready"], row["Status"], row["Restarts"]) == ("0/1", "CrashLoopBackOff", "4 (2m ago)")


@pytest.mark.parametrize(
    ("init_state", "expected"),
    [
        ({"waiting": {"reason": "PodInitializing"}}, "Init:0/1"),
        ({"waiting": {"reason": "ImagePullBackOff"}}, "Init:ImagePullBackOff"),
        ({"terminated": {"exitCode": 2}}, "Init:ExitCode:2"),
        ({"terminated": {"exitCode": 137, "signal": 9}}, "Init:Signal:9"),
        ({"terminated": {"exitCode": 1, "reason": "Error"}}, "Init:Error"),
    ],
)
def test_initializing_pod(registry: TableConvertorRegistry, init_state: dict[str, Any], expected: str) -> None:
    initializing = pod(
        {"phase": "Pending", "initContainerStatuses": [{"name": "setup", "restartCount": 0, "state": init_state}]},
        spec={"initContainers": [{"name": "setup", "image": "busybox"}], "containers": [CONTAINER]},
    )
    assert cells(registry, "", "Pod", initializing)["Status"] == expected


def test_sidecar_counts_as_a_container(registry: TableConvertorRegistry) -> None:
    with_sidecar = pod(
        {
            "phase": "Running",
            "conditions": [{"type": "Initialized", "status": "True"}],
            "initContainerStatuses": [
                {"name": "proxy", "ready": True, "started": True, "restartCount": 1, "state": {"running": {}}}
            ],
            "containerStatuses": [{"name": "app", "ready": True, "restartCount": 0, "state": {"running": {}}}],
        },
        spec={
            "initContainers": [{"name": "proxy", "image": "envoy", "restartPolicy": "Always"}],
            "containers": [CONTAINER],
        },
    )
    row = cells(registry, "", "Pod", with_sidecar)
    assert (row["Ready"], row["Status"], row["Restarts"]) == ("2/2", "Running", "1")


def test_completed_and_terminating_pods(registry: TableConvertorRegistry) -> None:
    done = pod(
        {
            "phase": "Succeeded",
            "containerStatuses": [
                {
                    "name": "app",
                    "ready": False,
                    "restartCount": 0,
                    "state": {"terminated": {"exitCode": 0, "reason": "Completed"}},
                }
            ],
        }
    )
    convertor = registry.convertor_for(GroupResource("", "pods"), GroupKind("", "Pod"))
    (row,) = convertor.convert_to_table(done, TableOptions())["rows"]
    assert row["cells"][2] == "Completed"
    assert row["conditions"] == [
        {"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}
    ]
    deleting = pod({"phase": "Running"}, deletionTimestamp=ago(seconds=1))
    assert cells(registry, "", "Pod", deleting)["Status"] == "Terminating"
    gated = pod(
        {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]}
    )
    assert cells(registry, "", "Pod", gated)["Status"] == "SchedulingGated"


# -- workloads -----------------------------------------------------------------------------------------


def test_deployment(registry: TableConvertorRegistry) -> None:
    deployment = {
        "metadata": meta("web", age_seconds=3 * 3600),
        "spec": {
            "replicas": 3,
            "selector": {
                "matchLabels": {"app": "web"},
                "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]}],
            },
            "template": {"spec": {"containers": [CONTAINER, {"name": "log", "image": "fluentbit"}]}},
        },
        "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2},
    }
    assert cells(registry, "apps", "Deployment", deployment) == {
        "Name": "web",
        "Ready": "2/3",
        "Up-to-date": 3,
        "Available": 2,
        "Age": "3h",
        "Containers": "app,log",
        "Images": "nginx:1.27,fluentbit",
        "Selector": "app=web,tier in (a,b)",
    }


def test_workloads_without_status_read_v1_defaults(registry: TableConvertorRegistry) -> None:
    template = {"spec": {"containers": [CONTAINER]}}
    fresh = {"metadata": meta("w"), "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": template}}
    assert cells(registry, "apps", "Deployment", fresh)["Ready"] == "0/1"
    assert cells(registry, "apps", "StatefulSet", fresh)["Ready"] == "0/1"
    replica_set = cells(registry, "apps", "ReplicaSet", fresh)
    assert (replica_set["Desired"], replica_set["Current"], replica_set["Ready"]) == (1, 0, 0)
    daemon_set = cells(registry, "apps", "DaemonSet", fresh)
    assert (daemon_set["Desired"], daemon_set["Node Selector"], daemon_set["Selector"]) == (0, "<none>", "a=b")


@pytest.mark.parametrize(
    ("spec", "status", "expected"),
    [
        ({}, {}, ("Running", "0/1", "")),
        (
            {"completions": 5, "parallelism": 2},
            {"succeeded": 2, "startTime": ago(seconds=90)},
            ("Running", "2/5", "90s"),
        ),
        ({"parallelism": 3}, {"succeeded": 1}, ("Running", "1/1 of 3", "")),
        (
            {"completions": 1},
            {
                "succeeded": 1,
                "startTime": ago(minutes=10),
                "completionTime": ago(minutes=5),
                "conditions": [{"type": "Complete", "status": "True"}],
            },
            ("Complete", "1/1", "5m"),
        ),
        ({}, {"conditions": [{"type": "Failed", "status": "True"}]}, ("Failed", "0/1", "")),
        ({"suspend": True}, {"conditions": [{"type": "Suspended", "status": "True"}]}, ("Suspended", "0/1", "")),
    ],
)
def test_job(
    registry: TableConvertorRegistry, spec: dict[str, Any], status: dict[str, Any], expected: tuple[str, ...]
) -> None:
    job = {
        "metadata": meta("batch"),
        "spec": {**spec, "template": {"spec": {"containers": [CONTAINER]}}},
        "status": status,
    }
    row = cells(registry, "batch", "Job", job)
    assert (row["Status"], row["Completions"], row["Duration"]) == expected


def test_cronjob(registry: TableConvertorRegistry) -> None:
    cronjob = {
        "metadata": meta("nightly", age_seconds=86400 * 3),
        "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": {"containers": [CONTAINER]}}}}},
        "status": {"active": [{"name": "nightly-1"}], "lastScheduleTime": ago(hours=9)},
    }
    row = cells(registry, "batch", "CronJob", cronjob)
    assert [row[c] for c in ("Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age", "Selector")] == [
        "0 3 * * *",
        "<none>",
        "False",
        1,
        "9h",
        "3d",
        "<none>",
    ]


# -- services, networking -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "status", "expected"),
    [
        (
            {
                "type": "ClusterIP",
                "clusterIP": "10.96.0.1",
                "clusterIPs": ["10.96.0.1"],
                "ports": [{"port": 443, "protocol": "TCP"}],
            },
            {},
            ("ClusterIP", "10.96.0.1", "<none>", "443/TCP"),
        ),
        (
            {
                "type": "NodePort",
                "clusterIPs": ["10.96.0.9"],
                "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}],
            },
            {},
            ("NodePort", "10.96.0.9", "<none>", "80:30080/TCP,53/UDP"),
        ),
        (
            {"type": "LoadBalancer", "clusterIPs": ["10.96.0.3"], "ports": []},
            {"loadBalancer": {}},
            ("LoadBalancer", "10.96.0.3", "<pending>", "<none>"),
        ),
        (
            {"type": "LoadBalancer", "clusterIPs": ["10.96.0.3"], "externalIPs": ["1.2.3.4"], "ports": []},
            {"loadBalancer": {"ingress": [{"hostname": "lb.example.com"}, {"ip": "5.6.7.8"}]}},
            ("LoadBalancer", "10.96.0.3", "5.6.7.8,lb.example.com,1.2.3.4", "<none>"),
        ),
        (
            {"type": "ExternalName", "externalName": "db.example.com"},
            {},
            ("ExternalName", "<none>", "db.example.com", "<none>"),
        ),
        (
            {"clusterIP": "None", "clusterIPs": ["None"], "ports": [{"port": 5432, "protocol": "TCP"}]},
            {},
            ("ClusterIP", "None", "<none>", "5432/TCP"),
        ),
    ],
)
def test_service(
    registry: TableConvertorRegistry, spec: dict[str, Any], status: dict[str, Any], expected: tuple[str, ...]
) -> None:
    service = {"metadata": meta("svc"), "spec": {**spec, "selector": {"app": "db", "tier": "back"}}, "status": status}
    row = cells(registry, "", "Service", service)
    assert (row["Type"], row["Cluster-IP"], row["External-IP"], row["Port(s)"]) == expected
    assert row["Selector"] == "app=db,tier=back"


def test_ingress_hosts_and_ports(registry: TableConvertorRegistry) -> None:
    rules = [{"host": f"h{i}.example.com"} for i in range(5)]
    ingress = {
        "metadata": meta("ing"),
        "spec": {"ingressClassName": "nginx", "rules": [{}, *rules], "tls": [{"hosts": ["h0.example.com"]}]},
        "status": {"loadBalancer": {"ingress": [{"ip": "192.168.1.10"}]}},
    }
    row = cells(registry, "networking.k8s.io", "Ingress", ingress)
    assert (row["Class"], row["Hosts"], row["Address"], row["Ports"]) == (
        "nginx",
        "h0.example.com,h1.example.com,h2.example.com + 3 more...",
        "192.168.1.10",
        "80, 443",
    )
    bare = cells(registry, "networking.k8s.io", "Ingress", {"metadata": meta("bare"), "spec": {"rules": [{}]}})
    assert (bare["Class"], bare["Hosts"], bare["Address"], bare["Ports"]) == ("<none>", "*", "", "80")


def test_endpoints_and_endpoint_slices(registry: TableConvertorRegistry) -> None:
    endpoints = {
        "metadata": meta("web"),
        "subsets": [
            {"addresses": [{"ip": "10.0.0.1"}, {"ip": "fd00::2"}], "ports": [{"port": 80}, {"port": 443}]},
            {"addresses": [{"ip": "10.0.0.9"}]},
        ],
    }
    assert (
        cells(registry, "", "Endpoints", endpoints)["Endpoints"] == "10.0.0.1:80,[fd00::2]:80,10.0.0.1:443 + 2 more..."
    )
    assert cells(registry, "", "Endpoints", {"metadata": meta("none")})["Endpoints"] == "<none>"
    endpoint_slice = {
        "metadata": meta("web-abc"),
        "addressType": "IPv4",
        "ports": [{"port": 80}, {"name": "metrics"}],
        "endpoints": [{"addresses": ["10.0.0.1"]}, {"addresses": ["10.0.0.2"]}],
    }
    row = cells(registry, "discovery.k8s.io", "EndpointSlice", endpoint_slice)
    assert (row["AddressType"], row["Ports"], row["Endpoints"]) == ("IPv4", "80,metrics", "10.0.0.1,10.0.0.2")
    empty = cells(registry, "discovery.k8s.io", "EndpointSlice", {"metadata": meta("e"), "addressType": "IPv6"})
    assert (empty["Ports"], empty["Endpoints"]) == ("<unset>", "<unset>")


# -- config, storage, nodes -------------------------------------------------------------------------------


def test_config_maps_secrets_and_service_accounts(registry: TableConvertorRegistry) -> None:
    config_map = {
        "metadata": meta("settings", age_seconds=200),
        "data": {"a": "1", "b": "2"},
        "binaryData": {"c": "AA=="},
    }
    assert cells(registry, "", "ConfigMap", config_map) == {"Name": "settings", "Data": 3, "Age": "3m20s"}
    secret = {"metadata": meta("creds"), "type": "kubernetes.io/basic-auth", "data": {"username": "dQ=="}}
    assert cells(registry, "", "Secret", secret) == {
        "Name": "creds",
        "Type": "kubernetes.io/basic-auth",
        "Data": 1,
        "Age": "5s",
    }
    assert cells(registry, "", "ServiceAccount", {"metadata": meta("default")}) == {"Name": "default", "Age": "5s"}
    namespace = {"metadata": meta("team", namespace=""), "status": {"phase": "Active"}}
    assert cells(registry, "", "Namespace", namespace) == {"Name": "team", "Status": "Active", "Age": "5s"}


def test_node(registry: TableConvertorRegistry) -> None:
    node = {
        "metadata": meta(
            "node-1", namespace="", labels={"node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "infra"}
        ),
        "spec": {"unschedulable": True},
        "status": {
            "conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}],
            "addresses": [{"type": "InternalIP", "address": "172.18.0.2"}, {"type": "Hostname", "address": "node-1"}],
            "nodeInfo": {
                "kubeletVersion": "v1.37.0",
                "osImage": "Debian GNU/Linux 12",
                "containerRuntimeVersion": "containerd://2.1",
            },
        },
    }
    assert cells(registry, "", "Node", node) == {
        "Name": "node-1",
        "Status": "Ready,SchedulingDisabled",
        "Roles": "control-plane,infra",
        "Age": "5s",
        "Version": "v1.37.0",
        "Internal-IP": "172.18.0.2",
        "External-IP": "<none>",
        "OS-Image": "Debian GNU/Linux 12",
        "Kernel-Version": "<unknown>",
        "Container-Runtime": "containerd://2.1",
    }
    assert cells(registry, "", "Node", {"metadata": meta("n", namespace="")})["Status"] == "Unknown"


def test_volumes_and_claims(registry: TableConvertorRegistry) -> None:
    volume = {
        "metadata": meta("pv1", namespace="", annotations={"volume.beta.kubernetes.io/storage-class": "old"}),
        "spec": {
            "capacity": {"storage": "10Gi"},
            "accessModes": ["ReadWriteMany", "ReadWriteOnce", "ReadWriteOnce"],
            "claimRef": {"namespace": "default", "name": "data"},
            "storageClassName": "standard",
        },
        "status": {"phase": "Bound"},
    }
    row = cells(registry, "", "PersistentVolume", volume)
    assert [
        row[c]
        for c in (
            "Capacity",
            "Access Modes",
            "Reclaim Policy",
            "Status",
            "Claim",
            "StorageClass",
            "VolumeAttributesClass",
            "Reason",
            "VolumeMode",
        )
    ] == [
        "10Gi",
        "RWO,RWX",
        "Retain",
        "Bound",
        "default/data",
        "old",
        "<unset>",
        "",
        "Filesystem",
    ]
    pending = {"metadata": meta("data"), "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard"}}
    row = cells(registry, "", "PersistentVolumeClaim", pending)
    assert [row[c] for c in ("Status", "Volume", "Capacity", "Access Modes", "StorageClass")] == [
        "Pending",
        "",
        "",
        "",
        "standard",
    ]
    bound = {
        "metadata": meta("data", deletionTimestamp=ago(seconds=1)),
        "spec": {"volumeName": "pv1"},
        "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "10Gi"}},
    }
    row = cells(registry, "", "PersistentVolumeClaim", bound)
    assert [row[c] for c in ("Status", "Volume", "Capacity", "Access Modes")] == ["Terminating", "pv1", "10Gi", "RWO"]


def test_storage_class_marks_the_default(registry: TableConvertorRegistry) -> None:
    storage_class = {
        "metadata": meta("standard", namespace="", annotations={"storageclass.kubernetes.io/is-default-class": "true"}),
        "provisioner": "rancher.io/local-path",
        "volumeBindingMode": "WaitForFirstConsumer",
    }
    assert cells(registry, "storage.k8s.io", "StorageClass", storage_class) == {
        "Name": "standard (default)",
        "Provisioner": "rancher.io/local-path",
        "ReclaimPolicy": "Delete",
        "VolumeBindingMode": "WaitForFirstConsumer",
        "AllowVolumeExpansion": False,
        "Age": "5s",
    }


# -- events, autoscaling, RBAC, the rest ----------------------------------------------------------------


def test_core_event(registry: TableConvertorRegistry) -> None:
    event = {
        "metadata": meta("web.17f"),
        "involvedObject": {"kind": "Pod", "name": "web", "fieldPath": "spec.containers{app}"},
        "reason": "Pulled",
        "message": "Successfully pulled image\n",
        "type": "Normal",
        "source": {"component": "kubelet", "host": "node-1"},
        "firstTimestamp": ago(minutes=30),
        "lastTimestamp": ago(seconds=40),
        "count": 3,
    }
    assert cells(registry, "", "Event", event) == {
        "Last Seen": "40s",
        "Type": "Normal",
        "Reason": "Pulled",
        "Object": "pod/web",
        "Subobject": "spec.containers{app}",
        "Source": "kubelet, node-1",
        "Message": "Successfully pulled image",
        "First Seen": "30m",
        "Count": 3,
        "Name": "web.17f",
    }


def test_events_k8s_io_event_prints_as_the_core_event(registry: TableConvertorRegistry) -> None:
    event = {
        "metadata": meta("web.18a"),
        "eventTime": format_micro_time(NOW - timedelta(minutes=4, microseconds=123456)),
        "reportingController": "example.com/operator",
        "reportingInstance": "operator-0",
        "action": "Reconcile",
        "reason": "Synced",
        "regarding": {"kind": "Deployment", "name": "web"},
        "note": "synced",
        "type": "Normal",
    }
    row = cells(registry, "events.k8s.io", "Event", event)
    assert [row[c] for c in ("Last Seen", "Object", "Source", "Message", "First Seen", "Count")] == [
        "4m",
        "deployment/web",
        "example.com/operator, operator-0",
        "synced",
        "4m",
        1,
    ]
    series = {**event, "series": {"count": 7, "lastObservedTime": format_time(NOW - timedelta(seconds=9))}}
    row = cells(registry, "events.k8s.io", "Event", series)
    assert (row["Last Seen"], row["Count"]) == ("9s", 7)


def test_horizontal_pod_autoscaler(registry: TableConvertorRegistry) -> None:
    hpa = {
        "metadata": meta("web"),
        "spec": {
            "scaleTargetRef": {"kind": "Deployment", "name": "web"},
            "maxReplicas": 10,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}},
                },
                {
                    "type": "Pods",
                    "pods": {"metric": {"name": "rps"}, "target": {"type": "AverageValue", "averageValue": "100"}},
                },
                {
                    "type": "External",
                    "external": {"metric": {"name": "queue"}, "target": {"type": "Value", "value": "30"}},
                },
            ],
        },
        "status": {
            "currentReplicas": 2,
            "currentMetrics": [
                {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 45}}}
            ],
        },
    }
    assert cells(registry, "autoscaling", "HorizontalPodAutoscaler", hpa) == {
        "Name": "web",
        "Reference": "Deployment/web",
        "Targets": "cpu: 45%/60%, <unknown>/100 + 1 more...",
        "MinPods": "1",
        "MaxPods": 10,
        "Replicas": 2,
        "Age": "5s",
    }
    v1 = {
        "metadata": meta("v1"),
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 2, "maxReplicas": 5},
    }
    row = cells(registry, "autoscaling", "HorizontalPodAutoscaler", v1)
    assert (row["Targets"], row["MinPods"]) == ("cpu: <unknown>/80%", "2")
    v1_target = {
        **v1,
        "spec": {**v1["spec"], "targetCPUUtilizationPercentage": 70},
        "status": {"currentCPUUtilizationPercentage": 12},
    }
    assert cells(registry, "autoscaling", "HorizontalPodAutoscaler", v1_target)["Targets"] == "cpu: 12%/70%"


def test_role_bindings(registry: TableConvertorRegistry) -> None:
    binding = {
        "metadata": meta("readers"),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [
            {"kind": "User", "name": "alice"},
            {"kind": "Group", "name": "devs"},
            {"kind": "ServiceAccount", "name": "ci", "namespace": "tools"},
            {"kind": "User", "name": "bob"},
        ],
    }
    row = cells(registry, "rbac.authorization.k8s.io", "RoleBinding", binding)
    assert [row[c] for c in ("Role", "Users", "Groups", "ServiceAccounts")] == [
        "ClusterRole/view",
        "alice, bob",
        "devs",
        "tools/ci",
    ]


def test_small_kinds(registry: TableConvertorRegistry) -> None:
    pdb = {"metadata": meta("p"), "spec": {"minAvailable": "50%"}, "status": {"disruptionsAllowed": 1}}
    assert cells(registry, "policy", "PodDisruptionBudget", pdb) == {
        "Name": "p",
        "Min Available": "50%",
        "Max Unavailable": "N/A",
        "Allowed Disruptions": 1,
        "Age": "5s",
    }
    lease = {"metadata": meta("leader"), "spec": {"holderIdentity": "pod-a"}}
    assert cells(registry, "coordination.k8s.io", "Lease", lease)["Holder"] == "pod-a"
    priority = {"metadata": meta("high", namespace=""), "value": 1000, "preemptionPolicy": "Never"}
    assert cells(registry, "scheduling.k8s.io", "PriorityClass", priority) == {
        "Name": "high",
        "Value": 1000,
        "Global-Default": False,
        "Age": "5s",
        "PreemptionPolicy": "Never",
    }
    quota = {
        "metadata": meta("q"),
        "status": {"hard": {"limits.cpu": "2", "pods": "10", "requests.cpu": "1"}, "used": {"pods": "3"}},
    }
    row = cells(registry, "", "ResourceQuota", quota)
    assert (row["Request"], row["Limit"]) == ("pods: 3/10, requests.cpu: 0/1", "limits.cpu: 0/2")
    csr = {
        "metadata": meta("csr", namespace=""),
        "spec": {"signerName": "kubernetes.io/kube-apiserver-client", "username": "alice", "expirationSeconds": 86400},
        "status": {"conditions": [{"type": "Approved", "status": "True"}], "certificate": "LS0t"},
    }
    row = cells(registry, "certificates.k8s.io", "CertificateSigningRequest", csr)
    assert [row[c] for c in ("SignerName", "Requestor", "RequestedDuration", "Condition")] == [
        "kubernetes.io/kube-apiserver-client",
        "alice",
        "24h",
        "Approved,Issued",
    ]
    revision = {
        "metadata": meta(
            "web-1", ownerReferences=[{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "web", "controller": True}]
        ),
        "revision": 3,
    }
    assert cells(registry, "apps", "ControllerRevision", revision)["Controller"] == "daemonset.apps/web"
    ingress_class = {
        "metadata": meta("nginx", namespace=""),
        "spec": {
            "controller": "k8s.io/ingress-nginx",
            "parameters": {"apiGroup": "k8s.example.com", "kind": "Params", "name": "p"},
        },
    }
    assert (
        cells(registry, "networking.k8s.io", "IngressClass", ingress_class)["Parameters"] == "Params.k8s.example.com/p"
    )
    policy = {"metadata": meta("deny-all"), "spec": {"podSelector": {}}}
    assert cells(registry, "networking.k8s.io", "NetworkPolicy", policy)["Pod-Selector"] == "<none>"


def test_flow_schemas_are_listed_by_precedence(registry: TableConvertorRegistry) -> None:
    def flow_schema(name: str, precedence: int) -> Object:
        return {
            "metadata": meta(name, namespace=""),
            "spec": {"matchingPrecedence": precedence, "priorityLevelConfiguration": {"name": "global-default"}},
        }

    listed = {
        "kind": "FlowSchemaList",
        "metadata": {},
        "items": [flow_schema("b", 9000), flow_schema("z", 100), flow_schema("a", 9000)],
    }
    table = make_table(registry, "flowcontrol.apiserver.k8s.io", "FlowSchema", listed)
    assert [row["cells"][0] for row in table["rows"]] == ["z", "a", "b"]
    assert table["rows"][0]["cells"][3:] == ["<none>", "5s", "?"]


# -- the Table itself, includeObject, the registry -------------------------------------------------------


def test_default_table_for_kinds_without_a_printer(registry: TableConvertorRegistry) -> None:
    role = {"metadata": meta("admin", namespace="", labels={"a": "b"})}
    table = make_table(registry, "rbac.authorization.k8s.io", "ClusterRole", role)
    assert [(c["name"], c["type"], c["format"]) for c in table["columnDefinitions"]] == [
        ("Name", "string", "name"),
        ("Created At", "date", ""),
    ]
    assert table["rows"][0]["cells"] == ["admin", ago(seconds=5)]
    assert table["metadata"] == {"resourceVersion": "7"}


def test_list_metadata_and_include_object(registry: TableConvertorRegistry) -> None:
    listed = {
        "kind": "ConfigMapList",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": "42", "continue": "token", "remainingItemCount": 3},
        "items": [{"metadata": meta("one", labels={"app": "x"}), "data": {"k": "v"}}],
    }
    table = make_table(registry, "", "ConfigMap", listed)
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert table["metadata"] == {"resourceVersion": "42", "continue": "token", "remainingItemCount": 3}
    assert table["rows"][0]["object"] == {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": meta("one", labels={"app": "x"}),
    }
    full = make_table(registry, "", "ConfigMap", listed, include_object="Object")
    assert full["rows"][0]["object"]["kind"] == "ConfigMap"
    assert full["rows"][0]["object"]["data"] == {"k": "v"}
    bare = make_table(registry, "", "ConfigMap", listed, include_object="None", no_headers=True)
    assert bare["columnDefinitions"] is None
    assert bare["rows"] == [{"cells": ["one", 1, "5s"], "object": None}]


class _CountingConvertor:
    """A stand-in for a custom resource's additionalPrinterColumns convertor."""

    def convert_to_table(self, obj: Object, options: TableOptions) -> Object:
        columns = (
            None
            if options.no_headers
            else [{"name": "Items", "type": "integer", "format": "", "description": "", "priority": 0}]
        )
        return new_table(
            obj, columns, [{"cells": [len(table_items(obj))], "object": item} for item in table_items(obj)]
        )


def test_registered_convertor_wins_until_unregistered() -> None:
    registry = TableConvertorRegistry(SchemaRegistry.for_version("1.37"))
    widgets = GroupResource("example.com", "widgets")
    assert registry.convertor_for(widgets, GroupKind("example.com", "Widget")) is registry.default
    convertor = _CountingConvertor()
    registry.register(widgets, convertor)
    assert registry.convertor_for(widgets, GroupKind("example.com", "Widget")) is convertor
    registry.unregister(widgets)
    registry.unregister(widgets)
    assert registry.convertor_for(widgets, GroupKind("example.com", "Widget")) is registry.default


def test_server_serves_tables_and_consults_its_registry(fakeapi: Any) -> None:
    server = fakeapi.server
    fakeapi.seed(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cm1", "namespace": "default"},
            "data": {"a": "b"},
        }
    )
    response = server.request("GET", "/api/v1/namespaces/default/configmaps/cm1", headers={"Accept": TABLE_ACCEPT})
    assert response.status == 200
    table = response.json()
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Data", "Age"]
    assert table["rows"][0]["cells"][:2] == ["cm1", 1]
    server.table_convertors.register(GroupResource("", "configmaps"), _CountingConvertor())
    try:
        listed = server.request("GET", "/api/v1/configmaps", headers={"Accept": TABLE_ACCEPT}).json()
    finally:
        server.table_convertors.unregister(GroupResource("", "configmaps"))
    assert [c["name"] for c in listed["columnDefinitions"]] == ["Items"]
    assert all(row["object"]["kind"] == "PartialObjectMetadata" for row in listed["rows"])
    bad = server.request("GET", "/api/v1/configmaps", query="includeObject=All", headers={"Accept": TABLE_ACCEPT})
    assert bad.status == 400
    # optionsForTransform with ValidateTableOptions' words.
    assert bad.json()["message"] == (
        'Unable to convert to Table as requested: includeObject: Invalid value: "All": '
        "must be 'Metadata', 'Object', 'None', or empty"
    )


def test_table_and_partial_metadata_forms_as_response_go_makes_them(fakeapi: Any) -> None:
    server = fakeapi.server
    fakeapi.seed({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm1", "namespace": "default"}})
    one, many = "/api/v1/namespaces/default/configmaps/cm1", "/api/v1/namespaces/default/configmaps"

    def get(path: str, accept: str, query: str = "") -> Any:
        return server.request("GET", path, query=query, headers={"Accept": accept})

    # An empty includeObject is Metadata; None leaves each row's object null (an empty RawExtension).
    empty = get(one, TABLE_ACCEPT, "includeObject=").json()
    assert empty["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    assert get(one, TABLE_ACCEPT, "includeObject=None").json()["rows"][0]["object"] is None
    # v1beta1 is still served, in v1beta1.
    beta = get(many, "application/json;as=Table;v=v1beta1;g=meta.k8s.io").json()
    assert beta["apiVersion"] == "meta.k8s.io/v1beta1"
    assert beta["rows"][0]["object"]["apiVersion"] == "meta.k8s.io/v1beta1"
    # asPartialObjectMetadata(List): the kind asked for must match the answer (406, the internal type named).
    as_list = get(one, "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io")
    assert as_list.status == 406
    assert as_list.json()["reason"] == "NotAcceptable"
    assert as_list.json()["message"] == (
        "you requested PartialObjectMetadataList, but the requested object is not a list (*core.ConfigMap)"
    )
    as_one = get(many, "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io")
    assert as_one.status == 406
    assert as_one.json()["message"] == (
        "you requested PartialObjectMetadata, but the requested object is a list (*core.ConfigMapList)"
    )
    deployments = get("/apis/apps/v1/deployments", "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io")
    assert deployments.json()["message"].endswith("(*apps.DeploymentList)")


def test_scale_subresource_table(fakeapi: Any) -> None:
    fakeapi.seed(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"a": "b"}},
                "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [CONTAINER]}},
            },
        }
    )
    response = fakeapi.server.request(
        "GET", "/apis/apps/v1/namespaces/default/deployments/web/scale", headers={"Accept": TABLE_ACCEPT}
    )
    table = response.json()
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Desired", "Available", "Age"]
    assert table["rows"][0]["cells"][:3] == ["web", 2, 0]


def test_pretty_output_for_the_asking_and_for_curl(fakeapi: Any) -> None:
    # negotiate.go isPrettyPrint: ?pretty decides; without it, curl, Wget and browsers get indented JSON
    # (json.MarshalIndent with two spaces, no newline at the end); everyone else gets the compact encoding.
    server = fakeapi.server
    fakeapi.seed({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm1", "namespace": "default"}})
    path = "/api/v1/namespaces/default/configmaps/cm1"
    compact = server.request("GET", path).body
    assert compact.endswith(b"}\n") and b"\n " not in compact
    pretty = server.request("GET", path, query="pretty=true").body
    assert pretty.startswith(b'{\n  "') and b'\n  "metadata": {\n    "name": "cm1",\n' in pretty
    assert not pretty.endswith(b"\n") and json.loads(pretty) == json.loads(compact)
    assert server.request("GET", path, headers={"User-Agent": "curl/8.5.0"}).body == pretty
    assert server.request("GET", path, query="pretty=false", headers={"User-Agent": "curl/8.5.0"}).body == compact
    assert server.request("GET", path, query="pretty=nonsense").body == compact
    missing = server.request("GET", path + "x", headers={"User-Agent": "Mozilla/5.0 (X11)"})
    assert missing.status == 404 and missing.body.startswith(b'{\n  "kind": "Status",')
