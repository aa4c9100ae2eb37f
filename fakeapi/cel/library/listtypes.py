"""Equality and sums of lists of ``x-kubernetes-list-type`` set and map (apiserver/pkg/cel/common/valuesunstructured.go).

Upstream's values of such lists compare ignoring order: a set list equals a list holding the same
elements, a map list one holding elements equal to its own under the same keys (its
``x-kubernetes-list-map-keys``). The left operand decides, with its schema, down to nested
values: ``self == oldSelf`` on an object compares its set lists as sets. cel-cpp's list equality
is ordered and cannot be overridden, so a CRD rule's ``a == b`` (or ``!=``) whose left operand
holds such lists is rewritten (apiextensions/schema/cel/compilation.py) into
``__fakeapi_canonical(a, shape) == __fakeapi_canonical(b, shape)``: both operands with the lists
the left one's schema makes sets or maps sorted, set lists by element and map lists by key,
then compared as cel-cpp compares any values.

``shape`` is JSON, holding only what leads to such lists: ``{"set": true}``,
``{"map": [key, ...], "items": shape}``, ``{"items": shape}`` (an ordered list of them) and
``{"properties": {name: shape}, "additional": shape}`` (an object, by the names CEL sees).

``+`` of such a list is no concatenation either: a set list's ``a + b`` is their union (``a``,
then what ``b`` adds), a map list's their merge (an element of ``b`` replacing the element of
``a`` with its keys, in place). A ``+`` whose left operand is one is rewritten into
``__fakeapi_add(a, kind, [] + b)``, ``kind`` ``{"set": true}`` or ``{"map": [key, ...]}``; its
result is again such a list (since Kubernetes 1.37), compared and added to as the left operand.
"""

from __future__ import annotations

import datetime
import functools
import json
from typing import Any

from fakeapi.cel.library import Function, LibraryError, Overload

CANONICAL = "__fakeapi_canonical"
ADD = "__fakeapi_add"
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


@functools.lru_cache(maxsize=256)
def _shape(text: str) -> dict[str, Any]:
    shape: dict[str, Any] = json.loads(text)
    return shape


def _canonical(value: Any, text: str) -> Any:
    return _returnable(canonical(value, _shape(text)))


def _returnable(value: Any) -> Any:
    """``value`` as the binding can return it: it takes no datetime or timedelta inside a list or
    map of ``dyn``, but takes their protobuf messages, which CEL sees as timestamps and durations."""
    if isinstance(value, list):
        return [_returnable(v) for v in value]
    if isinstance(value, dict):
        return {k: _returnable(v) for k, v in value.items()}
    if isinstance(value, datetime.datetime):
        from google.protobuf import timestamp_pb2

        timestamp = timestamp_pb2.Timestamp()
        timestamp.FromDatetime(value)
        return timestamp
    if isinstance(value, datetime.timedelta):
        from google.protobuf import duration_pb2

        duration = duration_pb2.Duration()
        duration.FromTimedelta(value)
        return duration
    return value


def canonical(value: Any, shape: dict[str, Any] | None) -> Any:
    """``value`` with the set and map lists ``shape`` describes sorted; anything else as it is."""
    if not shape:
        return value
    if isinstance(value, list):
        if shape.get("set"):
            if any(isinstance(e, list | dict) for e in value):
                # setElementKey: a set of atomic lists or maps cannot be compared.
                raise LibraryError("listSet operations are only supported on lists of scalar values")
            return sorted(value, key=_order)
        items = shape.get("items")
        elements = [canonical(e, items) for e in value] if items else value
        keys = shape.get("map")
        return sorted(elements, key=lambda e: _map_key(e, keys)) if keys else elements
    if isinstance(value, dict):
        properties: dict[str, Any] = shape.get("properties") or {}
        additional = shape.get("additional")
        return {k: canonical(v, properties.get(k, additional)) for k, v in value.items()}
    return value


def _add(left: list[Any], text: str, right: list[Any]) -> list[Any]:
    shape = _shape(text)
    keys = shape.get("map")
    return _returnable(merge(left, right, keys) if keys is not None else union(left, right))


def union(left: list[Any], right: list[Any]) -> list[Any]:
    """A set list's ``left + right`` (addToSetList): ``left``, then the elements of ``right`` it
    lacks, each once, in their order."""
    seen = {_set_key(e) for e in left}
    out = list(left)
    for element in right:
        k = _set_key(element)
        if k not in seen:
            seen.add(k)
            out.append(element)
    return out


def merge(left: list[Any], right: list[Any], keys: list[str]) -> list[Any]:
    """A map list's ``left + right`` (addToMapList): an element of ``right`` replaces, in place,
    the element of ``left`` with its keys; the others are appended, in their order."""
    out = list(left)
    position = {_element_key(e, keys): i for i, e in enumerate(left)}
    for element in right:
        i = position.get(_element_key(element, keys))
        if i is None:
            out.append(element)
        else:
            out[i] = element
    return out


def _set_key(value: Any) -> Any:
    """setElementKey: the scalar as Go keys a map by it (1, 1.0 and true are three keys)."""
    if isinstance(value, list | dict):
        raise LibraryError("listSet operations are only supported on lists of scalar values")
    return _scalar_key(value)


def _scalar_key(value: Any) -> Any:
    if isinstance(value, list | dict):
        return ("composite", json.dumps(value, sort_keys=True, default=repr))
    return (type(value).__name__, value)


def _element_key(element: Any, keys: list[str]) -> tuple[Any, ...]:
    """refValMapKey: the element's key values (none, for a missing key or an element that is no map)."""
    if not isinstance(element, dict):
        return tuple(_scalar_key(None) for _ in keys)
    return tuple(_scalar_key(element.get(k)) for k in keys)


def _order(value: Any) -> tuple[Any, ...]:
    """A total order over the scalars CEL values hold (numbers of any kind among themselves)."""
    if value is None:
        return (0,)
    if isinstance(value, bool):
        return (1, value)
    if isinstance(value, int | float):
        return (2, value)
    if isinstance(value, str):
        return (3, value)
    if isinstance(value, bytes):
        return (4, value)
    if isinstance(value, datetime.datetime):
        # By instant, exactly (a naive datetime is UTC's).
        aware = value if value.tzinfo is not None else value.replace(tzinfo=datetime.UTC)
        return (5, aware - _EPOCH)
    if isinstance(value, datetime.timedelta):
        return (6, value)
    return (7, repr(value))


def _map_key(element: Any, keys: list[str]) -> tuple[Any, ...]:
    # An element that is no object has no key (upstream finds no element for it): after the others.
    if not isinstance(element, dict):
        return ((8,),)
    return tuple(_order(element.get(k)) for k in keys)


FUNCTIONS = (
    # One overload per kind: a ``dyn`` parameter matches no list or map at run time.
    Function(
        CANONICAL,
        (
            Overload("fakeapi_canonical_list", ("list(dyn)", "string"), "list(dyn)", _canonical),
            Overload("fakeapi_canonical_map", ("map(dyn, dyn)", "string"), "map(dyn, dyn)", _canonical),
        ),
    ),
    Function(ADD, (Overload("fakeapi_add_list", ("list(dyn)", "string", "list(dyn)"), "list(dyn)", _add),)),
)
