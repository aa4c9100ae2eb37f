"""Helpers for tests of CRD validation rules without a server: a schema's rules run over a value."""

from __future__ import annotations

from typing import Any

from fakeapi.apiextensions.schema.cel.validation import new_validator, validate
from fakeapi.apiextensions.schema.structural import new_structural


def rule_errors(schema: dict[str, Any], obj: Any, old: Any = None) -> list[str]:
    """The errors the rules of ``schema`` give ``obj`` (an update from ``old`` when given), as texts."""
    validator = new_validator(new_structural(schema))
    assert validator is not None
    result = validate(validator, obj, old) if old is not None else validate(validator, obj)
    return [str(e) for e in result.errors]


def ruled(properties: dict[str, Any], *rules: str | dict[str, Any]) -> dict[str, Any]:
    """An object schema of ``properties`` with ``rules`` (a rule's text, or a whole validation)."""
    validations = [r if isinstance(r, dict) else {"rule": r} for r in rules]
    return {"type": "object", "properties": properties, "x-kubernetes-validations": validations}
