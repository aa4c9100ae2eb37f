"""ConfigMaps (pkg/registry/core/configmap), and the data checks Secrets share with them.

ValidateConfigMap and ValidateSecret (pkg/apis/core/validation/validation.go) check every key of
the data with IsConfigMapKey; an object written ``immutable: true`` keeps that and its data
(ValidateConfigMapUpdate, ValidateSecretUpdate).
"""

from __future__ import annotations

from typing import Any

from fakeapi.apimachinery import field
from fakeapi.apimachinery.field import FieldError
from fakeapi.apimachinery.validation import is_config_map_key
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.strategy import Strategy
from fakeapi.storage.interfaces import Object

IMMUTABLE_SET = "field is immutable when `immutable` is set"


def data_key_errors(data: Any, path: str) -> list[FieldError]:
    """IsConfigMapKey of every key (sorted: Go ranges over the map in a random order)."""
    return [e for key in sorted(data) for e in _key_errors(key, path)] if isinstance(data, dict) else []


def _key_errors(key: str, path: str) -> list[FieldError]:
    return [field.invalid(f"{path}[{key}]", key, msg) for msg in is_config_map_key(str(key))]


def immutable_errors(obj: Object, old: Object, data_fields: tuple[str, ...]) -> list[FieldError]:
    """What an update may not do to an object stored ``immutable: true``."""
    if old.get("immutable") is not True:
        return []
    errs = [] if obj.get("immutable") is True else [field.forbidden("immutable", IMMUTABLE_SET)]
    return errs + [
        field.forbidden(key, IMMUTABLE_SET) for key in data_fields if (obj.get(key) or {}) != (old.get(key) or {})
    ]


def validate_config_map(obj: Object) -> list[FieldError]:
    data, binary = obj.get("data"), obj.get("binaryData")
    errs: list[FieldError] = []
    for key in sorted(data) if isinstance(data, dict) else ():
        errs += _key_errors(key, "data")
        if isinstance(binary, dict) and key in binary:
            errs.append(field.invalid(f"data[{key}]", key, "duplicate of key present in binaryData"))
    return errs + data_key_errors(binary, "binaryData")


class ConfigMapStrategy(Strategy):
    def validate(self, ctx: RequestContext, obj: Object) -> list[FieldError]:
        return validate_config_map(obj)

    def validate_update(self, ctx: RequestContext, obj: Object, old: Object) -> list[FieldError]:
        return immutable_errors(obj, old, ("data", "binaryData")) + validate_config_map(obj)
