"""meta.k8s.io/v1 Table and PartialObjectMetadata transformations, with pluggable table convertors.

Follows k8s.io/apiserver/pkg/registry/rest/table.go (the default convertor: Name and a
"Created At" date), pkg/printers/storage/storage.go with pkg/printers/tablegenerator.go (a
convertor from a printer's column table, always wide) and ``asTable`` of
endpoints/handlers/response.go (what a row's ``object`` becomes for includeObject=Metadata,
Object or None).

Upstream each storage carries its TableConvertor. Here a server's
:class:`TableConvertorRegistry` is asked at request time, so a convertor registered while the
server runs (a custom resource's additionalPrinterColumns) serves at once. A convertor produces
the rows with the item itself as ``object``; :func:`to_table` then applies includeObject.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.apimachinery.schema import GroupKind, GroupResource, GroupVersionKind
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import utc_now

if TYPE_CHECKING:
    # The printers (every built-in kind's columns) are imported with the first Table asked for.
    from fakeapi.endpoints.handlers.printers import Doc, Printer

INCLUDE_OBJECT_POLICIES = ("None", "Metadata", "Object")
# What an unset creationTimestamp looks like as a Go time.Time formatted RFC 3339.
_ZERO_TIME = "0001-01-01T00:00:00Z"


@dataclass(frozen=True)
class TableOptions:
    """metav1.TableOptions as a convertor sees it.

    Attributes:
        no_headers: Leave ``columnDefinitions`` out (null): a watch sends them with its first event only.
    """

    no_headers: bool = False


class TableConvertor(Protocol):
    """rest.TableConvertor: turns an object or a list into a meta.k8s.io/v1 Table."""

    def convert_to_table(self, obj: Object, options: TableOptions) -> Object:
        """The Table of ``obj``; each row's ``object`` is the item it was made from (see :func:`new_table`)."""
        ...


def is_list(obj: Object) -> bool:
    return isinstance(obj.get("items"), list)


def table_items(obj: Object) -> list[Object]:
    """The objects a Table of ``obj`` has rows for: a list's items, or the object itself."""
    items: list[Object] = obj["items"] if is_list(obj) else [obj]
    return items


def new_table(obj: Object, column_definitions: list[dict[str, Any]] | None, rows: list[dict[str, Any]]) -> Object:
    """A Table of ``rows`` carrying the list metadata of ``obj``, as every convertor upstream builds it.

    Args:
        obj: The object or list the rows were made from.
        column_definitions: metav1.TableColumnDefinition dicts, or None when headers are not wanted.
        rows: ``{"cells": [...], "object": item}`` per item (``conditions`` optional).
    """
    source = obj.get("metadata") or {}
    keys = ("resourceVersion", "continue", "remainingItemCount") if is_list(obj) else ("resourceVersion",)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {key: source[key] for key in keys if source.get(key) not in (None, "")},
        "columnDefinitions": column_definitions,
        "rows": rows,
    }


def column_definition(
    schemas: SchemaRegistry, name: str, type_: str, description: str | Doc, format_: str = "", priority: int = 0
) -> dict[str, Any]:
    """A metav1.TableColumnDefinition; a :class:`Doc` description is read from the OpenAPI schemas."""
    if not isinstance(description, str):
        properties = (schemas.definitions.get(description.definition) or {}).get("properties") or {}
        description = (properties.get(description.field) or {}).get("description", "")
    return {"name": name, "type": type_, "format": format_, "description": description, "priority": priority}


class DefaultTableConvertor:
    """rest.NewDefaultTableConvertor: Name and "Created At" (a date kubectl prints as it is)."""

    def __init__(self, schemas: SchemaRegistry) -> None:
        from fakeapi.endpoints.handlers.printers import META_CREATION_TIMESTAMP, META_NAME

        self._columns = [
            column_definition(schemas, "Name", "string", META_NAME, "name"),
            column_definition(schemas, "Created At", "date", META_CREATION_TIMESTAMP),
        ]

    def convert_to_table(self, obj: Object, options: TableOptions) -> Object:
        rows = []
        for item in table_items(obj):
            meta = item.get("metadata") or {}
            rows.append({"cells": [meta.get("name", ""), meta.get("creationTimestamp") or _ZERO_TIME], "object": item})
        return new_table(obj, None if options.no_headers else self._columns, rows)


class PrinterTableConvertor:
    """printerstorage.TableConvertor over one kind's :class:`~fakeapi.endpoints.handlers.printers.Printer`.

    Every column is filled (upstream's server side prints wide); kubectl shows priority-1
    columns with ``-o wide`` only. Ages are measured from the wall clock read now, so a
    frozen clock freezes them too.
    """

    def __init__(self, printer: Printer, schemas: SchemaRegistry) -> None:
        self.printer = printer
        self._columns = [
            column_definition(schemas, c.name, c.type, c.description, c.format, c.priority) for c in printer.columns
        ]

    def convert_to_table(self, obj: Object, options: TableOptions) -> Object:
        printer = self.printer
        now = utc_now()
        items = table_items(obj)
        if printer.sort_key is not None and is_list(obj):
            items = sorted(items, key=printer.sort_key)
        rows = []
        for item in items:
            internal = printer.to_internal(item) if printer.to_internal is not None else item
            row: dict[str, Any] = {"cells": [column.cell(internal, now) for column in printer.columns]}
            conditions = printer.conditions(internal) if printer.conditions is not None else []
            if conditions:
                row["conditions"] = conditions
            row["object"] = item
            rows.append(row)
        return new_table(obj, None if options.no_headers else self._columns, rows)


class TableConvertorRegistry:
    """Which TableConvertor makes the Tables of each resource of one server.

    A convertor registered for a group-resource wins; otherwise the kind's built-in printer
    (pkg/printers/internalversion), otherwise the default Name + Created At convertor. Safe to
    use from several threads; registrations take effect on the next request.
    """

    def __init__(self, schemas: SchemaRegistry) -> None:
        self.schemas = schemas
        # The built-in convertors and the default one, made on the first Table request.
        self._builtin: dict[GroupKind, TableConvertor] | None = None
        self._default: TableConvertor | None = None
        self._registered: dict[GroupResource, TableConvertor] = {}
        self._lock = threading.Lock()

    def register(self, group_resource: GroupResource, convertor: TableConvertor) -> None:
        """Serve the Tables of ``group_resource`` (and its subresources) with ``convertor`` from now on."""
        with self._lock:
            self._registered[group_resource] = convertor

    def unregister(self, group_resource: GroupResource) -> None:
        """Forget a registration (a deleted CRD); unknown resources are ignored."""
        with self._lock:
            self._registered.pop(group_resource, None)

    def convertor_for(self, group_resource: GroupResource, kind: GroupKind) -> TableConvertor:
        """The convertor for a request to ``group_resource`` serving objects of ``kind``."""
        with self._lock:
            registered = self._registered.get(group_resource)
        if registered is not None:
            return registered
        builtin, default = self._printed()
        return builtin.get(kind) or default

    @property
    def default(self) -> TableConvertor:
        """The Name + Created At convertor of the resources no printer knows."""
        return self._printed()[1]

    def _printed(self) -> tuple[dict[GroupKind, TableConvertor], TableConvertor]:
        """The built-in printers' convertors and the default one, made (and the printers imported) once."""
        with self._lock:
            if self._builtin is None or self._default is None:
                from fakeapi.endpoints.handlers.printers import BUILTIN_PRINTERS

                self._builtin = {
                    kind: PrinterTableConvertor(printer, self.schemas) for kind, printer in BUILTIN_PRINTERS.items()
                }
                self._default = DefaultTableConvertor(self.schemas)
            return self._builtin, self._default


def _partial(obj: Object, version: str = "v1") -> Object:
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": f"meta.k8s.io/{version}",
        "metadata": obj.get("metadata") or {},
    }


def to_partial_object_metadata(obj: Object, version: str = "v1") -> Object:
    """PartialObjectMetadata, or PartialObjectMetadataList of a list, in meta.k8s.io ``version``."""
    if is_list(obj):
        return {
            "kind": "PartialObjectMetadataList",
            "apiVersion": f"meta.k8s.io/{version}",
            "metadata": obj.get("metadata") or {},
            "items": [_partial(item, version) for item in obj["items"]],
        }
    return _partial(obj, version)


def to_table(
    obj: Object,
    convertor: TableConvertor,
    kind: GroupVersionKind,
    include_object: str = "Metadata",
    *,
    no_headers: bool = False,
    version: str = "v1",
) -> Object:
    """asTable: convert, then make each row's object what includeObject asks for.

    Args:
        obj: The object or list the handler would have sent.
        convertor: The resource's convertor (:meth:`TableConvertorRegistry.convertor_for`).
        kind: The kind served, set on full objects (includeObject=Object) whose list items lack it.
        include_object: ``Metadata`` (PartialObjectMetadata, the default kubectl reads for the
            NAMESPACE column and labels), ``Object`` (the whole object) or ``None``.
        no_headers: Leave the column definitions out.
        version: The meta.k8s.io version of the Table and of its rows' PartialObjectMetadata.
    """
    table = convertor.convert_to_table(obj, TableOptions(no_headers=no_headers))
    table["apiVersion"] = f"meta.k8s.io/{version}"
    for row in table["rows"]:
        item = row.pop("object", None)
        if include_object == "None":
            row["object"] = None  # an empty RawExtension marshals as null
        elif item is None:
            continue
        elif include_object == "Metadata":
            row["object"] = _partial(item, version)
        else:
            row["object"] = {"apiVersion": kind.api_version, "kind": kind.kind, **item}
    return table
