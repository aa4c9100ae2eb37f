"""Reproducible state: settling the controllers in a fixed order, and a canonical dump of every object.

A server seeded (``ServerConfig.seed`` or ``reset(seed=...)``) draws uids and generateName
suffixes from that seed and restarts its revision counter; with the wall clock frozen, what
remains to fix is the order of writes. The controllers write in their own threads, so a
server settles them itself, from one thread, in a fixed order (:func:`settle`), before it
hands a fresh or reset cluster to a test. :func:`dump` then writes every object as canonical
text: the same state gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Literal

import yaml

from fakeapi.controllers.base import QueueController
from fakeapi.storage.interfaces import Object

# Rounds over every controller before settle() gives up on controllers that keep feeding each other.
MAX_SETTLE_ROUNDS = 1000

SnapshotFormat = Literal["yaml", "json"]


def settle(controllers: Iterable[QueueController[Any]], max_rounds: int = MAX_SETTLE_ROUNDS) -> int:
    """Run the controllers' queued work in the calling thread, in the order given, until none is left.

    Each round gives every controller with queued keys one ``run_once()``; work one controller
    causes for another is done in a later round. Keys waiting for a back-off retry do not count
    as queued. The caller keeps background workers away (``paused()``, or not started).

    Returns:
        How many rounds it took.

    Raises:
        RuntimeError: Still busy after ``max_rounds`` rounds.
        Exception: The first sync that failed (see ``QueueController.run_once``).
    """
    ordered = list(controllers)
    for rounds in range(max_rounds):
        busy = [c for c in ordered if len(c.queue)]
        if not busy:
            return rounds
        for controller in busy:
            controller.run_once()
    raise RuntimeError(f"the controllers still had work after {max_rounds} rounds")


def dump(objects_by_prefix: dict[str, list[Object]], revision: int, format: SnapshotFormat = "yaml") -> str:
    """Every object as a ``v1 List`` in canonical text: sorted keys, objects in group, resource, namespace, name order.

    ``objects_by_prefix`` is ``MemoryStorage.dump()``'s: storage key prefixes (``<group>/<resource>``,
    ``<resource>`` for the core group, ``@<version>`` for a version stored apart) to objects in
    (namespace, name) order. The list's resourceVersion is the storage revision.
    """
    items = [obj for prefix in sorted(objects_by_prefix, key=_prefix_order) for obj in objects_by_prefix[prefix]]
    document = {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": str(revision)}, "items": items}
    if format == "json":
        return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    if format == "yaml":
        return yaml.dump(
            document, Dumper=_CanonicalDumper, sort_keys=True, allow_unicode=True, default_flow_style=False
        )
    raise ValueError(f'unknown snapshot format {format!r}: "yaml" or "json"')


def _prefix_order(prefix: str) -> tuple[str, str, str]:
    base, _, version = prefix.partition("@")
    group, _, resource = base.rpartition("/")
    return group, resource, version


class _CanonicalDumper(yaml.SafeDumper):
    """Multi-line strings (certificates, scripts) as literal blocks, so a diff of two dumps reads line by line."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_CanonicalDumper.add_representer(str, _represent_str)
