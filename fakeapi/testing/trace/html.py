"""The trace as one self-contained HTML file: the viewer's HTML, CSS and JavaScript with the document inside.

The document is embedded as gzip in base64 (the viewer unpacks it with the browser's
``DecompressionStream``): Kubernetes objects repeat themselves, so a trace is a tenth of its
JSON. Nothing is fetched when the file is opened: it works from a CI artefact, offline. The
live view serves the same page without a document, pointed at the server instead.
"""

from __future__ import annotations

import base64
import functools
import gzip
import json
import os
import threading
from importlib import resources
from pathlib import Path
from typing import Any

_STYLE = "/*fakeapi:style*/"
_SCRIPT = "/*fakeapi:script*/"
_DATA = "fakeapi:data"
_LIVE = "fakeapi:live"
# zlib level 3: about 5 ms of CPU a MB of JSON, within a fifth of level 6's size at less than half its time.
_GZIP_LEVEL = 3


@functools.cache
def _assets() -> tuple[str, str, str]:
    """The viewer's HTML, CSS and JavaScript, shipped as package data."""
    folder = resources.files("fakeapi.testing.trace").joinpath("viewer")
    return tuple(
        folder.joinpath(name).read_text(encoding="utf-8") for name in ("viewer.html", "viewer.css", "viewer.js")
    )  # type: ignore[return-value]


def render_html(document: dict[str, Any] | None = None, *, live_endpoint: str = "") -> str:
    """The viewer page: with ``document`` inside, or (``live_endpoint``) following a server's trace at that URL."""
    template, style, script = _assets()
    data = ""
    if document is not None:
        encoded = _encode(document)
        data = base64.b64encode(gzip.compress(encoded, _GZIP_LEVEL, mtime=0)).decode("ascii")
    # The page's own markers are replaced before the assets go in, so nothing inside them is touched.
    page = template.replace(_DATA, data).replace(_LIVE, live_endpoint)
    return page.replace(_STYLE, style).replace(_SCRIPT, script)


def _encode(document: dict[str, Any]) -> bytes:
    """Compact JSON; a value JSON has no form for (rare: a test's own object) is written as its ``str``.

    Without a ``default`` the encoder never calls back into Python, a fifth faster on a large trace.
    """
    try:
        return json.dumps(document, separators=(",", ":")).encode()
    except TypeError:
        return json.dumps(document, separators=(",", ":"), default=str).encode()


def read_html(path: Path) -> dict[str, Any]:
    """The document inside a trace file (for scripts that check traces, and for tests of them)."""
    page = path.read_text(encoding="utf-8")
    opening = '<script id="trace-data" type="application/octet-stream">'
    start = page.index(opening) + len(opening)
    data = page[start : page.index("</script>", start)]
    document: dict[str, Any] = json.loads(gzip.decompress(base64.b64decode(data)))
    return document


def write_html(path: Path, document: dict[str, Any]) -> Path:
    """Write the trace file at ``path`` (its folder made if needed) atomically; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page = render_html(document).encode("utf-8")
    # Written beside, then renamed: a reader (a CI artefact upload) never sees half a file.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        temporary.write_bytes(page)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path
