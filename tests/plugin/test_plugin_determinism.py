"""Seeded determinism across runs: uids, generated names, resourceVersions, fake data, snapshots under freezegun."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# Inner tests that write what a run made, to compare two runs (each run its own server: new keys, new port).
RECORDING_TESTS = """
import json
from freezegun import freeze_time

def _record(request, name, value):
    (request.config.rootpath / f"{name}.json").write_text(json.dumps(value))

def _made(fakeapi):
    created = fakeapi.seed({"apiVersion": "v1", "kind": "ConfigMap",
                            "metadata": {"generateName": "made-", "namespace": "default"}})[0]
    return [created["metadata"][k] for k in ("name", "uid", "resourceVersion")]

def test_first(fakeapi, fakeapi_factories, request):
    _record(request, "first", _made(fakeapi) + [fakeapi_factories.deployment()])

def test_second(fakeapi, request):
    _record(request, "second", _made(fakeapi))

def test_frozen_state(fakeapi, request):
    with freeze_time("2031-05-06T07:08:09Z", ignore=["kubernetes"]):  # the client may be loaded by other tests
        fakeapi.reset()
        fakeapi.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
        fakeapi.server.settle()  # the team's ServiceAccount and CA ConfigMap, made in a fixed order
        fakeapi.seed({"apiVersion": "v1", "kind": "Secret", "metadata": {"generateName": "s-", "namespace": "team"}})
    (request.config.rootpath / "snapshot.yaml").write_text(fakeapi.snapshot())
"""


def _run(pytester: pytest.Pytester, *args: str, passed: int = 3) -> dict[str, object]:
    pytester.runpytest(*args).assert_outcomes(passed=passed)
    results: dict[str, object] = {p.stem: json.loads(p.read_text()) for p in Path(pytester.path).glob("*.json")}
    snapshot = pytester.path / "snapshot.yaml"
    if snapshot.exists():
        results["snapshot"] = snapshot.read_text()
    return results


def test_the_same_test_makes_the_same_things_on_every_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(RECORDING_TESTS)
    first, second = _run(pytester), _run(pytester)

    assert first == second
    # Different tests, different seeds; each starts from the same revision.
    made_first, made_second = first["first"], first["second"]
    assert isinstance(made_first, list) and isinstance(made_second, list)
    assert made_first[:2] != made_second[:2]
    assert made_first[2] == made_second[2]


def test_the_snapshot_is_byte_identical_and_frozen(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(RECORDING_TESTS)
    snapshot = _run(pytester, "-k", "frozen_state", passed=1)["snapshot"]

    assert snapshot == _run(pytester, "-k", "frozen_state", passed=1)["snapshot"]
    assert isinstance(snapshot, str)
    assert "creationTimestamp: '2031-05-06T07:08:09Z'" in snapshot
    assert "<certificate CN=kubernetes-ca>" in snapshot and "BEGIN CERTIFICATE" not in snapshot


def test_a_fixed_seed_and_random(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(RECORDING_TESTS)
    fixed = _run(pytester, "--fakeapi-seed=99", "-k", "not frozen_state", passed=2)
    assert fixed["first"][:2] == fixed["second"][:2]  # type: ignore[index]
    unseeded = [_run(pytester, "--fakeapi-seed=random", "-k", "first", passed=1)["first"] for _ in range(2)]
    assert unseeded[0][:2] != unseeded[1][:2]  # type: ignore[index]


def test_timestamps_follow_freezegun_while_the_server_waits_in_real_time(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from freezegun import freeze_time
        from kubernetes import client, config, watch

        def test_frozen(fakeapi):
            api = client.CoreV1Api(config.new_client_from_config(str(fakeapi.kubeconfig)))
            with freeze_time("2030-01-02T03:04:05Z", ignore=["kubernetes"]):
                created = api.create_namespaced_config_map(
                    "default", {"metadata": {"name": "frozen"}}, _request_timeout=10)
                # A watch's timeout runs on the server's real clock: it ends although time stands still.
                events = list(watch.Watch().stream(api.list_namespaced_config_map, "default",
                                                   resource_version=created.metadata.resource_version,
                                                   timeout_seconds=1, _request_timeout=10))
            assert created.metadata.creation_timestamp.isoformat() == "2030-01-02T03:04:05+00:00"
            assert events == []
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_certificates_rotated_by_one_test_are_back_for_the_next(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from kubernetes import client, config

        def test_rotates(fakeapi):
            fakeapi.rotation.start_ca_rotation()
            assert fakeapi.rotation.in_progress
            fakeapi.write_kubeconfig()  # a kubeconfig of the rotated certificates
            api = client.CoreV1Api(config.new_client_from_config(str(fakeapi.kubeconfig)))
            assert api.read_namespace("default", _request_timeout=10).metadata.name == "default"

        def test_next(fakeapi):
            assert not fakeapi.rotation.in_progress
            api = client.CoreV1Api(config.new_client_from_config(str(fakeapi.kubeconfig)))
            assert api.read_namespace("default", _request_timeout=10).metadata.name == "default"
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)
