"""The Endpoints controller: one Endpoints object per Service with a selector, listing its pods.

Follows pkg/controller/endpoint/endpoints_controller.go. A Service is queued when it changes,
when a pod it selects (before or after the change) changes, and when its Endpoints object is
deleted. The sync lists the pods the selector matches; each pod with an IP that has not
finished becomes an address (ip, nodeName, hostname under the Service's subdomain, targetRef)
for each Service port whose targetPort the pod has, among ``addresses`` when it is Ready (or
the Service publishes not-ready addresses) and ``notReadyAddresses`` otherwise; terminating
pods only count when not-ready addresses are published. The subsets are packed as
pkg/api/v1/endpoints.RepackSubsets does: addresses that offer the same ports share a subset.
The Endpoints object carries the Service's labels, ``endpoints.kubernetes.io/managed-by``,
``service.kubernetes.io/headless`` for headless Services and the last-change-trigger-time
annotation; it is written only when its content changes, and deleted with its Service.
"""

from __future__ import annotations

import json
from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.controllers.base import retry_on_conflict
from fakeapi.controllers.client import has_status_cause
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.controller_utils import is_pod_ready, meta, spec_of, status_of
from fakeapi.controllers.endpointsliceutil import (
    IS_HEADLESS_SERVICE,
    LAST_CHANGE_TRIGGER_TIME,
    ServiceEndpointsController,
    ServiceKey,
    find_port,
    is_headless,
    last_change_trigger_time,
    selects,
    service_selector,
    should_pod_be_in_endpoints,
    should_set_hostname,
    target_ref,
)
from fakeapi.controllers.informer import ResourceEventHandlerFuncs
from fakeapi.registry.generic.admission import NAMESPACE_TERMINATING_CAUSE
from fakeapi.storage.interfaces import Object

NAME = "endpoint"
SERVICE_ACCOUNT = "endpoint-controller"
ENDPOINTS_PREFIX = "endpoints"
# LabelManagedBy / ControllerName: which controller keeps an Endpoints object.
LABEL_MANAGED_BY = "endpoints.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpoint-controller"
MAX_CONFLICT_RETRIES = 5


class EndpointsController(ServiceEndpointsController):
    """Keys are (namespace, name) of Services."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx, NAME, SERVICE_ACCOUNT, self._sync_service)
        self._endpoints = ctx.informers.lister(ENDPOINTS_PREFIX)
        ctx.informers.add_event_handler(
            ENDPOINTS_PREFIX,
            ResourceEventHandlerFuncs(delete=lambda ep: self._enqueue_service(ep, "endpoints deleted")),
        )

    def _sync_service(self, key: ServiceKey) -> None:
        namespace, name = key
        service = self._services.get(namespace, name)
        if service is None:
            # The Service is gone: so are its endpoints (our own or not, as upstream).
            if self._endpoints.get(namespace, name) is not None:
                self._delete_endpoints(namespace, name)
            return
        selector = service_selector(service)
        if spec_of(service).get("type") == "ExternalName" or selector is None:
            return
        pods = [pod for pod in self._pods.list(namespace) if selects(selector, pod)]
        subsets = repack_subsets(self._subsets(service, pods))
        retry_on_conflict(
            MAX_CONFLICT_RETRIES,
            lambda: self._write(service, subsets, last_change_trigger_time(service, pods)),
            f"endpoints {namespace}/{name} kept conflicting",
        )

    def _subsets(self, service: Object, pods: list[Object]) -> list[dict[str, Any]]:
        """One subset per pod, as the sync loop builds them before repacking."""
        publish_not_ready = bool(spec_of(service).get("publishNotReadyAddresses"))
        service_ports = spec_of(service).get("ports") or []
        subsets: list[dict[str, Any]] = []
        for pod in pods:
            if not should_pod_be_in_endpoints(pod, publish_not_ready):
                continue
            address = _address(pod, service)
            field = "addresses" if publish_not_ready or is_pod_ready(pod) else "notReadyAddresses"
            if not service_ports:
                # Only a headless Service may have no ports; its addresses are still published.
                if is_headless(service):
                    subsets.append({field: [address]})
                continue
            for service_port in service_ports:
                number = find_port(pod, service_port)
                if number is None:
                    continue
                subsets.append({field: [address], "ports": [_endpoint_port(service_port, number)]})
        return subsets

    def _write(self, service: Object, subsets: list[dict[str, Any]], trigger_time: str) -> None:
        service_meta = meta(service)
        namespace, name = service_meta.get("namespace") or "", service_meta["name"]
        current = self._endpoints.get(namespace, name)
        labels = dict(service_meta.get("labels") or {})
        labels.pop(IS_HEADLESS_SERVICE, None)
        if is_headless(service):
            labels[IS_HEADLESS_SERVICE] = ""
        labels[LABEL_MANAGED_BY] = CONTROLLER_NAME
        if current is not None and (current.get("subsets") or []) == subsets and meta(current).get("labels") == labels:
            return
        annotations = dict(meta(current).get("annotations") or {}) if current is not None else {}
        annotations[LAST_CHANGE_TRIGGER_TIME] = trigger_time
        endpoints: Object = {"metadata": {"name": name, "namespace": namespace, "labels": labels}}
        endpoints["metadata"]["annotations"] = annotations
        if subsets:
            endpoints["subsets"] = subsets
        spec = self._ctx.spec(ENDPOINTS_PREFIX)
        if current is None:
            try:
                self._client.create(spec, namespace, endpoints)
            except errors.StatusError as exc:
                # A namespace being deleted takes its Services with it; nothing to publish.
                if not has_status_cause(exc, NAMESPACE_TERMINATING_CAUSE):
                    raise
            return
        endpoints["metadata"]["resourceVersion"] = meta(current).get("resourceVersion")
        self._client.update(spec, {"apiVersion": "v1", "kind": "Endpoints", **endpoints})

    def _delete_endpoints(self, namespace: str, name: str) -> None:
        try:
            self._client.delete(self._ctx.spec(ENDPOINTS_PREFIX), namespace, name)
        except errors.StatusError as exc:
            if exc.code != 404:
                raise


def _address(pod: Object, service: Object) -> dict[str, Any]:
    """podToEndpointAddressForService."""
    pod_spec = spec_of(pod)
    address: dict[str, Any] = {"ip": status_of(pod).get("podIP") or (status_of(pod).get("podIPs") or [{}])[0].get("ip")}
    if should_set_hostname(pod, service):
        address["hostname"] = pod_spec["hostname"]
    if pod_spec.get("nodeName"):
        address["nodeName"] = pod_spec["nodeName"]
    address["targetRef"] = target_ref(pod)
    return address


def _endpoint_port(service_port: dict[str, Any], number: int) -> dict[str, Any]:
    """endpointPortFromServicePort."""
    port: dict[str, Any] = {}
    if service_port.get("name"):
        port["name"] = service_port["name"]
    port["port"] = number
    port["protocol"] = service_port.get("protocol") or "TCP"
    if service_port.get("appProtocol"):
        port["appProtocol"] = service_port["appProtocol"]
    return port


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def repack_subsets(subsets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """endpoints.RepackSubsets: one subset per distinct set of addresses, with every port they all offer.

    An address (keyed by IP and pod uid) may be ready for one port and not for another; each
    port maps the addresses offering it to their readiness, and ports whose maps are equal
    share a subset. Addresses are sorted by IP and pod, ports by name and number, subsets by
    their first address: upstream's SortSubsets orders by hashes, which fixes an order but
    not this one.
    """
    addresses: dict[tuple[str, str], dict[str, Any]] = {}
    by_port: dict[str, dict[tuple[str, str], bool]] = {}
    ports: dict[str, dict[str, Any] | None] = {}
    for given in subsets:
        for field, ready in (("addresses", True), ("notReadyAddresses", False)):
            for address in given.get(field) or []:
                key = (address["ip"], (address.get("targetRef") or {}).get("uid") or "")
                addresses.setdefault(key, address)
                # A subset without ports keeps its addresses under a sentinel port.
                for port in given.get("ports") or [None]:
                    port_key = _canonical(port)
                    ports[port_key] = port
                    by_port.setdefault(port_key, {})[key] = ready
    grouped: dict[str, tuple[dict[tuple[str, str], bool], list[dict[str, Any]]]] = {}
    for port_key, members in by_port.items():
        group = grouped.setdefault(_canonical(sorted(members.items())), (members, []))
        port = ports[port_key]
        if port is not None:
            group[1].append(port)
    result = []
    for members, group_ports in grouped.values():
        subset: dict[str, Any] = {}
        ready_addresses = [addresses[key] for key in sorted(members) if members[key]]
        not_ready = [addresses[key] for key in sorted(members) if not members[key]]
        if ready_addresses:
            subset["addresses"] = ready_addresses
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        if group_ports:
            subset["ports"] = sorted(group_ports, key=lambda p: (p.get("name") or "", p["port"], p["protocol"]))
        result.append(subset)
    return sorted(result, key=lambda s: _canonical([*(s.get("addresses") or []), *(s.get("notReadyAddresses") or [])]))
