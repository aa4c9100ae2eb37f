"""Whether a value meets the rules of its own schema node, for generators of valid objects.

The object factories (fakeapi/testing/factories.py) try values until they do. Only the node's
own rules count (the rules of nodes below were met when their values were made), and
transition rules do not: a new object has no old value.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

from fakeapi.apiextensions.schema.cel.compilation import CompilationResult, compile_rules
from fakeapi.apiextensions.schema.cel.model import ValueConverter
from fakeapi.apiextensions.schema.structural import Structural, new_structural
from fakeapi.cel.environment.base import ABSENT
from fakeapi.cel.errors import EvalError


@functools.lru_cache(maxsize=256)
def _compiled(schema_json: str) -> tuple[Structural | None, list[CompilationResult]]:
    structural = new_structural(json.loads(schema_json))
    return structural, compile_rules(structural, False) if structural is not None else []


def first_broken_rule(schema: Mapping[str, Any], value: Any) -> str:
    """The first rule of ``schema`` that ``value`` breaks (or that does not compile), else ``""``."""
    structural, results = _compiled(json.dumps(schema, sort_keys=True))
    converted = ValueConverter().to_cel(value, structural)
    for result in results:
        if result.uses_old_self and not result.optional_old_self:
            continue
        source = str(result.rule.get("rule"))
        if result.program is None:
            return source
        activation: dict[str, Any] = {"self": converted}
        if result.optional_old_self:
            activation["oldSelf"] = ABSENT
        try:
            if result.program.eval(activation) is not True:
                return source
        except EvalError:
            return source
    return ""
