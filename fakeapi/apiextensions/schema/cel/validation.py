"""Evaluating CRD validation rules (apiextensions-apiserver/pkg/apiserver/schema/cel/validation.go).

A :class:`Validator` parallels the structural schema and holds the compiled rules of each node
that has any below it. Rules run against every non-null value, ``self`` bound to it and
``oldSelf`` to the correlated old value on update: the same property of an object, the same
key of a granular map, the item with the same keys of a ``x-kubernetes-list-type: map`` list
(items of other lists have no old value, so their transition rules do not run). Every failure
is reported, as field errors upstream words them.

Ratcheting (since 1.30): on update, a failing rule that does not use ``oldSelf`` is let through
(as a warning) when its value, or the nearest correlatable value above it, is unchanged.

Each evaluation is charged its cost (fakeapi/cel/runtimecost.py): one that would pass the per-call limit,
or the object's budget for all its rules, ends the validation with upstream's error, the errors
found so far kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from fakeapi.apiextensions.schema.cel import has_rules
from fakeapi.apiextensions.schema.cel.compilation import CompilationResult, compile_rules
from fakeapi.apiextensions.schema.cel.model import ValueConverter
from fakeapi.apiextensions.schema.structural import Structural, child, index, key
from fakeapi.apimachinery import field as fe
from fakeapi.apimachinery.field import FieldError
from fakeapi.apimachinery.gofmt import go_quote
from fakeapi.apimachinery.jsonutil import json_equal
from fakeapi.cel.environment.base import ABSENT, PER_CALL_LIMIT, RUNTIME_CEL_COST_BUDGET, Bindings
from fakeapi.cel.errors import EvalError
from fakeapi.cel.runtimecost import CALL_LIMIT_EXCEEDED, OUT_OF_BUDGET, evaluation_cost

# celconfig.MaxEvaluatedMessageExpressionSizeBytes
MAX_EVALUATED_MESSAGE_EXPRESSION_SIZE_BYTES = 5 * 1024


@dataclass
class Validator:
    schema: Structural
    is_resource_root: bool
    converter: ValueConverter
    rules: list[CompilationResult] = field(default_factory=list)
    properties: dict[str, Validator] = field(default_factory=dict)
    items: Validator | None = None
    additional_properties: Validator | None = None


def new_validator(s: Structural | None, is_resource_root: bool = True) -> Validator | None:
    """NewValidator: None when the schema holds no rules."""
    if not has_rules(s):
        return None
    assert s is not None
    return _validator(s, is_resource_root, ValueConverter())


def _validator(s: Structural, is_resource_root: bool, converter: ValueConverter) -> Validator | None:
    if not has_rules(s):
        return None
    node = Validator(s, is_resource_root, converter, compile_rules(s, is_resource_root))
    for name, prop in s.properties.items():
        sub = _validator(prop, prop.embedded_resource, converter)
        if sub is not None:
            node.properties[name] = sub
    if s.items is not None:
        node.items = _validator(s.items, s.items.embedded_resource, converter)
    if s.additional_properties_schema is not None:
        ap = s.additional_properties_schema
        node.additional_properties = _validator(ap, ap.embedded_resource, converter)
    return node


@dataclass
class Result:
    errors: list[FieldError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # What is left of the object's runtime cost budget; below zero no further rule runs.
    remaining_budget: int = RUNTIME_CEL_COST_BUDGET

    def charge(self, cost: int) -> bool:
        """Take ``cost`` from the budget; False (and the budget spent) when it is not there."""
        if cost > self.remaining_budget:
            self.remaining_budget = -1
            return False
        self.remaining_budget -= cost
        return True


_NO_OLD: Any = object()


def validate(validator: Validator, obj: Any, old: Any = _NO_OLD) -> Result:
    """Validate a whole object (``old`` on update); the root's errors carry the path ``<nil>`` as upstream's."""
    result = Result()
    updating = old is not _NO_OLD
    _validate(validator, "", obj, old if updating else None, updating, updating and json_equal(obj, old), result)
    return result


def _validate(v: Validator, path: str, obj: Any, old: Any, correlated: bool, unchanged: bool, result: Result) -> None:
    """``correlated``: ``old`` is this value's old value; ``unchanged``: ratchet this node's errors."""
    if obj is None or result.remaining_budget < 0:
        return
    if v.rules:
        _validate_expressions(v, path, obj, old if correlated else None, unchanged, result)
    if isinstance(obj, dict):
        old_map = old if correlated and isinstance(old, dict) and v.schema.map_type != "atomic" else None
        for k, value in obj.items():
            sub = v.properties.get(k)
            sub_path = child(path, k)
            if sub is None and v.additional_properties is not None and k not in v.schema.properties:
                sub, sub_path = v.additional_properties, key(path, k)
            if sub is None:
                continue
            has_old = old_map is not None and k in old_map
            old_value = old_map.get(k) if old_map is not None else None
            _validate(sub, sub_path, value, old_value, has_old, _still(unchanged, has_old, value, old_value), result)
    elif isinstance(obj, list) and v.items is not None:
        old_items = _correlatable_items(v.schema, old if correlated else None)
        for i, value in enumerate(obj):
            old_value = old_items.get(_map_key(v.schema, value)) if old_items is not None else None
            has_old = old_value is not None
            _validate(
                v.items, index(path, i), value, old_value, has_old, _still(unchanged, has_old, value, old_value), result
            )


def _still(parent_unchanged: bool, has_old: bool, value: Any, old_value: Any) -> bool:
    """shouldRatchetError: a correlated node ratchets when equal to its old value, others as their nearest correlated parent."""
    return json_equal(value, old_value) if has_old else parent_unchanged


def _map_key(s: Structural, item: Any) -> Any:
    if not isinstance(item, dict):
        return None
    return json.dumps([item.get(k) for k in s.list_map_keys])


def _correlatable_items(s: Structural, old: Any) -> dict[Any, Any] | None:
    """Only items of map-type lists have old values (makeMapList)."""
    if s.list_type != "map" or not isinstance(old, list):
        return None
    return {_map_key(s, item): item for item in old if isinstance(item, dict)}


def _rule_error_string(rule: dict[str, Any]) -> str:
    message = str(rule.get("message") or "").strip()
    return message or str(rule.get("rule") or "").strip()


def _field_path(path: str) -> str:
    return path or "<nil>"  # a nil *field.Path prints as <nil>


def _validate_expressions(v: Validator, path: str, obj: Any, old: Any, unchanged: bool, result: Result) -> None:
    s = v.schema
    type_name = s.type
    if result.remaining_budget <= 0:
        result.errors.append(fe.invalid(_field_path(path), type_name, OUT_OF_BUDGET))
        result.remaining_budget = -1
        return
    self_value = v.converter.to_cel(obj, s)
    old_value = v.converter.to_cel(old, s) if old is not None else None
    bound: dict[int, Bindings] = {}  # the activation of each environment, converted once for all its rules
    for compiled in v.rules:
        rule = compiled.rule
        if compiled.error is not None:
            result.errors.append(fe.invalid(_field_path(path), type_name, f"rule compile error: {compiled.error}"))
            continue
        if compiled.program is None:
            continue
        if compiled.uses_old_self and old is None and not compiled.optional_old_self:
            continue  # transition rules run only when there is an old value
        if not _charge(result, path, type_name, compiled, obj, old):
            return
        activation: dict[str, Any] = {"self": self_value}
        if compiled.optional_old_self:
            activation["oldSelf"] = ABSENT if old is None else old_value
        elif old is not None:
            activation["oldSelf"] = old_value
        environment = compiled.program.environment
        bindings = bound.get(id(environment))
        if bindings is None:
            bindings = bound[id(environment)] = environment.bind(activation)
        try:
            passed = compiled.program.eval(bindings)
        except EvalError as exc:
            result.errors.append(fe.invalid(_field_path(path), type_name, _evaluation_error(exc.message, rule)))
            continue
        if passed is True:
            continue
        error_path = path
        if compiled.normalized_field_path:
            error_path = child(path, compiled.normalized_field_path) if path else compiled.normalized_field_path
        detail = None
        if compiled.message_program is not None:
            message_cost = evaluation_cost(
                compiled.message_program.ast,
                compiled.message_max_cost,
                compiled.message_size_paths,
                (obj, old),
                map_lookups=compiled.message_map_lookups,
            )
            stop = _charge_message(result, message_cost, compiled.rule)
            if stop:
                result.errors.append(fe.invalid(_field_path(error_path), type_name, stop))
                return
            detail = _message(compiled, bindings)
        if detail is None:
            message = str(rule.get("message") or "").strip()
            detail = message or f"failed rule: {_rule_error_string(rule)}"
        error = _error_for_reason(_field_path(error_path), type_name, detail, rule.get("reason"))
        if not compiled.uses_old_self and unchanged:
            result.warnings.append(str(error))
        else:
            result.errors.append(error)


_MESSAGE_OUT_OF_BUDGET = (
    "messageExpression evaluation failed due to running out of cost budget, no further validation rules will be run"
)


def _charge(result: Result, path: str, type_name: str, compiled: CompilationResult, obj: Any, old: Any) -> bool:
    """Charge one evaluation of the rule; False, with upstream's error recorded, when validation must stop."""
    assert compiled.program is not None
    cost = evaluation_cost(
        compiled.program.ast, compiled.max_cost, compiled.size_paths, (obj, old), map_lookups=compiled.map_lookups
    )
    # cel-go stops an evaluation at the per-call limit, having spent it.
    if not result.charge(min(cost, PER_CALL_LIMIT + 1)):
        result.errors.append(fe.invalid(_field_path(path), type_name, OUT_OF_BUDGET))
        return False
    if cost > PER_CALL_LIMIT:
        result.errors.append(
            fe.invalid(_field_path(path), type_name, _evaluation_error(CALL_LIMIT_EXCEEDED, compiled.rule))
        )
        result.remaining_budget = -1
        return False
    return True


def _charge_message(result: Result, cost: int, rule: dict[str, Any]) -> str:
    """Charge one evaluation of a rule's messageExpression; the error that stops validation, or ""."""
    if not result.charge(min(cost, PER_CALL_LIMIT + 1)):
        return _MESSAGE_OUT_OF_BUDGET
    if cost > PER_CALL_LIMIT:
        result.remaining_budget = -1
        source = str(rule.get("messageExpression") or "")
        return f"no further validation rules will be run due to call cost exceeds limit for messageExpression: {go_quote(source)}"
    return ""


def _evaluation_error(message: str, rule: dict[str, Any]) -> str:
    if message.startswith("no such overload"):
        return (
            f"'{message}': call arguments did not match a supported operator, function or macro signature "
            f"for rule: {_rule_error_string(rule)}"
        )
    if message.startswith(CALL_LIMIT_EXCEEDED):
        return f"'{message}': no further validation rules will be run due to call cost exceeds limit for rule: {_rule_error_string(rule)}"
    return f"{message} evaluating rule: {_rule_error_string(rule)}"


def _message(compiled: CompilationResult, activation: Bindings) -> str | None:
    """evalMessageExpression: its text, or None to fall back on the rule's message."""
    assert compiled.message_program is not None
    try:
        value = compiled.message_program.eval(activation)
    except EvalError:
        return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > MAX_EVALUATED_MESSAGE_EXPRESSION_SIZE_BYTES or "\n" in text:
        return None
    return text


def _error_for_reason(path: str, type_name: str, detail: str, reason: Any) -> FieldError:
    """fieldErrorForReason."""
    if reason == "FieldValueForbidden":
        return fe.forbidden(path, detail)
    if reason == "FieldValueRequired":
        return fe.required(path, detail)
    if reason == "FieldValueDuplicate":
        return fe.duplicate(path, type_name)
    return fe.invalid(path, type_name, detail)
