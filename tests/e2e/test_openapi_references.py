"""Every OpenAPI document the server serves resolves each of its ``$ref``s, and kubectl relies on it.

kubectl falls back to ``/openapi/v2`` whenever a file holds a kind ``/openapi/v3`` does not
know (a custom resource next to its CRD): a dangling reference there makes it refuse the whole
file with ``SchemaError(...): unknown model in reference`` (kube-openapi pkg/util/proto
document.go), where a real server lets it create the CRD and say ``no matches for kind``
(cli-runtime resource mapper) for the custom resource.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from crd_manifests import crd_manifest

Kubectl = Callable[..., subprocess.CompletedProcess[str]]

GADGET_CRD = crd_manifest(
    "Gadget",
    schema={
        "type": "object",
        "properties": {"spec": {"type": "object", "properties": {"size": {"type": "integer"}}}},
    },
)


def _references(node: Any) -> Iterator[str]:
    """Every ``$ref`` value anywhere in a JSON document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


def _dangling(document: dict[str, Any]) -> set[str]:
    """The local JSON pointers (``#/definitions/...``, ``#/components/schemas/...``) that point at nothing."""
    dangling = set()
    for ref in _references(document):
        assert ref.startswith("#/"), f"non-local reference {ref}"
        node: Any = document
        for token in ref[2:].split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or token not in node:
                dangling.add(ref)
                break
            node = node[token]
    return dangling


def _served_documents(server: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """/openapi/v2 and every group-version document the /openapi/v3 index lists."""
    yield "/openapi/v2", server.request("GET", "/openapi/v2", headers={"Accept": "application/json"}).json()
    for name, entry in server.request("GET", "/openapi/v3").json()["paths"].items():
        path, _, query = entry["serverRelativeURL"].partition("?")
        response = server.request("GET", path, query=query, headers={"Accept": "application/json"})
        assert response.status == 200, name
        yield path, response.json()


def test_every_served_openapi_document_resolves_its_references(fakeapi: Any) -> None:
    fakeapi.seed(GADGET_CRD)  # custom resources' schemas reference the apimachinery types too

    documents = dict(_served_documents(fakeapi.server))

    assert "/openapi/v3/apis/example.com/v1" in documents
    assert {path: sorted(refs) for path, document in documents.items() if (refs := _dangling(document))} == {}


CRD_AND_RESOURCE = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: sprockets.refs.example.com
spec:
  group: refs.example.com
  scope: Namespaced
  names: {plural: sprockets, singular: sprocket, kind: Sprocket}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
---
apiVersion: refs.example.com/v1
kind: Sprocket
metadata: {name: s1, namespace: default}
spec: {teeth: 12}
"""


@pytest.mark.kubectl
def test_kubectl_apply_of_a_crd_with_its_resource_reports_no_matches_then_succeeds(kubectl: Kubectl) -> None:
    first = kubectl("apply", "-f", "-", input=CRD_AND_RESOURCE, check=False)

    assert first.returncode != 0
    assert "SchemaError" not in first.stderr
    assert "customresourcedefinition.apiextensions.k8s.io/sprockets.refs.example.com created" in first.stdout
    assert 'no matches for kind "Sprocket" in version "refs.example.com/v1"' in first.stderr
    assert "ensure CRDs are installed first" in first.stderr

    kubectl("wait", "--for=condition=Established", "crd/sprockets.refs.example.com", "--timeout=10s")
    second = kubectl("apply", "-f", "-", input=CRD_AND_RESOURCE)
    assert "sprocket.refs.example.com/s1 created" in second.stdout
