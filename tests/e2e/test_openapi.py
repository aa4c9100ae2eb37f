"""/openapi/v2 and /openapi/v3 as real clients use them, and as kube-apiserver 1.37 serves them.

kubectl 1.37 and helm 4 fetch ``/openapi/v3`` (the index, then the group-version document) to
learn that the server validates fields itself, and fall back to ``/openapi/v2`` in gnostic's
protobuf form; ``kubectl explain`` reads the v3 documents. The wire details checked here (the
hash URLs, 301 for a stale hash, the immutable caching headers, the ETag, 304, 406, the
Content-Types) are those of kube-openapi's handler and handler3 and kube-aggregator's v3 index;
the shared parameter names are the ones kube-apiserver publishes (kube-openapi's
``deduplicateParameters``).
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.resources
import inspect
import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from crd_manifests import crd_manifest

from fakeapi import FakeAPIServer, ServerConfig
from fakeapi.apimachinery.schema import GroupVersion
from fakeapi.server.instance import Response

pytestmark = pytest.mark.kubectl

Kubectl = Callable[..., subprocess.CompletedProcess[str]]

PROTOBUF_V2 = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
"""

CONFIGMAP = """apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: default
data:
  color: blue
"""


def _header(response: Response, name: str) -> str | None:
    return next((value for key, value in response.headers if key.lower() == name.lower()), None)


def _headers(response: Response, name: str) -> list[str]:
    return [value for key, value in response.headers if key.lower() == name.lower()]


def _gnostic_document_class() -> Any:
    """openapi.v2.Document from the package's descriptor set, decoded by the protobuf package itself."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    data = importlib.resources.files("fakeapi.endpoints.openapi").joinpath("gnostic_descriptors.binpb").read_bytes()
    pool = descriptor_pool.DescriptorPool()
    for file in descriptor_pb2.FileDescriptorSet.FromString(data).file:
        pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("openapi.v2.Document"))


# -- kubectl --------------------------------------------------------------------------------------


def test_kubectl_apply_with_default_validation(kubectl: Kubectl) -> None:
    # Default validation is Strict: kubectl reads /openapi/v3 to find fieldValidation support.
    # The second apply sends no patch ("unchanged"); the third a strategic merge patch.
    assert kubectl("apply", "-f", "-", input=DEPLOYMENT).stdout == "deployment.apps/web created\n"
    assert kubectl("apply", "-f", "-", input=DEPLOYMENT).stdout == "deployment.apps/web unchanged\n"
    scaled = DEPLOYMENT.replace("replicas: 2", "replicas: 3")
    assert kubectl("apply", "-f", "-", input=scaled).stdout == "deployment.apps/web configured\n"
    deployment = json.loads(kubectl("get", "deploy", "web", "-o", "json").stdout)
    assert deployment["spec"]["replicas"] == 3

    assert kubectl("apply", "-f", "-", input=CONFIGMAP).stdout == "configmap/settings created\n"
    assert kubectl("apply", "-f", "-", input=CONFIGMAP).stdout == "configmap/settings unchanged\n"
    changed = CONFIGMAP.replace("color: blue", "color: green")
    result = kubectl("apply", "-f", "-", input=changed)
    assert result.stdout == "configmap/settings configured\n"
    assert result.stderr == ""


def test_kubectl_create_with_unknown_field_fails(kubectl: Kubectl) -> None:
    bad = DEPLOYMENT.replace("  replicas: 2\n", "  replicas: 2\n  foo: 1\n")
    result = kubectl("create", "-f", "-", input=bad, check=False)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip() == (
        'Error from server (BadRequest): error when creating "STDIN": Deployment in version "v1" cannot be '
        'handled as a Deployment: strict decoding error: unknown field "spec.foo"'
    )
    applied = kubectl("apply", "-f", "-", input=bad, check=False)
    assert applied.returncode == 1
    assert applied.stderr.strip() == result.stderr.strip()
    assert kubectl("get", "deploy", "web", check=False).returncode == 1


def test_kubectl_validate_warn_creates_and_warns(kubectl: Kubectl) -> None:
    odd = DEPLOYMENT.replace("  replicas: 2\n", "  replicas: 2\n  foo: 1\n")
    result = kubectl("create", "--validate=warn", "-f", "-", input=odd)
    assert result.stdout == "deployment.apps/web created\n"
    assert result.stderr.strip() == 'Warning: unknown field "spec.foo"'


def test_kubectl_explain_field(kubectl: Kubectl) -> None:
    result = kubectl("explain", "deployment.spec.replicas")
    assert result.stdout.splitlines()[:5] == [
        "GROUP:      apps",
        "KIND:       Deployment",
        "VERSION:    v1",
        "",
        "FIELD: replicas <integer>",
    ]
    assert "Number of desired pods. This is a pointer to distinguish between explicit" in result.stdout


def test_kubectl_explain_kind(kubectl: Kubectl) -> None:
    out = kubectl("explain", "pods").stdout
    assert out.startswith("KIND:       Pod\nVERSION:    v1\n\nDESCRIPTION:\n    Pod is a collection of containers")
    assert re.search(r"^  spec\t<PodSpec>$", out, re.MULTILINE)
    assert re.search(r"^  metadata\t<ObjectMeta>$", out, re.MULTILINE)
    nested = kubectl("explain", "pods.spec.containers.ports").stdout
    assert "FIELD: ports <[]ContainerPort>" in nested
    assert re.search(r"^  containerPort\t<integer> -required-$", nested, re.MULTILINE)


GIZMO_CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gizmos.openapi.example.com
spec:
  group: openapi.example.com
  scope: Namespaced
  names: {plural: gizmos, singular: gizmo, kind: Gizmo}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            description: What the gizmo should be.
            properties:
              size:
                type: integer
                description: How big the gizmo is.
"""


def test_kubectl_explain_and_validate_a_custom_resource(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", input=GIZMO_CRD)
    kubectl("wait", "--for=condition=Established", "crd/gizmos.openapi.example.com", "--timeout=10s")
    explained = kubectl("explain", "gizmos.spec.size").stdout
    assert explained.splitlines()[:5] == [
        "GROUP:      openapi.example.com",
        "KIND:       Gizmo",
        "VERSION:    v1",
        "",
        "FIELD: size <integer>",
    ]
    assert "How big the gizmo is." in explained
    gizmo = "apiVersion: openapi.example.com/v1\nkind: Gizmo\nmetadata:\n  name: g\n  namespace: default\nspec:\n  size: 1\n"
    assert kubectl("apply", "-f", "-", input=gizmo).stdout == "gizmo.openapi.example.com/g created\n"
    # /openapi/v3 tells kubectl the server validates fields: the unknown one comes back as its error.
    bad = kubectl("apply", "-f", "-", input=gizmo.replace("name: g", "name: h") + "  color: red\n", check=False)
    assert bad.returncode == 1
    assert bad.stderr.strip() == (
        'Error from server (BadRequest): error when creating "STDIN": Gizmo in version "v1" cannot be handled '
        'as a Gizmo: strict decoding error: unknown field "spec.color"'
    )


def test_duplicate_and_unknown_fields_in_body_order(fakeapi: Any) -> None:
    body = (
        b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup","namespace":"default"},'
        b'"data":{"a":"1"},"foo":1,"data":{"b":"2"},"metadata":{"name":"dup","labels":{"x":"1","x":"2"}}}'
    )
    strict = fakeapi.server.request(
        "POST", "/api/v1/namespaces/default/configmaps", body, query="fieldValidation=Strict"
    )
    assert strict.status == 400
    assert strict.json()["reason"] == "BadRequest"
    assert strict.json()["message"] == (
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "foo", '
        'duplicate field "data", duplicate field "metadata", duplicate field "metadata.labels.x"'
    )
    warned = fakeapi.server.request("POST", "/api/v1/namespaces/default/configmaps", body, query="fieldValidation=Warn")
    assert warned.status == 201
    assert _headers(warned, "Warning") == [
        '299 - "unknown field \\"foo\\""',
        '299 - "duplicate field \\"data\\""',
        '299 - "duplicate field \\"metadata\\""',
        '299 - "duplicate field \\"metadata.labels.x\\""',
    ]
    # A scalar named twice keeps its last value (Go merges objects named twice; fakeapi keeps the last).
    assert warned.json()["metadata"]["labels"] == {"x": "2"}
    ignored = fakeapi.server.request(
        "POST",
        "/api/v1/namespaces/default/configmaps",
        body.replace(b'"dup"', b'"dup2"'),
        query="fieldValidation=Ignore",
    )
    assert ignored.status == 201
    assert _headers(ignored, "Warning") == []


@pytest.mark.parametrize(
    ("body", "warnings"),
    [
        # Whitespace between a key and its colon: the repeat is still seen.
        (
            b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ws1"},"data" :{"a":"1"},\n"data"\t:\r{}}',
            ["data"],
        ),
        # Values that look like keys (a quote and a colon) neither hide a repeat nor make one up.
        (b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ws2"},"data":{"k":"v\\": \\":"}}', []),
        (b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ws3"},"data":{"k":"\\":","k":"2"}}', ["data.k"]),
        # No apiVersion or kind in the body (they come from the URL) and a nested repeat.
        (b'{"metadata":{"name":"ws4","labels":{"x":"1"},"labels":{"y":"2"}}}', ["metadata.labels"]),
    ],
)
def test_a_repeated_key_is_found_however_the_body_is_spaced(fakeapi: Any, body: bytes, warnings: list[str]) -> None:
    created = fakeapi.server.request("POST", "/api/v1/namespaces/default/configmaps", body)
    assert created.status == 201, created.body
    assert _headers(created, "Warning") == [f'299 - "duplicate field \\"{path}\\""' for path in warnings]


# -- helm -------------------------------------------------------------------------------------------


def test_helm_install_and_list(
    fakeapi: Any, helm: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    # helm 4 installs with server-side apply, after reading /version and /openapi/v3.
    chart = tmp_path / "demo"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: demo\nversion: 0.1.0\nappVersion: 1.0.0\n")
    (chart / "values.yaml").write_text("greeting: hello\n")
    (chart / "templates" / "configmap.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\n"
        "data:\n  greeting: {{ .Values.greeting | quote }}\n"
    )
    installed = helm("install", "demo", str(chart), "--namespace", "default")
    assert "STATUS: deployed" in installed.stdout
    listed = json.loads(helm("list", "--namespace", "default", "--output", "json").stdout)
    assert [(r["name"], r["status"], r["chart"], r["revision"]) for r in listed] == [
        ("demo", "deployed", "demo-0.1.0", "1")
    ]
    configmap = fakeapi.server.request("GET", "/api/v1/namespaces/default/configmaps/demo-config").json()
    assert configmap["data"] == {"greeting": "hello"}


# -- /openapi/v2 ----------------------------------------------------------------------------------


def test_openapi_v2_protobuf_is_a_gnostic_document(fakeapi: Any) -> None:
    response = fakeapi.server.request("GET", "/openapi/v2", headers={"Accept": PROTOBUF_V2})
    assert response.status == 200
    # handler.go answers either protobuf spelling with the ".v2.v1.0+" one.
    assert _header(response, "Content-Type") == "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
    document = _gnostic_document_class().FromString(response.body)
    assert document.swagger == "2.0"
    assert (document.info.title, document.info.version) == ("Kubernetes", "1.37")

    definitions = {entry.name: entry.value for entry in document.definitions.additional_properties}
    deployment = definitions["io.k8s.api.apps.v1.Deployment"]
    assert list(deployment.type.value) == ["object"]
    extensions = {e.name: e.value.yaml for e in deployment.vendor_extension}
    assert extensions["x-kubernetes-group-version-kind"] == "- group: apps\n  kind: Deployment\n  version: v1\n"
    properties = {p.name: p.value for p in deployment.properties.additional_properties}
    assert properties["spec"]._ref == "#/definitions/io.k8s.api.apps.v1.DeploymentSpec"
    replicas = {
        p.name: p.value for p in definitions["io.k8s.api.apps.v1.DeploymentSpec"].properties.additional_properties
    }["replicas"]
    assert (list(replicas.type.value), replicas.format) == (["integer"], "int32")
    int_or_string = definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]
    assert (list(int_or_string.type.value), int_or_string.format) == (["string"], "int-or-string")

    paths = {entry.name: entry.value for entry in document.paths.path}
    patch = paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"].patch
    assert patch.operation_id == "patchAppsV1NamespacedDeployment"
    patch_extensions = {e.name: e.value.yaml for e in patch.vendor_extension}
    assert patch_extensions == {
        "x-kubernetes-action": "patch\n",
        "x-kubernetes-group-version-kind": "group: apps\nversion: v1\nkind: Deployment\n",
    }
    # kubectl's v2 field-validation check: a fieldValidation query parameter on the kind's patch.
    query_names = [
        p.parameter.non_body_parameter.query_parameter_sub_schema.name
        for p in patch.parameters
        if p.WhichOneof("oneof") == "parameter"
    ]
    assert "fieldValidation" in query_names
    shared = {entry.name for entry in document.parameters.additional_properties}
    assert "pretty-tJGM1-ng" in shared
    assert [entry.name for entry in document.security_definitions.additional_properties] == ["BearerToken"]


def test_openapi_v2_json_matches_upstream_shape(fakeapi: Any) -> None:
    response = fakeapi.server.request("GET", "/openapi/v2", headers={"Accept": "application/json"})
    assert response.status == 200
    assert _header(response, "Content-Type") == "application/json"
    document = response.json()
    assert document["swagger"] == "2.0"
    assert document["securityDefinitions"]["BearerToken"]["type"] == "apiKey"
    # kube-apiserver's shared parameter names: the name and the FNV hash of its exact JSON.
    for name in (
        "body-2Y1dVQaQ",
        "body-78PwaGsr",
        "continue-QfD61s0i",
        "fieldManager-7c6nTn1T",
        "fieldManager-Qy4HdaTW",
        "fieldSelector-xIcQKXFG",
        "gracePeriodSeconds--K5HaBOS",
        "labelSelector-5Zw57w4C",
        "limit-1NfNmdNH",
        "namespace-vgWSWtn3",
        "pretty-tJGM1-ng",
        "propagationPolicy-6jk3prlO",
        "resourceVersion-5WAnf1kx",
        "sendInitialEvents-rLXlEK_k",
        "timeoutSeconds-yvYezaOC",
        "watch-XNNPZGbK",
    ):
        assert name in document["parameters"], name
    configmaps = document["paths"]["/api/v1/namespaces/{namespace}/configmaps"]
    assert configmaps["parameters"] == [
        {"$ref": "#/parameters/namespace-vgWSWtn3"},
        {"$ref": "#/parameters/pretty-tJGM1-ng"},
    ]
    create = configmaps["post"]
    assert create["operationId"] == "createCoreV1NamespacedConfigMap"
    assert create["description"] == "create a ConfigMap"
    assert create["x-kubernetes-action"] == "post"
    assert create["x-kubernetes-group-version-kind"] == {"group": "", "version": "v1", "kind": "ConfigMap"}
    assert create["parameters"][0] == {
        "in": "body",
        "name": "body",
        "required": True,
        "schema": {"$ref": "#/definitions/io.k8s.api.core.v1.ConfigMap"},
    }
    assert [p.get("name") or p["$ref"] for p in create["parameters"][1:]] == [
        "dryRun",
        "#/parameters/fieldManager-Qy4HdaTW",
        "fieldValidation",
    ]
    assert set(create["responses"]) == {"200", "201", "202", "401"}
    watch = document["paths"]["/apis/apps/v1/watch/namespaces/{namespace}/deployments/{name}"]["get"]
    assert watch["operationId"] == "watchAppsV1NamespacedDeployment"
    assert watch["responses"]["200"]["schema"] == {
        "$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent"
    }
    exec_ = document["paths"]["/api/v1/namespaces/{namespace}/pods/{name}/exec"]
    assert exec_["post"]["operationId"] == "connectCoreV1PostNamespacedPodExec"
    assert exec_["get"]["x-kubernetes-group-version-kind"]["kind"] == "PodExecOptions"
    assert "/apis/apps/" in document["paths"] and "/version/" in document["paths"]
    definition = document["definitions"]["io.k8s.api.core.v1.ConfigMap"]
    assert definition["properties"]["data"] == {
        "additionalProperties": {"type": "string"},
        "description": definition["properties"]["data"]["description"],
        "type": "object",
    }
    assert "enum" not in definition["properties"]["apiVersion"]


def test_openapi_v2_negotiation_and_caching(fakeapi: Any) -> None:
    server = fakeapi.server
    default = server.request("GET", "/openapi/v2", headers={"Accept": ""})
    proto = server.request(
        "GET", "/openapi/v2", headers={"Accept": "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"}
    )
    assert _header(default, "Content-Type") == "application/json"
    etag = _header(default, "Etag")
    assert etag == '"' + hashlib.sha512(default.body).hexdigest().upper() + '"'
    # One ETag for both forms; the Vary headers keep caches apart.
    assert _header(proto, "Etag") == etag
    assert _headers(proto, "Vary") == ["Accept-Encoding", "Accept"]
    assert _header(proto, "Last-Modified") is not None

    not_modified = server.request("GET", "/openapi/v2", headers={"Accept": PROTOBUF_V2, "If-None-Match": etag})
    assert (not_modified.status, not_modified.body) == (304, b"")
    assert _header(not_modified, "Content-Type") is None

    refused = server.request("GET", "/openapi/v2", headers={"Accept": "text/plain"})
    assert (refused.status, refused.body) == (406, b"")

    compressed = server.request("GET", "/openapi/v2", headers={"Accept": PROTOBUF_V2, "Accept-Encoding": "gzip"})
    assert _header(compressed, "Content-Encoding") == "gzip"
    assert gzip.decompress(compressed.body) == proto.body

    below = server.request("GET", "/openapi/v2/extra")
    assert below.status == 404
    assert below.json()["message"] == "the server could not find the requested resource"


# -- /openapi/v3 ----------------------------------------------------------------------------------


def test_openapi_v3_index_and_group_version_document(fakeapi: Any) -> None:
    server = fakeapi.server
    index = server.request("GET", "/openapi/v3")
    assert index.status == 200
    # kube-aggregator writes the index with ServeContent and no type: Go sniffs it.
    assert _header(index, "Content-Type") == "text/plain; charset=utf-8"
    assert _header(index, "Etag") is None
    paths = json.loads(index.body)["paths"]
    assert {"api/v1", "apis/apps/v1", "apis/batch/v1", "apis/apiextensions.k8s.io/v1"} <= set(paths)
    url = paths["apis/apps/v1"]["serverRelativeURL"]
    path, _, query = url.partition("?")
    assert path == "/openapi/v3/apis/apps/v1"
    assert re.fullmatch(r"hash=[0-9A-F]{128}", query)

    document = server.request("GET", path, query=query, headers={"Accept": "application/json"})
    assert document.status == 200
    assert _header(document, "Content-Type") == "application/json"
    assert _header(document, "Etag") == '"' + query.removeprefix("hash=") + '"'
    assert _header(document, "Cache-Control") == "public, immutable"
    assert re.fullmatch(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d UTC", _header(document, "Expires") or "")
    spec = document.json()
    assert spec["openapi"] == "3.0.0"
    assert spec["components"]["securitySchemes"]["BearerToken"]["in"] == "header"
    deployment = spec["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"]
    assert deployment["x-kubernetes-group-version-kind"] == [{"group": "apps", "kind": "Deployment", "version": "v1"}]
    assert deployment["properties"]["spec"] == {
        "allOf": [{"$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec"}],
        "description": deployment["properties"]["spec"]["description"],
    }
    int_or_string = spec["components"]["schemas"]["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]
    assert int_or_string["oneOf"] == [{"type": "integer"}, {"type": "string"}]
    # What kubectl's query-param verifier looks for: the kind's patch with a fieldValidation parameter.
    patch = spec["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {"group": "apps", "version": "v1", "kind": "Deployment"}
    field_validation = next(p for p in patch["parameters"] if p["name"] == "fieldValidation")
    assert field_validation["in"] == "query"
    assert field_validation["schema"] == {"type": "string", "uniqueItems": True}
    assert sorted(patch["requestBody"]["content"]) == [
        "application/apply-patch+yaml",
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/strategic-merge-patch+json",
    ]
    assert patch["requestBody"]["required"] is True
    assert "/apis/apps/v1/" in spec["paths"]
    assert "io.k8s.api.core.v1.Pod" not in spec["components"]["schemas"]


def test_openapi_v3_hashes_redirects_and_errors(fakeapi: Any) -> None:
    server = fakeapi.server
    url = server.request("GET", "/openapi/v3").json()["paths"]["api/v1"]["serverRelativeURL"]
    path, _, query = url.partition("?")

    stale = server.request("GET", path, query="hash=0123", headers={"Accept": "application/json"})
    assert stale.status == 301
    assert _header(stale, "Location") == url
    assert stale.body == b""

    plain = server.request("GET", path, headers={"Accept": "application/json"})
    assert plain.status == 200
    assert _header(plain, "Cache-Control") is None
    assert _header(plain, "Etag") == '"' + query.removeprefix("hash=") + '"'

    again = server.request("GET", path, headers={"If-None-Match": _header(plain, "Etag") or ""})
    assert (again.status, again.body) == (304, b"")

    # fakeapi has no OpenAPI v3 protobuf form to offer.
    proto = server.request(
        "GET", path, headers={"Accept": "application/com.github.proto-openapi.spec.v3@v1.0+protobuf"}
    )
    assert (proto.status, proto.body) == (406, b"")

    missing = server.request("GET", "/openapi/v3/apis/example.com/v1")
    assert (missing.status, missing.body) == (404, b"")


def _index(server: FakeAPIServer) -> dict[str, Any]:
    paths: dict[str, Any] = server.request("GET", "/openapi/v3").json()["paths"]
    return paths


def test_openapi_follows_the_served_group_versions() -> None:
    # A server of its own: removing a group-version changes what every client of this one sees.
    server = FakeAPIServer(ServerConfig(bootstrap=False))
    old_url = _index(server)["apis/node.k8s.io/v1"]["serverRelativeURL"]
    v2_etag = _header(server.request("GET", "/openapi/v2"), "Etag")
    node = server.discovery.group_version(GroupVersion("node.k8s.io", "v1"))
    assert node is not None

    server.discovery.remove(GroupVersion("node.k8s.io", "v1"))
    assert "apis/node.k8s.io/v1" not in _index(server)
    assert server.request("GET", old_url.partition("?")[0]).status == 404
    after_removal = server.request("GET", "/openapi/v2")
    assert _header(after_removal, "Etag") != v2_etag
    assert "/apis/node.k8s.io/v1/runtimeclasses" not in after_removal.json()["paths"]

    server.discovery.add(node)
    assert _index(server)["apis/node.k8s.io/v1"]["serverRelativeURL"] == old_url
    assert _header(server.request("GET", "/openapi/v2"), "Etag") == v2_etag


WIDGET_CRD = crd_manifest("Widget", schema={"type": "object", "properties": {"spec": {"type": "object"}}})


def test_openapi_publishes_custom_resources() -> None:
    server = FakeAPIServer(ServerConfig(bootstrap=False))
    created = server.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", WIDGET_CRD)
    assert created.status == 201
    gv_path = "/openapi/v3/apis/example.com/v1"
    assert "apis/example.com/v1" in _index(server)
    spec = server.request("GET", gv_path).json()
    # apiextensions-apiserver's names: the group reversed, then version and kind.
    widget = spec["components"]["schemas"]["com.example.v1.Widget"]
    assert widget["x-kubernetes-group-version-kind"] == [{"group": "example.com", "kind": "Widget", "version": "v1"}]
    patch = spec["paths"]["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"]["patch"]
    assert patch["operationId"] == "patchExampleComV1NamespacedWidget"
    assert patch["x-kubernetes-group-version-kind"] == {"group": "example.com", "version": "v1", "kind": "Widget"}
    assert "fieldValidation" in [p["name"] for p in patch["parameters"]]
    # Custom resources take no strategic merge patch.
    assert sorted(patch["requestBody"]["content"]) == [
        "application/apply-patch+yaml",
        "application/json-patch+json",
        "application/merge-patch+json",
    ]
    listing = spec["paths"]["/apis/example.com/v1/widgets"]["get"]
    assert listing["operationId"] == "listExampleComV1WidgetForAllNamespaces"
    v2_definitions = server.request("GET", "/openapi/v2").json()["definitions"]
    published = {name: v2_definitions[name] for name in ("com.example.v1.Widget", "com.example.v1.WidgetList")}
    proto = server.request("GET", "/openapi/v2", headers={"Accept": PROTOBUF_V2})
    names = [e.name for e in _gnostic_document_class().FromString(proto.body).definitions.additional_properties]
    assert "com.example.v1.Widget" in names

    # Without a published definition the kind is left out of the documents, not the server.
    gv = GroupVersion("example.com", "v1")
    openapi = server.apiserver.openapi
    openapi.remove_definitions(gv)
    bare = server.request("GET", gv_path).json()
    assert "com.example.v1.Widget" not in bare["components"]["schemas"]
    assert "/apis/example.com/v1/namespaces/{namespace}/widgets" not in bare["paths"]
    openapi.set_definitions(gv, published)
    assert server.request("GET", gv_path).json() == spec

    deleted = server.request("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com")
    assert deleted.status == 200
    assert "apis/example.com/v1" not in _index(server)


def test_a_crds_v2_definition_keeps_properties_named_like_schema_keywords() -> None:
    # ToStructuralOpenAPIV2 visits the typed Structural schema: a property named "type", "not" or
    # "nullable" is a name, a default is a value (Kyverno's CRDs have a property named "required").
    server = FakeAPIServer(ServerConfig(bootstrap=False))
    spec_schema = {
        "type": "object",
        "required": ["type"],
        "properties": {
            "required": {"type": "boolean"},
            "not": {"type": "string"},
            "nullable": {"type": "string"},
            "type": {"type": "string"},
            "tuned": {
                "type": "object",
                "default": {"type": "fast", "nullable": True},
                "properties": {"type": {"type": "string"}, "nullable": {"type": "boolean"}},
            },
            "maybe": {"type": "string", "nullable": True},
        },
    }
    crd = crd_manifest("Gauge", schema={"type": "object", "properties": {"spec": spec_schema}})
    assert server.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd).status == 201
    v2 = server.request("GET", "/openapi/v2")
    assert v2.status == 200
    published = v2.json()["definitions"]["com.example.v1.Gauge"]["properties"]["spec"]
    assert published == {
        **spec_schema,
        # Only what v2 cannot say changes: the nullable property is left untyped.
        "properties": {**spec_schema["properties"], "maybe": {}},
    }
    proto = server.request("GET", "/openapi/v2", headers={"Accept": PROTOBUF_V2})
    assert proto.status == 200
    names = [e.name for e in _gnostic_document_class().FromString(proto.body).definitions.additional_properties]
    assert "com.example.v1.Gauge" in names


# -- against the kubernetes Python client, generated from kube-apiserver 1.37's document ----------------


def _snake(name: str) -> str:
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z\d])([A-Z])", r"\1_\2", name).lower()


def _python_client_operations() -> dict[tuple[str, str], tuple[str, str, set[str]]]:
    """(method, path) -> (API class, method name, query parameters) of every generated operation."""
    kubernetes = pytest.importorskip("kubernetes")
    if not kubernetes.__version__.startswith("37."):
        pytest.skip(f"the kubernetes client {kubernetes.__version__} was not generated from the 1.37 document")
    from kubernetes import client

    operations = {}
    for api_name in dir(client):
        if not api_name.endswith("Api") or api_name.startswith("_"):
            continue
        source = inspect.getsource(getattr(client, api_name))
        for match in re.finditer(r"def _(\w+)_serialize\(", source):
            body = source[match.end() : source.find("    def ", match.end())]
            method = re.search(r"method='(\w+)'", body)
            path = re.search(r"resource_path='([^']+)'", body)
            assert method is not None and path is not None
            query = set(re.findall(r"_query_params\.append\(\('(\w+)'", body))
            operations[(method.group(1), path.group(1))] = (api_name, match.group(1), query)
    return operations


def test_openapi_v2_operations_match_the_python_client(fakeapi: Any) -> None:
    generated = _python_client_operations()
    document = fakeapi.server.request("GET", "/openapi/v2").json()
    shared = document["parameters"]

    def resolve(params: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [shared[p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p for p in params]

    compared = 0
    for path, item in document["paths"].items():
        common = resolve(item.get("parameters", []))
        for method, operation in item.items():
            if method == "parameters":
                continue
            if (method.upper(), path) not in generated:
                # The generator leaves out the deprecated watch paths.
                assert "/watch/" in path, (path, method)
                continue
            api_class, name, query = generated[(method.upper(), path)]
            tag = "".join(part[:1].upper() + part[1:] for part in operation["tags"][0].split("_"))
            assert api_class == tag + "Api", (path, method)
            assert name == _snake(operation["operationId"].replace(tag, "", 1)), (path, method)
            params = common + resolve(operation.get("parameters", []))
            assert {p["name"] for p in params if p["in"] == "query"} == query, (path, method)
            compared += 1
    assert compared > 500
