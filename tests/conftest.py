"""Shared fixtures of fakeapi's own tests: real clients pointed at the ``fakeapi`` fixture."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
TOOLS_BIN = REPO_ROOT / ".tools" / "bin"

KubectlRunner = Callable[..., subprocess.CompletedProcess[str]]


def _tool(name: str) -> Path:
    path = TOOLS_BIN / name
    if not path.exists():
        pytest.skip(f"{name} is not installed: run `python scripts/fetch_kube_tools.py`")
    return path


def _runner(name: str, env: dict[str, str], *leading: str) -> KubectlRunner:
    """A function running the tool ``name`` with ``leading`` arguments first; it fails loudly unless check=False."""
    binary = _tool(name)

    def run(
        *args: str, input: str | None = None, check: bool = True, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        cmd = [str(binary), *leading, *args]
        result = subprocess.run(cmd, input=input, capture_output=True, text=True, env=env, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"{name} {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result

    return run


@pytest.fixture
def kubectl(fakeapi, tmp_path: Path) -> KubectlRunner:  # type: ignore[no-untyped-def]
    """Run real kubectl 1.37 against the test's cluster; returns the finished process."""
    env = {**os.environ, "KUBECONFIG": str(fakeapi.kubeconfig), "HOME": str(tmp_path)}
    # A fresh cache dir per test: kubectl caches discovery per host:port.
    return _runner("kubectl", env, f"--cache-dir={tmp_path / 'kube-cache'}")


@pytest.fixture
def helm(fakeapi, tmp_path: Path) -> KubectlRunner:  # type: ignore[no-untyped-def]
    """Run real helm 4 against the test's cluster, with its config, cache and data under tmp_path."""
    env = {
        **os.environ,
        "KUBECONFIG": str(fakeapi.kubeconfig),
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "helm-cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "helm-config"),
        "XDG_DATA_HOME": str(tmp_path / "helm-data"),
    }
    return _runner("helm", env)


@pytest.fixture
def k8s_client(fakeapi) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A `kubernetes` ApiClient configured from the test's admin kubeconfig."""
    from kubernetes import config

    client = config.new_client_from_config(str(fakeapi.kubeconfig))
    yield client
    client.close()
