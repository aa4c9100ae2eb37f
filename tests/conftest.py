"""Shared setup of fakeapi's own tests: the kubectl and helm they run, real clients pointed at the ``fakeapi`` fixture."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakeapi.pytest_plugin.kube_tools import HELM, KUBECTL

# The tests expect kubectl 1.37 and helm 4, which scripts/fetch_kube_tools.py installs here, not
# whatever PATH holds; the plugin's kubectl and helm fixtures run what these variables name.
TOOLS_BIN = Path(__file__).resolve().parents[1] / ".tools" / "bin"
for _tool in (KUBECTL, HELM):
    os.environ.setdefault(_tool.env_var, str(TOOLS_BIN / _tool.name))


def pytest_report_header() -> list[str]:
    """How to get the tools when the tests that run them will be skipped (their skips name only the path)."""
    missing = [
        tool.name
        for tool in (KUBECTL, HELM)
        if os.environ[tool.env_var] == str(TOOLS_BIN / tool.name) and not (TOOLS_BIN / tool.name).is_file()
    ]
    if not missing:
        return []
    return [
        f"{' and '.join(missing)} not in .tools/bin, their tests are skipped: run python scripts/fetch_kube_tools.py"
    ]


@pytest.fixture
def k8s_client(fakeapi) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A `kubernetes` ApiClient configured from the test's admin kubeconfig."""
    from kubernetes import config

    client = config.new_client_from_config(fakeapi.kubeconfig)
    yield client
    client.close()
