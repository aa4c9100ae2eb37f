"""Seeded servers and resets give the same objects, byte for byte, on every run; snapshots are canonical."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from freezegun import freeze_time
from testing_objects import FREEZE_IGNORE, configmap, deployment

from fakeapi import FakeAPIServer, ServerConfig
from fakeapi.certs.kubeadm import ClusterPKI

FROZEN = "2031-05-06T07:08:09Z"
GENERATED = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "cm-"}, "data": {"a": "b"}}


@pytest.fixture(scope="module")
def pki() -> ClusterPKI:
    """One PKI for the servers compared: the CA bundles they publish are objects of the snapshot too."""
    return ClusterPKI.create(["127.0.0.1"])


def _work(server: FakeAPIServer) -> dict[str, Any]:
    """What a test does: objects with generated names and uids, and a namespace the controllers furnish."""
    generated: dict[str, Any] = server.request("POST", "/api/v1/namespaces/default/configmaps", GENERATED).json()
    server.request("POST", "/apis/apps/v1/namespaces/default/deployments", deployment("web"))
    server.request(
        "POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}}
    )
    server.request("POST", "/api/v1/namespaces/team/configmaps", configmap("settings", level="debug"))
    return generated


def _stepped_snapshot(pki: ClusterPKI, seed: int) -> str:
    """A fresh server whose controllers are stepped, not run: every write happens in one order."""
    with freeze_time(FROZEN, ignore=FREEZE_IGNORE):
        server = FakeAPIServer(ServerConfig(seed=seed, pki=pki, run_controllers=False))
        server.settle()
        _work(server)
        server.settle()
        return server.snapshot()


def test_two_fresh_servers_with_the_same_seed_dump_identical_snapshots(pki: ClusterPKI) -> None:
    first, second = _stepped_snapshot(pki, 7), _stepped_snapshot(pki, 7)

    assert first == second
    listed = yaml.safe_load(first)["items"]
    by_name = {(o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]): o for o in listed}
    # The controllers' work is in it: the new namespace got its ServiceAccount and CA ConfigMap.
    assert ("ServiceAccount", "team", "default") in by_name
    assert ("ConfigMap", "team", "kube-root-ca.crt") in by_name
    generated = [o for o in listed if o["metadata"]["name"].startswith("cm-")]
    assert len(generated) == 1
    assert generated[0]["metadata"]["creationTimestamp"] == FROZEN
    assert _stepped_snapshot(pki, 8) != first


def test_started_servers_with_the_same_seed_start_alike(pki: ClusterPKI) -> None:
    """start() settles the bootstrap work in a fixed order before the background workers run."""
    snapshots = []
    for _ in range(2):
        with freeze_time(FROZEN, ignore=FREEZE_IGNORE), FakeAPIServer(ServerConfig(seed="same", pki=pki)) as server:
            server.request("POST", "/api/v1/namespaces/default/configmaps", GENERATED)
            snapshots.append(server.snapshot(format="json"))
    assert snapshots[0] == snapshots[1]


def test_a_seeded_reset_starts_over(pki: ClusterPKI) -> None:
    config = ServerConfig(pki=pki, initial_revision=100)
    with freeze_time(FROZEN, ignore=FREEZE_IGNORE), FakeAPIServer(config) as server:
        server.reset(seed=11)
        fresh = server.snapshot()
        made = server.request("POST", "/api/v1/namespaces/default/configmaps", GENERATED).json()
        server.reset(seed=11)
        again = server.request("POST", "/api/v1/namespaces/default/configmaps", GENERATED).json()
        server.reset(seed=11)

        assert server.snapshot() == fresh
        assert made["metadata"]["name"] == again["metadata"]["name"]
        assert made["metadata"]["uid"] == again["metadata"]["uid"]
        assert made["metadata"]["resourceVersion"] == again["metadata"]["resourceVersion"]
        # Counting starts over at initial_revision: the bootstrap objects come right after it.
        first_rv = min(int(o["metadata"]["resourceVersion"]) for o in yaml.safe_load(fresh)["items"])
        assert first_rv == 101


@pytest.mark.parametrize("touched_before_start", [False, True], ids=["start-recorded", "first-reset-made"])
def test_a_copied_bootstrap_is_the_bootstrap_a_seed_makes(pki: ClusterPKI, touched_before_start: bool) -> None:
    # The bootstrap a seeded reset copies is recorded once: by start() when the cluster is still the
    # constructor's, else by the first seeded reset, through the stores and the controllers. Every
    # copy must equal a bootstrap made through the stores with the copy's seed.
    with freeze_time(FROZEN, ignore=FREEZE_IGNORE):
        copying = FakeAPIServer(ServerConfig(pki=pki))
        if touched_before_start:
            copying.seed(configmap("before-start"))
        with copying:
            copying.reset(seed=1)
            copying.reset(seed=2)
            copied = copying.snapshot(format="json")
            copied_enqueues = [(e.listener, e.key, e.cause) for e in copying.enqueue_log.events]
        made = FakeAPIServer(ServerConfig(pki=pki))
        # A write before start() keeps start() from recording: this server's first seeded reset makes its bootstrap.
        made.seed(configmap("before-start"))
        with made:
            made.reset(seed=2)
            assert copied == made.snapshot(format="json")
            assert copied_enqueues == [(e.listener, e.key, e.cause) for e in made.enqueue_log.events]
    uids = {o["metadata"]["uid"] for o in json.loads(copied)["items"]}
    assert len(uids) == len(json.loads(copied)["items"])


def test_a_copied_bootstrap_works_like_a_made_one(server: FakeAPIServer) -> None:
    server.reset(seed=1)
    server.reset(seed=2)
    # The kubernetes Service's address is still taken.
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}}
    taken = server.request(
        "POST",
        "/api/v1/namespaces/default/services",
        {**service, "spec": {**service["spec"], "clusterIP": "10.96.0.1"}},
    )
    assert taken.status == 422
    assert (
        server.request("POST", "/api/v1/namespaces/default/services", service).json()["spec"]["clusterIP"]
        != "10.96.0.1"
    )
    # A dependent of a bootstrap object is kept while its owner lives, and collected after.
    account = server.request("GET", "/api/v1/namespaces/default/serviceaccounts/default").json()
    owner = {"apiVersion": "v1", "kind": "ServiceAccount", "name": "default", "uid": account["metadata"]["uid"]}
    server.request(
        "POST",
        "/api/v1/namespaces/default/configmaps",
        {**configmap("owned"), "metadata": {"name": "owned", "ownerReferences": [owner]}},
    )
    server.settle()
    assert server.request("GET", "/api/v1/namespaces/default/configmaps/owned").status == 200
    server.request("DELETE", "/api/v1/namespaces/default/serviceaccounts/default")
    server.settle()
    assert server.request("GET", "/api/v1/namespaces/default/configmaps/owned").status == 404


def test_a_reset_without_a_seed_goes_on(server: FakeAPIServer) -> None:
    before = server.storage.current_revision
    first = server.request("POST", "/api/v1/namespaces/default/configmaps", GENERATED).json()
    server.reset()
    second = server.request("POST", "/api/v1/namespaces/default/configmaps", GENERATED).json()
    assert int(second["metadata"]["resourceVersion"]) > before
    assert first["metadata"]["uid"] != second["metadata"]["uid"]


def test_the_snapshot_is_every_object_in_canonical_order(server: FakeAPIServer) -> None:
    server.request("POST", "/apis/apps/v1/namespaces/default/deployments", deployment("web"))
    server.request("POST", "/api/v1/namespaces/kube-public/configmaps", configmap("b"))
    server.request("POST", "/api/v1/namespaces/default/configmaps", configmap("b"))

    text = server.snapshot(format="json")
    document = json.loads(text)

    assert text == json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert (document["apiVersion"], document["kind"]) == ("v1", "List")
    assert document["metadata"]["resourceVersion"] == str(server.storage.current_revision)
    stored = sum(len(objects) for objects in server.storage.dump()[0].values())
    assert len(document["items"]) == stored
    order = [
        (o["apiVersion"].rpartition("/")[0], o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"])
        for o in document["items"]
    ]
    configmaps = [(ns, name) for group, kind, ns, name in order if kind == "ConfigMap"]
    assert configmaps == sorted(configmaps)
    groups = [group for group, *_ in order]
    assert groups == sorted(groups)
    web = next(o for o in document["items"] if o["kind"] == "Deployment")
    assert {"uid", "resourceVersion", "creationTimestamp", "managedFields"} <= set(web["metadata"])
    assert yaml.safe_load(server.snapshot()) == document


def test_an_unknown_snapshot_format_is_refused(server: FakeAPIServer) -> None:
    with pytest.raises(ValueError, match="unknown snapshot format"):
        server.snapshot(format="toml")  # type: ignore[arg-type]
