"""The plugin's trace files (``--fakeapi-trace``): a test's phases as it runs, its trace written when it ends.

While a test runs, only its phases are noted (pytest's setup, call and teardown: when, and
with what outcome) and its failure; the server records its traffic anyway. When the test is
over, a trace is rendered if the mode asks for one (``on``: every test that used a cluster;
``retain-on-failure``: those that failed), so a passing test pays nothing more. The file goes
to ``<trace dir>/<test>/fakeapi-trace.html`` (pytest-playwright's layout), and its path is
shown with the failure. The trace package is imported only to write one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from fakeapi.pytest_plugin import options

if TYPE_CHECKING:
    from fakeapi.pytest_plugin.handle import FakeAPI

TRACE_FILE_NAME = "fakeapi-trace.html"
REPORT_SECTION = "fakeapi trace"
# pytest's text of a failure is kept whole up to this many characters (its end, where the error is, beyond).
MAX_FAILURE_TEXT = 20_000
# Folder names longer than this are shortened, with a hash of the node id to keep them apart.
MAX_FOLDER_NAME = 100


@dataclass
class _PhaseRecord:
    name: str
    start: float
    end: float
    outcome: str


@dataclass
class _FailureRecord:
    phase: str
    message: str
    location: str
    text: str


@dataclass
class _TestRecord:
    phases: list[_PhaseRecord] = field(default_factory=list)
    failure: _FailureRecord | None = None
    path: Path | None = None


_RECORD = pytest.StashKey[_TestRecord]()
_MODE = pytest.StashKey[str]()


def mode(config: pytest.Config) -> str:
    """The session's --fakeapi-trace mode (read once)."""
    if _MODE not in config.stash:
        config.stash[_MODE] = options.trace_mode(config)
    return config.stash[_MODE]


def record_phase(
    item: pytest.Item,
    call: pytest.CallInfo[None],
    report: pytest.TestReport,
    handles: Sequence[FakeAPI],
    ended: float,
) -> None:
    """Note a phase that ended at ``ended`` (real monotonic); at the end of teardown, write the trace if one is due.

    A failing phase's report gets the trace's path as a section, shown with the failure.
    """
    trace_mode = mode(item.config)
    if trace_mode == options.TRACE_OFF:
        return
    record = item.stash.setdefault(_RECORD, _TestRecord())
    record.phases.append(_PhaseRecord(call.when, ended - call.duration, ended, report.outcome))
    if report.failed and record.failure is None:
        record.failure = _failure(call.when, report)
    due = trace_mode == options.TRACE_ON or record.failure is not None
    if not (due and handles):
        return
    if record.path is None:
        record.path = options.trace_dir(item.config) / _folder_name(item.nodeid) / TRACE_FILE_NAME
    if report.failed:
        report.sections.append((REPORT_SECTION, f"{record.path}\n(open it in a browser)"))
    if call.when == "teardown":
        _write(item, record, record.path, handles, report)


def _write(
    item: pytest.Item, record: _TestRecord, path: Path, handles: Sequence[FakeAPI], report: pytest.TestReport
) -> None:
    from fakeapi.testing.trace import Failure, Phase, TracedTest, write_trace

    failed = record.failure is not None
    test = TracedTest(
        nodeid=item.nodeid,
        outcome="failed" if failed else "passed",
        phases=[Phase(p.name, p.start, p.end, p.outcome) for p in record.phases],
        failure=None if record.failure is None else Failure(**vars(record.failure)),
    )
    try:
        write_trace(
            path,
            {handle.url: handle.server for handle in handles},
            title=item.nodeid,
            origin=record.phases[0].start,
            test=test,
        )
    except Exception as exc:
        # A trace that cannot be written (a full disk, a folder not writable) must not hide the test's own outcome.
        report.sections.append((REPORT_SECTION, f"could not write {path}: {exc!r}"))


def _failure(phase: str, report: pytest.TestReport) -> _FailureRecord:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = report.longreprtext
    if len(text) > MAX_FAILURE_TEXT:
        text = "…\n" + text[-MAX_FAILURE_TEXT:]
    if crash is not None:
        return _FailureRecord(phase, crash.message, f"{crash.path}:{crash.lineno}", text)
    lines = text.strip().splitlines()
    return _FailureRecord(phase, lines[-1] if lines else "failed", report.location[0], text)


def _folder_name(nodeid: str) -> str:
    """A folder name from a node id, as pytest-playwright makes them: safe characters only, not too long."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", nodeid).strip("-")
    if len(slug) <= MAX_FOLDER_NAME:
        return slug
    digest = hashlib.sha256(nodeid.encode()).hexdigest()[:12]
    return f"{slug[: MAX_FOLDER_NAME - 13]}-{digest}"
