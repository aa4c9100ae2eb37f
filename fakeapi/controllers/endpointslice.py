"""The EndpointSlice controller: discovery.k8s.io/v1 EndpointSlices for each Service with a selector.

Follows pkg/controller/endpointslice/endpointslice_controller.go and the reconciler of
staging/src/k8s.io/endpointslice (reconciler.go, utils.go). A Service is queued when it
changes, when a pod it selects changes (old and new labels), when one of its managed slices
changes or goes, and when a node that holds its pods changes (the zone comes from the node).

Every pod with an IP that has not finished is an endpoint (terminating ones included): its
address, ``conditions`` (serving = Ready; terminating = has a deletionTimestamp; ready =
serving and not terminating, or the Service publishes not-ready addresses), ``nodeName``,
``zone`` from the node's ``topology.kubernetes.io/zone`` label, ``hostname`` under the
Service's subdomain and a ``targetRef``. Endpoints are grouped by the ports they resolve to
(named targetPorts are looked up per pod) and kept in slices of at most 100 endpoints, named
``<service>-`` plus a generated suffix, labelled ``kubernetes.io/service-name`` and
``endpointslice.kubernetes.io/managed-by``, controlled by the Service (the garbage collector
removes them with it). The reconciler changes existing slices in place: endpoints that stay
are updated where they are, new ones fill slices with room before a slice is created, and a
slice left empty is deleted; a Service with no endpoints keeps one placeholder slice.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.controllers.client import has_status_cause
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.controller_utils import (
    is_pod_ready,
    meta,
    new_controller_ref,
    spec_of,
    status_of,
)
from fakeapi.controllers.endpointsliceutil import (
    CLUSTER_IP_NONE,
    IS_HEADLESS_SERVICE,
    LAST_CHANGE_TRIGGER_TIME,
    ServiceEndpointsController,
    ServiceKey,
    find_port,
    last_change_trigger_time,
    selects,
    service_selector,
    services_of_pods,
    should_pod_be_in_endpoints,
    should_set_hostname,
    target_ref,
)
from fakeapi.controllers.informer import ResourceEventHandlerFuncs
from fakeapi.registry.generic.admission import NAMESPACE_TERMINATING_CAUSE
from fakeapi.storage.interfaces import Object

NAME = "endpointslice"
SERVICE_ACCOUNT = "endpointslice-controller"
ENDPOINT_SLICES_PREFIX = "discovery.k8s.io/endpointslices"
NODES_PREFIX = "nodes"
# discovery.LabelServiceName, discovery.LabelManagedBy and this controller's value of it.
LABEL_SERVICE_NAME = "kubernetes.io/service-name"
LABEL_MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpointslice-controller.k8s.io"
LABEL_TOPOLOGY_ZONE = "topology.kubernetes.io/zone"
# --max-endpoints-per-slice default.
MAX_ENDPOINTS_PER_SLICE = 100
ADDRESS_TYPE_IPV4 = "IPv4"


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _ports_key(ports: list[dict[str, Any]]) -> str:
    """NewPortMapKey: endpoints with the same ports (in any order) share slices."""
    return _canonical(sorted(_canonical(p) for p in ports))


def _endpoint_key(endpoint: dict[str, Any]) -> str:
    """hashEndpoint: an endpoint is the same one while its addresses, hostname and pod are."""
    ref = endpoint.get("targetRef") or {}
    return _canonical([endpoint.get("addresses"), endpoint.get("hostname"), ref.get("namespace"), ref.get("name")])


class EndpointSliceController(ServiceEndpointsController):
    """Keys are (namespace, name) of Services."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx, NAME, SERVICE_ACCOUNT, self._sync_service)
        self._slices = ctx.informers.lister(ENDPOINT_SLICES_PREFIX)
        self._nodes = ctx.informers.lister(NODES_PREFIX)
        ctx.informers.add_event_handler(
            ENDPOINT_SLICES_PREFIX,
            ResourceEventHandlerFuncs(
                add=lambda s: self._slice_changed(s, "endpointslice added"),
                update=lambda _, s: self._slice_changed(s, "endpointslice updated"),
                delete=lambda s: self._slice_changed(s, "endpointslice deleted"),
            ),
        )
        ctx.informers.add_event_handler(
            NODES_PREFIX,
            ResourceEventHandlerFuncs(
                add=lambda node: self._node_changed(node, "node added"),
                update=lambda old, node: self._node_changed(node, "node updated", old),
                delete=lambda node: self._node_changed(node, "node deleted"),
            ),
        )

    # -- event handlers: they only enqueue --------------------------------------------------------

    def _slice_changed(self, endpoint_slice: Object, cause: str) -> None:
        """Only slices this controller manages: someone else's edit or deletion is undone."""
        labels = meta(endpoint_slice).get("labels") or {}
        if labels.get(LABEL_MANAGED_BY) == CONTROLLER_NAME and labels.get(LABEL_SERVICE_NAME):
            self.enqueue_key((meta(endpoint_slice).get("namespace") or "", labels[LABEL_SERVICE_NAME]), cause=cause)

    def _node_changed(self, node: Object, cause: str, old: Object | None = None) -> None:
        """A node's zone is on the endpoints of its pods: their Services look again when the label moves."""
        zone = (meta(node).get("labels") or {}).get(LABEL_TOPOLOGY_ZONE)
        if old is not None and (meta(old).get("labels") or {}).get(LABEL_TOPOLOGY_ZONE) == zone:
            return
        name = meta(node)["name"]
        pods = [pod for pod in self._pods.list() if spec_of(pod).get("nodeName") == name]
        for key in sorted(services_of_pods(self._services, pods)):
            self.enqueue_key(key, cause=cause)

    # -- sync -------------------------------------------------------------------------------------------

    def _sync_service(self, key: ServiceKey) -> None:
        namespace, name = key
        service = self._services.get(namespace, name)
        # A deleted Service's slices go with it through the garbage collector (they are its dependents).
        if service is None or meta(service).get("deletionTimestamp"):
            return
        selector = service_selector(service)
        if spec_of(service).get("type") == "ExternalName" or selector is None:
            return
        pods = [pod for pod in self._pods.list(namespace) if selects(selector, pod)]
        desired: dict[str, tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]] = {}
        for pod in pods:
            if not should_pod_be_in_endpoints(pod, include_terminating=True):
                continue
            ports = _endpoint_ports(service, pod)
            endpoint = self._endpoint(pod, service)
            desired.setdefault(_ports_key(ports), (ports, {}))[1][_endpoint_key(endpoint)] = endpoint
        existing = [
            s
            for s in self._slices.list(namespace)
            if (meta(s).get("labels") or {}).get(LABEL_SERVICE_NAME) == name
            and (meta(s).get("labels") or {}).get(LABEL_MANAGED_BY) == CONTROLLER_NAME
        ]
        _Reconciler(self, service, last_change_trigger_time(service, pods)).reconcile(existing, desired)

    def _endpoint(self, pod: Object, service: Object) -> dict[str, Any]:
        """podToEndpoint."""
        serving = is_pod_ready(pod)
        terminating = bool(meta(pod).get("deletionTimestamp"))
        ready = bool(spec_of(service).get("publishNotReadyAddresses")) or (serving and not terminating)
        status = status_of(pod)
        ips = [entry["ip"] for entry in status.get("podIPs") or [] if entry.get("ip") and ":" not in entry["ip"]]
        endpoint: dict[str, Any] = {
            "addresses": ips or [status.get("podIP")],
            "conditions": {"ready": ready, "serving": serving, "terminating": terminating},
        }
        if should_set_hostname(pod, service):
            endpoint["hostname"] = spec_of(pod)["hostname"]
        endpoint["targetRef"] = target_ref(pod)
        node_name = spec_of(pod).get("nodeName")
        if node_name:
            endpoint["nodeName"] = node_name
            node = self._nodes.get("", node_name)
            zone = (meta(node).get("labels") or {}).get(LABEL_TOPOLOGY_ZONE) if node is not None else None
            if zone:
                endpoint["zone"] = zone
        return endpoint

    # -- writes ------------------------------------------------------------------------------------------

    def create(self, namespace: str, endpoint_slice: Object) -> None:
        try:
            self._client.create(self._ctx.spec(ENDPOINT_SLICES_PREFIX), namespace, endpoint_slice)
        except errors.StatusError as exc:
            # The namespace is going away with the Service in it: nothing to publish.
            if not has_status_cause(exc, NAMESPACE_TERMINATING_CAUSE):
                raise

    def update(self, endpoint_slice: Object) -> None:
        self._client.update(self._ctx.spec(ENDPOINT_SLICES_PREFIX), endpoint_slice)

    def delete(self, endpoint_slice: Object) -> None:
        slice_meta = meta(endpoint_slice)
        try:
            self._client.delete(
                self._ctx.spec(ENDPOINT_SLICES_PREFIX),
                slice_meta.get("namespace") or "",
                slice_meta["name"],
                uid=slice_meta.get("uid"),
            )
        except errors.StatusError as exc:
            if exc.code not in (404, 409):
                raise


def _endpoint_ports(service: Object, pod: Object) -> list[dict[str, Any]]:
    """getEndpointPorts: the Service's ports this pod resolves, with the Service port's name (empty included)."""
    ports = []
    for service_port in spec_of(service).get("ports") or []:
        number = find_port(pod, service_port)
        if number is None:
            continue
        port: dict[str, Any] = {
            "name": service_port.get("name") or "",
            "port": number,
            "protocol": service_port.get("protocol") or "TCP",
        }
        if service_port.get("appProtocol"):
            port["appProtocol"] = service_port["appProtocol"]
        ports.append(port)
    return ports


def slice_labels(service: Object) -> dict[str, str]:
    """setEndpointSliceLabels: the Service's labels, the headless marker, and the two reserved labels."""
    labels = {
        k: v
        for k, v in (meta(service).get("labels") or {}).items()
        if k not in (LABEL_SERVICE_NAME, LABEL_MANAGED_BY, IS_HEADLESS_SERVICE)
    }
    if spec_of(service).get("clusterIP") == CLUSTER_IP_NONE:
        labels[IS_HEADLESS_SERVICE] = ""
    labels[LABEL_SERVICE_NAME] = meta(service)["name"]
    labels[LABEL_MANAGED_BY] = CONTROLLER_NAME
    return labels


class _Reconciler:
    """reconciler.reconcileByPortMapping for one Service's IPv4 slices, written as it decides."""

    def __init__(self, controller: EndpointSliceController, service: Object, trigger_time: str) -> None:
        self._controller = controller
        self._service = service
        self._namespace = meta(service).get("namespace") or ""
        self._labels = slice_labels(service)
        self._trigger_time = trigger_time

    def reconcile(
        self,
        existing: list[Object],
        desired: dict[str, tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]],
    ) -> None:
        if not desired:
            self._keep_placeholder(existing)
            return
        to_create: list[Object] = []
        to_update: list[Object] = []
        to_delete: list[Object] = []
        # Per port group, the slices that stay, each with whether it has to be written.
        kept: dict[str, list[tuple[Object, bool]]] = {}
        for endpoint_slice in sorted(existing, key=lambda s: meta(s)["name"]):
            group = desired.get(_ports_key(endpoint_slice.get("ports") or []))
            if endpoint_slice.get("addressType") != ADDRESS_TYPE_IPV4 or group is None:
                to_delete.append(endpoint_slice)
                continue
            remaining = group[1]
            endpoints = []
            changed = False
            for endpoint in endpoint_slice.get("endpoints") or []:
                wanted = remaining.pop(_endpoint_key(endpoint), None)
                if wanted is None:
                    changed = True
                    continue
                changed = changed or wanted != endpoint
                endpoints.append(wanted)
            if not endpoints and endpoint_slice.get("endpoints"):
                to_delete.append(endpoint_slice)
                continue
            updated = {**endpoint_slice, "endpoints": endpoints}
            changed = changed or meta(endpoint_slice).get("labels") != self._labels
            kept.setdefault(_ports_key(endpoint_slice.get("ports") or []), []).append((updated, changed))
        for key, (ports, remaining) in desired.items():
            slices = kept.get(key, [])
            # New endpoints in address order: the same slices however the pods happen to be named.
            left = sorted(remaining.values(), key=lambda e: ipaddress.ip_address(e["addresses"][0]))
            # Fill slices that change anyway first, then those with the most endpoints (fewest slices touched).
            for index, (endpoint_slice, _) in sorted(
                enumerate(slices), key=lambda item: (not item[1][1], -len(item[1][0]["endpoints"]))
            ):
                room = MAX_ENDPOINTS_PER_SLICE - len(endpoint_slice["endpoints"])
                if left and room > 0:
                    endpoint_slice["endpoints"] = [*endpoint_slice["endpoints"], *left[:room]]
                    left = left[room:]
                    slices[index] = (endpoint_slice, True)
            while left:
                to_create.append(self._new_slice(ports, left[:MAX_ENDPOINTS_PER_SLICE]))
                left = left[MAX_ENDPOINTS_PER_SLICE:]
        for endpoint_slice, changed in (item for slices in kept.values() for item in slices):
            if not endpoint_slice["endpoints"]:
                to_delete.append(endpoint_slice)  # a placeholder that the filling passed over
            elif changed:
                to_update.append(endpoint_slice)
        self._write(to_create, to_update, to_delete)

    def _keep_placeholder(self, existing: list[Object]) -> None:
        """A Service without endpoints keeps one placeholder slice (no endpoints, no ports), so clients see it was processed."""
        placeholder = next(
            (
                s
                for s in sorted(existing, key=lambda s: meta(s)["name"])
                if s.get("addressType") == ADDRESS_TYPE_IPV4 and not s.get("endpoints") and not s.get("ports")
            ),
            None,
        )
        to_delete = [s for s in existing if s is not placeholder]
        if placeholder is None:
            self._write([self._new_slice([], [])], [], to_delete)
        elif meta(placeholder).get("labels") != self._labels:
            self._write([], [placeholder], to_delete)
        else:
            self._write([], [], to_delete)

    def _new_slice(self, ports: list[dict[str, Any]], endpoints: list[dict[str, Any]]) -> Object:
        """newEndpointSlice: named after the Service with a generated suffix, controlled by it."""
        service_meta = meta(self._service)
        return {
            "metadata": {
                "generateName": f"{service_meta['name']}-",
                "namespace": self._namespace,
                "labels": dict(self._labels),
                "ownerReferences": [new_controller_ref(self._service, "v1", "Service")],
            },
            "addressType": ADDRESS_TYPE_IPV4,
            "endpoints": endpoints,
            "ports": ports,
        }

    def _write(self, to_create: list[Object], to_update: list[Object], to_delete: list[Object]) -> None:
        """finalize: creates, then updates, then deletes, each stamped with the trigger time.

        A slice about to be deleted is reused for one about to be created (updated under its
        name), when the Service owns it: fewer objects change for watchers.
        """
        owner_uid = meta(self._service).get("uid")
        for old in list(to_delete):
            if not to_create:
                break
            if old.get("addressType") == ADDRESS_TYPE_IPV4 and any(
                r.get("uid") == owner_uid for r in meta(old).get("ownerReferences") or []
            ):
                reused = to_create.pop()
                old_meta = meta(old)
                reused["metadata"] = {
                    **reused["metadata"],
                    "name": old_meta["name"],
                    "resourceVersion": old_meta.get("resourceVersion"),
                }
                reused["metadata"].pop("generateName")
                to_update.append(reused)
                to_delete.remove(old)
        for endpoint_slice in to_create:
            endpoint_slice["metadata"]["annotations"] = {LAST_CHANGE_TRIGGER_TIME: self._trigger_time}
            self._controller.create(self._namespace, endpoint_slice)
        for endpoint_slice in to_update:
            slice_meta = dict(meta(endpoint_slice))
            slice_meta["labels"] = dict(self._labels)
            slice_meta["annotations"] = {
                **(slice_meta.get("annotations") or {}),
                LAST_CHANGE_TRIGGER_TIME: self._trigger_time,
            }
            self._controller.update(
                {**endpoint_slice, "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": slice_meta}
            )
        for endpoint_slice in to_delete:
            self._controller.delete(endpoint_slice)
