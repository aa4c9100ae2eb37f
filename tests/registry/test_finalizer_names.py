"""Finalizer names: core's ValidateObjectMeta refuses one without a domain that is not standard
(pkg/apis/core/validation validateKubeFinalizerName); a custom resource only gets a warning for it
(apiextensions-apiserver pkg/registry/customresource/validator.go, strategy.go generateWarningsFromObj)."""

from __future__ import annotations

from typing import Any

from crd_manifests import crd_manifest
from warning_headers import warnings_of

from fakeapi.pytest_plugin.plugin import FakeAPI

CM_PATH = "/api/v1/namespaces/default/configmaps"
WIDGETS = "/apis/example.com/v1/namespaces/default/widgets"


def configmap(name: str, *finalizers: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "finalizers": list(finalizers)}}


def test_a_built_in_object_refuses_a_finalizer_without_a_domain(fakeapi: FakeAPI) -> None:
    refused = fakeapi.server.request("POST", CM_PATH, configmap("plain", "example.com/cleanup", "cleanup"))
    assert refused.status == 422
    assert refused.json()["message"] == (
        'ConfigMap "plain" is invalid: metadata.finalizers[1]: Invalid value: "cleanup": '
        "name is neither a standard finalizer name nor is it fully qualified"
    )
    created = fakeapi.server.request("POST", CM_PATH, configmap("kept", "example.com/cleanup", "orphan", "kubernetes"))
    assert created.status == 201


def test_a_custom_resource_is_warned_about_a_finalizer_without_a_domain(fakeapi: FakeAPI) -> None:
    fakeapi.seed(crd_manifest("Widget"))
    fakeapi.server.settle()
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "finalizers": ["b.c", "a"]}}
    created = fakeapi.server.request("POST", WIDGETS, widget)
    assert created.status == 201, created.body
    assert warnings_of(created) == [
        'metadata.finalizers: "a": prefer a domain-qualified finalizer name to avoid accidental conflicts with '
        "other finalizer writers",
        'metadata.finalizers: "b.c": prefer a domain-qualified finalizer name including a path (/) to avoid '
        "accidental conflicts with other finalizer writers",
    ]
    # An update is warned about the finalizers it adds only.
    merge = {"Content-Type": "application/merge-patch+json"}
    patched = fakeapi.server.request(
        "PATCH", f"{WIDGETS}/w", {"metadata": {"finalizers": ["b.c", "a", "example.com/done"]}}, headers=merge
    )
    assert patched.status == 200 and warnings_of(patched) == []
