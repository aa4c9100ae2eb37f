"""What the Endpoints and EndpointSlice controllers share about Services and their pods.

Follows staging/src/k8s.io/endpointslice/util/controller_utils.go (``ShouldPodBeInEndpoints``,
``ShouldSetHostname``, ``GetPodServiceMemberships``, the trigger-time tracker's notion of a
pod's last change) and ``podutil.FindPort`` of pkg/api/v1/pod/util.go, which resolves a
Service port's ``targetPort`` against a pod's containers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fakeapi.controllers.base import QueueController
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.controller_utils import PODS_PREFIX, is_pod_terminal, meta, spec_of, status_of
from fakeapi.controllers.informer import Lister, ResourceEventHandlerFuncs
from fakeapi.storage.interfaces import Object

SERVICES_PREFIX = "services"
# v1.IsHeadlessService: the label both controllers put on the objects of a headless Service.
IS_HEADLESS_SERVICE = "service.kubernetes.io/headless"
# v1.EndpointsLastChangeTriggerTime: when the change the controller reacted to happened.
LAST_CHANGE_TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"
CLUSTER_IP_NONE = "None"

ServiceKey = tuple[str, str]


class ServiceEndpointsController(QueueController[ServiceKey]):
    """The informer wiring both controllers have: keys are (namespace, name) of Services, queued when a
    Service changes and, through GetPodServiceMemberships, when a pod of one changes."""

    def __init__(
        self, ctx: ControllerContext, name: str, service_account: str, sync: Callable[[ServiceKey], None]
    ) -> None:
        super().__init__(name, sync, ctx.log)
        self._ctx = ctx
        self._client = ctx.client(service_account)
        self._services = ctx.informers.lister(SERVICES_PREFIX)
        self._pods = ctx.informers.lister(PODS_PREFIX)
        ctx.informers.add_event_handler(
            SERVICES_PREFIX,
            ResourceEventHandlerFuncs(
                add=lambda svc: self._enqueue_service(svc, "service added"),
                update=lambda _, svc: self._enqueue_service(svc, "service updated"),
                delete=lambda svc: self._enqueue_service(svc, "service deleted"),
            ),
        )
        ctx.informers.add_event_handler(
            PODS_PREFIX,
            ResourceEventHandlerFuncs(
                add=lambda pod: self._pods_changed(pod, cause="pod added"),
                update=lambda old, pod: self._pods_changed(old, pod, cause="pod updated"),
                delete=lambda pod: self._pods_changed(pod, cause="pod deleted"),
            ),
        )

    def _enqueue_service(self, obj: Object, cause: str) -> None:
        """Queue the Service named as ``obj`` (the Service itself, or its Endpoints)."""
        self.enqueue_key((meta(obj).get("namespace") or "", meta(obj)["name"]), cause=cause)

    def _pods_changed(self, *pods: Object, cause: str) -> None:
        for key in sorted(services_of_pods(self._services, pods)):
            self.enqueue_key(key, cause=cause)


def service_selector(service: Object) -> dict[str, str] | None:
    """The Service's selector; None when it has none (such Services get no endpoints from the controllers)."""
    selector: dict[str, str] | None = spec_of(service).get("selector")
    return selector


def selects(selector: dict[str, str], pod: Object) -> bool:
    """labels.Set(selector).AsSelectorPreValidated().Matches: every pair is on the pod (an empty map selects all)."""
    labels = meta(pod).get("labels") or {}
    return all(labels.get(key) == value for key, value in selector.items())


def is_headless(service: Object) -> bool:
    """!helper.IsServiceIPSet: no cluster IP to load-balance, so clients resolve the endpoints themselves."""
    return spec_of(service).get("clusterIP") in (None, "", CLUSTER_IP_NONE)


def should_pod_be_in_endpoints(pod: Object, include_terminating: bool) -> bool:
    """ShouldPodBeInEndpoints: a pod with an IP that has not finished (and, unless asked, is not terminating)."""
    if is_pod_terminal(pod):
        return False
    status = status_of(pod)
    if not status.get("podIP") and not status.get("podIPs"):
        return False
    return include_terminating or not meta(pod).get("deletionTimestamp")


def should_set_hostname(pod: Object, service: Object) -> bool:
    """ShouldSetHostname: the pod names itself under this Service's subdomain (StatefulSet pods do)."""
    pod_spec = spec_of(pod)
    return (
        bool(pod_spec.get("hostname"))
        and pod_spec.get("subdomain") == meta(service).get("name")
        and meta(service).get("namespace") == meta(pod).get("namespace")
    )


def find_port(pod: Object, service_port: dict[str, Any]) -> int | None:
    """podutil.FindPort: the container port a Service port's targetPort names, or its number; None if no container has it.

    A missing targetPort defaults to the Service port (the defaulter sets it, but a PUT may not).
    """
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    protocol = service_port.get("protocol") or "TCP"
    for container in spec_of(pod).get("containers") or []:
        for port in container.get("ports") or []:
            if port.get("name") == target and (port.get("protocol") or "TCP") == protocol:
                number: int = port["containerPort"]
                return number
    return None


def target_ref(pod: Object) -> dict[str, Any]:
    """The ObjectReference an address or endpoint carries to its pod."""
    pod_meta = meta(pod)
    return {
        "kind": "Pod",
        "namespace": pod_meta.get("namespace"),
        "name": pod_meta.get("name"),
        "uid": pod_meta.get("uid"),
    }


def services_of_pods(services: Lister, pods: Iterable[Object]) -> set[tuple[str, str]]:
    """GetPodServiceMemberships for each of ``pods`` (old and new labels of an update): the (namespace, name) keys."""
    keys: set[tuple[str, str]] = set()
    for pod in pods:
        namespace = meta(pod).get("namespace") or ""
        for service in services.list(namespace):
            selector = service_selector(service)
            if selector is not None and selects(selector, pod):
                keys.add((namespace, meta(service)["name"]))
    return keys


def pod_last_change(pod: Object) -> str:
    """When the pod last changed in a way endpoints see: its latest condition transition, else its creation."""
    times = [c.get("lastTransitionTime") or "" for c in status_of(pod).get("conditions") or []]
    return max([t for t in times if t], default=meta(pod).get("creationTimestamp") or "")


def last_change_trigger_time(service: Object, pods: Iterable[Object]) -> str:
    """EndpointsLastChangeTriggerTime: the latest change of the Service or a selected pod (RFC 3339).

    Upstream's TriggerTimeTracker remembers the state seen at the previous sync and reports the
    earliest change since; syncs here run right after each change, so the latest change of all
    is the one that triggered it, and no state has to survive a reset.
    """
    times = [meta(service).get("creationTimestamp") or "", *(pod_last_change(pod) for pod in pods)]
    return max(times)
