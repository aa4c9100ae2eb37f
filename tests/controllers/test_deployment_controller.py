"""The deployment controller (pkg/controller/deployment), stepped by hand.

No replicaset controller or kubelet runs here: a test plays their part by writing each
ReplicaSet's status (``rs_status``), and asserts what the deployment controller does at each
step, as upstream's own tests do (rolling_test.go, recreate_test.go, sync_test.go, progress_test.go).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from controller_helpers import Api
from freezegun import freeze_time
from workload_helpers import make_ready

from fakeapi.controllers.manager import without_simulation
from fakeapi.server.instance import FakeAPIServer, ServerConfig

NS = "default"
DEPLOYMENTS = f"/apis/apps/v1/namespaces/{NS}/deployments"
REPLICASETS = f"/apis/apps/v1/namespaces/{NS}/replicasets"
REVISION = "deployment.kubernetes.io/revision"
HASH = "pod-template-hash"


@pytest.fixture
def server() -> Iterator[FakeAPIServer]:
    instance = FakeAPIServer(ServerConfig(controllers=without_simulation("deployment"), run_controllers=False))
    yield instance
    instance.check()


@pytest.fixture
def api(server: FakeAPIServer) -> Api:
    return Api(server)


def deployment_manifest(name: str = "web", replicas: int = 4, image: str = "nginx:1.27", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "web", "image": image}]},
            },
            **spec,
        },
    }


def create(api: Api, **kwargs: Any) -> dict[str, Any]:
    created: dict[str, Any] = api.create(DEPLOYMENTS, deployment_manifest(**kwargs))
    api.server.settle()
    return created


def deployment(api: Api, name: str = "web") -> dict[str, Any]:
    result: dict[str, Any] = api.get(f"{DEPLOYMENTS}/{name}")
    return result


def replica_sets(api: Api) -> list[dict[str, Any]]:
    """The namespace's ReplicaSets, lowest revision first."""
    items = api.get(REPLICASETS)["items"]
    return sorted(items, key=lambda rs: int(rs["metadata"]["annotations"][REVISION]))


def sizes(api: Api) -> list[int]:
    """spec.replicas of every ReplicaSet, lowest revision first."""
    return [rs["spec"]["replicas"] for rs in replica_sets(api)]


def rs_status(api: Api, name: str, replicas: int, available: int | None = None, **extra: Any) -> None:
    """Write a ReplicaSet's status as its controller would (ready = available unless given), then settle."""
    rs = api.get(f"{REPLICASETS}/{name}")
    available = replicas if available is None else available
    rs["status"] = {
        "replicas": replicas,
        "readyReplicas": available,
        "availableReplicas": available,
        "observedGeneration": rs["metadata"]["generation"],
        **extra,
    }
    api.call("PUT", f"{REPLICASETS}/{name}/status", rs)
    api.server.settle()


def pods_up(api: Api) -> None:
    """Every ReplicaSet has all its replicas, available."""
    for rs in replica_sets(api):
        rs_status(api, rs["metadata"]["name"], rs["spec"]["replicas"])


def set_image(api: Api, image: str, name: str = "web") -> None:
    api.merge_patch(
        f"{DEPLOYMENTS}/{name}", {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": image}]}}}}
    )
    api.server.settle()


def conditions(obj: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    return {c["type"]: (c["status"], c["reason"], c["message"]) for c in obj["status"].get("conditions") or []}


def test_a_new_deployment_gets_its_replica_set_named_after_the_template_hash(api: Api) -> None:
    created = create(api)

    [rs] = replica_sets(api)
    name = rs["metadata"]["name"]
    hash_value = rs["metadata"]["labels"][HASH]
    assert name == f"web-{hash_value}"
    assert rs["metadata"]["labels"] == {"app": "web", HASH: hash_value}
    assert rs["spec"]["selector"] == {"matchLabels": {"app": "web", HASH: hash_value}}
    assert rs["spec"]["template"]["metadata"]["labels"] == {"app": "web", HASH: hash_value}
    assert rs["spec"]["replicas"] == 4
    assert rs["metadata"]["ownerReferences"] == [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": "web",
            "uid": created["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert rs["metadata"]["annotations"] == {
        REVISION: "1",
        "deployment.kubernetes.io/desired-replicas": "4",
        "deployment.kubernetes.io/max-replicas": "5",
    }
    d = deployment(api)
    assert d["metadata"]["annotations"][REVISION] == "1"
    assert d["status"]["observedGeneration"] == 1
    assert d["status"]["unavailableReplicas"] == 4
    assert conditions(d) == {
        "Available": ("False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."),
        "Progressing": ("True", "NewReplicaSetCreated", f'Created new replica set "{name}"'),
    }

    rs_status(api, name, 4, terminatingReplicas=0)

    d = deployment(api)
    assert {k: v for k, v in d["status"].items() if k != "conditions"} == {
        "observedGeneration": 1,
        "replicas": 4,
        "updatedReplicas": 4,
        "readyReplicas": 4,
        "availableReplicas": 4,
        "terminatingReplicas": 0,
    }
    assert conditions(d) == {
        "Available": ("True", "MinimumReplicasAvailable", "Deployment has minimum availability."),
        "Progressing": ("True", "NewReplicaSetAvailable", f'ReplicaSet "{name}" has successfully progressed.'),
    }


def test_rolling_update_with_25_percent_surge_and_unavailability_on_4_replicas(api: Api) -> None:
    # maxSurge 25% of 4 rounds up to 1, maxUnavailable 25% rounds down to 1: 3 to 5 pods at any time.
    create(api)
    pods_up(api)

    set_image(api, "nginx:1.28")

    old, new = (rs["metadata"]["name"] for rs in replica_sets(api))
    # One surge pod, one old pod down (3 available old pods are enough), then the freed surge slot.
    assert sizes(api) == [3, 2]
    d = deployment(api)
    assert d["metadata"]["annotations"][REVISION] == "2"
    assert conditions(d)["Progressing"] == ("True", "NewReplicaSetCreated", f'Created new replica set "{new}"')

    rs_status(api, old, 3)
    rs_status(api, new, 2)
    assert sizes(api) == [1, 4]
    assert conditions(deployment(api))["Progressing"] == (
        "True",
        "ReplicaSetUpdated",
        f'ReplicaSet "{new}" is progressing.',
    )

    rs_status(api, old, 1)
    rs_status(api, new, 4)
    assert sizes(api) == [0, 4]
    rs_status(api, old, 0)

    d = deployment(api)
    assert d["status"]["replicas"] == d["status"]["updatedReplicas"] == d["status"]["availableReplicas"] == 4
    assert conditions(d)["Progressing"] == (
        "True",
        "NewReplicaSetAvailable",
        f'ReplicaSet "{new}" has successfully progressed.',
    )
    old_rs, new_rs = replica_sets(api)
    assert old_rs["metadata"]["annotations"][REVISION] == "1"
    assert new_rs["metadata"]["annotations"][REVISION] == "2"


def test_unavailable_old_replicas_are_removed_first(api: Api) -> None:
    create(api)
    [first] = replica_sets(api)
    # Two of the four old pods never became available.
    rs_status(api, first["metadata"]["name"], 4, available=2)

    set_image(api, "nginx:1.28")
    old, new = (rs["metadata"]["name"] for rs in replica_sets(api))

    # Surge to 5 (new: 1); of the one pod that may go (5 - 3 minAvailable - 1 new unavailable), an
    # unavailable old one goes first (cleanupUnhealthyReplicas), which frees a surge slot (new: 2).
    assert sizes(api) == [3, 2]
    rs_status(api, old, 3, available=2)
    assert sizes(api) == [3, 2]

    # The new pods are available: the last unavailable old pod and one available one go, two new ones come.
    rs_status(api, new, 2)
    assert sizes(api) == [1, 4]


def test_recreate_waits_for_old_pods_to_be_gone(api: Api, server: FakeAPIServer) -> None:
    create(api, replicas=3, strategy={"type": "Recreate"})
    [first] = replica_sets(api)
    old = first["metadata"]["name"]
    pods_up(api)
    # An old pod that is still there (its ReplicaSet scaled to zero but the pod not yet deleted).
    pod = api.create(
        f"/api/v1/namespaces/{NS}/pods",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "web-old",
                "labels": first["spec"]["template"]["metadata"]["labels"],
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "kind": "ReplicaSet",
                        "name": old,
                        "uid": first["metadata"]["uid"],
                        "controller": True,
                    }
                ],
            },
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
        },
    )

    set_image(api, "nginx:1.28")
    assert sizes(api) == [0]
    rs_status(api, old, 0)
    # No new ReplicaSet while an old pod is running.
    assert sizes(api) == [0]

    api.delete(f"/api/v1/namespaces/{NS}/pods/{pod['metadata']['name']}")
    server.settle()

    assert sizes(api) == [0, 3]
    new = replica_sets(api)[1]
    assert new["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "3"
    assert any(e.cause == "pod web-old deleted" for e in server.enqueue_log.events if e.listener == "deployment")


def test_a_paused_deployment_scales_but_does_not_roll_out(api: Api) -> None:
    create(api)
    pods_up(api)
    api.merge_patch(f"{DEPLOYMENTS}/web", {"spec": {"paused": True}})
    api.server.settle()
    assert conditions(deployment(api))["Progressing"] == ("Unknown", "DeploymentPaused", "Deployment is paused")

    set_image(api, "nginx:1.28")
    api.merge_patch(f"{DEPLOYMENTS}/web", {"spec": {"replicas": 6}})
    api.server.settle()

    [rs] = replica_sets(api)
    assert rs["spec"]["replicas"] == 6
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "6"
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "8"
    d = deployment(api)
    assert d["status"]["observedGeneration"] == d["metadata"]["generation"]

    api.merge_patch(f"{DEPLOYMENTS}/web", {"spec": {"paused": False}})
    api.server.settle()

    assert len(replica_sets(api)) == 2
    new = replica_sets(api)[1]["metadata"]["name"]
    assert conditions(deployment(api))["Progressing"] == (
        "True",
        "NewReplicaSetCreated",
        f'Created new replica set "{new}"',
    )


def test_rollout_undo_reuses_the_old_replica_set_with_the_next_revision(api: Api) -> None:
    create(api)
    pods_up(api)
    set_image(api, "nginx:1.28")
    pods_up(api)
    pods_up(api)
    first, second = replica_sets(api)

    # kubectl rollout undo: the old ReplicaSet's template without its hash label, as a JSON patch.
    template = json.loads(json.dumps(first["spec"]["template"]))
    del template["metadata"]["labels"][HASH]
    patch = [
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": "replace", "path": "/metadata/annotations", "value": {REVISION: "2"}},
    ]
    api.call(
        "PATCH",
        f"{DEPLOYMENTS}/web",
        json.dumps(patch).encode(),
        headers={"Content-Type": "application/json-patch+json"},
    )
    api.server.settle()
    pods_up(api)
    pods_up(api)

    rss = {rs["metadata"]["name"]: rs for rs in api.get(REPLICASETS)["items"]}
    assert set(rss) == {first["metadata"]["name"], second["metadata"]["name"]}
    reused = rss[first["metadata"]["name"]]
    assert reused["metadata"]["annotations"][REVISION] == "3"
    assert reused["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
    assert reused["spec"]["replicas"] == 4
    assert rss[second["metadata"]["name"]]["spec"]["replicas"] == 0
    d = deployment(api)
    assert d["metadata"]["annotations"][REVISION] == "3"
    assert conditions(d)["Progressing"][1] == "NewReplicaSetAvailable"


def test_the_deprecated_rollback_annotation_restores_a_revision(api: Api) -> None:
    create(api)
    pods_up(api)
    set_image(api, "nginx:1.28")
    pods_up(api)
    pods_up(api)

    api.merge_patch(f"{DEPLOYMENTS}/web", {"metadata": {"annotations": {"deprecated.deployment.rollback.to": "0"}}})
    api.server.settle()

    d = deployment(api)
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert "deprecated.deployment.rollback.to" not in d["metadata"]["annotations"]
    assert d["metadata"]["annotations"][REVISION] == "3"


def test_revision_history_limit_deletes_the_oldest_empty_replica_sets(api: Api) -> None:
    create(api, replicas=1, revisionHistoryLimit=1)
    pods_up(api)
    for image in ("nginx:1.28", "nginx:1.29"):
        set_image(api, image)
        pods_up(api)
        pods_up(api)

    revisions = [rs["metadata"]["annotations"][REVISION] for rs in replica_sets(api)]
    assert revisions == ["2", "3"]
    assert sizes(api) == [0, 1]


def test_scaling_a_rollout_in_progress_is_proportional(api: Api) -> None:
    create(api, replicas=10, strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 3, "maxUnavailable": 2}})
    pods_up(api)
    set_image(api, "nginx:1.28")
    # 13 at most, 8 available at least: the new ReplicaSet gets 3 and the old one drops to 8.
    assert sizes(api) == [8, 5]

    api.merge_patch(f"{DEPLOYMENTS}/web", {"spec": {"replicas": 20}})
    api.server.settle()

    # 13 -> 23: the 10 added go 8 * 23 / 13 - 8 = 6 to the old (rounded) and the rest, 4, to the new.
    assert sizes(api) == [14, 9]
    for rs in replica_sets(api):
        assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "20"
        assert rs["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "23"


def test_progress_deadline_exceeded_once_the_server_clock_passes_it(api: Api, server: FakeAPIServer) -> None:
    with freeze_time("2030-01-02T03:04:05Z", ignore=["kubernetes"]) as frozen:
        create(api, replicas=2, progressDeadlineSeconds=60)
        [rs] = replica_sets(api)
        name = rs["metadata"]["name"]
        # Two pods created (progress, the last), none available: a sync with no progress looks again at the deadline.
        rs_status(api, name, 2, available=0)
        assert conditions(deployment(api))["Progressing"] == (
            "True",
            "ReplicaSetUpdated",
            f'ReplicaSet "{name}" is progressing.',
        )

        frozen.tick(timedelta(seconds=59))
        server.settle()
        assert conditions(deployment(api))["Progressing"][1] == "ReplicaSetUpdated"

        frozen.tick(timedelta(seconds=2))
        server.settle()

    assert conditions(deployment(api))["Progressing"] == (
        "False",
        "ProgressDeadlineExceeded",
        f'ReplicaSet "{name}" has timed out progressing.',
    )
    assert any(
        e.listener == "deployment" and e.cause == "progress deadline (after 60 s)" for e in server.enqueue_log.events
    )


def test_min_ready_seconds_looks_again_when_a_ready_pod_becomes_available(api: Api, server: FakeAPIServer) -> None:
    with freeze_time("2030-01-02T03:04:05Z", ignore=["kubernetes"]):
        create(api, replicas=1, minReadySeconds=10)
        [rs] = replica_sets(api)
        assert rs["spec"]["minReadySeconds"] == 10
        pod = api.create(
            f"/api/v1/namespaces/{NS}/pods",
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": "web-1",
                    "labels": rs["spec"]["template"]["metadata"]["labels"],
                    "ownerReferences": [
                        {
                            "apiVersion": "apps/v1",
                            "kind": "ReplicaSet",
                            "name": rs["metadata"]["name"],
                            "uid": rs["metadata"]["uid"],
                            "controller": True,
                        }
                    ],
                },
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
            },
        )
        make_ready(server, NS, pod["metadata"]["name"])
        rs_status(api, rs["metadata"]["name"], 1, available=0)

    assert any(
        e.listener == "deployment" and e.cause == "minReadySeconds (after 10 s)" for e in server.enqueue_log.events
    )
    assert conditions(deployment(api))["Available"][1] == "MinimumReplicasUnavailable"


def test_an_orphan_replica_set_with_the_template_is_adopted_as_the_new_one(api: Api) -> None:
    manifest = deployment_manifest(replicas=2)
    orphan = api.create(
        REPLICASETS,
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {"name": "web-orphan", "labels": {"app": "web"}},
            "spec": {"replicas": 1, "selector": manifest["spec"]["selector"], "template": manifest["spec"]["template"]},
        },
    )
    created = api.create(DEPLOYMENTS, manifest)
    api.server.settle()

    [rs] = api.get(REPLICASETS)["items"]
    assert rs["metadata"]["uid"] == orphan["metadata"]["uid"]
    assert rs["metadata"]["ownerReferences"][0]["uid"] == created["metadata"]["uid"]
    assert rs["spec"]["replicas"] == 2
    assert rs["metadata"]["annotations"][REVISION] == "1"


@pytest.mark.parametrize("propagation", ["Foreground", "Background"])
def test_deleting_a_deployment_leaves_its_replica_sets_to_the_garbage_collector(api: Api, propagation: str) -> None:
    create(api, replicas=2)
    pods_up(api)

    api.delete(f"{DEPLOYMENTS}/web", propagation)
    api.server.settle()

    assert api.absent(f"{DEPLOYMENTS}/web")
    assert api.get(REPLICASETS)["items"] == []


def test_a_name_taken_by_another_template_raises_the_collision_count(api: Api) -> None:
    create(api, replicas=1)
    [taken] = replica_sets(api)
    api.delete(f"{DEPLOYMENTS}/web", "Orphan")
    api.server.settle()
    # The orphan keeps the name the template hashes to, with another template.
    taken = api.get(f"{REPLICASETS}/{taken['metadata']['name']}")
    assert "ownerReferences" not in taken["metadata"]
    taken["spec"]["template"]["spec"]["containers"][0]["image"] = "busybox:1.36"
    api.call("PUT", f"{REPLICASETS}/{taken['metadata']['name']}", taken)

    create(api, replicas=1)

    d = deployment(api)
    assert d["status"]["collisionCount"] == 1
    names = sorted(rs["metadata"]["name"] for rs in api.get(REPLICASETS)["items"])
    [new] = [name for name in names if name != taken["metadata"]["name"]]
    assert new.startswith("web-") and len(names) == 2
    assert [image_of_rs(api, name) for name in (taken["metadata"]["name"], new)] == ["busybox:1.36", "nginx:1.27"]


def image_of_rs(api: Api, name: str) -> str:
    image: str = api.get(f"{REPLICASETS}/{name}")["spec"]["template"]["spec"]["containers"][0]["image"]
    return image


def test_kubectl_rollout_status_undo_and_history_on_the_default_cluster(kubectl: Any) -> None:
    """The whole chain: deployment and replicaset controllers, the scheduler and the kubelets roll the pods out."""
    kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=3")
    done = kubectl("rollout", "status", "deployment/web", "--timeout=30s")
    assert done.stdout.strip().endswith('deployment "web" successfully rolled out')

    kubectl("set", "image", "deployment/web", "nginx=nginx:1.28")
    done = kubectl("rollout", "status", "deployment/web", "--timeout=30s")
    assert done.stdout.strip().endswith('deployment "web" successfully rolled out')
    # NAME DESIRED CURRENT READY: the new ReplicaSet runs all three pods, the old one none.
    sets = kubectl("get", "rs", "-l", "app=web", "--no-headers", "-o", "wide").stdout.strip().split("\n")
    assert sorted((row.split()[1:4], row.split()[6]) for row in sets) == [
        (["0", "0", "0"], "nginx:1.27"),
        (["3", "3", "3"], "nginx:1.28"),
    ]
    history = kubectl("rollout", "history", "deployment/web").stdout.split("\n")
    assert [line.split()[0] for line in history[2:] if line.strip()] == ["1", "2"]

    kubectl("rollout", "undo", "deployment/web")
    done = kubectl("rollout", "status", "deployment/web", "--timeout=30s")
    assert done.stdout.strip().endswith('deployment "web" successfully rolled out')
    ready = kubectl(
        "get", "deployment", "web", "-o", "jsonpath={.status.readyReplicas}/{.status.updatedReplicas}"
    ).stdout
    assert ready == "3/3"
    image = kubectl("get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}").stdout
    assert image == "nginx:1.27"
    history = kubectl("rollout", "history", "deployment/web").stdout.split("\n")
    assert [line.split()[0] for line in history[2:] if line.strip()] == ["2", "3"]
