"""An RBAC cluster for the authorization tests, reset for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rbac_helpers import RBAC

from fakeapi.server.instance import FakeAPIServer, ServerConfig


@pytest.fixture(scope="module")
def rbac_server() -> Iterator[FakeAPIServer]:
    with FakeAPIServer(ServerConfig(authorization_mode="RBAC")) as server:
        yield server
    server.check()


@pytest.fixture
def rbac(rbac_server: FakeAPIServer) -> Iterator[RBAC]:
    rbac_server.reset()
    yield RBAC(rbac_server)
    rbac_server.check()
