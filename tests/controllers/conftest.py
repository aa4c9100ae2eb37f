"""Fixtures of the controller tests: a server stepped by hand and an API helper over it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from controller_helpers import Api

from fakeapi.server.instance import FakeAPIServer, ServerConfig


@pytest.fixture
def server() -> Iterator[FakeAPIServer]:
    """A server that is not listening and whose controllers move only when a test calls run_once()."""
    instance = FakeAPIServer(ServerConfig(run_controllers=False))
    yield instance
    instance.check()


@pytest.fixture
def api(server: FakeAPIServer) -> Api:
    return Api(server)
