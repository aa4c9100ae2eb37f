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

import datetime
import json
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

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


if TYPE_CHECKING:
    _LoaderBase = yaml.SafeLoader
else:
    _LoaderBase = FAST_SAFE_LOADER


class UnsupportedValueError(yaml.YAMLError):
    """A value YAML has and JSON has not (NaN, the infinities): json.Marshal's refusal."""

    def __init__(self, value: str) -> None:
        super().__init__(f"json: unsupported value: {value}")
        self.problem = str(self)


class KubeYAMLLoader(_LoaderBase):
    """YAML as sigs.k8s.io/yaml reads it for the API server: go-yaml's document turned into JSON.

    So keys become strings (``1: a`` is ``"1"``), a timestamp written plainly stays the string it
    is, an explicit ``!!timestamp`` becomes RFC 3339 text, ``!!binary`` a string, ``!!set`` a map of
    nulls, and NaN or an infinity is refused, as json.Marshal refuses them. Duplicate keys are
    noted (the strict decoder refuses them). It parses with libyaml where PyYAML has it.
    """

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            text = _key_text(self.construct_object(key_node, deep=True))
            if text in mapping:
                self.duplicates.append((key_node.start_mark.line + 1, text))
            mapping[text] = self.construct_object(value_node, deep=True)
        return mapping

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        value: float = super().construct_yaml_float(node)
        if math.isnan(value) or math.isinf(value):
            raise UnsupportedValueError("NaN" if math.isnan(value) else "+Inf" if value > 0 else "-Inf")
        return value

    def construct_go_binary(self, node: yaml.ScalarNode) -> str:
        return bytes(super().construct_yaml_binary(node)).decode("utf-8", "replace")

    def construct_go_timestamp(self, node: yaml.ScalarNode) -> str:
        moment = super().construct_yaml_timestamp(node)
        if not isinstance(moment, datetime.datetime):
            moment = datetime.datetime(moment.year, moment.month, moment.day)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        return moment.isoformat().replace("+00:00", "Z")

    def construct_go_set(self, node: yaml.MappingNode) -> Iterator[dict[str, None]]:
        members: dict[str, None] = {}
        yield members
        members.update(dict.fromkeys(self.construct_mapping(node)))


# go-yaml v2 leaves plain timestamps as strings (only an explicit tag makes one a time).
KubeYAMLLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _tag, _constructor in (
    ("map", KubeYAMLLoader.construct_mapping),
    ("float", KubeYAMLLoader.construct_yaml_float),
    ("binary", KubeYAMLLoader.construct_go_binary),
    ("timestamp", KubeYAMLLoader.construct_go_timestamp),
    ("set", KubeYAMLLoader.construct_go_set),
):
    KubeYAMLLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _constructor)


def _key_text(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return str(key)


def error_text(exc: yaml.YAMLError) -> str:
    """What sigs.k8s.io/yaml says of a document it cannot turn into JSON: go-yaml's ``yaml: line N: ...``,
    or json.Marshal's refusal."""
    if isinstance(exc, UnsupportedValueError):
        return exc.problem
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    return f"yaml: line {mark.line + 1}: {problem}" if mark is not None else f"yaml: {problem}"


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
    """A request body in YAML, as sigs.k8s.io/yaml reads it (``KubeYAMLLoader``), refusing alias bombs."""
    as_json = json_object(text)
    if as_json is not None:
        return as_json
    loader = KubeYAMLLoader(text)
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
