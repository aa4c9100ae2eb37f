"""Admission webhooks called over HTTPS as kube-apiserver calls them, seen through kubectl.

Expected texts and behaviour from k8s.io/apiserver/pkg/admission/plugin/webhook:
mutating/dispatcher.go and validating/dispatcher.go (failure policies, ``failed calling webhook``,
reinvocation), errors/statuserror.go (``admission webhook "<name>" denied the request: ...``,
``does not support dry run``), request/admissionreview.go (the review's fields, response checks),
generic/webhook.go (selectors, matchPolicy Equivalent, exempt configurations) and
pkg/util/webhook/client.go (``?timeout=``, service names).
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
import time
from typing import Any

import pytest
import yaml

from fakeapi.controllers.manager import without_simulation
from fakeapi.testing.webhooks import WebhookServer

pytestmark = pytest.mark.fakeapi(controllers=without_simulation())

CONFIGMAPS = [
    {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"], "resources": ["configmaps"]}
]
PODS = [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["pods"]}]


def configmap(name: str, **metadata: Any) -> str:
    return yaml.safe_dump({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, **metadata}})


class Recorder:
    """A webhook that records each request and answers with ``answer(request)``."""

    def __init__(self, answer: Any = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answer = answer or (lambda request: {"allowed": True})
        self.lock = threading.Lock()

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.requests.append(request)
        return dict(self.answer(request))


def test_a_validating_webhook_denies_kubectl_apply_with_its_message(fakeapi, kubectl) -> None:  # type: ignore[no-untyped-def]
    def no_latest(request: dict[str, Any]) -> dict[str, Any]:
        if (request["object"].get("data") or {}).get("tag") == "latest":
            return {
                "allowed": False,
                "status": {"code": 403, "reason": "Forbidden", "message": "tag latest is not allowed"},
            }
        return {"allowed": True}

    fakeapi.validating_webhook(no_latest, rules=CONFIGMAPS)
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app"}, "data": {"tag": "latest"}}
    result = kubectl("apply", "-f", "-", input=yaml.safe_dump(cm), check=False)
    assert result.returncode == 1
    assert (
        'Error from server (Forbidden): error when creating "STDIN": admission webhook "check.fakeapi.test" '
        "denied the request: tag latest is not allowed"
    ) in result.stderr
    cm["data"]["tag"] = "1.0"
    kubectl("apply", "-f", "-", input=yaml.safe_dump(cm))


def test_a_refusal_without_a_message_says_so(fakeapi) -> None:  # type: ignore[no-untyped-def]
    fakeapi.validating_webhook(lambda request: {"allowed": False}, rules=CONFIGMAPS)
    response = fakeapi.server.request("POST", "/api/v1/namespaces/default/configmaps", yaml.safe_load(configmap("x")))
    assert (response.status, response.json()["message"]) == (
        400,
        'admission webhook "check.fakeapi.test" denied the request without explanation',
    )


def test_a_mutating_webhook_adds_a_label_and_a_sidecar(fakeapi, kubectl) -> None:  # type: ignore[no-untyped-def]
    def inject(request: dict[str, Any]) -> dict[str, Any]:
        patch: list[dict[str, Any]] = []
        if not request["object"]["metadata"].get("labels"):
            patch.append({"op": "add", "path": "/metadata/labels", "value": {}})
        patch.append({"op": "add", "path": "/metadata/labels/injected", "value": "true"})
        sidecar = {"name": "proxy", "image": "envoyproxy/envoy:v1.31"}
        patch.append({"op": "add", "path": "/spec/containers/-", "value": sidecar})
        return {"allowed": True, "patch": patch}

    fakeapi.mutating_webhook(inject, rules=PODS)
    kubectl("run", "web", "--image=nginx:1.27")
    pod = json.loads(kubectl("get", "pod", "web", "-o", "json").stdout)
    assert pod["metadata"]["labels"]["injected"] == "true"
    assert [c["name"] for c in pod["spec"]["containers"]] == ["web", "proxy"]
    # The sidecar is defaulted as any container is after a webhook's patch.
    assert pod["spec"]["containers"][1]["imagePullPolicy"] == "IfNotPresent"
    shown = kubectl("get", "pod", "web", "--show-labels").stdout
    assert "injected=true" in shown and "0/2" in shown
    [event] = fakeapi.audit.requests("create", "pods", name="web")
    assert json.loads(event.annotations["mutation.webhook.admission.k8s.io/round_0_index_0"]) == {
        "configuration": "mutate.fakeapi.test",
        "webhook": "mutate.fakeapi.test",
        "mutated": True,
    }
    assert [(c.webhook, c.kind, c.outcome) for c in event.webhook_calls] == [
        ("mutate.fakeapi.test", "mutating", "patched")
    ]


def test_the_review_carries_what_upstream_sends(fakeapi, kubectl) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder()
    fakeapi.validating_webhook(recorder, rules=CONFIGMAPS)
    kubectl("create", "configmap", "settings", "--from-literal=a=1")
    kubectl("label", "configmap", "settings", "team=blue")
    create, update = recorder.requests
    assert create["kind"] == {"group": "", "version": "v1", "kind": "ConfigMap"}
    assert create["resource"] == {"group": "", "version": "v1", "resource": "configmaps"}
    assert create["requestKind"] == create["kind"] and create["requestResource"] == create["resource"]
    assert (create["operation"], create["namespace"], create["name"]) == ("CREATE", "default", "settings")
    assert create["object"]["data"] == {"a": "1"} and create["oldObject"] is None
    assert create["dryRun"] is False
    assert create["userInfo"]["username"] == "kubernetes-admin"
    assert "system:masters" in create["userInfo"]["groups"]
    assert create["options"]["kind"] == "CreateOptions" and create["options"]["fieldManager"] == "kubectl-create"
    assert update["operation"] == "UPDATE" and update["options"]["kind"] == "UpdateOptions"
    assert update["oldObject"]["metadata"].get("labels") is None
    assert update["object"]["metadata"]["labels"] == {"team": "blue"}
    # The timeout travels in the URL, as client-go's request.Timeout puts it.
    assert webhook_paths(fakeapi) == ["/validatingwebhookconfiguration/check.fakeapi.test?timeout=10s"] * 2


def webhook_paths(fakeapi: Any) -> list[str]:
    return [path for path, _ in fakeapi.webhooks.calls]


def test_failure_policy_ignore_lets_a_timed_out_call_through_and_fail_refuses_it(fakeapi, kubectl) -> None:  # type: ignore[no-untyped-def]
    def slow(request: dict[str, Any]) -> dict[str, Any]:
        time.sleep(1.5)
        return {"allowed": True}

    fakeapi.validating_webhook(
        slow, rules=CONFIGMAPS, name="lenient.fakeapi.test", timeoutSeconds=1, failurePolicy="Ignore"
    )
    kubectl("apply", "-f", "-", input=configmap("passes"))
    [event] = fakeapi.audit.requests("create", "configmaps", name="passes")
    assert (
        event.annotations["failed-open.validating.webhook.admission.k8s.io/round_0_index_0"] == "lenient.fakeapi.test"
    )
    [call] = event.webhook_calls
    assert call.outcome.startswith("ignored: failed calling webhook") and 1 <= call.seconds < 1.5

    fakeapi.validating_webhook(slow, rules=CONFIGMAPS, name="strict.fakeapi.test", timeoutSeconds=1)
    result = kubectl("apply", "-f", "-", input=configmap("refused"), check=False)
    url = f"{fakeapi.webhooks.url('/validatingwebhookconfiguration/strict.fakeapi.test')}?timeout=1s"
    assert (
        'Error from server (InternalError): error when creating "STDIN": Internal error occurred: '
        f'failed calling webhook "strict.fakeapi.test": failed to call webhook: Post "{url}": context deadline exceeded'
    ) in result.stderr


def test_an_unreachable_mutating_webhook_fails_closed_with_upstreams_message(fakeapi) -> None:  # type: ignore[no-untyped-def]
    webhook = {
        "name": "gone.fakeapi.test",
        "clientConfig": {"url": "https://127.0.0.1:1/mutate"},
        "rules": CONFIGMAPS,
        "sideEffects": "None",
        "admissionReviewVersions": ["v1"],
    }
    fakeapi.seed(
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "MutatingWebhookConfiguration",
            "metadata": {"name": "gone"},
            "webhooks": [webhook],
        }
    )
    response = fakeapi.server.request("POST", "/api/v1/namespaces/default/configmaps", yaml.safe_load(configmap("c")))
    assert response.status == 500
    assert response.json()["message"] == (
        'Internal error occurred: failed calling webhook "gone.fakeapi.test": failed to call webhook: '
        'Post "https://127.0.0.1:1/mutate?timeout=10s": dial tcp 127.0.0.1:1: connect: connection refused'
    )


def test_namespace_and_object_selectors_decide_which_requests_go(fakeapi, kubectl) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder()
    fakeapi.validating_webhook(
        recorder,
        rules=CONFIGMAPS,
        namespaceSelector={"matchLabels": {"webhooks": "on"}},
        objectSelector={"matchExpressions": [{"key": "skip", "operator": "DoesNotExist"}]},
    )
    kubectl("create", "namespace", "watched")
    kubectl("label", "namespace", "watched", "webhooks=on")
    kubectl("create", "namespace", "ignored")
    kubectl("apply", "-n", "watched", "-f", "-", input=configmap("seen"))
    kubectl("apply", "-n", "watched", "-f", "-", input=configmap("skipped", labels={"skip": "yes"}))
    kubectl("apply", "-n", "ignored", "-f", "-", input=configmap("unseen"))
    assert [r["name"] for r in recorder.requests] == ["seen"]


def test_a_webhook_runs_again_when_a_later_one_changes_the_object(fakeapi) -> None:  # type: ignore[no-untyped-def]
    def count(request: dict[str, Any]) -> dict[str, Any]:
        return {"allowed": True}

    first, second = (
        Recorder(count),
        Recorder(
            lambda request: (
                {"allowed": True, "patch": [{"op": "add", "path": "/data", "value": {"added": "by-second"}}]}
                if not request["object"].get("data")
                else {"allowed": True}
            )
        ),
    )
    fakeapi.mutating_webhook(first, rules=CONFIGMAPS, name="a-first.fakeapi.test", reinvocationPolicy="IfNeeded")
    fakeapi.mutating_webhook(second, rules=CONFIGMAPS, name="b-second.fakeapi.test")
    created = fakeapi.server.request("POST", "/api/v1/namespaces/default/configmaps", yaml.safe_load(configmap("r")))
    assert created.status == 201 and created.json()["data"] == {"added": "by-second"}
    # The first webhook saw the object before and, in the reinvocation round, after the second's change.
    assert [r["object"].get("data") for r in first.requests] == [None, {"added": "by-second"}]
    assert len(second.requests) == 1
    [event] = fakeapi.audit.requests("create", "configmaps", name="r")
    assert "mutation.webhook.admission.k8s.io/round_1_index_0" in event.annotations


def test_a_dry_run_reaches_the_webhooks_with_dry_run_set(fakeapi, kubectl) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder()
    fakeapi.validating_webhook(recorder, rules=CONFIGMAPS, sideEffects="NoneOnDryRun")
    kubectl("apply", "--dry-run=server", "-f", "-", input=configmap("dry"))
    [request] = recorder.requests
    assert request["dryRun"] is True and request["options"]["dryRun"] == ["All"]
    assert fakeapi.list("v1", "ConfigMap", "default") == [] or all(
        c["metadata"]["name"] != "dry" for c in fakeapi.list("v1", "ConfigMap", "default")
    )


def _unreachable_configuration(name: str, **webhook: Any) -> dict[str, Any]:
    """A ValidatingWebhookConfiguration of one webhook at an address nothing answers, ``webhook`` added to it."""
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": name},
        "webhooks": [
            {
                "name": f"{name}.fakeapi.test",
                "clientConfig": {"url": "https://127.0.0.1:1/"},
                "sideEffects": "None",
                "admissionReviewVersions": ["v1"],
                **webhook,
            }
        ],
    }


def test_v1_configurations_allow_only_side_effects_none_and_none_on_dry_run(fakeapi, kubectl) -> None:  # type: ignore[no-untyped-def]
    configuration = _unreachable_configuration("effects", sideEffects="Some")
    result = kubectl("apply", "-f", "-", input=yaml.safe_dump(configuration), check=False)
    assert (
        'webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"' in result.stderr
    )


def test_a_configuration_with_an_invalid_selector_is_refused(fakeapi) -> None:  # type: ignore[no-untyped-def]
    # validateValidatingWebhook runs metav1validation.ValidateLabelSelector over both selectors.
    configuration = _unreachable_configuration(
        "selectors",
        namespaceSelector={"matchExpressions": [{"key": "team", "operator": "In", "values": []}]},
        objectSelector={"matchLabels": {"bad key!": "x"}},
    )
    response = fakeapi.server.request(
        "POST", "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations", configuration
    )
    assert response.status == 422, response.body
    causes = [(c["field"], c["message"]) for c in response.json()["details"]["causes"]]
    assert causes[0] == (
        "webhooks[0].namespaceSelector.matchExpressions[0].values",
        "Required value: must be specified when `operator` is 'In' or 'NotIn'",
    )
    assert causes[1][0] == "webhooks[0].objectSelector.matchLabels"
    assert causes[1][1].startswith('Invalid value: "bad key!": name part must consist of alphanumeric characters')


def test_warnings_reach_the_client_and_audit_annotations_the_audit_log(fakeapi, kubectl) -> None:  # type: ignore[no-untyped-def]
    fakeapi.validating_webhook(
        lambda request: {
            "allowed": True,
            "warnings": ["configmaps are old-fashioned"],
            "auditAnnotations": {"verdict": "ok"},
        },
        rules=CONFIGMAPS,
    )
    result = kubectl("apply", "-f", "-", input=configmap("warned"))
    assert "Warning: configmaps are old-fashioned" in result.stderr
    [event] = fakeapi.audit.requests("create", "configmaps", name="warned")
    assert event.annotations["check.fakeapi.test/verdict"] == "ok"


def test_a_patch_without_patch_type_is_an_invalid_response(fakeapi, webhook_server) -> None:  # type: ignore[no-untyped-def]
    def patch_only(body: bytes) -> tuple[int, str, bytes]:
        request = json.loads(body)["request"]
        patch = base64.b64encode(b'[{"op":"add","path":"/data","value":{}}]').decode()
        review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}
        review["response"] = {"uid": request["uid"], "allowed": True, "patch": patch}
        return 200, "application/json", json.dumps(review).encode()

    register(fakeapi, "MutatingWebhookConfiguration", webhook_server.raw("/patch-only", patch_only))
    response = fakeapi.server.request("POST", "/api/v1/namespaces/default/configmaps", yaml.safe_load(configmap("p")))
    assert response.json()["message"] == (
        'Internal error occurred: failed calling webhook "raw.fakeapi.test": received invalid webhook response: '
        "webhook returned response.patch but not response.patchType"
    )


def test_v1beta1_reviews_for_webhooks_that_ask_for_them(fakeapi) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder()
    fakeapi.validating_webhook(recorder, rules=CONFIGMAPS, admissionReviewVersions=["v1beta1"])
    fakeapi.server.request("POST", "/api/v1/namespaces/default/configmaps", yaml.safe_load(configmap("b")))
    [(_, body)] = fakeapi.webhooks.calls
    assert json.loads(body)["apiVersion"] == "admission.k8s.io/v1beta1"


def test_webhook_configurations_themselves_are_exempt(fakeapi) -> None:  # type: ignore[no-untyped-def]
    everything = [{"apiGroups": ["*"], "apiVersions": ["*"], "operations": ["*"], "resources": ["*"]}]
    recorder = Recorder(lambda request: {"allowed": False})
    fakeapi.validating_webhook(recorder, rules=everything, name="deny-all.fakeapi.test")
    # Deleting the configuration that denies everything is still possible.
    path = "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/deny-all.fakeapi.test"
    assert fakeapi.server.request("DELETE", path).status == 200
    assert recorder.requests == []


def test_match_policy_equivalent_sends_the_version_the_rule_names(fakeapi) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder()
    v1_rules = [
        {
            "apiGroups": ["autoscaling"],
            "apiVersions": ["v1"],
            "operations": ["CREATE"],
            "resources": ["horizontalpodautoscalers"],
        }
    ]
    fakeapi.validating_webhook(recorder, rules=v1_rules)
    fakeapi.validating_webhook(recorder, rules=v1_rules, name="exact.fakeapi.test", matchPolicy="Exact")
    hpa = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "maxReplicas": 3},
    }
    assert (
        fakeapi.server.request("POST", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers", hpa).status
        == 201
    )
    [request] = recorder.requests
    assert request["kind"] == {"group": "autoscaling", "version": "v1", "kind": "HorizontalPodAutoscaler"}
    assert request["requestKind"]["version"] == "v2"
    assert request["object"]["apiVersion"] == "autoscaling/v1"
    assert request["object"]["spec"]["targetCPUUtilizationPercentage"] == 80


def test_a_service_reference_resolves_through_its_endpoint_slice(fakeapi) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder()
    with WebhookServer(fakeapi.server.ca, hosts=("webhook.default.svc",)) as server:
        config = server.admission("/validate", recorder)
        fakeapi.seed(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "webhook"},
                "spec": {"ports": [{"name": "https", "port": 443, "targetPort": server.port}]},
            },
            {
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {"name": "webhook-1", "labels": {"kubernetes.io/service-name": "webhook"}},
                "addressType": "IPv4",
                "endpoints": [{"addresses": ["127.0.0.1"], "conditions": {"ready": True}}],
                "ports": [{"name": "https", "port": server.port}],
            },
        )
        service = {"namespace": "default", "name": "webhook", "path": "/validate", "port": 443}
        register(fakeapi, "ValidatingWebhookConfiguration", {"service": service, "caBundle": config["caBundle"]})
        created = fakeapi.server.request(
            "POST", "/api/v1/namespaces/default/configmaps", yaml.safe_load(configmap("s"))
        )
        assert created.status == 201
        assert [r["name"] for r in recorder.requests] == ["s"]


def test_a_service_mapped_by_the_plugin_needs_no_endpoints(fakeapi) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder()
    with WebhookServer(fakeapi.server.ca, hosts=("hooks.system.svc",)) as server:
        config = server.admission("/v", recorder)
        fakeapi.map_webhook_service("system", "hooks", 8443, ("127.0.0.1", server.port))
        service = {"namespace": "system", "name": "hooks", "path": "/v", "port": 8443}
        register(fakeapi, "ValidatingWebhookConfiguration", {"service": service, "caBundle": config["caBundle"]})
        fakeapi.server.request("POST", "/api/v1/namespaces/default/configmaps", yaml.safe_load(configmap("m")))
        assert [r["name"] for r in recorder.requests] == ["m"]


def test_a_service_without_endpoints_fails_the_call(fakeapi) -> None:  # type: ignore[no-untyped-def]
    service = {"namespace": "default", "name": "nowhere", "path": "/v", "port": 443}
    register(fakeapi, "ValidatingWebhookConfiguration", {"service": service})
    response = fakeapi.server.request("POST", "/api/v1/namespaces/default/configmaps", yaml.safe_load(configmap("n")))
    assert response.json()["message"] == (
        'Internal error occurred: failed calling webhook "raw.fakeapi.test": failed to call webhook: '
        'Post "https://nowhere.default.svc:443/v?timeout=10s": service "nowhere" not found'
    )


@pytest.fixture
def webhook_server(fakeapi):  # type: ignore[no-untyped-def]
    return fakeapi.webhooks


def register(fakeapi: Any, kind: str, client_config: dict[str, Any]) -> None:
    fakeapi.seed(
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": kind,
            "metadata": {"name": "raw"},
            "webhooks": [
                {
                    "name": "raw.fakeapi.test",
                    "clientConfig": client_config,
                    "rules": CONFIGMAPS,
                    "sideEffects": "None",
                    "admissionReviewVersions": ["v1"],
                }
            ],
        }
    )


def test_the_webhook_plugins_load_with_the_first_configuration() -> None:
    """A bare server imports no webhook code; the first configuration stored installs the plugins."""
    code = (
        "import json, sys\n"
        "from fakeapi import FakeAPIServer, ServerConfig\n"
        "from fakeapi.controllers.manager import without_simulation\n"
        "heavy = ('fakeapi.admission.plugin.webhook.mutating', 'fakeapi.admission.plugin.webhook.validating', 'fakeapi.util.webhook')\n"
        "loaded = lambda: sorted(m for m in sys.modules if m.startswith(heavy))\n"
        "server = FakeAPIServer(ServerConfig(port=0, controllers=without_simulation()))\n"
        "print(json.dumps([loaded(), [p.name for p in server.services.admission_chain.plugins]]))\n"
        "server.seed(json.loads(sys.argv[1]))\n"
        "print(json.dumps([loaded(), [p.name for p in server.services.admission_chain.plugins]]))\n"
        "server.reset()\n"
        "print(json.dumps([loaded(), [p.name for p in server.services.admission_chain.plugins]]))\n"
    )
    configuration = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": "lazy"},
        "webhooks": [],
    }
    result = subprocess.run(
        [sys.executable, "-c", code, json.dumps(configuration)], capture_output=True, text=True, check=True
    )
    (bare_modules, bare_plugins), (modules, plugins), (_, after_reset) = map(json.loads, result.stdout.splitlines())
    assert bare_modules == [] and "ValidatingAdmissionWebhook" not in bare_plugins
    assert "fakeapi.admission.plugin.webhook.validating.dispatcher" in modules
    # At their place in kube-apiserver's order: after the in-tree mutating plugins, before ResourceQuota.
    webhooks = [name for name in plugins if name.endswith("AdmissionWebhook")]
    assert webhooks == ["MutatingAdmissionWebhook", "ValidatingAdmissionWebhook"]
    assert plugins.index("ValidatingAdmissionWebhook") == plugins.index("ResourceQuota") - 1
    assert "ValidatingAdmissionWebhook" not in after_reset


def test_validating_webhooks_see_the_generated_name(fakeapi) -> None:  # type: ignore[no-untyped-def]
    # Mutating admission runs before BeforeCreate names the object; validating admission after it
    # (rest.AdmissionToValidateObjectFunc takes the name from the object).
    mutating, validating = Recorder(), Recorder()
    fakeapi.mutating_webhook(mutating, rules=CONFIGMAPS)
    fakeapi.validating_webhook(validating, rules=CONFIGMAPS)
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "settings-"}}
    created = fakeapi.server.request("POST", "/api/v1/namespaces/default/configmaps", body)
    assert created.status == 201, created.body
    name = created.json()["metadata"]["name"]
    assert [r.get("name", "") for r in mutating.requests] == [""]
    assert [r.get("name", "") for r in validating.requests] == [name]
