"""A webhook whose Service selects simulated pods: nothing runs behind their addresses, so a call is
refused at once, as a pod that does not listen refuses it, unless a test led the pod's port to a
server of its own (the container runtime's ``port_forward``). The simulated pod network is never
dialled: its addresses may belong to a real network where fakeapi runs.

The refusal's text is Go's dial error inside the dispatcher's ``failed calling webhook``
(k8s.io/apiserver/pkg/admission/plugin/webhook/validating/dispatcher.go).
"""

from __future__ import annotations

from typing import Any

import pytest

from fakeapi.pytest_plugin.plugin import FakeAPI
from fakeapi.testing.webhooks import WebhookServer

WEBHOOK_PORT = 10250
CONFIGMAPS = [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["configmaps"]}]


def _webhook_deployment(fakeapi: FakeAPI, failure_policy: str, ca_bundle: str = "") -> str:
    """A Deployment serving ``hooks`` (one ready pod behind a Service) and a webhook configuration naming it;
    returns the pod's address."""
    labels = {"app": "hooks"}
    fakeapi.seed(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "hooks", "namespace": "default"},
            "spec": {
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "containers": [
                            {
                                "name": "hooks",
                                "image": "registry.example/hooks:1",
                                "ports": [{"containerPort": WEBHOOK_PORT}],
                            }
                        ]
                    },
                },
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "hooks", "namespace": "default"},
            "spec": {"selector": labels, "ports": [{"name": "https", "port": 443, "targetPort": WEBHOOK_PORT}]},
        },
    )
    fakeapi.server.settle()
    [endpoint_slice] = fakeapi.server.request(
        "GET",
        "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices",
        query="labelSelector=kubernetes.io/service-name=hooks",
    ).json()["items"]
    [endpoint] = endpoint_slice["endpoints"]
    fakeapi.seed(
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingWebhookConfiguration",
            "metadata": {"name": "hooks"},
            "webhooks": [
                {
                    "name": "hooks.fakeapi.test",
                    "clientConfig": {
                        "service": {"namespace": "default", "name": "hooks", "path": "/validate", "port": 443},
                        **({"caBundle": ca_bundle} if ca_bundle else {}),
                    },
                    "rules": CONFIGMAPS,
                    "failurePolicy": failure_policy,
                    "sideEffects": "None",
                    "admissionReviewVersions": ["v1"],
                }
            ],
        }
    )
    return str(endpoint["addresses"][0])


def _create_configmap(fakeapi: FakeAPI, name: str) -> Any:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}
    return fakeapi.server.request("POST", "/api/v1/namespaces/default/configmaps", body)


def test_a_pod_that_serves_nothing_refuses_the_call(fakeapi: FakeAPI) -> None:
    address = _webhook_deployment(fakeapi, "Fail")
    assert address.startswith("10.244.")

    refused = _create_configmap(fakeapi, "refused")

    assert refused.status == 500
    assert refused.json()["message"] == (
        'Internal error occurred: failed calling webhook "hooks.fakeapi.test": failed to call webhook: Post '
        f'"https://hooks.default.svc:443/validate?timeout=10s": dial tcp {address}:{WEBHOOK_PORT}: connect: '
        "connection refused"
    )


def test_a_refused_call_with_the_ignore_policy_lets_the_request_through(fakeapi: FakeAPI) -> None:
    _webhook_deployment(fakeapi, "Ignore")
    assert _create_configmap(fakeapi, "let-through").status == 201


@pytest.mark.parametrize("allowed", [True, False])
def test_a_port_led_to_a_local_server_answers_the_call(fakeapi: FakeAPI, allowed: bool) -> None:
    requests: list[str] = []

    def review(request: dict[str, Any]) -> dict[str, Any]:
        requests.append(request["name"])
        return {"allowed": allowed, "status": {"message": "the pod said no"}}

    with WebhookServer(fakeapi.server.ca, hosts=("hooks.default.svc",)) as server:
        config = server.admission("/validate", review)
        fakeapi.server.containers.pods(labels={"app": "hooks"}).port_forward(
            ("127.0.0.1", server.port), port=WEBHOOK_PORT
        )
        _webhook_deployment(fakeapi, "Fail", config["caBundle"])

        answer = _create_configmap(fakeapi, "asked")

    assert requests == ["asked"]
    if allowed:
        assert answer.status == 201
    else:
        assert (answer.status, answer.json()["message"]) == (
            400,
            'admission webhook "hooks.fakeapi.test" denied the request: the pod said no',
        )
