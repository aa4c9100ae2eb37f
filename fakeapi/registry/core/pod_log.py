"""GET pods/<name>/log (pkg/registry/core/pod/rest/log.go, with LogLocation of strategy.go).

The options are PodLogOptions, validated as ``ValidatePodLogOptions`` does (a 422 Invalid of
kind PodLogOptions); the container is the one named, or the pod's only one (strategy.go
``validateContainer``); a pod not yet on a node has an empty log. What a real API server
fetches from the kubelet comes from the simulated runtime (``fakeapi.kubelet``): the kubelet's
refusals (``container "x" in pod "y" is waiting to start: ContainerCreating``, ``previous
terminated container "x" in pod "y" not found``) are 400s with its text, as the API server
passes them on. The body is ``text/plain``, streamed, and with ``follow`` it stays open for
lines a test appends until the container stops, the client leaves or the server stops.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from fakeapi.apimachinery import errors, field
from fakeapi.apimachinery.schema import GroupKind
from fakeapi.apimachinery.validation import IS_NEGATIVE_ERROR_MSG
from fakeapi.endpoints.handlers.common import parse_bool, parse_int
from fakeapi.endpoints.http import Request, ResponseWriter
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.core.pod import validate_container
from fakeapi.registry.generic.store import Store
from fakeapi.util.clock import parse_time, utc_now

if TYPE_CHECKING:
    from fakeapi.kubelet.container_runtime import ContainerRuntime
    from fakeapi.kubelet.kuberuntime_logs import LogOptions

# apimachinery's validation message for a negative number.


@dataclass(frozen=True)
class PodLogOptions:
    container: str = ""
    follow: bool = False
    previous: bool = False
    timestamps: bool = False
    tail_lines: int | None = None
    since_seconds: int | None = None
    since_time: str | None = None
    limit_bytes: int | None = None

    @classmethod
    def from_query(cls, req: Request) -> PodLogOptions:
        return cls(
            container=req.query_param("container"),
            follow=bool(parse_bool(req, "follow")),
            previous=bool(parse_bool(req, "previous")),
            timestamps=bool(parse_bool(req, "timestamps")),
            tail_lines=parse_int(req, "tailLines"),
            since_seconds=parse_int(req, "sinceSeconds"),
            since_time=req.query_param("sinceTime") or None,
            limit_bytes=parse_int(req, "limitBytes"),
        )

    def validate(self) -> list[field.FieldError]:
        """ValidatePodLogOptions."""
        errs: list[field.FieldError] = []
        if self.tail_lines is not None and self.tail_lines < 0:
            errs.append(field.invalid("tailLines", self.tail_lines, IS_NEGATIVE_ERROR_MSG))
        if self.limit_bytes is not None and self.limit_bytes < 1:
            errs.append(field.invalid("limitBytes", self.limit_bytes, "must be greater than 0"))
        if self.since_seconds is not None and self.since_time is not None:
            errs.append(field.forbidden("", "at most one of `sinceTime` or `sinceSeconds` may be specified"))
        elif self.since_seconds is not None and self.since_seconds < 1:
            errs.append(field.invalid("sinceSeconds", self.since_seconds, "must be greater than 0"))
        return errs

    def kubelet_options(self) -> LogOptions:
        """The options as the kubelet reads logs with them: ``since`` resolved on the server clock."""
        from fakeapi.kubelet.kuberuntime_logs import LogOptions

        since = None
        if self.since_seconds is not None:
            since = utc_now() - timedelta(seconds=self.since_seconds)
        elif self.since_time is not None:
            try:
                since = parse_time(self.since_time)
            except ValueError:
                raise errors.new_bad_request(
                    f'parsing time "{self.since_time}" as "2006-01-02T15:04:05Z07:00": cannot parse'
                ) from None
        return LogOptions(
            previous=self.previous,
            follow=self.follow,
            timestamps=self.timestamps,
            tail_lines=self.tail_lines,
            since=since,
            limit_bytes=self.limit_bytes,
        )


@dataclass
class LogREST:
    """pods/log: streams the container's log from the simulated runtime."""

    parent: Store
    runtime: Callable[[], ContainerRuntime]
    connect_methods: frozenset[str] = frozenset({"GET"})

    @property
    def spec(self) -> Any:
        return self.parent.spec

    def new(self) -> dict[str, Any]:
        return self.parent.new()

    def connect(self, ctx: RequestContext, name: str, req: Request, w: ResponseWriter) -> None:
        options = PodLogOptions.from_query(req)
        errs = options.validate()
        if errs:
            raise errors.new_invalid(GroupKind("", "PodLogOptions"), name, errs)
        pod = self.parent.get(ctx, name)
        container = validate_container(options.container, pod)
        if not (pod.get("spec") or {}).get("nodeName"):
            # LogLocation has no location for a pod without a host: the stream is empty.
            _write_text_head(w)
            return
        from fakeapi.kubelet.kuberuntime_logs import ContainerLogError, log_instance, read_logs

        kubelet_options = options.kubelet_options()
        try:
            instance = log_instance(pod, container, options.previous)
        except ContainerLogError as exc:
            raise errors.new_bad_request(str(exc)) from None
        client_gone = threading.Event()
        _write_text_head(w)
        if options.follow:
            _on_client_gone(w, client_gone.set)

        def stopped() -> bool:
            return client_gone.is_set() or self._instance_ended(ctx, name, container, instance.container_id)

        for chunk in read_logs(self.runtime(), pod, container, instance, kubelet_options, stopped):
            try:
                w.write(chunk)
            except (ConnectionError, OSError):
                return

    def _instance_ended(self, ctx: RequestContext, name: str, container: str, container_id: str) -> bool:
        """A follow ends when the instance it reads stopped running (or its pod went away)."""
        from fakeapi.kubelet.container_runtime import current_instance

        try:
            pod = self.parent.get(ctx, name)
        except errors.StatusError:
            return True
        instance = current_instance(pod, container)
        return instance is None or instance.container_id != container_id or not instance.running


def _write_text_head(w: ResponseWriter) -> None:
    # LocationStreamer's content type; no length, so the body streams.
    w.write_head(200, [("Content-Type", "text/plain")])


def _on_client_gone(w: ResponseWriter, callback: Callable[[], None]) -> None:
    register = getattr(w, "on_client_gone", None)
    if register is not None:
        register(callback)
