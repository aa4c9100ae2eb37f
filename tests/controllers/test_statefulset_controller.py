"""The StatefulSet controller (pkg/controller/statefulset): what a real cluster shows, step by step.

Pods become Running and Ready by hand (workload_helpers), so each test decides when the next
ordinal may come; upstream's own cases are in stateful_set_control_test.go.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from controller_helpers import Api
from freezegun import freeze_time
from workload_helpers import make_ready, ready_all_pods

from fakeapi.controllers.manager import without_simulation
from fakeapi.pytest_plugin.handle import FakeAPI
from fakeapi.pytest_plugin.kube_tools import ToolRunner
from fakeapi.server.instance import FakeAPIServer, ServerConfig
from fakeapi.storage.interfaces import ObjectKey

NS = "default"
SETS = f"/apis/apps/v1/namespaces/{NS}/statefulsets"
PODS = f"/api/v1/namespaces/{NS}/pods"
CLAIMS = f"/api/v1/namespaces/{NS}/persistentvolumeclaims"
REVISIONS = f"/apis/apps/v1/namespaces/{NS}/controllerrevisions"
REVISION_LABEL = "controller-revision-hash"


@pytest.fixture
def server() -> Iterator[FakeAPIServer]:
    instance = FakeAPIServer(ServerConfig(controllers=without_simulation("statefulset"), run_controllers=False))
    instance.settle()
    yield instance
    instance.check()


def stateful_set(name: str = "web", replicas: int = 3, image: str = "nginx:1", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "serviceName": name,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
            **spec,
        },
    }


def claim_template(name: str = "data") -> dict[str, Any]:
    return {
        "metadata": {"name": name, "labels": {"tier": "storage"}},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }


def pods(api: Api) -> dict[str, dict[str, Any]]:
    return {p["metadata"]["name"]: p for p in api.get(PODS)["items"]}


def status(api: Api, name: str = "web") -> dict[str, Any]:
    result: dict[str, Any] = api.get(f"{SETS}/{name}")["status"]
    return result


def revision_names(api: Api) -> list[str]:
    items = sorted(api.get(REVISIONS)["items"], key=lambda r: r["revision"])
    return [r["metadata"]["name"] for r in items]


def roll_out(server: FakeAPIServer, api: Api) -> None:
    """Settle, make every new pod ready, and again, until the controller creates nothing more."""
    server.settle()
    while ready_all_pods(server, NS):
        server.settle()


def set_image(api: Api, image: str, name: str = "web") -> None:
    api.merge_patch(
        f"{SETS}/{name}", {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}}}
    )


def make_unready(server: FakeAPIServer, name: str, phase: str = "Running") -> None:
    path = f"{PODS}/{name}"
    pod = server.request("GET", path).json()
    pod["status"]["phase"] = phase
    pod["status"]["conditions"] = [
        {**c, "status": "False"} if c["type"] in ("Ready", "ContainersReady") else c
        for c in pod["status"]["conditions"]
    ]
    assert server.request("PUT", f"{path}/status", pod).status == 200


def deleted_pods(server: FakeAPIServer, since: int) -> list[str]:
    """The names of the pods deleted after storage revision ``since``, in order."""
    watch = server.storage.watch("pods", NS, since)
    names = []
    try:
        while (event := watch.next_event(0.01)) is not None:
            if event.type == "DELETED":
                names.append(event.key.name)
    finally:
        watch.stop()
    return names


def test_ordered_ready_creates_one_ordinal_at_a_time(server: FakeAPIServer, api: Api) -> None:
    created = api.create(SETS, stateful_set())
    server.settle()
    assert list(pods(api)) == ["web-0"]
    pod = pods(api)["web-0"]
    revision = status(api)["updateRevision"]
    assert pod["metadata"]["labels"] == {
        "app": "web",
        "statefulset.kubernetes.io/pod-name": "web-0",
        "apps.kubernetes.io/pod-index": "0",
        REVISION_LABEL: revision,
    }
    assert pod["spec"]["hostname"] == "web-0"
    assert pod["spec"]["subdomain"] == "web"
    assert pod["metadata"]["ownerReferences"] == [
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "name": "web",
            "uid": created["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert status(api) == {
        "observedGeneration": 1,
        "replicas": 1,
        "availableReplicas": 0,
        "currentRevision": revision,
        "updateRevision": revision,
        "collisionCount": 0,
        "currentReplicas": 1,
        "updatedReplicas": 1,
    }

    # Nothing moves while web-0 is not Running and Ready.
    server.settle()
    assert list(pods(api)) == ["web-0"]
    make_ready(server, NS, "web-0")
    server.settle()
    assert list(pods(api)) == ["web-0", "web-1"]
    make_ready(server, NS, "web-1")
    server.settle()
    assert list(pods(api)) == ["web-0", "web-1", "web-2"]
    make_ready(server, NS, "web-2")
    server.settle()
    assert status(api) == {
        "observedGeneration": 1,
        "replicas": 3,
        "readyReplicas": 3,
        "availableReplicas": 3,
        "currentRevision": revision,
        "updateRevision": revision,
        "collisionCount": 0,
        "currentReplicas": 3,
        "updatedReplicas": 3,
    }


def test_start_ordinal_names_the_pods(server: FakeAPIServer, api: Api) -> None:
    api.create(SETS, stateful_set(replicas=2, ordinals={"start": 5}))
    roll_out(server, api)
    assert list(pods(api)) == ["web-5", "web-6"]
    assert pods(api)["web-6"]["metadata"]["labels"]["apps.kubernetes.io/pod-index"] == "6"
    assert status(api)["readyReplicas"] == 2


def test_parallel_creates_and_deletes_all_at_once(server: FakeAPIServer, api: Api) -> None:
    api.create(SETS, stateful_set(podManagementPolicy="Parallel"))
    server.settle()
    assert list(pods(api)) == ["web-0", "web-1", "web-2"]
    assert status(api)["replicas"] == 3

    # Scaling down does not wait for the unready web-0.
    since = server.storage.current_revision
    api.merge_patch(f"{SETS}/web", {"spec": {"replicas": 1}})
    server.settle()
    assert list(pods(api)) == ["web-0"]
    assert sorted(deleted_pods(server, since)) == ["web-1", "web-2"]


def test_ordered_scale_down_from_the_highest_ordinal_waits_for_health(server: FakeAPIServer, api: Api) -> None:
    api.create(SETS, stateful_set())
    roll_out(server, api)
    make_unready(server, "web-0")
    server.settle()

    since = server.storage.current_revision
    api.merge_patch(f"{SETS}/web", {"spec": {"replicas": 1}})
    server.settle()
    assert list(pods(api)) == ["web-0", "web-1", "web-2"], "scale down waits while web-0 is not ready"

    make_ready(server, NS, "web-0")
    server.settle()
    assert list(pods(api)) == ["web-0"]
    assert deleted_pods(server, since) == ["web-2", "web-1"]
    assert status(api)["replicas"] == 1
    assert status(api)["readyReplicas"] == 1


def test_rolling_update_with_partition_then_complete(server: FakeAPIServer, api: Api) -> None:
    api.create(SETS, stateful_set(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 1}}))
    roll_out(server, api)
    old = status(api)["currentRevision"]

    since = server.storage.current_revision
    set_image(api, "nginx:2")
    server.settle()
    new = status(api)["updateRevision"]
    assert new != old
    assert revision_names(api) == [old, new]
    # The highest ordinal goes first and comes back at the update revision, not ready yet.
    assert deleted_pods(server, since) == ["web-2"]
    current = pods(api)
    assert current["web-2"]["metadata"]["labels"][REVISION_LABEL] == new
    assert current["web-2"]["spec"]["containers"][0]["image"] == "nginx:2"
    assert status(api)["currentRevision"] == old

    # Ordinals from the partition (1) up are updated, one after the other; web-0 keeps the old revision.
    make_ready(server, NS, "web-2")
    server.settle()
    assert deleted_pods(server, since) == ["web-2", "web-1"]
    make_ready(server, NS, "web-1")
    server.settle()
    current = pods(api)
    assert {name: p["metadata"]["labels"][REVISION_LABEL] for name, p in current.items()} == {
        "web-0": old,
        "web-1": new,
        "web-2": new,
    }
    assert status(api) == {
        "observedGeneration": 2,
        "replicas": 3,
        "readyReplicas": 3,
        "availableReplicas": 3,
        "currentRevision": old,
        "updateRevision": new,
        "collisionCount": 0,
        "currentReplicas": 1,
        "updatedReplicas": 2,
    }

    # Lowering the partition finishes the rollout, and the update revision becomes the current one.
    api.merge_patch(f"{SETS}/web", {"spec": {"updateStrategy": {"rollingUpdate": {"partition": 0}}}})
    roll_out(server, api)
    final = status(api)
    assert final["currentRevision"] == final["updateRevision"] == new
    assert final["currentReplicas"] == final["updatedReplicas"] == 3
    assert {p["metadata"]["labels"][REVISION_LABEL] for p in pods(api).values()} == {new}


def test_rolling_update_waits_for_each_pod(server: FakeAPIServer, api: Api) -> None:
    api.create(SETS, stateful_set())
    roll_out(server, api)
    since = server.storage.current_revision
    set_image(api, "nginx:2")
    server.settle()
    assert deleted_pods(server, since) == ["web-2"]
    make_ready(server, NS, "web-2")
    server.settle()
    assert deleted_pods(server, since) == ["web-2", "web-1"]
    make_ready(server, NS, "web-1")
    server.settle()
    assert deleted_pods(server, since) == ["web-2", "web-1", "web-0"]
    assert status(api)["currentRevision"] != status(api)["updateRevision"]
    make_ready(server, NS, "web-0")
    server.settle()
    assert status(api)["currentRevision"] == status(api)["updateRevision"]


def test_rolling_update_max_unavailable(server: FakeAPIServer, api: Api) -> None:
    api.create(SETS, stateful_set(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 2}}))
    roll_out(server, api)
    since = server.storage.current_revision
    set_image(api, "nginx:2")
    server.settle()
    assert deleted_pods(server, since) == ["web-2", "web-1"]


def test_on_delete_updates_only_pods_deleted_by_hand(server: FakeAPIServer, api: Api) -> None:
    api.create(SETS, stateful_set(updateStrategy={"type": "OnDelete"}))
    roll_out(server, api)
    old = status(api)["currentRevision"]
    set_image(api, "nginx:2")
    server.settle()
    new = status(api)["updateRevision"]
    assert new != old
    assert {p["metadata"]["labels"][REVISION_LABEL] for p in pods(api).values()} == {old}
    # updatedReplicas is 0, which the API leaves out.
    assert "updatedReplicas" not in status(api)

    api.delete(f"{PODS}/web-1")
    server.settle()
    recreated = pods(api)["web-1"]
    assert recreated["metadata"]["labels"][REVISION_LABEL] == new
    assert recreated["spec"]["containers"][0]["image"] == "nginx:2"
    make_ready(server, NS, "web-1")
    server.settle()
    assert status(api)["updatedReplicas"] == 1
    assert status(api)["currentReplicas"] == 2
    assert status(api)["currentRevision"] == old


def test_failed_pod_is_deleted_and_recreated(server: FakeAPIServer, api: Api) -> None:
    api.create(SETS, stateful_set(replicas=1))
    roll_out(server, api)
    uid = pods(api)["web-0"]["metadata"]["uid"]
    make_unready(server, "web-0", phase="Failed")
    server.settle()
    pod = pods(api)["web-0"]
    assert pod["metadata"]["uid"] != uid
    assert pod["status"]["phase"] == "Pending"


def test_revisions_rollback_and_history_limit(server: FakeAPIServer, api: Api) -> None:
    api.create(SETS, stateful_set(replicas=1, revisionHistoryLimit=1))
    roll_out(server, api)
    first = status(api)["currentRevision"]
    revision = api.get(f"{REVISIONS}/{first}")
    template = api.get(f"{SETS}/web")["spec"]["template"]
    assert revision["data"] == {"spec": {"template": {**template, "$patch": "replace"}}}
    assert revision["revision"] == 1
    assert revision["metadata"]["labels"] == {"app": "web", REVISION_LABEL: first.removeprefix("web-")}

    set_image(api, "nginx:2")
    roll_out(server, api)
    second = status(api)["currentRevision"]
    assert revision_names(api) == [first, second]

    # Back to the first template: the same revision comes back with the next number.
    set_image(api, "nginx:1")
    roll_out(server, api)
    assert status(api)["currentRevision"] == first
    assert api.get(f"{REVISIONS}/{first}")["revision"] == 3
    assert revision_names(api) == [second, first]

    # A third template: the oldest revision no pod uses goes beyond the limit of one.
    set_image(api, "nginx:3")
    roll_out(server, api)
    third = status(api)["currentRevision"]
    assert revision_names(api) == [first, third]


def test_claims_created_before_pods_with_retain_policy(server: FakeAPIServer, api: Api) -> None:
    api.create(SETS, stateful_set(replicas=2, volumeClaimTemplates=[claim_template()]))
    roll_out(server, api)
    claims = {c["metadata"]["name"]: c for c in api.get(CLAIMS)["items"]}
    assert sorted(claims) == ["data-web-0", "data-web-1"]
    assert claims["data-web-0"]["metadata"]["labels"] == {"tier": "storage", "app": "web"}
    assert "ownerReferences" not in claims["data-web-0"]["metadata"]
    assert claims["data-web-1"]["spec"]["resources"] == {"requests": {"storage": "1Gi"}}
    # The claim was written before its pod.
    claim_rv = int(claims["data-web-1"]["metadata"]["resourceVersion"])
    assert claim_rv < int(pods(api)["web-1"]["metadata"]["resourceVersion"])
    # First the claim's volume, then the token volume ServiceAccount admission adds.
    assert pods(api)["web-1"]["spec"]["volumes"][0] == {
        "name": "data",
        "persistentVolumeClaim": {"claimName": "data-web-1"},
    }

    api.merge_patch(f"{SETS}/web", {"spec": {"replicas": 1}})
    roll_out(server, api)
    api.delete(f"{SETS}/web")
    server.settle()
    assert sorted(c["metadata"]["name"] for c in api.get(CLAIMS)["items"]) == ["data-web-0", "data-web-1"]


def test_claims_deleted_with_the_set_and_on_scale_down(server: FakeAPIServer, api: Api) -> None:
    created = api.create(
        SETS,
        stateful_set(
            replicas=2,
            volumeClaimTemplates=[claim_template()],
            persistentVolumeClaimRetentionPolicy={"whenDeleted": "Delete", "whenScaled": "Delete"},
        ),
    )
    roll_out(server, api)
    set_ref = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "name": "web",
        "uid": created["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }
    claims = {c["metadata"]["name"]: c for c in api.get(CLAIMS)["items"]}
    assert claims["data-web-0"]["metadata"]["ownerReferences"] == [set_ref]
    assert claims["data-web-1"]["metadata"]["ownerReferences"] == [set_ref]

    # Scaled down: the claim goes to the pod, and with the pod through the garbage collector.
    pod_uid = pods(api)["web-1"]["metadata"]["uid"]
    since = server.storage.current_revision
    api.merge_patch(f"{SETS}/web", {"spec": {"replicas": 1}})
    server.settle()
    assert sorted(c["metadata"]["name"] for c in api.get(CLAIMS)["items"]) == ["data-web-0"]
    watch = server.storage.watch("persistentvolumeclaims", NS, since)
    events = []
    while (event := watch.next_event(0.01)) is not None:
        events.append((event.type, event.object["metadata"].get("ownerReferences")))
    watch.stop()
    assert events[0] == (
        "MODIFIED",
        [
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "name": "web-1",
                "uid": pod_uid,
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ],
    )
    assert events[-1][0] == "DELETED"

    # Scaled up again: a fresh claim for the new web-1.
    api.merge_patch(f"{SETS}/web", {"spec": {"replicas": 2}})
    roll_out(server, api)
    claim = api.get(f"{CLAIMS}/data-web-1")
    assert claim["metadata"]["ownerReferences"] == [set_ref]

    # The set deleted: its claims go with it.
    api.delete(f"{SETS}/web")
    server.settle()
    assert api.get(CLAIMS)["items"] == []
    assert server.storage.get(ObjectKey("apps/statefulsets", NS, "web")) is None


def test_claims_kept_on_scale_down_and_deleted_with_the_set(server: FakeAPIServer, api: Api) -> None:
    created = api.create(
        SETS,
        stateful_set(
            replicas=2,
            volumeClaimTemplates=[claim_template()],
            persistentVolumeClaimRetentionPolicy={"whenDeleted": "Delete", "whenScaled": "Retain"},
        ),
    )
    roll_out(server, api)
    api.merge_patch(f"{SETS}/web", {"spec": {"replicas": 1}})
    roll_out(server, api)
    claim = api.get(f"{CLAIMS}/data-web-1")
    assert [r["uid"] for r in claim["metadata"]["ownerReferences"]] == [created["metadata"]["uid"]]
    api.delete(f"{SETS}/web")
    server.settle()
    assert api.get(CLAIMS)["items"] == []


def test_orphan_pod_is_adopted(server: FakeAPIServer, api: Api) -> None:
    api.create(
        PODS,
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web-0", "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "app", "image": "nginx:1"}]},
        },
    )
    created = api.create(SETS, stateful_set(replicas=1))
    server.settle()
    pod = pods(api)["web-0"]
    assert pod["metadata"]["ownerReferences"][0]["uid"] == created["metadata"]["uid"]
    assert "statefulset.kubernetes.io/pod-name" not in pod["metadata"]["labels"]
    # Its identity is restored once it is Running and Ready (processReplica waits for that first).
    make_ready(server, NS, "web-0")
    server.settle()
    pod = pods(api)["web-0"]
    assert pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] == "web-0"
    assert pod["metadata"]["labels"]["apps.kubernetes.io/pod-index"] == "0"


KUBECTL_MANIFEST = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  replicas: 3
  serviceName: web
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: nginx:1}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
"""


def test_kubectl_rollout_status_statefulset(kubectl: ToolRunner) -> None:
    kubectl("apply", "-f", "-", input=KUBECTL_MANIFEST)
    out = kubectl("rollout", "status", "statefulset/web", "--timeout=30s").stdout
    assert "partitioned roll out complete: 3 new pods have been updated..." in out


@pytest.mark.fakeapi(controllers=without_simulation("statefulset"))
def test_kubectl_rollout_status_and_scale_with_pods_made_ready_by_hand(fakeapi: FakeAPI, kubectl: ToolRunner) -> None:
    """The same through kubectl while the pods are made ready by the test instead of a kubelet."""
    kubectl("apply", "-f", "-", input=KUBECTL_MANIFEST)
    fakeapi.server.settle()
    while ready_all_pods(fakeapi.server, NS):
        fakeapi.server.settle()
    out = kubectl("rollout", "status", "statefulset/web", "--timeout=10s").stdout
    assert out == "partitioned roll out complete: 3 new pods have been updated...\n"
    claims = kubectl("get", "pvc", "-o", "name").stdout.split()
    assert claims == [f"persistentvolumeclaim/data-web-{i}" for i in range(3)]

    kubectl("scale", "statefulset/web", "--replicas=1")
    fakeapi.server.settle()
    assert kubectl("get", "pods", "-o", "name").stdout.split() == ["pod/web-0"]
    ready = kubectl("get", "statefulset", "web", "-o", "jsonpath={.status.readyReplicas}/{.status.replicas}").stdout
    assert ready == "1/1"


def test_min_ready_seconds_holds_the_next_ordinal_until_available(server: FakeAPIServer, api: Api) -> None:
    with freeze_time("2031-05-06T07:08:09Z", ignore=["kubernetes"]) as frozen:
        api.create(SETS, stateful_set(replicas=2, minReadySeconds=10))
        server.settle()
        make_ready(server, NS, "web-0")
        server.settle()
        assert list(pods(api)) == ["web-0"]
        assert status(api)["readyReplicas"] == 1
        assert status(api)["availableReplicas"] == 0

        frozen.tick(10)
        server.settle()
        assert list(pods(api)) == ["web-0", "web-1"]
        assert status(api)["availableReplicas"] == 1


def test_the_set_records_its_writes_as_recordpodevent_does(server: FakeAPIServer, api: Api) -> None:
    # stateful_pod_control.go: recordPodEvent and recordClaimEvent, as kubectl describe statefulset shows them.
    api.create(SETS, stateful_set(replicas=1, podManagementPolicy="Parallel", volumeClaimTemplates=[claim_template()]))
    server.settle()
    api.merge_patch(f"{SETS}/web", {"spec": {"replicas": 0}})
    server.settle()
    assert api.events_about("StatefulSet", "web", NS) == [
        ("Normal", "SuccessfulCreate", "create Claim data-web-0 Pod web-0 in StatefulSet web success"),
        ("Normal", "SuccessfulCreate", "create Pod web-0 in StatefulSet web successful"),
        ("Normal", "SuccessfulDelete", "delete Pod web-0 in StatefulSet web successful"),
    ]


def test_a_refused_pod_is_a_failed_create_event(server: FakeAPIServer, api: Api) -> None:
    api.create(
        "/api/v1/namespaces",
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "locked", "labels": {"pod-security.kubernetes.io/enforce": "baseline"}},
        },
    )
    privileged = stateful_set(replicas=1)
    privileged["spec"]["template"]["spec"]["containers"][0]["securityContext"] = {"privileged": True}
    api.create("/apis/apps/v1/namespaces/locked/statefulsets", privileged)
    server.settle()
    [failed] = set(api.events_about("StatefulSet", "web", "locked"))
    assert failed[:2] == ("Warning", "FailedCreate")
    assert failed[2] == (
        'create Pod web-0 in StatefulSet web failed error: pods "web-0" is forbidden: violates PodSecurity '
        '"baseline:latest": privileged (container "app" must not set securityContext.privileged=true)'
    )
