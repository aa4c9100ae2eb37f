"""Bad requests over real HTTPS: the exact Status kube-apiserver answers, and the server keeps serving.

Each test sends something a real client could send by mistake (or a broken client could
do to the connection), checks the Status body (code, reason and, where upstream's text is
known, the message), then proves the server is still healthy: a normal GET succeeds and
the server recorded no unexpected error.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from fakeapi.pytest_plugin.plugin import FakeAPI

# (connect, read) timeouts for every HTTP request.
TIMEOUT = (5, 15)
SOCKET_TIMEOUT = 15.0
CM_PATH = "/api/v1/namespaces/default/configmaps"
RFC1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)


class Client:
    """requests against the test's server with the admin client certificate (or none)."""

    def __init__(self, fakeapi: FakeAPI, tmp_path: Path) -> None:
        server = fakeapi.server
        self.url = fakeapi.url
        self.ca_file = tmp_path / "ca.crt"
        self.cert_file = tmp_path / "admin.crt"
        self.key_file = tmp_path / "admin.key"
        self.ca_file.write_bytes(server.ca.cert_pem)
        self.cert_file.write_bytes(server.admin_cert.cert_pem)
        self.key_file.write_bytes(server.admin_cert.key_pem)
        self.session = requests.Session()
        # Not the environment's CA bundle or proxies (REQUESTS_CA_BUNDLE would override `verify`).
        self.session.trust_env = False
        self.session.verify = str(self.ca_file)
        self.session.cert = (str(self.cert_file), str(self.key_file))
        self.anonymous_session = requests.Session()
        self.anonymous_session.trust_env = False
        self.anonymous_session.verify = str(self.ca_file)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT)
        return self.session.request(method, self.url + path, **kwargs)

    def anonymous(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT)
        return self.anonymous_session.request(method, self.url + path, **kwargs)

    def ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.ca_file))
        context.load_cert_chain(str(self.cert_file), str(self.key_file))
        return context

    def connect(self) -> ssl.SSLSocket:
        parts = urlsplit(self.url)
        assert parts.hostname is not None and parts.port is not None
        raw = socket.create_connection((parts.hostname, parts.port), timeout=SOCKET_TIMEOUT)
        return self.ssl_context().wrap_socket(raw, server_hostname=parts.hostname)

    def close(self) -> None:
        self.session.close()
        self.anonymous_session.close()


@pytest.fixture
def http(fakeapi: FakeAPI, tmp_path: Path) -> Iterator[Client]:
    client = Client(fakeapi, tmp_path)
    yield client
    client.close()


def assert_status(response: requests.Response, code: int, reason: str, message: str | None = None) -> dict[str, Any]:
    """The answer is a metav1.Status with this code and reason (and message), the HTTP code equal to it."""
    assert response.status_code == code, response.text
    assert response.headers["Content-Type"] == "application/json"
    status: dict[str, Any] = response.json()
    assert status["kind"] == "Status"
    assert status["apiVersion"] == "v1"
    assert status["metadata"] == {}
    assert status["status"] == "Failure"
    assert status["code"] == code
    assert status["reason"] == reason
    if message is not None:
        assert status["message"] == message
    return status


def assert_still_serving(fakeapi: FakeAPI, http: Client) -> None:
    response = http.request("GET", "/api/v1/namespaces/default")
    assert response.status_code == 200, response.text
    assert response.json()["metadata"]["name"] == "default"
    assert fakeapi.server.errors == []


def configmap_names(http: Client, path: str = CM_PATH) -> list[str]:
    """The ConfigMaps listed at ``path``, without those the cluster publishes itself.

    The root CA publisher's kube-root-ca.crt is in every namespace, kube-apiserver's
    extension-apiserver-authentication in kube-system, and the configuration of kind's
    kube-system workloads (CoreDNS, kube-proxy, the local-path provisioner), as on a real cluster.
    """
    response = http.request("GET", path)
    assert response.status_code == 200, response.text
    published = ("kube-root-ca.crt", "extension-apiserver-authentication", "coredns", "kube-proxy", "local-path-config")
    return [i["metadata"]["name"] for i in response.json()["items"] if i["metadata"]["name"] not in published]


def _configmap(name: str = "x", **metadata: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, **metadata}, "data": {"a": "b"}}


# -- bodies --------------------------------------------------------------------------------------


def test_malformed_json_is_bad_request(fakeapi: FakeAPI, http: Client) -> None:
    response = http.request(
        "POST", CM_PATH, data=b'{"metadata": {"name": "x"', headers={"Content-Type": "application/json"}
    )
    status = assert_status(response, 400, "BadRequest")
    assert status["message"].startswith(
        "the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: "
    )
    assert "details" not in status
    assert http.request("GET", CM_PATH + "/x").status_code == 404
    assert_still_serving(fakeapi, http)


# What Go's encoding/json says of each body (scanner.go, decode.go's UnmarshalTypeError), inside
# transformDecodeError's message (k8s.io/apiserver/pkg/endpoints/handlers/rest.go).
_TYPE_META = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }'


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"", "unexpected end of JSON input"),
        (b"{bad}", "invalid character 'b' looking for beginning of object key string"),
        (b"nope", "invalid character 'o' in literal null (expecting 'u')"),
        (b'{"a":1,}', "invalid character '}' looking for beginning of object key string"),
        (b'{"apiVersion":"v1" "kind":1}', "invalid character '\"' after object key:value pair"),
        (b'{"a" 1}', "invalid character '1' after object key"),
        (b"[1,2", "unexpected end of JSON input"),
        (b'{"a":1} x', "invalid character 'x' after top-level value"),
        (b'{"data":{"a":NaN}}', "invalid character 'N' looking for beginning of value"),
        (b'{"a":"\\q"}', "invalid character 'q' in string escape code"),
        (b'{"a":"\tb"}', "invalid character '\\t' in string literal"),
        (b'{"a":1.}', "invalid character '}' after decimal point in numeric literal"),
        (b"\xef\xbb\xbf{}", "invalid character '\u00ef' looking for beginning of value"),
        (b'"str"', f"json: cannot unmarshal string into Go value of type {_TYPE_META}"),
        (b"[1]", f"json: cannot unmarshal array into Go value of type {_TYPE_META}"),
        (b'{"apiVersion":1}', "json: cannot unmarshal number into Go struct field .apiVersion of type string"),
    ],
)
def test_a_body_go_cannot_decode_is_refused_in_gos_words(http: Client, body: bytes, error: str) -> None:
    response = http.request("POST", CM_PATH, data=body, headers={"Content-Type": "application/json"})
    status = assert_status(response, 400, "BadRequest")
    summary = body.decode("utf-8", "replace")
    summary = summary if len(summary) <= 30 else summary[:30] + " ..."
    assert status["message"] == (
        "the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; "
        f"json parse error: {error} ({summary})"
    )


def test_a_null_body_is_an_empty_object(http: Client) -> None:
    response = http.request("POST", CM_PATH, data=b"null", headers={"Content-Type": "application/json"})
    status = assert_status(response, 422, "Invalid")
    assert (
        status["message"] == 'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required'
    )


def test_body_that_is_not_an_object_is_bad_request(fakeapi: FakeAPI, http: Client) -> None:
    response = http.request("POST", CM_PATH, data=b"[1, 2, 3]", headers={"Content-Type": "application/json"})
    assert_status(response, 400, "BadRequest")
    assert_still_serving(fakeapi, http)


def test_nulls_decode_to_go_zero_values_and_the_controllers_take_them(fakeapi: FakeAPI, http: Client) -> None:
    # A chart's `app:` with nothing after it renders as null. kube-apiserver decodes into Go structs:
    # a null string in a map becomes "", so the selector is app="" and the pods it makes match it.
    labels = {"app": None}
    template = {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "c", "image": "i", "args": [None]}]}}
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": None},
        "spec": {"replicas": 1, "selector": {"matchLabels": labels}, "template": template},
    }
    response = http.request("POST", "/apis/apps/v1/namespaces/default/deployments", json=deployment)
    assert response.status_code == 201, response.text
    stored = response.json()
    assert "labels" not in stored["metadata"]
    assert stored["spec"]["selector"] == {"matchLabels": {"app": ""}}
    assert stored["spec"]["template"]["spec"]["containers"][0]["args"] == [""]
    fakeapi.server.settle()
    pods = http.request("GET", "/api/v1/namespaces/default/pods", params={"labelSelector": "app="}).json()["items"]
    assert [p["metadata"]["labels"]["app"] for p in pods] == [""]
    assert_still_serving(fakeapi, http)


def test_kind_not_matching_the_url_is_bad_request(fakeapi: FakeAPI, http: Client) -> None:
    body = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}}
    response = http.request("POST", CM_PATH, json=body)
    status = assert_status(response, 400, "BadRequest")
    # handlers/create.go transformDecodeError: "<kind> in version <v> cannot be handled as a <Kind>: ..."
    assert status["message"].startswith('Secret in version "v1" cannot be handled as a ConfigMap: ')
    assert http.request("GET", CM_PATH + "/x").status_code == 404
    assert http.request("GET", "/api/v1/namespaces/default/secrets/x").status_code == 404
    assert_still_serving(fakeapi, http)


def test_api_version_not_matching_the_url_is_bad_request(fakeapi: FakeAPI, http: Client) -> None:
    body = {"apiVersion": "apps/v1", "kind": "ConfigMap", "metadata": {"name": "x"}}
    response = http.request("POST", CM_PATH, json=body)
    assert_status(response, 400, "BadRequest")
    assert_still_serving(fakeapi, http)


def test_missing_name_is_invalid(fakeapi: FakeAPI, http: Client) -> None:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}, "data": {"a": "b"}}
    response = http.request("POST", CM_PATH, json=body)
    status = assert_status(
        response,
        422,
        "Invalid",
        'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required',
    )
    assert status["details"] == {
        "kind": "ConfigMap",
        "causes": [
            {
                "reason": "FieldValueRequired",
                "message": "Required value: name or generateName is required",
                "field": "metadata.name",
            }
        ],
    }
    assert_still_serving(fakeapi, http)


def test_invalid_name_is_invalid(fakeapi: FakeAPI, http: Client) -> None:
    response = http.request("POST", CM_PATH, json=_configmap("Bad_Name"))
    status = assert_status(
        response,
        422,
        "Invalid",
        f'ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": {RFC1123_SUBDOMAIN_MSG}',
    )
    assert status["details"] == {
        "name": "Bad_Name",
        "kind": "ConfigMap",
        "causes": [
            {
                "reason": "FieldValueInvalid",
                "message": f'Invalid value: "Bad_Name": {RFC1123_SUBDOMAIN_MSG}',
                "field": "metadata.name",
            }
        ],
    }
    assert configmap_names(http) == []
    assert_still_serving(fakeapi, http)


def test_invalid_name_of_a_grouped_kind_names_the_group(fakeapi: FakeAPI, http: Client) -> None:
    body = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "Bad_Name"},
        "spec": {
            "selector": {"matchLabels": {"app": "x"}},
            "template": {
                "metadata": {"labels": {"app": "x"}},
                "spec": {"containers": [{"name": "x", "image": "nginx"}]},
            },
        },
    }
    response = http.request("POST", "/apis/apps/v1/namespaces/default/deployments", json=body)
    status = assert_status(
        response,
        422,
        "Invalid",
        f'Deployment.apps "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": {RFC1123_SUBDOMAIN_MSG}',
    )
    assert (status["details"]["group"], status["details"]["kind"]) == ("apps", "Deployment")
    assert_still_serving(fakeapi, http)


def test_unsupported_media_type(fakeapi: FakeAPI, http: Client) -> None:
    body = json.dumps(_configmap()).encode()
    response = http.request("POST", CM_PATH, data=body, headers={"Content-Type": "text/plain"})
    assert_status(
        response,
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json, application/yaml, application/vnd.kubernetes.protobuf",
    )
    assert http.request("GET", CM_PATH + "/x").status_code == 404
    assert_still_serving(fakeapi, http)


def test_unsupported_patch_type(fakeapi: FakeAPI, http: Client) -> None:
    assert http.request("POST", CM_PATH, json=_configmap()).status_code == 201
    response = http.request(
        "PATCH", CM_PATH + "/x", data=b'{"data": {"a": "c"}}', headers={"Content-Type": "application/json"}
    )
    status = assert_status(response, 415, "UnsupportedMediaType")
    prefix = "the body of the request was in an unknown format - accepted media types include: "
    assert status["message"].startswith(prefix)
    # Built-in kinds take every patch type, strategic merge included (handlers/patch.go, installer.go).
    assert set(status["message"].removeprefix(prefix).split(", ")) == {
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/strategic-merge-patch+json",
        "application/apply-patch+yaml",
    }
    assert http.request("GET", CM_PATH + "/x").json()["data"] == {"a": "b"}
    assert_still_serving(fakeapi, http)


def test_body_over_3_mib_is_too_large(fakeapi: FakeAPI, http: Client) -> None:
    limit = 3 * 1024 * 1024
    body = _configmap()
    body["data"] = {"big": "x" * limit}
    response = http.request(
        "POST", CM_PATH, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    assert_status(response, 413, "RequestEntityTooLarge", f"Request entity too large: limit is {limit}")
    assert http.request("GET", CM_PATH + "/x").status_code == 404
    assert_still_serving(fakeapi, http)


def test_chunked_body_over_3_mib_is_too_large(fakeapi: FakeAPI, http: Client) -> None:
    limit = 3 * 1024 * 1024
    chunk = b"x" * (64 * 1024)

    def body() -> Iterator[bytes]:
        # A little over the limit in all: the server reads up to the limit, then answers.
        yield b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"big":"'
        for _ in range(limit // len(chunk)):
            yield chunk
        yield b"y" * 1024 + b'"}}'

    response = http.request("POST", CM_PATH, data=body(), headers={"Content-Type": "application/json"})
    assert_status(response, 413, "RequestEntityTooLarge", f"Request entity too large: limit is {limit}")
    assert_still_serving(fakeapi, http)


def test_body_just_under_the_limit_is_accepted(fakeapi: FakeAPI, http: Client) -> None:
    body = _configmap()
    body["data"] = {"big": "x" * (1024 * 1024)}
    response = http.request("POST", CM_PATH, json=body)
    assert response.status_code == 201, response.text[:500]
    assert_still_serving(fakeapi, http)


# -- routing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/namespaces/default/widgets",
        "/api/v1/widgets",
        "/apis/example.com/v1/widgets",
        "/apis/apps/v9/deployments",
        "/nothing-here",
    ],
)
def test_unknown_resource_is_not_found(fakeapi: FakeAPI, http: Client, path: str) -> None:
    status = assert_status(
        http.request("GET", path), 404, "NotFound", "the server could not find the requested resource"
    )
    assert status.get("details", {}) == {}
    assert_still_serving(fakeapi, http)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", CM_PATH),
        ("PATCH", CM_PATH),
        ("POST", CM_PATH + "/x"),
        ("POST", "/api/v1/namespaces/default"),
    ],
)
def test_wrong_method_is_method_not_allowed(fakeapi: FakeAPI, http: Client, method: str, path: str) -> None:
    # go-restful has no route for the method on this path; its 405 becomes the generic Status.
    content_type = "application/merge-patch+json" if method == "PATCH" else "application/json"
    response = http.request(method, path, data=json.dumps(_configmap()), headers={"Content-Type": content_type})
    assert_status(response, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
    assert configmap_names(http) == []
    assert_still_serving(fakeapi, http)


# -- authentication ------------------------------------------------------------------------------


def test_request_without_credentials_is_unauthorized(fakeapi: FakeAPI, http: Client) -> None:
    response = http.anonymous("GET", "/api/v1/namespaces")
    status = assert_status(response, 401, "Unauthorized", "Unauthorized")
    assert status == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Unauthorized",
        "reason": "Unauthorized",
        "code": 401,
    }
    assert_still_serving(fakeapi, http)


def test_unknown_bearer_token_is_unauthorized(fakeapi: FakeAPI, http: Client) -> None:
    response = http.anonymous("GET", "/api/v1/namespaces", headers={"Authorization": "Bearer not-a-token"})
    assert_status(response, 401, "Unauthorized", "Unauthorized")
    response = http.anonymous("POST", CM_PATH, json=_configmap(), headers={"Authorization": "Bearer not-a-token"})
    assert_status(response, 401, "Unauthorized", "Unauthorized")
    assert http.request("GET", CM_PATH + "/x").status_code == 404
    assert_still_serving(fakeapi, http)


# -- broken connections --------------------------------------------------------------------------


def _read_until_closed(sock: ssl.SSLSocket) -> bytes:
    data = bytearray()
    while True:
        try:
            chunk = sock.recv(65536)
        except (ssl.SSLError, ConnectionError):
            break
        if not chunk:
            break
        data += chunk
    return bytes(data)


def _post_head(http: Client, length: int) -> bytes:
    host = urlsplit(http.url).netloc
    return (
        f"POST {CM_PATH} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\nAccept: application/json\r\n\r\n"
    ).encode()


def test_client_disconnecting_mid_request_body(fakeapi: FakeAPI, http: Client) -> None:
    sock = http.connect()
    sock.sendall(_post_head(http, 100) + b'{"apiVersi')
    sock.close()
    assert_still_serving(fakeapi, http)
    assert configmap_names(http) == []
    assert_still_serving(fakeapi, http)


def test_client_half_closing_mid_request_body(fakeapi: FakeAPI, http: Client) -> None:
    sock = http.connect()
    sock.sendall(_post_head(http, 100) + b'{"apiVersi')
    # End the sending side only: the server sees the body end early, and must close the connection.
    # (socket.socket's shutdown: SSLSocket.shutdown would drop the TLS state needed to read the answer.)
    socket.socket.shutdown(sock, socket.SHUT_WR)
    answer = _read_until_closed(sock)
    sock.close()
    # Whatever the server answered, it did not create anything and did not fail.
    assert not answer.startswith(b"HTTP/1.1 201")
    assert configmap_names(http) == []
    assert_still_serving(fakeapi, http)


def test_client_disconnecting_mid_headers(fakeapi: FakeAPI, http: Client) -> None:
    sock = http.connect()
    sock.sendall(b"GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nAccept: appl")
    sock.close()
    assert_still_serving(fakeapi, http)


def _read_head(sock: ssl.SSLSocket) -> tuple[bytes, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before the response head: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def test_client_disconnecting_mid_watch(fakeapi: FakeAPI, http: Client) -> None:
    host = urlsplit(http.url).netloc
    sock = http.connect()
    sock.sendall(f"GET {CM_PATH}?watch=true&timeoutSeconds=30 HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    head, _ = _read_head(sock)
    assert head.startswith(b"HTTP/1.1 200")
    assert b"transfer-encoding: chunked" in head.lower()
    sock.close()
    # Events for the dead watch: the server's writes to the closed connection must fail quietly.
    for i in range(3):
        assert http.request("POST", CM_PATH, json=_configmap(f"after-{i}")).status_code == 201
    assert_still_serving(fakeapi, http)
    names = configmap_names(http)
    assert names == ["after-0", "after-1", "after-2"]
    assert_still_serving(fakeapi, http)


def test_abandoned_watches_do_not_stop_new_ones(fakeapi: FakeAPI, http: Client) -> None:
    host = urlsplit(http.url).netloc
    for _ in range(5):
        sock = http.connect()
        sock.sendall(f"GET {CM_PATH}?watch=true HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        head, _ = _read_head(sock)
        assert head.startswith(b"HTTP/1.1 200")
        sock.close()
    rv = http.request("GET", CM_PATH).json()["metadata"]["resourceVersion"]
    with http.request(
        "GET", CM_PATH, params={"watch": "true", "resourceVersion": rv, "timeoutSeconds": "5"}, stream=True
    ) as watch:
        assert watch.status_code == 200
        assert http.request("POST", CM_PATH, json=_configmap("seen")).status_code == 201
        line = next(watch.iter_lines())
    event = json.loads(line)
    assert (event["type"], event["object"]["metadata"]["name"]) == ("ADDED", "seen")
    assert_still_serving(fakeapi, http)


# -- list and watch options ----------------------------------------------------------------------


@pytest.mark.parametrize("selector", ["a in (b", "a=b=c", "!", "a notin b", "a in (b),,c", "k!=(v)", "a b"])
def test_invalid_label_selector_is_bad_request(fakeapi: FakeAPI, http: Client, selector: str) -> None:
    response = http.request("GET", CM_PATH, params={"labelSelector": selector})
    status = assert_status(response, 400, "BadRequest")
    assert status["message"]
    assert_still_serving(fakeapi, http)


def test_invalid_label_selector_on_watch_and_deletecollection(fakeapi: FakeAPI, http: Client) -> None:
    assert http.request("POST", CM_PATH, json=_configmap()).status_code == 201
    watch = http.request("GET", CM_PATH, params={"watch": "true", "labelSelector": "a in (b"})
    assert_status(watch, 400, "BadRequest")
    delete = http.request("DELETE", CM_PATH, params={"labelSelector": "a in (b"})
    assert_status(delete, 400, "BadRequest")
    assert configmap_names(http) == ["x"]
    assert_still_serving(fakeapi, http)


def test_unsupported_field_selector_for_pods(fakeapi: FakeAPI, http: Client) -> None:
    response = http.request("GET", "/api/v1/pods", params={"fieldSelector": "spec.foo=bar"})
    assert_status(response, 400, "BadRequest", "field label not supported: spec.foo")
    assert_still_serving(fakeapi, http)


def test_unsupported_field_selector_for_configmaps(fakeapi: FakeAPI, http: Client) -> None:
    response = http.request("GET", CM_PATH, params={"fieldSelector": "data.a=b"})
    assert_status(
        response,
        400,
        "BadRequest",
        '"data.a" is not a known field selector: only "metadata.name", "metadata.namespace"',
    )
    assert_still_serving(fakeapi, http)


def test_supported_field_selectors_still_work(fakeapi: FakeAPI, http: Client) -> None:
    for name in ("x", "y"):
        assert http.request("POST", CM_PATH, json=_configmap(name)).status_code == 201
    listed = http.request("GET", CM_PATH, params={"fieldSelector": "metadata.name!=x"}).json()
    assert [i["metadata"]["name"] for i in listed["items"] if i["metadata"]["name"] != "kube-root-ca.crt"] == ["y"]
    pods = http.request("GET", "/api/v1/pods", params={"fieldSelector": "status.phase=Running,spec.nodeName=n1"})
    assert pods.status_code == 200
    assert pods.json()["items"] == []
    assert_still_serving(fakeapi, http)


def test_resource_version_match_without_resource_version_is_invalid(fakeapi: FakeAPI, http: Client) -> None:
    response = http.request("GET", CM_PATH, params={"resourceVersionMatch": "NotOlderThan"})
    status = assert_status(
        response,
        422,
        "Invalid",
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: '
        "resourceVersionMatch is forbidden unless resourceVersion is provided",
    )
    assert status["details"] == {
        "group": "meta.k8s.io",
        "kind": "ListOptions",
        "causes": [
            {
                "reason": "FieldValueForbidden",
                "message": "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",
                "field": "resourceVersionMatch",
            }
        ],
    }
    assert_still_serving(fakeapi, http)


def test_resource_version_match_exact_with_zero_is_invalid(fakeapi: FakeAPI, http: Client) -> None:
    response = http.request("GET", CM_PATH, params={"resourceVersion": "0", "resourceVersionMatch": "Exact"})
    assert_status(
        response,
        422,
        "Invalid",
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: '
        'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
    )
    assert_still_serving(fakeapi, http)


@pytest.mark.fakeapi(watch_window=3)
def test_watch_from_too_old_resource_version_is_an_expired_event(fakeapi: FakeAPI, http: Client) -> None:
    # A window of three events: after these writes, revision 1 is gone from it.
    for i in range(5):
        fakeapi.seed(_configmap(f"churn-{i}"))
    params = {"watch": "true", "resourceVersion": "1", "timeoutSeconds": "10"}
    with http.request("GET", CM_PATH, params=params, stream=True) as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/json"
        lines = [line for line in response.iter_lines() if line]
    assert len(lines) == 1, lines
    event = json.loads(lines[0])
    assert event["type"] == "ERROR"
    status = event["object"]
    assert {k: status[k] for k in ("kind", "apiVersion", "status", "reason", "code")} == {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "reason": "Expired",
        "code": 410,
    }
    match = re.fullmatch(r"too old resource version: 1 \((\d+)\)", status["message"])
    assert match is not None, status["message"]
    assert int(match.group(1)) > 1
    assert_still_serving(fakeapi, http)


def _token(body: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        ("not a token", "illegal base64 data at input byte 3"),
        ("abcde", "illegal base64 data at input byte 4"),
        (_token([1]), "json: cannot unmarshal array into Go value of type storage.continueToken"),
        (
            _token({"v": "meta.k8s.io/v2", "rv": 5, "start": "a"}),
            "server does not recognize this encoded version meta.k8s.io/v2",
        ),
        (
            _token({"v": "meta.k8s.io/v1", "start": "a"}),
            "incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
        ),
        (_token({"v": "meta.k8s.io/v1", "rv": 5}), "encoded start key empty (version meta.k8s.io/v1)"),
    ],
)
def test_list_with_invalid_continue_token_is_bad_request(
    fakeapi: FakeAPI, http: Client, token: str, problem: str
) -> None:
    # storage.DecodeContinue's errors, wrapped by ValidateListOptions (k8s.io/apiserver/pkg/storage).
    response = http.request("GET", CM_PATH, params={"limit": "1", "continue": token})
    assert_status(response, 400, "BadRequest", f"invalid continue token: continue key is not valid: {problem}")
    assert_still_serving(fakeapi, http)


def test_a_well_formed_token_with_no_list_behind_it_has_expired(fakeapi: FakeAPI, http: Client) -> None:
    token = _token({"v": "meta.k8s.io/v1", "rv": 5, "start": "default/a\u0000"})
    response = http.request("GET", CM_PATH, params={"limit": "1", "continue": token})
    assert_status(response, 410, "Expired")
    assert_still_serving(fakeapi, http)


# -- admission and options -----------------------------------------------------------------------


def test_create_in_missing_namespace_is_not_found(fakeapi: FakeAPI, http: Client) -> None:
    response = http.request("POST", "/api/v1/namespaces/nope/configmaps", json=_configmap())
    status = assert_status(response, 404, "NotFound", 'namespaces "nope" not found')
    assert status["details"] == {"name": "nope", "kind": "namespaces"}
    assert configmap_names(http, "/api/v1/configmaps") == []
    assert_still_serving(fakeapi, http)


def test_create_with_mismatched_namespace_is_bad_request(fakeapi: FakeAPI, http: Client) -> None:
    response = http.request("POST", CM_PATH, json=_configmap(namespace="kube-system"))
    assert_status(
        response,
        400,
        "BadRequest",
        "the namespace of the provided object does not match the namespace sent on the request",
    )
    assert_still_serving(fakeapi, http)


@pytest.mark.parametrize("namespace", ["default", "kube-system", "kube-public"])
def test_deleting_a_system_namespace_is_forbidden(fakeapi: FakeAPI, http: Client, namespace: str) -> None:
    response = http.request("DELETE", f"/api/v1/namespaces/{namespace}")
    status = assert_status(
        response, 403, "Forbidden", f'namespaces "{namespace}" is forbidden: this namespace may not be deleted'
    )
    assert status["details"] == {"name": namespace, "kind": "namespaces"}
    still_there = http.request("GET", f"/api/v1/namespaces/{namespace}").json()
    assert "deletionTimestamp" not in still_there["metadata"]
    assert still_there["status"] == {"phase": "Active"}
    assert_still_serving(fakeapi, http)


def test_invalid_dry_run_is_invalid(fakeapi: FakeAPI, http: Client) -> None:
    response = http.request("POST", CM_PATH, params={"dryRun": "Bogus"}, json=_configmap())
    # field.NotSupported with a []string value: current ErrorBody prints complex values as JSON.
    status = assert_status(
        response,
        422,
        "Invalid",
        'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["Bogus"]: supported values: "All"',
    )
    assert (status["details"]["group"], status["details"]["kind"]) == ("meta.k8s.io", "CreateOptions")
    [cause] = status["details"]["causes"]
    assert (cause["reason"], cause["field"]) == ("FieldValueNotSupported", "dryRun")
    assert http.request("GET", CM_PATH + "/x").status_code == 404
    assert_still_serving(fakeapi, http)


def test_invalid_dry_run_on_delete_is_invalid(fakeapi: FakeAPI, http: Client) -> None:
    assert http.request("POST", CM_PATH, json=_configmap()).status_code == 201
    response = http.request("DELETE", CM_PATH + "/x", params={"dryRun": "yes"})
    status = assert_status(response, 422, "Invalid")
    assert status["details"]["kind"] == "DeleteOptions"
    assert http.request("GET", CM_PATH + "/x").status_code == 200
    assert_still_serving(fakeapi, http)


def test_dry_run_all_persists_nothing(fakeapi: FakeAPI, http: Client) -> None:
    before = http.request("GET", CM_PATH).json()["metadata"]["resourceVersion"]
    response = http.request("POST", CM_PATH, params={"dryRun": "All"}, json=_configmap())
    assert response.status_code == 201
    assert response.json()["metadata"]["name"] == "x"
    assert http.request("GET", CM_PATH + "/x").status_code == 404
    # No event either: a watch from before the dry run sees nothing about "x" until it times out.
    params = {"watch": "true", "resourceVersion": before, "fieldSelector": "metadata.name=x", "timeoutSeconds": "1"}
    with http.request("GET", CM_PATH, params=params, stream=True) as watch:
        assert watch.status_code == 200
        assert [line for line in watch.iter_lines() if line] == []
    assert_still_serving(fakeapi, http)


def test_server_keeps_serving_after_a_burst_of_bad_requests(fakeapi: FakeAPI, http: Client) -> None:
    for _ in range(3):
        assert http.request("POST", CM_PATH, data=b"{", headers={"Content-Type": "application/json"}).status_code == 400
        assert http.request("GET", "/api/v1/namespaces/default/widgets").status_code == 404
        assert http.request("DELETE", "/api", json={}).status_code == 405
        assert http.anonymous("GET", "/api/v1/namespaces").status_code == 401
        sock = http.connect()
        sock.sendall(_post_head(http, 100) + b"{")
        sock.close()
    assert http.request("POST", CM_PATH, json=_configmap()).status_code == 201
    assert_still_serving(fakeapi, http)


# -- found by probing: bodies the server must read as Go reads them, and framing it must refuse ----


def test_a_huge_quantity_exponent_is_answered_at_once(fakeapi: FakeAPI, http: Client) -> None:
    # Go keeps 1e99999999 as a mantissa and a scale; expanding it exactly would hold the server for minutes.
    for exponent in ("1e99999999", "1e-99999999", "1e999999"):
        containers = [{"name": "c", "image": "x", "resources": {"limits": {"cpu": exponent}}}]
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "q"}, "spec": {"containers": containers}}
        response = http.request("POST", "/api/v1/namespaces/default/pods", params={"dryRun": "All"}, json=pod)
        assert response.status_code == 201, response.text
    assert_still_serving(fakeapi, http)


def test_a_lone_surrogate_reads_as_the_replacement_character(fakeapi: FakeAPI, http: Client) -> None:
    # encoding/json replaces an escaped surrogate that is not half of a pair with U+FFFD.
    body = b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"u"},"data":{"a":"\\ud800","b":"\\ud83d\\ude00"}}'
    created = http.request("POST", CM_PATH, data=body, headers={"Content-Type": "application/json"})
    assert created.status_code == 201, created.text
    assert created.json()["data"] == {"a": "\ufffd", "b": "\U0001f600"}
    # In a key, the replaced character is named in the refusal (it is not a valid config key).
    body = b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"k"},"data":{"\\udc00b":"x"}}'
    refused = http.request("POST", CM_PATH, data=body, headers={"Content-Type": "application/json"})
    assert_status(refused, 422, "Invalid")
    assert refused.json()["details"]["causes"][0]["field"] == "data[\ufffdb]"
    assert http.request("GET", CM_PATH + "/u").json()["data"]["a"] == "\ufffd"
    assert "u" in configmap_names(http)
    assert_still_serving(fakeapi, http)


def test_yaml_bodies_read_as_sigs_k8s_io_yaml_reads_them(fakeapi: FakeAPI, http: Client) -> None:
    yaml_body = {"Content-Type": "application/yaml"}
    body = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: y}\ndata: {day: 2001-01-01, 1: one, true: t}\n"
    created = http.request("POST", CM_PATH, data=body, headers=yaml_body)
    assert created.status_code == 201, created.text
    # Plain timestamps stay strings, keys become strings (go-yaml v2, then JSON).
    assert created.json()["data"] == {"day": "2001-01-01", "1": "one", "true": "t"}
    assert http.request("GET", CM_PATH).status_code == 200
    refused = http.request("POST", CM_PATH, data=body.replace("2001-01-01", ".nan"), headers=yaml_body)
    status = assert_status(refused, 400, "BadRequest")
    assert status["message"].startswith(
        "the object provided is unrecognized (must be of type ConfigMap): json: unsupported value: NaN ("
    )
    assert_still_serving(fakeapi, http)


@pytest.mark.parametrize(
    ("options", "code", "message"),
    [
        ({"dryRun": ["All", "All"]}, 200, None),
        (
            {"dryRun": ["Bogus"]},
            422,
            'DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["Bogus"]: supported values: "All"',
        ),
        (
            {"dryRun": "All"},
            400,
            "json: cannot unmarshal string into Go struct field DeleteOptions.dryRun of type []string",
        ),
        (
            {"gracePeriodSeconds": "x"},
            400,
            "json: cannot unmarshal string into Go struct field DeleteOptions.gracePeriodSeconds of type int64",
        ),
        (
            {"preconditions": "x"},
            400,
            "json: cannot unmarshal string into Go struct field DeleteOptions.preconditions of type v1.Preconditions",
        ),
    ],
)
def test_delete_options_in_the_body_are_decoded_and_validated(
    fakeapi: FakeAPI, http: Client, options: dict[str, Any], code: int, message: str | None
) -> None:
    assert http.request("POST", CM_PATH, json=_configmap()).status_code == 201
    body = {"kind": "DeleteOptions", "apiVersion": "v1", **options}
    response = http.request("DELETE", CM_PATH + "/x", json=body)
    assert response.status_code == code, response.text
    if message is not None:
        assert response.json()["message"] == message
    # A dry run, a refusal: the ConfigMap is still there.
    assert http.request("GET", CM_PATH + "/x").status_code == 200
    assert_still_serving(fakeapi, http)


def test_an_eviction_with_any_dry_run_value_deletes_nothing(fakeapi: FakeAPI, http: Client) -> None:
    pods = "/api/v1/namespaces/default/pods"
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "e"},
        "spec": {"containers": [{"name": "c", "image": "x"}]},
    }
    assert http.request("POST", pods, json=pod).status_code == 201
    eviction = {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": "e"},
        "deleteOptions": {"dryRun": ["Bogus"]},
    }
    assert http.request("POST", f"{pods}/e/eviction", json=eviction).status_code == 201
    assert http.request("GET", f"{pods}/e").status_code == 200
    assert_still_serving(fakeapi, http)


def test_a_body_cut_short_by_a_closed_connection_is_not_a_request(fakeapi: FakeAPI, http: Client) -> None:
    body = json.dumps(_configmap("short")).encode()
    sock = http.connect()
    sock.sendall(_post_head(http, len(body) + 50) + body)
    socket.socket.shutdown(sock, socket.SHUT_WR)
    answer = _read_until_closed(sock)
    sock.close()
    assert answer == b""
    assert configmap_names(http) == []
    assert_still_serving(fakeapi, http)


@pytest.mark.parametrize("size", [b"-1", b"0x2", b"+2", b"2 2"])
def test_a_malformed_chunk_size_is_refused_at_once(fakeapi: FakeAPI, http: Client, size: bytes) -> None:
    host = urlsplit(http.url).netloc
    sock = http.connect()
    head = f"POST {CM_PATH} HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
    sock.sendall(head.encode() + size + b"\r\n{}\r\n0\r\n\r\n")
    status_line, _ = _read_head(sock)
    sock.close()
    assert status_line.split(b"\r\n")[0] == b"HTTP/1.1 400 Bad Request"
    assert_still_serving(fakeapi, http)


# -- options, names and paths upstream refuses -----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("-1", "invalid syntax"),
        ("%2B5", "invalid syntax"),
        ("1_0", "invalid syntax"),
        ("18446744073709551616", "value out of range"),
    ],
)
def test_a_resource_version_that_is_not_an_unsigned_integer_is_refused(
    fakeapi: FakeAPI, http: Client, value: str, problem: str
) -> None:
    # storage.ValidateListOptions (a list) and etcd3's validateMinimumResourceVersion (a get), both with
    # APIObjectVersioner.ParseResourceVersion (strconv.ParseUint).
    assert http.request("POST", CM_PATH, json=_configmap("one")).status_code == 201
    shown = value.replace("%2B", "+")
    for path in (CM_PATH, f"{CM_PATH}/one"):
        response = http.request("GET", f"{path}?resourceVersion={value}")
        assert_status(
            response,
            400,
            "BadRequest",
            f'invalid resource version: resourceVersion: Invalid value: "{shown}": strconv.ParseUint: parsing "{shown}": {problem}',
        )
    assert_still_serving(fakeapi, http)


def test_a_continue_token_with_a_resource_version_is_refused(fakeapi: FakeAPI, http: Client) -> None:
    for name in ("a", "b"):
        assert http.request("POST", CM_PATH, json=_configmap(name)).status_code == 201
    token = http.request("GET", CM_PATH, params={"limit": "1"}).json()["metadata"]["continue"]
    response = http.request("GET", CM_PATH, params={"limit": "1", "continue": token, "resourceVersion": "5"})
    assert_status(response, 400, "BadRequest", "specifying resource version is not allowed when using continue")
    assert_still_serving(fakeapi, http)


def test_write_options_are_validated_together(fakeapi: FakeAPI, http: Client) -> None:
    # ValidateCreateOptions: fieldManager (printable), dryRun, fieldValidation, every error in one 422.
    params = {"fieldManager": "bad\x01", "fieldValidation": "Bogus"}
    response = http.request("POST", CM_PATH, params=params, json=_configmap())
    status = assert_status(response, 422, "Invalid")
    assert status["message"] == (
        'CreateOptions.meta.k8s.io "" is invalid: [fieldManager: Invalid value: "bad\\x01": invalid character U+0001 '
        '(at position 3), fieldValidation: Unsupported value: "Bogus": supported values: "", "Ignore", "Strict", "Warn"]'
    )
    assert http.request("GET", CM_PATH + "/x").status_code == 404
    assert_still_serving(fakeapi, http)


def test_a_generate_name_is_validated_as_a_name_prefix(fakeapi: FakeAPI, http: Client) -> None:
    response = http.request("POST", CM_PATH, json={**_configmap(), "metadata": {"generateName": "x" * 300 + "-"}})
    status = assert_status(response, 422, "Invalid")
    [cause] = status["details"]["causes"]
    assert (cause["field"], cause["reason"]) == ("metadata.generateName", "FieldValueInvalid")
    assert cause["message"].endswith("must be no more than 253 characters")
    # A trailing dash is what a prefix is for (maskTrailingDash).
    assert http.request("POST", CM_PATH, json={**_configmap(), "metadata": {"generateName": "web-"}}).status_code == 201
    assert_still_serving(fakeapi, http)


def test_a_namespace_status_and_finalizers_are_validated(fakeapi: FakeAPI, http: Client) -> None:
    assert http.request("POST", "/api/v1/namespaces", json={"metadata": {"name": "nsz"}}).status_code == 201
    merge = {"Content-Type": "application/merge-patch+json"}
    response = http.request(
        "PATCH", "/api/v1/namespaces/nsz/status", data=json.dumps({"status": {"phase": "Terminating"}}), headers=merge
    )
    assert_status(
        response,
        422,
        "Invalid",
        'Namespace "nsz" is invalid: status.Phase: Invalid value: "Terminating": may only be \'Active\' if '
        "`deletionTimestamp` is empty",
    )
    namespace = http.request("GET", "/api/v1/namespaces/nsz").json()
    # A status without a phase is defaulted to Active (SetDefaults_NamespaceStatus) before it is validated.
    emptied = http.request("PUT", "/api/v1/namespaces/nsz/status", json={**namespace, "status": {}})
    assert emptied.status_code == 200 and emptied.json()["status"] == {"phase": "Active"}
    namespace = emptied.json()
    namespace["spec"]["finalizers"] = ["bad finalizer!!", "plain"]
    response = http.request("PUT", "/api/v1/namespaces/nsz/finalize", json=namespace)
    status = assert_status(response, 422, "Invalid")
    messages = [(c["field"], c["message"]) for c in status["details"]["causes"]]
    assert messages[-1] == (
        "spec.finalizers[1]",
        'Invalid value: "plain": name is neither a standard finalizer name nor is it fully qualified',
    )
    assert messages[0][0] == "spec.finalizers[0]"
    assert http.request("GET", "/api/v1/namespaces/nsz").json()["status"]["phase"] == "Active"
    assert_still_serving(fakeapi, http)


def test_a_path_past_a_subresource_is_not_found(fakeapi: FakeAPI, http: Client) -> None:
    response = http.request("GET", "/apis/apps/v1/namespaces/kube-system/deployments/coredns/scale/extra")
    assert_status(response, 404, "NotFound", "the server could not find the requested resource")
    assert http.request("GET", "/apis/apps/v1/namespaces/kube-system/deployments/coredns/scale").status_code == 200
    assert_still_serving(fakeapi, http)


def test_a_content_type_mime_cannot_parse_is_unsupported(fakeapi: FakeAPI, http: Client) -> None:
    body = json.dumps(_configmap()).encode()
    response = http.request("POST", CM_PATH, data=body, headers={"Content-Type": "application/json; =; ;;"})
    assert_status(response, 415, "UnsupportedMediaType")
    charset = http.request("POST", CM_PATH, data=body, headers={"Content-Type": "application/json; charset=utf-8"})
    assert charset.status_code == 201
    assert_still_serving(fakeapi, http)


def _raw_exchange(http: Client, head: str, body: bytes = b"") -> bytes:
    sock = http.connect()
    sock.sendall(head.encode("iso-8859-1") + body)
    answer = _read_until_closed(sock)
    sock.close()
    return answer


@pytest.mark.parametrize(
    ("headers", "status_line", "message"),
    [
        ("Content-Length: +2\r\n", "400 Bad Request", 'bad Content-Length: "+2"'),
        ("Content-Length: 2_0\r\n", "400 Bad Request", 'bad Content-Length: "2_0"'),
        ("Content-Length: -5\r\n", "400 Bad Request", 'bad Content-Length: "-5"'),
        ("Content-Length: 2\r\nContent-Length: 3\r\n", "400 Bad Request", None),
        (
            "Transfer-Encoding: gzip, chunked\r\n",
            "501 Not Implemented",
            'unsupported transfer encoding: "gzip, chunked"',
        ),
        ("Transfer-Encoding: identity\r\n", "501 Not Implemented", 'unsupported transfer encoding: "identity"'),
        ("No colon here\r\n", "400 Bad Request", "malformed MIME header line: No colon here"),
        ("Bad Name: x\r\n", "400 Bad Request", "malformed MIME header line: Bad Name: x"),
    ],
)
def test_framing_net_http_refuses_is_refused(
    fakeapi: FakeAPI, http: Client, headers: str, status_line: str, message: str | None
) -> None:
    host = urlsplit(http.url).netloc
    head = f"POST {CM_PATH} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n{headers}Connection: close\r\n\r\n"
    answer = _raw_exchange(http, head, b"{}")
    assert answer.split(b"\r\n", 1)[0] == f"HTTP/1.1 {status_line}".encode()
    if message is not None:
        assert json.loads(answer.partition(b"\r\n\r\n")[2])["message"] == message
    assert configmap_names(http) == []
    assert_still_serving(fakeapi, http)


def test_an_http_1_1_request_without_host_is_refused(fakeapi: FakeAPI, http: Client) -> None:
    answer = _raw_exchange(http, f"GET {CM_PATH} HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert answer.split(b"\r\n", 1)[0] == b"HTTP/1.1 400 Bad Request"
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["message"] == "missing required Host header"
    assert_still_serving(fakeapi, http)


def test_a_folded_header_line_continues_the_one_before(fakeapi: FakeAPI, http: Client) -> None:
    host = urlsplit(http.url).netloc
    head = f"GET {CM_PATH} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json,\r\n application/yaml\r\nConnection: close\r\n\r\n"
    assert _raw_exchange(http, head).split(b"\r\n", 1)[0] == b"HTTP/1.1 200 OK"
    assert_still_serving(fakeapi, http)


def test_a_path_is_read_with_its_escapes_decoded(fakeapi: FakeAPI, http: Client) -> None:
    # Go's URL.Path is the decoded path: the Python client sends system:basic-user as system%3Abasic-user.
    role = http.request("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/system%3Abasic-user")
    assert role.status_code == 200
    assert role.json()["metadata"]["name"] == "system:basic-user"
    assert http.request("POST", CM_PATH, json=_configmap("c0")).status_code == 201
    assert http.request("GET", f"{CM_PATH}/c%30").json()["metadata"]["name"] == "c0"
    # A %2F is a slash, which splits the path as it does upstream: no such route.
    assert_status(http.request("GET", f"{CM_PATH}/c0%2Fx"), 404, "NotFound")
    assert fakeapi.server.request("GET", f"{CM_PATH}/c%30").status == 200


def test_a_path_with_a_broken_escape_is_refused(fakeapi: FakeAPI, http: Client) -> None:
    # net/http's url.ParseRequestURI fails on it (url.EscapeError) before any handler runs.
    host = urlsplit(http.url).netloc
    answer = _raw_exchange(http, f"GET {CM_PATH}/a%zz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
    assert answer.split(b"\r\n", 1)[0] == b"HTTP/1.1 400 Bad Request"
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["message"] == 'invalid URL escape "%zz"'
    assert_still_serving(fakeapi, http)
