"""Fixtures of the controller tests: a server stepped by hand and an API helper over it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from controller_helpers import Api

from fakeapi.controllers.manager import without_simulation
from fakeapi.server.instance import FakeAPIServer, ServerConfig


@pytest.fixture
def server() -> Iterator[FakeAPIServer]:
    """A server that is not listening and whose controllers move only when a test calls run_once().

    API-only: nothing schedules or runs pods, so the cluster holds only what kube-apiserver bootstraps.
    """
    instance = FakeAPIServer(ServerConfig(controllers=without_simulation(), run_controllers=False))
    yield instance
    instance.check()


@pytest.fixture
def api(server: FakeAPIServer) -> Api:
    return Api(server)
