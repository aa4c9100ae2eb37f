"""One request's ``audit.k8s.io/v1`` Events (k8s.io/apiserver/pkg/audit/request.go and context.go).

``NewEventFromRequest``/``LogRequestMetadata`` give an event its metadata (audit id, verb, request
URI, user and impersonated user, source IPs, user agent, object reference);
``LogRequestObject``/``LogRequestPatch`` add the request body at level Request and above (and fill
the object reference's namespace, name, uid and resourceVersion from it); ``LogResponseObject``
copies a Status answer's fields into ``responseStatus`` and adds the response body at level
RequestResponse. managedFields are left out of both when the policy says ``omitManagedFields``.
Keys come in the order Go marshals the Event struct.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from fakeapi.audit.policy import Level, PolicyChecker, RequestAuditConfig
from fakeapi.authorization.authorizer import Attributes, attributes_from_request
from fakeapi.endpoints.http import Request
from fakeapi.endpoints.negotiation import decode_payload
from fakeapi.endpoints.request import ANONYMOUS, UserInfo
from fakeapi.util.clock import format_micro_time

__all__ = ["AuditBackend", "Auditor", "RequestAudit", "is_long_running"]

# User agents longer than this are cut and marked (maxUserAgentLength, userAgentTruncateSuffix).
MAX_USER_AGENT_LENGTH = 1024
USER_AGENT_TRUNCATE_SUFFIX = "...TRUNCATED"
# BasicLongRunningRequestCheck as kube-apiserver configures it (pkg/controlplane/apiserver/config.go).
LONG_RUNNING_VERBS = frozenset({"watch", "proxy"})
LONG_RUNNING_SUBRESOURCES = frozenset({"attach", "exec", "proxy", "log", "portforward"})
_PATCH_VERB = "patch"


class AuditBackend(Protocol):
    """audit.Sink: takes each event as it happens."""

    def process_event(self, event: dict[str, Any]) -> None: ...


class Auditor:
    """The policy and the backend of ``--audit-policy-file`` and ``--audit-log-path``."""

    def __init__(self, checker: PolicyChecker, backend: AuditBackend) -> None:
        self.checker = checker
        self.backend = backend

    def evaluate(self, req: Request) -> RequestAuditConfig:
        """The policy's answer for a request, asked with the authenticated (not impersonated) user."""
        ctx = req.context
        if ctx is None:
            # Refused before the request was resolved (a malformed request): only the method and path are known.
            return self.checker.evaluate(Attributes(user=ANONYMOUS, verb=req.method.lower(), path=req.path))
        return self.checker.evaluate(attributes_from_request(ctx.impersonated_by or ctx.user, ctx.request_info))


def is_long_running(req: Request) -> bool:
    """Whether a request is long-running (its ResponseStarted stage is an event of its own)."""
    ctx = req.context
    if ctx is None:
        return False
    info = ctx.request_info
    return info.verb in LONG_RUNNING_VERBS or info.subresource in LONG_RUNNING_SUBRESOURCES


def _user(user: UserInfo) -> dict[str, Any]:
    """authenticationv1.UserInfo as JSON (every field omitempty but username)."""
    entry: dict[str, Any] = {"username": user.name}
    if user.uid:
        entry["uid"] = user.uid
    if user.groups:
        entry["groups"] = list(user.groups)
    if user.extra:
        entry["extra"] = {key: list(values) for key, values in user.extra}
    return entry


def _source_ips(req: Request) -> list[str]:
    """utilnet.SourceIPs: X-Forwarded-For, then X-Real-Ip, then the peer's address, without repeats."""
    ips = [ip.strip() for ip in req.headers.get("X-Forwarded-For").split(",") if ip.strip()]
    for ip in (req.headers.get("X-Real-Ip").strip(), req.remote_addr):
        if ip and ip not in ips:
            ips.append(ip)
    return ips


def _without_managed_fields(obj: Any) -> Any:
    """copyWithoutManagedFields: the object (or each item of a list) without metadata.managedFields."""
    if not isinstance(obj, dict):
        return obj
    copy = dict(obj)
    meta = copy.get("metadata")
    if isinstance(meta, dict) and "managedFields" in meta:
        copy["metadata"] = {k: v for k, v in meta.items() if k != "managedFields"}
    if isinstance(copy.get("items"), list):
        copy["items"] = [_without_managed_fields(item) for item in copy["items"]]
    return copy


class RequestAudit:
    """The events of one request, sent to the backend at the stages its policy keeps (filters/audit.go)."""

    def __init__(self, auditor: Auditor, req: Request, received_at: datetime, now: Callable[[], datetime]) -> None:
        self._auditor = auditor
        self._req = req
        self._received_at = received_at
        self._now = now
        self._config: RequestAuditConfig | None = None
        self._event: dict[str, Any] = {}
        self._status: dict[str, Any] | None = None
        self._response = bytearray()
        self._response_type = ""
        self._long_running = False

    def _begin(self) -> bool:
        """Evaluate the policy and send RequestReceived, once; whether the request is audited at all."""
        if self._config is None:
            self._config = self._auditor.evaluate(self._req)
            if self._config.level is Level.NONE:
                return False
            self._long_running = is_long_running(self._req)
            self._event = self._metadata(self._config.level)
            self._process("RequestReceived")
        return self._config.level is not Level.NONE

    def response_started(self, code: int, headers: list[tuple[str, str]]) -> None:
        if not self._begin():
            return
        self._status = {"metadata": {}, "code": code}
        self._response_type = next((v for k, v in headers if k.lower() == "content-type"), "")
        if self._long_running:
            self._process("ResponseStarted")

    def write(self, data: bytes) -> None:
        # A long-running response (a watch's events) is never logged; any other may be a Status.
        if self._status is not None and not self._long_running:
            self._response += data

    def complete(self) -> None:
        """The handler returned: send ResponseComplete (and ResponseStarted if a long-running request never answered)."""
        if not self._begin():
            return
        if self._status is None:
            # filters/audit.go fakes a success for a request that wrote nothing.
            self._status = {"metadata": {}, "status": "Success", "message": "Connection closed early", "code": 200}
            if self._long_running:
                self._process("ResponseStarted")
        self._log_response()
        self._process("ResponseComplete")

    def _process(self, stage: str) -> None:
        """processAuditEvent: a stage the policy omits is not sent."""
        assert self._config is not None
        if stage in self._config.omit_stages:
            return
        when = self._received_at if stage == "RequestReceived" else self._now()
        event = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", **self._event, "stage": stage}
        if self._status is not None and stage != "RequestReceived":
            event["responseStatus"] = self._status
            # What admission noted on the way (audit.AddAuditAnnotation), known once the request was handled.
            ctx = self._req.context
            if ctx is not None and ctx.audit_annotations:
                event["annotations"] = dict(ctx.audit_annotations)
        event["requestReceivedTimestamp"] = format_micro_time(self._received_at)
        event["stageTimestamp"] = format_micro_time(when)
        self._auditor.backend.process_event(dict(sorted(event.items(), key=lambda item: _ORDER.index(item[0]))))

    def _metadata(self, level: Level) -> dict[str, Any]:
        req = self._req
        ctx = req.context
        user_agent = req.headers.get("User-Agent")
        if len(user_agent) > MAX_USER_AGENT_LENGTH:
            user_agent = user_agent[:MAX_USER_AGENT_LENGTH] + USER_AGENT_TRUNCATE_SUFFIX
        event: dict[str, Any] = {
            "level": level.text,
            "auditID": req.audit_id,
            "requestURI": req.path + (f"?{req.query_string}" if req.query_string else ""),
            "verb": req.method.lower() if ctx is None else ctx.request_info.verb,
        }
        if ctx is not None:
            event["user"] = _user(ctx.impersonated_by or ctx.user)
            if ctx.impersonated_by is not None:
                event["impersonatedUser"] = _user(ctx.user)
        else:
            event["user"] = {}
        event["sourceIPs"] = _source_ips(req)
        event["userAgent"] = user_agent
        if ctx is not None and ctx.request_info.is_resource_request:
            info = ctx.request_info
            event["objectRef"] = {
                "resource": info.resource,
                "namespace": info.namespace,
                "name": info.name,
                "apiGroup": info.api_group,
                "apiVersion": info.api_version,
                "subresource": info.subresource,
            }
            self._log_request_object(event, level)
            ref = event["objectRef"]
            event["objectRef"] = {key: ref[key] for key in _OBJECT_REFERENCE_ORDER if ref.get(key)}
        return event

    def _log_request_object(self, event: dict[str, Any], level: Level) -> None:
        """LogRequestObject/LogRequestPatch: the body's identity, and at Request level the body itself."""
        req = self._req
        if not req.body:
            return
        try:
            obj = decode_payload(req.body, req.headers.get("Content-Type"))
        except Exception:
            return  # the handler answers 400 for a body it cannot decode
        if isinstance(obj, dict) and event["verb"] != _PATCH_VERB:
            meta_value = obj.get("metadata")
            meta: dict[str, Any] = meta_value if isinstance(meta_value, dict) else {}
            ref = event["objectRef"]
            for key in ("namespace", "name", "uid", "resourceVersion"):
                if not ref.get(key) and meta.get(key):
                    ref[key] = str(meta[key])
        if level >= Level.REQUEST:
            event["requestObject"] = self._trimmed(obj)

    def _log_response(self) -> None:
        """LogResponseObject: a Status's fields into responseStatus; at RequestResponse, the object."""
        assert self._status is not None and self._config is not None
        if not self._response:
            return
        if self._config.level < Level.REQUEST_RESPONSE and b"Status" not in self._response[:64]:
            return  # below RequestResponse only a Status answer adds anything (one names its kind first)
        try:
            obj = decode_payload(bytes(self._response), self._response_type)
        except Exception:
            return  # a text answer (a 429, /healthz): nothing to log but the code
        if isinstance(obj, dict) and obj.get("kind") == "Status":
            for key in ("status", "message", "reason", "details"):
                if obj.get(key):
                    self._status[key] = obj[key]
            self._status = {key: self._status[key] for key in _STATUS_ORDER if key in self._status}
        if self._config.level >= Level.REQUEST_RESPONSE:
            self._event["responseObject"] = self._trimmed(obj)

    def _trimmed(self, obj: Any) -> Any:
        assert self._config is not None
        return _without_managed_fields(obj) if self._config.omit_managed_fields else obj


# The Event struct's and metav1.Status's fields in declaration order (how Go marshals them).
_ORDER = [
    "kind",
    "apiVersion",
    "level",
    "auditID",
    "stage",
    "requestURI",
    "verb",
    "user",
    "impersonatedUser",
    "sourceIPs",
    "userAgent",
    "objectRef",
    "responseStatus",
    "requestObject",
    "responseObject",
    "requestReceivedTimestamp",
    "stageTimestamp",
    "annotations",
]
_OBJECT_REFERENCE_ORDER = [
    "resource",
    "namespace",
    "name",
    "uid",
    "apiGroup",
    "apiVersion",
    "resourceVersion",
    "subresource",
]
_STATUS_ORDER = ["metadata", "status", "message", "reason", "details", "code"]
