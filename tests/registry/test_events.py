"""Events: one storage behind core v1 and events.k8s.io/v1, validated as the API written through says."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fakeapi.pytest_plugin.plugin import FakeAPI
from fakeapi.registry.core.event import EventsV1Codec

CORE = "/api/v1/namespaces/default/events"
EVENTS_V1 = "/apis/events.k8s.io/v1/namespaces/default/events"
MERGE = {"Content-Type": "application/merge-patch+json"}
WATCH_TIMEOUT = 10


def core_event(name: str, **fields: Any) -> dict[str, Any]:
    """An old-style core Event, as kubectl and older clients post them (no eventTime)."""
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "web-0", "namespace": "default"},
        "reason": "Started",
        "message": "Started container",
        "source": {"component": "kubelet", "host": "node-1"},
        "firstTimestamp": "2026-01-01T00:00:00Z",
        "lastTimestamp": "2026-01-01T00:00:05Z",
        "count": 2,
        "type": "Normal",
        **fields,
    }


def events_v1_event(name: str, **fields: Any) -> dict[str, Any]:
    """A new-style Event, as client-go's events recorder posts them."""
    return {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": "default"},
        "regarding": {"kind": "Deployment", "name": "web", "namespace": "default", "apiVersion": "apps/v1"},
        "reason": "ScalingReplicaSet",
        "note": "Scaled up replica set web-abc to 1",
        "eventTime": "2026-01-01T00:00:00.000000Z",
        "reportingController": "deployment-controller",
        "reportingInstance": "deployment-controller-node-1",
        "action": "Scale",
        "type": "Normal",
        **fields,
    }


def body(fakeapi: FakeAPI, method: str, path: str, obj: Any = None, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    response = fakeapi.server.request(method, path, obj, **kwargs)
    return response.status, response.json()


def without_meta(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k != "metadata"}


def test_a_core_event_reads_through_events_k8s_io_with_the_new_field_names(fakeapi: FakeAPI) -> None:
    status, created = body(fakeapi, "POST", CORE, core_event("started"))
    assert status == 201

    status, converted = body(fakeapi, "GET", f"{EVENTS_V1}/started")
    assert status == 200
    assert without_meta(converted) == {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "regarding": {"kind": "Pod", "name": "web-0", "namespace": "default"},
        "reason": "Started",
        "note": "Started container",
        "deprecatedSource": {"component": "kubelet", "host": "node-1"},
        "deprecatedFirstTimestamp": "2026-01-01T00:00:00Z",
        "deprecatedLastTimestamp": "2026-01-01T00:00:05Z",
        "deprecatedCount": 2,
        "type": "Normal",
        # events.k8s.io/v1's eventTime has no omitempty: Go writes the unset MicroTime as null.
        "eventTime": None,
    }
    # One object, not a copy: same uid and resourceVersion, the managedFields of the core write.
    assert converted["metadata"]["uid"] == created["metadata"]["uid"]
    assert converted["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    assert converted["metadata"]["managedFields"][0]["apiVersion"] == "v1"


def test_an_events_k8s_io_event_reads_through_core_v1(fakeapi: FakeAPI) -> None:
    status, _ = body(fakeapi, "POST", EVENTS_V1, events_v1_event("scaled"))
    assert status == 201

    status, core = body(fakeapi, "GET", f"{CORE}/scaled")
    assert status == 200
    assert without_meta(core) == {
        "apiVersion": "v1",
        "kind": "Event",
        "involvedObject": {"kind": "Deployment", "name": "web", "namespace": "default", "apiVersion": "apps/v1"},
        "reason": "ScalingReplicaSet",
        "message": "Scaled up replica set web-abc to 1",
        "eventTime": "2026-01-01T00:00:00.000000Z",
        "reportingComponent": "deployment-controller",
        "reportingInstance": "deployment-controller-node-1",
        "action": "Scale",
        "type": "Normal",
        # What core v1's Go type always writes: the unset Times as null, the source struct as {}.
        "firstTimestamp": None,
        "lastTimestamp": None,
        "source": {},
    }
    names = [e["metadata"]["name"] for e in body(fakeapi, "GET", CORE)[1]["items"]]
    assert names == ["scaled"]
    # The snapshot holds the object once, in its storage form.
    assert fakeapi.server.snapshot("json").count('"name": "scaled"') == 1


def test_the_codec_round_trips_every_renamed_field() -> None:
    event = events_v1_event(
        "e",
        deprecatedSource={"component": "c"},
        deprecatedFirstTimestamp="2026-01-01T00:00:00Z",
        deprecatedLastTimestamp="2026-01-01T00:00:01Z",
        deprecatedCount=3,
        series={"count": 2, "lastObservedTime": "2026-01-01T00:00:01.000000Z"},
        related={"kind": "Pod", "name": "p"},
    )
    codec = EventsV1Codec()
    stored = codec.to_storage(event)
    assert stored["apiVersion"] == "v1"
    assert not set(stored) & {"regarding", "note", "reportingController", "deprecatedCount"}
    assert codec.from_storage(stored) == event


def test_deleting_through_one_api_removes_it_from_both(fakeapi: FakeAPI) -> None:
    body(fakeapi, "POST", CORE, core_event("gone"))
    status, _ = body(fakeapi, "DELETE", f"{EVENTS_V1}/gone")
    assert status == 200
    assert body(fakeapi, "GET", f"{CORE}/gone")[0] == 404
    assert body(fakeapi, "GET", f"{EVENTS_V1}/gone")[0] == 404


def test_events_k8s_io_field_selectors_read_the_converted_fields(fakeapi: FakeAPI) -> None:
    body(fakeapi, "POST", CORE, core_event("about-web-0"))
    body(fakeapi, "POST", CORE, core_event("about-web-1", involvedObject={"kind": "Pod", "name": "web-1"}))
    _, listed = body(fakeapi, "GET", EVENTS_V1, query="fieldSelector=regarding.name%3Dweb-1")
    assert [e["metadata"]["name"] for e in listed["items"]] == ["about-web-1"]


def test_a_watch_through_events_k8s_io_sees_core_writes_converted(fakeapi: FakeAPI) -> None:
    revision = body(fakeapi, "GET", EVENTS_V1)[1]["metadata"]["resourceVersion"]
    body(fakeapi, "POST", CORE, core_event("watched"))
    response = fakeapi.server.request("GET", EVENTS_V1, query=f"watch=true&resourceVersion={revision}&timeoutSeconds=1")
    (event,) = [json.loads(line) for line in response.body.splitlines() if line]
    assert event["type"] == "ADDED"
    assert event["object"]["apiVersion"] == "events.k8s.io/v1"
    assert event["object"]["note"] == "Started container"


def test_both_tables_show_events_of_both_apis(fakeapi: FakeAPI) -> None:
    body(fakeapi, "POST", CORE, core_event("old-style"))
    body(fakeapi, "POST", EVENTS_V1, events_v1_event("new-style"))
    table = {"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}
    for path in (CORE, EVENTS_V1):
        _, listed = body(fakeapi, "GET", path, headers=table)
        rows = {row["object"]["metadata"]["name"]: row["cells"] for row in listed["rows"]}
        assert set(rows) == {"old-style", "new-style"}
        columns = [c["name"] for c in listed["columnDefinitions"]]
        assert dict(zip(columns, rows["old-style"], strict=True))["Source"] == "kubelet, node-1"
        assert dict(zip(columns, rows["new-style"], strict=True))["Message"] == "Scaled up replica set web-abc to 1"


# -- validation (pkg/apis/core/validation/events.go) -----------------------------------------------


def invalid_causes(fakeapi: FakeAPI, method: str, path: str, obj: Any, **kwargs: Any) -> list[str]:
    status, answer = body(fakeapi, method, path, obj, **kwargs)
    assert (status, answer.get("reason")) == (422, "Invalid"), answer
    return [f"{c['field']}: {c['message']}" for c in answer["details"]["causes"]]


def test_a_new_style_core_event_needs_its_reporting_fields(fakeapi: FakeAPI) -> None:
    event = core_event("half-new", eventTime="2026-01-01T00:00:00.000000Z")
    assert invalid_causes(fakeapi, "POST", CORE, event) == [
        "reportingController: Required value",
        'reportingController: Invalid value: "": name part must be non-empty',
        "reportingController: Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_'"
        " or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or"
        " '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        "reportingInstance: Required value",
        "action: Required value",
    ]


def test_an_old_style_event_must_be_in_its_objects_namespace(fakeapi: FakeAPI) -> None:
    event = core_event("elsewhere", involvedObject={"kind": "Pod", "name": "p", "namespace": "other"})
    assert invalid_causes(fakeapi, "POST", CORE, event) == [
        'involvedObject.namespace: Invalid value: "other": does not match event.namespace'
    ]
    # Without a namespace on the object, only "default" (and none) are accepted.
    fakeapi.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    event = core_event("unplaced", involvedObject={"kind": "Node", "name": "n"})
    event["metadata"]["namespace"] = "team"
    assert invalid_causes(fakeapi, "POST", "/api/v1/namespaces/team/events", event) == [
        'involvedObject.namespace: Invalid value: "": does not match event.namespace'
    ]
    event["metadata"]["namespace"] = "default"
    assert body(fakeapi, "POST", CORE, event)[0] == 201


def test_events_k8s_io_refuses_the_deprecated_fields_under_their_internal_names(fakeapi: FakeAPI) -> None:
    event = events_v1_event(
        "legacy-fields",
        deprecatedCount=2,
        deprecatedSource={"component": "kubelet"},
        deprecatedFirstTimestamp="2026-01-01T00:00:00Z",
        type="Info",
        series={"count": 1},
    )
    # The schema's required list reports the missing lastObservedTime first; the check that
    # finds it again adds nothing.
    assert invalid_causes(fakeapi, "POST", EVENTS_V1, event) == [
        "series.lastObservedTime: Required value",
        'series.count: Invalid value: "": should be at least 2',
        'type: Invalid value: "": has invalid value: Info',
        'firstTimestamp: Invalid value: "": needs to be unset',
        'count: Invalid value: "": needs to be unset',
        'source: Invalid value: "": needs to be unset',
    ]


def test_events_k8s_io_needs_an_event_time_and_a_subdomain_name(fakeapi: FakeAPI) -> None:
    event = events_v1_event("Not_A_Subdomain")
    del event["eventTime"]
    causes = invalid_causes(fakeapi, "POST", EVENTS_V1, event)
    assert "eventTime: Required value" in causes
    assert any(c.startswith('metadata.name: Invalid value: "Not_A_Subdomain"') for c in causes)
    # Core v1 checks no name format at all.
    assert body(fakeapi, "POST", CORE, core_event("Not_A_Subdomain"))[0] == 201


def test_events_k8s_io_updates_keep_the_event_immutable_but_core_updates_do_not(fakeapi: FakeAPI) -> None:
    body(fakeapi, "POST", EVENTS_V1, events_v1_event("fixed"))
    # reason is listed twice in ValidateEventUpdate, so it is reported twice.
    assert invalid_causes(fakeapi, "PATCH", f"{EVENTS_V1}/fixed", {"note": "new", "reason": "X"}, headers=MERGE) == [
        'reason: Invalid value: "X": field is immutable',
        'message: Invalid value: "new": field is immutable',
        'reason: Invalid value: "X": field is immutable',
    ]
    series = {"series": {"count": 2, "lastObservedTime": "2026-01-01T00:01:00.000000Z"}}
    status, updated = body(fakeapi, "PATCH", f"{EVENTS_V1}/fixed", series, headers=MERGE)
    assert (status, updated["series"]["count"]) == (200, 2)
    status, core = body(fakeapi, "PATCH", f"{CORE}/fixed", {"message": "rewritten"}, headers=MERGE)
    assert (status, core["message"]) == (200, "rewritten")


@pytest.mark.parametrize("field", ["reportingInstance", "action", "reason"])
def test_reporting_fields_are_limited_to_128_characters(fakeapi: FakeAPI, field: str) -> None:
    event = events_v1_event("long", **{field: "x" * 129})
    assert invalid_causes(fakeapi, "POST", EVENTS_V1, event) == [
        f'{field}: Invalid value: "": can have at most 128 characters'
    ]
