"""kopf's own admission webhooks against fakeapi: ``@kopf.on.validate`` and ``@kopf.on.mutate`` served by
``kopf.WebhookServer``, configured by kopf itself (``settings.admission.managed``), called by the
server over HTTPS for writes made with the ``kubernetes`` client."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from crd_manifests import crd_manifest

from fakeapi.controllers.manager import without_simulation
from fakeapi.pytest_plugin.plugin import FakeAPI

kopf_testing = pytest.importorskip("kopf.testing")
pytestmark = pytest.mark.fakeapi(controllers=without_simulation())

OPERATOR = Path(__file__).with_name("admission_operator.py")
CRD = crd_manifest(
    "Widget",
    schema={
        "type": "object",
        "properties": {"spec": {"type": "object", "properties": {"size": {"type": "integer"}}}},
    },
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def widget(name: str, size: int) -> dict[str, Any]:
    return {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": name}, "spec": {"size": size}}


@pytest.fixture
def own_kopf_registry() -> Iterator[Any]:
    """A registry for the operator's handlers: KopfRunner makes it kopf's default for the process, so the
    default is put back after the test, and later kopf tests do not inherit admission handlers."""
    import kopf

    previous = kopf.get_default_registry()
    yield kopf.OperatorRegistry()
    kopf.set_default_registry(previous)


def test_kopf_validates_and_mutates_widgets_created_with_the_kubernetes_client(
    fakeapi_kubeconfig_env: FakeAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_kopf_registry: Any
) -> None:
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    fakeapi = fakeapi_kubeconfig_env
    fakeapi.seed(CRD)
    serving = fakeapi.server.ca.issue_serving_cert("127.0.0.1", common_name="kopf")
    cert, key = serving.write_to(tmp_path)
    (tmp_path / "ca.pem").write_bytes(fakeapi.server.ca.cert_pem)
    monkeypatch.setenv("WIDGET_WEBHOOK_PORT", str(free_port()))
    monkeypatch.setenv("WIDGET_WEBHOOK_CERT", str(cert))
    monkeypatch.setenv("WIDGET_WEBHOOK_KEY", str(key))
    monkeypatch.setenv("WIDGET_WEBHOOK_CA", str(tmp_path / "ca.pem"))

    api = client.CustomObjectsApi(fakeapi.api_client())
    args = ["run", "--standalone", "--namespace=default", str(OPERATOR)]
    with kopf_testing.KopfRunner(args, timeout=60, registry=own_kopf_registry) as runner:
        # kopf writes its webhook configurations once its server listens.
        fakeapi.audit.assert_requested(
            "create", "validatingwebhookconfigurations", user_agent="kopf", code=201, timeout=30
        )
        fakeapi.audit.assert_requested(
            "create", "mutatingwebhookconfigurations", user_agent="kopf", code=201, timeout=30
        )
        time.sleep(0.2)  # kopf's server may still be binding when its configurations are written
        with pytest.raises(ApiException) as refused:
            api.create_namespaced_custom_object("example.com", "v1", "default", "widgets", widget("huge", 50))
        created = api.create_namespaced_custom_object("example.com", "v1", "default", "widgets", widget("small", 3))

    assert runner.exception is None and runner.exit_code == 0
    assert refused.value.status == 422
    assert "denied the request: size must be at most 10" in refused.value.body
    assert created["metadata"]["labels"] == {"admitted-by": "kopf"}
    assert fakeapi.get("example.com/v1", "Widget", "small")["metadata"]["labels"] == {"admitted-by": "kopf"}
