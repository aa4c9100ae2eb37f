"""The admission chain: where the handlers and the Store call its two phases, and what plugins see.

Expectations from k8s.io/apiserver: admission/chain.go (order), endpoints/handlers/create.go,
update.go, patch.go and delete.go (the mutating phase after the field manager, the attributes of
each verb, one mutating call for a deletecollection), registry/generic/registry/store.go (the
validating phase after the strategy's validation; on delete, with the object being deleted).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from fakeapi.admission.chain import AdmissionChain
from fakeapi.admission.interfaces import CREATE, DELETE, UPDATE, Attributes
from fakeapi.admission.plugins import PLUGIN_ORDER
from fakeapi.apimachinery import errors
from fakeapi.apimachinery.schema import GroupResource, GroupVersionKind, GroupVersionResource
from fakeapi.endpoints.request import RequestContext, RequestInfo
from fakeapi.pytest_plugin.plugin import FakeAPI

Kubectl = Callable[..., subprocess.CompletedProcess[str]]
CONFIGMAPS = GroupResource("", "configmaps")


@dataclass
class Seen:
    phase: str
    operation: str
    kind: str
    resource: str
    subresource: str
    namespace: str
    name: str
    user: str
    dry_run: bool
    new_data: Any
    old_data: Any


@dataclass
class RecordingPlugin:
    """A plugin in a webhook's place: records both phases, labels what it admits, may refuse."""

    name: str = "ValidatingAdmissionWebhook"
    resources: frozenset[GroupResource] | None = None
    operations: frozenset[str] = frozenset({CREATE, UPDATE, DELETE})
    seen: list[Seen] = field(default_factory=list)
    refuse_value: str = "forbidden"

    def _record(self, phase: str, a: Attributes) -> None:
        if a.group_resource != CONFIGMAPS:
            return
        self.seen.append(
            Seen(
                phase,
                a.operation,
                a.kind.kind,
                f"{a.resource.group}/{a.resource.version}/{a.resource.resource}",
                a.subresource,
                a.namespace,
                a.name,
                a.user.name,
                a.dry_run,
                None if a.obj is None else a.obj.get("data"),
                None if a.old_obj is None else a.old_obj.get("data"),
            )
        )

    def admit(self, a: Attributes) -> None:
        self._record("admit", a)
        if a.group_resource == CONFIGMAPS and a.obj is not None:
            a.obj.setdefault("metadata", {}).setdefault("labels", {})["admitted"] = a.operation.lower()
            a.add_annotation("recording.example.com/phase", "admit")

    def validate(self, a: Attributes) -> None:
        self._record("validate", a)
        if a.obj is not None and (a.obj.get("data") or {}).get("key") == self.refuse_value:
            raise errors.new_forbidden(a.group_resource, a.name, "refused by the recording plugin")


@pytest.fixture
def recorder(fakeapi: FakeAPI) -> Iterator[RecordingPlugin]:
    plugin = RecordingPlugin()
    chain = fakeapi.server.services.admission_chain
    chain.install(plugin)
    try:
        yield plugin
    finally:
        chain.remove(plugin.name)


def configmap(name: str, value: str) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"key": value}})


def test_plugins_run_in_upstream_order_whatever_the_order_they_were_installed() -> None:
    calls: list[str] = []

    @dataclass
    class Plugin:
        name: str
        resources: frozenset[GroupResource] | None
        operations: frozenset[str] = frozenset({CREATE})

        def admit(self, attributes: Attributes) -> None:
            calls.append(self.name)

    pods = frozenset({GroupResource("", "pods")})
    chain = AdmissionChain(PLUGIN_ORDER)
    for name, resources in [
        ("ValidatingAdmissionWebhook", None),
        ("DefaultTolerationSeconds", pods),
        ("MutatingAdmissionWebhook", None),
        ("ServiceAccount", pods),
        ("DefaultIngressClass", frozenset({GroupResource("networking.k8s.io", "ingresses")})),
    ]:
        chain.install(Plugin(name, resources))
    context = RequestContext(RequestInfo("/api/v1/namespaces/default/pods", "create"))
    pod = GroupVersionResource("", "v1", "pods")
    chain.admit(Attributes(CREATE, GroupVersionKind("", "v1", "Pod"), pod, "", "default", "web", {}, None, context))
    assert calls == [
        "ServiceAccount",
        "DefaultTolerationSeconds",
        "MutatingAdmissionWebhook",
        "ValidatingAdmissionWebhook",
    ]

    calls.clear()
    chain.remove("MutatingAdmissionWebhook")
    chain.admit(Attributes(UPDATE, GroupVersionKind("", "v1", "Pod"), pod, "", "default", "web", {}, {}, context))
    assert calls == []  # every plugin left handles creates only
    with pytest.raises(ValueError, match="no place in the plugin order"):
        chain.install(Plugin("MadeUp", None))


def test_create_update_patch_and_delete_pass_both_phases_with_upstream_attributes(
    fakeapi: FakeAPI, kubectl: Kubectl, recorder: RecordingPlugin
) -> None:
    kubectl("create", "-f", "-", input=configmap("settings", "one"))
    kubectl("patch", "configmap", "settings", "-p", '{"data":{"key":"two"}}')
    kubectl("delete", "configmap", "settings")

    phases = [(s.phase, s.operation, s.new_data, s.old_data) for s in recorder.seen]
    assert phases == [
        ("admit", CREATE, {"key": "one"}, None),
        ("validate", CREATE, {"key": "one"}, None),
        ("admit", UPDATE, {"key": "two"}, {"key": "one"}),
        ("validate", UPDATE, {"key": "two"}, {"key": "one"}),
        # delete.go: the mutating phase gets neither object, the validating one the object deleted.
        ("admit", DELETE, None, None),
        ("validate", DELETE, None, {"key": "two"}),
    ]
    first = recorder.seen[0]
    assert (first.kind, first.resource, first.subresource, first.namespace, first.name) == (
        "ConfigMap",
        "/v1/configmaps",
        "",
        "default",
        "settings",
    )
    assert {s.user for s in recorder.seen} == {"kubernetes-admin"}
    assert {s.name for s in recorder.seen} == {"settings"}


def test_what_the_mutating_phase_adds_is_stored_and_owned_by_no_manager(
    fakeapi: FakeAPI, kubectl: Kubectl, recorder: RecordingPlugin
) -> None:
    kubectl("create", "-f", "-", input=configmap("settings", "one"))
    created = json.loads(kubectl("get", "configmap", "settings", "-o", "json", "--show-managed-fields").stdout)
    assert created["metadata"]["labels"] == {"admitted": "create"}
    managed = json.dumps(created["metadata"]["managedFields"])
    assert "f:labels" not in managed

    kubectl("label", "configmap", "settings", "team=web")
    updated = json.loads(kubectl("get", "configmap", "settings", "-o", "json").stdout)
    assert updated["metadata"]["labels"] == {"admitted": "update", "team": "web"}


def test_a_validating_refusal_fails_the_request_and_stores_nothing(
    fakeapi: FakeAPI, kubectl: Kubectl, recorder: RecordingPlugin
) -> None:
    refused = kubectl("create", "-f", "-", input=configmap("settings", "forbidden"), check=False)
    assert refused.returncode == 1
    assert 'configmaps "settings" is forbidden: refused by the recording plugin' in refused.stderr
    assert fakeapi.server.request("GET", "/api/v1/namespaces/default/configmaps/settings").status == 404

    kubectl("create", "-f", "-", input=configmap("settings", "one"))
    refused = kubectl("patch", "configmap", "settings", "-p", '{"data":{"key":"forbidden"}}', check=False)
    assert "refused by the recording plugin" in refused.stderr
    stored = fakeapi.server.request("GET", "/api/v1/namespaces/default/configmaps/settings").json()
    assert stored["data"] == {"key": "one"}


def test_dry_run_is_passed_to_plugins_and_annotations_reach_the_audit_log(
    fakeapi: FakeAPI, kubectl: Kubectl, recorder: RecordingPlugin
) -> None:
    kubectl("create", "--dry-run=server", "-f", "-", input=configmap("settings", "one"))
    assert [s.dry_run for s in recorder.seen] == [True, True]
    (event,) = fakeapi.server.audit_log.requests("create", "configmaps")
    assert event.annotations["recording.example.com/phase"] == "admit"


def test_a_delete_collection_is_admitted_once_and_validated_per_object(
    fakeapi: FakeAPI, kubectl: Kubectl, recorder: RecordingPlugin
) -> None:
    for name in ("a", "b"):
        kubectl("create", "-f", "-", input=configmap(name, name))
        kubectl("label", "configmap", name, "batch=1")
    recorder.seen.clear()
    fakeapi.server.request("DELETE", "/api/v1/namespaces/default/configmaps", query="labelSelector=batch%3D1")
    assert [(s.phase, s.name, s.old_data) for s in recorder.seen] == [
        ("admit", "", None),
        ("validate", "a", {"key": "a"}),
        ("validate", "b", {"key": "b"}),
    ]


def test_subresource_writes_carry_their_subresource(fakeapi: FakeAPI, recorder: RecordingPlugin) -> None:
    seen: list[tuple[str, str]] = []

    @dataclass
    class StatusRecorder:
        name: str = "MutatingAdmissionWebhook"
        resources: frozenset[GroupResource] | None = frozenset({GroupResource("", "namespaces")})
        operations: frozenset[str] = frozenset({UPDATE})

        def admit(self, a: Attributes) -> None:
            seen.append((a.subresource, a.namespace))

    chain = fakeapi.server.services.admission_chain
    chain.install(StatusRecorder())
    try:
        fakeapi.server.request("POST", "/api/v1/namespaces", {"metadata": {"name": "team"}})
        namespace = fakeapi.server.request("GET", "/api/v1/namespaces/team").json()
        fakeapi.server.request("PUT", "/api/v1/namespaces/team/status", namespace)
        fakeapi.server.request("PUT", "/api/v1/namespaces/team", namespace)
    finally:
        chain.remove("MutatingAdmissionWebhook")
    # A namespace's own requests carry its name as their namespace (RequestInfo).
    assert seen == [("status", "team"), ("", "team")]


def test_a_scale_is_admitted_as_a_scale_and_what_the_plugin_changes_is_applied(
    fakeapi: FakeAPI, kubectl: Kubectl
) -> None:
    seen: list[tuple[str, str, str, int, int]] = []

    @dataclass
    class CapReplicas:
        """Caps scale-ups at five, as a mutating webhook on deployments/scale could."""

        name: str = "MutatingAdmissionWebhook"
        resources: frozenset[GroupResource] | None = frozenset({GroupResource("apps", "deployments")})
        operations: frozenset[str] = frozenset({UPDATE})

        def _record(self, phase: str, a: Attributes) -> None:
            assert a.obj is not None and a.old_obj is not None
            replicas = (a.obj.get("spec") or {}).get("replicas", 0), (a.old_obj.get("spec") or {}).get("replicas", 0)
            seen.append((phase, a.kind.kind, a.subresource, *replicas))

        def admit(self, a: Attributes) -> None:
            if a.subresource == "scale":
                self._record("admit", a)
                assert a.obj is not None
                a.obj["spec"]["replicas"] = min(a.obj["spec"]["replicas"], 5)

        def validate(self, a: Attributes) -> None:
            if a.subresource == "scale":
                self._record("validate", a)

    kubectl("create", "deployment", "web", "--image=nginx:1.27")
    chain = fakeapi.server.services.admission_chain
    chain.install(CapReplicas())
    try:
        kubectl("scale", "deployment", "web", "--replicas=9")
    finally:
        chain.remove("MutatingAdmissionWebhook")
    assert seen == [("admit", "Scale", "scale", 9, 1), ("validate", "Scale", "scale", 5, 1)]
    stored = fakeapi.server.request("GET", "/apis/apps/v1/namespaces/default/deployments/web").json()
    assert stored["spec"]["replicas"] == 5
