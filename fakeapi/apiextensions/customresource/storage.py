"""The storage of custom resources: one backend key prefix for every version of a CRD.

Upstream, a CRD's versions share one etcd prefix; the storage codec writes objects in the
storage version and, on every read, decodes them (pruning, ObjectMeta coercion, defaulting)
and converts them to the version asked for (registry/customresource/etcd.go and the codecs of
apiserver/customresource_handler.go). ``CustomResourceCodec`` is that codec for one served
version, used through ``fakeapi.storage.codec.CodecStorage``; the CRD's converter
(``fakeapi.apiextensions.conversion``) crosses versions: strategy None rewrites ``apiVersion``,
strategy Webhook asks the CRD's conversion webhook. ``CustomResourceStore`` is the generic Store with the
differences of custom resources: list items keep kind and apiVersion, deletes return the
object, and field labels outside ``metadata.name``/``metadata.namespace`` and the CRD's
selectableFields fail with ``field label not supported``.
"""

from __future__ import annotations

from dataclasses import dataclass

from fakeapi.apiextensions.conversion.converter import Converter
from fakeapi.apiextensions.customresource.info import CustomResourceVersion
from fakeapi.apiextensions.customresource.strategy import decode
from fakeapi.apimachinery import errors
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.generic.store import Store
from fakeapi.registry.rest import ListOptions
from fakeapi.storage.interfaces import Object


class CustomResourceCodec:
    """One served version's codec: written converted to the storage version, read converted, pruned and defaulted."""

    def __init__(self, info: CustomResourceVersion, converter: Converter) -> None:
        self.info = info
        self.converter = converter

    def to_storage(self, obj: Object) -> Object:
        return self.converter.convert(obj, self.info.storage_api_version)

    def from_storage(self, obj: Object) -> Object:
        """Decode a stored object: convert it to this version, then prune and default with its schema."""
        out = deep_copy_json(self.converter.convert(obj, self.info.api_version))
        decode(out, self.info)
        return out


@dataclass
class CustomResourceStore(Store):
    """The REST storage of one served version of a CRD."""

    def list(self, ctx: RequestContext, options: ListOptions) -> Object:
        result = super().list(ctx, options)
        # Unstructured lists keep every item's kind and apiVersion.
        result["items"] = [
            {"apiVersion": self.spec.gvk.api_version, "kind": self.spec.kind, **item} for item in result["items"]
        ]
        return result

    def unknown_field_label(self, label: str, known: set[str]) -> errors.StatusError:
        """crConverter.ConvertFieldLabel: the same refusal whether or not the CRD has selectableFields."""
        return errors.new_bad_request(f"field label not supported: {label}")
