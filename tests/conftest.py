"""Shared fixtures of fakeapi's own tests: real clients pointed at the ``fakeapi`` fixture."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from kube_tools import ToolRunner, tool_runner


@pytest.fixture
def kubectl(fakeapi, tmp_path: Path) -> ToolRunner:  # type: ignore[no-untyped-def]
    """Run real kubectl 1.37 against the test's cluster; returns the finished process."""
    env = {**os.environ, "KUBECONFIG": fakeapi.kubeconfig, "HOME": str(tmp_path)}
    # A fresh cache dir per test: kubectl caches discovery per host:port.
    return tool_runner("kubectl", env, f"--cache-dir={tmp_path / 'kube-cache'}")


@pytest.fixture
def helm(fakeapi, tmp_path: Path) -> ToolRunner:  # type: ignore[no-untyped-def]
    """Run real helm 4 against the test's cluster, with its config, cache and data under tmp_path."""
    env = {
        **os.environ,
        "KUBECONFIG": fakeapi.kubeconfig,
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "helm-cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "helm-config"),
        "XDG_DATA_HOME": str(tmp_path / "helm-data"),
    }
    return tool_runner("helm", env)


@pytest.fixture
def k8s_client(fakeapi) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A `kubernetes` ApiClient configured from the test's admin kubeconfig."""
    from kubernetes import config

    client = config.new_client_from_config(fakeapi.kubeconfig)
    yield client
    client.close()
