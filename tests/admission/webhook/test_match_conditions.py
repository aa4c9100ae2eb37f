"""Admission webhooks' ``matchConditions``: CEL decides which requests a webhook is sent.

Behaviour from k8s.io/apiserver/pkg/admission/plugin/webhook/generic/webhook.go (ShouldCallHook:
the conditions are the last check, on the object in the version the rules matched; an error is
Forbidden under failurePolicy Fail), webhook/matchconditions/matcher.go (a false condition wins
over errors; under Ignore errors skip the webhook; the conditions of one call share
RuntimeCELCostBudgetMatchConditions, 2.5e6, and each has the per-call limit, 1e6, of
apiserver/pkg/apis/cel/config.go) and pkg/apis/admissionregistration/validation/validation.go
(validateMatchConditions, which compiles the expressions but does not refuse an expensive one).
"""

from __future__ import annotations

import subprocess
import sys
import threading
from typing import Any

import pytest
import yaml

from fakeapi.controllers.manager import without_simulation

pytestmark = pytest.mark.fakeapi(controllers=without_simulation())

CONFIGMAPS = [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["configmaps"]}]
CONFIGMAPS_PATH = "/api/v1/namespaces/default/configmaps"


class Recorder:
    """A webhook that allows everything and remembers the names it was asked about."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.names.append(request["name"])
        return {"allowed": True}


def configmap(name: str, **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def test_a_webhook_is_sent_only_what_its_conditions_select(fakeapi, kubectl) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder()
    fakeapi.validating_webhook(
        recorder,
        rules=CONFIGMAPS,
        matchConditions=[
            {"name": "app-only", "expression": "object.metadata.name.startsWith('app-')"},
            {"name": "not-kube-system", "expression": "request.namespace != 'kube-system'"},
        ],
    )
    for name in ("app-one", "other", "app-two"):
        kubectl("apply", "-f", "-", input=yaml.safe_dump(configmap(name)))
    kubectl("apply", "-n", "kube-system", "-f", "-", input=yaml.safe_dump(configmap("app-system")))
    assert recorder.names == ["app-one", "app-two"]


def test_the_authorizer_is_there_for_conditions(fakeapi) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder()
    fakeapi.validating_webhook(
        recorder,
        rules=CONFIGMAPS,
        matchConditions=[
            # Skip requests from users who may create namespaces: the in-process admin may.
            {
                "name": "unprivileged",
                "expression": "!authorizer.group('').resource('namespaces').check('create').allowed()",
            }
        ],
    )
    assert fakeapi.server.request("POST", CONFIGMAPS_PATH, configmap("admin-made")).status == 201
    assert recorder.names == []


def test_an_error_fails_closed_as_forbidden_or_skips_the_webhook_under_ignore(fakeapi) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder()
    broken = [{"name": "reads-a-missing-key", "expression": "object.data.tier == 'gold'"}]
    fakeapi.validating_webhook(recorder, rules=CONFIGMAPS, matchConditions=broken)
    response = fakeapi.server.request("POST", CONFIGMAPS_PATH, configmap("no-tier"))
    assert response.status == 403
    status = response.json()
    assert status["reason"] == "Forbidden"
    assert status["message"] == (
        "configmaps \"no-tier\" is forbidden: expression 'object.data.tier == 'gold'' resulted in error: no such key: tier"
    )
    # With the key present the condition evaluates and the webhook is called.
    assert fakeapi.server.request("POST", CONFIGMAPS_PATH, configmap("gold", tier="gold")).status == 201
    assert recorder.names == ["gold"]

    configurations = "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations"
    assert fakeapi.server.request("DELETE", f"{configurations}/check.fakeapi.test").status == 200
    fakeapi.validating_webhook(recorder, rules=CONFIGMAPS, matchConditions=broken, failurePolicy="Ignore")
    assert fakeapi.server.request("POST", CONFIGMAPS_PATH, configmap("still-no-tier")).status == 201
    assert recorder.names == ["gold"]


def test_a_false_condition_wins_over_an_error(fakeapi) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder()
    conditions = [
        {"name": "errors", "expression": "object.data.tier == 'gold'"},
        {"name": "false", "expression": "false"},
    ]
    fakeapi.validating_webhook(recorder, rules=CONFIGMAPS, matchConditions=conditions)
    assert fakeapi.server.request("POST", CONFIGMAPS_PATH, configmap("quiet")).status == 201
    assert recorder.names == []


# Compares the values of every pair of keys: about 111·n² for n values of 1000 characters.
PAIRS = "object.data.all(a, object.data.exists_one(b, object.data[a] == object.data[b]))"


def paired(name: str, keys: int) -> dict[str, Any]:
    """A ConfigMap of ``keys`` distinct values of 1000 characters."""
    return configmap(name, **{f"k{i:03d}": f"{i:04d}".ljust(1000, "x") for i in range(keys)})


def test_a_condition_past_the_per_call_limit_is_an_error(fakeapi) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder()
    # Written although its estimate passes the limit: upstream's validation only compiles it.
    stored = fakeapi.validating_webhook(
        recorder, rules=CONFIGMAPS, matchConditions=[{"name": "pairs", "expression": PAIRS}]
    )
    assert stored["webhooks"][0]["matchConditions"] == [{"name": "pairs", "expression": PAIRS}]
    refused = fakeapi.server.request("POST", CONFIGMAPS_PATH, paired("large", 100))  # 1.1e6
    assert refused.status == 403
    assert refused.json()["message"] == (
        f"configmaps \"large\" is forbidden: expression '{PAIRS}' resulted in error: "
        "operation cancelled: actual cost limit exceeded"
    )
    assert fakeapi.server.request("POST", CONFIGMAPS_PATH, paired("smaller", 90)).status == 201  # 9.0e5
    assert recorder.names == ["smaller"]


def test_the_conditions_of_a_webhook_share_a_budget(fakeapi) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder()
    conditions = [{"name": f"pairs-{i}", "expression": PAIRS} for i in range(3)]
    fakeapi.validating_webhook(recorder, rules=CONFIGMAPS, matchConditions=conditions)
    refused = fakeapi.server.request("POST", CONFIGMAPS_PATH, paired("large", 90))  # three of 9.0e5
    assert refused.status == 403
    assert refused.json()["message"] == (
        'configmaps "large" is forbidden: '
        "validation failed due to running out of cost budget, no further validation rules will be run"
    )
    assert fakeapi.server.request("POST", CONFIGMAPS_PATH, paired("smaller", 60)).status == 201  # three of 4.0e5
    assert recorder.names == ["smaller"]

    configurations = "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations"
    assert fakeapi.server.request("DELETE", f"{configurations}/check.fakeapi.test").status == 200
    fakeapi.validating_webhook(recorder, rules=CONFIGMAPS, matchConditions=conditions, failurePolicy="Ignore")
    assert fakeapi.server.request("POST", CONFIGMAPS_PATH, paired("skipped", 90)).status == 201
    assert recorder.names == ["smaller"]


def test_mutating_webhooks_see_conditions_on_the_object_as_patched_so_far(fakeapi) -> None:  # type: ignore[no-untyped-def]
    import base64
    import json

    def label(request: dict[str, Any]) -> dict[str, Any]:
        patch = [{"op": "add", "path": "/metadata/labels", "value": {"tier": "gold"}}]
        return {
            "allowed": True,
            "patchType": "JSONPatch",
            "patch": base64.b64encode(json.dumps(patch).encode()).decode(),
        }

    recorder = Recorder()
    # Configurations are called in name order: "a-..." labels, "b-..." matches only labelled objects.
    fakeapi.mutating_webhook(label, rules=CONFIGMAPS, name="a-label.fakeapi.test")
    fakeapi.mutating_webhook(
        recorder,
        rules=CONFIGMAPS,
        name="b-gold.fakeapi.test",
        matchConditions=[{"name": "gold", "expression": "object.metadata.?labels.tier.orValue('') == 'gold'"}],
    )
    assert fakeapi.server.request("POST", CONFIGMAPS_PATH, configmap("labelled")).status == 201
    assert recorder.names == ["labelled"]


def test_conditions_are_validated_when_the_configuration_is_written(fakeapi, kubectl) -> None:  # type: ignore[no-untyped-def]
    webhook = {
        "name": "check.fakeapi.test",
        "clientConfig": {"url": "https://127.0.0.1:1/check"},
        "rules": CONFIGMAPS,
        "sideEffects": "None",
        "admissionReviewVersions": ["v1"],
        "matchConditions": [
            {"name": "not-bool", "expression": "object.metadata.name"},
            {"name": "not-bool", "expression": "object.metadata.name == 'x' &&"},
            {"name": "bad name!", "expression": " "},
        ],
    }
    configuration = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": "conditions"},
        "webhooks": [webhook],
    }
    result = kubectl("apply", "-f", "-", input=yaml.safe_dump(configuration), check=False)
    assert result.returncode == 1
    stderr = result.stderr
    assert 'The ValidatingWebhookConfiguration "conditions" is invalid' in stderr
    prefix = "webhooks[0].matchConditions"
    assert f'{prefix}[0].expression: Invalid value: "object.metadata.name": must evaluate to bool' in stderr
    assert (
        f"{prefix}[1].expression: Invalid value: \"object.metadata.name == 'x' &&\": compilation failed: ERROR:"
        in stderr
    )
    assert f'{prefix}[1].name: Duplicate value: "not-bool"' in stderr
    assert f"{prefix}[2].expression: Required value" in stderr
    assert f'{prefix}[2].name: Invalid value: "bad name!"' in stderr


def test_webhooks_without_conditions_do_not_load_cel() -> None:
    code = (
        "import sys\n"
        "from fakeapi.controllers.manager import without_simulation\n"
        "from fakeapi import FakeAPIServer, ServerConfig\n"
        "from fakeapi.testing.webhooks import WebhookServer\n"
        "server = FakeAPIServer(ServerConfig(port=0, controllers=without_simulation()))\n"
        "hooks = WebhookServer(server.ca).start()\n"
        "config = hooks.admission('/check', lambda request: {'allowed': True})\n"
        "rules = [{'apiGroups': [''], 'apiVersions': ['v1'], 'operations': ['CREATE'], 'resources': ['configmaps']}]\n"
        "webhook = {'name': 'check.fakeapi.test', 'clientConfig': config, 'rules': rules,\n"
        "           'sideEffects': 'None', 'admissionReviewVersions': ['v1']}\n"
        "server.request('POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',\n"
        "               {'metadata': {'name': 'check'}, 'webhooks': [webhook]})\n"
        "cm = {'metadata': {'name': 'x'}}\n"
        "assert server.request('POST', '/api/v1/namespaces/default/configmaps', cm).status == 201\n"
        "print(sorted(m for m in sys.modules if m.startswith(('fakeapi.cel', 'cel_expr'))))\n"
        "hooks.stop()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
