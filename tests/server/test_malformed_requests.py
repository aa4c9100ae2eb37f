"""Malformed writes, generated at random from a fixed seed: always a Status, never a crash.

Each test sends a few thousand bodies that are valid objects with parts replaced by values of
the wrong type, directive keys in the wrong places, or corrupted bytes, and checks that every
answer is a Status with a client error, except the few that kube-apiserver itself answers with
500 (kept for fidelity, each with its upstream reference), and that nothing failed in the
server's threads. Bugs this found: wrongly typed bodies reaching the field manager or a
strategy, unchecked custom resource metadata, non-UTF-8 protobuf strings.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from crd_manifests import crd_manifest
from protobuf_bodies import new_message, protobuf_body

from fakeapi.registry.builtin_resources import BUILTIN_RESOURCES
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.server.instance import FakeAPIServer, Response, ServerConfig

SEED = 20261126
PROTOBUF = "application/vnd.kubernetes.protobuf"
PATCH_TYPES = (
    "application/strategic-merge-patch+json",
    "application/merge-patch+json",
    "application/json-patch+json",
    "application/apply-patch+yaml",
)
# 500s that kube-apiserver answers too, for the same bodies.
UPSTREAM_500S = (
    # Server-side apply of a body that does not fit the schema (kubernetes/kubernetes#139253).
    b"failed to create typed patch object",
    # Strategic merge patch errors that interpretStrategicMergePatchError passes through.
    b"unknown patch type",
    b"unable to find api field",
)
JUNK: tuple[Any, ...] = (
    None, 0, -1, 2**63, 1.5, True, "", "x", "25%", "1Gi", "2026-01-01T00:00:00Z",
    [], [1], [None], {}, {"a": 1}, [{}], [{"name": "a"}],
    {"$patch": "delete"}, {"$patch": "replace"}, {"$retainKeys": ["a"]},
    {"$setElementOrder/containers": [{"name": "x"}]}, {"$deleteFromPrimitiveList/finalizers": ["x"]},
)  # fmt: skip
KEYS = (
    "spec", "status", "data", "metadata", "labels", "containers", "template", "selector", "ports",
    "rules", "subjects", "roleRef", "type", "name", "replicas", "finalizers", "ownerReferences", "$patch",
)  # fmt: skip


@pytest.fixture(scope="module")
def server() -> Iterator[FakeAPIServer]:
    with FakeAPIServer(ServerConfig()) as running:
        yield running


def junk(rnd: random.Random, depth: int = 0) -> Any:
    """A random JSON value: objects and lists of the keys and values above, three levels deep."""
    roll = rnd.random()
    if depth < 3 and roll < 0.4:
        return {rnd.choice(KEYS): junk(rnd, depth + 1) for _ in range(rnd.randint(0, 3))}
    if depth < 3 and roll < 0.55:
        return [junk(rnd, depth + 1) for _ in range(rnd.randint(0, 2))]
    return copy.deepcopy(rnd.choice(JUNK))


def collection(spec: ResourceSpec) -> str:
    base = f"/apis/{spec.group}/{spec.version}" if spec.group else f"/api/{spec.version}"
    return f"{base}/namespaces/default/{spec.resource}" if spec.namespaced else f"{base}/{spec.resource}"


def assert_answered(response: Response, request: str) -> None:
    body = response.json()
    assert body.get("kind") != "Status" or body.get("code") == response.status, request
    if response.status >= 500:
        assert any(marker in response.body for marker in UPSTREAM_500S), f"{request}: {response.body[:300]!r}"


def test_junk_writes_to_every_built_in_kind(server: FakeAPIServer) -> None:
    rnd = random.Random(SEED)
    specs = [spec for spec in BUILTIN_RESOURCES if "create" in spec.verbs]
    for _ in range(3000):
        spec = rnd.choice(specs)
        path = collection(spec)
        empty = {"apiVersion": spec.gvk.api_version, "kind": spec.kind, "metadata": {"name": "fz"}}
        obj = {**empty, **{rnd.choice(KEYS): junk(rnd) for _ in range(rnd.randint(0, 3))}}
        if rnd.random() < 0.4:
            response = server.request("POST", path, obj)
            request = f"POST {path} {json.dumps(obj)}"
        else:
            server.request("POST", path, empty)
            content_type = rnd.choice(PATCH_TYPES)
            body: Any = obj
            if content_type == "application/json-patch+json":
                ops = ("add", "remove", "replace", "move", "copy", "test", "bogus")
                paths = ("/spec", "/metadata/labels", "/a/b", "", "/metadata/finalizers/-", "/metadata/finalizers/0")
                body = [
                    {"op": rnd.choice(ops), "path": rnd.choice(paths), "value": junk(rnd), "from": "/metadata/name"}
                    for _ in range(rnd.randint(0, 3))
                ]
            query = "fieldManager=fz" if content_type.startswith("application/apply") else ""
            response = server.request("PATCH", f"{path}/fz", body, query=query, headers={"Content-Type": content_type})
            request = f"PATCH ({content_type}) {path}/fz {json.dumps(body)}"
        assert_answered(response, request)
        server.request("DELETE", f"{path}/fz")
    server.check()


WIDGETS = "/apis/example.com/v1/namespaces/default/widgets"
WIDGET_CRD = crd_manifest(
    "Widget",
    subresources={"status": {}, "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}},
    schema={
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {
                    "size": {"type": "integer", "default": 1, "minimum": 0},
                    "replicas": {"type": "integer"},
                    "items": {
                        "type": "array",
                        "x-kubernetes-list-type": "map",
                        "x-kubernetes-list-map-keys": ["name"],
                        "items": {
                            "type": "object",
                            "required": ["name"],
                            "properties": {"name": {"type": "string"}, "v": {"x-kubernetes-int-or-string": True}},
                        },
                    },
                    "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
                    "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                    "embedded": {"type": "object", "x-kubernetes-embedded-resource": True, "x-kubernetes-preserve-unknown-fields": True},
                },
            },
            "status": {"type": "object", "properties": {"replicas": {"type": "integer"}}},
        },
    },
)  # fmt: skip
WIDGET: dict[str, Any] = {
    "apiVersion": "example.com/v1",
    "kind": "Widget",
    "metadata": {"name": "fz"},
    "spec": {"size": 2, "items": [{"name": "a", "v": 1}], "tags": ["x"], "embedded": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "e"}}},
}  # fmt: skip


def test_malformed_custom_resources(server: FakeAPIServer) -> None:
    rnd = random.Random(SEED)
    created = server.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", WIDGET_CRD)
    assert created.status == 201
    for _ in range(1500):
        obj = copy.deepcopy(WIDGET)
        for _ in range(rnd.randint(1, 3)):
            # Into the spec mostly, the metadata (an ObjectMeta even here) or the object itself.
            part = obj.get(rnd.choice(("spec", "spec", "metadata")))
            target: dict[str, Any] = part if isinstance(part, dict) and rnd.random() < 0.8 else obj
            target[rnd.choice((*KEYS, "size", "items", "tags", "free", "embedded"))] = junk(rnd)
        method = rnd.choice(("POST", "PUT", "status", "scale", *PATCH_TYPES))
        if method == "POST":
            response = server.request("POST", WIDGETS, obj)
        else:
            current = server.request("POST", WIDGETS, WIDGET).json()
            if method in ("PUT", "status"):
                obj["metadata"] = current.get("metadata")
                response = server.request("PUT", f"{WIDGETS}/fz" + ("/status" if method == "status" else ""), obj)
            elif method == "scale":
                scale = {"spec": {"replicas": junk(rnd)}}
                response = server.request(
                    "PATCH", f"{WIDGETS}/fz/scale", scale, headers={"Content-Type": "application/merge-patch+json"}
                )
            else:
                query = "fieldManager=fz" if method.startswith("application/apply") else ""
                response = server.request("PATCH", f"{WIDGETS}/fz", obj, query=query, headers={"Content-Type": method})
        assert_answered(response, f"{method} {json.dumps(obj)}")
        server.request("DELETE", f"{WIDGETS}/fz")
    server.check()


def test_corrupted_protobuf_bodies(server: FakeAPIServer) -> None:
    deployment = new_message("k8s.io.api.apps.v1.Deployment")
    deployment.metadata.name = "web"
    deployment.spec.replicas = 2
    deployment.spec.selector.matchLabels["app"] = "web"
    deployment.spec.template.metadata.labels["app"] = "web"
    container = deployment.spec.template.spec.containers.add()
    container.name, container.image = "app", "nginx:1.27"
    container.resources.limits["cpu"].string = "1"
    valid = protobuf_body("apps/v1", "Deployment", deployment)

    rnd = random.Random(SEED)
    path = "/apis/apps/v1/namespaces/default/deployments"
    for _ in range(3000):
        body = bytearray(valid)
        for _ in range(rnd.randint(1, 6)):
            position, roll = rnd.randrange(len(body)), rnd.random()
            if roll < 0.5:
                body[position] = rnd.randrange(256)
            elif roll < 0.75:
                del body[position]
            else:
                body.insert(position, rnd.randrange(256))
        response = server.request("POST", path, bytes(body), headers={"Content-Type": PROTOBUF})
        assert_answered(response, f"POST {bytes(body)!r}")
        if response.status == 201:
            server.request("DELETE", f"{path}/{response.json()['metadata']['name']}")
    server.check()
    assert server.request("GET", "/readyz").status == 200
