"""The kubelet's side of ``pods/log``: which container instance to read, and how its lines are cut and printed.

Mirrors pkg/kubelet/kubelet_pods.go (``validateContainerLogStatus``: the messages a user sees
for a container that is waiting, or has no previous instance) and
pkg/kubelet/kuberuntime/logs/logs.go (``ReadLogs``: ``sinceTime`` drops older lines, ``tailLines``
keeps the last lines, ``timestamps`` prefixes each line with its time in RFC 3339 with
nanoseconds, trailing zeros trimmed, as Go's ``time.RFC3339Nano`` prints it, and ``limitBytes``
cuts the output, mid-line if need be).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from fakeapi.kubelet.container_runtime import (
    ContainerInstance,
    ContainerRuntime,
    LogLine,
    container_status,
    current_instance,
    previous_instance,
)
from fakeapi.storage.interfaces import Object

# images.ErrImagePull and ErrImagePullBackOff: the waiting reasons the kubelet explains in words.
_WAITING_EXPLANATIONS = {
    "ErrImagePull": "image can't be pulled",
    "ImagePullBackOff": "trying and failing to pull image",
}


# How many of the lines printed before a read go out in one write.
BATCH_LINES = 4096


class ContainerLogError(Exception):
    """Why a container's logs cannot be read (the kubelet answers it as a 400 with this text)."""


@dataclass(frozen=True)
class LogOptions:
    """The PodLogOptions the kubelet reads logs with (since is resolved to a time already)."""

    previous: bool = False
    follow: bool = False
    timestamps: bool = False
    tail_lines: int | None = None
    since: datetime | None = None
    limit_bytes: int | None = None


def log_instance(pod: Object, container: str, previous: bool) -> ContainerInstance:
    """``validateContainerLogStatus``: the instance whose log is read, or the kubelet's reason why there is none."""
    pod_name = (pod.get("metadata") or {}).get("name", "")
    status = container_status(pod, container)
    if status is None:
        raise ContainerLogError(f'container "{container}" in pod "{pod_name}" is not available')
    if previous:
        instance = previous_instance(pod, container)
        if instance is None:
            raise ContainerLogError(f'previous terminated container "{container}" in pod "{pod_name}" not found')
        return instance
    instance = current_instance(pod, container)
    if instance is not None:
        return instance
    state = status.get("state") or {}
    if "terminated" in state or (status.get("lastState") or {}).get("terminated"):
        raise ContainerLogError(f'container "{container}" in pod "{pod_name}" is terminated')
    if "waiting" in state:
        reason = (state["waiting"] or {}).get("reason", "")
        explained = _WAITING_EXPLANATIONS.get(reason, reason)
        raise ContainerLogError(f'container "{container}" in pod "{pod_name}" is waiting to start: {explained}')
    raise ContainerLogError(f'container "{container}" in pod "{pod_name}" is waiting to start - no logs yet')


@functools.lru_cache(maxsize=1024)
def format_rfc3339_nano(moment: datetime) -> str:
    """Go's ``time.RFC3339Nano`` of a UTC time: fractional seconds without trailing zeros (none when zero)."""
    moment = moment.astimezone(UTC)
    fraction = f"{moment.microsecond:06d}000".rstrip("0")
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if fraction else "") + "Z"


def read_logs(
    runtime: ContainerRuntime,
    pod: Object,
    container: str,
    instance: ContainerInstance,
    options: LogOptions,
    stopped: Callable[[], bool],
) -> Iterator[bytes]:
    """``ReadLogs``: the instance's printed lines as the kubelet sends them, following new ones if asked.

    Lines go out in batches (what was printed before, in chunks of ``BATCH_LINES``; then what
    arrived at once while following), not one write per line.
    """
    lines = runtime.log_lines(pod, container, instance)
    shown = [line for line in lines if options.since is None or line.time >= options.since]
    if options.tail_lines is not None:
        shown = shown[len(shown) - options.tail_lines :] if options.tail_lines else []
    batches: Iterable[list[LogLine]] = (shown[i : i + BATCH_LINES] for i in range(0, len(shown), BATCH_LINES))
    if options.follow and instance.running:
        batches = itertools.chain(batches, runtime.follow(pod, container, instance, len(lines), stopped))
    budget = options.limit_bytes
    for batch in batches:
        data = b"".join(
            (format_rfc3339_nano(line.time) + " ").encode() + line.content if options.timestamps else line.content
            for line in batch
            if options.since is None or line.time >= options.since
        )
        if budget is not None:
            data = data[:budget]
            budget -= len(data)
        if data:
            yield data
        if budget is not None and budget <= 0:
            return
