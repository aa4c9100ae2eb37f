"""The CEL checks of a CRD's schema when the CRD is written.

Mirrors the x-kubernetes-validations part of apiextensions-apiserver
pkg/apis/apiextensions/validation/validation.go (ValidateCustomResourceDefinitionOpenAPISchema)
and the cardinality bookkeeping of cel_validation.go (CELSchemaContext, TotalCost): each rule
must compile (``compilation failed: ERROR: <input>:1:6: undefined field 'x'``), its
``fieldPath`` must name a field, its estimated cost times how many times it may run must stay
under StaticEstimatedCostLimit, and all rules together under StaticEstimatedCRDCostLimit.

Imported only for a schema that has rules: it brings in the CEL runtime.
"""

from __future__ import annotations

from typing import Any

from fakeapi.apiextensions.schema.cel import model
from fakeapi.apiextensions.schema.cel.compilation import compile_rules, valid_field_path
from fakeapi.apiextensions.schema.structural import Structural, child, index, key
from fakeapi.apimachinery import field as fe
from fakeapi.apimachinery.field import FieldError, Raw, marshalled

# apiextensions-apiserver pkg/apis/apiextensions/validation/validation.go
STATIC_ESTIMATED_COST_LIMIT = 10_000_000
STATIC_ESTIMATED_CRD_COST_LIMIT = 100_000_000


def schema_rule_errors(s: Structural, path: str) -> list[FieldError]:
    """Every rule of the schema rooted at ``s`` (whose path is ``path``), checked; then the total cost."""
    checker = _Checker()
    checker.node(s, path, cardinality=1, is_resource_root=True, uncorrelatable=None)
    if checker.total_cost > STATIC_ESTIMATED_CRD_COST_LIMIT:
        checker.errors.append(
            fe.forbidden(
                path,
                cost_error_message(
                    "x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema",
                    checker.total_cost,
                    STATIC_ESTIMATED_CRD_COST_LIMIT,
                ),
            )
        )
    return checker.errors


def cost_error_message(cost_name: str, expression_cost: int, cost_limit: int) -> str:
    """getCostErrorMessage."""
    factor = expression_cost / cost_limit
    if factor > 100.0:
        text = "more than 100x"
    elif factor < 1.5:
        text = f"{factor:f}x"
    else:
        text = f"{factor:.1f}x"
    return (
        f"{cost_name} exceeds budget by factor of {text} (try simplifying the rule, or adding maxItems, "
        "maxProperties, and maxLength where arrays, maps, and strings are declared)"
    )


def rule_value(rule: dict[str, Any]) -> Raw:
    """An internal apiextensions.ValidationRule as a bad value: JSON with Go's field names, pointers null when unset."""
    return marshalled(
        {
            "Rule": str(rule.get("rule") or ""),
            "Message": str(rule.get("message") or ""),
            "MessageExpression": str(rule.get("messageExpression") or ""),
            "Reason": rule.get("reason"),
            "FieldPath": str(rule.get("fieldPath") or ""),
            "OptionalOldSelf": rule.get("optionalOldSelf"),
        }
    )


def _times(cardinality: int | None, limit: Any) -> int | None:
    """The cardinality of a list's items or a map's values (CELSchemaContext.childContext): unbounded
    without a limit."""
    if cardinality is None or limit is None:
        return None
    return cardinality * max(int(limit), 0)


class _Checker:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []
        self.total_cost = 0

    def node(
        self, s: Structural, path: str, *, cardinality: int | None, is_resource_root: bool, uncorrelatable: str | None
    ) -> None:
        """Check the rules at and below ``s``, of which at most ``cardinality`` values can occur in an
        object (None: unbounded, below a list or map of no ``maxItems``/``maxProperties``)."""
        if s.raw.get("x-kubernetes-validations"):
            self.rules(s, path, cardinality, is_resource_root, uncorrelatable)
        for name, prop in s.properties.items():
            self.node(
                prop,
                key(child(path, "properties"), name),
                cardinality=cardinality,
                is_resource_root=prop.embedded_resource,
                uncorrelatable=uncorrelatable,
            )
        if s.items is not None:
            items_path = child(path, "items")
            inner = uncorrelatable if uncorrelatable is not None or s.list_type == "map" else items_path
            self.node(
                s.items,
                items_path,
                cardinality=_times(cardinality, s.raw.get("maxItems")),
                is_resource_root=s.items.embedded_resource,
                uncorrelatable=inner,
            )
        if s.additional_properties_schema is not None:
            ap_path = child(path, "additionalProperties")
            inner = uncorrelatable if uncorrelatable is not None or s.map_type != "atomic" else ap_path
            self.node(
                s.additional_properties_schema,
                ap_path,
                cardinality=_times(cardinality, s.raw.get("maxProperties")),
                is_resource_root=s.additional_properties_schema.embedded_resource,
                uncorrelatable=inner,
            )

    def rules(
        self, s: Structural, path: str, cardinality: int | None, is_resource_root: bool, uncorrelatable: str | None
    ) -> None:
        if cardinality is None:
            cardinality = model.max_cardinality(s)
        rules_path = child(path, "x-kubernetes-validations")
        raw_rules = [r for r in s.raw.get("x-kubernetes-validations") or [] if isinstance(r, dict)]
        path_errors = []
        for i, rule in enumerate(raw_rules):
            field_path = str(rule.get("fieldPath") or "")
            if field_path.strip():
                try:
                    valid_field_path(field_path, s)
                except ValueError as exc:
                    path_errors.append(
                        fe.invalid(
                            child(index(rules_path, i), "fieldPath"),
                            field_path,
                            f"fieldPath must be a valid path: {exc}",
                        )
                    )
        if path_errors:
            self.errors += path_errors
            return
        for i, result in enumerate(compile_rules(s, is_resource_root)):
            rule_path = index(rules_path, i)
            cost = result.max_cost * cardinality if result.max_cost else 0
            if cost > STATIC_ESTIMATED_COST_LIMIT:
                self.errors.append(
                    fe.forbidden(
                        child(rule_path, "rule"),
                        cost_error_message("estimated rule cost", cost, STATIC_ESTIMATED_COST_LIMIT),
                    )
                )
            self.total_cost += cost
            if result.error is not None:
                if result.error_is_required:
                    self.errors.append(fe.required(child(rule_path, "rule"), result.error))
                else:
                    self.errors.append(fe.invalid(child(rule_path, "rule"), rule_value(result.rule), result.error))
            if result.message_expression_error is not None:
                self.errors.append(
                    fe.invalid(
                        child(rule_path, "messageExpression"), rule_value(result.rule), result.message_expression_error
                    )
                )
            elif result.message_program is not None:
                if result.message_max_cost > STATIC_ESTIMATED_COST_LIMIT:
                    self.errors.append(
                        fe.forbidden(
                            child(rule_path, "messageExpression"),
                            cost_error_message(
                                "estimated messageExpression cost", result.message_max_cost, STATIC_ESTIMATED_COST_LIMIT
                            ),
                        )
                    )
                self.total_cost += result.message_max_cost
            if result.uses_old_self:
                if uncorrelatable is not None:
                    self.errors.append(
                        fe.invalid(
                            child(rule_path, "rule"),
                            str(result.rule.get("rule") or ""),
                            f"oldSelf cannot be used on the uncorrelatable portion of the schema within {uncorrelatable}",
                        )
                    )
            elif result.program is not None and result.rule.get("optionalOldSelf") is not None:
                self.errors.append(
                    fe.invalid(
                        child(rule_path, "optionalOldSelf"),
                        bool(result.rule["optionalOldSelf"]),
                        "may not be set if oldSelf is not used in rule",
                    )
                )
