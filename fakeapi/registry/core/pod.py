"""Pods (pkg/registry/core/pod/strategy.go and the v1 defaulting in pkg/apis/core/v1/defaults.go).

A new pod is Pending with the defaults a real API server fills in. There is no kubelet, so a
delete is immediate (grace 0) unless finalizers hold the pod: otherwise ``kubectl delete pod``
would wait for a kubelet that never comes.
"""

from __future__ import annotations

from typing import Any

from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.strategy import Strategy
from fakeapi.storage.interfaces import Object

_POD_SPEC_DEFAULTS: dict[str, Any] = {
    "restartPolicy": "Always",
    "terminationGracePeriodSeconds": 30,
    "dnsPolicy": "ClusterFirst",
    "securityContext": {},
    "schedulerName": "default-scheduler",
    "enableServiceLinks": True,
    "preemptionPolicy": "PreemptLowerPriority",
    "priority": 0,
}


def _default_container(container: Any) -> None:
    if not isinstance(container, dict):
        return
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    image = str(container.get("image") or "")
    tag = image.rsplit("/", 1)[-1]
    untagged_or_latest = ":" not in tag or tag.endswith(":latest")
    if "@" not in image:
        container.setdefault("imagePullPolicy", "Always" if untagged_or_latest else "IfNotPresent")
    else:
        container.setdefault("imagePullPolicy", "IfNotPresent")
    container.setdefault("resources", {})
    for port in container.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")


def default_pod_spec(spec: Any) -> None:
    """SetDefaults_PodSpec and SetDefaults_Container, for pods and pod templates alike."""
    if not isinstance(spec, dict):
        return
    for key, value in _POD_SPEC_DEFAULTS.items():
        spec.setdefault(key, value)
    if spec.get("serviceAccountName") and not spec.get("serviceAccount"):
        spec["serviceAccount"] = spec["serviceAccountName"]
    for containers in ("initContainers", "containers"):
        for container in spec.get(containers) or []:
            _default_container(container)


class PodStrategy(Strategy):
    def prepare_for_create(self, ctx: RequestContext, obj: Object) -> None:
        super().prepare_for_create(ctx, obj)
        spec = obj.get("spec")
        default_pod_spec(spec)
        if isinstance(spec, dict):
            # The ServiceAccount admission plugin gives every pod an account.
            spec.setdefault("serviceAccountName", "default")
            spec.setdefault("serviceAccount", spec["serviceAccountName"])
        obj["status"] = {"phase": "Pending", "qosClass": _qos_class(spec)}


def _qos_class(spec: Any) -> str:
    """GetPodQOS, reduced: BestEffort without requests/limits, Guaranteed when they agree, else Burstable."""
    containers = (spec or {}).get("containers") or []
    resources = [c.get("resources") or {} for c in containers if isinstance(c, dict)]
    if all(not r.get("requests") and not r.get("limits") for r in resources):
        return "BestEffort"
    guaranteed = all(
        r.get("limits")
        and {k: r["limits"].get(k) for k in ("cpu", "memory")}
        == {k: (r.get("requests") or r["limits"]).get(k) for k in ("cpu", "memory")}
        and "cpu" in r["limits"]
        and "memory" in r["limits"]
        for r in resources
    )
    return "Guaranteed" if guaranteed else "Burstable"
