"""How to fill a cluster with realistic, valid objects: the seeded factories.

``fakeapi_factories`` builds namespaces, Deployments, Pods, Services, ConfigMaps, Secrets and
custom resources (from their CRD's schema) with fake data seeded by the test's seed: the same
objects on every run. Keyword arguments are merged into the result as a merge patch.
"""

from __future__ import annotations

from typing import Any

from fakeapi.pytest_plugin.plugin import FakeAPI
from fakeapi.testing.factories import Factories

BACKUP_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "backups.howto.example.com"},
    "spec": {
        "group": "howto.example.com",
        "scope": "Namespaced",
        "names": {"plural": "backups", "singular": "backup", "kind": "Backup"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "required": ["schedule", "retentionDays"],
                                "properties": {
                                    "schedule": {"type": "string", "pattern": "^@(hourly|daily|weekly)$"},
                                    "retentionDays": {"type": "integer", "minimum": 1, "maximum": 90},
                                    "target": {"type": "string", "format": "uri"},
                                    "owner": {"type": "string", "format": "email"},
                                },
                            }
                        },
                    }
                },
            }
        ],
    },
}


def test_a_realistic_namespace(fakeapi: FakeAPI, fakeapi_factories: Factories) -> None:
    team = fakeapi_factories.namespace()
    namespace = team["metadata"]["name"]
    web = fakeapi_factories.deployment("web", namespace, replicas=2)
    fakeapi.seed(
        team,
        web,
        fakeapi_factories.service("web", namespace),
        fakeapi_factories.config_map("web-settings", namespace, data={"LOG_LEVEL": "debug"}),
        fakeapi_factories.secret("web-credentials", namespace),
    )

    served = fakeapi.get("apps/v1", "Deployment", "web", namespace)
    assert served["spec"]["replicas"] == 2
    assert (
        served["spec"]["template"]["spec"]["containers"][0]["image"]
        == web["spec"]["template"]["spec"]["containers"][0]["image"]
    )
    assert fakeapi.get("v1", "ConfigMap", "web-settings", namespace)["data"]["LOG_LEVEL"] == "debug"


def test_custom_resources_from_the_crd_schema(fakeapi: FakeAPI, fakeapi_factories: Factories) -> None:
    fakeapi.seed(BACKUP_CRD)
    backups = [fakeapi_factories.custom_resource(BACKUP_CRD) for _ in range(3)]
    fakeapi.seed(*backups)

    stored = fakeapi.list("howto.example.com/v1", "Backup", "default")
    assert sorted(b["metadata"]["name"] for b in stored) == sorted(b["metadata"]["name"] for b in backups)
    assert all(1 <= b["spec"]["retentionDays"] <= 90 for b in stored)
