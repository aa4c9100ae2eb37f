"""How to test deletion: a finalizer holds an object, the garbage collector removes its dependents.

A delete of an object with finalizers only marks it (``deletionTimestamp``); it goes once the
last finalizer is removed, by whoever owns it: here the test plays the controller that owns
``example.com/cleanup``. Objects whose ``ownerReferences`` name it are then deleted by the
built-in garbage collector (background propagation, the default); with
``propagationPolicy=Foreground`` the owner waits, with the ``foregroundDeletion`` finalizer,
until its dependents are gone. The collector runs in the background, so wait for its delete
through the audit log.
"""

from __future__ import annotations

from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from fakeapi.pytest_plugin.plugin import FakeAPI

FINALIZER = "example.com/cleanup"
TIMEOUT = 10.0


def _owner_and_child(fakeapi: FakeAPI, *, finalizers: list[str]) -> dict[str, Any]:
    (owner,) = fakeapi.seed(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owner", "finalizers": finalizers}}
    )
    reference = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner["metadata"]["uid"]}
    fakeapi.seed(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "child", "ownerReferences": [reference]}}
    )
    return owner


def _gone(api: client.CoreV1Api, name: str) -> bool:
    try:
        api.read_namespaced_config_map(name, "default")
    except ApiException as exc:
        return exc.status == 404
    return False


def test_a_finalizer_holds_the_owner_then_the_collector_deletes_the_child(fakeapi: FakeAPI) -> None:
    api = client.CoreV1Api(fakeapi.api_client())
    _owner_and_child(fakeapi, finalizers=[FINALIZER])

    api.delete_namespaced_config_map("owner", "default")
    held = fakeapi.get("v1", "ConfigMap", "owner")
    assert held["metadata"]["deletionTimestamp"] and held["metadata"]["finalizers"] == [FINALIZER]
    assert not _gone(api, "child")

    # The owning controller's cleanup is done: it removes its finalizer, and the delete completes.
    api.patch_namespaced_config_map("owner", "default", {"metadata": {"finalizers": None}})
    assert _gone(api, "owner")
    fakeapi.audit.assert_requested("delete", "configmaps", name="child", code=200, timeout=TIMEOUT)
    assert _gone(api, "child")


def test_foreground_deletion_removes_the_child_before_the_owner(fakeapi: FakeAPI) -> None:
    api = client.CoreV1Api(fakeapi.api_client())
    _owner_and_child(fakeapi, finalizers=[])

    api.delete_namespaced_config_map("owner", "default", propagation_policy="Foreground")

    child_deleted, owner_finalized = (
        fakeapi.audit.assert_requested("delete", "configmaps", name="child", code=200, timeout=TIMEOUT)[0],
        fakeapi.audit.assert_requested("patch", "configmaps", name="owner", code=200, timeout=TIMEOUT)[-1],
    )
    assert child_deleted.sequence < owner_finalized.sequence
    assert _gone(api, "child") and _gone(api, "owner")
