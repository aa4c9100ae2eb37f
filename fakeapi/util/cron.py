"""Cron schedules as the CronJob controller reads them (github.com/robfig/cron/v3 parser.go, spec.go, constantdelay.go).

``parse_standard`` is ``cron.ParseStandard``: five fields (minute, hour, day of month, month,
day of week) with ``*``, ``?``, ranges ``a-b``, steps ``/n``, lists ``a,b`` and the names
JAN-DEC and SUN-SAT (any case); the descriptors ``@yearly``/``@annually``, ``@monthly``,
``@weekly``, ``@daily``/``@midnight``, ``@hourly`` and ``@every <duration>``; and a leading
``TZ=<zone>`` or ``CRON_TZ=<zone>``. As in robfig/cron, when both day fields are restricted a
day matching either one fires, and day of week runs 0-6 (Sunday is 0).

``Schedule.next(t)`` is the first activation strictly after ``t`` (at whole minutes, in the
schedule's time zone), or None when there is none within five years, as robfig gives up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_MONTHS = {
    name: i + 1
    for i, name in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])
}
_DAYS = {name: i for i, name in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}
# (minimum, maximum, names) of each of the five fields, in order.
_BOUNDS: tuple[tuple[int, int, dict[str, int]], ...] = (
    (0, 59, {}),
    (0, 23, {}),
    (1, 31, {}),
    (1, 12, _MONTHS),
    (0, 6, _DAYS),
)
_DESCRIPTORS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
# robfig/cron stops looking for a match five years ahead.
_SEARCH_YEARS = 5
_GO_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_GO_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


class Schedule(Protocol):
    def next(self, after: datetime) -> datetime | None: ...


@dataclass(frozen=True)
class SpecSchedule:
    """cron.SpecSchedule: the allowed values of each field; ``*`` (or ``?``) in a day field is remembered."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int]
    months: frozenset[int]
    days_of_week: frozenset[int]
    dom_star: bool
    dow_star: bool
    location: tzinfo

    def _day_matches(self, moment: datetime) -> bool:
        dom = moment.day in self.days_of_month
        dow = (moment.weekday() + 1) % 7 in self.days_of_week
        if self.dom_star or self.dow_star:
            return dom and dow
        return dom or dow

    def next(self, after: datetime) -> datetime | None:
        local = after.astimezone(self.location)
        # Wall-clock arithmetic in the zone, as robfig/cron walks time.Date fields.
        candidate = local.replace(second=0, microsecond=0, tzinfo=None) + timedelta(minutes=1)
        limit = local.year + _SEARCH_YEARS
        while candidate.year <= limit:
            if candidate.month not in self.months:
                year, month = (
                    (candidate.year + 1, 1) if candidate.month == 12 else (candidate.year, candidate.month + 1)
                )
                candidate = datetime(year, month, 1)
            elif not self._day_matches(candidate):
                candidate = datetime(candidate.year, candidate.month, candidate.day) + timedelta(days=1)
            elif candidate.hour not in self.hours:
                candidate = candidate.replace(minute=0) + timedelta(hours=1)
            elif candidate.minute not in self.minutes:
                candidate += timedelta(minutes=1)
            else:
                result = candidate.replace(tzinfo=self.location)
                if result > after:
                    return result
                candidate += timedelta(minutes=1)  # a wall time repeated by a DST change
        return None


@dataclass(frozen=True)
class ConstantDelaySchedule:
    """cron.ConstantDelaySchedule (``@every``): every ``delay`` seconds, at whole seconds."""

    delay: int

    def next(self, after: datetime) -> datetime | None:
        return after.replace(microsecond=0) + timedelta(seconds=self.delay)


def parse_standard(spec: str, location: tzinfo = UTC) -> Schedule:
    """cron.ParseStandard; ``location`` is the zone when the spec names none. Raises ValueError as robfig's errors read."""
    spec = spec.strip()
    if not spec:
        raise ValueError("empty spec string")
    if spec.startswith(("TZ=", "CRON_TZ=")):
        zone, _, spec = spec.partition(" ")
        name = zone.partition("=")[2]
        try:
            location = load_location(name)
        except ValueError as exc:
            raise ValueError(f"provided bad location {name}: {exc}") from exc
        spec = spec.strip()
    if spec.startswith("@"):
        if spec.startswith("@every "):
            seconds = int(parse_go_duration(spec[len("@every ") :].strip()))
            return ConstantDelaySchedule(max(seconds, 1))
        if spec not in _DESCRIPTORS:
            raise ValueError(f"unrecognized descriptor: {spec}")
        spec = _DESCRIPTORS[spec]
    fields = spec.split()
    if len(fields) != len(_BOUNDS):
        # Go prints the []string with %s: [a b c].
        raise ValueError(f"expected exactly {len(_BOUNDS)} fields, found {len(fields)}: [{' '.join(fields)}]")
    parsed = [_parse_field(text, *bounds) for text, bounds in zip(fields, _BOUNDS, strict=True)]
    return SpecSchedule(
        minutes=parsed[0][0],
        hours=parsed[1][0],
        days_of_month=parsed[2][0],
        months=parsed[3][0],
        days_of_week=parsed[4][0],
        dom_star=parsed[2][1],
        dow_star=parsed[4][1],
        location=location,
    )


def load_location(name: str) -> tzinfo:
    """time.LoadLocation: "" and "UTC" are UTC; an unknown zone raises ValueError."""
    if name in ("", "UTC"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name}") from exc


def parse_go_duration(text: str) -> float:
    """time.ParseDuration for the positive durations ``@every`` takes (``90s``, ``1h30m``); seconds."""
    position, total = 0, 0.0
    for match in _GO_DURATION_PART.finditer(text):
        if match.start() != position:
            break
        total += float(match.group(1)) * _GO_DURATION_UNITS[match.group(2)]
        position = match.end()
    if not text or position != len(text):
        raise ValueError(f'failed to parse duration @every {text}: time: invalid duration "{text}"')
    return total


def _parse_field(text: str, low: int, high: int, names: dict[str, int]) -> tuple[frozenset[int], bool]:
    """getField: the union of the comma-separated ranges; whether the field was an unstepped ``*``."""
    values: set[int] = set()
    star = False
    for part in text.split(","):
        part_values, part_star = _parse_range(part, low, high, names)
        values |= part_values
        star = star or part_star
    return frozenset(values), star


def _parse_range(expr: str, low: int, high: int, names: dict[str, int]) -> tuple[set[int], bool]:
    """getRange: ``*``, ``n``, ``a-b``, each with an optional ``/step``."""
    range_and_step = expr.split("/")
    if len(range_and_step) > 2:
        raise ValueError(f"too many slashes: {expr}")
    low_and_high = range_and_step[0].split("-")
    if len(low_and_high) > 2:
        raise ValueError(f"too many hyphens: {expr}")
    star = low_and_high[0] in ("*", "?")
    if star:
        start, end = low, high
    else:
        start = _parse_value(low_and_high[0], names)
        end = _parse_value(low_and_high[1], names) if len(low_and_high) == 2 else start
    step = 1
    if len(range_and_step) == 2:
        step = _parse_int(range_and_step[1])
        if len(low_and_high) == 1 and not star:
            end = high  # "n/step" runs from n to the maximum
        if step > 1:
            star = False
    if start < low:
        raise ValueError(f"beginning of range ({start}) below minimum ({low}): {expr}")
    if end > high:
        raise ValueError(f"end of range ({end}) above maximum ({high}): {expr}")
    if start > end:
        raise ValueError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step <= 0:
        raise ValueError(f"step of range should be a positive number: {expr}")
    return set(range(start, end + 1, step)), star


def _parse_value(text: str, names: dict[str, int]) -> int:
    named = names.get(text.lower())
    return named if named is not None else _parse_int(text)


def _parse_int(text: str) -> int:
    if not text.isdigit():
        raise ValueError(f"failed to parse int from {text}")
    return int(text)
