"""Formatted strings as CRD rules see them, at any depth: timestamps, durations.

Expectations: apiserver/pkg/cel/common/valuesunstructured.go (UnstructuredToVal: a string of
format ``date-time`` or ``date`` is a timestamp, of format ``duration`` a duration, wherever it
sits below the node of a rule), kube-openapi's strfmt.ParseDateTime (Go's time.Parse with
RFC 3339 layouts, fractions of any length, offsets, a local time in UTC) and
strfmt.ParseDuration (Go durations, else terms such as ``3 days``), and cel-go with
base.go's DefaultUTCTimeZone (accessors without a time zone read UTC).
"""

from __future__ import annotations

from typing import Any

import pytest
from crd_manifests import crd_manifest
from crd_rules import rule_errors, ruled

from fakeapi.server.instance import FakeAPIServer

DATE_TIME = {"type": "string", "format": "date-time"}
DURATION = {"type": "string", "format": "duration"}
DATE = {"type": "string", "format": "date"}
STRING = {"type": "string"}


def test_a_rule_on_an_object_holding_a_date_time_property() -> None:
    schema = ruled({"v": DATE_TIME}, "self.v > timestamp('2000-01-01T00:00:00Z')")
    assert rule_errors(schema, {"v": "2020-01-01T00:00:00Z"}) == []
    assert rule_errors(schema, {"v": "1999-01-01T00:00:00Z"}) == [
        "<nil>: Invalid value: \"object\": failed rule: self.v > timestamp('2000-01-01T00:00:00Z')"
    ]


def test_a_root_rule_runs_when_a_date_time_is_held_anywhere_below() -> None:
    condition = {"type": "object", "properties": {"type": STRING, "lastTransitionTime": DATE_TIME}}
    status = {"type": "object", "properties": {"conditions": {"type": "array", "items": condition}}}
    spec = {"type": "object", "properties": {"replicas": {"type": "integer"}, "timeout": DURATION}}
    schema = ruled({"spec": spec, "status": status}, "self.spec.replicas >= 0")
    obj = {
        "spec": {"replicas": 1, "timeout": "30s"},
        "status": {"conditions": [{"type": "Ready", "lastTransitionTime": "2024-01-02T03:04:05Z"}]},
    }
    assert rule_errors(schema, obj) == []
    assert rule_errors(schema, {**obj, "spec": {"replicas": -1}}) == [
        '<nil>: Invalid value: "object": failed rule: self.spec.replicas >= 0'
    ]


NESTED = ruled(
    {
        "at": DATE_TIME,
        "timeout": DURATION,
        "day": DATE,
        "times": {"type": "array", "items": DATE_TIME},
        "byName": {"type": "object", "additionalProperties": DATE_TIME},
        "windows": {
            "type": "array",
            "items": {"type": "object", "properties": {"start": DATE_TIME, "length": DURATION}},
        },
        "deep": {"type": "object", "properties": {"deeper": {"type": "object", "properties": {"t": DATE_TIME}}}},
    },
    "self.at.getFullYear() == 2024 && self.at.getMonth() == 0 && self.at.getHours() == 2",
    "self.at.getMilliseconds() == 123",
    "self.timeout == duration('1h30m') && self.timeout.getMinutes() == 90",
    "self.day == timestamp('2024-02-29T00:00:00Z')",
    "self.times[0] < self.times[1] && self.times.exists(t, t == self.at)",
    "self.byName.a + duration('24h') == self.byName.b",
    "self.windows.all(w, w.start + w.length <= timestamp('2025-01-01T00:00:00Z'))",
    "self.windows.map(w, w.length).exists(l, l > duration('1h'))",
    "self.deep.deeper.t - self.at == duration('1s')",
    "type(self.at) == google.protobuf.Timestamp && type(self.timeout) == google.protobuf.Duration",
)
NESTED_OBJECT = {
    "at": "2024-01-02T03:04:05.123+01:00",
    "timeout": "1h30m",
    "day": "2024-02-29",
    "times": ["2023-01-01T00:00:00Z", "2024-01-02T02:04:05.123Z"],
    "byName": {"a": "2024-01-01T00:00:00Z", "b": "2024-01-02T00:00:00Z"},
    "windows": [
        {"start": "2024-06-01T00:00:00Z", "length": "2h"},
        {"start": "2024-12-31T23:00:00Z", "length": "1h"},
    ],
    "deep": {"deeper": {"t": "2024-01-02T02:04:06.123Z"}},
}


def test_timestamps_and_durations_at_any_depth() -> None:
    assert rule_errors(NESTED, NESTED_OBJECT) == []


def test_timestamps_and_durations_fail_rules_as_values() -> None:
    late = {**NESTED_OBJECT, "windows": [{"start": "2024-12-31T23:30:00Z", "length": "1h"}]}
    assert rule_errors(NESTED, late) == [
        "<nil>: Invalid value: \"object\": failed rule: self.windows.all(w, w.start + w.length <= timestamp('2025-01-01T00:00:00Z'))",
        "<nil>: Invalid value: \"object\": failed rule: self.windows.map(w, w.length).exists(l, l > duration('1h'))",
    ]


KEYED = {"type": "object", "properties": {"name": STRING, "at": DATE_TIME, "every": DURATION}}
SCHEDULES = {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"], "items": KEYED}


def test_transition_rules_compare_old_and_new_timestamps() -> None:
    item = {**KEYED, "x-kubernetes-validations": [{"rule": "self.at >= oldSelf.at", "message": "at went back"}]}
    schema = ruled(
        {"schedules": {**SCHEDULES, "items": item}, "at": DATE_TIME},
        {"rule": "self.at >= oldSelf.at", "message": "moved back"},
        {"rule": "!oldSelf.hasValue() || oldSelf.value().at <= self.at", "optionalOldSelf": True},
        {"rule": "oldSelf.hasValue() || self.at.getFullYear() > 2000", "optionalOldSelf": True},
    )
    old = {"at": "2024-01-01T00:00:00Z", "schedules": [{"name": "a", "at": "2024-01-01T00:00:00Z"}]}
    assert rule_errors(schema, old) == []
    assert rule_errors(schema, {**old, "at": "2024-01-01T00:00:00.000000001Z"}, old) == []
    assert rule_errors(schema, {"at": "1999-12-31T23:59:59Z", "schedules": [{"name": "a", "at": "2023-01-01T00:00:00Z"}]}, old) == [
        '<nil>: Invalid value: "object": moved back',
        '<nil>: Invalid value: "object": failed rule: !oldSelf.hasValue() || oldSelf.value().at <= self.at',
        'schedules[0]: Invalid value: "object": at went back',
    ]  # fmt: skip


def test_set_and_map_lists_of_timestamps_and_durations_compare_ignoring_order() -> None:
    times = {"type": "array", "items": DATE_TIME, "x-kubernetes-list-type": "set"}
    durations = {"type": "array", "items": DURATION, "x-kubernetes-list-type": "set"}
    schema = ruled(
        {"spec": {"type": "object", "properties": {"times": times, "durations": durations, "schedules": SCHEDULES}}},
        "self == oldSelf",
        "self.spec.times == oldSelf.spec.times && self.spec.durations == oldSelf.spec.durations",
        "self.spec.schedules == oldSelf.spec.schedules",
    )
    old = {
        "spec": {
            "times": ["2024-01-01T00:00:00Z", "2023-01-01T00:00:00+01:00"],
            "durations": ["1h", "90s"],
            "schedules": [{"name": "a", "at": "2024-01-01T00:00:00Z", "every": "1h"}, {"name": "b", "every": "2h"}],
        }
    }
    # The same instants and lengths, written otherwise and in another order.
    new = {
        "spec": {
            "times": ["2022-12-31T23:00:00Z", "2024-01-01T00:00:00.000Z"],
            "durations": ["1m30s", "60m"],
            "schedules": [{"name": "b", "every": "120m"}, {"name": "a", "at": "2024-01-01T01:00:00+01:00", "every": "1h"}],
        }
    }  # fmt: skip
    assert rule_errors(schema, new, old) == []
    changed = {"spec": {**new["spec"], "durations": ["1m31s", "60m"]}}
    assert rule_errors(schema, changed, old) == [
        '<nil>: Invalid value: "object": failed rule: self == oldSelf',
        '<nil>: Invalid value: "object": failed rule: '
        "self.spec.times == oldSelf.spec.times && self.spec.durations == oldSelf.spec.durations",
    ]


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z"),
        ("2024-01-02T03:04:05.5Z", "2024-01-02T03:04:05.5Z"),
        ("2024-01-02T03:04:05.123456789Z", "2024-01-02T03:04:05.123456789Z"),
        # Go drops the digits past nanoseconds, and takes a comma for the point.
        ("2024-01-02T03:04:05,1234567899Z", "2024-01-02T03:04:05.123456789Z"),
        ("2024-01-02T03:04:05+05:30", "2024-01-01T21:34:05Z"),
        ("2024-01-02T03:04:05.25-08:00", "2024-01-02T11:04:05.25Z"),
        # No zone: UTC.
        ("2024-01-02T03:04:05", "2024-01-02T03:04:05Z"),
        ("2024-01-02T3:04:05Z", "2024-01-02T03:04:05Z"),
        ("2024-02-29T23:59:59.999999999Z", "2024-02-29T23:59:59.999999999Z"),
    ],
)
def test_date_times_parse_as_strfmt_parses_them(text: str, instant: str) -> None:
    schema = ruled({"v": DATE_TIME}, f"self.v == timestamp('{instant}')")
    assert rule_errors(schema, {"v": text}) == []


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("1h30m", "5400s"),
        ("-1.5s", "-1.5s"),
        ("+0", "0s"),
        ("1.000000001s", "1.000000001s"),
        ("1us", "0.000001s"),
        ("1\u00b5s2ns", "0.000001002s"),
        (".5m", "30s"),
        # strfmt's words: a whole number and a unit, by name or by the beginning of a longer one.
        ("3 days 4 hours", "273600s"),
        ("2 weeks", "1209600s"),
        ("5 seconds 10 ms", "5.01s"),
        ("1 hr 2 mins", "3720s"),
    ],
)
def test_durations_parse_as_strfmt_parses_them(text: str, length: str) -> None:
    schema = ruled({"v": DURATION}, f"self.v == duration('{length}')")
    assert rule_errors(schema, {"v": text}) == []


# -- through the server ----------------------------------------------------------------------------

CERTIFICATES = "/apis/example.com/v1/namespaces/default/certificates"

CERTIFICATE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "properties": {
                "replicas": {"type": "integer"},
                "duration": DURATION,
                "renewBefore": DURATION,
                "notAfter": DATE_TIME,
            },
            "x-kubernetes-validations": [
                {
                    "rule": "!has(self.renewBefore) || self.renewBefore < self.duration",
                    "message": "renewBefore must be shorter than duration",
                },
                {"rule": "self.notAfter > timestamp('2000-01-01T00:00:00Z')", "fieldPath": ".notAfter"},
            ],
        },
        "status": {
            "type": "object",
            "properties": {
                "notBefore": DATE_TIME,
                "conditions": {
                    "type": "array",
                    "items": {"type": "object", "properties": {"type": STRING, "lastTransitionTime": DATE_TIME}},
                },
            },
        },
    },
    "x-kubernetes-validations": [
        {"rule": "self.spec.replicas >= 0"},
        {
            "rule": "!has(self.status) || !has(self.status.notBefore) || self.status.notBefore < self.spec.notAfter",
            "messageExpression": "'notBefore ' + string(self.status.notBefore) + ' is after notAfter'",
        },
    ],
}


def _certificate(name: str, spec: dict[str, Any], status: dict[str, Any] | None = None) -> dict[str, Any]:
    body = {"apiVersion": "example.com/v1", "kind": "Certificate", "metadata": {"name": name}, "spec": spec}
    if status is not None:
        body["status"] = status
    return body


def test_rules_over_timestamps_and_durations_through_the_server(fakeapi: Any) -> None:
    server: FakeAPIServer = fakeapi.server
    crd = crd_manifest("Certificate", schema=CERTIFICATE_SCHEMA)
    assert server.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd).status == 201
    spec = {"replicas": 1, "duration": "2160h", "renewBefore": "360h", "notAfter": "2030-01-01T00:00:00Z"}
    status = {
        "notBefore": "2024-01-01T00:00:00+02:00",
        "conditions": [{"type": "Ready", "lastTransitionTime": "2024-01-01T00:00:00.5Z"}],
    }
    created = server.request("POST", CERTIFICATES, _certificate("good", spec, status))
    assert created.status == 201, created.body.decode()

    bad_spec = {"replicas": -1, "duration": "1h", "renewBefore": "2h", "notAfter": "1999-12-31T23:59:59Z"}
    response = server.request(
        "POST", CERTIFICATES, _certificate("bad", bad_spec, {"notBefore": "2000-01-01T00:00:00Z"})
    )
    assert response.status == 422
    assert response.json()["message"] == (
        'Certificate.example.com "bad" is invalid: ['
        '<nil>: Invalid value: "object": failed rule: self.spec.replicas >= 0, '
        '<nil>: Invalid value: "object": notBefore 2000-01-01T00:00:00Z is after notAfter, '
        'spec: Invalid value: "object": renewBefore must be shorter than duration, '
        "spec.notAfter: Invalid value: \"object\": failed rule: self.notAfter > timestamp('2000-01-01T00:00:00Z')]"
    )
