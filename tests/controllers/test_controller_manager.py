"""Choosing, running and resetting the built-in controllers; the informers and work queue under them."""

from __future__ import annotations

import threading

import pytest
from controller_helpers import Api

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.schema import GroupResource
from fakeapi.controllers.base import EnqueueLog, QueueController, Requeue
from fakeapi.controllers.informer import InformerFactory, ResourceEventHandlerFuncs
from fakeapi.controllers.manager import (
    CONTROLLER_DESCRIPTORS,
    SIMULATION_CONTROLLERS,
    enabled_controllers,
    without_simulation,
)
from fakeapi.pytest_plugin.plugin import FakeAPI
from fakeapi.server.instance import FakeAPIServer, ServerConfig
from fakeapi.storage.interfaces import ObjectKey
from fakeapi.storage.memory import MemoryStorage

# Every controller is on by default, as in kube-controller-manager (plus the simulated scheduler and kubelets).
ALL = {d.name for d in CONTROLLER_DESCRIPTORS}
# What runs when nothing schedules or runs pods: kube-apiserver's concerns, and the controllers that keep the
# API's own promises (quota usage, the storage-protection finalizers admission adds, policies' type checks).
API_ONLY = {
    "clusterrole-aggregation",
    "garbagecollector",
    "namespace",
    "root-ca-cert-publisher",
    "serviceaccount",
    "resourcequota",
    "pvc-protection",
    "pv-protection",
    "validatingadmissionpolicy-status",
}


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["*"], ALL),
        ([], set()),
        (["namespace"], {"namespace"}),
        (["*", "-garbagecollector"], ALL - {"garbagecollector"}),
        (["-namespace", "namespace"], set()),
        (["garbage-collector-controller", "serviceaccount-controller"], {"garbagecollector", "serviceaccount"}),
        (["*", "-root-ca-certificate-publisher-controller"], ALL - {"root-ca-cert-publisher"}),
        (["*", "-kube-scheduler", "-kubelet-simulator"], ALL - {"scheduler", "kubelet"}),
        (["deployment-controller", "replicaset"], {"deployment", "replicaset"}),
        (without_simulation(), API_ONLY),
        (without_simulation("deployment"), API_ONLY | {"deployment"}),
        (without_simulation("job", "scheduler", "kubelet"), API_ONLY | {"job", "scheduler", "kubelet"}),
    ],
)
def test_controllers_flag_chooses_like_kube_controller_manager(flags: list[str], expected: set[str]) -> None:
    assert enabled_controllers(flags) == expected


def test_every_controller_but_the_api_servers_own_is_a_simulation_controller() -> None:
    assert API_ONLY | {"deployment", "statefulset", "scheduler", "kubelet", "podgc"} <= ALL
    assert set(SIMULATION_CONTROLLERS) == ALL - API_ONLY


def test_an_unknown_controller_is_refused_with_the_known_names() -> None:
    with pytest.raises(ValueError, match='"replicaset-operator" is not in the list of known controllers') as raised:
        enabled_controllers(["*", "-replicaset-operator"])
    assert "deployment, disruption, endpoint" in str(raised.value)


def test_server_exposes_the_chosen_controllers_and_their_log() -> None:
    server = FakeAPIServer(ServerConfig(controllers=["namespace", "serviceaccount"], run_controllers=False))
    assert set(server.controllers) == {"namespace", "serviceaccount"}
    ours = [(e.listener, e.key, e.cause) for e in server.enqueue_log.events if e.listener in API_ONLY]
    assert ours == [
        ("serviceaccount", name, "namespace added")
        for name in ("default", "kube-system", "kube-public", "kube-node-lease")
    ]


def test_reset_leaves_controllers_with_a_fresh_cluster(fakeapi: FakeAPI) -> None:
    server = fakeapi.server
    api = Api(server)
    owner = api.create(
        "/api/v1/namespaces/default/configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "o"}}
    )
    gc = server.controllers["garbagecollector"]
    assert gc.wait_idle(10)
    assert gc.has_node(owner["metadata"]["uid"])

    server.reset()

    assert not gc.has_node(owner["metadata"]["uid"])
    # The session server is a full kind-like cluster: its bootstrap has kind's local-path-storage namespace too.
    namespaces = {o["metadata"]["name"] for o in server.storage.get_list("namespaces")[0]}
    assert namespaces == {"default", "kube-system", "kube-public", "kube-node-lease", "local-path-storage"}
    # The controllers whose keys are namespaces heard of each namespace of the fresh cluster, and of nothing else.
    namespace_keyed = API_ONLY - {"clusterrole-aggregation"}
    assert {e.key for e in server.enqueue_log.events if e.listener in namespace_keyed} == namespaces
    # reset() returns once the bootstrap namespaces are furnished again, and kube-system's workloads run again.
    for namespace in namespaces:
        assert server.storage.get(ObjectKey("serviceaccounts", namespace, "default")) is not None
        assert server.storage.get(ObjectKey("configmaps", namespace, "kube-root-ca.crt")) is not None
    pods = server.storage.get_list("pods", "kube-system")[0]
    assert any(p["metadata"]["name"].startswith("coredns-") for p in pods)
    assert {p["status"].get("phase") for p in pods} == {"Running"}


def test_informer_handlers_get_events_of_their_prefix_and_listers_read_the_storage() -> None:
    storage = MemoryStorage()
    informers = InformerFactory(storage)
    seen: list[tuple[str, str]] = []
    everything: list[str] = []
    informers.add_event_handler(
        "configmaps",
        ResourceEventHandlerFuncs(
            add=lambda o: seen.append(("add", o["metadata"]["name"])),
            update=lambda old, new: seen.append(("update", f"{old['data']}->{new['data']}")),
            delete=lambda o: seen.append(("delete", o["metadata"]["name"])),
        ),
    )
    informers.add_event_handler_for_every_resource(lambda e: everything.append(f"{e.type} {e.key.prefix}"))
    key = ObjectKey("configmaps", "ns", "a")
    storage.create(key, {"metadata": {"name": "a"}, "data": 1})
    storage.guaranteed_update(key, lambda cur: {**(cur or {}), "data": 2})
    storage.create(ObjectKey("secrets", "ns", "s"), {"metadata": {"name": "s"}})
    assert [o["metadata"]["name"] for o in informers.lister("configmaps").list("ns")] == ["a"]
    storage.delete(key)

    assert seen == [("add", "a"), ("update", "1->2"), ("delete", "a")]
    assert everything == ["ADDED configmaps", "MODIFIED configmaps", "ADDED secrets", "DELETED configmaps"]
    assert informers.lister("configmaps").get("ns", "a") is None


def test_a_failing_handler_does_not_fail_the_write() -> None:
    storage = MemoryStorage()
    informers = InformerFactory(storage)

    def broken(_: object) -> None:
        raise RuntimeError("boom")

    informers.add_event_handler_for_every_resource(broken)
    storage.create(ObjectKey("configmaps", "ns", "a"), {"metadata": {"name": "a"}})
    assert storage.get(ObjectKey("configmaps", "ns", "a")) is not None


def test_requeue_retries_after_back_off_without_failing_run_once() -> None:
    attempts: list[str] = []

    def sync(key: str) -> None:
        attempts.append(key)
        if len(attempts) == 1:
            raise Requeue("not yet")

    controller: QueueController[str] = QueueController("test", sync, EnqueueLog())
    controller.enqueue_key("k", cause="test")
    controller.run_once()
    assert attempts == ["k"]
    assert controller.queue.pending_delayed() == 1
    assert controller.queue.rate_limiter.num_requeues("k") == 1


def test_paused_holds_syncs_off_until_the_block_ends() -> None:
    started = threading.Event()
    release = threading.Event()
    synced: list[str] = []

    def sync(key: str) -> None:
        if key == "slow":
            started.set()
            assert release.wait(10)
        synced.append(key)

    controller: QueueController[str] = QueueController("test", sync)
    stop = threading.Event()
    runner = threading.Thread(target=controller.run, args=(stop,), daemon=True)
    runner.start()
    entered = threading.Event()
    seen_while_paused: list[object] = []

    def pause() -> None:
        with controller.paused():
            entered.set()
            controller.enqueue_key("later")
            # Queued, but no sync may start while paused.
            seen_while_paused.extend([controller.wait_idle(0.05), list(synced)])

    try:
        controller.enqueue_key("slow")
        assert started.wait(10)
        pauser = threading.Thread(target=pause, daemon=True)
        pauser.start()
        assert not entered.wait(0.05)  # the running sync has to finish first
        release.set()
        pauser.join(10)
        assert entered.is_set() and not pauser.is_alive()
        assert seen_while_paused == [False, ["slow"]]
        assert controller.wait_idle(10)
        assert synced == ["slow", "later"]
    finally:
        stop.set()
        runner.join(10)


def test_background_sync_failures_are_reported_and_retried() -> None:
    calls: list[str] = []
    retried = threading.Event()

    def sync(key: str) -> None:
        calls.append(key)
        if len(calls) == 1:
            raise KeyError("bug")
        retried.set()

    controller: QueueController[str] = QueueController("test", sync)
    reported: list[Exception] = []
    controller.on_error = reported.append
    stop = threading.Event()
    runner = threading.Thread(target=controller.run, args=(stop,), daemon=True)
    runner.start()
    try:
        controller.enqueue_key("k")
        assert retried.wait(10)
        assert calls == ["k", "k"]
        assert [type(e) for e in reported] == [KeyError]
    finally:
        stop.set()
        runner.join(10)


def test_only_unexpected_failures_reach_the_servers_check() -> None:
    server = FakeAPIServer(ServerConfig(controllers=["namespace"], run_controllers=False))
    on_error = server.controllers["namespace"].on_error
    assert on_error is not None
    on_error(errors.new_conflict(GroupResource("", "namespaces"), "x", "busy"))
    server.check()  # an answer of the API is retried quietly, as upstream does
    on_error(KeyError("bug"))
    with pytest.raises(KeyError):
        server.check()
