"""The webhook client (k8s.io/apiserver/pkg/util/webhook) and the AdmissionReview checks (request/admissionreview.go).

Error texts are Go's as a webhook call reports them: net/http's ``Post "<url>": ...``, crypto/x509's
HostnameError and UnknownAuthorityError, client-go's NewGenericServerResponse for an answer that
is not a Status (k8s.io/apimachinery/pkg/api/errors/errors.go).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from fakeapi.admission.plugin.webhook.request.admissionreview import InvalidResponse, verify_admission_response
from fakeapi.certs.pki import CertificateAuthority
from fakeapi.testing.webhooks import WebhookServer
from fakeapi.util.webhook.client import CallError, ClientManager, client_config_from_api
from fakeapi.util.webhook.serviceresolver import EndpointServiceResolver, MappedServiceResolver


class Objects:
    """Stored objects by (group, version, resource), as the resolver reads them."""

    def __init__(self, *objects: tuple[tuple[str, str, str], dict[str, Any]]) -> None:
        self.objects = objects

    def get(self, gvr: tuple[str, str, str], namespace: str, name: str) -> dict[str, Any] | None:
        return next((o for g, o in self.objects if g == gvr and o["metadata"]["name"] == name), None)

    def list(self, gvr: tuple[str, str, str], namespace: str | None = None) -> list[dict[str, Any]]:
        return [o for g, o in self.objects if g == gvr]


@pytest.fixture(scope="module")
def ca() -> CertificateAuthority:
    return CertificateAuthority.create()


def post(config: dict[str, Any], resolver: Any = None, body: dict[str, Any] | None = None) -> dict[str, Any]:
    manager = ClientManager(resolver or EndpointServiceResolver(Objects()))
    try:
        return manager.hook_client(client_config_from_api("w", config)).post(body or {}, 2)
    finally:
        manager.close()


def test_a_certificate_for_other_names_fails_with_x509s_text(ca: CertificateAuthority) -> None:
    with WebhookServer(ca, hosts=("webhook.example.com", "other.example.com")) as server:
        config = server.admission("/", lambda request: {"allowed": True})
        with pytest.raises(CallError) as failed:
            post(config)
    assert str(failed.value).endswith(
        "tls: failed to verify certificate: x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs"
    )


def test_answers_that_are_not_2xx_become_client_gos_errors(ca: CertificateAuthority) -> None:
    with WebhookServer(ca) as server:
        text = server.raw("/text", lambda body: (500, "text/plain", b"boom"))
        status_body = json.dumps(
            {
                "kind": "Status",
                "apiVersion": "v1",
                "status": "Failure",
                "code": 429,
                "message": "slow down",
                "reason": "TooManyRequests",
            }
        )
        status = server.raw("/status", lambda body: (429, "application/json", status_body.encode()))
        with pytest.raises(CallError) as failed_text:
            post(text)
        with pytest.raises(CallError) as failed_status:
            post(status)
    assert str(failed_text.value) == 'an error on the server ("boom") has prevented the request from succeeding'
    assert failed_text.value.status is not None and failed_text.value.status.code == 500
    assert str(failed_status.value) == "slow down"
    assert failed_status.value.status is not None and failed_status.value.status.reason == "TooManyRequests"


def test_a_service_resolves_through_its_endpoints_when_it_has_no_slices(ca: CertificateAuthority) -> None:
    with WebhookServer(ca, hosts=("hook.ns.svc",)) as server:
        config = server.admission("/review", lambda request: {"allowed": True})
        service = {"metadata": {"name": "hook"}, "spec": {"ports": [{"port": 8443}]}}
        endpoints = {
            "metadata": {"name": "hook"},
            "subsets": [{"addresses": [{"ip": "127.0.0.1"}], "ports": [{"port": server.port}]}],
        }
        objects = Objects((("", "v1", "services"), service), (("", "v1", "endpoints"), endpoints))
        config = {
            "service": {"namespace": "ns", "name": "hook", "port": 8443, "path": "/review"},
            "caBundle": config["caBundle"],
        }
        review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": "u"}}
        assert post(config, EndpointServiceResolver(objects), review)["response"] == {"allowed": True, "uid": "u"}
        [(path, _)] = server.calls
        assert path == "/review?timeout=2s"


def test_service_resolution_failures_name_the_service() -> None:
    service = {"metadata": {"name": "hook"}, "spec": {"ports": [{"port": 443}]}}
    resolver = EndpointServiceResolver(Objects((("", "v1", "services"), service)))
    with pytest.raises(CallError) as no_port:
        post({"service": {"namespace": "ns", "name": "hook", "port": 8443}}, resolver)
    with pytest.raises(CallError) as no_endpoints:
        post({"service": {"namespace": "ns", "name": "hook", "port": 443}}, resolver)
    assert (
        str(no_port.value)
        == 'Post "https://hook.ns.svc:8443?timeout=2s": no service port 8443 found for service "hook"'
    )
    assert str(no_endpoints.value).endswith('no endpoints available for service "hook"')


def test_mapped_services_come_before_endpoints(ca: CertificateAuthority) -> None:
    with WebhookServer(ca, hosts=("mapped.ns.svc",)) as server:
        config = server.admission("/", lambda request: {"allowed": True})
        resolver = MappedServiceResolver(
            EndpointServiceResolver(Objects()), {("ns", "mapped", 443): ("127.0.0.1", server.port)}
        )
        config = {"service": {"namespace": "ns", "name": "mapped"}, "caBundle": config["caBundle"]}
        assert post(config, resolver, {"request": {"uid": "x"}})["response"]["uid"] == "x"


def review(response: dict[str, Any], api_version: str = "admission.k8s.io/v1") -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": "AdmissionReview", "response": response}


@pytest.mark.parametrize(
    ("answer", "mutating", "message"),
    [
        ({"apiVersion": "admission.k8s.io/v1"}, True, "webhook response was absent"),
        (review({"uid": "other", "allowed": True}), False, 'expected response.uid="u", got "other"'),
        (
            review({"uid": "u", "allowed": True}, "admission.k8s.io/v1beta1"),
            False,
            "expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got admission.k8s.io/v1beta1, Kind=AdmissionReview",
        ),
        (
            review({"uid": "u", "allowed": True, "patchType": "JSONPatch"}),
            True,
            "webhook returned response.patchType but not response.patch",
        ),
        (
            review({"uid": "u", "allowed": True, "patch": base64.b64encode(b"[]").decode()}),
            False,
            "validating webhook may not return response.patch",
        ),
    ],
)
def test_malformed_v1_answers_are_refused_with_upstreams_reason(
    answer: dict[str, Any], mutating: bool, message: str
) -> None:
    with pytest.raises(InvalidResponse, match=message.replace("(", r"\(").replace(")", r"\)")):
        verify_admission_response("u", "v1", mutating, answer)


def test_v1beta1_answers_are_taken_as_they_are() -> None:
    patch = base64.b64encode(b'[{"op":"add","path":"/a","value":1}]').decode()
    answer = {"response": {"uid": "anything", "allowed": True, "patch": patch}}
    response = verify_admission_response("u", "v1beta1", True, answer)
    assert (response.allowed, response.patch_type) == (True, "JSONPatch")
