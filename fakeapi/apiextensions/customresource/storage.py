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

from collections.abc import Mapping
from dataclasses import dataclass

from fakeapi.apiextensions.conversion.converter import Converter
from fakeapi.apiextensions.customresource.info import CustomResourceVersion
from fakeapi.apiextensions.customresource.strategy import coerce_and_prune, decode
from fakeapi.apimachinery import errors
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.generic.store import Store
from fakeapi.registry.rest import ListOptions
from fakeapi.storage.interfaces import Object


class CustomResourceCodec:
    """One served version's codec: written converted to the storage version; read decoded in the version
    it was stored in, then converted and pruned."""

    def __init__(
        self, info: CustomResourceVersion, converter: Converter, versions: Mapping[str, CustomResourceVersion]
    ) -> None:
        self.info = info
        self.converter = converter
        # Every version of the CRD, served or not: a stored object is decoded with its own version's schema.
        self.versions = versions

    def to_storage(self, obj: Object) -> Object:
        return self.converter.convert(obj, self.info.storage_api_version)

    def from_storage(self, obj: Object) -> Object:
        """Decode a stored object as the storage codec does: pruned and defaulted with the schema of the
        version it was stored in (schemaCoercingDecoder, unstructuredDefaulter), then converted to this
        version and pruned with its schema, not defaulted again (schemaCoercingConverter)."""
        out = deep_copy_json(obj)
        stored_in = self.versions.get(str(out.get("apiVersion", "")).rpartition("/")[2])
        if stored_in is not None:
            decode(out, stored_in)
        if stored_in is self.info:
            return out
        out = self.converter.convert(out, self.info.api_version)
        coerce_and_prune(out, self.info)
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
