"""HorizontalPodAutoscalers: one storage for autoscaling/v1 and v2, converted as pkg/apis/autoscaling/v1/conversion.go does.

The annotations are autoscaling's round-trip annotations (pkg/apis/autoscaling/annotations.go):
what v1 cannot hold travels in them, and a v2 read drops them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from fakeapi.controllers.manager import without_simulation
from fakeapi.registry.autoscaling.conversion import v1_to_v2, v2_to_v1

pytestmark = pytest.mark.fakeapi(controllers=without_simulation())

TARGET = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
V2_HPA: dict[str, Any] = {
    "apiVersion": "autoscaling/v2",
    "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "web", "namespace": "default"},
    "spec": {
        "scaleTargetRef": TARGET,
        "minReplicas": 2,
        "maxReplicas": 5,
        "metrics": [
            {
                "type": "Resource",
                "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "100Mi"}},
            },
            {
                "type": "Resource",
                "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}},
            },
        ],
        "behavior": {"scaleDown": {"stabilizationWindowSeconds": 30}},
    },
}


def test_a_v2_object_reads_as_v1_with_kubectl_and_back(fakeapi, kubectl) -> None:  # type: ignore[no-untyped-def]
    kubectl("apply", "-f", "-", input=yaml.safe_dump(V2_HPA))
    v1 = json.loads(kubectl("get", "horizontalpodautoscalers.v1.autoscaling", "web", "-o", "json").stdout)
    assert v1["apiVersion"] == "autoscaling/v1"
    assert v1["spec"] == {
        "scaleTargetRef": TARGET,
        "minReplicas": 2,
        "maxReplicas": 5,
        "targetCPUUtilizationPercentage": 60,
    }
    annotations = v1["metadata"]["annotations"]
    assert json.loads(annotations["autoscaling.alpha.kubernetes.io/metrics"]) == [
        {"type": "Resource", "resource": {"name": "memory", "targetAverageValue": "100Mi"}}
    ]
    behavior = json.loads(annotations["autoscaling.alpha.kubernetes.io/behavior"])
    assert behavior["ScaleDown"]["StabilizationWindowSeconds"] == 30

    # A v1 client writes back what it read: nothing of v2 is lost.
    v1["spec"]["maxReplicas"] = 7
    kubectl("replace", "-f", "-", input=json.dumps(v1))
    v2 = json.loads(kubectl("get", "horizontalpodautoscalers.v2.autoscaling", "web", "-o", "json").stdout)
    assert v2["spec"]["maxReplicas"] == 7
    assert v2["spec"]["metrics"] == V2_HPA["spec"]["metrics"]
    assert v2["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 30
    assert not any(k.startswith("autoscaling.alpha.kubernetes.io/") for k in v2["metadata"].get("annotations", {}))


def test_one_storage_lists_and_deletes_through_both_versions(fakeapi, kubectl) -> None:  # type: ignore[no-untyped-def]
    v1 = {
        "apiVersion": "autoscaling/v1",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "old"},
        "spec": {"scaleTargetRef": TARGET, "maxReplicas": 3},
    }
    kubectl("apply", "-f", "-", input=yaml.safe_dump(v1))
    listed = json.loads(kubectl("get", "horizontalpodautoscalers.v2.autoscaling", "-o", "json").stdout)
    [item] = listed["items"]
    # v1 with no target gets v2's explicit default: 80% CPU.
    assert item["spec"]["metrics"] == [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}
    ]
    kubectl("delete", "horizontalpodautoscalers.v2.autoscaling", "old")
    assert json.loads(kubectl("get", "horizontalpodautoscalers.v1.autoscaling", "-o", "json").stdout)["items"] == []


def test_status_and_conditions_round_trip_through_v1() -> None:
    v2 = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "s"},
        "spec": {"scaleTargetRef": TARGET, "maxReplicas": 4, "metrics": V2_HPA["spec"]["metrics"]},
        "status": {
            "currentReplicas": 2,
            "desiredReplicas": 3,
            "currentMetrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "current": {"averageUtilization": 70, "averageValue": "350m"}},
                }
            ],
            "conditions": [{"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale"}],
        },
    }
    v1 = v2_to_v1(v2)
    assert v1["status"] == {"currentReplicas": 2, "desiredReplicas": 3, "currentCPUUtilizationPercentage": 70}
    back = v1_to_v2(v1)
    assert back["status"]["currentMetrics"] == v2["status"]["currentMetrics"]
    assert back["status"]["conditions"] == v2["status"]["conditions"]
    assert back["spec"]["metrics"] == v2["spec"]["metrics"]
    assert "annotations" not in back["metadata"]


@pytest.mark.parametrize(
    "metric",
    [
        {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "10"}}},
        {
            "type": "Object",
            "object": {
                "describedObject": {"kind": "Service", "name": "front", "apiVersion": "v1"},
                "metric": {"name": "hits"},
                "target": {"type": "Value", "value": "2k"},
            },
        },
        {
            "type": "External",
            "external": {"metric": {"name": "queue"}, "target": {"type": "AverageValue", "averageValue": "30"}},
        },
        {
            "type": "ContainerResource",
            "containerResource": {
                "name": "cpu",
                "container": "app",
                "target": {"type": "Utilization", "averageUtilization": 50},
            },
        },
    ],
)
def test_every_metric_source_survives_v1(metric: dict[str, Any]) -> None:
    v2 = {**V2_HPA, "spec": {**V2_HPA["spec"], "metrics": [metric]}}
    assert v1_to_v2(v2_to_v1(v2))["spec"]["metrics"] == [metric]
