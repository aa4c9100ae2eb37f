"""From a Service reference to the address a webhook is called at.

kube-apiserver resolves a webhook's ``service`` through the Service's EndpointSlices when it
routes to endpoints (k8s.io/apiserver/pkg/util/proxy/proxy.go ResolveEndpoint and
RandomEndpoint), so a test can point a Service without a selector at 127.0.0.1 with an
EndpointSlice (or an Endpoints object, which upstream's EndpointSlice mirroring controller would
copy into a slice). Where upstream picks a random ready endpoint, this picks the first, so a run
is repeatable. ``MappedServiceResolver`` puts fixed addresses in front (what the pytest plugin's
``map_webhook_service`` sets), for a test that wants no Service objects at all.

An endpoint that is a simulated pod's address is never dialled: nothing runs behind it, and the
address may well belong to a real network. Its port reaches what a test led it to (the container
runtime's ``port_forward`` to a local address); a port nothing serves is refused at once, as a pod
that does not listen refuses a connection.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.schema import GroupResource
from fakeapi.storage.interfaces import Object

_SERVICES = ("", "v1", "services")
_PODS = ("", "v1", "pods")
_ENDPOINT_SLICES = ("discovery.k8s.io", "v1", "endpointslices")
_ENDPOINTS = ("", "v1", "endpoints")
_SERVICE_NAME_LABEL = "kubernetes.io/service-name"  # discoveryv1.LabelServiceName
_RESOLVABLE_TYPES = ("ClusterIP", "LoadBalancer", "NodePort")


class PodPorts(Protocol):
    """The simulated pods' network: which addresses are theirs, and where one of their ports leads."""

    def owns(self, address: str) -> bool: ...

    def serving(self, pod: Object, port: int) -> tuple[str, int] | None:
        """The local address that serves ``port`` of ``pod``, or None when nothing does."""
        ...


class EndpointRefused(Exception):
    """A simulated pod's port that nothing serves: a connection to ``address`` would be refused."""

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(f"{address[0]}:{address[1]}")
        self.address = address


class ServiceResolver(Protocol):
    """webhook.ServiceResolver: a Service's name, namespace and port → (host, port) to dial."""

    def resolve_endpoint(self, namespace: str, name: str, port: int) -> tuple[str, int]: ...


class ObjectReader(Protocol):
    """What the resolver reads: stored objects by (group, version, resource)."""

    def get(self, gvr: tuple[str, str, str], namespace: str, name: str) -> Object | None: ...

    def list(self, gvr: tuple[str, str, str], namespace: str | None = None) -> list[Object]: ...


class EndpointServiceResolver:
    """proxy.ResolveEndpoint over the server's Services, EndpointSlices and Endpoints."""

    def __init__(self, reader: ObjectReader, pod_ports: PodPorts | None = None) -> None:
        self._reader = reader
        self._pod_ports = pod_ports

    def resolve_endpoint(self, namespace: str, name: str, port: int) -> tuple[str, int]:
        service = self._reader.get(_SERVICES, namespace, name)
        if service is None:
            # What the Service lister answers for a missing Service.
            raise errors.new_not_found(GroupResource("", "service"), name)
        spec = service.get("spec") or {}
        service_type = spec.get("type") or "ClusterIP"
        if service_type not in _RESOLVABLE_TYPES:
            raise ValueError(f'unsupported service type "{service_type}"')
        port_name = _service_port_name(spec, name, port)
        for host, target_port, target_ref in self._slice_addresses(namespace, name, port_name):
            return self._dialled(namespace, host, target_port, target_ref)
        raise errors.new_service_unavailable(f'no endpoints available for service "{name}"')

    def _dialled(self, namespace: str, host: str, port: int, target_ref: Any) -> tuple[str, int]:
        """The endpoint's address, or for a simulated pod what serves its port (EndpointRefused if nothing)."""
        if self._pod_ports is None or not self._pod_ports.owns(host):
            return host, port
        pod = None
        if isinstance(target_ref, dict) and target_ref.get("kind") == "Pod":
            pod = self._reader.get(_PODS, str(target_ref.get("namespace") or namespace), str(target_ref.get("name")))
        served = None if pod is None else self._pod_ports.serving(pod, port)
        if served is None:
            raise EndpointRefused((host, port))
        return served

    def _slice_addresses(self, namespace: str, name: str, port_name: str) -> list[tuple[str, int, Any]]:
        """Ready endpoints (address, port, targetRef) of the Service's slices, then of its Endpoints, in stored order."""
        found: list[tuple[str, int, Any]] = []
        for endpoint_slice in self._reader.list(_ENDPOINT_SLICES, namespace):
            labels = (endpoint_slice.get("metadata") or {}).get("labels") or {}
            if labels.get(_SERVICE_NAME_LABEL) != name:
                continue
            for slice_port in endpoint_slice.get("ports") or []:
                if (slice_port.get("name") or "") != port_name or slice_port.get("port") is None:
                    continue
                for endpoint in endpoint_slice.get("endpoints") or []:
                    if (endpoint.get("conditions") or {}).get("ready") is False or not endpoint.get("addresses"):
                        continue
                    found.append((str(endpoint["addresses"][0]), int(slice_port["port"]), endpoint.get("targetRef")))
        if found:
            return found
        endpoints = self._reader.get(_ENDPOINTS, namespace, name) or {}
        for subset in endpoints.get("subsets") or []:
            for subset_port in subset.get("ports") or []:
                if (subset_port.get("name") or "") != port_name:
                    continue
                found.extend(
                    (str(a.get("ip")), int(subset_port["port"]), a.get("targetRef"))
                    for a in subset.get("addresses") or []
                )
        return found


def _service_port_name(spec: Object, name: str, port: int) -> str:
    """findServicePort: the name of the Service port numbered ``port``."""
    for service_port in spec.get("ports") or []:
        if service_port.get("port") == port:
            return str(service_port.get("name") or "")
    raise errors.new_service_unavailable(f'no service port {port} found for service "{name}"')


class MappedServiceResolver:
    """Fixed addresses for some Services, the delegate's answer for the others."""

    def __init__(self, delegate: ServiceResolver, addresses: Mapping[tuple[str, str, int], tuple[str, int]]) -> None:
        self._delegate = delegate
        self._addresses = addresses

    def resolve_endpoint(self, namespace: str, name: str, port: int) -> tuple[str, int]:
        address = self._addresses.get((namespace, name, port))
        if address is not None:
            return address
        return self._delegate.resolve_endpoint(namespace, name, port)
