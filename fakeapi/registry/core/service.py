"""Services (pkg/registry/core/service): defaults, cluster IPs from the service CIDR, node ports.

Mirrors the ClusterIP and NodePort allocators of pkg/registry/core/service/ipallocator and
portallocator, reduced to one IPv4 family. Both keep the low end of their range for addresses
and ports asked for by name (calculateRangeOffset) and hand out the rest first; upstream picks
at random in each band, here in order, so runs repeat.
"""

from __future__ import annotations

import ipaddress
import threading
from typing import Any

from fakeapi.apimachinery import errors, field
from fakeapi.apimachinery.field import FieldError
from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.core.service_validation import HEADLESS, validate_service
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.registry.strategy import Strategy
from fakeapi.storage.interfaces import Object
from fakeapi.util.identity import IdentityGenerator

DEFAULT_SERVICE_CIDR = "10.96.0.0/12"
# kube-apiserver refuses a --service-cluster-ip-range with more host bits than this
# (cmd/kube-apiserver/app/options/validation.go, maxCIDRBits).
MAX_CIDR_BITS = 20
# The kubernetes Service takes the range's first address (pkg/controlplane/services.go ServiceIPRange);
# kubeadm gives kube-dns the tenth (cmd/kubeadm/app/constants GetDNSIP).
KUBERNETES_SERVICE_IP_INDEX = 1
DNS_SERVICE_IP_INDEX = 10
NODE_PORT_RANGE = range(30000, 32768)


class AllocationError(ValueError):
    pass


def static_band(size: int, *, minimum: int, maximum: int, step: int) -> int:
    """calculateRangeOffset: how much of the low end of a range of ``size`` is kept for static
    allocation, min(max(minimum, size/step), maximum), or nothing for a range of ``minimum`` or less."""
    if size <= minimum:
        return 0
    return min(max(minimum, size // step), maximum)


# portallocator's band of the default range: its first 86 ports.
NODE_PORT_STATIC_BAND = static_band(len(NODE_PORT_RANGE), minimum=16, maximum=128, step=32)


def _dynamic_first(count: int, band: int, position: int) -> int:
    """The ``position``-th of ``count`` slots in the order they are handed out: past the static band, then in it."""
    dynamic = count - band
    return band + position if position < dynamic else position - dynamic


def claim_allocations(service: Object, ips: ServiceIPAllocator, node_ports: NodePortAllocator) -> None:
    """Mark the cluster IP and node ports of a Service put back in storage as its own again."""
    spec = service.get("spec") or {}
    owner = service["metadata"]["uid"]
    if spec.get("clusterIP") and spec["clusterIP"] != HEADLESS:
        ips.allocate(owner, spec["clusterIP"])
    for port in spec.get("ports") or []:
        if port.get("nodePort"):
            node_ports.allocate(owner, port["nodePort"])


def parse_service_cidr(cidr: str) -> ipaddress.IPv4Network:
    """A --service-cluster-ip-range as kube-apiserver accepts it: one IPv4 CIDR, at most 2^20 addresses.

    Messages as getServiceIPAndRanges (pkg/controlplane/apiserver/options) and validateMaxCIDRRange
    (cmd/kube-apiserver/app/options/validation.go); host bits are ignored, as ParseCIDRSloppy does.

    Raises:
        ValueError: For a range that does not parse, is IPv6 (one family only here) or is too large.
    """
    try:
        network = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError as exc:
        raise ValueError("service-cluster-ip-range[0] is not a valid cidr") from exc
    if not isinstance(network, ipaddress.IPv4Network):
        raise ValueError(f"service-cluster-ip-range[0] {cidr} is IPv6: only IPv4 service ranges are served")
    if network.max_prefixlen - network.prefixlen > MAX_CIDR_BITS:
        raise ValueError(
            f"specified --service-cluster-ip-range is too large; for {network.max_prefixlen}-bit addresses, "
            f"the mask must be >= {network.max_prefixlen - MAX_CIDR_BITS}"
        )
    return network


def indexed_ip(network: ipaddress.IPv4Network, index: int) -> str:
    """The address ``index`` places after the network's (k8s.io/utils/net GetIndexedIP)."""
    if index >= network.num_addresses:
        raise ValueError(f"can't generate IP with index {index} from subnet. subnet too small. subnet: {network}")
    return str(network.network_address + index)


class ServiceIPAllocator:
    """Allocates cluster IPs from one CIDR; the network and broadcast addresses are never used.

    Each address remembers its owner (the Service's uid), so releasing on behalf of a
    create that failed can never free an address another Service holds.
    """

    def __init__(self, cidr: str = DEFAULT_SERVICE_CIDR) -> None:
        self.network = parse_service_cidr(cidr)
        self._lock = threading.Lock()
        self._allocated: dict[str, str] = {}
        # Addresses 1 .. size (past the network's); ipallocator's band for a /12 is 256 addresses.
        self._size = self.network.num_addresses - 2
        self._band = static_band(self.network.num_addresses, minimum=16, maximum=256, step=16)
        # Where the next search starts, in handing-out order: addresses go round, as upstream does not
        # give a released address back at once either.
        self._position = 0

    def allocate(self, owner: str, requested: str | None = None) -> str:
        with self._lock:
            if requested:
                try:
                    address = ipaddress.ip_address(requested)
                except ValueError as exc:
                    raise AllocationError(f"failed to allocate IP {requested}: not a valid IP address") from exc
                if address not in self.network or address in (
                    self.network.network_address,
                    self.network.broadcast_address,
                ):
                    raise AllocationError(
                        f"failed to allocate IP {requested}: provided IP is not in the valid range. "
                        f"The range of valid IPs is {self.network}"
                    )
                if requested in self._allocated:
                    raise AllocationError(f"failed to allocate IP {requested}: provided IP is already allocated")
                self._allocated[requested] = owner
                return requested
            for _ in range(self._size):
                index = 1 + _dynamic_first(self._size, self._band, self._position)
                self._position = (self._position + 1) % self._size
                candidate = str(self.network.network_address + index)
                if candidate not in self._allocated:
                    self._allocated[candidate] = owner
                    return candidate
            raise AllocationError("failed to allocate a serviceIP: range is full")

    def reset(self) -> None:
        with self._lock:
            self._allocated.clear()
            self._position = 0

    def release(self, owner: str, address: str) -> None:
        with self._lock:
            if self._allocated.get(address) == owner:
                del self._allocated[address]


class NodePortAllocator:
    """Allocates node ports, owner-aware like the IP allocator."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._allocated: dict[int, str] = {}

    def allocate(self, owner: str, requested: int | None = None) -> int:
        with self._lock:
            if requested:
                if requested not in NODE_PORT_RANGE:
                    raise AllocationError(
                        f"provided port is not in the valid range. The range of valid ports is "
                        f"{NODE_PORT_RANGE.start}-{NODE_PORT_RANGE.stop - 1}"
                    )
                if requested in self._allocated:
                    raise AllocationError("provided port is already allocated")
                self._allocated[requested] = owner
                return requested
            for position in range(len(NODE_PORT_RANGE)):
                port = NODE_PORT_RANGE.start + _dynamic_first(len(NODE_PORT_RANGE), NODE_PORT_STATIC_BAND, position)
                if port not in self._allocated:
                    self._allocated[port] = owner
                    return port
            raise AllocationError("range is full")

    def reset(self) -> None:
        with self._lock:
            self._allocated.clear()

    def release(self, owner: str, port: int) -> None:
        with self._lock:
            if self._allocated.get(port) == owner:
                del self._allocated[port]


def _default_service_spec(spec: dict[str, Any]) -> None:
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    if spec["type"] != "ExternalName":
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        spec.setdefault("internalTrafficPolicy", "Cluster")
    if spec["type"] in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    for port in spec.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            if "port" in port:
                port.setdefault("targetPort", port["port"])


class ServiceStrategy(Strategy):
    def __init__(
        self,
        spec: ResourceSpec,
        schemas: SchemaRegistry,
        identity: IdentityGenerator,
        ips: ServiceIPAllocator,
        node_ports: NodePortAllocator,
    ) -> None:
        super().__init__(spec, schemas, identity)
        self.ips = ips
        self.node_ports = node_ports

    def prepare_for_create(self, ctx: RequestContext, obj: Object) -> None:
        super().prepare_for_create(ctx, obj)
        obj["status"] = {"loadBalancer": {}}
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return
        _default_service_spec(spec)
        errs = self._allocate(spec, (obj.get("metadata") or {}).get("uid") or "")
        if errs:
            # Allocation runs in BeginCreate upstream, so its failures are reported on their own.
            self.release_resources(obj)
            meta = obj.get("metadata") or {}
            raise errors.new_invalid(self.spec.gvk.group_kind, meta.get("name") or "", errs)

    def _allocate(self, spec: dict[str, Any], owner: str) -> list[FieldError]:
        errs: list[FieldError] = []
        if spec["type"] != "ExternalName":
            requested = spec.get("clusterIP") or (spec.get("clusterIPs") or [None])[0]
            if requested != HEADLESS:
                try:
                    spec["clusterIP"] = self.ips.allocate(owner, requested)
                except AllocationError as exc:
                    errs.append(field.invalid("spec.clusterIPs", spec.get("clusterIPs") or [requested], str(exc)))
            if spec.get("clusterIP"):
                spec["clusterIPs"] = [spec["clusterIP"]]
        if spec["type"] in ("NodePort", "LoadBalancer"):
            for i, port in enumerate(spec.get("ports") or []):
                if not isinstance(port, dict):
                    continue
                try:
                    port["nodePort"] = self.node_ports.allocate(owner, port.get("nodePort"))
                except AllocationError as exc:
                    errs.append(field.invalid(f"spec.ports[{i}].nodePort", port.get("nodePort"), str(exc)))
        return errs

    def prepare_for_update(self, ctx: RequestContext, obj: Object, old: Object) -> None:
        super().prepare_for_update(ctx, obj, old)
        spec, old_spec = obj.get("spec"), old.get("spec") or {}
        if not isinstance(spec, dict):
            return
        _default_service_spec(spec)
        # Allocated values the client left out are kept (patchAllocatedValues).
        for key in ("clusterIP", "clusterIPs"):
            if not spec.get(key) and old_spec.get(key):
                spec[key] = old_spec[key]
        old_ports = {p.get("port"): p for p in old_spec.get("ports") or [] if isinstance(p, dict)}
        for port in spec.get("ports") or []:
            if (
                isinstance(port, dict)
                and not port.get("nodePort")
                and old_ports.get(port.get("port"), {}).get("nodePort")
            ):
                port["nodePort"] = old_ports[port["port"]]["nodePort"]

    def validate(self, ctx: RequestContext, obj: Object) -> list[FieldError]:
        return validate_service(obj)

    def validate_update(self, ctx: RequestContext, obj: Object, old: Object) -> list[FieldError]:
        errs = validate_service(obj)
        new_ip = (obj.get("spec") or {}).get("clusterIP")
        old_ip = (old.get("spec") or {}).get("clusterIP")
        if old_ip and new_ip != old_ip:
            errs.append(field.invalid("spec.clusterIPs[0]", new_ip, "may not change once set"))
        return errs

    def release_resources(self, obj: Object) -> None:
        spec = obj.get("spec") or {}
        owner = (obj.get("metadata") or {}).get("uid") or ""
        if spec.get("clusterIP") and spec["clusterIP"] != HEADLESS:
            self.ips.release(owner, spec["clusterIP"])
        for port in spec.get("ports") or []:
            if isinstance(port, dict) and port.get("nodePort"):
                self.node_ports.release(owner, port["nodePort"])
