"""Events recorded the way client-go's recorders record them: a repeat folds into the first.

core/v1 (tools/record events_cache.go, EventCorrelator's logger): the same component, object,
type, reason and message again raise the stored Event's ``count`` and move its
``lastTimestamp``. events.k8s.io/v1 (tools/events, the scheduler's): the second time, the Event
becomes a series (``series.count`` 2); later repeats only count in the recorder.
"""

from __future__ import annotations

from typing import Any

from fakeapi.pytest_plugin.plugin import FakeAPI


def _events(fakeapi: FakeAPI, reason: str, **fields: str) -> list[dict[str, Any]]:
    items = fakeapi.server.request("GET", "/api/v1/namespaces/default/events").json()["items"]
    return [
        e for e in items if e["reason"] == reason and all(e["involvedObject"].get(k) == v for k, v in fields.items())
    ]


def _scale(fakeapi: FakeAPI, replicas: int) -> None:
    patch = {"spec": {"replicas": replicas}}
    fakeapi.server.request(
        "PATCH",
        "/apis/apps/v1/namespaces/default/deployments/web",
        patch,
        headers={"Content-Type": "application/merge-patch+json"},
    )
    fakeapi.server.settle()


def test_a_controller_event_that_happens_again_is_counted_on_the_first(fakeapi: FakeAPI) -> None:
    fakeapi.seed(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": "registry.example/web:1"}]},
                },
            },
        }
    )
    fakeapi.server.settle()
    for replicas in (3, 2, 3):
        _scale(fakeapi, replicas)

    scaled = _events(fakeapi, "ScalingReplicaSet", kind="Deployment", name="web")
    # "Scaled up replica set web-... from 2 to 3": one Event per distinct message.
    by_change = {e["message"].split(" from ")[1]: e for e in scaled}
    assert sorted(by_change) == ["0 to 2", "2 to 3", "3 to 2"], [e["message"] for e in scaled]
    assert [by_change[change]["count"] for change in ("0 to 2", "2 to 3", "3 to 2")] == [1, 2, 1]
    assert by_change["2 to 3"]["firstTimestamp"] <= by_change["2 to 3"]["lastTimestamp"]


def test_a_scheduling_failure_that_happens_again_becomes_a_series(fakeapi: FakeAPI) -> None:
    too_big = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "big", "namespace": "default"},
        "spec": {
            "containers": [{"name": "c", "image": "registry.example/c:1", "resources": {"requests": {"cpu": "100"}}}]
        },
    }
    fakeapi.seed(too_big)
    fakeapi.server.settle()
    # A pod leaving the node may make room: the scheduler tries the unschedulable pod again, each time.
    for attempt in range(3):
        small = {**too_big, "metadata": {"name": f"small-{attempt}", "namespace": "default"}}
        small["spec"] = {"containers": [{"name": "c", "image": "registry.example/c:1"}]}
        fakeapi.seed(small)
        fakeapi.server.settle()
        fakeapi.server.request(
            "DELETE", f"/api/v1/namespaces/default/pods/small-{attempt}", query="gracePeriodSeconds=0"
        )
        fakeapi.server.settle()

    events = fakeapi.server.request("GET", "/apis/events.k8s.io/v1/namespaces/default/events").json()["items"]
    failures = [e for e in events if e["reason"] == "FailedScheduling" and e["regarding"]["name"] == "big"]
    assert len(failures) == 1
    assert failures[0]["series"]["count"] == 2
