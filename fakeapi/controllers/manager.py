"""The built-in controllers of a server, chosen, built, run and reset together.

Follows cmd/kube-controller-manager/app/controllermanager.go: ``NewControllerDescriptors``
names each controller (with the older short names upstream still accepts as aliases), the
``--controllers`` flag chooses them (``*`` for every controller on by default, ``name`` to
add one, ``-name`` to leave one out), and each chosen controller runs in its own goroutine,
here a daemon thread calling ``run(stop, workers)``.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.controllers.base import QueueController
from fakeapi.controllers.context import ControllerContext
from fakeapi.util.clock import real_monotonic

ControllerFactory = Callable[[ControllerContext], "QueueController[Any]"]


@dataclass(frozen=True)
class ControllerDescriptor:
    """controller_descriptor.go: a controller's name and aliases, and where its constructor lives.

    The constructor is named as ``module:Class`` and imported only when the controller is
    enabled, so a server that runs no workload controller does not import them.
    """

    name: str
    factory: str
    aliases: tuple[str, ...] = ()

    def load(self) -> ControllerFactory:
        module, _, attribute = self.factory.partition(":")
        factory: ControllerFactory = getattr(importlib.import_module(module), attribute)
        return factory


def _descriptor(name: str, factory: str, *aliases: str) -> ControllerDescriptor:
    return ControllerDescriptor(name, factory, aliases)


_CONTROLLERS = "fakeapi.controllers"
# NewControllerDescriptors, in the order settle() steps them; the long names are those kube-controller-manager
# has used since 1.28 (names.go), the short ones its older names, accepted as aliases. First the loops an
# API-only cluster needs (namespaces, garbage collection, service accounts, CA and RBAC publishing)...
_API_DESCRIPTORS: tuple[ControllerDescriptor, ...] = (
    _descriptor("namespace", f"{_CONTROLLERS}.namespace:NamespaceController", "namespace-controller"),
    _descriptor(
        "garbagecollector", f"{_CONTROLLERS}.garbagecollector:GarbageCollector", "garbage-collector-controller"
    ),
    _descriptor(
        "serviceaccount", f"{_CONTROLLERS}.serviceaccount:ServiceAccountsController", "serviceaccount-controller"
    ),
    _descriptor(
        "root-ca-cert-publisher",
        f"{_CONTROLLERS}.rootcacertpublisher:Publisher",
        "root-ca-certificate-publisher-controller",
    ),
    _descriptor(
        "clusterrole-aggregation",
        f"{_CONTROLLERS}.clusterroleaggregation:ClusterRoleAggregationController",
        "clusterrole-aggregation-controller",
    ),
    # The finalizers StorageObjectInUseProtection admission adds are removed by these: without them no claim
    # or volume could be deleted, so they run in an API-only cluster too.
    _descriptor(
        "pvc-protection",
        f"{_CONTROLLERS}.volume.pvcprotection:PVCProtectionController",
        "persistentvolumeclaim-protection-controller",
    ),
    _descriptor("resourcequota", f"{_CONTROLLERS}.resourcequota:ResourceQuotaController", "resourcequota-controller"),
    _descriptor(
        "pv-protection",
        f"{_CONTROLLERS}.volume.pvprotection:PVProtectionController",
        "persistentvolume-protection-controller",
    ),
    _descriptor(
        "validatingadmissionpolicy-status",
        f"{_CONTROLLERS}.validatingadmissionpolicystatus:ValidatingAdmissionPolicyStatusController",
        "validatingadmissionpolicy-status-controller",
    ),
)
# ...then those that make the cluster run its workloads: the workload controllers, and the simulated
# scheduler and kubelets, steered with the same flag as the controllers they feed.
_SIMULATION_DESCRIPTORS: tuple[ControllerDescriptor, ...] = (
    _descriptor("deployment", f"{_CONTROLLERS}.deployment:DeploymentController", "deployment-controller"),
    _descriptor("replicaset", f"{_CONTROLLERS}.replicaset:ReplicaSetController", "replicaset-controller"),
    _descriptor(
        "replicationcontroller",
        f"{_CONTROLLERS}.replication:ReplicationManager",
        "replicationcontroller-controller",
    ),
    _descriptor("statefulset", f"{_CONTROLLERS}.statefulset:StatefulSetController", "statefulset-controller"),
    _descriptor("daemonset", f"{_CONTROLLERS}.daemon:DaemonSetsController", "daemonset-controller"),
    _descriptor("job", f"{_CONTROLLERS}.job:JobController", "job-controller"),
    _descriptor("cronjob", f"{_CONTROLLERS}.cronjob:CronJobController", "cronjob-controller"),
    _descriptor(
        "ttl-after-finished",
        f"{_CONTROLLERS}.ttlafterfinished:TTLAfterFinishedController",
        "ttl-after-finished-controller",
    ),
    _descriptor("disruption", f"{_CONTROLLERS}.disruption:DisruptionController", "disruption-controller"),
    _descriptor(
        "persistentvolume-binder",
        f"{_CONTROLLERS}.volume.persistentvolume:PersistentVolumeController",
        "persistentvolume-binder-controller",
    ),
    _descriptor("scheduler", "fakeapi.scheduler.scheduler:Scheduler", "kube-scheduler"),
    _descriptor("kubelet", "fakeapi.kubelet.kubelet:Kubelets", "kubelet-simulator"),
    # After the kubelets, so that within a settle a node's Lease is renewed before its health is judged.
    _descriptor("nodelifecycle", f"{_CONTROLLERS}.nodelifecycle:NodeLifecycleController", "node-lifecycle-controller"),
    _descriptor("taint-eviction-controller", f"{_CONTROLLERS}.tainteviction:TaintEvictionController"),
    _descriptor("endpoint", f"{_CONTROLLERS}.endpoint:EndpointsController", "endpoints-controller"),
    _descriptor("endpointslice", f"{_CONTROLLERS}.endpointslice:EndpointSliceController", "endpointslice-controller"),
    _descriptor("podgc", f"{_CONTROLLERS}.podgc:PodGCController", "pod-garbage-collector-controller"),
    _descriptor(
        "horizontalpodautoscaling",
        f"{_CONTROLLERS}.podautoscaler:HorizontalController",
        "horizontal-pod-autoscaler-controller",
    ),
)
CONTROLLER_DESCRIPTORS = _API_DESCRIPTORS + _SIMULATION_DESCRIPTORS
DESCRIPTORS_BY_NAME = {d.name: d for d in CONTROLLER_DESCRIPTORS}
SIMULATION_CONTROLLERS = tuple(d.name for d in _SIMULATION_DESCRIPTORS)
CONTROLLER_ALIASES = {alias: d.name for d in CONTROLLER_DESCRIPTORS for alias in d.aliases}
STOP_TIMEOUT_SECONDS = 5.0


def without_simulation(*keep: str) -> list[str]:
    """``--controllers`` flags for an API-only cluster: the namespace, garbage collection and service-account
    controllers run, nothing schedules or runs pods, except the simulation controllers named in ``keep``."""
    return ["*", *(f"-{name}" for name in SIMULATION_CONTROLLERS if name not in keep)]


def enabled_controllers(flags: Iterable[str]) -> frozenset[str]:
    """The controllers ``--controllers`` turns on (IsControllerEnabled); unknown names raise ValueError.

    ``*`` turns on every controller, ``name`` turns one on, ``-name`` off;
    the first flag that names a controller decides for it.
    """
    flags = list(flags)
    for flag in flags:
        name = flag.removeprefix("-")
        if flag != "*" and CONTROLLER_ALIASES.get(name, name) not in DESCRIPTORS_BY_NAME:
            known = ", ".join(sorted(DESCRIPTORS_BY_NAME))
            raise ValueError(f'"{name}" is not in the list of known controllers (known: {known})')
    enabled = set()
    for descriptor in CONTROLLER_DESCRIPTORS:
        names = {descriptor.name, *descriptor.aliases}
        choice = next((not f.startswith("-") for f in flags if f.removeprefix("-") in names), None)
        if choice is None:
            choice = "*" in flags
        if choice:
            enabled.add(descriptor.name)
    return frozenset(enabled)


class ControllerManager:
    """The chosen controllers: ``start``/``stop`` their threads, ``paused`` + ``clear`` around a reset."""

    def __init__(self, ctx: ControllerContext, enabled: Iterable[str]) -> None:
        self.controllers: dict[str, QueueController[Any]] = {
            d.name: d.load()(ctx) for d in CONTROLLER_DESCRIPTORS if d.name in set(enabled)
        }

        def on_error(exc: Exception) -> None:
            # An answer of the API (a conflict, a namespace gone meanwhile) is retried as upstream does;
            # anything else is a fakeapi bug that should fail the test that caused it.
            if not isinstance(exc, errors.StatusError):
                ctx.record_error(exc)

        for controller in self.controllers.values():
            controller.on_error = on_error
        self._stop: threading.Event | None = None
        self._threads: list[threading.Thread] = []

    @property
    def running(self) -> bool:
        return self._stop is not None

    def start(self, workers: int = 1) -> None:
        if self._stop is not None:
            return
        self._stop = stop = threading.Event()
        self._threads = [
            threading.Thread(target=c.run, args=(stop, workers), name=f"controller-{name}", daemon=True)
            for name, c in self.controllers.items()
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop every controller and wait for its workers. Safe to call more than once."""
        stop, self._stop = self._stop, None
        if stop is None:
            return
        stop.set()
        deadline = real_monotonic() + STOP_TIMEOUT_SECONDS
        for thread in self._threads:
            thread.join(max(deadline - real_monotonic(), 0))
        self._threads = []

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No controller syncs inside the block (running syncs finish first)."""
        with ExitStack() as stack:
            for controller in self.controllers.values():
                stack.enter_context(controller.paused())
            yield

    def clear(self) -> None:
        """Forget all queued work and graph state (while paused, before the storage is cleared)."""
        for controller in self.controllers.values():
            controller.clear()
