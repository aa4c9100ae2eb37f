"""Fault injection: Status answers shaped as upstream's, expiry after N uses, delays, and cut watches."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from kubernetes import client, config, watch
from testing_objects import configmap, deployment

from fakeapi import FakeAPIServer
from fakeapi.apimachinery import errors
from fakeapi.testing.audit import FAULT_ANNOTATION
from fakeapi.util.clock import real_monotonic

TIMEOUT = 10.0
KUBECTL = {"User-Agent": "kubectl/v1.37.0 (linux/amd64) kubernetes/abcdef0"}


@pytest.fixture
def web(server: FakeAPIServer) -> dict[str, Any]:
    created: dict[str, Any] = server.request(
        "POST", "/apis/apps/v1/namespaces/default/deployments", deployment("web")
    ).json()
    return created


def _update(server: FakeAPIServer, obj: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    return server.request("PUT", "/apis/apps/v1/namespaces/default/deployments/web", obj, headers=headers)


def test_conflict_fails_the_next_update_as_a_stale_write_would(server: FakeAPIServer, web: dict[str, Any]) -> None:
    rule = server.faults.conflict(verb="update", resource="deployments", name="web")

    refused = _update(server, web)
    accepted = _update(server, web)

    assert refused.status == 409
    assert refused.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; '
        "please apply your changes to the latest version and try again",
        "reason": "Conflict",
        "details": {"name": "web", "group": "apps", "kind": "deployments"},
        "code": 409,
    }
    assert accepted.status == 200
    assert (rule.hits, rule.remaining, rule.expired) == (1, 0, True)
    assert server.faults.rules == []
    failed, passed = server.audit_log.requests("update", "deployments")
    assert failed.code == 409 and failed.fault is not None and failed.fault.startswith("409 Conflict (rule ")
    assert passed.fault is None and FAULT_ANNOTATION not in passed.annotations


def test_too_many_requests_carries_retry_after(server: FakeAPIServer) -> None:
    server.faults.too_many_requests(3, verb="list", resource="pods")
    answer = server.request("GET", "/api/v1/namespaces/default/pods")

    assert answer.status == 429
    assert dict(answer.headers)["Retry-After"] == "3"
    status = answer.json()
    assert (status["reason"], status["message"]) == ("TooManyRequests", "Too many requests: please try again later")
    assert status["details"] == {"retryAfterSeconds": 3}


def test_expired_answers_a_list_with_410_and_a_watch_with_an_error_event(server: FakeAPIServer) -> None:
    server.faults.expired(verb=("list", "watch"), resource="configmaps", times=2)
    listed = server.request("GET", "/api/v1/namespaces/default/configmaps", query="resourceVersion=5&continue=x")
    watched = server.request("GET", "/api/v1/namespaces/default/configmaps", query="watch=1&resourceVersion=5")

    assert listed.status == 410
    assert listed.json()["reason"] == "Expired"
    assert listed.json()["message"] == f"too old resource version: 5 ({server.storage.current_revision})"
    assert watched.status == 200
    (line,) = watched.body.splitlines()
    event = json.loads(line)
    assert event["type"] == "ERROR"
    assert (event["object"]["kind"], event["object"]["code"], event["object"]["reason"]) == ("Status", 410, "Expired")


@pytest.mark.parametrize(
    ("inject", "code", "reason", "message"),
    [
        (
            lambda f: f.internal_error(resource="secrets"),
            500,
            "InternalError",
            "Internal error occurred: fakeapi: injected failure",
        ),
        (
            lambda f: f.service_unavailable(resource="secrets"),
            503,
            "ServiceUnavailable",
            "the server is currently unable to handle the request",
        ),
        (
            lambda f: f.fail(
                errors.new_forbidden(errors.GroupResource("", "secrets"), "s", "not today"), resource="secrets"
            ),
            403,
            "Forbidden",
            'secrets "s" is forbidden: not today',
        ),
        (
            lambda f: f.fail(
                lambda req, facts: errors.new_not_found(errors.GroupResource("", facts.resource), facts.name),
                resource="secrets",
            ),
            404,
            "NotFound",
            'secrets "s" not found',
        ),
    ],
)
def test_any_status_can_be_injected(server: FakeAPIServer, inject: Any, code: int, reason: str, message: str) -> None:
    inject(server.faults)
    answer = server.request("GET", "/api/v1/namespaces/default/secrets/s")
    assert (answer.status, answer.json()["reason"], answer.json()["message"]) == (code, reason, message)


def test_rules_select_by_user_agent_and_apply_in_order(server: FakeAPIServer) -> None:
    server.faults.internal_error(user_agent="kubectl", times=None)
    server.faults.service_unavailable(resource="configmaps")

    assert server.request("GET", "/api/v1/namespaces/default/configmaps", headers=KUBECTL).status == 500
    assert server.request("GET", "/api/v1/namespaces/default/configmaps").status == 503
    assert server.request("GET", "/api/v1/namespaces/default/configmaps").status == 200
    assert server.request("GET", "/api/v1/namespaces", headers=KUBECTL).status == 500
    (forever,) = server.faults.rules
    assert (forever.remaining, forever.hits) == (None, 2)
    forever.remove()
    assert server.request("GET", "/api/v1/namespaces", headers=KUBECTL).status == 200


def test_clear_removes_every_rule(server: FakeAPIServer) -> None:
    server.faults.internal_error(times=None)
    server.faults.clear()
    assert server.request("GET", "/version").status == 200


def test_a_rule_needs_at_least_one_use(server: FakeAPIServer) -> None:
    with pytest.raises(ValueError, match="times must be at least 1"):
        server.faults.conflict(times=0)


def test_delay_holds_the_request_in_real_time(server: FakeAPIServer) -> None:
    server.faults.delay(0.3, verb="get", resource="namespaces")
    started = real_monotonic()
    answer = server.request("GET", "/api/v1/namespaces/default")
    held = real_monotonic() - started
    server.request("GET", "/api/v1/namespaces/default")

    assert answer.status == 200
    assert held >= 0.3
    (event, unfaulted) = server.audit_log.requests("get", "namespaces")
    assert event.fault is not None and event.fault.startswith("delayed 0.3 s")
    assert event.duration is not None and event.duration >= 0.3
    assert unfaulted.fault is None  # the fault was for one request only


def test_fail_after_a_delay(server: FakeAPIServer) -> None:
    server.faults.fail(errors.new_timeout("request did not complete", 1), delay=0.2, resource="namespaces")
    started = real_monotonic()
    answer = server.request("GET", "/api/v1/namespaces")
    assert real_monotonic() - started >= 0.2
    assert (answer.status, answer.json()["reason"]) == (504, "Timeout")


# -- cutting watches ----------------------------------------------------------------------------


def test_cut_watches_ends_matching_streams_cleanly(server: FakeAPIServer) -> None:
    lines: list[bytes] = []
    ended = threading.Event()

    def read() -> None:
        with (
            httpx.Client(transport=server.httpx_transport(), base_url="https://fakeapi", timeout=TIMEOUT) as http,
            http.stream("GET", "/api/v1/namespaces/default/configmaps", params={"watch": "1"}) as response,
        ):
            lines.extend(line.encode() for line in response.iter_lines())
        ended.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert server.audit_log.wait_for(timeout=TIMEOUT, verb="watch", resource="configmaps") is not None

    assert server.faults.cut_watches(resource="secrets") == 0
    assert server.faults.cut_watches(resource="configmaps", namespace="default") == 1

    assert ended.wait(TIMEOUT)
    reader.join(TIMEOUT)
    assert server.faults.open_watches() == []
    (watch_event,) = server.audit_log.requests("watch", "configmaps")
    assert watch_event.stage == "ResponseComplete"
    assert watch_event.code == 200
    assert watch_event.fault == "watch cut (resource='configmaps' namespace='default')"


@pytest.fixture
def core(running_server: FakeAPIServer, server: FakeAPIServer, tmp_path: Path) -> Iterator[client.CoreV1Api]:
    api_client = config.new_client_from_config(str(server.write_kubeconfig(tmp_path / "kubeconfig")))
    yield client.CoreV1Api(api_client)
    api_client.close()


def test_a_client_watches_again_after_a_cut_and_after_an_expired_watch(
    server: FakeAPIServer, core: client.CoreV1Api
) -> None:
    """The kubernetes client's Watch resumes from its last resourceVersion when a stream ends, and once after a 410."""
    seen: list[tuple[str, str]] = []
    watcher = watch.Watch()
    failure: list[BaseException] = []

    def follow() -> None:
        try:
            for event in watcher.stream(core.list_namespaced_config_map, "default", _request_timeout=TIMEOUT * 3):
                seen.append((event["type"], event["object"].metadata.name))
                if event["object"].metadata.name == "after-cut":
                    watcher.stop()
        except BaseException as exc:
            failure.append(exc)

    follower = threading.Thread(target=follow, daemon=True)
    follower.start()
    agent = "OpenAPI-Generator"
    # Cut once it has an event: a watch cut before it saw any resourceVersion is not resumed but ended.
    assert server.watch_events.wait_for(timeout=TIMEOUT, user_agent=agent) is not None
    server.faults.expired(verb="watch", resource="configmaps")

    assert server.faults.cut_watches(user_agent=agent) == 1

    # Cut, it watched again from its resourceVersion, got the 410, and watched once more.
    first, second, third = server.audit_log.assert_requested("watch", user_agent=agent, count=3, timeout=TIMEOUT)
    server.request("POST", "/api/v1/namespaces/default/configmaps", configmap("after-cut"))
    follower.join(TIMEOUT)
    assert not follower.is_alive()
    assert failure == []
    assert ("ADDED", "after-cut") in seen
    assert first.fault is not None and first.fault.startswith("watch cut")
    assert "resourceVersion=" in second.query and second.fault is not None and second.fault.startswith("410 Expired")
    assert third.query == second.query and third.fault is None


def test_an_unknown_verb_or_resource_is_refused_with_a_suggestion(server: FakeAPIServer) -> None:
    with pytest.raises(
        ValueError, match=r'^fault rule: unknown verb "udpate"; did you mean "update"\? \(valid: .*\bpatch\b'
    ):
        server.faults.conflict(verb="udpate", resource="deployments")
    with pytest.raises(
        ValueError, match=r'unknown resource "deployment"; did you mean "deployments"\?.*\bconfigmaps\b'
    ):
        server.faults.internal_error(verb="get", resource=["configmaps", "deployment"])
    with pytest.raises(ValueError, match=r'unknown subresource "stauts"; did you mean "status"\?'):
        server.faults.conflict(verb="update", resource="deployments", subresource="stauts")
    assert server.faults.rules == []
    # Non-resource requests are selected by their lower-cased method.
    assert server.faults.delay(0.1, verb="get", resource="").matcher is not None


def test_a_rule_that_never_matched_is_reported_when_the_test_ends(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_conflict_on_the_wrong_resource(fakeapi):
            fakeapi.faults.conflict(verb="update", resource="deployments", name="web")
            fakeapi.faults.internal_error(verb="get", resource="namespaces", name="default")
            fakeapi.get("v1", "Namespace", "kube-system")
        """
    )
    result = pytester.runpytest("-W", "error::fakeapi.testing.faults.UnmatchedFaultWarning")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*UnmatchedFaultWarning: fakeapi: a fault rule never matched a request: 409 Conflict (rule 1:*"]
    )
