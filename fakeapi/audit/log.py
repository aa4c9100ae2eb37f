"""The log backend of ``--audit-log-path`` (k8s.io/apiserver/plugin/pkg/audit/log/backend.go).

Each event is written as one line of JSON (``--audit-log-format=json``, the default), in the
order the events happen; ``-`` writes to standard output. Lines are flushed as they are
written, so a test reading the file sees every answered request.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import IO, Any

__all__ = ["LogBackend"]


class LogBackend:
    """Appends events to a file (created 0600, as lumberjack creates it) or to standard output."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._lock = threading.Lock()
        self._stream: IO[str]
        if self.path == "-":
            self._stream = sys.stdout
        else:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._stream = open(self.path, "a", encoding="utf-8", opener=_private)  # noqa: SIM115 - open for the server's life

    def process_event(self, event: dict[str, Any]) -> None:
        line = json.dumps(event, separators=(",", ":"), ensure_ascii=False) + "\n"
        with self._lock:
            self._stream.write(line)
            self._stream.flush()

    def close(self) -> None:
        if self._stream is not sys.stdout:
            with self._lock:
                self._stream.close()


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)
