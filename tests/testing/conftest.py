"""Fixtures of the fakeapi.testing tests: a server of their own, reset for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fakeapi import FakeAPIServer, ServerConfig
from fakeapi.controllers.manager import without_simulation


@pytest.fixture(scope="module")
def running_server() -> Iterator[FakeAPIServer]:
    # The logs and transports under test see only the tests' own requests: nothing runs pods meanwhile.
    with FakeAPIServer(ServerConfig(controllers=without_simulation())) as server:
        yield server


@pytest.fixture
def server(running_server: FakeAPIServer) -> Iterator[FakeAPIServer]:
    """The module's server with a fresh cluster and empty logs; its unexpected errors fail the test."""
    running_server.reset()
    yield running_server
    running_server.check()
