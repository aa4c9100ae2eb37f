"""``metrics.k8s.io/v1beta1`` as metrics-server serves it (sigs.k8s.io/metrics-server pkg/api/pod.go, node.go).

Two read-only resources: ``nodes`` (NodeMetrics) and ``pods`` (PodMetrics), get and list with
label selectors, as ``kubectl top`` and the HPA controller read them. Each item carries the
object's name, namespace and labels, a ``creationTimestamp`` and ``timestamp`` of now (server
clock), a ``window`` of metrics-server's default resolution, and usage in metrics-server's units:
CPU in nanocores (``250000000n``), memory in Ki (``65536Ki``). Only pods that are running (phase
Running, not being deleted) have metrics, as only their containers are scraped; a pod or node
without metrics answers NotFound.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.schema import GroupVersion
from fakeapi.endpoints.request import RequestContext
from fakeapi.metrics.usage import ResourceUsage, Usage
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.registry.rest import ListOptions
from fakeapi.registry.rest_storage import APIGroupInfo
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import now_rfc3339

GROUP = "metrics.k8s.io"
VERSION = "v1beta1"
API_VERSION = f"{GROUP}/{VERSION}"
# metrics-server's --metric-resolution default: the window each CPU rate is taken over.
WINDOW = "15s"
READ_VERBS = ("get", "list")
NODE_METRICS = ResourceSpec(GROUP, VERSION, "nodes", "NodeMetrics", namespaced=False, verbs=READ_VERBS)
POD_METRICS = ResourceSpec(GROUP, VERSION, "pods", "PodMetrics", namespaced=True, verbs=READ_VERBS)

# Reads objects: namespace (None for all) -> the stored objects.
ListFunc = Callable[[str | None], list[Object]]


def format_usage(usage: Usage) -> dict[str, str]:
    """As metrics-server encodes it: CPU in nanocores, memory in Ki when it divides, else in bytes."""
    nanos = int(usage.cpu * 1_000_000_000)
    memory = int(usage.memory)
    # A zero quantity prints without a suffix, whatever its scale.
    cpu = f"{nanos}n" if nanos else "0"
    return {"cpu": cpu, "memory": f"{memory // 1024}Ki" if memory and memory % 1024 == 0 else str(memory)}


def is_running(pod: Object) -> bool:
    return (pod.get("status") or {}).get("phase") == "Running" and not (pod.get("metadata") or {}).get(
        "deletionTimestamp"
    )


def _metadata(obj: Object, now: str) -> Object:
    meta = obj.get("metadata") or {}
    result: Object = {"name": meta.get("name"), "creationTimestamp": now}
    if meta.get("namespace"):
        result["namespace"] = meta["namespace"]
    if meta.get("labels"):
        result["labels"] = dict(meta["labels"])
    return result


@dataclass
class _MetricsREST:
    spec: ResourceSpec
    usage: ResourceUsage
    list_objects: ListFunc

    def new(self) -> Object:
        return {"apiVersion": API_VERSION, "kind": self.spec.kind, "metadata": {}}

    def new_list(self) -> Object:
        return {"apiVersion": API_VERSION, "kind": f"{self.spec.kind}List", "metadata": {}, "items": []}

    def _metrics(self, obj: Object, now: str) -> Object | None:
        raise NotImplementedError

    def get(self, ctx: RequestContext, name: str) -> Object:
        namespace = ctx.namespace if self.spec.namespaced else None
        now = now_rfc3339()
        for obj in self.list_objects(namespace):
            if (obj.get("metadata") or {}).get("name") == name and (metrics := self._metrics(obj, now)) is not None:
                return {"kind": self.spec.kind, "apiVersion": API_VERSION, **metrics}
        raise errors.new_not_found(self.spec.group_resource, name)

    def list(self, ctx: RequestContext, options: ListOptions) -> Object:
        namespace = (ctx.namespace or None) if self.spec.namespaced else None
        now = now_rfc3339()
        result = self.new_list()
        for obj in self.list_objects(namespace):
            labels = (obj.get("metadata") or {}).get("labels") or {}
            if options.label_selector is not None and not options.label_selector.matches(labels):
                continue
            metrics = self._metrics(obj, now)
            if metrics is not None:
                result["items"].append(metrics)
        return result


@dataclass
class PodMetricsREST(_MetricsREST):
    """pod.go: one PodMetrics per running pod, a usage per container."""

    def _metrics(self, obj: Object, now: str) -> Object | None:
        if not is_running(obj):
            return None
        containers = [
            {"name": c["name"], "usage": format_usage(self.usage.container_usage(obj, c))}
            for c in (obj.get("spec") or {}).get("containers") or []
        ]
        return {"metadata": _metadata(obj, now), "timestamp": now, "window": WINDOW, "containers": containers}


@dataclass
class NodeMetricsREST(_MetricsREST):
    """node.go: one NodeMetrics per node."""

    pods: ListFunc = lambda namespace: []

    def _metrics(self, obj: Object, now: str) -> Object | None:
        name = (obj.get("metadata") or {}).get("name") or ""
        usage = self.usage.node_usage(name, self.pods(None), is_running)
        return {"metadata": _metadata(obj, now), "timestamp": now, "window": WINDOW, "usage": format_usage(usage)}


def metrics_api_group(usage: ResourceUsage, pods: ListFunc, nodes: ListFunc) -> APIGroupInfo:
    """The metrics.k8s.io group for a server's installer, reading pods and nodes through ``pods`` and ``nodes``."""
    storage = {
        "nodes": NodeMetricsREST(NODE_METRICS, usage, nodes, pods),
        "pods": PodMetricsREST(POD_METRICS, usage, pods),
    }
    return APIGroupInfo(GROUP, [GroupVersion(GROUP, VERSION)], {VERSION: storage})
