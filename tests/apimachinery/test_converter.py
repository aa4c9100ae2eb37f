"""A strategic merge patch's type errors in the unstructured converter's words (runtime/converter.go).

apiserver endpoints/handlers/patch.go applyPatchToObject converts the merged map with
FromUnstructuredWithValidation and answers 422 ``patch: Invalid value: "<%+v of the patch>": <err>``;
JSON and merge patches are decoded from JSON and keep encoding/json's texts.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import pytest

from fakeapi.pytest_plugin.plugin import FakeAPI

Kubectl = Callable[..., subprocess.CompletedProcess[str]]

CONFIGMAP = "/api/v1/namespaces/default/configmaps/settings"
DEPLOYMENT = "/apis/apps/v1/namespaces/default/deployments/web"


@pytest.fixture
def seeded(fakeapi: FakeAPI) -> FakeAPI:
    fakeapi.seed(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "default"}},
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "nginx", "image": "nginx"}]},
                },
            },
        },
    )
    return fakeapi


@pytest.mark.parametrize(
    ("path", "patch", "message"),
    [
        (CONFIGMAP, b'{"metadata":{"labels":"x"}}', '"map[metadata:map[labels:x]]": cannot restore map from string'),
        (CONFIGMAP, b'{"data":[1]}', '"map[data:[1]]": cannot restore map from slice'),
        (CONFIGMAP, b'{"metadata":{"finalizers":"x"}}', "cannot restore slice from string"),
        (CONFIGMAP, b'{"metadata":"x"}', '"map[metadata:x]": cannot restore struct from: string'),
        (CONFIGMAP, b'{"data":{"a":1}}', "cannot convert int64 to string"),
        (CONFIGMAP, b'{"data":{"a":true}}', "unrecognized type: string"),
        (DEPLOYMENT, b'{"spec":{"replicas":1.5}}', "cannot convert float64 to int32"),
        (DEPLOYMENT, b'{"spec":{"replicas":"two"}}', "unrecognized type: int32"),
    ],
)
def test_strategic_merge_patch_type_errors(seeded: FakeAPI, path: str, patch: bytes, message: str) -> None:
    response = seeded.server.request(
        "PATCH", path, patch, headers={"Content-Type": "application/strategic-merge-patch+json"}
    )

    assert response.status == 422
    assert response.json()["message"].startswith(' "" is invalid: patch: Invalid value: ')
    assert response.json()["message"].endswith(message)


def test_a_merge_patch_keeps_encoding_json_words(seeded: FakeAPI) -> None:
    response = seeded.server.request(
        "PATCH", CONFIGMAP, b'{"metadata":{"labels":"x"}}', headers={"Content-Type": "application/merge-patch+json"}
    )

    assert response.status == 422
    assert response.json()["message"].endswith(
        "json: cannot unmarshal string into Go struct field ObjectMeta.metadata.labels of type map[string]string"
    )


@pytest.mark.kubectl
def test_kubectl_patch_giving_labels_a_string(seeded: FakeAPI, kubectl: Kubectl) -> None:
    refused = kubectl("patch", "configmap", "settings", "-p", '{"metadata":{"labels":"x"}}', check=False)

    assert refused.returncode != 0
    assert 'patch: Invalid value: "map[metadata:map[labels:x]]": cannot restore map from string' in refused.stderr
