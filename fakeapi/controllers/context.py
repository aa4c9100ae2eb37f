"""ControllerContext (cmd/kube-controller-manager/app/controllermanager.go): what every built-in controller is built from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fakeapi.controllers.base import EnqueueLog
from fakeapi.controllers.client import LoopbackClient, RequestFunc, ResourceCatalog
from fakeapi.controllers.informer import InformerFactory
from fakeapi.controllers.record import EVENTS_PREFIX, EventLog, EventRecorder
from fakeapi.kubelet.config import ClusterConfig
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.util.identity import IdentityGenerator


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
    # The server's uids, generated names and container IDs (seeded with the server).
    identity: IdentityGenerator = field(default_factory=IdentityGenerator)
    # What every recorder names its events after (reset with the server).
    event_log: EventLog = field(default_factory=EventLog)
    # The simulated cluster's nodes and timing (read by the scheduler, kubelets and node-aware controllers).
    cluster: ClusterConfig = field(default_factory=ClusterConfig)

    def client(self, service_account: str) -> LoopbackClient:
        """A client for one controller; upstream each controller uses its own kube-system service account."""
        return LoopbackClient(self.request, service_account)

    def recorder(self, client: LoopbackClient, component: str) -> EventRecorder:
        """An event recorder reporting as ``component``, writing with the controller's client."""
        return EventRecorder(client, lambda: self.spec(EVENTS_PREFIX), component, self.event_log)

    def spec(self, prefix: str) -> ResourceSpec:
        """The served resource at a storage prefix (``pods``, ``apps/deployments``); raises when it is not served."""
        store = self.resources.by_prefix(prefix)
        if store is None:
            raise RuntimeError(f"{prefix} are not served")
        return store.spec
