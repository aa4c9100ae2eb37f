"""The fakeapi pytest plugin: fixtures over fakeapi's public API, and nothing else.

One server starts per pytest session (per xdist worker); each test gets a ``fakeapi`` handle
on it with the state reset, so what one test creates the next never sees.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakeapi import FakeAPIServer, ServerConfig
from fakeapi.manifests import ManifestSource


class FakeAPI:
    """What a test holds: the running server, an admin kubeconfig, and seeding."""

    def __init__(self, server: FakeAPIServer, kubeconfig: Path) -> None:
        self.server = server
        self.kubeconfig = kubeconfig

    @property
    def url(self) -> str:
        return self.server.url

    def seed(self, *sources: ManifestSource) -> list[dict[str, Any]]:
        """Create objects (dicts, YAML text, YAML files or directories) through the REST stores."""
        return self.server.seed(*sources)


@pytest.fixture(scope="session")
def fakeapi_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeAPIServer]:
    """The session's server, started once."""
    with FakeAPIServer(ServerConfig()) as server:
        yield server


@pytest.fixture(scope="session")
def fakeapi_kubeconfig(fakeapi_server: FakeAPIServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fakeapi_server.write_kubeconfig(tmp_path_factory.mktemp("fakeapi") / "kubeconfig")


@pytest.fixture
def fakeapi(fakeapi_server: FakeAPIServer, fakeapi_kubeconfig: Path) -> Iterator[FakeAPI]:
    """A clean cluster for this test (the bootstrap objects only)."""
    fakeapi_server.reset()
    yield FakeAPI(fakeapi_server, fakeapi_kubeconfig)
    fakeapi_server.check()


@pytest.fixture
def fakeapi_kubeconfig_env(fakeapi: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> FakeAPI:
    """Point ``KUBECONFIG`` at the test's cluster, for code that calls ``load_kube_config()`` bare.

    The `kubernetes` client reads ``KUBECONFIG`` once, when it is imported, so its remembered
    default is patched too when it is already loaded.
    """
    monkeypatch.setenv("KUBECONFIG", str(fakeapi.kubeconfig))
    kube_config = sys.modules.get("kubernetes.config.kube_config")
    if kube_config is not None:
        monkeypatch.setattr(kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(fakeapi.kubeconfig))
    return fakeapi
