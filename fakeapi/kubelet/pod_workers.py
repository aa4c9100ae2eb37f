"""One pod's lifecycle on a simulated node (pkg/kubelet/pod_workers.go: SyncPod, SyncTerminatingPod).

A pod that is not being deleted is run: the kubelets' policy (the test's pod rules over the
cluster's default policy, ``fakeapi.kubelet.behaviour``) says what its containers do, and
the status manager reports it. A pod being deleted is terminated: its containers are stopped
(the policy's ``terminate``), the final status is written, and the pod is deleted for good
(grace 0, uid precondition). By default that happens on the first sync after the delete; with
``ClusterConfig.honor_grace_period`` the containers take the whole grace period to stop.
A pod that reached Succeeded or Failed is left alone, as the kubelet does with terminal pods.
"""

from __future__ import annotations

from collections.abc import Callable

from fakeapi.controllers.controller_utils import is_pod_terminal, meta, status_of
from fakeapi.kubelet.config import ClusterConfig
from fakeapi.kubelet.policy import PodContext, PodPolicy, PodStep
from fakeapi.kubelet.status_manager import NewContainerID, StatusManager, generate_pod_status
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import parse_time, utc_now

# The pod's addresses on its node: (hostIP, podIP).
AddressFunc = Callable[[Object], tuple[str, str]]


class PodWorkers:
    """Syncs pods bound to simulated nodes; ``sync`` says when a pod wants to be looked at again."""

    def __init__(
        self,
        cluster: ClusterConfig,
        policy: PodPolicy,
        status_manager: StatusManager,
        addresses: AddressFunc,
        new_id: NewContainerID,
    ) -> None:
        self._cluster = cluster
        self._policy = policy
        self._new_id = new_id
        self._status = status_manager
        self._addresses = addresses

    def _context(self, pod: Object) -> PodContext:
        now = utc_now()
        started = status_of(pod).get("startTime")
        return PodContext(
            pod=pod,
            now=now,
            started=parse_time(started) if started else now,
            ready_delay_seconds=self._cluster.pod_ready_delay_seconds,
        )

    def sync(self, pod: Object) -> float | None:
        """Move the pod one step on its course; seconds until it should be synced again, or None."""
        if meta(pod).get("deletionTimestamp"):
            return self._sync_terminating(pod)
        if is_pod_terminal(pod):
            return None
        wait: float | None = None

        def generate(current: Object) -> Object | None:
            nonlocal wait
            if meta(current).get("deletionTimestamp") or is_pod_terminal(current):
                return None
            ctx = self._context(current)
            step: PodStep = self._policy.step(ctx)
            wait = step.requeue_after
            host_ip, pod_ip = self._addresses(current)
            return generate_pod_status(current, step, host_ip, pod_ip, ctx.now, self._new_id)

        namespace, name = meta(pod).get("namespace") or "", meta(pod)["name"]
        self._status.set_pod_status(namespace, name, generate)
        return wait

    def _sync_terminating(self, pod: Object) -> float | None:
        """SyncTerminatingPod and the status manager's deletion: stop the containers, report, delete."""
        pod_meta = meta(pod)
        if self._cluster.honor_grace_period:
            remaining = parse_time(pod_meta["deletionTimestamp"]).timestamp() - utc_now().timestamp()
            if remaining > 0:
                return remaining

        def generate(current: Object) -> Object | None:
            # Only a pod this kubelet started has containers to stop; a terminal one has none left.
            if is_pod_terminal(current) or not status_of(current).get("startTime"):
                return None
            ctx = self._context(current)
            host_ip, pod_ip = self._addresses(current)
            step = self._policy.terminate(ctx)
            return generate_pod_status(current, step, host_ip, pod_ip, ctx.now, self._new_id, terminating=True)

        self._status.set_pod_status(pod_meta.get("namespace") or "", pod_meta["name"], generate)
        self._status.delete_pod(pod)
        return None
