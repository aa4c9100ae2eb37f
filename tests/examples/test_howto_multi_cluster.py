"""How to test against several clusters, or a cluster set up differently, in one test.

``fakeapi_factory(**settings)`` starts another server (settings are ``ServerConfig`` fields)
and stops it after the test. A test marked ``@pytest.mark.fakeapi(...)`` with settings the
session server does not have gets a server of its own in ``fakeapi``.
"""

from __future__ import annotations

import pytest
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from fakeapi.pytest_plugin.plugin import FakeAPI, FakeAPIFactory

TIMEOUT = 10


def _namespaces(cluster: FakeAPI) -> set[str]:
    api = client.CoreV1Api(config.new_client_from_config(str(cluster.kubeconfig)))
    return {n.metadata.name for n in api.list_namespace(_request_timeout=TIMEOUT).items}


def test_copy_between_two_clusters(fakeapi_factory: FakeAPIFactory) -> None:
    source, target = fakeapi_factory(), fakeapi_factory(kubernetes_version="v1.36.0")
    source.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "payments"}})

    for name in _namespaces(source) - _namespaces(target):
        target.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})

    assert "payments" in _namespaces(target)


@pytest.mark.fakeapi(runtime_config=["batch/v1=false"])
def test_code_that_copes_without_the_batch_api(fakeapi: FakeAPI) -> None:
    batch = client.BatchV1Api(config.new_client_from_config(str(fakeapi.kubeconfig)))

    with pytest.raises(ApiException) as missing:
        batch.list_namespaced_job("default", _request_timeout=TIMEOUT)

    assert missing.value.status == 404
