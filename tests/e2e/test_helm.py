"""Real helm 4 against fakeapi: the chart `helm create` scaffolds, through its whole life."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fakeapi.pytest_plugin.plugin import FakeAPI

Helm = Callable[..., subprocess.CompletedProcess[str]]

RELEASE_SECRET_LABELS = "owner=helm,name=web"


def _history(helm: Helm) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(helm("history", "web", "-o", "json").stdout)
    return [{"revision": e["revision"], "status": e["status"], "description": e["description"]} for e in entries]


def _replicas(fakeapi: FakeAPI) -> int:
    deployment = fakeapi.server.request("GET", "/apis/apps/v1/namespaces/default/deployments/web-demo").json()
    replicas: int = deployment["spec"]["replicas"]
    return replicas


def test_install_upgrade_rollback_uninstall(helm: Helm, fakeapi: FakeAPI, tmp_path: Path) -> None:
    helm("create", str(tmp_path / "demo"))
    chart = str(tmp_path / "demo")

    installed = helm("install", "web", chart)
    assert "STATUS: deployed" in installed.stdout
    assert _replicas(fakeapi) == 1
    releases = json.loads(helm("list", "-o", "json").stdout)
    assert [(r["name"], r["status"], r["revision"]) for r in releases] == [("web", "deployed", "1")]

    helm("upgrade", "web", chart, "--set", "replicaCount=2")
    assert _replicas(fakeapi) == 2
    helm("rollback", "web", "1")
    assert _replicas(fakeapi) == 1
    assert _history(helm) == [
        {"revision": 1, "status": "superseded", "description": "Install complete"},
        {"revision": 2, "status": "superseded", "description": "Upgrade complete"},
        {"revision": 3, "status": "deployed", "description": "Rollback to 1"},
    ]
    secrets = fakeapi.server.request(
        "GET", "/api/v1/namespaces/default/secrets", query=f"labelSelector={RELEASE_SECRET_LABELS}"
    ).json()["items"]
    assert sorted(s["metadata"]["name"] for s in secrets) == [f"sh.helm.release.v1.web.v{n}" for n in (1, 2, 3)]

    uninstalled = helm("uninstall", "web")
    assert uninstalled.stdout.strip() == 'release "web" uninstalled'
    assert json.loads(helm("list", "-o", "json").stdout) == []  # helm 4 lists every status by default
    for path in ("apps/v1/namespaces/default/deployments/web-demo", "v1/namespaces/default/services/web-demo"):
        prefix = "/api/" if path.startswith("v1/") else "/apis/"
        assert fakeapi.server.request("GET", prefix + path).status == 404
