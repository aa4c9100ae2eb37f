"""JSON response bodies end with a newline where upstream's serializer writes them.

apimachinery runtime/serializer/json/json.go encodes with ``json.NewEncoder(w).Encode``, which
ends the text with "\\n": every negotiated object, list, Status and discovery document. /version
(responsewriters.WriteRawJSON, MarshalIndent) and the OpenAPI documents (json.Marshal) have none.
The ``kubernetes`` client's own end-to-end tests compare error bodies byte for byte.
"""

from __future__ import annotations

import json
from typing import Any

import pytest


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/api/v1/namespaces/default", {}),  # an object
        ("GET", "/api/v1/namespaces", {}),  # a list
        ("GET", "/api/v1/namespaces/default/configmaps/missing", {}),  # a Status
        ("GET", "/no/such/path", {}),  # the not-found handler's Status
        ("GET", "/api/v1", {}),  # discovery
        ("GET", "/apis", {}),
        ("GET", "/apis", {"Accept": "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"}),
        ("GET", "/api/v1/namespaces", {"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}),
    ],
)
def test_serializer_bodies_end_with_one_newline(fakeapi: Any, method: str, path: str, headers: dict[str, str]) -> None:
    body = fakeapi.server.request(method, path, headers=headers).body

    assert body.endswith(b"}\n")
    json.loads(body)


@pytest.mark.parametrize("path", ["/version", "/openapi/v2"])
def test_marshalled_documents_have_no_final_newline(fakeapi: Any, path: str) -> None:
    assert fakeapi.server.request("GET", path, headers={"Accept": "application/json"}).body.endswith(b"}")


def test_the_kubernetes_client_sees_an_error_body_as_upstream_writes_it(k8s_client: Any) -> None:
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    with pytest.raises(ApiException) as caught:
        client.CoreV1Api(k8s_client).read_namespaced_config_map("missing", "default")

    assert caught.value.body == (
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
        '"message":"configmaps \\"missing\\" not found","reason":"NotFound",'
        '"details":{"name":"missing","kind":"configmaps"},"code":404}\n'
    )
