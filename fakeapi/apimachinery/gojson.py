"""Built-in objects as Go's encoding/json writes them: the fields it never leaves out.

kube-apiserver decodes every object into its Go struct and encodes it back, so a struct-valued
field is always there (``"status": {}`` on a Deployment just created, ``"spec": {}`` on a Node:
``omitempty`` does nothing for structs), a scalar without ``omitempty`` always has a value (a
StatefulSet's ``status.replicas: 0``), and a Time without ``omitzero`` is ``null`` when unset (a pod
condition's ``lastProbeTime``). Clients that read ``obj["status"]`` rely on it.

``go_json_fields.json`` says, per Go type, which fields to fill in and which to walk into; it is
derived from the json tags of k8s.io/api and k8s.io/apimachinery by
scripts/build_go_json_fields.py. The Store applies it once, to what it stores, so gets, lists and
watch events all carry the fields and reads cost nothing more.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

from fakeapi.apimachinery.schema import GroupVersionKind
from fakeapi.storage.interfaces import Object

Rules = dict[str, dict[str, list[Any]]]


@cache
def _table() -> tuple[dict[str, str], Rules]:
    """The kinds (``apiVersion/Kind`` → Go type) and the rules of each Go type, read once."""
    data = json.loads(resources.files("fakeapi.apimachinery").joinpath("go_json_fields.json").read_text())
    return data["kinds"], data["types"]


def _fill(obj: dict[str, Any], type_id: str, types: Rules) -> None:
    for name, (mode, detail) in types[type_id].items():
        value = obj.get(name)
        if mode == "zero":
            # Go decodes null into the zero value too, and writes that.
            if value is None:
                obj[name] = detail
        elif mode == "struct":
            if value is None:
                value = obj[name] = {}
            if detail is not None and isinstance(value, dict):
                _fill(value, detail, types)
        elif mode == "each":
            if isinstance(value, dict):
                _fill(value, detail, types)
        elif mode == "items":
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, dict):
                        _fill(item, detail, types)
        elif isinstance(value, dict):  # "values": a map of structs
            for item in value.values():
                if isinstance(item, dict):
                    _fill(item, detail, types)


@cache
def go_encoder_for(gvk: GroupVersionKind) -> Callable[[Object], None] | None:
    """What encoding a kind as Go does to its JSON form, in place; None for kinds not in k8s.io/api."""
    kinds, types = _table()
    type_id = kinds.get(f"{gvk.api_version}/{gvk.kind}")
    if type_id is None:
        return None
    return lambda obj: _fill(obj, type_id, types)
