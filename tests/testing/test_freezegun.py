"""A frozen clock: object timestamps follow it, while the server's own waiting, its controllers and TLS keep working.

freezegun patches the process, so a freeze in the test thread reaches the server's threads at
once. Two traps, and how these tests avoid them:

- ``freeze_time`` reads every attribute of every loaded module; the `kubernetes` client builds
  its ~900 pydantic models lazily on attribute access, so the scan imports them while
  ``datetime.datetime`` is freezegun's FakeDatetime, which pydantic cannot make a schema for.
  ``fakeapi.testing.frozen_clock.prepare_freezegun`` (which the plugin calls) puts the client
  on freezegun's ignore list and teaches pydantic FakeDatetime; these tests also freeze with
  ``ignore=`` for the server-only cases.
- freezegun freezes ``time.monotonic`` too, hence asyncio's loop clock unless
  ``real_asyncio=True``; fakeapi itself waits on a real monotonic clock.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime

from freezegun import freeze_time
from secure_client import SecureClient
from testing_objects import FREEZE_IGNORE, configmap

from fakeapi import FakeAPIServer, ServerConfig
from fakeapi.util.clock import real_monotonic

FROZEN = "2032-02-03T04:05:06Z"
TIMEOUT = 10.0


def test_object_timestamps_follow_the_frozen_clock_and_its_ticks(server: FakeAPIServer) -> None:
    with freeze_time(FROZEN, ignore=FREEZE_IGNORE) as frozen:
        first = server.request("POST", "/api/v1/namespaces/default/configmaps", configmap("first")).json()
        frozen.tick(90)
        second = server.request("POST", "/api/v1/namespaces/default/configmaps", configmap("second")).json()
        event = server.audit_log.requests("create")[0]

    assert first["metadata"]["creationTimestamp"] == FROZEN
    assert second["metadata"]["creationTimestamp"] == "2032-02-03T04:06:36Z"
    assert first["metadata"]["managedFields"][0]["time"] == FROZEN
    assert event.request_received_at == datetime(2032, 2, 3, 4, 5, 6, tzinfo=UTC)
    # Thawed, the wall clock is the real one again.
    after = server.request("POST", "/api/v1/namespaces/default/configmaps", configmap("after")).json()
    stamped = datetime.fromisoformat(after["metadata"]["creationTimestamp"])
    assert abs((datetime.now(UTC) - stamped).total_seconds()) < 60


def test_the_servers_waiting_stays_real_under_a_frozen_clock(server: FakeAPIServer) -> None:
    with freeze_time(FROZEN, ignore=FREEZE_IGNORE):
        started = real_monotonic()
        watched = server.request("GET", "/api/v1/namespaces", query="watch=1&timeoutSeconds=1")
        watch_took = real_monotonic() - started
        server.faults.delay(0.2, resource="secrets")
        started = real_monotonic()
        server.request("GET", "/api/v1/namespaces/default/secrets")
        delay_took = real_monotonic() - started
        # The background controllers furnish a namespace created while time stands still.
        server.request(
            "POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ice"}}
        )
        furnished = server.audit_log.wait_for(
            timeout=TIMEOUT, verb="create", resource="serviceaccounts", namespace="ice"
        )

    assert watched.status == 200
    assert 0.9 < watch_took < TIMEOUT
    assert 0.2 <= delay_took < TIMEOUT
    assert furnished is not None and furnished.code == 201


def test_a_server_starts_and_serves_tls_under_a_frozen_clock() -> None:
    with freeze_time(FROZEN, ignore=FREEZE_IGNORE), FakeAPIServer(ServerConfig(bootstrap=False)) as server:
        https = SecureClient(server.url, server.pki.trust_bundle_pem, server.admin_cert)
        created = https.request("POST", "/api/v1/namespaces", {"metadata": {"name": "tls"}})
        rotated_before = server.serving_cert.certificate.serial_number
        server.rotation.rotate_serving_cert()
        again = https.request("GET", "/api/v1/namespaces/tls")

    assert created.status == 201
    assert created.json()["metadata"]["creationTimestamp"] == FROZEN
    assert server.serving_cert.certificate.serial_number != rotated_before
    assert again.status == 200


def test_the_kubernetes_client_under_freezegun_outside_pytest(tmp_path: str) -> None:
    """In a process of its own: which models the client has built is process-wide state.

    Without pytest, ``prepare_freezegun()`` does what the plugin does before each test.
    """
    script = textwrap.dedent(
        f"""
        from freezegun import freeze_time
        from kubernetes import client, config

        from fakeapi import FakeAPIServer, ServerConfig
        from fakeapi.testing.frozen_clock import prepare_freezegun

        prepare_freezegun()
        with FakeAPIServer(ServerConfig()) as server:
            kubeconfig = str(server.write_kubeconfig({str(tmp_path)!r} + "/kubeconfig"))
            with freeze_time({FROZEN!r}):
                api = client.CoreV1Api(config.new_client_from_config(kubeconfig))
                api.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="cold")))
                cold = api.read_namespace("cold", _request_timeout={TIMEOUT})
                print(cold.metadata.creation_timestamp.isoformat())
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2032-02-03T04:05:06+00:00"


def test_a_clock_read_while_another_thread_leaves_a_freeze_reads_the_real_time() -> None:
    """freezegun's stop empties its stacks before it puts the real ``datetime`` back; a controller's
    thread reading the clock in between met an empty stack (``IndexError`` from ``tz_offsets[-1]``).
    The state between those two steps is made here, in one thread, instead of raced for."""
    import freezegun.api

    from fakeapi.util.clock import utc_now

    with freeze_time(FROZEN):
        factory, offset = freezegun.api.freeze_factories.pop(), freezegun.api.tz_offsets.pop()
        try:
            during_stop = utc_now()
        finally:
            freezegun.api.freeze_factories.append(factory)
            freezegun.api.tz_offsets.append(offset)
        frozen = utc_now()

    assert frozen == datetime(2032, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert abs((datetime.now(UTC) - during_stop).total_seconds()) < 60
