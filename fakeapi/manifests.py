"""Loading manifests: dicts, YAML text, YAML files and directories of them.

``List`` kinds (``kind: List`` or ``<Kind>List`` with ``items``) are flattened, empty YAML
documents skipped, and directories read in name order so seeding is deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from os import PathLike
from pathlib import Path
from typing import Any

from fakeapi.apimachinery import safeyaml

ManifestSource = dict[str, Any] | str | PathLike[str]
YAML_SUFFIXES = (".yaml", ".yml", ".json")


def _documents(text: str) -> Iterator[dict[str, Any]]:
    for document in safeyaml.load_all(text):
        if document is None:
            continue
        if not isinstance(document, dict):
            raise ValueError(f"a manifest must be a mapping, not {type(document).__name__}")
        yield from _flatten(document)


def _flatten(obj: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if str(obj.get("kind", "")).endswith("List") and isinstance(obj.get("items"), list):
        for item in obj["items"]:
            yield from _flatten(item)
    else:
        yield obj


def _from_path(path: Path) -> Iterator[dict[str, Any]]:
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file() and child.suffix in YAML_SUFFIXES:
                yield from _documents(child.read_text())
    else:
        yield from _documents(path.read_text())


def load_manifests(sources: Iterable[ManifestSource]) -> list[dict[str, Any]]:
    """Every object in ``sources``, in order."""
    objects: list[dict[str, Any]] = []
    for source in sources:
        if isinstance(source, dict):
            objects.extend(_flatten(source))
        elif isinstance(source, PathLike) or (isinstance(source, str) and "\n" not in source and Path(source).exists()):
            objects.extend(_from_path(Path(source)))
        elif isinstance(source, str):
            objects.extend(_documents(source))
        else:
            raise TypeError(f"cannot seed from {type(source).__name__}")
    return objects
