"""Events: one storage for core v1 and events.k8s.io/v1, validated by the version asked through.

kube-apiserver keeps both APIs' Events in one place (``AddCohabitatingResources`` in its storage
factory) and converts between them (pkg/apis/events/v1/conversion.go): an Event posted through
either API is listed, watched and deleted through both. ``EventsV1Codec`` is that conversion,
with core v1 as the storage form.

``EventStrategy`` is pkg/registry/core/event/strategy.go with pkg/apis/core/validation/events.go:
every Event passes the legacy checks; one written through events.k8s.io/v1 also passes the
strict ones (``eventTime`` set, the deprecated fields unset, fields immutable on update). The
checks read the core form, so their field paths are the internal ones upstream reports
(``firstTimestamp``, not ``deprecatedFirstTimestamp``).
"""

from __future__ import annotations

from typing import Any

from fakeapi.apimachinery import field
from fakeapi.apimachinery.field import FieldError
from fakeapi.apimachinery.gojson import go_encoder_for
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.apimachinery.labels import qualified_name_errors
from fakeapi.apimachinery.schema import GroupVersionKind
from fakeapi.apimachinery.validation import is_dns1123_subdomain
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.strategy import Strategy
from fakeapi.storage.interfaces import Object

EVENTS_GROUP = "events.k8s.io"
CORE_API_VERSION = "v1"
EVENTS_V1_API_VERSION = "events.k8s.io/v1"

# events.k8s.io/v1 field -> core v1 field, where the names differ; every other field is shared.
_EVENTS_V1_TO_CORE = {
    "regarding": "involvedObject",
    "note": "message",
    "deprecatedSource": "source",
    "deprecatedFirstTimestamp": "firstTimestamp",
    "deprecatedLastTimestamp": "lastTimestamp",
    "deprecatedCount": "count",
    # core v1 serializes the internal ReportingController as reportingComponent.
    "reportingController": "reportingComponent",
}
_CORE_TO_EVENTS_V1 = {core: events for events, core in _EVENTS_V1_TO_CORE.items()}

# pkg/apis/core/validation/events.go
REPORTING_INSTANCE_LENGTH_LIMIT = 128
ACTION_LENGTH_LIMIT = 128
REASON_LENGTH_LIMIT = 128
NOTE_LENGTH_LIMIT = 1024
_NAMESPACE_DEFAULT = "default"
_NAMESPACE_SYSTEM = "kube-system"
_EVENT_TYPES = ("Normal", "Warning")

# ValidateEventUpdate's immutable fields in its order, core names. reason is listed twice
# upstream, so changing it reports two errors there, and here.
_IMMUTABLE_ON_STRICT_UPDATE = (
    "involvedObject",
    "reason",
    "message",
    "source",
    "firstTimestamp",
    "lastTimestamp",
    "count",
    "reason",
    "type",
    "eventTime",
    "action",
    "related",
    "reportingComponent",
    "reportingInstance",
)
# Where the internal field name differs from core v1's JSON name, errors use the internal one.
_INTERNAL_PATH = {"reportingComponent": "reportingController"}


def _renamed(obj: Object, names: dict[str, str], api_version: str) -> Object:
    """A new top-level object with fields renamed; values are shared, as stored objects are never mutated."""
    out = {names.get(key, key): value for key, value in obj.items()}
    out["apiVersion"] = api_version
    return out


# What core v1 always writes (no omitempty) and events.k8s.io/v1 leaves out when empty.
_OMITTED_EMPTY_IN_EVENTS_V1 = ("reportingController", "reportingInstance")


def events_v1_to_core(obj: Object) -> Object:
    """Convert_v1_Event_To_core_Event, on the JSON forms, encoded as core v1's Go type."""
    # A copy: the encoding fills nested fields, and the values of a stored object are shared.
    core = deep_copy_json(_renamed(obj, _EVENTS_V1_TO_CORE, CORE_API_VERSION))
    encode = go_encoder_for(GroupVersionKind("", "v1", "Event"))
    if encode is not None:
        encode(core)
    return core


def core_to_events_v1(obj: Object) -> Object:
    """Convert_core_Event_To_v1_Event, on the JSON forms, encoded as events.k8s.io/v1's Go type."""
    event = deep_copy_json(_renamed(obj, _CORE_TO_EVENTS_V1, EVENTS_V1_API_VERSION))
    for key in _OMITTED_EMPTY_IN_EVENTS_V1:
        if event.get(key) == "":
            del event[key]
    encode = go_encoder_for(GroupVersionKind("events.k8s.io", "v1", "Event"))
    if encode is not None:
        encode(event)
    return event


class EventsV1Codec:
    """events.k8s.io/v1 Events served from core v1 Events."""

    def to_storage(self, obj: Object) -> Object:
        return events_v1_to_core(obj)

    def from_storage(self, obj: Object) -> Object:
        return core_to_events_v1(obj)


def _text(obj: Object, key: str) -> str:
    value = obj.get(key)
    return value if isinstance(value, str) else ""


def _unset(value: Any) -> bool:
    """The Go zero value: what an absent, null or empty field decodes to."""
    return value in (None, "", 0, {})


def legacy_validate_event(event: Object) -> list[FieldError]:
    """legacyValidateEvent: the checks every Event passes, whichever API wrote it."""
    errs: list[FieldError] = []
    namespace = _text(event.get("metadata") or {}, "namespace")
    involved = event.get("involvedObject") or {}
    involved_namespace = _text(involved, "namespace")
    mismatch = field.invalid("involvedObject.namespace", involved_namespace, "does not match event.namespace")
    if _unset(event.get("eventTime")):
        # An old-style Event: its namespace and the involved object's must agree.
        if (not involved_namespace and namespace not in ("", _NAMESPACE_DEFAULT)) or (
            involved_namespace and namespace != involved_namespace
        ):
            errs.append(mismatch)
    else:
        if not involved_namespace and namespace not in (_NAMESPACE_DEFAULT, _NAMESPACE_SYSTEM):
            errs.append(mismatch)
        controller = _text(event, "reportingComponent")
        if not controller:
            errs.append(field.required("reportingController"))
        errs += [field.invalid("reportingController", controller, m) for m in qualified_name_errors(controller)]
        errs += _required_with_limit(event, "reportingInstance", REPORTING_INSTANCE_LENGTH_LIMIT)
        errs += _required_with_limit(event, "action", ACTION_LENGTH_LIMIT)
        errs += _required_with_limit(event, "reason", REASON_LENGTH_LIMIT)
        if len(_text(event, "message")) > NOTE_LENGTH_LIMIT:
            errs.append(field.invalid("message", "", f"can have at most {NOTE_LENGTH_LIMIT} characters"))
    errs += [field.invalid("namespace", namespace, m) for m in is_dns1123_subdomain(namespace)]
    return errs


def _required_with_limit(event: Object, key: str, limit: int) -> list[FieldError]:
    value = _text(event, key)
    if not value:
        return [field.required(key)]
    if len(value) > limit:
        return [field.invalid(key, "", f"can have at most {limit} characters")]
    return []


def _validate_series(event: Object) -> list[FieldError]:
    """validateV1EventSeries."""
    series = event.get("series")
    if not isinstance(series, dict):
        return []
    errs: list[FieldError] = []
    count = series.get("count")
    if not isinstance(count, int) or count < 2:
        errs.append(field.invalid("series.count", "", "should be at least 2"))
    if _unset(series.get("lastObservedTime")):
        errs.append(field.required("series.lastObservedTime"))
    return errs


def strict_validate_event(event: Object) -> list[FieldError]:
    """The checks ValidateEventCreate adds for events.k8s.io/v1 (ObjectMeta's run in the generic Store)."""
    errs = _validate_series(event)
    if _unset(event.get("eventTime")):
        errs.append(field.required("eventTime"))
    event_type = _text(event, "type")
    if event_type not in _EVENT_TYPES:
        errs.append(field.invalid("type", "", f"has invalid value: {event_type}"))
    for key in ("firstTimestamp", "lastTimestamp", "count"):
        if not _unset(event.get(key)):
            errs.append(field.invalid(key, "", "needs to be unset"))
    source = event.get("source") or {}
    if _text(source, "component") or _text(source, "host"):
        errs.append(field.invalid("source", "", "needs to be unset"))
    return errs


class EventStrategy(Strategy):
    """Events of either API: legacy validation always, strict validation through events.k8s.io."""

    @property
    def _strict(self) -> bool:
        # Upstream asks the request's group-version; a Store serves exactly one.
        return self.spec.group == EVENTS_GROUP

    def _as_core(self, obj: Object) -> Object:
        return events_v1_to_core(obj) if self._strict else obj

    def validate(self, ctx: RequestContext, obj: Object) -> list[FieldError]:
        event = self._as_core(obj)
        errs = legacy_validate_event(event)
        if self._strict:
            errs += strict_validate_event(event)
        return errs

    def validate_update(self, ctx: RequestContext, obj: Object, old: Object) -> list[FieldError]:
        event, old_event = self._as_core(obj), self._as_core(old)
        errs = legacy_validate_event(event)
        if not self._strict:
            return errs
        if event.get("series") != old_event.get("series"):
            errs += _validate_series(event)
        for key in _IMMUTABLE_ON_STRICT_UPDATE:
            new_value, old_value = event.get(key), old_event.get(key)
            if new_value != old_value and not (_unset(new_value) and _unset(old_value)):
                errs.append(field.invalid(_INTERNAL_PATH.get(key, key), new_value, "field is immutable"))
        return errs
