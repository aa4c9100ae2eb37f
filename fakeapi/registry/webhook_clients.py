"""The webhook clients of one server, shared by admission and conversion webhooks.

kube-apiserver builds one ClientManager for its admission webhooks and one for conversion; both
resolve Services the same way. Here one manager serves both, made at the first webhook call so
a server that never calls one imports none of the client code. Addresses a test maps with
``map_service`` come before the Service's own endpoints; an endpoint that is a simulated pod is
reached through the container runtime's rules (``fakeapi.kubelet.pod_ports``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from fakeapi.admission.reader import StoreReader

if TYPE_CHECKING:
    from fakeapi.kubelet.container_runtime import ContainerRuntime
    from fakeapi.util.webhook.client import ClientManager


class WebhookClients:
    """The server's webhook ClientManager, made on first use, and the Service addresses a test fixed."""

    def __init__(
        self, stores: Mapping[tuple[str, str, str], Any], container_runtime: Callable[[], ContainerRuntime] | None
    ) -> None:
        self._stores = stores
        self._container_runtime = container_runtime
        self._addresses: dict[tuple[str, str, int], tuple[str, int]] = {}
        self._manager: ClientManager | None = None
        self._lock = threading.Lock()

    def manager(self) -> ClientManager:
        with self._lock:
            if self._manager is None:
                from fakeapi.kubelet.pod_ports import SimulatedPodPorts
                from fakeapi.util.webhook.client import ClientManager
                from fakeapi.util.webhook.serviceresolver import EndpointServiceResolver, MappedServiceResolver

                runtime = self._container_runtime
                pod_ports = None if runtime is None else SimulatedPodPorts(runtime)
                self._manager = ClientManager(
                    MappedServiceResolver(
                        EndpointServiceResolver(StoreReader(self._stores), pod_ports), self._addresses
                    )
                )
            return self._manager

    def map_service(self, namespace: str, name: str, port: int, address: tuple[str, int]) -> None:
        """Call webhooks that name Service ``namespace/name`` port ``port`` at ``address``."""
        with self._lock:
            self._addresses[(namespace, name, port)] = address

    def reset(self) -> None:
        """Forget mapped addresses and close kept-alive connections (a test's end)."""
        with self._lock:
            self._addresses.clear()
            manager, self._manager = self._manager, None
        if manager is not None:
            manager.close()
