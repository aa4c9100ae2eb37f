"""The audit log: what is recorded of each request, the queries, waiting, and the assertion messages."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import pytest
from testing_objects import configmap, deployment

from fakeapi import FakeAPIServer, ServerConfig
from fakeapi.controllers.manager import without_simulation
from fakeapi.endpoints.http import Request
from fakeapi.pytest_plugin.plugin import FakeAPI
from fakeapi.testing.audit import LEVEL_REQUEST_RESPONSE, TRUNCATED_ANNOTATION, AuditLog
from fakeapi.util.clock import real_monotonic

# The audit log of a test's own requests: no controller makes any meanwhile.
pytestmark = pytest.mark.fakeapi(controllers=without_simulation())

TIMEOUT = 10.0
KUBECTL = "kubectl/v1.37.0 (linux/amd64) kubernetes/abcdef0"


def test_a_request_is_recorded_with_its_request_info_user_and_answer(server: FakeAPIServer) -> None:
    before_wall, before = datetime.now(UTC), real_monotonic()
    server.request(
        "POST", "/apis/apps/v1/namespaces/default/deployments", deployment("web"), headers={"User-Agent": KUBECTL}
    )
    server.request(
        "PATCH",
        "/apis/apps/v1/namespaces/default/deployments/web/status",
        {"status": {"replicas": 1}},
        headers={"Content-Type": "application/merge-patch+json", "User-Agent": KUBECTL},
    )

    create, patch = server.audit_log.requests()
    assert (create.verb, create.api_group, create.api_version, create.resource) == (
        "create",
        "apps",
        "v1",
        "deployments",
    )
    # A create's name is the object's (objectRef.name upstream), though its URL names none.
    assert (create.namespace, create.name, create.code) == ("default", "web", 201)
    assert create.object_ref is not None
    assert (create.object_ref.kind, create.object_ref.name, create.object_ref.api_version) == (
        "Deployment",
        "web",
        "apps/v1",
    )
    assert (patch.verb, patch.name, patch.subresource, patch.code) == ("patch", "web", "status", 200)
    assert patch.object_ref is None  # a merge patch names no object
    assert patch.user == "system:apiserver" and "system:masters" in patch.groups
    assert patch.user_agent == KUBECTL
    assert patch.method == "PATCH" and patch.path == "/apis/apps/v1/namespaces/default/deployments/web/status"
    assert create.sequence < patch.sequence
    assert before <= create.request_received_monotonic <= create.response_started_monotonic
    assert create.response_complete_monotonic is not None
    assert before_wall <= create.request_received_at <= datetime.now(UTC)
    assert create.stage == "ResponseComplete"


def test_a_generated_name_and_a_non_resource_request(server: FakeAPIServer) -> None:
    generated = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "cm-"}}
    server.request("POST", "/api/v1/namespaces/default/configmaps", generated)
    server.request("GET", "/version")

    create, version = server.audit_log.requests()
    assert create.object_ref is not None and create.object_ref.generate_name == "cm-"
    assert str(create.object_ref) == "ConfigMap cm-*"
    assert (version.verb, version.resource, version.path, version.code) == ("get", "", "/version", 200)


def test_failed_authentication_is_recorded_without_a_user(server: FakeAPIServer) -> None:
    server.request("GET", "/api/v1/namespaces", user_token="wrong")
    (refused,) = server.audit_log.requests(code=401)
    assert (refused.verb, refused.resource, refused.user, refused.groups) == ("list", "namespaces", "", ())


def test_impersonation_records_the_user_the_request_ran_as(server: FakeAPIServer) -> None:
    server.request("GET", "/api/v1/namespaces/default/pods", headers={"Impersonate-User": "jane"})
    (event,) = server.audit_log.requests(resource="pods")
    assert event.user == "jane"
    assert event.groups == ("system:authenticated",)


def test_queries_select_by_every_attribute(server: FakeAPIServer) -> None:
    server.request("POST", "/api/v1/namespaces/default/configmaps", configmap("a"), headers={"User-Agent": KUBECTL})
    server.request("POST", "/api/v1/namespaces/default/configmaps", configmap("a"), headers={"User-Agent": "other/1"})
    server.request("GET", "/api/v1/namespaces/default/configmaps/a", headers={"User-Agent": KUBECTL})
    server.request("GET", "/api/v1/namespaces/kube-system/configmaps", headers={"User-Agent": KUBECTL})
    log = server.audit_log

    assert len(log.requests()) == 4
    assert len(log.requests("create", "configmaps")) == 2
    assert [e.code for e in log.requests("create", code=409)] == [409]
    assert len(log.requests(code=(201, 409))) == 2
    assert len(log.requests(user_agent="kubectl")) == 3
    assert len(log.requests(verb=("get", "list"))) == 2
    assert [e.namespace for e in log.requests(namespace="kube-system")] == ["kube-system"]
    assert [e.verb for e in log.requests(name="a")] == ["create", "create", "get"]
    assert log.requests(user="nobody") == []
    with pytest.raises(TypeError, match="unknown request attribute"):
        log.requests(colour="blue")  # type: ignore[call-arg]


def test_wait_for_sees_a_request_made_later_by_another_thread(server: FakeAPIServer) -> None:
    go = threading.Event()

    def later() -> None:
        go.wait(TIMEOUT)
        server.request("DELETE", "/api/v1/namespaces/default/configmaps/missing")

    thread = threading.Thread(target=later, daemon=True)
    thread.start()
    assert server.audit_log.wait_for(timeout=0.05, verb="delete") is None
    go.set()
    event = server.audit_log.wait_for(lambda e: e.code == 404, TIMEOUT, verb="delete", resource="configmaps")
    thread.join(TIMEOUT)
    assert event is not None and event.name == "missing"


def test_assert_requested_lists_the_near_misses(server: FakeAPIServer) -> None:
    server.request("POST", "/apis/apps/v1/namespaces/default/deployments", deployment("web"))
    server.request(
        "PATCH",
        "/apis/apps/v1/namespaces/default/deployments/web",
        {"spec": {"replicas": 2}},
        headers={"Content-Type": "application/merge-patch+json", "User-Agent": KUBECTL},
    )
    server.request("GET", "/api/v1/namespaces")

    with pytest.raises(AssertionError) as failure:
        server.audit_log.assert_requested("patch", "deployments", name="web", subresource="status")

    message = str(failure.value)
    lines = message.splitlines()
    assert lines[0] == (
        "No request matched verb='patch' resource='deployments' subresource='status' name='web'. "
        "Nearest of the 3 requests recorded:"
    )
    # The nearest first: only its subresource differs.
    patch = server.audit_log.requests("patch")[0]
    assert lines[1].startswith(f"  #{patch.sequence} PATCH /apis/apps/v1/namespaces/default/deployments/web -> 200")
    assert lines[1].endswith(": subresource is '' (wanted 'status')")
    assert "verb is 'create' (wanted 'patch')" in lines[2]


def test_assert_requested_counts_and_assert_not_requested_lists_what_matched(server: FakeAPIServer) -> None:
    for name in ("a", "b"):
        server.request("POST", "/api/v1/namespaces/default/configmaps", configmap(name))
    log = server.audit_log

    assert len(log.assert_requested("create", "configmaps", count=2)) == 2
    with pytest.raises(AssertionError) as too_few:
        log.assert_requested("create", "configmaps", count=3)
    assert str(too_few.value).splitlines()[0] == (
        "Expected exactly 3 requests matching verb='create' resource='configmaps', got 2 of the 2 requests recorded:"
    )
    with pytest.raises(AssertionError) as unwanted:
        log.assert_not_requested("create", namespace="default")
    first, *listed = str(unwanted.value).splitlines()
    assert first == "Expected no request matching verb='create' namespace='default', got 2 of the 2 requests recorded:"
    assert listed == [f"  {event}" for event in log.requests("create")]
    log.assert_not_requested("delete")


def test_assert_requested_waits_for_a_background_client(server: FakeAPIServer) -> None:
    timer = threading.Timer(0.1, lambda: server.request("GET", "/api/v1/namespaces/default"))
    timer.start()
    try:
        (event,) = server.audit_log.assert_requested("get", "namespaces", name="default", timeout=TIMEOUT)
    finally:
        timer.cancel()
    assert event.code == 200


def test_an_empty_log_says_so(server: FakeAPIServer) -> None:
    with pytest.raises(AssertionError, match=r"^No request matched verb='get': no requests were recorded\.$"):
        server.audit_log.assert_requested("get")


def test_reset_empties_the_log_and_numbering_goes_on(server: FakeAPIServer) -> None:
    server.request("GET", "/version")
    last = server.audit_log.requests()[-1].sequence
    server.reset()
    assert server.audit_log.requests() == []
    server.request("GET", "/version")
    assert server.audit_log.requests()[0].sequence > last


def test_the_log_is_a_ring_of_its_capacity() -> None:
    small = FakeAPIServer(ServerConfig(audit_log_size=3, bootstrap=False, run_controllers=False))
    for _ in range(5):
        small.request("GET", "/version")
    events = small.audit_log.requests()
    assert [e.sequence for e in events] == [3, 4, 5]
    assert small.audit_log.dropped == 2
    with pytest.raises(AssertionError, match=r"Nearest of the 3 requests recorded \(2 older ones were dropped\):"):
        small.audit_log.assert_requested("delete")


def test_concurrent_requests_get_distinct_sequence_numbers() -> None:
    quiet = FakeAPIServer(ServerConfig(bootstrap=False, run_controllers=False))

    def hammer() -> None:
        for _ in range(50):
            quiet.request("GET", "/version")

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    sequences = [e.sequence for e in quiet.audit_log.requests()]
    assert sorted(sequences) == list(range(1, 201))


def test_seeding_is_setup_not_traffic(server: FakeAPIServer) -> None:
    # Seeded objects go through the stores, not the request filters: no audit, no faults.
    server.faults.conflict(verb="create", resource="configmaps")
    (seeded,) = server.seed(configmap("seeded"))
    assert seeded["metadata"]["managedFields"][0]["manager"] == "fakeapi"
    assert server.audit_log.requests("create", "configmaps") == []
    refused = server.request("POST", "/api/v1/namespaces/default/configmaps", configmap("by-a-client"))
    assert refused.status == 409
    assert [event.code for event in server.audit_log.requests("create", "configmaps")] == [409]


def test_a_create_is_found_by_the_name_of_the_object_it_made(fakeapi: FakeAPI) -> None:
    """The natural assertion after a client's create; generateName creates have no name to match."""
    from kubernetes import client

    api = client.CoreV1Api(fakeapi.api_client())
    api.create_namespaced_config_map("default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="x")))
    api.create_namespaced_config_map("default", client.V1ConfigMap(metadata=client.V1ObjectMeta(generate_name="x-")))

    (event,) = fakeapi.audit.assert_requested("create", "configmaps", name="x", namespace="default", code=201)
    assert event.object_ref is not None and event.object_ref.name == "x"
    assert [e.name for e in fakeapi.audit.requests("create")] == ["x", ""]


# -- bodies (the RequestResponse level) ---------------------------------------------------------------


def test_the_request_and_response_bodies_are_kept(server: FakeAPIServer) -> None:
    server.request("POST", "/api/v1/namespaces/default/configmaps", configmap("a", x="1"))
    server.request("GET", "/api/v1/namespaces/default/configmaps/missing")

    create, get = server.audit_log.requests()
    assert json.loads(create.request_object or b"") == configmap("a", x="1")
    assert create.request_content_type == "application/json"
    assert json.loads(create.response_object or b"")["metadata"]["name"] == "a"
    assert create.response_content_type == "application/json"
    assert get.request_object is None
    assert json.loads(get.response_object or b"")["reason"] == "NotFound"


def test_a_watch_stream_is_no_body(server: FakeAPIServer) -> None:
    done = threading.Event()

    def watch() -> None:
        server.request("GET", "/api/v1/namespaces/default/configmaps", query="watch=true&timeoutSeconds=1")
        done.set()

    threading.Thread(target=watch, daemon=True).start()
    server.request("POST", "/api/v1/namespaces/default/configmaps", configmap("a"))
    assert done.wait(TIMEOUT)
    (watch_event,) = server.audit_log.requests("watch")
    assert watch_event.response_object is None
    assert server.watch_events.events("ADDED", name="a")


def test_an_event_over_100_kib_loses_its_bodies_as_upstream_truncates_it(server: FakeAPIServer) -> None:
    # staging/src/k8s.io/apiserver/plugin/pkg/audit/truncate/truncate.go: RequestObject and ResponseObject are
    # dropped and the event annotated audit.k8s.io/truncated=true; the default limit is 100 KiB.
    server.request("POST", "/api/v1/namespaces/default/configmaps", configmap("big", x="y" * 60_000))

    (create,) = server.audit_log.requests()
    assert create.code == 201
    assert (create.request_object, create.response_object) == (None, None)
    assert create.annotations[TRUNCATED_ANNOTATION] == "true"


def test_the_bodies_kept_in_all_are_bounded_the_oldest_going_first() -> None:
    log = AuditLog(level=LEVEL_REQUEST_RESPONSE, body_budget=3_000)
    for name in "abcde":
        in_flight = log.begin(Request("POST", "/api/v1/configmaps", body=json.dumps(configmap(name)).encode()))
        in_flight.response_started(201, "application/json")
        in_flight.response_written(b"x" * 500)
        in_flight.complete()

    events = log.requests()
    kept = [e.sequence for e in events if e.request_object is not None]
    dropped = [e.sequence for e in events if e.annotations.get(TRUNCATED_ANNOTATION) == "true"]
    assert kept and dropped and max(dropped) < min(kept)
    assert sorted(kept + dropped) == [e.sequence for e in events]


def test_the_metadata_level_keeps_no_bodies() -> None:
    with FakeAPIServer(ServerConfig(controllers=without_simulation(), audit_level="Metadata")) as server:
        server.request("POST", "/api/v1/namespaces/default/configmaps", configmap("a"))
        (create,) = server.audit_log.requests("create", "configmaps", name="a")
    assert (create.request_object, create.response_object) == (None, None)


def test_an_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="audit level must be 'Metadata' or 'RequestResponse', not 'Request'"):
        AuditLog(level="Request")  # type: ignore[arg-type]
