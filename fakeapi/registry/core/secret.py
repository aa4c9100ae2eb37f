"""Secrets (pkg/registry/core/secret/strategy.go): stringData folds into data, type defaults to Opaque.

ValidateSecret: the data's keys, the keys each well-known type requires, and a docker config that
is a JSON object (refused with Go's decoder's text, the contents redacted). ValidateSecretUpdate:
the type is immutable, and so is an ``immutable`` Secret's data.
"""

from __future__ import annotations

import base64
import binascii

from fakeapi.apimachinery import field
from fakeapi.apimachinery.errors import json_error_text
from fakeapi.apimachinery.field import FieldError
from fakeapi.apimachinery.jsonutil import decode_json, json_value_kind
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.core.configmap import data_key_errors, immutable_errors
from fakeapi.registry.rest import object_field
from fakeapi.registry.strategy import Strategy
from fakeapi.storage.interfaces import Object

SERVICE_ACCOUNT_NAME_KEY = "kubernetes.io/service-account.name"
# The data keys each type requires, every one of them (basic-auth and ssh-auth have rules of their own below).
_REQUIRED_KEYS = {
    "kubernetes.io/dockercfg": (".dockercfg",),
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/ssh-auth": ("ssh-privatekey",),
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
}
_DOCKER_CONFIG_TYPES = ("kubernetes.io/dockercfg", "kubernetes.io/dockerconfigjson")


def _fold_string_data(obj: Object) -> None:
    """The v1 → internal conversion: every stringData entry overwrites data, then stringData is gone."""
    string_data = obj.pop("stringData", None)
    if isinstance(string_data, dict) and string_data:
        data = object_field(obj, "data")
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()
    obj.setdefault("type", "Opaque")


class SecretStrategy(Strategy):
    def prepare_for_create(self, ctx: RequestContext, obj: Object) -> None:
        super().prepare_for_create(ctx, obj)
        _fold_string_data(obj)

    def prepare_for_update(self, ctx: RequestContext, obj: Object, old: Object) -> None:
        super().prepare_for_update(ctx, obj, old)
        _fold_string_data(obj)

    def validate(self, ctx: RequestContext, obj: Object) -> list[FieldError]:
        return validate_secret(obj)

    def validate_update(self, ctx: RequestContext, obj: Object, old: Object) -> list[FieldError]:
        errs = (
            []
            if obj.get("type") == old.get("type")
            else [field.invalid("type", obj.get("type"), field.IMMUTABLE_ERROR_MSG)]
        )
        return errs + immutable_errors(obj, old, ("data",)) + validate_secret(obj)


def validate_secret(obj: Object) -> list[FieldError]:
    data = obj.get("data")
    data = data if isinstance(data, dict) else {}
    errs = data_key_errors(data, "data")
    kind = obj.get("type")
    if kind == "kubernetes.io/service-account-token":
        annotations = (obj.get("metadata") or {}).get("annotations") or {}
        if not annotations.get(SERVICE_ACCOUNT_NAME_KEY):
            errs.append(field.required(f"metadata.annotations[{SERVICE_ACCOUNT_NAME_KEY}]", ""))
    elif kind == "kubernetes.io/basic-auth":
        if "username" not in data and "password" not in data:
            errs += [field.required("data[username]", ""), field.required("data[password]", "")]
    elif kind == "kubernetes.io/ssh-auth":
        # The key must hold something, not merely be there.
        if not data.get("ssh-privatekey"):
            errs.append(field.required("data[ssh-privatekey]", ""))
    else:
        errs += [field.required(f"data[{key}]", "") for key in _REQUIRED_KEYS.get(str(kind), ()) if key not in data]
        if kind in _DOCKER_CONFIG_TYPES and isinstance(data.get(_REQUIRED_KEYS[kind][0]), str):
            errs += _docker_config_errors(_REQUIRED_KEYS[kind][0], data[_REQUIRED_KEYS[kind][0]])
    return errs


def _docker_config_errors(key: str, encoded: str) -> list[FieldError]:
    """``json.Unmarshal(config, &map[string]interface{}{})`` must succeed."""
    try:
        config = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return []  # the schema check refuses data that is not base64
    try:
        value = decode_json(config)
    except (ValueError, RecursionError) as exc:
        error = json_error_text(exc, config)
    else:
        if value is None or isinstance(value, dict):
            return []
        error = f"json: cannot unmarshal {json_value_kind(value)} into Go value of type map[string]interface {{}}"
    return [field.invalid(f"data[{key}]", "<secret contents redacted>", error)]
