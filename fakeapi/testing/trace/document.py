"""The trace as data: what a server recorded, turned into one JSON document for the viewer.

Everything here reads what the server records anyway, and only when a trace is wanted: the
audit log (each request with its bodies), the watch event log, the enqueue log, the storage's
history (every object as it was when the window began, then every change) and the commit log
(when each revision was committed, by which request). Times are real monotonic milliseconds
from an origin (the test's start), so they order the items of every log on one timeline and a
frozen clock does not stop them; each request also carries the server clock's time.

A document holds the whole history; a :class:`Cursor` marks how far one went, so the live view
asks only for what came after it. Diffs and pod or node transitions are worked out by the
viewer from consecutive versions, so the document holds each version once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from fakeapi.storage.interfaces import Event, Object, ObjectKey
from fakeapi.testing.audit import FAULT_ANNOTATION, TRUNCATED_ANNOTATION, AuditEvent
from fakeapi.testing.commits import Commit

if TYPE_CHECKING:
    from fakeapi.server.instance import FakeAPIServer

# Bumped when the document's shape changes in a way an older viewer cannot read.
FORMAT_VERSION = 1
_WRITE_VERBS = frozenset({"create", "update", "patch"})


@dataclass(frozen=True)
class Phase:
    """One phase of a test (pytest's setup, call or teardown): real monotonic start and end, and its outcome."""

    name: str
    start: float
    end: float
    outcome: str


@dataclass(frozen=True)
class Failure:
    """Why the test failed: the phase, the exception's one-line message, where it was raised, pytest's full text."""

    phase: str
    message: str
    location: str
    text: str


@dataclass(frozen=True)
class TracedTest:
    """The test a trace is of."""

    nodeid: str
    outcome: str
    phases: list[Phase]
    failure: Failure | None = None


@dataclass(frozen=True)
class Cursor:
    """How far a document went in each log: the live view asks for what came after."""

    audit: int = 0
    watch: int = 0
    enqueue: int = 0
    revision: int = 0

    @classmethod
    def parse(cls, text: str) -> Cursor:
        """A cursor from its ``audit.watch.enqueue.revision`` form; ValueError when it is none."""
        parts = text.split(".")
        if len(parts) != 4:
            raise ValueError(f"a cursor has four numbers separated by dots, got {text!r}")
        audit, watch, enqueue, revision = (int(part) for part in parts)
        return cls(audit, watch, enqueue, revision)

    def __str__(self) -> str:
        return f"{self.audit}.{self.watch}.{self.enqueue}.{self.revision}"


@dataclass
class ClusterTrace:
    """One server's part of a document (``after``: only what came after that cursor)."""

    name: str
    start_revision: int
    versions: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    watch_events: list[dict[str, Any]] = field(default_factory=list)
    enqueues: list[dict[str, Any]] = field(default_factory=list)
    cursor: Cursor = field(default_factory=Cursor)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "startRevision": self.start_revision,
            "versions": self.versions,
            "requests": self.requests,
            "watchEvents": self.watch_events,
            "enqueues": self.enqueues,
            "cursor": str(self.cursor),
        }


def trace_document(
    clusters: Iterable[ClusterTrace], *, title: str, test: TracedTest | None = None, origin: float, live: bool = False
) -> dict[str, Any]:
    """The whole document the viewer reads."""
    return {
        "format": FORMAT_VERSION,
        "title": title,
        "live": live,
        "test": None if test is None else _test_json(test, origin),
        "clusters": [cluster.as_json() for cluster in clusters],
    }


def cluster_trace(
    server: FakeAPIServer,
    *,
    name: str,
    origin: float,
    after: Cursor | None = None,
    hidden_path_prefix: str | None = None,
) -> ClusterTrace:
    """What ``server`` recorded, as times in milliseconds after ``origin`` (real monotonic seconds).

    The cluster's part begins at ``origin`` or, when later, where its logs begin (a test's reset
    empties them, after the bootstrap's work): changes committed before count as the starting
    state, and earlier requests, watch events and enqueues are left out. With ``after``, only
    what came after that cursor (raises the storage's TooOldResourceVersionError when the
    changes since have left its window). Requests whose path starts with ``hidden_path_prefix``
    (the live view's own) are left out.
    """
    begins = max(origin, server.audit_log.cleared_at)
    history = server.storage.history(None if after is None else after.revision)
    commits = server.commits.by_revision(history.start_revision)
    state: dict[ObjectKey, Object] = dict(history.objects)
    events: list[Event] = []
    for event in history.events:
        commit = commits.get(event.revision)
        # No commit record: committed before the log was last cleared (a reset), so before the trace too.
        if after is None and (commit is None or commit.at < begins):
            _apply(state, event)
        else:
            events.append(event)
    start_revision = events[0].revision - 1 if events else history.revision
    cursor = after or Cursor()
    trace = ClusterTrace(name, history.start_revision if after else start_revision)
    for key, obj in state.items():
        trace.versions.append(_version(key, obj, "EXISTING", None, origin))
    # The revisions each request committed, by its audit sequence.
    made_by: dict[int, list[int]] = {}
    for event in events:
        commit = commits.get(event.revision)
        trace.versions.append(_version(event.key, event.object, event.type, commit, origin))
        audit_event = commit.audit_event if commit is not None else None
        if audit_event is not None:
            made_by.setdefault(audit_event.sequence, []).append(event.revision)
    last_audit = cursor.audit
    for request in server.audit_log.requests():
        if request.sequence <= cursor.audit:
            continue
        last_audit = request.sequence
        if request.request_received_monotonic < begins or (
            hidden_path_prefix is not None and request.path.startswith(hidden_path_prefix)
        ):
            continue
        trace.requests.append(_request(request, made_by.get(request.sequence, []), origin))
    last_watch = cursor.watch
    for sent in server.watch_events.events():
        if sent.sequence <= cursor.watch:
            continue
        last_watch = sent.sequence
        if sent.sent_monotonic < begins:
            continue
        trace.watch_events.append(
            {
                "seq": sent.sequence,
                "t": _ms(sent.sent_monotonic, origin),
                "type": sent.type,
                "group": sent.api_group,
                "resource": sent.resource,
                "namespace": sent.namespace,
                "name": sent.name,
                "rv": sent.resource_version,
                "watch": sent.request.sequence,
                "userAgent": sent.user_agent,
            }
        )
    enqueued, position = server.enqueue_log.since(cursor.enqueue)
    for index, enqueue in enumerate(enqueued, start=position - len(enqueued) + 1):
        if enqueue.at < begins:
            continue
        trace.enqueues.append(
            {
                "seq": index,
                "t": _ms(enqueue.at, origin),
                "listener": enqueue.listener,
                "key": enqueue.key if isinstance(enqueue.key, str) else repr(enqueue.key),
                "cause": enqueue.cause,
            }
        )
    # The revision of the storage's cut, not the current one: a change committed since is the next poll's.
    trace.cursor = Cursor(last_audit, last_watch, position, history.revision)
    return trace


def _apply(state: dict[ObjectKey, Object], event: Event) -> None:
    if event.type == "DELETED":
        state.pop(event.key, None)
    else:
        state[event.key] = event.object


def _revision_of(obj: Object) -> int:
    text = str((obj.get("metadata") or {}).get("resourceVersion") or "0")
    return int(text) if text.isdigit() else 0


def _version(key: ObjectKey, obj: Object, kind: str, commit: Commit | None, origin: float) -> dict[str, Any]:
    """One version of an object; ``t`` is None for one that existed before the trace began (or whose commit time left the log)."""
    group, _, resource = key.prefix.rpartition("/")
    audit_event = commit.audit_event if commit is not None else None
    return {
        "key": f"{key.prefix}/{key.namespace}/{key.name}",
        "group": group,
        "resource": resource,
        "namespace": key.namespace,
        "name": key.name,
        "rev": _revision_of(obj),
        "type": kind,
        "t": None if commit is None else _ms(commit.at, origin),
        "req": audit_event.sequence if audit_event is not None else None,
        "object": obj,
    }


def _request(event: AuditEvent, revisions: list[int], origin: float) -> dict[str, Any]:
    end = event.response_complete_monotonic
    record: dict[str, Any] = {
        "seq": event.sequence,
        "t": _ms(event.request_received_monotonic, origin),
        "end": None if end is None else _ms(end, origin),
        "serverTime": event.request_received_at.isoformat(),
        "method": event.method,
        "path": event.path,
        "query": event.query,
        "verb": event.verb,
        "group": event.api_group,
        "version": event.api_version,
        "resource": event.resource,
        "subresource": event.subresource,
        "namespace": event.namespace,
        "name": event.name,
        "user": event.user,
        "groups": list(event.groups),
        "userAgent": event.user_agent,
        "code": event.code,
        "fault": event.annotations.get(FAULT_ANNOTATION),
        "truncated": event.annotations.get(TRUNCATED_ANNOTATION) == "true",
        "fieldManager": _field_manager(event),
        "revisions": revisions,
        "requestBody": _body(event.request_object, event.request_content_type),
        "responseBody": _body(event.response_object, event.response_content_type),
    }
    return record


def _field_manager(event: AuditEvent) -> str | None:
    """The manager a write records in managedFields: ``fieldManager`` if given, else from the user agent."""
    if event.verb not in _WRITE_VERBS:
        return None
    from fakeapi.endpoints.handlers.common import field_manager_from_user_agent

    # Most writes name no manager: the query is parsed only for those that do.
    if "fieldManager=" in event.query:
        from urllib.parse import parse_qs

        given = parse_qs(event.query).get("fieldManager")
        if given:
            return given[0]
    return field_manager_from_user_agent(event.user_agent)


def _body(data: bytes | None, content_type: str) -> dict[str, Any] | None:
    """A body as the viewer shows it: its text (the viewer parses JSON), or a protobuf body decoded; None when empty.

    Text is left as it came, not decoded here: a trace is written in the failing test's time, and
    the browser parses JSON far faster than Python would.
    """
    if not data:
        return None
    body: dict[str, Any] = {"contentType": content_type, "bytes": len(data)}
    if "protobuf" in content_type.lower():
        from fakeapi.apimachinery.protobuf import decode_object

        try:
            body["object"] = decode_object(data)
            return body
        except Exception:
            # Not a body that decodes (the server answered it with a 400): shown as the bytes it was.
            body["text"] = data.decode("utf-8", errors="backslashreplace")
            return body
    body["text"] = data.decode("utf-8", errors="replace")
    return body


def _ms(monotonic: float, origin: float) -> float:
    return round((monotonic - origin) * 1000, 3)


def _test_json(test: TracedTest, origin: float) -> dict[str, Any]:
    return {
        "nodeid": test.nodeid,
        "outcome": test.outcome,
        "phases": [
            {"name": p.name, "start": _ms(p.start, origin), "end": _ms(p.end, origin), "outcome": p.outcome}
            for p in test.phases
        ],
        "failure": None if test.failure is None else asdict(test.failure),
    }
