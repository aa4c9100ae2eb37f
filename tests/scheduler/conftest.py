"""Fixtures of the scheduler tests: a server whose scheduler moves only when a test settles it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fakeapi.controllers.manager import without_simulation
from fakeapi.server.instance import FakeAPIServer, ServerConfig


@pytest.fixture
def server() -> Iterator[FakeAPIServer]:
    """A server that is not listening, with the scheduler (and no other simulation) stepped by ``settle()``."""
    instance = FakeAPIServer(ServerConfig(run_controllers=False, controllers=without_simulation("scheduler")))
    yield instance
    instance.check()
