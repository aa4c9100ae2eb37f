"""The simulated pods' ports as the rest of the server reaches them (webhooks served by a pod).

No process runs behind a simulated pod's address, so what one of its ports answers is what a
test led it to with the container runtime's ``port_forward`` rule: a local (host, port). A
rule with a callable target serves port-forward streams only; for a webhook, a port without a
local address is a port nothing listens on.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from fakeapi.kubelet.config import POD_NETWORK
from fakeapi.kubelet.container_runtime import ContainerRuntime
from fakeapi.storage.interfaces import Object

_POD_NETWORK = ipaddress.ip_network(POD_NETWORK)


class SimulatedPodPorts:
    """``PodPorts`` (fakeapi.util.webhook.serviceresolver) over the kubelets' pod network and the container runtime."""

    def __init__(self, runtime: Callable[[], ContainerRuntime]) -> None:
        self._runtime = runtime

    def owns(self, address: str) -> bool:
        try:
            return ipaddress.ip_address(address) in _POD_NETWORK
        except ValueError:
            return False

    def serving(self, pod: Object, port: int) -> tuple[str, int] | None:
        target = self._runtime().forward_target(pod, port)
        return target if isinstance(target, tuple) else None
