"""Listener, Notifier and ControllerRunner (k8s.io/apiserver/pkg/server/dynamiccertificates/interfaces.go).

Three tiny interfaces that every loop in fakeapi is built from: a producer is a ``Notifier``
that calls ``enqueue()`` on its listeners when an input may have changed; a consumer is a
``Listener`` whose ``enqueue()`` only adds a key to its work queue; a ``ControllerRunner``
processes that queue, once (``run_once``, for deterministic stepping in tests) or in the
background (``run``). The notification carries no data: the worker pulls current state.
"""

from __future__ import annotations

import threading
from typing import Protocol, runtime_checkable


@runtime_checkable
class Listener(Protocol):
    def enqueue(self) -> None:
        """An input may have changed."""
        ...


@runtime_checkable
class Notifier(Protocol):
    def add_listener(self, listener: Listener) -> None: ...


@runtime_checkable
class ControllerRunner(Protocol):
    def run_once(self) -> None:
        """Process everything queued now, synchronously; raises what the sync raised."""
        ...

    def run(self, stop: threading.Event, workers: int = 1) -> None:
        """Process the queue until ``stop`` is set (blocking; start it in a thread)."""
        ...
