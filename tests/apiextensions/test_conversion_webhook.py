"""CRDs with ``conversion.strategy: Webhook``: a ConversionReview for every read, write, list and watch that crosses versions.

Expected texts from apiextensions-apiserver/pkg/apiserver/conversion/webhook_converter.go
(``conversion webhook for <gvk> failed: ...``, ``returned invalid object: must have the same
name``) and converter.go; errors that are not Status errors reach clients as a 500 with no
reason (apiserver/pkg/endpoints/handlers/responsewriters/status.go ErrorToAPIStatus).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from fakeapi.apiextensions.handler import TerminatingAwareStore
from fakeapi.apimachinery import errors
from fakeapi.controllers.manager import without_simulation
from fakeapi.testing.webhooks import WebhookServer

pytestmark = pytest.mark.fakeapi(controllers=without_simulation())

SCHEMA: dict[str, Any] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
MAIN = "/apis/example.com/{version}/namespaces/default/crontabs"


def to_version(obj: dict[str, Any], api_version: str) -> dict[str, Any]:
    """v1 has ``spec.cronSpec``; v2 splits it into ``spec.schedule.minute`` and the rest."""
    out = json.loads(json.dumps(obj))
    spec = out.setdefault("spec", {})
    if api_version.endswith("/v2") and "cronSpec" in spec:
        minute, _, rest = spec.pop("cronSpec").partition(" ")
        spec["schedule"] = {"minute": minute, "rest": rest}
    elif api_version.endswith("/v1") and "schedule" in spec:
        schedule = spec.pop("schedule")
        spec["cronSpec"] = f"{schedule['minute']} {schedule['rest']}"
    out["apiVersion"] = api_version
    return out


def crontab_crd(client_config: dict[str, Any], review_versions: list[str] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "crontabs.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"plural": "crontabs", "singular": "crontab", "kind": "CronTab"},
            "versions": [
                {"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": SCHEMA}},
                {"name": "v2", "served": True, "storage": False, "schema": {"openAPIV3Schema": SCHEMA}},
            ],
            "conversion": {
                "strategy": "Webhook",
                "webhook": {
                    "clientConfig": client_config,
                    "conversionReviewVersions": review_versions or ["v1"],
                },
            },
        },
    }


@pytest.fixture
def webhooks(fakeapi) -> Iterator[WebhookServer]:  # type: ignore[no-untyped-def]
    with WebhookServer(fakeapi.server.ca) as server:
        yield server


def reviews(server: WebhookServer) -> list[dict[str, Any]]:
    return [json.loads(body) for _, body in server.calls]


def test_objects_written_in_one_version_read_in_the_other_with_kubectl(fakeapi, webhooks, kubectl) -> None:  # type: ignore[no-untyped-def]
    fakeapi.seed(crontab_crd(webhooks.conversion("/convert", to_version)))
    v2 = {"apiVersion": "example.com/v2", "kind": "CronTab", "metadata": {"name": "nightly"}}
    v2["spec"] = {"schedule": {"minute": "5", "rest": "0 * * *"}}
    kubectl("apply", "-f", "-", input=yaml.safe_dump(v2))

    # Stored in v1 (the storage version), through the webhook.
    stored = fakeapi.get("example.com/v1", "CronTab", "nightly", "default")
    assert stored["spec"] == {"cronSpec": "5 0 * * *"}
    first = reviews(webhooks)[0]
    assert first["apiVersion"] == "apiextensions.k8s.io/v1" and first["kind"] == "ConversionReview"
    assert first["request"]["desiredAPIVersion"] == "example.com/v1"
    assert first["request"]["objects"][0]["spec"] == v2["spec"]

    as_v1 = json.loads(kubectl("get", "crontabs.v1.example.com", "nightly", "-o", "json").stdout)
    assert as_v1["apiVersion"] == "example.com/v1" and as_v1["spec"] == {"cronSpec": "5 0 * * *"}
    as_v2 = json.loads(kubectl("get", "crontabs.v2.example.com", "nightly", "-o", "json").stdout)
    assert as_v2["apiVersion"] == "example.com/v2" and as_v2["spec"] == v2["spec"]
    listed = json.loads(kubectl("get", "crontabs.v2.example.com", "-o", "json").stdout)
    assert [item["spec"] for item in listed["items"]] == [v2["spec"]]
    # The webhook keeps what it must not change: uid, name, creationTimestamp come from the stored object.
    assert as_v2["metadata"]["uid"] == stored["metadata"]["uid"]


def test_reads_in_the_storage_version_call_no_webhook(fakeapi, webhooks) -> None:  # type: ignore[no-untyped-def]
    fakeapi.seed(crontab_crd(webhooks.conversion("/convert", to_version)))
    body = {"apiVersion": "example.com/v1", "kind": "CronTab", "metadata": {"name": "a"}, "spec": {"cronSpec": "1 2"}}
    assert fakeapi.server.request("POST", MAIN.format(version="v1"), body).status == 201
    assert fakeapi.server.request("GET", MAIN.format(version="v1") + "/a").status == 200
    assert webhooks.calls == []
    event = fakeapi.server.request("GET", MAIN.format(version="v2") + "/a")
    assert event.json()["spec"] == {"schedule": {"minute": "1", "rest": "2"}}
    assert len(webhooks.calls) == 1


def test_watch_in_another_version_sends_converted_events(fakeapi, webhooks, k8s_client) -> None:  # type: ignore[no-untyped-def]
    from kubernetes import client, watch

    fakeapi.seed(crontab_crd(webhooks.conversion("/convert", to_version)))
    api = client.CustomObjectsApi(k8s_client)
    api.create_namespaced_custom_object(
        "example.com",
        "v1",
        "default",
        "crontabs",
        {"apiVersion": "example.com/v1", "kind": "CronTab", "metadata": {"name": "w"}, "spec": {"cronSpec": "7 8"}},
    )
    stream = watch.Watch().stream(
        api.list_namespaced_custom_object, "example.com", "v2", "default", "crontabs", timeout_seconds=2
    )
    first = next(stream)
    assert first["type"] == "ADDED"
    assert first["object"]["apiVersion"] == "example.com/v2"
    assert first["object"]["spec"] == {"schedule": {"minute": "7", "rest": "8"}}


def test_v1beta1_reviews_when_the_crd_asks_for_them_first(fakeapi, webhooks) -> None:  # type: ignore[no-untyped-def]
    fakeapi.seed(crontab_crd(webhooks.conversion("/convert", to_version), ["v1beta1", "v1"]))
    body = {"apiVersion": "example.com/v2", "kind": "CronTab", "metadata": {"name": "b"}}
    assert fakeapi.server.request("POST", MAIN.format(version="v2"), body).status == 201
    assert reviews(webhooks)[0]["apiVersion"] == "apiextensions.k8s.io/v1beta1"


def test_a_webhook_that_cannot_be_reached_fails_the_request_with_upstreams_text(fakeapi) -> None:  # type: ignore[no-untyped-def]
    fakeapi.seed(crontab_crd({"url": "https://127.0.0.1:1/convert"}))
    body = {"apiVersion": "example.com/v2", "kind": "CronTab", "metadata": {"name": "c"}}
    response = fakeapi.server.request("POST", MAIN.format(version="v2"), body)
    assert response.status == 500
    status = response.json()
    assert "reason" not in status
    assert status["message"] == (
        "conversion webhook for example.com/v2, Kind=CronTab failed: "
        # the conversion client's 30 s timeout (setGlobalDefaults), which client-go sends in the query
        'Post "https://127.0.0.1:1/convert?timeout=30s": dial tcp 127.0.0.1:1: connect: connection refused'
    )


def test_an_untrusted_certificate_fails_the_conversion(fakeapi, webhooks) -> None:  # type: ignore[no-untyped-def]
    config = webhooks.conversion("/convert", to_version)
    del config["caBundle"]
    fakeapi.seed(crontab_crd(config))
    body = {"apiVersion": "example.com/v2", "kind": "CronTab", "metadata": {"name": "d"}}
    message = fakeapi.server.request("POST", MAIN.format(version="v2"), body).json()["message"]
    assert message.endswith("tls: failed to verify certificate: x509: certificate signed by unknown authority")


def test_a_webhook_that_changes_the_name_is_refused(fakeapi, webhooks) -> None:  # type: ignore[no-untyped-def]
    def rename(obj: dict[str, Any], api_version: str) -> dict[str, Any]:
        out = to_version(obj, api_version)
        out["metadata"]["name"] = "other"
        return out

    fakeapi.seed(crontab_crd(webhooks.conversion("/convert", rename)))
    body = {"apiVersion": "example.com/v2", "kind": "CronTab", "metadata": {"name": "e"}}
    response = fakeapi.server.request("POST", MAIN.format(version="v2"), body)
    assert (response.status, response.json()["message"]) == (
        500,
        "conversion webhook for example.com/v2, Kind=CronTab returned invalid object: must have the same name: e != other",
    )


def test_a_failure_result_reaches_the_client_with_the_webhooks_message(fakeapi, webhooks, kubectl) -> None:  # type: ignore[no-untyped-def]
    def refuse(obj: dict[str, Any], api_version: str) -> dict[str, Any]:
        raise ValueError("cannot convert this one")

    fakeapi.seed(crontab_crd(webhooks.conversion("/convert", refuse)))
    v2 = {"apiVersion": "example.com/v2", "kind": "CronTab", "metadata": {"name": "f"}}
    result = kubectl("apply", "-f", "-", input=yaml.safe_dump(v2), check=False)
    assert result.returncode == 1
    assert "conversion webhook for example.com/v2, Kind=CronTab failed: cannot convert this one" in result.stderr


def test_labels_the_webhook_sets_are_kept_and_validated(fakeapi, webhooks) -> None:  # type: ignore[no-untyped-def]
    def label(obj: dict[str, Any], api_version: str) -> dict[str, Any]:
        out = to_version(obj, api_version)
        out["metadata"].setdefault("labels", {})["converted-to"] = api_version.rpartition("/")[2]
        return out

    fakeapi.seed(crontab_crd(webhooks.conversion("/convert", label)))
    body = {"apiVersion": "example.com/v2", "kind": "CronTab", "metadata": {"name": "g"}}
    created = fakeapi.server.request("POST", MAIN.format(version="v2"), body).json()
    assert created["metadata"]["labels"] == {"converted-to": "v2"}
    assert fakeapi.get("example.com/v1", "CronTab", "g", "default")["metadata"]["labels"] == {"converted-to": "v1"}


def test_strategy_none_calls_nothing_and_only_relabels(fakeapi, webhooks) -> None:  # type: ignore[no-untyped-def]
    crd = crontab_crd(webhooks.conversion("/convert", to_version))
    crd["spec"]["conversion"] = {"strategy": "None"}
    fakeapi.seed(crd)
    body = {"apiVersion": "example.com/v2", "kind": "CronTab", "metadata": {"name": "h"}, "spec": {"x": 1}}
    assert fakeapi.server.request("POST", MAIN.format(version="v2"), body).status == 201
    stored = fakeapi.get("example.com/v1", "CronTab", "h", "default")
    assert (stored["apiVersion"], stored["spec"]) == ("example.com/v1", {"x": 1})
    assert webhooks.calls == []


def test_conversion_calls_are_in_the_audit_log(fakeapi, webhooks, kubectl) -> None:  # type: ignore[no-untyped-def]
    fakeapi.seed(crontab_crd(webhooks.conversion("/convert", to_version)))
    fakeapi.seed({"apiVersion": "example.com/v1", "kind": "CronTab", "metadata": {"name": "i", "namespace": "default"}})
    kubectl("get", "crontabs.v2.example.com", "i")
    [event] = fakeapi.audit.requests("get", "crontabs", name="i")
    [call] = event.webhook_calls
    assert (call.webhook, call.kind, call.outcome) == (
        "conversion_webhook_for_crontabs.example.com",
        "conversion",
        "converted",
    )
    assert 0 < call.seconds < 5


def test_the_webhook_modules_load_with_the_first_webhook_crd() -> None:
    code = (
        "import sys, json\n"
        "from fakeapi import FakeAPIServer, ServerConfig\n"
        "from fakeapi.controllers.manager import without_simulation\n"
        "loaded = lambda: sorted(m for m in sys.modules if m.startswith(('fakeapi.util.webhook', 'fakeapi.apiextensions.conversion.webhook')))\n"
        "server = FakeAPIServer(ServerConfig(port=0, controllers=without_simulation()))\n"
        "print(json.dumps(loaded()))\n"
        "server.seed(json.loads(sys.argv[1]))\n"
        "print(json.dumps(loaded()))\n"
    )
    crd = json.dumps(crontab_crd({"url": "https://127.0.0.1:1/convert"}))
    result = subprocess.run([sys.executable, "-c", code, crd], capture_output=True, text=True, check=True)
    bare, with_webhook_crd = map(json.loads, result.stdout.splitlines())
    assert bare == []
    assert "fakeapi.apiextensions.conversion.webhook_converter" in with_webhook_crd


def test_a_watch_whose_event_cannot_be_converted_ends_with_an_error_event(fakeapi) -> None:  # type: ignore[no-untyped-def]
    """etcd3 watcher.go transformErrorToEvent: the decode error as an InternalError, then the watch ends."""
    fakeapi.seed(crontab_crd({"url": "https://127.0.0.1:1/convert"}))
    listed = fakeapi.server.request("GET", MAIN.format(version="v2")).json()
    body = {"apiVersion": "example.com/v1", "kind": "CronTab", "metadata": {"name": "j"}}
    writer = threading.Timer(0.3, lambda: fakeapi.server.request("POST", MAIN.format(version="v1"), body))
    writer.start()
    query = f"watch=1&timeoutSeconds=5&resourceVersion={listed['metadata']['resourceVersion']}"
    response = fakeapi.server.request("GET", MAIN.format(version="v2"), query=query)
    writer.join()
    [line] = response.body.decode().splitlines()
    event = json.loads(line)
    assert (event["type"], event["object"]["reason"]) == ("ERROR", "InternalError")
    assert event["object"]["message"] == (
        "Internal error occurred: conversion webhook for example.com/v1, Kind=CronTab failed: "
        'Post "https://127.0.0.1:1/convert?timeout=30s": dial tcp 127.0.0.1:1: connect: connection refused'
    )


def _crd_storing_its_second_version(client_config: dict[str, Any]) -> dict[str, Any]:
    """Tekton's layout: the first version listed (v2) is not the one stored (v1)."""
    crd = crontab_crd(client_config)
    crd["spec"]["versions"].reverse()
    return crd


def test_a_crd_whose_webhook_is_gone_is_deleted_with_its_objects(fakeapi) -> None:  # type: ignore[no-untyped-def]
    # crd_finalizer.go deletes through the storage version's store (GetCustomResourceListerCollectionDeleter):
    # nothing to convert, so a webhook nobody serves any more does not hold the CRD up.
    fakeapi.seed(_crd_storing_its_second_version({"url": "https://127.0.0.1:1/convert"}))
    body = {"apiVersion": "example.com/v1", "kind": "CronTab", "metadata": {"name": "c"}, "spec": {"cronSpec": "* *"}}
    assert fakeapi.server.request("POST", MAIN.format(version="v1"), body).status == 201
    crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    assert fakeapi.server.request("DELETE", f"{crds}/crontabs.example.com").status == 200
    fakeapi.server.settle()
    assert fakeapi.server.request("GET", f"{crds}/crontabs.example.com").status == 404
    assert fakeapi.server.storage.get_list("/example.com/crontabs")[0] == []


def test_the_crd_finalizer_runs_no_admission(fakeapi) -> None:  # type: ignore[no-untyped-def]
    # The finalizer deletes with rest.ValidateAllObjectFunc, past every admission plugin and policy.
    fakeapi.seed(
        _crd_storing_its_second_version({"url": "https://127.0.0.1:1/convert"}),
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingAdmissionPolicy",
            "metadata": {"name": "no-deletes"},
            "spec": {
                "matchConstraints": {
                    "resourceRules": [
                        {
                            "apiGroups": ["example.com"],
                            "apiVersions": ["*"],
                            "operations": ["DELETE"],
                            "resources": ["*"],
                        }
                    ]
                },
                "validations": [{"expression": "false", "message": "no deletes"}],
            },
        },
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingAdmissionPolicyBinding",
            "metadata": {"name": "no-deletes"},
            "spec": {"policyName": "no-deletes", "validationActions": ["Deny"]},
        },
    )
    body = {"apiVersion": "example.com/v1", "kind": "CronTab", "metadata": {"name": "c"}, "spec": {"cronSpec": "* *"}}
    assert fakeapi.server.request("POST", MAIN.format(version="v1"), body).status == 201
    fakeapi.server.settle()
    refused = fakeapi.server.request("DELETE", f"{MAIN.format(version='v1')}/c")
    assert refused.status == 422
    crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    assert fakeapi.server.request("DELETE", f"{crds}/crontabs.example.com").status == 200
    fakeapi.server.settle()
    assert fakeapi.server.request("GET", f"{crds}/crontabs.example.com").status == 404


def test_instances_that_cannot_be_deleted_keep_the_crd_with_the_reason(fakeapi, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # deleteInstances' InstanceDeletionFailed condition; the finalizer stays and the key is tried again.
    fakeapi.seed(_crd_storing_its_second_version({"url": "https://127.0.0.1:1/convert"}))
    body = {"apiVersion": "example.com/v1", "kind": "CronTab", "metadata": {"name": "c"}, "spec": {"cronSpec": "* *"}}
    assert fakeapi.server.request("POST", MAIN.format(version="v1"), body).status == 201

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise errors.new_internal_error("storage unavailable")

    monkeypatch.setattr(TerminatingAwareStore, "delete_collection", refuse)
    crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    assert fakeapi.server.request("DELETE", f"{crds}/crontabs.example.com").status == 200
    fakeapi.server.settle()
    crd = fakeapi.server.request("GET", f"{crds}/crontabs.example.com").json()
    terminating = next(c for c in crd["status"]["conditions"] if c["type"] == "Terminating")
    assert (terminating["status"], terminating["reason"]) == ("True", "InstanceDeletionFailed")
    assert terminating["message"] == "could not issue all deletes: Internal error occurred: storage unavailable"
    assert crd["metadata"]["finalizers"] == ["customresourcecleanup.apiextensions.k8s.io"]
