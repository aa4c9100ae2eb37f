"""The converter of a CRD (apiextensions-apiserver/pkg/apiserver/conversion/converter.go, nop_converter.go).

``new_converter`` answers NewConverter: the strategy's converter behind crConverter's checks
(only the CRD's own versions convert). Conversion errors are plain errors upstream, which the
handlers answer as a 500 with no reason and the error's text (``ErrorToAPIStatus``); here they
are raised as that Status.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from fakeapi.apiextensions import helpers
from fakeapi.apimachinery.errors import StatusError
from fakeapi.storage.interfaces import Object

WEBHOOK_STRATEGY = "Webhook"


class Converter(Protocol):
    """crConverterInterface: ``obj`` (not changed) in the desired apiVersion."""

    def convert(self, obj: Object, api_version: str) -> Object: ...


def conversion_error(message: str) -> StatusError:
    """What a client sees of a conversion error: ErrorToAPIStatus of an error that is not a Status."""
    return StatusError(500, "", message)


class NopConverter:
    """nopConverter: only apiVersion changes (strategy None)."""

    def convert(self, obj: Object, api_version: str) -> Object:
        if obj.get("apiVersion") == api_version:
            return obj
        return {**obj, "apiVersion": api_version}


class CRConverter:
    """crConverter.ConvertToVersion: both versions must be the CRD's, then the strategy converts."""

    def __init__(self, crd: Object, converter: Converter) -> None:
        group = str(helpers.spec_of(crd).get("group") or "")
        self.valid_api_versions = frozenset(f"{group}/{v.get('name')}" for v in helpers.versions_of(crd))
        self.converter = converter

    def convert(self, obj: Object, api_version: str) -> Object:
        if api_version not in self.valid_api_versions:
            raise conversion_error(f"request to convert CR to an invalid group/version: {api_version}")
        from_version = str(obj.get("apiVersion") or "")
        if from_version not in self.valid_api_versions:
            raise conversion_error(f"request to convert CR from an invalid group/version: {from_version}")
        return self.converter.convert(obj, api_version)


WebhookConverterFactory = Callable[[Object], Converter]


def new_converter(crd: Object, webhook_converter: WebhookConverterFactory) -> CRConverter:
    """CRConverterFactory.NewConverter; ``webhook_converter`` builds the Webhook strategy's converter."""
    strategy = ((helpers.spec_of(crd).get("conversion") or {}).get("strategy")) or "None"
    converter = webhook_converter(crd) if strategy == WEBHOOK_STRATEGY else NopConverter()
    return CRConverter(crd, converter)
