"""The garbage collector: background, foreground and orphan deletion of dependents by ownerReferences."""

from __future__ import annotations

from typing import Any

from controller_helpers import WIDGET_CRD, Api, wait_deleted

from fakeapi.pytest_plugin.plugin import FakeAPI
from fakeapi.server.instance import FakeAPIServer, ServerConfig
from fakeapi.storage.interfaces import ObjectKey
from fakeapi.util.clock import real_monotonic

CM = "/api/v1/namespaces/{ns}/configmaps"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
REPLICASETS = "/apis/apps/v1/namespaces/default/replicasets"
PODS = "/api/v1/namespaces/default/pods"
CLUSTER_ROLES = "/apis/rbac.authorization.k8s.io/v1/clusterroles"


def owner_ref(owner: dict[str, Any], *, block: bool | None = None) -> dict[str, Any]:
    ref = {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
    }
    if block is not None:
        ref["blockOwnerDeletion"] = block
    return ref


def configmap(name: str, *owners: dict[str, Any], **meta: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, **meta}
    if owners:
        metadata["ownerReferences"] = list(owners)
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata}


def pod_template(app: str) -> dict[str, Any]:
    return {"metadata": {"labels": {"app": app}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}


def deployment(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {"selector": {"matchLabels": {"app": name}}, "template": pod_template(name)},
    }


def replicaset(name: str, *owners: dict[str, Any], **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": name, "ownerReferences": list(owners), **meta},
        "spec": {"selector": {"matchLabels": {"app": name}}, "template": pod_template(name)},
    }


def pod(name: str, *owners: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "ownerReferences": list(owners)},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
    }


def deletions(server: FakeAPIServer, since: int) -> list[str]:
    """The names of the objects deleted after revision ``since``, in order."""
    names = []
    for prefix in ("configmaps", "apps/deployments", "apps/replicasets", "pods"):
        watch = server.storage.watch(prefix, None, since)
        while (event := watch.next_event(0)) is not None:
            if event.type == "DELETED":
                names.append((event.revision, event.key.name))
        watch.stop()
    return [name for _, name in sorted(names)]


def test_dependents_of_a_deleted_owner_are_deleted(server: FakeAPIServer, api: Api) -> None:
    owner = api.create(CM.format(ns="default"), configmap("owner"))
    other = api.create(CM.format(ns="default"), configmap("other-owner"))
    api.create(CM.format(ns="default"), configmap("child", owner_ref(owner)))
    api.create(CM.format(ns="default"), configmap("shared", owner_ref(owner), owner_ref(other)))
    gc = server.controllers["garbagecollector"]
    gc.run_once()

    api.delete(CM.format(ns="default") + "/owner")
    gc.run_once()

    assert api.absent(CM.format(ns="default") + "/child")
    shared = api.get(CM.format(ns="default") + "/shared")
    # A surviving owner keeps the dependent; the reference to the deleted one is removed.
    assert shared["metadata"]["ownerReferences"] == [owner_ref(other)]
    assert not gc.has_node(owner["metadata"]["uid"])


def test_foreground_deletion_waits_for_blocking_dependents(server: FakeAPIServer, api: Api) -> None:
    web = api.create(DEPLOYMENTS, deployment("web"))
    rs = api.create(REPLICASETS, replicaset("web-1", owner_ref(web, block=True)))
    api.create(PODS, pod("web-1-a", owner_ref(rs, block=True)))
    gc = server.controllers["garbagecollector"]
    gc.run_once()
    before = server.storage.current_revision

    pending = api.delete(DEPLOYMENTS + "/web", "Foreground")
    assert pending["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert pending["metadata"]["deletionTimestamp"]
    gc.run_once()

    assert api.absent(DEPLOYMENTS + "/web")
    # Each owner goes only after its blocking dependents: the pod, then the ReplicaSet, then the Deployment.
    assert deletions(server, before) == ["web-1-a", "web-1", "web"]


def test_a_finalizer_on_a_blocking_dependent_holds_the_foreground_owner(server: FakeAPIServer, api: Api) -> None:
    web = api.create(DEPLOYMENTS, deployment("web"))
    api.create(REPLICASETS, replicaset("web-1", owner_ref(web, block=True), finalizers=["example.com/hold"]))
    gc = server.controllers["garbagecollector"]
    api.delete(DEPLOYMENTS + "/web", "Foreground")
    gc.run_once()

    assert api.get(DEPLOYMENTS + "/web")["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert api.get(REPLICASETS + "/web-1")["metadata"]["deletionTimestamp"]
    api.merge_patch(REPLICASETS + "/web-1", {"metadata": {"finalizers": None}})
    gc.run_once()
    assert api.absent(DEPLOYMENTS + "/web")


def test_non_blocking_dependents_do_not_hold_the_foreground_owner(server: FakeAPIServer, api: Api) -> None:
    web = api.create(DEPLOYMENTS, deployment("web"))
    api.create(REPLICASETS, replicaset("web-1", owner_ref(web), finalizers=["example.com/hold"]))
    api.delete(DEPLOYMENTS + "/web", "Foreground")
    server.controllers["garbagecollector"].run_once()

    assert api.absent(DEPLOYMENTS + "/web")
    assert api.get(REPLICASETS + "/web-1")["metadata"]["deletionTimestamp"]


def test_orphan_deletion_removes_the_owner_reference(server: FakeAPIServer, api: Api) -> None:
    web = api.create(DEPLOYMENTS, deployment("web"))
    other = api.create(CM.format(ns="default"), configmap("other"))
    api.create(REPLICASETS, replicaset("web-1", owner_ref(web, block=True)))
    api.create(REPLICASETS, replicaset("web-2", owner_ref(web), owner_ref(other)))

    pending = api.delete(DEPLOYMENTS + "/web", "Orphan")
    assert pending["metadata"]["finalizers"] == ["orphan"]
    server.controllers["garbagecollector"].run_once()

    assert api.absent(DEPLOYMENTS + "/web")
    assert "ownerReferences" not in api.get(REPLICASETS + "/web-1")["metadata"]
    assert api.get(REPLICASETS + "/web-2")["metadata"]["ownerReferences"] == [owner_ref(other)]


def test_dependents_of_owners_that_do_not_exist_are_deleted(server: FakeAPIServer, api: Api) -> None:
    owner = api.create(CM.format(ns="default"), configmap("owner"))
    never = {"apiVersion": "v1", "kind": "ConfigMap", "name": "never", "uid": "00000000-0000-0000-0000-000000000001"}
    api.create(CM.format(ns="default"), configmap("orphaned", never))
    impostor = {**owner_ref(owner), "uid": "00000000-0000-0000-0000-000000000002"}
    api.create(CM.format(ns="default"), configmap("wrong-uid", impostor))
    api.create(CM.format(ns="default"), configmap("kept", owner_ref(owner)))
    server.controllers["garbagecollector"].run_once()

    assert api.absent(CM.format(ns="default") + "/orphaned")
    assert api.absent(CM.format(ns="default") + "/wrong-uid")
    assert api.get(CM.format(ns="default") + "/kept")["metadata"]["ownerReferences"] == [owner_ref(owner)]


def test_an_owner_in_another_namespace_is_not_an_owner(server: FakeAPIServer, api: Api) -> None:
    api.namespace("elsewhere")
    owner = api.create(CM.format(ns="elsewhere"), configmap("owner"))
    api.create(CM.format(ns="default"), configmap("stray", owner_ref(owner)))
    api.create(CM.format(ns="elsewhere"), configmap("sibling", owner_ref(owner)))
    server.controllers["garbagecollector"].run_once()

    assert api.absent(CM.format(ns="default") + "/stray")
    assert api.get(CM.format(ns="elsewhere") + "/sibling")


def test_cluster_scoped_owners_own_namespaced_dependents(server: FakeAPIServer, api: Api) -> None:
    role = api.create(
        CLUSTER_ROLES, {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "r"}}
    )
    api.create(CM.format(ns="default"), configmap("granted", owner_ref(role)))
    gc = server.controllers["garbagecollector"]
    gc.run_once()
    assert api.get(CM.format(ns="default") + "/granted")

    api.delete(CLUSTER_ROLES + "/r")
    gc.run_once()
    assert api.absent(CM.format(ns="default") + "/granted")


def test_a_cluster_scoped_dependent_of_a_namespaced_owner_is_left_alone(server: FakeAPIServer, api: Api) -> None:
    owner = api.create(CM.format(ns="default"), configmap("owner"))
    api.create(
        CLUSTER_ROLES,
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": "confused", "ownerReferences": [owner_ref(owner)]},
        },
    )
    gc = server.controllers["garbagecollector"]
    gc.run_once()
    api.delete(CM.format(ns="default") + "/owner")
    gc.run_once()
    # Upstream reports the reference as invalid and never deletes on it.
    assert api.get(CLUSTER_ROLES + "/confused")


def test_custom_resources_are_owners_and_dependents(server: FakeAPIServer, api: Api) -> None:
    api.create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", WIDGET_CRD)
    widgets = "/apis/example.com/v1/namespaces/default/widgets"
    parent = api.create(widgets, {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "parent"}})
    api.create(
        widgets,
        {
            "apiVersion": "example.com/v1",
            "kind": "Widget",
            "metadata": {"name": "child", "ownerReferences": [owner_ref(parent)]},
        },
    )
    api.create(CM.format(ns="default"), configmap("settings", owner_ref(parent)))
    gc = server.controllers["garbagecollector"]
    gc.run_once()

    api.delete(widgets + "/parent")
    gc.run_once()
    assert api.absent(widgets + "/child")
    assert api.absent(CM.format(ns="default") + "/settings")


def test_without_the_garbage_collector_no_gc_finalizers_are_added() -> None:
    server = FakeAPIServer(ServerConfig(controllers=["*", "-garbagecollector"], run_controllers=False))
    api = Api(server)
    assert "garbagecollector" not in server.controllers
    api.create(DEPLOYMENTS, deployment("web"))
    deleted = api.delete(DEPLOYMENTS + "/web", "Foreground")
    assert deleted["status"] == "Success"
    assert api.absent(DEPLOYMENTS + "/web")


def test_in_the_background_dependents_go_soon_after_their_owner(fakeapi: FakeAPI) -> None:
    server = fakeapi.server
    api = Api(server)
    owner = api.create(CM.format(ns="default"), configmap("owner"))
    for i in range(10):
        api.create(CM.format(ns="default"), configmap(f"child-{i}", owner_ref(owner)))
    start = real_monotonic()
    api.delete(CM.format(ns="default") + "/owner")

    for i in range(10):
        wait_deleted(server, ObjectKey("configmaps", "default", f"child-{i}"), timeout=10)
    elapsed = real_monotonic() - start
    assert [cm["metadata"]["name"] for cm in api.get(CM.format(ns="default"))["items"]] == ["kube-root-ca.crt"]
    # The target is 100 ms; the bound leaves room for a loaded test machine.
    assert elapsed < 2, elapsed
