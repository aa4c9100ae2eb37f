"""Tables of custom resources from the CRD's additionalPrinterColumns.

Mirrors apiextensions-apiserver/pkg/registry/customresource/tableconvertor/tableconvertor.go:
a Name column, then one column per printer column (an Age column of the creation timestamp
when the CRD declares none, as the CR handler's serveDefaultColumnsIfEmpty does). Cells are
found with JSONPath; string columns print the value (maps and lists as JSON), the others keep
JSON types (integers truncated, numbers as floats) and dates become a human-readable age.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fakeapi.apiextensions.customresource.jsonpath import JSONPathError, Step, compile_steps, evaluate_steps
from fakeapi.apiextensions.gofmt import go_number
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import parse_time, utc_now

# swaggerMetadataDescriptions of ObjectMeta.name and ObjectMeta.creationTimestamp.
_NAME_DESCRIPTION = (
    "Name must be unique within a namespace. Is required when creating resources, although some resources may "
    "allow a client to request the generation of an appropriate name automatically. Name is primarily intended "
    "for creation idempotence and configuration definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
)
_CREATED_DESCRIPTION = (
    "CreationTimestamp is a timestamp representing the server time when this object was created. It is not "
    "guaranteed to be set in happens-before order across separate operations. Clients may not set this value. "
    "It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. "
    "More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)
_NAME_COLUMN = {"name": "Name", "type": "string", "format": "name", "description": _NAME_DESCRIPTION, "priority": 0}
DEFAULT_AGE_COLUMN = {
    "name": "Age",
    "type": "date",
    "jsonPath": ".metadata.creationTimestamp",
    "description": _CREATED_DESCRIPTION,
}


def _text(value: Any) -> str:
    """jsonpath PrintResults of one value: JSON for maps and lists, %v otherwise."""
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if value is None:
        return "<nil>"
    if isinstance(value, bool | int | float):
        return go_number(value)
    return str(value)


def _cell(column_type: str, value: Any, now: datetime) -> Any:
    """cellForJSONValue."""
    if value is None:
        return None
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if column_type == "integer" and is_number:
        return int(value)
    if column_type == "number" and is_number:
        return float(value)
    if column_type == "boolean" and isinstance(value, bool):
        return value
    if column_type == "date" and isinstance(value, str):
        try:
            moment = parse_time(value)
        except ValueError:
            return "<invalid>"
        # Imported here: the printers load with the first Table, not with the CRD machinery at start-up.
        from fakeapi.endpoints.handlers.printers import human_duration

        return human_duration(now - moment)
    return None


class CustomResourceTableConvertor:
    """The table convertor of one version of a CRD."""

    def __init__(self, columns: list[dict[str, Any]]) -> None:
        columns = columns or [DEFAULT_AGE_COLUMN]
        self.headers: list[dict[str, Any]] = [dict(_NAME_COLUMN)]
        self.paths: list[list[Step] | None] = []
        for column in columns:
            json_path = str(column.get("jsonPath") or "")
            try:
                self.paths.append(compile_steps(json_path))
            except JSONPathError:
                self.paths.append(None)
            self.headers.append(
                {
                    "name": column.get("name", ""),
                    "type": column.get("type", ""),
                    "format": column.get("format", ""),
                    "description": column.get("description")
                    or f"Custom resource definition column (in JSONPath format): {json_path}",
                    "priority": int(column.get("priority") or 0),
                }
            )

    def cells(self, obj: Object) -> list[Any]:
        """The cells of one row: the name, then each column's value."""
        now = utc_now()
        cells: list[Any] = [(obj.get("metadata") or {}).get("name", "")]
        for header, steps in zip(self.headers[1:], self.paths, strict=True):
            results = [] if steps is None else evaluate_steps(steps, obj)
            if not results:
                cells.append(None)
            elif header["type"] == "string":
                cells.append(_text(results[0]))
            else:
                cells.append(_cell(header["type"], results[0], now))
        return cells

    def convert_to_table(self, obj: Object, options: Any) -> Object:
        """rest.TableConvertor.ConvertToTable; each row's ``object`` is its item (includeObject is applied later).

        ``options`` has ``no_headers``: watches send the column definitions with their first event only.
        """
        is_list = isinstance(obj.get("items"), list)
        items = obj["items"] if is_list else [obj]
        meta = obj.get("metadata") or {}
        keys = ("resourceVersion", "continue", "remainingItemCount") if is_list else ("resourceVersion",)
        return {
            "kind": "Table",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": {k: meta[k] for k in keys if meta.get(k) not in (None, "")},
            "columnDefinitions": None if getattr(options, "no_headers", False) else self.headers,
            "rows": [{"cells": self.cells(item), "object": item} for item in items],
        }
