"""The watch events a server sent to its clients, one per line of every watch response.

Nothing upstream records these; they are what a client's informer was told, which is what a
test of a controller or an operator often needs to know (did the client see the DELETED
before it re-listed? which resourceVersion did it get last?). The audit filter records each
line after the transport took it; the event keeps the watch request's audit event, so the
client (user, user agent) and the watch's own parameters are at hand. Kept in a ring of
fixed size; thread-safe.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, Unpack

import yaml

from fakeapi.testing.audit import DEFAULT_CAPACITY, DEFAULT_WAIT_SECONDS, AuditEvent
from fakeapi.testing.matching import RequestMatcher, Selector, Where
from fakeapi.util.clock import real_monotonic, utc_now, wait_for_first


@dataclass(frozen=True, eq=False)
class WatchEvent:
    """One event line of a watch response.

    Attributes:
        sequence: Position among every event this server sent (unique per server).
        api_group, resource: What the watch was of.
        request: The audit event of the watch request that carried it.
        sent_monotonic, sent_at: When it was handed to the transport (real clock, wall clock).
        line: The line as sent, and ``content_type`` its media type.

    ``type`` (``ADDED``, ``MODIFIED``, ``DELETED``, ``BOOKMARK`` or ``ERROR``), ``namespace``,
    ``name`` and ``resource_version`` are the object's (of a Table's row for ``kubectl get -w``;
    empty for an ERROR, only the resourceVersion for a BOOKMARK), read from the line when first
    asked: a hundred watchers of a busy resource send thousands of lines a second, and most
    tests never ask about most of them. A line that cannot be read has them all empty.
    """

    sequence: int
    api_group: str
    resource: str
    request: AuditEvent
    sent_monotonic: float
    sent_at: datetime
    line: bytes
    content_type: str

    @cached_property
    def _read(self) -> tuple[str, str, str, str]:
        """(type, namespace, name, resourceVersion) from the line."""
        try:
            decoded: Any = yaml.safe_load(self.line) if "yaml" in self.content_type else json.loads(self.line)
        except (ValueError, yaml.YAMLError):
            return "", "", "", ""
        if not isinstance(decoded, dict):
            return "", "", "", ""
        obj = decoded.get("object")
        return (str(decoded.get("type") or ""), *_identity(obj if isinstance(obj, dict) else {}))

    @property
    def type(self) -> str:
        return self._read[0]

    @property
    def namespace(self) -> str:
        return self._read[1]

    @property
    def name(self) -> str:
        return self._read[2]

    @property
    def resource_version(self) -> str:
        return self._read[3]

    @property
    def verb(self) -> str:
        return "watch"

    @property
    def subresource(self) -> str:
        return self.request.subresource

    @property
    def user(self) -> str:
        return self.request.user

    @property
    def user_agent(self) -> str:
        return self.request.user_agent

    def __str__(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        resource = f"{self.resource}.{self.api_group}" if self.api_group else self.resource
        return f"#{self.sequence} {self.type} {resource} {where} rv={self.resource_version} to {self.user_agent!r}"


class WatchEventLog:
    """The last ``capacity`` watch events a server sent, oldest first."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._condition = threading.Condition()
        self._events: deque[WatchEvent] = deque(maxlen=capacity)
        self._sequence = 0

    def record(self, request: AuditEvent, line: bytes, content_type: str) -> None:
        """One line a watch response sent (the audit filter calls this)."""
        sent_at, sent_monotonic = utc_now(), real_monotonic()
        with self._condition:
            self._sequence += 1
            self._events.append(
                WatchEvent(
                    sequence=self._sequence,
                    api_group=request.api_group,
                    resource=request.resource,
                    request=request,
                    sent_monotonic=sent_monotonic,
                    sent_at=sent_at,
                    line=line,
                    content_type=content_type,
                )
            )
            self._condition.notify_all()

    @property
    def last_sequence(self) -> int:
        """The sequence of the last event sent (0 before any)."""
        return self._sequence

    def clear(self) -> None:
        with self._condition:
            self._events.clear()

    def events(
        self,
        type: Selector | None = None,
        resource: Selector | None = None,
        **where: Unpack[Where],
    ) -> list[WatchEvent]:
        """The events sent that match, oldest first; with no arguments, all of them.

        ``type`` is the event type; the other keywords are those of
        :mod:`fakeapi.testing.matching`, ``namespace`` and ``name`` being the object's.
        """
        selection = _EventSelection(type, RequestMatcher.of(None, resource, **where))
        with self._condition:
            return [e for e in self._events if selection.matches(e)]

    def wait_for(
        self,
        predicate: Callable[[WatchEvent], bool] | None = None,
        timeout: float = DEFAULT_WAIT_SECONDS,
        *,
        type: Selector | None = None,
        resource: Selector | None = None,
        **where: Unpack[Where],
    ) -> WatchEvent | None:
        """The first event sent that matches (and satisfies ``predicate``), waiting up to ``timeout`` seconds.

        Events sent before the call count. Returns None on timeout.
        """
        selection = _EventSelection(type, RequestMatcher.of(None, resource, **where))

        def wanted(event: WatchEvent) -> bool:
            return selection.matches(event) and (predicate is None or predicate(event))

        return wait_for_first(self._condition, self._events, wanted, timeout)


class _EventSelection:
    def __init__(self, event_type: Selector | None, matcher: RequestMatcher) -> None:
        self.types = (
            None if event_type is None else frozenset((event_type,) if isinstance(event_type, str) else event_type)
        )
        self.matcher = matcher

    def matches(self, event: WatchEvent) -> bool:
        return (self.types is None or event.type in self.types) and self.matcher.matches(event)


def _identity(obj: dict[str, Any]) -> tuple[str, str, str]:
    """(namespace, name, resourceVersion) of an event's object; a Table's are its row's object's."""
    if obj.get("kind") == "Table":
        rows = obj.get("rows") or []
        row_object = rows[0].get("object") if rows and isinstance(rows[0], dict) else None
        obj = row_object if isinstance(row_object, dict) else {}
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        return "", "", ""
    return str(meta.get("namespace") or ""), str(meta.get("name") or ""), str(meta.get("resourceVersion") or "")
