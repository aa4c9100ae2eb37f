"""The `kubernetes` Python client against the running server: CRUD, selectors, conflicts, watch, paging.

Expected values are kube-apiserver's (see /work/shared/REFERENCE.md): error Status bodies,
generateName's alphabet, the service CIDR, defaults of new objects.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client, config, watch
from kubernetes.client.exceptions import ApiException

from fakeapi import FakeAPIServer, ServerConfig

NAMESPACE = "e2e-python"
# Every request gets a bounded (connect, read) timeout.
TIMEOUT = (5, 15)
# How long a test polls a status the controllers and kubelets write in the background.
POLL_SECONDS = 20.0
MERGE_PATCH = "application/merge-patch+json"
# The root CA publisher writes this ConfigMap into every namespace (asynchronously), as in a real cluster.
SYSTEM_CONFIGMAPS = {"kube-root-ca.crt"}
GENERATE_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


@pytest.fixture
def core(k8s_client: client.ApiClient) -> client.CoreV1Api:
    api = client.CoreV1Api(k8s_client)
    api.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=NAMESPACE)), _request_timeout=TIMEOUT)
    return api


def _configmap(
    name: str, data: dict[str, str] | None = None, labels: dict[str, str] | None = None
) -> client.V1ConfigMap:
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels=labels), data=data)


def _names(items: list[Any]) -> list[str]:
    """Names of the listed objects, without the ConfigMap kube-controller-manager puts in every namespace."""
    return [item.metadata.name for item in items if item.metadata.name not in SYSTEM_CONFIGMAPS]


def _status(exc: ApiException) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(exc.body)
    return body


def _rv(obj: Any) -> int:
    return int(obj.metadata.resource_version)


def test_create_get_list(core: client.CoreV1Api) -> None:
    created = core.create_namespaced_config_map(NAMESPACE, _configmap("x", {"a": "1"}), _request_timeout=TIMEOUT)
    assert created.metadata.name == "x"
    assert created.metadata.namespace == NAMESPACE
    assert created.data == {"a": "1"}
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", created.metadata.uid)
    assert created.metadata.creation_timestamp is not None
    assert created.metadata.generation is None

    fetched = core.read_namespaced_config_map("x", NAMESPACE, _request_timeout=TIMEOUT)
    assert fetched.metadata.uid == created.metadata.uid
    assert fetched.metadata.resource_version == created.metadata.resource_version
    assert fetched.data == {"a": "1"}

    listed = core.list_namespaced_config_map(NAMESPACE, _request_timeout=TIMEOUT)
    assert _names(listed.items) == ["x"]
    assert listed.metadata._continue is None


def test_create_existing_is_already_exists(core: client.CoreV1Api) -> None:
    core.create_namespaced_config_map(NAMESPACE, _configmap("x"), _request_timeout=TIMEOUT)
    with pytest.raises(ApiException) as info:
        core.create_namespaced_config_map(NAMESPACE, _configmap("x"), _request_timeout=TIMEOUT)
    assert info.value.status == 409
    status = _status(info.value)
    assert status["reason"] == "AlreadyExists"
    assert status["message"] == 'configmaps "x" already exists'
    assert status["details"] == {"name": "x", "kind": "configmaps"}


LABELLED = {
    "a": {"env": "prod", "tier": "web"},
    "b": {"env": "dev"},
    "c": {"env": "staging", "tier": "db"},
    "d": {},
}


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("env=prod", ["a"]),
        ("env==dev", ["b"]),
        ("env!=prod", ["b", "c", "d"]),
        ("env in (prod,dev)", ["a", "b"]),
        ("env notin (prod,dev)", ["c", "d"]),
        ("tier", ["a", "c"]),
        ("!tier", ["b", "d"]),
        ("env in (prod,staging),tier=db", ["c"]),
        ("env,!tier", ["b"]),
        ("env=nothing", []),
    ],
)
def test_list_with_label_selector(core: client.CoreV1Api, selector: str, expected: list[str]) -> None:
    for name, labels in LABELLED.items():
        core.create_namespaced_config_map(NAMESPACE, _configmap(name, labels=labels or None), _request_timeout=TIMEOUT)
    listed = core.list_namespaced_config_map(NAMESPACE, label_selector=selector, _request_timeout=TIMEOUT)
    assert sorted(_names(listed.items)) == expected


def test_update_with_stale_resource_version_is_conflict(core: client.CoreV1Api) -> None:
    created = core.create_namespaced_config_map(NAMESPACE, _configmap("x", {"v": "1"}), _request_timeout=TIMEOUT)
    stale_rv = created.metadata.resource_version

    created.data = {"v": "2"}
    updated = core.replace_namespaced_config_map("x", NAMESPACE, created, _request_timeout=TIMEOUT)
    assert updated.data == {"v": "2"}
    assert _rv(updated) > int(stale_rv)

    stale = _configmap("x", {"v": "3"})
    stale.metadata.resource_version = stale_rv
    with pytest.raises(ApiException) as info:
        core.replace_namespaced_config_map("x", NAMESPACE, stale, _request_timeout=TIMEOUT)
    assert info.value.status == 409
    status = _status(info.value)
    assert status["kind"] == "Status"
    assert status["apiVersion"] == "v1"
    assert status["status"] == "Failure"
    assert status["reason"] == "Conflict"
    assert status["code"] == 409
    assert status["message"] == (
        'Operation cannot be fulfilled on configmaps "x": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )
    assert status["details"] == {"name": "x", "kind": "configmaps"}
    # The stored object is the one of the successful update.
    current = core.read_namespaced_config_map("x", NAMESPACE, _request_timeout=TIMEOUT)
    assert current.data == {"v": "2"}
    assert current.metadata.resource_version == updated.metadata.resource_version


def test_patch_with_dict_body(core: client.CoreV1Api) -> None:
    created = core.create_namespaced_config_map(
        NAMESPACE, _configmap("x", {"keep": "1", "drop": "2"}, {"app": "x"}), _request_timeout=TIMEOUT
    )
    # A dict body goes out as a strategic merge patch.
    patched = core.patch_namespaced_config_map(
        "x",
        NAMESPACE,
        {"data": {"drop": None, "new": "3"}, "metadata": {"labels": {"extra": "y"}}},
        _request_timeout=TIMEOUT,
    )
    assert patched.data == {"keep": "1", "new": "3"}
    assert patched.metadata.labels == {"app": "x", "extra": "y"}
    assert patched.metadata.uid == created.metadata.uid
    assert _rv(patched) > _rv(created)


def test_json_merge_patch(core: client.CoreV1Api) -> None:
    created = core.create_namespaced_config_map(
        NAMESPACE, _configmap("x", {"keep": "1", "drop": "2"}, {"app": "x", "old": "z"}), _request_timeout=TIMEOUT
    )
    patched = core.patch_namespaced_config_map(
        "x",
        NAMESPACE,
        {"data": {"drop": None, "keep": "one"}, "metadata": {"labels": {"old": None}}},
        _content_type=MERGE_PATCH,
        _request_timeout=TIMEOUT,
    )
    assert patched.data == {"keep": "one"}
    assert patched.metadata.labels == {"app": "x"}
    assert _rv(patched) > _rv(created)
    fetched = core.read_namespaced_config_map("x", NAMESPACE, _request_timeout=TIMEOUT)
    assert fetched.data == {"keep": "one"}


def test_json_patch_list_body(core: client.CoreV1Api) -> None:
    core.create_namespaced_config_map(NAMESPACE, _configmap("x", {"a": "1"}), _request_timeout=TIMEOUT)
    patched = core.patch_namespaced_config_map(
        "x",
        NAMESPACE,
        [{"op": "test", "path": "/data/a", "value": "1"}, {"op": "add", "path": "/data/b", "value": "2"}],
        _request_timeout=TIMEOUT,
    )
    assert patched.data == {"a": "1", "b": "2"}


def test_delete_then_get_is_not_found(core: client.CoreV1Api) -> None:
    created = core.create_namespaced_config_map(NAMESPACE, _configmap("x"), _request_timeout=TIMEOUT)
    # This client types the answer of a single delete as a plain object.
    status = core.delete_namespaced_config_map("x", NAMESPACE, _request_timeout=TIMEOUT)
    assert status == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": "x", "kind": "configmaps", "uid": created.metadata.uid},
    }

    with pytest.raises(ApiException) as info:
        core.read_namespaced_config_map("x", NAMESPACE, _request_timeout=TIMEOUT)
    assert info.value.status == 404
    body = _status(info.value)
    assert body["reason"] == "NotFound"
    assert body["message"] == 'configmaps "x" not found'
    assert body["details"] == {"name": "x", "kind": "configmaps"}

    with pytest.raises(ApiException) as again:
        core.delete_namespaced_config_map("x", NAMESPACE, _request_timeout=TIMEOUT)
    assert again.value.status == 404
    assert _status(again.value)["message"] == 'configmaps "x" not found'


def _changes(core: client.CoreV1Api, started: threading.Event) -> None:
    started.wait(5)
    core.create_namespaced_config_map(NAMESPACE, _configmap("w", {"n": "1"}), _request_timeout=TIMEOUT)
    core.patch_namespaced_config_map(
        "w", NAMESPACE, {"data": {"n": "2"}}, _content_type=MERGE_PATCH, _request_timeout=TIMEOUT
    )
    core.delete_namespaced_config_map("w", NAMESPACE, _request_timeout=TIMEOUT)


def _collect(stream: Iterator[dict[str, Any]], w: watch.Watch, count: int) -> list[dict[str, Any]]:
    """The first ``count`` events about objects of this test (system ConfigMaps are skipped)."""
    events = []
    for event in stream:
        if event["object"].metadata.name in SYSTEM_CONFIGMAPS:
            continue
        events.append(event)
        if len(events) == count:
            w.stop()
    return events


def test_watch_from_resource_version_sees_added_modified_deleted(core: client.CoreV1Api) -> None:
    core.create_namespaced_config_map(NAMESPACE, _configmap("before"), _request_timeout=TIMEOUT)
    start_rv = core.list_namespaced_config_map(NAMESPACE, _request_timeout=TIMEOUT).metadata.resource_version
    started = threading.Event()
    writer = threading.Thread(target=_changes, args=(core, started), daemon=True)
    writer.start()
    w = watch.Watch()
    stream = w.stream(core.list_namespaced_config_map, NAMESPACE, resource_version=start_rv, timeout_seconds=5)
    started.set()
    events = _collect(stream, w, 3)
    writer.join(10)
    assert not writer.is_alive()

    assert [(e["type"], e["object"].metadata.name) for e in events] == [
        ("ADDED", "w"),
        ("MODIFIED", "w"),
        ("DELETED", "w"),
    ]
    assert [e["object"].data for e in events] == [{"n": "1"}, {"n": "2"}, {"n": "2"}]
    versions = [int(e["raw_object"]["metadata"]["resourceVersion"]) for e in events]
    assert int(start_rv) < versions[0] < versions[1] < versions[2]
    # Watch events always carry kind and apiVersion.
    assert {(e["raw_object"]["kind"], e["raw_object"]["apiVersion"]) for e in events} == {("ConfigMap", "v1")}


def test_watch_replays_past_changes_in_order(core: client.CoreV1Api) -> None:
    start_rv = core.list_namespaced_config_map(NAMESPACE, _request_timeout=TIMEOUT).metadata.resource_version
    started = threading.Event()
    started.set()
    _changes(core, started)
    w = watch.Watch()
    stream = w.stream(core.list_namespaced_config_map, NAMESPACE, resource_version=start_rv, timeout_seconds=5)
    events = _collect(stream, w, 3)
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    versions = [int(e["raw_object"]["metadata"]["resourceVersion"]) for e in events]
    assert versions == sorted(set(versions))
    assert versions[0] > int(start_rv)


def test_watch_without_resource_version_starts_with_current_objects(core: client.CoreV1Api) -> None:
    core.create_namespaced_config_map(NAMESPACE, _configmap("one"), _request_timeout=TIMEOUT)
    core.create_namespaced_config_map(NAMESPACE, _configmap("two"), _request_timeout=TIMEOUT)
    w = watch.Watch()
    stream = w.stream(core.list_namespaced_config_map, NAMESPACE, timeout_seconds=5)
    events = _collect(stream, w, 2)
    assert sorted((e["type"], e["object"].metadata.name) for e in events) == [("ADDED", "one"), ("ADDED", "two")]


def test_watch_ends_after_timeout_seconds(core: client.CoreV1Api) -> None:
    rv = core.list_namespaced_config_map(NAMESPACE, _request_timeout=TIMEOUT).metadata.resource_version
    w = watch.Watch()
    # No events (the selector matches nothing the controllers publish either): the server closes
    # the stream after timeoutSeconds and the iteration ends.
    events = list(
        w.stream(
            core.list_namespaced_config_map,
            NAMESPACE,
            resource_version=rv,
            field_selector="metadata.name=nothing-matches",
            timeout_seconds=1,
        )
    )
    assert events == []


@pytest.fixture
def small_window_server(tmp_path: Path) -> Iterator[tuple[FakeAPIServer, Path]]:
    server = FakeAPIServer(ServerConfig(watch_window=5)).start()
    try:
        yield server, server.write_kubeconfig(tmp_path / "small-window.kubeconfig")
    finally:
        server.stop()


def test_watch_from_too_old_resource_version_is_gone(small_window_server: tuple[FakeAPIServer, Path]) -> None:
    server, kubeconfig = small_window_server
    api_client = config.new_client_from_config(str(kubeconfig))
    try:
        core = client.CoreV1Api(api_client)
        first = core.create_namespaced_config_map("default", _configmap("cm-0"), _request_timeout=TIMEOUT)
        for i in range(1, 10):
            core.create_namespaced_config_map("default", _configmap(f"cm-{i}"), _request_timeout=TIMEOUT)
        current = int(core.list_namespaced_config_map("default", _request_timeout=TIMEOUT).metadata.resource_version)
        old_rv = first.metadata.resource_version

        w = watch.Watch()
        with pytest.raises(ApiException) as info:
            for _ in w.stream(core.list_namespaced_config_map, "default", resource_version=old_rv, timeout_seconds=5):
                pytest.fail("a watch from a compacted resourceVersion must not deliver events")
        assert info.value.status == 410
        # Only the last 5 events are kept: the oldest one kept is current-4, reported as oldest-1.
        assert info.value.reason == f"Expired: too old resource version: {old_rv} ({current - 5})"

        # A watch from inside the window still works.
        recent = str(current - 1)
        w = watch.Watch()
        events = _collect(
            w.stream(core.list_namespaced_config_map, "default", resource_version=recent, timeout_seconds=5), w, 1
        )
        assert [(e["type"], e["object"].metadata.name) for e in events] == [("ADDED", "cm-9")]
        assert server.errors == []
    finally:
        api_client.close()


def test_generate_name(core: client.CoreV1Api) -> None:
    names = set()
    for _ in range(5):
        body = client.V1ConfigMap(metadata=client.V1ObjectMeta(generate_name="base-"))
        created = core.create_namespaced_config_map(NAMESPACE, body, _request_timeout=TIMEOUT)
        name = created.metadata.name
        assert created.metadata.generate_name == "base-"
        assert re.fullmatch(f"base-[{GENERATE_NAME_ALPHABET}]{{5}}", name), name
        names.add(name)
    assert len(names) == 5


def test_generate_name_is_truncated_to_58_characters(core: client.CoreV1Api) -> None:
    prefix = "p" * 70
    body = client.V1ConfigMap(metadata=client.V1ObjectMeta(generate_name=prefix))
    created = core.create_namespaced_config_map(NAMESPACE, body, _request_timeout=TIMEOUT)
    assert re.fullmatch(f"p{{58}}[{GENERATE_NAME_ALPHABET}]{{5}}", created.metadata.name)


def test_service_gets_cluster_ip(core: client.CoreV1Api) -> None:
    body = client.V1Service(
        metadata=client.V1ObjectMeta(name="web"),
        spec=client.V1ServiceSpec(selector={"app": "web"}, ports=[client.V1ServicePort(port=80)]),
    )
    created = core.create_namespaced_service(NAMESPACE, body, _request_timeout=TIMEOUT)
    spec = created.spec
    address = ipaddress.ip_address(spec.cluster_ip)
    assert address in ipaddress.ip_network("10.96.0.0/12")
    assert str(address) != "10.96.0.1"  # the kubernetes service has it
    assert spec.cluster_ips == [spec.cluster_ip]
    assert spec.type == "ClusterIP"
    assert spec.session_affinity == "None"
    assert spec.ip_families == ["IPv4"]
    assert spec.ip_family_policy == "SingleStack"
    assert spec.internal_traffic_policy == "Cluster"
    [port] = spec.ports
    assert (port.port, port.protocol, port.target_port) == (80, "TCP", 80)

    other = core.create_namespaced_service(
        NAMESPACE,
        client.V1Service(
            metadata=client.V1ObjectMeta(name="other"), spec=client.V1ServiceSpec(ports=[client.V1ServicePort(port=81)])
        ),
        _request_timeout=TIMEOUT,
    )
    assert other.spec.cluster_ip != spec.cluster_ip
    assert ipaddress.ip_address(other.spec.cluster_ip) in ipaddress.ip_network("10.96.0.0/12")


def test_pod_is_pending_with_defaults_then_runs(core: client.CoreV1Api) -> None:
    body = client.V1Pod(
        metadata=client.V1ObjectMeta(name="p"),
        spec=client.V1PodSpec(containers=[client.V1Container(name="main", image="nginx:1.27")]),
    )
    created = core.create_namespaced_pod(NAMESPACE, body, _request_timeout=TIMEOUT)
    assert created.status.phase == "Pending"
    assert created.status.qos_class == "BestEffort"
    spec = created.spec
    assert spec.restart_policy == "Always"
    assert spec.dns_policy == "ClusterFirst"
    assert spec.scheduler_name == "default-scheduler"
    assert spec.termination_grace_period_seconds == 30
    assert spec.service_account_name == "default"
    [container] = spec.containers
    assert container.image_pull_policy == "IfNotPresent"
    assert container.termination_message_path == "/dev/termination-log"
    assert container.termination_message_policy == "File"

    # The scheduler binds it and the node's simulated kubelet runs it.
    running = _poll(lambda: core.read_namespaced_pod("p", NAMESPACE, _request_timeout=TIMEOUT), _is_running)
    assert running.spec.node_name == "fakeapi-control-plane"
    assert running.status.pod_ip.startswith("10.244.0.")
    assert [c.ready for c in running.status.container_statuses] == [True]


def _is_running(pod: Any) -> bool:
    return bool(pod.status.phase == "Running" and pod.status.pod_ip)


def _poll(read: Callable[[], Any], done: Callable[[Any], bool], timeout: float = POLL_SECONDS) -> Any:
    """Read until ``done`` says so, as a client polling a status would; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        current = read()
        if done(current):
            return current
        assert time.monotonic() < deadline, f"still not done after {timeout} s: {current}"
        time.sleep(0.01)


def test_secret_string_data_is_folded_into_data(core: client.CoreV1Api) -> None:
    body = client.V1Secret(
        metadata=client.V1ObjectMeta(name="s"),
        data={"kept": base64.b64encode(b"old").decode(), "over": base64.b64encode(b"was").decode()},
        string_data={"user": "admin", "over": "now"},
    )
    created = core.create_namespaced_secret(NAMESPACE, body, _request_timeout=TIMEOUT)
    assert created.string_data is None
    assert created.type == "Opaque"
    decoded = {k: base64.b64decode(v).decode() for k, v in created.data.items()}
    assert decoded == {"kept": "old", "over": "now", "user": "admin"}
    fetched = core.read_namespaced_secret("s", NAMESPACE, _request_timeout=TIMEOUT)
    assert fetched.data == created.data
    assert fetched.string_data is None


def _secret(name: str) -> client.V1Secret:
    return client.V1Secret(metadata=client.V1ObjectMeta(name=name), string_data={"k": name})


# Paging runs over Secrets: no controller adds any to a new namespace, so the set is exactly the test's.
def test_pagination_returns_every_item_once(core: client.CoreV1Api) -> None:
    names = [f"s-{i:02d}" for i in range(23)]
    for name in names:
        core.create_namespaced_secret(NAMESPACE, _secret(name), _request_timeout=TIMEOUT)
    seen: list[str] = []
    token = None
    pages = 0
    list_rvs = set()
    while True:
        page = core.list_namespaced_secret(NAMESPACE, limit=5, _continue=token, _request_timeout=TIMEOUT)
        pages += 1
        assert len(page.items) <= 5
        seen.extend(item.metadata.name for item in page.items)
        list_rvs.add(page.metadata.resource_version)
        token = page.metadata._continue
        if not token:
            assert page.metadata.remaining_item_count is None
            break
        assert page.metadata.remaining_item_count == len(names) - len(seen)
        assert pages < 10
    assert pages == 5
    assert seen == names
    # Continued pages come from the first page's snapshot.
    assert len(list_rvs) == 1


def test_pagination_continues_from_snapshot(core: client.CoreV1Api) -> None:
    for i in range(4):
        core.create_namespaced_secret(NAMESPACE, _secret(f"s-{i}"), _request_timeout=TIMEOUT)
    first = core.list_namespaced_secret(NAMESPACE, limit=2, _request_timeout=TIMEOUT)
    assert [i.metadata.name for i in first.items] == ["s-0", "s-1"]
    assert first.metadata.remaining_item_count == 2
    # Writes after the first page do not show up in the continued list.
    core.create_namespaced_secret(NAMESPACE, _secret("s-9"), _request_timeout=TIMEOUT)
    core.delete_namespaced_secret("s-3", NAMESPACE, _request_timeout=TIMEOUT)
    rest = core.list_namespaced_secret(
        NAMESPACE, limit=10, _continue=first.metadata._continue, _request_timeout=TIMEOUT
    )
    assert [i.metadata.name for i in rest.items] == ["s-2", "s-3"]
    assert rest.metadata._continue is None
    assert rest.metadata.resource_version == first.metadata.resource_version
    # A new list sees the current state.
    now = core.list_namespaced_secret(NAMESPACE, _request_timeout=TIMEOUT)
    assert [i.metadata.name for i in now.items] == ["s-0", "s-1", "s-2", "s-9"]


def test_pagination_with_label_selector(core: client.CoreV1Api) -> None:
    for i in range(7):
        labels = {"page": "yes"} if i % 2 == 0 else {"page": "no"}
        core.create_namespaced_config_map(NAMESPACE, _configmap(f"cm-{i}", labels=labels), _request_timeout=TIMEOUT)
    seen: list[str] = []
    token = None
    for _ in range(10):
        page = core.list_namespaced_config_map(
            NAMESPACE, label_selector="page=yes", limit=2, _continue=token, _request_timeout=TIMEOUT
        )
        seen.extend(item.metadata.name for item in page.items)
        token = page.metadata._continue
        if not token:
            break
    assert token is None
    assert seen == ["cm-0", "cm-2", "cm-4", "cm-6"]


def test_list_resource_version_is_at_least_every_item(core: client.CoreV1Api) -> None:
    for i in range(3):
        core.create_namespaced_config_map(NAMESPACE, _configmap(f"cm-{i}"), _request_timeout=TIMEOUT)
    core.patch_namespaced_config_map(
        "cm-1", NAMESPACE, {"data": {"x": "y"}}, _content_type=MERGE_PATCH, _request_timeout=TIMEOUT
    )
    listed = core.list_namespaced_config_map(NAMESPACE, _request_timeout=TIMEOUT)
    list_rv = int(listed.metadata.resource_version)
    item_rvs = [_rv(item) for item in listed.items]
    assert sorted(_names(listed.items)) == ["cm-0", "cm-1", "cm-2"]
    assert all(list_rv >= rv for rv in item_rvs)
    assert len(set(item_rvs)) == len(item_rvs)
    # One global counter: a later list of another kind is at least at the same revision.
    namespaces = core.list_namespace(_request_timeout=TIMEOUT)
    assert int(namespaces.metadata.resource_version) >= list_rv
    assert all(int(namespaces.metadata.resource_version) >= _rv(ns) for ns in namespaces.items)


def test_deployment_create_and_get(k8s_client: client.ApiClient, core: client.CoreV1Api) -> None:
    apps = client.AppsV1Api(k8s_client)
    labels = {"app": "web"}
    body = client.V1Deployment(
        metadata=client.V1ObjectMeta(name="web", labels=labels),
        spec=client.V1DeploymentSpec(
            replicas=2,
            selector=client.V1LabelSelector(match_labels=labels),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels=labels),
                spec=client.V1PodSpec(containers=[client.V1Container(name="web", image="nginx")]),
            ),
        ),
    )
    created = apps.create_namespaced_deployment(NAMESPACE, body, _request_timeout=TIMEOUT)
    assert created.metadata.generation == 1
    assert created.spec.replicas == 2

    fetched = apps.read_namespaced_deployment("web", NAMESPACE, _request_timeout=TIMEOUT)
    assert fetched.metadata.uid == created.metadata.uid
    assert fetched.metadata.generation == 1
    assert fetched.spec.selector.match_labels == labels
    assert fetched.spec.template.spec.containers[0].image == "nginx"

    listed = apps.list_namespaced_deployment(NAMESPACE, _request_timeout=TIMEOUT)
    assert [d.metadata.name for d in listed.items] == ["web"]

    # The deployment controller writes the status meanwhile: a replace of what was read may conflict,
    # and is read again and retried, as client code against a real cluster does.
    for _ in range(5):
        current = apps.read_namespaced_deployment("web", NAMESPACE, _request_timeout=TIMEOUT)
        current.spec.replicas = 3
        try:
            updated = apps.replace_namespaced_deployment("web", NAMESPACE, current, _request_timeout=TIMEOUT)
            break
        except ApiException as exc:
            assert exc.status == 409
    assert updated.spec.replicas == 3
    assert updated.metadata.generation == 2

    available = _poll(
        lambda: apps.read_namespaced_deployment("web", NAMESPACE, _request_timeout=TIMEOUT),
        lambda d: d.status.available_replicas == 3 and d.status.observed_generation == 2,
    )
    assert (available.status.replicas, available.status.ready_replicas, available.status.updated_replicas) == (3, 3, 3)
    conditions = {c.type: (c.status, c.reason) for c in available.status.conditions}
    assert conditions == {
        "Available": ("True", "MinimumReplicasAvailable"),
        "Progressing": ("True", "NewReplicaSetAvailable"),
    }

    with pytest.raises(ApiException) as info:
        apps.read_namespaced_deployment("nope", NAMESPACE, _request_timeout=TIMEOUT)
    assert info.value.status == 404
    assert _status(info.value)["message"] == 'deployments.apps "nope" not found'
    assert _status(info.value)["details"] == {"name": "nope", "group": "apps", "kind": "deployments"}


def test_delete_collection_with_label_selector(core: client.CoreV1Api) -> None:
    for name, labels in LABELLED.items():
        core.create_namespaced_config_map(NAMESPACE, _configmap(name, labels=labels or None), _request_timeout=TIMEOUT)
    result = core.delete_collection_namespaced_config_map(NAMESPACE, label_selector="tier", _request_timeout=TIMEOUT)
    # The answer is the list of deleted items (the client reads it into a V1Status).
    assert result.kind == "ConfigMapList"
    remaining = core.list_namespaced_config_map(NAMESPACE, _request_timeout=TIMEOUT)
    assert sorted(_names(remaining.items)) == ["b", "d"]


def test_delete_collection_returns_the_deleted_items(k8s_client: client.ApiClient, core: client.CoreV1Api) -> None:
    for name, labels in LABELLED.items():
        core.create_namespaced_config_map(NAMESPACE, _configmap(name, labels=labels or None), _request_timeout=TIMEOUT)
    method, url, headers, body, post = k8s_client.param_serialize(
        "DELETE",
        f"/api/v1/namespaces/{NAMESPACE}/configmaps",
        query_params=[("labelSelector", "env=prod")],
        header_params={"Accept": "application/json"},
        auth_settings=["BearerToken"],
    )
    response = k8s_client.call_api(method, url, headers, body, post, _request_timeout=TIMEOUT)
    response.read()
    assert response.status == 200
    deleted = json.loads(response.data)
    assert deleted["kind"] == "ConfigMapList"
    assert [item["metadata"]["name"] for item in deleted["items"]] == ["a"]
    remaining = core.list_namespaced_config_map(NAMESPACE, _request_timeout=TIMEOUT)
    assert sorted(_names(remaining.items)) == ["b", "c", "d"]


def test_names_with_colons_are_read_through_the_escaped_path(k8s_client: client.ApiClient) -> None:
    # The client escapes every path parameter (quote with safe=""): system:basic-user travels as system%3Abasic-user.
    rbac = client.RbacAuthorizationV1Api(k8s_client)
    role = rbac.read_cluster_role("system:basic-user")
    assert role.metadata.name == "system:basic-user"
    binding = rbac.read_cluster_role_binding("system:basic-user")
    assert binding.role_ref.name == "system:basic-user"
