"""The trace's document: what a server recorded, as the viewer reads it (requests, versions, watch events, enqueues)."""

from __future__ import annotations

import json
import threading

import pytest
from protobuf_bodies import new_message, protobuf_body
from testing_objects import configmap, deployment

from fakeapi import FakeAPIServer
from fakeapi.testing.trace import Cursor, cluster_trace, read_html, trace_document, write_html
from fakeapi.util.clock import real_monotonic

KUBECTL = "kubectl/v1.37.0 (linux/amd64) kubernetes/abcdef0"
CONFIGMAPS = "/api/v1/namespaces/default/configmaps"
PROTOBUF = "application/vnd.kubernetes.protobuf"


def test_each_request_has_its_bodies_field_manager_and_the_versions_it_made(server: FakeAPIServer) -> None:
    origin = real_monotonic()
    server.request("POST", CONFIGMAPS, configmap("a", x="1"), headers={"User-Agent": KUBECTL})
    server.request(
        "PATCH",
        f"{CONFIGMAPS}/a",
        {"data": {"x": "2"}},
        query="fieldManager=my-controller",
        headers={"Content-Type": "application/merge-patch+json"},
    )
    server.request("GET", f"{CONFIGMAPS}/missing")

    trace = cluster_trace(server, name="c", origin=origin)
    create, patch, missing = trace.requests
    assert (create["verb"], create["resource"], create["name"], create["code"]) == ("create", "configmaps", "a", 201)
    assert (create["userAgent"], create["user"]) == (KUBECTL, "system:apiserver")
    # managedfields' prefixFromUserAgent: the user agent up to its first '/' when no fieldManager is given.
    assert (create["fieldManager"], patch["fieldManager"], missing["fieldManager"]) == (
        "kubectl",
        "my-controller",
        None,
    )
    # Bodies as they were sent, for the viewer to parse.
    assert json.loads(create["requestBody"]["text"]) == configmap("a", x="1")
    assert create["requestBody"]["contentType"] == "application/json"
    assert patch["requestBody"] == {
        "contentType": "application/merge-patch+json",
        "bytes": 18,
        "text": '{"data":{"x":"2"}}',
    }
    assert 0 <= create["t"] <= create["end"] <= patch["t"]
    (made,) = create["revisions"]
    assert json.loads(create["responseBody"]["text"])["metadata"]["resourceVersion"] == str(made)
    assert json.loads(missing["responseBody"]["text"])["reason"] == "NotFound"
    created, patched = (v for v in trace.versions if v["key"] == "configmaps/default/a")
    assert (created["type"], created["rev"], created["req"]) == ("ADDED", made, create["seq"])
    assert (patched["type"], patched["req"], patched["object"]["data"]) == ("MODIFIED", patch["seq"], {"x": "2"})
    assert patched["t"] >= created["t"]


def test_what_existed_before_the_origin_is_the_starting_state(server: FakeAPIServer) -> None:
    server.request("POST", CONFIGMAPS, configmap("before"))
    server.seed(configmap("seeded"))
    origin = real_monotonic()
    server.request("DELETE", f"{CONFIGMAPS}/before")
    server.seed(configmap("seeded-later"))

    trace = cluster_trace(server, name="c", origin=origin)
    by_key = {v["key"]: v for v in trace.versions if v["type"] == "EXISTING"}
    assert by_key["configmaps/default/before"]["t"] is None
    assert "configmaps/default/seeded" in by_key
    assert "namespaces//default" in by_key  # the bootstrap's
    changes = [(v["type"], v["name"], v["req"] is None) for v in trace.versions if v["t"] is not None]
    # Seeding makes no request: its versions name none.
    assert changes == [("DELETED", "before", False), ("ADDED", "seeded-later", True)]
    assert [r["verb"] for r in trace.requests] == ["delete"]
    assert trace.start_revision == min(v["rev"] for v in trace.versions if v["t"] is not None) - 1


def test_watch_events_name_their_watch_and_enqueues_their_controller(server: FakeAPIServer) -> None:
    origin = real_monotonic()
    finished = threading.Event()

    def watch() -> None:
        server.request("GET", CONFIGMAPS, query="watch=true&timeoutSeconds=1", headers={"User-Agent": "watcher/1"})
        finished.set()

    threading.Thread(target=watch, daemon=True).start()
    assert server.audit_log.wait_for(verb="watch", resource="configmaps") is not None
    server.request("POST", CONFIGMAPS, configmap("a"))
    server.request("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}})
    assert finished.wait(10)

    trace = cluster_trace(server, name="c", origin=origin)
    watch_request = next(r for r in trace.requests if r["verb"] == "watch")
    (sent,) = [e for e in trace.watch_events if e["name"] == "a"]
    assert (sent["type"], sent["resource"], sent["watch"], sent["userAgent"]) == (
        "ADDED",
        "configmaps",
        watch_request["seq"],
        "watcher/1",
    )
    assert {"listener": "serviceaccount", "key": "n", "cause": "namespace added"}.items() <= next(
        e for e in trace.enqueues if e["listener"] == "serviceaccount"
    ).items()


def test_after_a_cursor_only_what_came_since(server: FakeAPIServer) -> None:
    origin = real_monotonic()
    server.request("POST", CONFIGMAPS, configmap("a"))
    first = cluster_trace(server, name="c", origin=origin)
    server.request("GET", "/ui/trace")  # the live view's own request: left out, but passed by the cursor
    server.request("POST", "/apis/apps/v1/namespaces/default/deployments", deployment("web"))

    later = cluster_trace(server, name="c", origin=origin, after=first.cursor, hidden_path_prefix="/ui")
    assert [(r["verb"], r["resource"]) for r in later.requests] == [("create", "deployments")]
    assert [v["name"] for v in later.versions] == ["web"]
    assert later.cursor.audit == later.requests[0]["seq"]
    assert later.cursor.revision == server.storage.current_revision
    assert Cursor.parse(str(later.cursor)) == later.cursor
    nothing = cluster_trace(server, name="c", origin=origin, after=later.cursor)
    assert (nothing.requests, nothing.versions, nothing.watch_events, nothing.enqueues) == ([], [], [], [])


@pytest.mark.parametrize("text", ["", "1.2.3", "a.b.c.d", "1.2.3.4.5"])
def test_a_malformed_cursor_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Cursor.parse(text)


def test_a_protobuf_body_is_decoded_and_a_malformed_one_kept_as_it_came(server: FakeAPIServer) -> None:
    origin = real_monotonic()
    message = new_message("k8s.io.api.core.v1.ConfigMap")
    message.metadata.name = "a"
    server.request("POST", CONFIGMAPS, protobuf_body("v1", "ConfigMap", message), headers={"Content-Type": PROTOBUF})
    server.request("POST", CONFIGMAPS, b"{not json", headers={"Content-Type": "application/json"})

    created, refused = cluster_trace(server, name="c", origin=origin).requests
    assert (created["code"], created["requestBody"]["object"]["metadata"]["name"]) == (201, "a")
    assert refused["code"] == 400
    assert refused["requestBody"] == {"contentType": "application/json", "bytes": 9, "text": "{not json"}


def test_the_html_file_holds_the_document(server: FakeAPIServer, tmp_path) -> None:  # type: ignore[no-untyped-def]
    origin = real_monotonic()
    server.request("POST", CONFIGMAPS, configmap("a"))
    document = trace_document([cluster_trace(server, name="c", origin=origin)], title="a test", origin=origin)

    path = write_html(tmp_path / "deep" / "trace.html", document)
    page = path.read_text()
    assert "<script" in page and "http://" not in page.split("<script", 1)[1].split("</script>")[0]
    assert read_html(path)["clusters"][0]["requests"][0]["name"] == "a"
    assert read_html(path)["title"] == "a test"
