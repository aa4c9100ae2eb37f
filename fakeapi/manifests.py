"""Loading manifests: dicts, YAML text, YAML files and directories of them.

``List`` kinds (``kind: List`` or ``<Kind>List`` with ``items``) are flattened, empty YAML
documents skipped, and directories read in name order so seeding is deterministic. Every object
keeps where it came from (file and document index), so an error about it points at the input.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import yaml

from fakeapi.apimachinery import safeyaml

ManifestSource = dict[str, Any] | str | PathLike[str]
YAML_SUFFIXES = (".yaml", ".yml", ".json")
# Where a manifest given as text or as a dict came from, in messages.
TEXT_ORIGIN = "<text>"
DICT_ORIGIN = "<dict>"


class ManifestError(ValueError):
    """Input that is not a manifest: a missing file, invalid YAML, a document that is no mapping."""


@dataclass(frozen=True, slots=True)
class Manifest:
    """One object and where it came from: ``origin`` (a file, ``<text>`` or ``<dict>``) and its document index there."""

    obj: dict[str, Any]
    origin: str
    document: int

    def __str__(self) -> str:
        meta = self.obj.get("metadata") if isinstance(self.obj.get("metadata"), dict) else {}
        name = (meta or {}).get("name") or ((meta or {}).get("generateName") or "") + "*"
        namespace = (meta or {}).get("namespace")
        where = f"{namespace}/{name}" if namespace else name
        return f"{self.origin}, document {self.document}: {self.obj.get('kind') or '<no kind>'} {where}"


def _documents(text: str, origin: str) -> Iterator[Manifest]:
    try:
        for index, document in enumerate(safeyaml.load_all(text)):
            if document is None:
                continue
            if not isinstance(document, dict):
                raise ManifestError(
                    f"{origin}, document {index}: a manifest must be a mapping, not {type(document).__name__}"
                )
            for obj in _flatten(document):
                yield Manifest(obj, origin, index)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f", line {mark.line + 1}" if mark is not None else ""
        raise ManifestError(f"{origin}{line}: invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ManifestError(f"{origin}: invalid YAML: {exc}") from None


def _flatten(obj: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if str(obj.get("kind", "")).endswith("List") and isinstance(obj.get("items"), list):
        for item in obj["items"]:
            yield from _flatten(item)
    else:
        yield obj


def _from_path(path: Path) -> Iterator[Manifest]:
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file() and child.suffix in YAML_SUFFIXES:
                yield from _documents(child.read_text(), str(child))
    elif path.is_file():
        yield from _documents(path.read_text(), str(path))
    else:
        raise ManifestError(f"{path}: no such file or directory")


def _from_text(text: str) -> Iterator[Manifest]:
    """YAML text, or, on one line, a path: a single line that is no mapping is a path that does not exist."""
    if "\n" not in text and Path(text).exists():
        yield from _from_path(Path(text))
        return
    try:
        yield from _documents(text, TEXT_ORIGIN)
    except ManifestError:
        if "\n" in text:
            raise
        raise ManifestError(f"{text}: no such file or directory (and not a YAML manifest)") from None


def iter_manifests(sources: Iterable[ManifestSource]) -> Iterator[Manifest]:
    """Every object in ``sources``, in order, with where it came from.

    Raises:
        ManifestError: A path that does not exist, invalid YAML (with its file and line), a
            document that is not a mapping.
    """
    for source in sources:
        if isinstance(source, dict):
            yield from (Manifest(obj, DICT_ORIGIN, 0) for obj in _flatten(source))
        elif isinstance(source, str):
            yield from _from_text(source)
        elif isinstance(source, PathLike):
            yield from _from_path(Path(source))
        else:
            raise TypeError(f"cannot seed from {type(source).__name__}: give dicts, YAML text or paths")


def load_manifests(sources: Iterable[ManifestSource]) -> list[dict[str, Any]]:
    """Every object in ``sources``, in order (see :func:`iter_manifests`)."""
    return [manifest.obj for manifest in iter_manifests(sources)]
