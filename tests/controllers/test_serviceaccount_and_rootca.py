"""The service-account controller and the root CA publisher: what every namespace is furnished with."""

from __future__ import annotations

from controller_helpers import Api

from fakeapi.pytest_plugin.plugin import FakeAPI
from fakeapi.server.instance import FakeAPIServer

BOOTSTRAP_NAMESPACES = ["default", "kube-node-lease", "kube-public", "kube-system"]
DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as "
    "the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of "
    "Kubernetes clusters."
)


def step(server: FakeAPIServer) -> None:
    server.controllers["serviceaccount"].run_once()
    server.controllers["root-ca-cert-publisher"].run_once()


def names(server: FakeAPIServer, prefix: str, name: str) -> list[str]:
    """The namespaces holding an object ``name`` under ``prefix``."""
    return [o["metadata"]["namespace"] for o in server.storage.get_list(prefix)[0] if o["metadata"]["name"] == name]


def test_bootstrap_namespaces_are_furnished_once_the_controllers_run(server: FakeAPIServer) -> None:
    assert names(server, "serviceaccounts", "default") == []
    step(server)
    assert names(server, "serviceaccounts", "default") == BOOTSTRAP_NAMESPACES
    assert names(server, "configmaps", "kube-root-ca.crt") == BOOTSTRAP_NAMESPACES


def test_a_new_namespace_gets_a_default_account_and_the_ca(server: FakeAPIServer, api: Api) -> None:
    api.namespace("team")
    step(server)

    account = api.get("/api/v1/namespaces/team/serviceaccounts/default")
    assert account["metadata"]["name"] == "default"
    assert set(account) == {"apiVersion", "kind", "metadata"}
    config_map = api.get("/api/v1/namespaces/team/configmaps/kube-root-ca.crt")
    assert config_map["data"] == {"ca.crt": server.ca.cert_pem.decode()}
    assert config_map["metadata"]["annotations"] == {"kubernetes.io/description": DESCRIPTION}


def test_deleted_objects_are_recreated(server: FakeAPIServer, api: Api) -> None:
    api.namespace("team")
    step(server)
    old_account = api.get("/api/v1/namespaces/team/serviceaccounts/default")["metadata"]["uid"]
    api.delete("/api/v1/namespaces/team/serviceaccounts/default")
    api.delete("/api/v1/namespaces/team/configmaps/kube-root-ca.crt")
    step(server)

    assert api.get("/api/v1/namespaces/team/serviceaccounts/default")["metadata"]["uid"] != old_account
    assert api.get("/api/v1/namespaces/team/configmaps/kube-root-ca.crt")["data"]["ca.crt"]


def test_a_changed_ca_config_map_is_put_back(server: FakeAPIServer, api: Api) -> None:
    api.namespace("team")
    step(server)
    path = "/api/v1/namespaces/team/configmaps/kube-root-ca.crt"
    api.merge_patch(path, {"data": {"ca.crt": "tampered", "extra": "x"}, "metadata": {"annotations": None}})
    step(server)

    restored = api.get(path)
    assert restored["data"] == {"ca.crt": server.ca.cert_pem.decode()}
    assert restored["metadata"]["annotations"] == {"kubernetes.io/description": DESCRIPTION}


def test_other_accounts_and_config_maps_are_not_watched(server: FakeAPIServer, api: Api) -> None:
    step(server)
    server.enqueue_log.clear()
    api.create(
        "/api/v1/namespaces/default/serviceaccounts",
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "robot"}},
    )
    api.delete("/api/v1/namespaces/default/serviceaccounts/robot")
    api.create(
        "/api/v1/namespaces/default/configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}
    )
    api.delete("/api/v1/namespaces/default/configmaps/c")
    assert [e for e in server.enqueue_log.events if e.listener in ("serviceaccount", "root-ca-cert-publisher")] == []


def test_a_terminating_namespace_is_not_furnished_again(server: FakeAPIServer, api: Api) -> None:
    api.namespace("closing")
    step(server)
    api.create(
        "/api/v1/namespaces/closing/configmaps",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "pinned", "finalizers": ["example.com/hold"]}},
    )
    api.delete("/api/v1/namespaces/closing")
    server.controllers["namespace"].run_once()
    assert api.absent("/api/v1/namespaces/closing/serviceaccounts/default")
    assert api.absent("/api/v1/namespaces/closing/configmaps/kube-root-ca.crt")

    queued = {(e.listener, e.key, e.cause) for e in server.enqueue_log.events}
    assert ("serviceaccount", "closing", "serviceaccount default deleted") in queued
    assert ("root-ca-cert-publisher", "closing", "kube-root-ca.crt deleted") in queued
    step(server)  # the 403 NamespaceTerminating answers to the creates are not errors
    assert api.absent("/api/v1/namespaces/closing/serviceaccounts/default")
    assert api.absent("/api/v1/namespaces/closing/configmaps/kube-root-ca.crt")


def test_in_the_background_a_new_namespace_is_furnished(fakeapi: FakeAPI) -> None:
    server = fakeapi.server
    api = Api(server)
    # The session server is a full kind-like cluster: kind's local-path-storage namespace is furnished too.
    cluster_namespaces = sorted([*BOOTSTRAP_NAMESPACES, "local-path-storage"])
    assert names(server, "serviceaccounts", "default") == cluster_namespaces
    assert names(server, "configmaps", "kube-root-ca.crt") == cluster_namespaces
    api.namespace("bg-team")
    log = server.enqueue_log
    for listener in ("serviceaccount", "root-ca-cert-publisher"):
        assert log.wait_for(lambda e, name=listener: e.listener == name and e.key == "bg-team", timeout=10)
    assert server.controllers["serviceaccount"].wait_idle(10)
    assert server.controllers["root-ca-cert-publisher"].wait_idle(10)
    assert api.get("/api/v1/namespaces/bg-team/serviceaccounts/default")
    old_uid = api.get("/api/v1/namespaces/bg-team/configmaps/kube-root-ca.crt")["metadata"]["uid"]
    api.delete("/api/v1/namespaces/bg-team/configmaps/kube-root-ca.crt")
    # The listener runs inside the write, so the namespace is queued by the time the DELETE answers.
    assert log.wait_for(lambda e: e.cause == "kube-root-ca.crt deleted" and e.key == "bg-team", timeout=0)
    assert server.controllers["root-ca-cert-publisher"].wait_idle(10)
    assert api.get("/api/v1/namespaces/bg-team/configmaps/kube-root-ca.crt")["metadata"]["uid"] != old_uid
