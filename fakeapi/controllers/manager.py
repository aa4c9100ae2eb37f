"""The built-in controllers of a server, chosen, built, run and reset together.

Follows cmd/kube-controller-manager/app/controllermanager.go: ``NewControllerDescriptors``
names each controller (with the older short names upstream still accepts as aliases), the
``--controllers`` flag chooses them (``*`` for every controller on by default, ``name`` to
add one, ``-name`` to leave one out), and each chosen controller runs in its own goroutine,
here a daemon thread calling ``run(stop, workers)``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.controllers import (
    clusterroleaggregation,
    garbagecollector,
    namespace,
    rootcacertpublisher,
    serviceaccount,
)
from fakeapi.controllers.base import QueueController
from fakeapi.controllers.context import ControllerContext
from fakeapi.util.clock import real_monotonic

ControllerFactory = Callable[[ControllerContext], "QueueController[Any]"]

CONTROLLER_INITIALIZERS: dict[str, ControllerFactory] = {
    namespace.NAME: namespace.NamespaceController,
    garbagecollector.NAME: garbagecollector.GarbageCollector,
    serviceaccount.NAME: serviceaccount.ServiceAccountsController,
    rootcacertpublisher.NAME: rootcacertpublisher.Publisher,
    clusterroleaggregation.NAME: clusterroleaggregation.ClusterRoleAggregationController,
}
# The names kube-controller-manager has used since 1.28 (names.go), accepted for the short ones.
CONTROLLER_ALIASES = {
    "namespace-controller": namespace.NAME,
    "garbage-collector-controller": garbagecollector.NAME,
    "serviceaccount-controller": serviceaccount.NAME,
    "root-ca-certificate-publisher-controller": rootcacertpublisher.NAME,
    "clusterrole-aggregation-controller": clusterroleaggregation.NAME,
}
# Controllers that keep every namespace furnished: a fresh or reset cluster waits for them.
STOP_TIMEOUT_SECONDS = 5.0


def enabled_controllers(flags: Iterable[str]) -> frozenset[str]:
    """The controllers ``--controllers`` turns on (IsControllerEnabled); unknown names raise ValueError."""
    flags = list(flags)
    for flag in flags:
        name = flag.removeprefix("-")
        if flag != "*" and CONTROLLER_ALIASES.get(name, name) not in CONTROLLER_INITIALIZERS:
            raise ValueError(f'"{name}" is not in the list of known controllers')
    enabled = set()
    for name in CONTROLLER_INITIALIZERS:
        names = {name, *(alias for alias, target in CONTROLLER_ALIASES.items() if target == name)}
        choice = next((not f.startswith("-") for f in flags if f.removeprefix("-") in names), None)
        if choice is None:
            choice = "*" in flags
        if choice:
            enabled.add(name)
    return frozenset(enabled)


class ControllerManager:
    """The chosen controllers: ``start``/``stop`` their threads, ``paused`` + ``clear`` around a reset."""

    def __init__(self, ctx: ControllerContext, enabled: Iterable[str]) -> None:
        self.controllers: dict[str, QueueController[Any]] = {
            name: factory(ctx) for name, factory in CONTROLLER_INITIALIZERS.items() if name in set(enabled)
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
