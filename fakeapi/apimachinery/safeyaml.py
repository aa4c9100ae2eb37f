"""YAML from clients, read with go-yaml's defence against alias bombs (gopkg.in/yaml.v2 decode.go).

A few hundred bytes of nested anchors and aliases expand to gigabytes ("billion laughs",
CVE-2019-11253). PyYAML builds such a document cheaply, sharing the aliased nodes, but every
later step (validation, copies, JSON) expands it. go-yaml, which kube-apiserver reads YAML
with, counts the nodes it decodes and the ones it decodes inside an alias, and fails with
``yaml: document contains excessive aliasing`` once more than 100 aliased nodes make up a
share of all nodes above ``allowedAliasRatio``: 99 % up to 400,000 nodes, falling linearly to
10 % at 4,000,000. The same count is made here over the composed node graph, before any
Python object is constructed, so a bomb is refused after a few thousand steps.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import yaml

_ALIAS_RATIO_RANGE_LOW = 400_000
_ALIAS_RATIO_RANGE_HIGH = 4_000_000
_ALIAS_RATIO_RANGE = _ALIAS_RATIO_RANGE_HIGH - _ALIAS_RATIO_RANGE_LOW
EXCESSIVE_ALIASING = "document contains excessive aliasing"


class ExcessiveAliasingError(yaml.YAMLError):
    def __init__(self) -> None:
        super().__init__(EXCESSIVE_ALIASING)
        self.problem = EXCESSIVE_ALIASING


def allowed_alias_ratio(decode_count: int) -> float:
    """allowedAliasRatio."""
    if decode_count <= _ALIAS_RATIO_RANGE_LOW:
        return 0.99
    if decode_count >= _ALIAS_RATIO_RANGE_HIGH:
        return 0.10
    return 0.99 - 0.89 * ((decode_count - _ALIAS_RATIO_RANGE_LOW) / _ALIAS_RATIO_RANGE)


def check_aliasing(root: yaml.Node) -> None:
    """Walk the document as go-yaml decodes it (aliases expanded); raise ExcessiveAliasingError as it would.

    A node met a second time is reached through an alias: it and everything under it count as
    aliased. The walk is iterative, so deep documents do not exhaust the stack.
    """
    decode_count = 0
    alias_count = 0
    seen: set[int] = set()
    pending: list[tuple[yaml.Node, bool]] = [(root, False)]
    while pending:
        node, in_alias = pending.pop()
        if not in_alias and id(node) in seen:
            in_alias = True
        seen.add(id(node))
        decode_count += 1
        if in_alias:
            alias_count += 1
            if (
                alias_count > 100
                and decode_count > 1000
                and alias_count / decode_count > allowed_alias_ratio(decode_count)
            ):
                raise ExcessiveAliasingError()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                pending.append((value, in_alias))
                pending.append((key, in_alias))
        elif isinstance(node, yaml.SequenceNode):
            pending.extend((item, in_alias) for item in reversed(node.value))


def single_document(loader: yaml.SafeLoader) -> Any:
    """``loader.get_single_data()``, refusing alias bombs (ExcessiveAliasingError) before constructing anything."""
    node = loader.get_single_node()
    if node is None:
        return None
    check_aliasing(node)
    return loader.construct_document(node)


# libyaml's parser where PyYAML was built with it (it composes the same nodes, ten times faster).
FAST_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _NotPlainJSON(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotPlainJSON(name)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        raise _NotPlainJSON("duplicate key")
    return mapping


def json_object(text: str | bytes) -> dict[str, Any] | None:
    """The object a body that is a JSON object holds, as upstream's YAML reader reads it; None for anything else.

    Most YAML bodies a client sends are JSON (helm's and client-go's apply patches are): read
    with the json module they cost a fraction of a YAML parse, and a JSON object with unique
    keys and no NaN or Infinity is the same document to sigs.k8s.io/yaml (it has no aliases, and
    its keys and timestamps are quoted strings). PyYAML would differ on one point: it reads a
    number with an exponent but no dot (``1e3``) as a string, where go-yaml, like json, reads a
    number. Anything else is left to the YAML reader, which reports its errors and duplicate
    keys as upstream does.
    """
    if text.lstrip()[:1] not in (b"{", "{"):
        return None
    try:
        value = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_refuse_constant)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def load(text: str | bytes) -> Any:
    """yaml.safe_load, refusing alias bombs."""
    as_json = json_object(text)
    if as_json is not None:
        return as_json
    loader = FAST_SAFE_LOADER(text)
    try:
        return single_document(loader)
    finally:
        loader.dispose()


def load_all(text: str | bytes) -> Iterator[Any]:
    """yaml.safe_load_all, refusing alias bombs document by document."""
    loader = FAST_SAFE_LOADER(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            check_aliasing(node)
            yield loader.construct_document(node)
    finally:
        loader.dispose()
