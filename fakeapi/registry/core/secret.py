"""Secrets (pkg/registry/core/secret/strategy.go): stringData folds into data, type defaults to Opaque."""

from __future__ import annotations

import base64

from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.rest import object_field
from fakeapi.registry.strategy import Strategy
from fakeapi.storage.interfaces import Object


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
