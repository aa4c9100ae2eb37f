"""Server-side apply and managedFields (k8s.io/apimachinery/pkg/util/managedfields).

The modules follow sigs.k8s.io/structured-merge-diff (``fieldpath``, ``schema``, ``typed``,
``merge``) and apimachinery's managedfields/internal (``fieldmanager``). This package's own
surface is what the registry and the PATCH handler need:

- :class:`FieldManagerFactory` builds the :class:`FieldManager` of a kind at its main endpoint
  and at its subresources, from the built-in OpenAPI schemas (custom resources: from their
  structural schema, or the deduced type when there is none);
- :class:`RecordsManagedFields` marks an ``UpdatedObjectInfo`` whose objects already carry the
  managedFields of the write (an apply), so that the Store does not record an Update on top.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from fakeapi.apimachinery.managedfields.fieldmanager import (
    LAST_APPLIED_ANNOTATION,
    FieldManager,
    decode_managed_fields,
    encode_managed_fields,
    manager_identifier,
    new_conflict_error,
)
from fakeapi.apimachinery.managedfields.fieldpath import FieldSet, field_element
from fakeapi.apimachinery.managedfields.schema import DEDUCED, SchemaConverter, TypeRef
from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.apimachinery.schema import GroupVersionKind

# Top-level fields every endpoint lets through: the rest are what a subresource resets.
_TYPE_AND_META = ("apiVersion", "kind", "metadata")


@runtime_checkable
class RecordsManagedFields(Protocol):
    """An UpdatedObjectInfo that sets managedFields itself (server-side apply)."""

    def records_managed_fields(self) -> bool: ...


@runtime_checkable
class HasFieldManager(Protocol):
    """A storage that keeps managedFields (the generic Store)."""

    field_manager: FieldManager | None


def _top_level_except(tref: TypeRef, kept: tuple[str, ...]) -> FieldSet:
    """Every top-level field of the kind but ``kept``: the reset set of a subresource."""
    atom = tref.resolve()
    names = atom.map.fields if atom.map is not None else {}
    return FieldSet({field_element(name) for name in names if name not in (*_TYPE_AND_META, *kept)})


class FieldManagerFactory:
    """Builds field managers over one set of OpenAPI definitions (types converted once each)."""

    def __init__(self, schemas: SchemaRegistry) -> None:
        self._schemas = schemas
        self._converter = SchemaConverter(schemas.definitions)

    def type_of(self, gvk: GroupVersionKind) -> TypeRef:
        found = self._schemas.definition_for(gvk)
        return DEDUCED if found is None else self._converter.named(found[0])

    def for_kind(self, gvk: GroupVersionKind, *, status_subresource: bool) -> FieldManager:
        """The main endpoint's manager; with a status subresource, it leaves status to /status."""
        reset = FieldSet.of((field_element("status"),)) if status_subresource else None
        return FieldManager(self.type_of(gvk), gvk, reset_fields=reset)

    def for_schema(
        self, schema: Mapping[str, Any] | None, gvk: GroupVersionKind, *, status_subresource: bool
    ) -> FieldManager:
        """A custom resource's manager, from its structural schema (None: the deduced type)."""
        tref = DEDUCED if schema is None else TypeRef(lambda: self._converter.atom(schema))
        reset = FieldSet.of((field_element("status"),)) if status_subresource else None
        return FieldManager(tref, gvk, reset_fields=reset)

    @staticmethod
    def for_subresource(main: FieldManager, subresource: str) -> FieldManager:
        """/status keeps only status (and metadata); /finalize only spec; /scale what it writes."""
        if subresource == "status":
            reset: FieldSet | None = _top_level_except(main.tref, ("status",))
        elif subresource == "finalize":
            reset = _top_level_except(main.tref, ("spec",))
        else:
            reset = None
        return main.for_subresource(subresource, reset)


__all__ = [
    "LAST_APPLIED_ANNOTATION",
    "FieldManager",
    "FieldManagerFactory",
    "FieldSet",
    "HasFieldManager",
    "RecordsManagedFields",
    "decode_managed_fields",
    "encode_managed_fields",
    "manager_identifier",
    "new_conflict_error",
]
