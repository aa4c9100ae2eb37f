"""ControllerContext (cmd/kube-controller-manager/app/controllermanager.go): what every built-in controller is built from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fakeapi.controllers.base import EnqueueLog
from fakeapi.controllers.client import LoopbackClient, RequestFunc, ResourceCatalog
from fakeapi.controllers.informer import InformerFactory


@dataclass
class ControllerContext:
    """The shared informers, the served resources, loopback requests, the enqueue log and the cluster CA."""

    informers: InformerFactory
    resources: ResourceCatalog
    request: RequestFunc
    log: EnqueueLog
    # The cluster CA bundle (PEM), read when it is needed so a rotated CA is published.
    root_ca: Callable[[], bytes]
    # Where a background sync's unexpected failure goes, so the server's check() re-raises it in the test.
    record_error: Callable[[BaseException], None]

    def client(self, service_account: str) -> LoopbackClient:
        """A client for one controller; upstream each controller uses its own kube-system service account."""
        return LoopbackClient(self.request, service_account)
