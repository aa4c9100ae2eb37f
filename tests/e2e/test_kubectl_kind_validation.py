"""Real kubectl meeting the validation of claims, autoscalers, network policies and Job counts, with
upstream's texts (core, autoscaling, networking and batch validation.go)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.kubectl

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


def _object(api_version: str, kind: str, spec: dict[str, Any]) -> str:
    return json.dumps({"apiVersion": api_version, "kind": kind, "metadata": {"name": "checked"}, "spec": spec})


_CLAIM = ("v1", "PersistentVolumeClaim")
_HPA = ("autoscaling/v2", "HorizontalPodAutoscaler")
_TARGET = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
_BACKEND = {"service": {"name": "web", "port": {"number": 80}}}


@pytest.mark.parametrize(
    ("kind", "spec", "message"),
    [
        (
            _CLAIM,
            {"resources": {"requests": {"storage": "1Gi"}}},
            'PersistentVolumeClaim "checked" is invalid: spec.accessModes: Required value: at least 1 access mode'
            " is required",
        ),
        (
            _CLAIM,
            {"accessModes": ["ReadWriteOnce"]},
            'PersistentVolumeClaim "checked" is invalid: spec.resources[storage]: Required value',
        ),
        (
            _CLAIM,
            {"accessModes": ["ReadWriteAlways"], "resources": {"requests": {"storage": "1Gi"}}},
            'PersistentVolumeClaim "checked" is invalid: spec.accessModes: Unsupported value: "ReadWriteAlways":'
            ' supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
        ),
        (
            _CLAIM,
            {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "0"}}},
            'PersistentVolumeClaim "checked" is invalid: spec.resources[storage]: Invalid value: "0": must be'
            " greater than zero",
        ),
        (
            _HPA,
            {"scaleTargetRef": _TARGET, "minReplicas": 3, "maxReplicas": 2},
            'HorizontalPodAutoscaler "checked" is invalid: spec.maxReplicas: Invalid value: 2: must be'
            " greater than or equal to `minReplicas`",
        ),
        (
            _HPA,
            {"scaleTargetRef": _TARGET, "minReplicas": 0, "maxReplicas": 2},
            'HorizontalPodAutoscaler "checked" is invalid: spec.minReplicas: Invalid value: 0: must be'
            " greater than or equal to 1",
        ),
        (
            ("networking.k8s.io/v1", "NetworkPolicy"),
            {"podSelector": {}, "policyTypes": ["Ingress", "Sideways"]},
            'NetworkPolicy "checked" is invalid: spec.policyTypes[1]: Unsupported value:'
            ' "Sideways": supported values: "Ingress", "Egress"',
        ),
        (
            ("networking.k8s.io/v1", "Ingress"),
            {
                "rules": [
                    {
                        "host": "app.example",
                        "http": {"paths": [{"path": "app", "pathType": "Prefix", "backend": _BACKEND}]},
                    }
                ]
            },
            'Ingress "checked" is invalid: spec.rules[0].http.paths[0].path: Invalid value: "app": must be an'
            " absolute path",
        ),
        (
            ("networking.k8s.io/v1", "Ingress"),
            {"rules": [{"http": {"paths": [{"path": "/", "backend": _BACKEND}]}}]},
            'Ingress "checked" is invalid: spec.rules[0].http.paths[0].pathType: Required value: pathType must be'
            " specified",
        ),
        (
            ("networking.k8s.io/v1", "Ingress"),
            {
                "rules": [
                    {
                        "host": "10.0.0.1",
                        "http": {
                            "paths": [{"path": "/", "pathType": "Exact", "backend": {"service": {"name": "web"}}}]
                        },
                    }
                ]
            },
            'Ingress "checked" is invalid: \n* spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an'
            " IP address\n* spec.rules[0].http.paths[0].backend: Required value: port name or number is required",
        ),
        (
            ("networking.k8s.io/v1", "Ingress"),
            {"ingressClassName": "nginx"},
            'Ingress "checked" is invalid: spec: Invalid value: null: either `defaultBackend` or `rules` must be'
            " specified",
        ),
        (
            ("networking.k8s.io/v1", "Ingress"),
            {
                "rules": [
                    {
                        "host": "*.*.example",
                        "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": _BACKEND}]},
                    }
                ]
            },
            'Ingress "checked" is invalid: spec.rules[0].host: Invalid value: "*.*.example": a wildcard DNS-1123'
            " subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case"
            " alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex"
            " used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        ),
        (
            ("policy/v1", "PodDisruptionBudget"),
            {"minAvailable": 1, "maxUnavailable": "50%", "selector": {"matchLabels": {"app": "web"}}},
            # The internal PodDisruptionBudgetSpec as JSON (Go's field names), as 1.34 and later print it.
            'PodDisruptionBudget "checked" is invalid: spec: Invalid value: {"MinAvailable":1,"Selector":'
            '{"matchLabels":{"app":"web"}},"MaxUnavailable":"50%","UnhealthyPodEvictionPolicy":null}: minAvailable and'
            " maxUnavailable cannot be both set",
        ),
        (
            ("policy/v1", "PodDisruptionBudget"),
            {"maxUnavailable": "150%", "selector": {"matchLabels": {"app": "web"}}},
            'PodDisruptionBudget "checked" is invalid: spec.maxUnavailable: Invalid value: "150%": must not be'
            " greater than 100%",
        ),
        (
            ("policy/v1", "PodDisruptionBudget"),
            {"minAvailable": "half", "selector": {"matchLabels": {"app": "web"}}},
            'PodDisruptionBudget "checked" is invalid: spec.minAvailable: Invalid value: "half": a valid percent'
            " string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for"
            " validation is '[0-9]+%')",
        ),
        (
            ("v1", "ResourceQuota"),
            {"hard": {"pods": "1500m", "cpus": "2", "requests.memory": "-1Gi", "count/deployments.apps": "5"}},
            'ResourceQuota "checked" is invalid: \n* spec.hard[cpus]: Invalid value: "cpus": must be a standard resource'
            ' for quota\n* spec.hard[pods]: Invalid value: "1500m": must be an integer\n* spec.hard[requests.memory]:'
            ' Invalid value: "-1Gi": must be greater than or equal to 0',
        ),
        (
            ("v1", "LimitRange"),
            {"limits": [{"type": "Container", "min": {"cpu": "500m"}, "max": {"cpu": "250m"}}]},
            # The defaults fill the default limit and request from max first (SetDefaults_LimitRangeItem).
            'LimitRange "checked" is invalid: \n* spec.limits[0].min[cpu]: Invalid value: "500m": min value 500m is'
            ' greater than max value 250m\n* spec.limits[0].defaultRequest[cpu]: Invalid value: "250m": min value 500m'
            ' is greater than default request value 250m\n* spec.limits[0].default[cpu]: Invalid value: "500m": min'
            " value 500m is greater than default value 250m",
        ),
        (
            ("v1", "LimitRange"),
            {
                "limits": [
                    {"type": "Pod", "max": {"cpu": "2"}, "default": {"cpu": "1"}},
                    {"type": "PersistentVolumeClaim"},
                ]
            },
            'LimitRange "checked" is invalid: \n* spec.limits[0].default: Forbidden: may not be specified when `type` is'
            " 'Pod'\n* spec.limits[1].limits: Required value: either minimum or maximum storage value is required, but"
            " neither was provided",
        ),
        (
            ("batch/v1", "Job"),
            {
                "parallelism": -1,
                "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "a"}]}},
            },
            'Job "checked" is invalid: spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
        ),
    ],
)
def test_invalid_objects_are_refused(
    kubectl: Kubectl, kind: tuple[str, str], spec: dict[str, Any], message: str
) -> None:
    refused = kubectl("create", "-f", "-", "--dry-run=server", input=_object(*kind, spec), check=False)
    assert refused.returncode == 1, refused.stdout
    assert refused.stderr.strip() == f"The {message}"


def test_kubectl_create_ingress_is_accepted(kubectl: Kubectl) -> None:
    created = kubectl(
        "create",
        "ingress",
        "web",
        "--class=nginx",
        "--rule=app.example/*=web:80",
        "--rule=*.example/api=api:http",
        "--default-backend=web:80",
    )
    assert created.stdout == "ingress.networking.k8s.io/web created\n"


def test_kubectl_autoscale_and_a_claim_with_a_class_are_accepted(kubectl: Kubectl) -> None:
    claim = {
        "accessModes": ["ReadWriteOnce"],
        "volumeMode": "Filesystem",
        "resources": {"requests": {"storage": "1Gi"}},
    }
    assert kubectl("create", "-f", "-", input=_object(*_CLAIM, claim)).stdout == (
        "persistentvolumeclaim/checked created\n"
    )
    kubectl("create", "deployment", "web", "--image=registry.example/web:1")
    created = kubectl("autoscale", "deployment", "web", "--min=2", "--max=5", "--cpu=80%")
    assert created.stdout == "horizontalpodautoscaler.autoscaling/web autoscaled\n"
