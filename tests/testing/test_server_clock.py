"""The server clock moved forward (fakeapi.testing.clock): work due on the way runs at its moment, in order."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from freezegun import freeze_time

from fakeapi.kubelet.config import ClusterConfig
from fakeapi.server.instance import FakeAPIServer, ServerConfig
from fakeapi.util.clock import utc_now

T0 = datetime(2030, 1, 2, tzinfo=UTC)


@pytest.fixture
def server() -> Iterator[FakeAPIServer]:
    cluster = dataclasses.replace(ClusterConfig(), kube_system=False)
    instance = FakeAPIServer(ServerConfig(run_controllers=False, controllers=["kubelet"], cluster=cluster))
    with freeze_time(T0):
        instance.settle()
        yield instance
        instance.check()


def test_advance_stops_at_each_moment_work_is_due(server: FakeAPIServer) -> None:
    server.behaviour.pods().crash(after=60)
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"nodeName": "fakeapi-control-plane", "containers": [{"name": "c", "image": "i"}]},
    }
    assert server.request("POST", "/api/v1/namespaces/default/pods", pod).status == 201
    server.settle()
    # Exits at 60 s and is restarted at once; exits at 120 s, backs off 10 s, restarts at 130 s.
    server.clock.advance(135)
    assert server.clock.steps == 3
    status = server.request("GET", "/api/v1/namespaces/default/pods/p").json()["status"]["containerStatuses"][0]
    assert status["restartCount"] == 2
    assert status["state"]["running"]["startedAt"] == "2030-01-02T00:02:10Z"
    assert status["lastState"]["terminated"]["finishedAt"] == "2030-01-02T00:02:00Z"


def test_heartbeats_run_at_the_stops_without_stopping_a_jump(server: FakeAPIServer) -> None:
    server.clock.advance(3600)
    assert server.clock.steps == 0
    lease = server.request(
        "GET", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/fakeapi-control-plane"
    )
    assert lease.json()["spec"]["renewTime"].startswith("2030-01-02T01:00:00")


def test_the_clock_only_moves_forward(server: FakeAPIServer) -> None:
    with pytest.raises(ValueError, match="only moves forward"):
        server.clock.advance(-1)
    with pytest.raises(ValueError, match="only moves forward"):
        server.clock.move_to("2029-12-31T23:59:59Z")
    assert server.clock.move_to(datetime(2030, 1, 3)) == datetime(2030, 1, 3, tzinfo=UTC)


def test_without_a_freeze_the_first_move_freezes_until_stopped() -> None:
    server = FakeAPIServer(ServerConfig(run_controllers=False, controllers=[]))
    before = utc_now()
    moved = server.clock.advance(86400)
    assert (moved - before).total_seconds() >= 86400
    assert utc_now() == moved
    server.clock.stop()
    assert utc_now() < moved
