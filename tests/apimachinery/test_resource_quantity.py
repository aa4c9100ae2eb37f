"""Resource quantities: canonical forms as Quantity.String writes them, and what a built-in object
stores (apimachinery pkg/api/resource/quantity.go: ParseQuantity, CanonicalizeBytes; a quantity is
decoded by UnmarshalJSON and written back by MarshalJSON, so the stored form is canonical)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from fakeapi.apimachinery.quantity import canonical_quantity, milli_value, parse_quantity
from fakeapi.pytest_plugin.plugin import FakeAPI

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        (1, "1"),
        (0.5, "500m"),
        ("0.1", "100m"),
        (".5", "500m"),
        ("1000", "1k"),
        ("1500", "1500"),
        ("1.5Gi", "1536Mi"),
        ("1024Mi", "1Gi"),
        ("1023Ki", "1023Ki"),
        ("0.5Ki", "512"),
        ("1e3", "1e3"),
        ("1500e-3", "1500e-3"),
        ("1E6", "1e6"),
        ("1E", "1E"),
        ("+1", "1"),
        ("0", "0"),
    ],
)
def test_the_canonical_form_keeps_the_format_it_was_written_in(written: Any, canonical: str) -> None:
    assert canonical_quantity(written) == canonical


def test_a_huge_exponent_is_held_at_the_bound_not_expanded() -> None:
    assert parse_quantity("1e99999999") == parse_quantity("1e1000")
    assert milli_value("1e-99999999") == 1  # rounded up, as Go rounds up to its smallest unit
    assert len(canonical_quantity("1e99999999")) < 1100


def test_built_in_objects_store_quantities_in_canonical_form(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    resources = {"requests": {"cpu": 0.5, "memory": "1.5Gi"}, "limits": {"cpu": 2, "memory": "2048Mi"}}
    containers = [{"name": "app", "image": "nginx", "resources": resources}]
    volumes = [{"name": "scratch", "emptyDir": {"sizeLimit": "1000Mi"}}]
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web"},
        "spec": {"containers": containers, "volumes": volumes},
    }
    created = fakeapi.server.request("POST", "/api/v1/namespaces/default/pods", pod)
    assert created.status == 201, created.body
    spec = created.json()["spec"]
    assert spec["containers"][0]["resources"] == {
        "requests": {"cpu": "500m", "memory": "1536Mi"},
        "limits": {"cpu": "2", "memory": "2Gi"},
    }
    assert spec["volumes"][0]["emptyDir"] == {"sizeLimit": "1000Mi"}
    # kubectl sorts by a quantity only when it is a string (sorter.go refuses numbers mixed in).
    second = {**pod, "metadata": {"name": "small"}}
    second["spec"] = {"containers": [{"name": "app", "image": "nginx", "resources": {"requests": {"cpu": 0.25}}}]}
    assert fakeapi.server.request("POST", "/api/v1/namespaces/default/pods", second).status == 201
    names = kubectl("get", "pods", "--sort-by={.spec.containers[0].resources.requests.cpu}", "-o", "name").stdout
    assert names.split() == ["pod/small", "pod/web"]
