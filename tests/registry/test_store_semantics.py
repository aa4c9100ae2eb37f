"""The generic Store's semantics, driven through the handler chain in-process."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from fakeapi.pytest_plugin.plugin import FakeAPI

CM_PATH = "/api/v1/namespaces/default/configmaps"
DEPLOY_PATH = "/apis/apps/v1/namespaces/default/deployments"


def configmap(name: str = "cm", **extra: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, **extra}, "data": {"a": "1"}}


def deployment(name: str = "web", replicas: int = 1) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
        },
    }


def test_create_fills_system_metadata_and_answers_201(fakeapi: FakeAPI) -> None:
    response = fakeapi.server.request(
        "POST", CM_PATH, configmap(uid="client-uid", creationTimestamp="2000-01-01T00:00:00Z")
    )
    assert response.status == 201
    meta = response.json()["metadata"]
    assert meta["uid"] != "client-uid" and len(meta["uid"]) == 36
    assert meta["creationTimestamp"] != "2000-01-01T00:00:00Z"
    assert int(meta["resourceVersion"]) > 0
    assert "generation" not in meta  # ConfigMaps do not track generation


def test_resource_version_on_create_is_refused(fakeapi: FakeAPI) -> None:
    response = fakeapi.server.request("POST", CM_PATH, configmap(resourceVersion="5"))
    assert response.status == 500
    assert (
        response.json()["message"]
        == "Internal error occurred: resourceVersion should not be set on objects to be created"
    )


def test_generate_name_appends_five_allowed_characters(fakeapi: FakeAPI) -> None:
    body = configmap()
    body["metadata"] = {"generateName": "job-"}
    name = fakeapi.server.request("POST", CM_PATH, body).json()["metadata"]["name"]
    assert name.startswith("job-") and len(name) == 9
    assert set(name[4:]) <= set("bcdfghjklmnpqrstvwxz2456789")


def test_generate_name_retries_collisions_then_gives_up(fakeapi: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    fakeapi.server.request("POST", CM_PATH, configmap("fixed-bbbbb"))
    monkeypatch.setattr(fakeapi.server.identity, "generate_name", lambda base: base + "bbbbb")
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "fixed-"}}
    response = fakeapi.server.request("POST", CM_PATH, body)
    assert response.status == 409
    status = response.json()
    assert status["reason"] == "AlreadyExists"
    assert status["message"] == (
        'configmaps "fixed-bbbbb" already exists, the server was not able to generate a unique name for the object'
    )
    assert status["details"]["retryAfterSeconds"] == 1


def test_duplicate_name_is_already_exists(fakeapi: FakeAPI) -> None:
    fakeapi.server.request("POST", CM_PATH, configmap())
    response = fakeapi.server.request("POST", CM_PATH, configmap())
    assert response.status == 409
    assert response.json()["message"] == 'configmaps "cm" already exists'
    assert response.json()["details"] == {"name": "cm", "kind": "configmaps"}


def test_generation_starts_at_one_and_bumps_on_spec_changes_only(fakeapi: FakeAPI) -> None:
    created = fakeapi.server.request("POST", DEPLOY_PATH, deployment()).json()
    assert created["metadata"]["generation"] == 1
    path = f"{DEPLOY_PATH}/web"
    labelled = fakeapi.server.request(
        "PATCH",
        path,
        {"metadata": {"labels": {"x": "y"}}},
        headers={"Content-Type": "application/merge-patch+json"},
    ).json()
    assert labelled["metadata"]["generation"] == 1
    scaled = fakeapi.server.request(
        "PATCH", path, {"spec": {"replicas": 3}}, headers={"Content-Type": "application/merge-patch+json"}
    ).json()
    assert scaled["metadata"]["generation"] == 2


def test_main_endpoint_ignores_status_and_status_endpoint_ignores_spec(fakeapi: FakeAPI) -> None:
    fakeapi.server.request("POST", DEPLOY_PATH, deployment())
    merge = {"Content-Type": "application/merge-patch+json"}
    main = fakeapi.server.request("PATCH", f"{DEPLOY_PATH}/web", {"status": {"replicas": 7}}, headers=merge).json()
    assert "replicas" not in main.get("status", {})
    status = fakeapi.server.request(
        "PATCH",
        f"{DEPLOY_PATH}/web/status",
        {"status": {"replicas": 7}, "spec": {"replicas": 9}},
        headers=merge,
    ).json()
    assert status["status"]["replicas"] == 7
    assert status["spec"]["replicas"] == 1
    assert status["metadata"]["generation"] == 1


def test_update_conflicts_on_stale_resource_version(fakeapi: FakeAPI) -> None:
    created = fakeapi.server.request("POST", CM_PATH, configmap()).json()
    fakeapi.server.request("PUT", f"{CM_PATH}/cm", {**created, "data": {"a": "2"}})
    stale = fakeapi.server.request("PUT", f"{CM_PATH}/cm", {**created, "data": {"a": "3"}})
    assert stale.status == 409
    assert stale.json()["message"] == (
        'Operation cannot be fulfilled on configmaps "cm": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )


def test_update_without_resource_version_is_unconditional(fakeapi: FakeAPI) -> None:
    fakeapi.server.request("POST", CM_PATH, configmap())
    response = fakeapi.server.request("PUT", f"{CM_PATH}/cm", configmap(**{}) | {"data": {"a": "9"}})
    assert response.status == 200
    assert response.json()["data"] == {"a": "9"}


def test_noop_update_keeps_the_resource_version(fakeapi: FakeAPI) -> None:
    created = fakeapi.server.request("POST", CM_PATH, configmap()).json()
    again = fakeapi.server.request("PUT", f"{CM_PATH}/cm", created).json()
    assert again["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]


def test_put_of_a_missing_object_is_not_found(fakeapi: FakeAPI) -> None:
    response = fakeapi.server.request("PUT", f"{CM_PATH}/cm", configmap())
    assert response.status == 404
    assert response.json()["message"] == 'configmaps "cm" not found'


def test_uid_precondition_on_update(fakeapi: FakeAPI) -> None:
    fakeapi.server.request("POST", CM_PATH, configmap())
    response = fakeapi.server.request("PUT", f"{CM_PATH}/cm", configmap(uid="other"))
    assert response.status == 409
    assert "Precondition failed: UID in precondition: other" in response.json()["message"]


def test_finalizers_hold_the_object_until_removed(fakeapi: FakeAPI) -> None:
    fakeapi.server.request("POST", CM_PATH, configmap(finalizers=["example.com/hold"]))
    deleted = fakeapi.server.request("DELETE", f"{CM_PATH}/cm")
    assert deleted.status == 200
    body = deleted.json()
    assert body["kind"] == "ConfigMap" and body["metadata"]["deletionTimestamp"]
    assert fakeapi.server.request("GET", f"{CM_PATH}/cm").status == 200
    recreate = fakeapi.server.request("POST", CM_PATH, configmap())
    assert recreate.json()["message"] == 'object is being deleted: configmaps "cm" already exists'
    released = fakeapi.server.request(
        "PATCH",
        f"{CM_PATH}/cm",
        {"metadata": {"finalizers": None}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert released.status == 200
    assert fakeapi.server.request("GET", f"{CM_PATH}/cm").status == 404


def test_delete_answers_a_success_status(fakeapi: FakeAPI) -> None:
    created = fakeapi.server.request("POST", CM_PATH, configmap()).json()
    body = fakeapi.server.request("DELETE", f"{CM_PATH}/cm").json()
    assert body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": "cm", "kind": "configmaps", "uid": created["metadata"]["uid"]},
    }


def test_delete_preconditions(fakeapi: FakeAPI) -> None:
    fakeapi.server.request("POST", CM_PATH, configmap())
    body = {"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": "nope"}}
    response = fakeapi.server.request("DELETE", f"{CM_PATH}/cm", body)
    assert response.status == 409
    assert response.json()["message"].startswith(
        'Operation cannot be fulfilled on ConfigMap "cm": the UID in the precondition (nope) does not match'
    )


def test_dry_run_writes_nothing(fakeapi: FakeAPI) -> None:
    response = fakeapi.server.request("POST", CM_PATH, configmap(), query="dryRun=All")
    assert response.status == 201
    assert fakeapi.server.request("GET", f"{CM_PATH}/cm").status == 404


def test_namespace_lifecycle_admission(fakeapi: FakeAPI) -> None:
    missing = fakeapi.server.request("POST", "/api/v1/namespaces/nope/configmaps", configmap())
    assert missing.status == 404
    assert missing.json()["message"] == 'namespaces "nope" not found'
    immortal = fakeapi.server.request("DELETE", "/api/v1/namespaces/kube-system")
    assert immortal.status == 403
    assert immortal.json()["message"] == 'namespaces "kube-system" is forbidden: this namespace may not be deleted'


def test_invalid_object_reports_every_error(fakeapi: FakeAPI) -> None:
    body = configmap("Bad_Name", labels={"bad key!": "v"})
    status = fakeapi.server.request("POST", CM_PATH, body).json()
    assert status["code"] == 422 and status["reason"] == "Invalid"
    assert [c["field"] for c in status["details"]["causes"]] == ["metadata.name", "metadata.labels"]
    assert status["message"].startswith('ConfigMap "Bad_Name" is invalid: [metadata.name: Invalid value: "Bad_Name"')


def test_list_pages_with_continue_and_expired_tokens(fakeapi: FakeAPI) -> None:
    for i in range(5):
        fakeapi.server.request("POST", CM_PATH, configmap(f"cm{i}"))
    first = fakeapi.server.request("GET", CM_PATH, query="limit=2").json()
    assert [i["metadata"]["name"] for i in first["items"]] == ["cm0", "cm1"]
    # The root CA publisher's kube-root-ca.crt is in every namespace, as on a real cluster.
    assert first["metadata"]["remainingItemCount"] == 4
    fakeapi.server.request("POST", CM_PATH, configmap("cm5"))  # not in the snapshot
    token = first["metadata"]["continue"]
    second = fakeapi.server.request("GET", CM_PATH, query=f"limit=2&continue={token}").json()
    third = fakeapi.server.request("GET", CM_PATH, query=f"limit=2&continue={second['metadata']['continue']}").json()
    names = [i["metadata"]["name"] for i in second["items"] + third["items"]]
    assert names == ["cm2", "cm3", "cm4", "kube-root-ca.crt"]
    assert "continue" not in third["metadata"]
    expired = fakeapi.server.request("GET", CM_PATH, query=f"limit=2&continue={token}")
    assert expired.status == 410 and expired.json()["reason"] == "Expired"
    # etcd3's continueExpired: no token to go on with is offered, so the text offers none either.
    assert expired.json()["message"] == (
        "The provided continue parameter is too old to display a consistent list result. "
        "You can start a new list without the continue parameter."
    )
    assert "continue" not in expired.json()["metadata"]
    garbage = fakeapi.server.request("GET", CM_PATH, query="continue=%%%")
    assert garbage.status == 400


def test_secret_string_data_and_service_cluster_ip(fakeapi: FakeAPI) -> None:
    secret = fakeapi.seed(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "s", "namespace": "default"},
            "stringData": {"k": "v"},
        }
    )[0]
    assert secret["data"] == {"k": "dg=="} and secret["type"] == "Opaque" and "stringData" not in secret
    service = fakeapi.seed(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "svc", "namespace": "default"},
            "spec": {"ports": [{"port": 80}]},
        }
    )[0]
    # ipallocator keeps the first 256 addresses of a /12 for Services that name theirs (calculateRangeOffset).
    assert service["spec"]["clusterIP"] == "10.96.1.1"
    assert service["spec"]["ports"][0] == {"port": 80, "protocol": "TCP", "targetPort": 80}
    clash = fakeapi.server.request(
        "POST",
        "/api/v1/namespaces/default/services",
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "svc2"},
            "spec": {"clusterIP": "10.96.1.1", "ports": [{"port": 80}]},
        },
    )
    assert clash.status == 422
    assert "provided IP is already allocated" in clash.json()["message"]


def test_list_with_exact_resource_version_reads_the_past(fakeapi: FakeAPI) -> None:
    fakeapi.server.request("POST", CM_PATH, configmap("old"))
    before = fakeapi.server.request("GET", CM_PATH).json()["metadata"]["resourceVersion"]
    fakeapi.server.request("POST", CM_PATH, configmap("new"))
    past = fakeapi.server.request("GET", CM_PATH, query=f"resourceVersion={before}&resourceVersionMatch=Exact").json()
    assert past["metadata"]["resourceVersion"] == before
    assert [i["metadata"]["name"] for i in past["items"]] == ["kube-root-ca.crt", "old"]
    too_new = fakeapi.server.request("GET", CM_PATH, query="resourceVersion=999999&resourceVersionMatch=NotOlderThan")
    assert too_new.status == 504
    assert too_new.json()["details"]["causes"][0]["reason"] == "ResourceVersionTooLarge"
    invalid = fakeapi.server.request("GET", CM_PATH, query="resourceVersionMatch=Exact")
    assert invalid.status == 422
    assert invalid.json()["message"] == (
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: '
        "resourceVersionMatch is forbidden unless resourceVersion is provided"
    )


def test_a_list_with_a_limit_and_a_resource_version_reads_exactly_that_revision(fakeapi: FakeAPI) -> None:
    # storage.ValidateListOptions' legacy case: a limit and a resourceVersion, no resourceVersionMatch, is Exact.
    fakeapi.server.request("POST", CM_PATH, configmap("old"))
    before = fakeapi.server.request("GET", CM_PATH).json()["metadata"]["resourceVersion"]
    fakeapi.server.request("POST", CM_PATH, configmap("new"))
    past = fakeapi.server.request("GET", CM_PATH, query=f"limit=100&resourceVersion={before}").json()
    assert past["metadata"]["resourceVersion"] == before
    assert [i["metadata"]["name"] for i in past["items"]] == ["kube-root-ca.crt", "old"]
    # Without a limit it is NotOlderThan: the latest.
    latest = fakeapi.server.request("GET", CM_PATH, query=f"resourceVersion={before}").json()
    assert [i["metadata"]["name"] for i in latest["items"]] == ["kube-root-ca.crt", "new", "old"]


@pytest.mark.parametrize(
    "path",
    [
        f"{CM_PATH}/one",
        f"{CM_PATH}",
        "/apis/apps/v1/namespaces/default/deployments/web/status",
        "/apis/apps/v1/namespaces/default/deployments/web/scale",
    ],
)
def test_a_read_asking_for_a_revision_past_the_newest_is_a_timeout(fakeapi: FakeAPI, path: str) -> None:
    # The watch cache's waitUntilFreshAndBlock gives up with storage.NewTooLargeResourceVersionError
    # (k8s.io/apiserver/pkg/storage/errors.go): apierrors.NewTimeoutError with a retry in one second,
    # which responsewriters.ErrorNegotiated also sends as a Retry-After header.
    fakeapi.server.request("POST", CM_PATH, configmap("one"))
    fakeapi.seed(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "w", "image": "w"}]},
                },
            },
        }
    )
    current = fakeapi.server.storage.current_revision
    for fresh_enough in ("", "0", str(current)):
        assert fakeapi.server.request("GET", path, query=f"resourceVersion={fresh_enough}").status == 200
    # Far past the newest: the controllers running meanwhile write a few revisions more.
    too_new = fakeapi.server.request("GET", path, query=f"resourceVersion={current + 10**6}")
    assert too_new.status == 504
    assert ("Retry-After", "1") in too_new.headers
    status = too_new.json()
    now = fakeapi.server.storage.current_revision
    assert status == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": status["message"],
        "reason": "Timeout",
        "details": {
            "causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
            "retryAfterSeconds": 1,
        },
        "code": 504,
    }
    message = re.fullmatch(
        rf"Timeout: Too large resource version: {current + 10**6}, current: (\d+)", status["message"]
    )
    assert message is not None and current <= int(message.group(1)) <= now


def test_deprecated_watch_path_watches_one_object(fakeapi: FakeAPI) -> None:
    fakeapi.server.request("POST", CM_PATH, configmap("one"))
    fakeapi.server.request("POST", CM_PATH, configmap("two"))
    response = fakeapi.server.request(
        "GET", "/api/v1/watch/namespaces/default/configmaps/two", query="timeoutSeconds=1"
    )
    assert response.status == 200
    events = [json.loads(line) for line in response.body.splitlines()]
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "two")]


def test_unknown_fields_of_built_in_kinds_are_dropped_unless_strict(fakeapi: FakeAPI) -> None:
    body = configmap() | {"bogus": 1}
    body["metadata"]["nonsense"] = "x"
    warned = fakeapi.server.request("POST", CM_PATH, body, query="fieldValidation=Warn")
    assert warned.status == 201
    assert ("Warning", '299 - "unknown field \\"bogus\\""') in warned.headers
    stored = fakeapi.server.request("GET", f"{CM_PATH}/cm").json()
    assert "bogus" not in stored and "nonsense" not in stored["metadata"]
    strict = fakeapi.server.request("POST", CM_PATH, configmap("other") | {"bogus": 1}, query="fieldValidation=Strict")
    assert strict.status == 400
    assert strict.json()["message"].endswith('strict decoding error: unknown field "bogus"')
