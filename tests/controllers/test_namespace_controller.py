"""The namespace lifecycle controller: a Terminating namespace is emptied, then finalized."""

from __future__ import annotations

from typing import Any

from controller_helpers import WIDGET_CRD, Api, wait_deleted

from fakeapi.pytest_plugin.plugin import FakeAPI
from fakeapi.server.instance import FakeAPIServer, ServerConfig
from fakeapi.storage.interfaces import Event, ObjectKey

OK_CONDITIONS = [
    ("NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered", "All resources successfully discovered"),
    (
        "NamespaceDeletionGroupVersionParsingFailure",
        "False",
        "ParsedGroupVersions",
        "All legacy kube types successfully parsed",
    ),
    (
        "NamespaceDeletionContentFailure",
        "False",
        "ContentDeleted",
        "All content successfully deleted, may be waiting on finalization",
    ),
    ("NamespaceContentRemaining", "False", "ContentRemoved", "All content successfully removed"),
    ("NamespaceFinalizersRemaining", "False", "ContentRemoved", "All content successfully removed"),
]


def configmap(name: str, **meta: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, **meta}, "data": {"k": "v"}}


def deployment(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
        },
    }


def conditions(namespace: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(c["type"], c["status"], c["reason"], c["message"]) for c in namespace["status"].get("conditions", [])]


def events_of(server: FakeAPIServer, prefix: str, since: int) -> list[Event]:
    """Every event of ``prefix`` committed after revision ``since`` (still in the watch window)."""
    watch = server.storage.watch(prefix, None, since)
    events = []
    while (event := watch.next_event(0)) is not None:
        events.append(event)
    watch.stop()
    return events


def test_a_deleted_namespace_loses_its_content_then_goes(server: FakeAPIServer, api: Api) -> None:
    api.namespace("doomed")
    api.create("/api/v1/namespaces/doomed/configmaps", configmap("settings"))
    api.create("/apis/apps/v1/namespaces/doomed/deployments", deployment("web"))
    api.create(
        "/apis/rbac.authorization.k8s.io/v1/namespaces/doomed/roles",
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "reader"}, "rules": []},
    )
    before = server.storage.current_revision

    terminating = api.delete("/api/v1/namespaces/doomed")
    assert terminating["status"] == {"phase": "Terminating"}
    assert terminating["spec"]["finalizers"] == ["kubernetes"]
    server.controllers["namespace"].run_once()

    assert api.absent("/api/v1/namespaces/doomed")
    for path in (
        "/api/v1/namespaces/doomed/configmaps",
        "/apis/apps/v1/namespaces/doomed/deployments",
        "/apis/rbac.authorization.k8s.io/v1/namespaces/doomed/roles",
    ):
        assert api.get(path)["items"] == []
    namespace_events = events_of(server, "namespaces", before)
    assert [e.type for e in namespace_events][-1] == "DELETED"
    final = namespace_events[-1].object
    # The finalizing update itself is never stored: DELETED carries the last stored state, as etcd's prevKV does.
    assert final["spec"]["finalizers"] == ["kubernetes"]
    assert conditions(final) == OK_CONDITIONS
    assert all(c["lastTransitionTime"].endswith("Z") for c in final["status"]["conditions"])


def test_finalizers_hold_the_namespace_and_show_in_its_conditions(server: FakeAPIServer, api: Api) -> None:
    api.namespace("held")
    api.create("/api/v1/namespaces/held/configmaps", configmap("pinned", finalizers=["example.com/hold"]))
    api.create("/api/v1/namespaces/held/configmaps", configmap("loose"))
    api.delete("/api/v1/namespaces/held")
    controller = server.controllers["namespace"]
    controller.run_once()

    namespace = api.get("/api/v1/namespaces/held")
    assert namespace["status"]["phase"] == "Terminating"
    assert conditions(namespace) == [
        *OK_CONDITIONS[:3],
        (
            "NamespaceContentRemaining",
            "True",
            "SomeResourcesRemain",
            "Some resources are remaining: configmaps. has 1 resource instances",
        ),
        (
            "NamespaceFinalizersRemaining",
            "True",
            "SomeFinalizerRemain",
            "Some finalizers are remaining: example.com/hold in 1 resource instances",
        ),
    ]
    assert api.absent("/api/v1/namespaces/held/configmaps/loose")
    assert api.get("/api/v1/namespaces/held/configmaps/pinned")["metadata"]["deletionTimestamp"]

    server.enqueue_log.clear()
    api.merge_patch("/api/v1/namespaces/held/configmaps/pinned", {"metadata": {"finalizers": None}})
    assert [(e.key, e.cause) for e in server.enqueue_log.events if e.listener == "namespace"] == [
        ("held", "configmaps pinned deleted")
    ]
    controller.run_once()
    assert api.absent("/api/v1/namespaces/held")


def test_creating_in_a_terminating_namespace_is_forbidden(server: FakeAPIServer, api: Api) -> None:
    api.namespace("closing")
    api.create("/api/v1/namespaces/closing/configmaps", configmap("pinned", finalizers=["example.com/hold"]))
    api.delete("/api/v1/namespaces/closing")
    server.controllers["namespace"].run_once()

    refused = api.call("POST", "/api/v1/namespaces/closing/configmaps", configmap("late"), status=403)
    assert refused == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'configmaps "late" is forbidden: unable to create new content in namespace closing '
        "because it is being terminated",
        "reason": "Forbidden",
        "details": {
            "name": "late",
            "kind": "configmaps",
            "causes": [
                {
                    "reason": "NamespaceTerminating",
                    "message": "namespace closing is being terminated",
                    "field": "metadata.namespace",
                }
            ],
        },
        "code": 403,
    }


def test_custom_resources_defined_later_are_deleted_too(server: FakeAPIServer, api: Api) -> None:
    api.create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", WIDGET_CRD)
    api.namespace("gadgets")
    api.create(
        "/apis/example.com/v1/namespaces/gadgets/widgets",
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}},
    )
    api.delete("/api/v1/namespaces/gadgets")
    server.controllers["namespace"].run_once()

    assert api.absent("/apis/example.com/v1/namespaces/gadgets/widgets/w")
    assert api.absent("/api/v1/namespaces/gadgets")


def test_only_namespaces_being_deleted_are_queued(server: FakeAPIServer, api: Api) -> None:
    api.namespace("calm")
    api.create("/api/v1/namespaces/calm/configmaps", configmap("a"))
    api.delete("/api/v1/namespaces/calm/configmaps/a")
    assert [e for e in server.enqueue_log.events if e.listener == "namespace"] == []
    api.delete("/api/v1/namespaces/calm")
    assert [(e.key, e.cause) for e in server.enqueue_log.events if e.listener == "namespace"] == [
        ("calm", "namespace is being deleted")
    ]


def test_without_the_controller_a_deleted_namespace_stays_terminating() -> None:
    server = FakeAPIServer(ServerConfig(controllers=["*", "-namespace"], run_controllers=False))
    api = Api(server)
    assert "namespace" not in server.controllers
    api.namespace("stuck")
    api.delete("/api/v1/namespaces/stuck")
    for controller in server.controllers.values():
        controller.run_once()
    assert api.get("/api/v1/namespaces/stuck")["status"]["phase"] == "Terminating"


def test_in_the_background_a_namespace_goes_with_its_content(fakeapi: FakeAPI) -> None:
    api = Api(fakeapi.server)
    api.namespace("bg-doomed")
    api.create("/api/v1/namespaces/bg-doomed/configmaps", configmap("settings"))
    api.create("/apis/apps/v1/namespaces/bg-doomed/deployments", deployment("web"))
    api.delete("/api/v1/namespaces/bg-doomed")

    wait_deleted(fakeapi.server, ObjectKey("namespaces", "", "bg-doomed"), timeout=10)
    assert fakeapi.server.storage.get_list("configmaps", "bg-doomed")[0] == []
    assert fakeapi.server.storage.get_list("apps/deployments", "bg-doomed")[0] == []
