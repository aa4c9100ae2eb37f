"""Which faults are realistic for which requests: inject only what a real API server can answer.

A controller hardened against answers no cluster gives is tested against the wrong thing.
What kube-apiserver answers, by request (staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go
and endpoints/handlers):

=====================================  ====================================================
fault                                  realistic for
=====================================  ====================================================
``conflict()`` 409 Conflict            ``update`` (PUT) with a stale ``resourceVersion``; a
                                       ``patch`` only when the patch itself carries
                                       ``metadata.resourceVersion``. An unconditional
                                       merge, strategic or apply PATCH never gets it: the
                                       server retries the patch on a conflict itself
                                       (``GuaranteedUpdate``). A create of an existing name
                                       gets 409 ``AlreadyExists``, not ``Conflict``.
``expired()`` 410 Expired              ``list`` and ``watch`` from a ``resourceVersion`` that
                                       left the watch window (a watch gets it as an ERROR
                                       event)
``too_many_requests()`` 429            any request (API Priority and Fairness), with
                                       ``Retry-After``
``internal_error()`` 500,              any request (an etcd timeout, an admission webhook
``service_unavailable()`` 503          down)
``delay()``                            any request; ``cut_watches()`` for open watches
=====================================  ====================================================

Where the real condition is cheap to make, make it instead of injecting it: the tests below
show a stale update answered 409 and an unconditional patch of the same stale object answered
200, both by the server's own logic.
"""

from __future__ import annotations

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from fakeapi.pytest_plugin.plugin import FakeAPI

CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"a": "1"}}


def test_a_stale_update_conflicts_but_an_unconditional_patch_does_not(fakeapi: FakeAPI) -> None:
    api = client.CoreV1Api(fakeapi.api_client())
    fakeapi.seed(CONFIGMAP)
    stale = api.read_namespaced_config_map("settings", "default")
    api.patch_namespaced_config_map("settings", "default", {"data": {"a": "2"}})  # someone else writes

    stale.data = {"a": "3"}
    try:
        api.replace_namespaced_config_map("settings", "default", stale)
        raise AssertionError("a stale update must conflict")
    except ApiException as exc:
        assert exc.status == 409
    api.patch_namespaced_config_map("settings", "default", {"data": {"a": "3"}})

    assert fakeapi.get("v1", "ConfigMap", "settings")["data"] == {"a": "3"}


def test_inject_conflicts_on_updates_and_throttling_on_anything(fakeapi: FakeAPI) -> None:
    api = client.CoreV1Api(fakeapi.api_client())
    fakeapi.seed(CONFIGMAP)
    fakeapi.faults.conflict(verb="update", resource="configmaps", name="settings")
    fakeapi.faults.too_many_requests(retry_after_seconds=1, verb="list", resource="configmaps")

    current = api.read_namespaced_config_map("settings", "default")
    try:
        api.replace_namespaced_config_map("settings", "default", current)
        raise AssertionError("the injected conflict must answer the update")
    except ApiException as exc:
        assert exc.status == 409 and "the object has been modified" in exc.body
    # The client honours Retry-After: it waits, asks again, and gets the list.
    assert [cm.metadata.name for cm in api.list_namespaced_config_map("default").items] == [
        "kube-root-ca.crt",
        "settings",
    ]
    fakeapi.audit.assert_requested("list", "configmaps", code=429, count=1)
    fakeapi.audit.assert_requested("list", "configmaps", code=200, count=1)

    assert fakeapi.faults.unmatched() == []  # every rule did what the test meant it to
