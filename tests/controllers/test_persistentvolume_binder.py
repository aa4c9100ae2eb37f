"""The PersistentVolume binder (pv_controller.go) with the scheduler's volume binding.

Claims bind to matching static volumes, get volumes provisioned from their class (after their
first pod is scheduled for WaitForFirstConsumer classes), and their volumes are released and
reclaimed when they go.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from controller_helpers import Api

from fakeapi.controllers.manager import without_simulation
from fakeapi.server.instance import FakeAPIServer, ServerConfig

KIND_STORAGE_CLASS = Path(__file__).parents[2] / "fixtures" / "kind" / "storageclass.yaml"
BINDER_AGENT = "/system:serviceaccount:kube-system:persistent-volume-binder"
CLAIMS = "/api/v1/namespaces/default/persistentvolumeclaims"


@pytest.fixture
def cluster() -> Iterator[FakeAPIServer]:
    """A server stepped by hand with the binder and the scheduler enabled."""
    instance = FakeAPIServer(
        ServerConfig(run_controllers=False, controllers=without_simulation("persistentvolume-binder", "scheduler"))
    )
    yield instance
    instance.check()


@pytest.fixture
def kapi(cluster: FakeAPIServer) -> Api:
    return Api(cluster)


def volume(name: str, storage: str = "1Gi", **spec: Any) -> dict[str, Any]:
    labels = spec.pop("labels", None)
    body: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name, **({"labels": labels} if labels else {})},
        "spec": {
            "capacity": {"storage": storage},
            "accessModes": ["ReadWriteOnce"],
            "hostPath": {"path": f"/data/{name}"},
            **spec,
        },
    }
    return body


def claim(name: str, storage: str = "1Gi", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": storage}}, **spec},
    }


def storage_class(name: str, provisioner: str, **fields: Any) -> dict[str, Any]:
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": name},
        "provisioner": provisioner,
        **fields,
    }


def create_node(api: Api, name: str) -> None:
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}}}
    created = api.create("/api/v1/nodes", node)
    resources = {"cpu": "4", "memory": "8Gi", "pods": "110"}
    created["status"] = {"capacity": resources, "allocatable": resources}
    api.call("PUT", f"/api/v1/nodes/{name}/status", created)


def pod_with_claim(name: str, claim_name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {
            "containers": [{"name": "app", "image": "nginx", "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim_name}}],
        },
    }


def test_a_claim_binds_to_the_smallest_matching_available_volume(cluster: FakeAPIServer, kapi: Api) -> None:
    kapi.create("/api/v1/persistentvolumes", volume("big", "10Gi", storageClassName="manual"))
    kapi.create("/api/v1/persistentvolumes", volume("small", "2Gi", storageClassName="manual"))
    kapi.create("/api/v1/persistentvolumes", volume("tiny", "500Mi", storageClassName="manual"))
    kapi.create("/api/v1/persistentvolumes", volume("other-class", "2Gi", storageClassName="fast"))
    kapi.create(
        "/api/v1/persistentvolumes", volume("read-only", "2Gi", storageClassName="manual", accessModes=["ReadOnlyMany"])
    )
    kapi.create(CLAIMS, claim("data", "1Gi", storageClassName="manual"))

    cluster.settle()

    pvc = kapi.get(f"{CLAIMS}/data")
    pv = kapi.get("/api/v1/persistentvolumes/small")
    assert pvc["spec"]["volumeName"] == "small"
    assert pvc["metadata"]["annotations"] == {
        "pv.kubernetes.io/bind-completed": "yes",
        "pv.kubernetes.io/bound-by-controller": "yes",
    }
    assert pvc["status"] == {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "2Gi"}}
    assert pv["status"]["phase"] == "Bound"
    assert pv["metadata"]["annotations"] == {"pv.kubernetes.io/bound-by-controller": "yes"}
    ref = pv["spec"]["claimRef"]
    assert (ref["kind"], ref["namespace"], ref["name"], ref["uid"]) == (
        "PersistentVolumeClaim",
        "default",
        "data",
        pvc["metadata"]["uid"],
    )
    phases = {
        name: kapi.get(f"/api/v1/persistentvolumes/{name}")["status"]["phase"]
        for name in ("big", "tiny", "other-class", "read-only")
    }
    assert phases == {"big": "Available", "tiny": "Available", "other-class": "Available", "read-only": "Available"}
    writes = cluster.audit_log.requests("update", ("persistentvolumes", "persistentvolumeclaims"))
    assert writes and all(e.user_agent.endswith(BINDER_AGENT) for e in writes)


def test_selector_and_volume_name_choose_the_volume(cluster: FakeAPIServer, kapi: Api) -> None:
    kapi.create("/api/v1/persistentvolumes", volume("plain", storageClassName=""))
    kapi.create("/api/v1/persistentvolumes", volume("labelled", "5Gi", storageClassName="", labels={"tier": "db"}))
    kapi.create("/api/v1/persistentvolumes", volume("named", "5Gi", storageClassName=""))
    kapi.create(CLAIMS, claim("by-label", storageClassName="", selector={"matchLabels": {"tier": "db"}}))
    kapi.create(CLAIMS, claim("by-name", storageClassName="", volumeName="named"))
    kapi.create(CLAIMS, claim("unmatched", "100Gi", storageClassName=""))

    cluster.settle()

    assert kapi.get(f"{CLAIMS}/by-label")["spec"]["volumeName"] == "labelled"
    by_name = kapi.get(f"{CLAIMS}/by-name")
    assert by_name["spec"]["volumeName"] == "named"
    # Named by the user, so not bound by the controller on the claim's side.
    assert by_name["metadata"]["annotations"] == {"pv.kubernetes.io/bind-completed": "yes"}
    unmatched = kapi.get(f"{CLAIMS}/unmatched")
    assert unmatched["status"]["phase"] == "Pending"
    assert "volumeName" not in unmatched["spec"]
    assert kapi.get("/api/v1/persistentvolumes/plain")["status"]["phase"] == "Available"


def test_a_claim_of_an_immediate_class_gets_a_provisioned_volume(cluster: FakeAPIServer, kapi: Api) -> None:
    kapi.create(
        "/apis/storage.k8s.io/v1/storageclasses",
        storage_class("fast", "ebs.csi.aws.com", reclaimPolicy="Retain", mountOptions=["noatime"]),
    )
    kapi.create(CLAIMS, claim("data", "3Gi", storageClassName="fast"))

    cluster.settle()

    pvc = kapi.get(f"{CLAIMS}/data")
    name = f"pvc-{pvc['metadata']['uid']}"
    assert pvc["spec"]["volumeName"] == name
    assert pvc["metadata"]["annotations"] == {
        "pv.kubernetes.io/bind-completed": "yes",
        "pv.kubernetes.io/bound-by-controller": "yes",
        "volume.beta.kubernetes.io/storage-provisioner": "ebs.csi.aws.com",
        "volume.kubernetes.io/storage-provisioner": "ebs.csi.aws.com",
    }
    assert pvc["status"] == {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "3Gi"}}
    pv = kapi.get(f"/api/v1/persistentvolumes/{name}")
    assert pv["metadata"]["annotations"] == {"pv.kubernetes.io/provisioned-by": "ebs.csi.aws.com"}
    assert pv["spec"]["csi"] == {"driver": "ebs.csi.aws.com", "volumeHandle": name}
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert pv["spec"]["mountOptions"] == ["noatime"]
    assert pv["spec"]["storageClassName"] == "fast"
    assert "nodeAffinity" not in pv["spec"]
    assert pv["status"]["phase"] == "Bound"


def test_wait_for_first_consumer_provisions_on_the_scheduled_node(cluster: FakeAPIServer, kapi: Api) -> None:
    kapi.create("/apis/storage.k8s.io/v1/storageclasses", yaml.safe_load(KIND_STORAGE_CLASS.read_text()))
    create_node(kapi, "worker-a")
    create_node(kapi, "worker-b")
    kapi.create(CLAIMS, claim("data", storageClassName="standard"))

    cluster.settle()
    waiting = kapi.get(f"{CLAIMS}/data")
    assert waiting["status"]["phase"] == "Pending"
    assert "annotations" not in waiting["metadata"]
    assert kapi.get("/api/v1/persistentvolumes")["items"] == []

    kapi.create("/api/v1/namespaces/default/pods", pod_with_claim("db", "data"))
    cluster.settle()

    pvc = kapi.get(f"{CLAIMS}/data")
    assert pvc["metadata"]["annotations"]["volume.kubernetes.io/selected-node"] == "worker-a"
    assert pvc["metadata"]["annotations"]["volume.kubernetes.io/storage-provisioner"] == "rancher.io/local-path"
    assert pvc["status"]["phase"] == "Bound"
    name = f"pvc-{pvc['metadata']['uid']}"
    pv = kapi.get(f"/api/v1/persistentvolumes/{name}")
    assert pv["spec"]["hostPath"] == {
        "path": f"/var/local-path-provisioner/{name}_default_data",
        "type": "DirectoryOrCreate",
    }
    assert pv["spec"]["nodeAffinity"] == {
        "required": {
            "nodeSelectorTerms": [
                {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": ["worker-a"]}]}
            ]
        }
    }
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Delete"
    assert kapi.get("/api/v1/namespaces/default/pods/db")["spec"]["nodeName"] == "worker-a"

    # A second pod of the same claim can only go where the volume is.
    kapi.create("/api/v1/namespaces/default/pods", pod_with_claim("reader", "data"))
    cluster.settle()
    assert kapi.get("/api/v1/namespaces/default/pods/reader")["spec"]["nodeName"] == "worker-a"


def test_a_pod_waits_for_its_immediate_claim_and_a_missing_one(cluster: FakeAPIServer, kapi: Api) -> None:
    create_node(kapi, "worker")
    kapi.create(CLAIMS, claim("unbound", storageClassName="none-such"))
    kapi.create("/api/v1/namespaces/default/pods", pod_with_claim("blocked", "unbound"))
    kapi.create("/api/v1/namespaces/default/pods", pod_with_claim("orphan", "missing"))

    cluster.settle()

    def message(name: str) -> str:
        pod = kapi.get(f"/api/v1/namespaces/default/pods/{name}")
        assert "nodeName" not in pod["spec"]
        return next(c["message"] for c in pod["status"]["conditions"] if c["type"] == "PodScheduled")

    assert message("blocked") == (
        "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. "
        "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
    )
    assert message("orphan") == (
        '0/1 nodes are available: persistentvolumeclaim "missing" not found. '
        "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
    )

    # A volume for the claim arrives: the claim binds, and the pod follows.
    kapi.create("/api/v1/persistentvolumes", volume("late", storageClassName="none-such"))
    cluster.settle()
    assert kapi.get("/api/v1/namespaces/default/pods/blocked")["spec"]["nodeName"] == "worker"


def test_a_deleted_claim_releases_its_volume_which_is_reclaimed_by_policy(cluster: FakeAPIServer, kapi: Api) -> None:
    kapi.create(
        "/api/v1/persistentvolumes", volume("kept", storageClassName="manual", persistentVolumeReclaimPolicy="Retain")
    )
    kapi.create(
        "/api/v1/persistentvolumes",
        volume("dropped", "2Gi", storageClassName="manual", persistentVolumeReclaimPolicy="Delete"),
    )
    kapi.create(CLAIMS, claim("first", storageClassName="manual", volumeName="kept"))
    kapi.create(CLAIMS, claim("second", storageClassName="manual", volumeName="dropped"))
    cluster.settle()
    assert kapi.get("/api/v1/persistentvolumes/kept")["status"]["phase"] == "Bound"
    assert kapi.get("/api/v1/persistentvolumes/dropped")["status"]["phase"] == "Bound"

    kapi.delete(f"{CLAIMS}/first")
    kapi.delete(f"{CLAIMS}/second")
    cluster.settle()

    kept = kapi.get("/api/v1/persistentvolumes/kept")
    assert kept["status"]["phase"] == "Released"
    assert kept["spec"]["claimRef"]["name"] == "first"
    assert kapi.absent("/api/v1/persistentvolumes/dropped")
    # A new claim does not take a Released volume.
    kapi.create(CLAIMS, claim("third", storageClassName="manual"))
    cluster.settle()
    assert kapi.get(f"{CLAIMS}/third")["status"]["phase"] == "Pending"


def test_a_provisioned_volume_goes_with_its_claim(cluster: FakeAPIServer, kapi: Api) -> None:
    kapi.create("/apis/storage.k8s.io/v1/storageclasses", storage_class("fast", "ebs.csi.aws.com"))
    kapi.create(CLAIMS, claim("scratch", storageClassName="fast"))
    cluster.settle()
    name = kapi.get(f"{CLAIMS}/scratch")["spec"]["volumeName"]

    kapi.delete(f"{CLAIMS}/scratch")
    cluster.settle()

    assert kapi.absent(f"/api/v1/persistentvolumes/{name}")
    deletes = cluster.audit_log.requests("delete", "persistentvolumes", name=name)
    assert [e.user_agent.endswith(BINDER_AGENT) for e in deletes] == [True]


def test_a_claim_without_a_class_gets_the_default_one_and_a_volume(cluster: FakeAPIServer, kapi: Api) -> None:
    kapi.create("/apis/storage.k8s.io/v1/storageclasses", storage_class("slow", "example.com/slow"))
    kapi.create("/apis/storage.k8s.io/v1/storageclasses", yaml.safe_load(KIND_STORAGE_CLASS.read_text()))
    create_node(kapi, "kind-control-plane")
    created = kapi.create(CLAIMS, claim("data"))
    explicit_none = kapi.create(CLAIMS, claim("no-class", storageClassName=""))
    kapi.create("/api/v1/namespaces/default/pods", pod_with_claim("app", "data"))

    # DefaultStorageClass admission: absent means the default, "" means none.
    assert created["spec"]["storageClassName"] == "standard"
    assert created["status"] == {"phase": "Pending"}
    assert explicit_none["spec"]["storageClassName"] == ""
    cluster.settle()

    pvc = kapi.get(f"{CLAIMS}/data")
    assert pvc["status"]["phase"] == "Bound"
    assert kapi.get(f"/api/v1/persistentvolumes/{pvc['spec']['volumeName']}")["spec"]["storageClassName"] == "standard"
    assert kapi.get("/api/v1/namespaces/default/pods/app")["spec"]["nodeName"] == "kind-control-plane"
    assert kapi.get(f"{CLAIMS}/no-class")["status"]["phase"] == "Pending"


def test_wait_for_first_consumer_takes_a_local_volume_where_it_is(cluster: FakeAPIServer, kapi: Api) -> None:
    kapi.create(
        "/apis/storage.k8s.io/v1/storageclasses",
        storage_class("local-storage", "kubernetes.io/no-provisioner", volumeBindingMode="WaitForFirstConsumer"),
    )
    create_node(kapi, "worker-a")
    create_node(kapi, "worker-b")
    on_b = {"kubernetes.io/hostname": "worker-b"}
    affinity = {
        "required": {
            "nodeSelectorTerms": [
                {"matchExpressions": [{"key": k, "operator": "In", "values": [v]} for k, v in on_b.items()]}
            ]
        }
    }
    kapi.create("/api/v1/persistentvolumes", volume("local-b", storageClassName="local-storage", nodeAffinity=affinity))
    kapi.create(CLAIMS, claim("data", storageClassName="local-storage"))
    cluster.settle()
    # Not bound before a pod needs it: the pod's node decides which local volume fits.
    assert kapi.get(f"{CLAIMS}/data")["status"]["phase"] == "Pending"
    assert kapi.get("/api/v1/persistentvolumes/local-b")["status"]["phase"] == "Available"

    kapi.create("/api/v1/namespaces/default/pods", pod_with_claim("db", "data"))
    kapi.create(CLAIMS, claim("more", storageClassName="local-storage"))
    kapi.create("/api/v1/namespaces/default/pods", pod_with_claim("stuck", "more"))
    cluster.settle()

    assert kapi.get("/api/v1/namespaces/default/pods/db")["spec"]["nodeName"] == "worker-b"
    pvc = kapi.get(f"{CLAIMS}/data")
    assert (pvc["spec"]["volumeName"], pvc["status"]["phase"]) == ("local-b", "Bound")
    assert "volume.kubernetes.io/selected-node" not in pvc["metadata"]["annotations"]
    pv = kapi.get("/api/v1/persistentvolumes/local-b")
    assert pv["metadata"]["annotations"] == {"pv.kubernetes.io/bound-by-controller": "yes"}
    assert pv["status"]["phase"] == "Bound"
    stuck = kapi.get("/api/v1/namespaces/default/pods/stuck")
    assert next(c["message"] for c in stuck["status"]["conditions"] if c["type"] == "PodScheduled") == (
        "0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind. "
        "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
    )


def test_a_waiting_claim_says_what_it_waits_for(cluster: FakeAPIServer, kapi: Api) -> None:
    # pv_controller.go's syncUnboundClaim: emitEventForUnboundDelayBindingClaim for a WaitForFirstConsumer
    # claim (naming the pods using it that are not scheduled yet), FailedBinding for one with no class.
    kapi.create("/apis/storage.k8s.io/v1/storageclasses", yaml.safe_load(KIND_STORAGE_CLASS.read_text()))
    kapi.create(CLAIMS, claim("data", storageClassName="standard"))
    cluster.settle()
    assert kapi.events_about("PersistentVolumeClaim", "data") == [
        ("Normal", "WaitForFirstConsumer", "waiting for first consumer to be created before binding")
    ]
    [event] = kapi.get("/api/v1/namespaces/default/events")["items"]
    assert event["source"] == {"component": "persistentvolume-controller"}
    # No node fits: the pod stays unscheduled, and the claim's next resync says it waits for it.
    kapi.create("/api/v1/namespaces/default/pods", pod_with_claim("db", "data"))
    cluster.settle()
    try:
        cluster.clock.advance(15)
    finally:
        cluster.clock.stop()  # the freeze the move started: later tests in this process need the real time
    assert ("Normal", "WaitForPodScheduled", "waiting for pod db to be scheduled") in kapi.events_about(
        "PersistentVolumeClaim", "data"
    )

    kapi.create(CLAIMS, claim("classless", storageClassName=""))
    cluster.settle()
    assert kapi.events_about("PersistentVolumeClaim", "classless") == [
        ("Normal", "FailedBinding", "no persistent volumes available for this claim and no storage class is set")
    ]
