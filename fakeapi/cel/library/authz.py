"""The authz library (apiserver/pkg/cel/library/authz.go): declarations, and checks against a caller's authorizer.

The admission environments declare an ``authorizer`` variable (``kubernetes.authorization.Authorizer``);
CRD rules do not, so there these functions exist but cannot be reached, as upstream. The checks
ask the :class:`Authorizer` the caller passes to ``Program.eval(..., authorizer=...)``:

    authorizer.group('apps').resource('deployments').namespace('ns').check('create').allowed()
    authorizer.serviceAccount('ns', 'sa').path('/healthz').check('get').allowed()
    authorizer.group('').resource('pods').fieldSelector('spec.nodeName=n').labelSelector('app=a').check('list')

The selectors (the AuthzSelectors library) reach the authorizer parsed, as upstream's
resourceCheckVal.Authorize parses them: a selector that does not parse is no error of the
expression; the check carries no requirements for it and the parse error instead.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

from fakeapi.apimachinery.fields import FieldRequirement, parse_field_selector
from fakeapi.apimachinery.labels import Requirement, SelectorParseError, parse_label_selector
from fakeapi.cel import types
from fakeapi.cel.library import Function, LibraryError, Overload

ALLOW, DENY, NO_OPINION = "allow", "deny", "no opinion"


@dataclass(frozen=True)
class Attributes:
    """What one check asks: ``user`` is set when the expression checks as a service account."""

    verb: str
    user: str = ""
    path: str = ""
    group: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    field_selector_requirements: tuple[FieldRequirement, ...] = ()
    field_selector_parsing_error: str = ""
    label_selector_requirements: tuple[Requirement, ...] = ()
    label_selector_parsing_error: str = ""

    @property
    def is_resource_request(self) -> bool:
        return not self.path


@dataclass(frozen=True)
class Decision:
    decision: str  # ALLOW, DENY or NO_OPINION
    reason: str = ""
    error: str = ""


class Authorizer(Protocol):
    def authorize(self, attributes: Attributes) -> Decision: ...


def new_authorizer() -> Any:
    """The value of the ``authorizer`` variable (the request's own user)."""
    return types.new(types.AUTHORIZER)


def new_resource_check(group: str, resource: str, subresource: str = "", namespace: str = "", name: str = "") -> Any:
    """The value of ``authorizer.requestResource``: the resource of the request under admission."""
    return types.new(
        types.RESOURCE_CHECK, group=group, resource=resource, subresource=subresource, namespace=namespace, name=name
    )


def _derive(type_name: str, message: Any, **changes: str) -> Any:
    fields = {f.name: v for f, v in message.ListFields()}
    fields.update(changes)
    return types.new(type_name, **fields)


def _selectors(field_selector: str, label_selector: str) -> dict[str, Any]:
    """The selectors' requirements, or the errors that parsing them gave (resourceCheckVal.Authorize)."""
    selectors: dict[str, Any] = {}
    try:
        selectors["field_selector_requirements"] = parse_field_selector(field_selector).requirements
    except SelectorParseError as exc:
        selectors["field_selector_parsing_error"] = str(exc)
    try:
        selectors["label_selector_requirements"] = parse_label_selector(label_selector).requirements
    except SelectorParseError as exc:
        selectors["label_selector_parsing_error"] = str(exc)
    return selectors


# The authorizer of the evaluation under way (Program.eval sets it): a context variable, so that
# the library's functions can be declared once per process and still ask each caller's authorizer.
current_authorizer: ContextVar[Authorizer | None] = ContextVar("current_authorizer", default=None)


def functions() -> tuple[Function, ...]:
    """The library's functions."""

    def check(message: Any, verb: str) -> Any:
        authorizer = current_authorizer.get()
        if authorizer is None:
            raise LibraryError("no authorizer available")
        fields = {f.name: v for f, v in message.ListFields()}
        attributes = Attributes(
            verb=verb,
            **{k: fields.get(k, "") for k in ("user", "path", "group", "resource", "subresource", "namespace", "name")},
            **_selectors(fields.get("field_selector", ""), fields.get("label_selector", "")),
        )
        decision = authorizer.authorize(attributes)
        return types.new(types.DECISION, decision=decision.decision, reason=decision.reason, error=decision.error)

    a, p, g, r, d = types.AUTHORIZER, types.PATH_CHECK, types.GROUP_CHECK, types.RESOURCE_CHECK, types.DECISION

    def setter(name: str, overload_id: str, field_name: str, result: str, receiver: str) -> Overload:
        return Overload(
            overload_id, (receiver, "string"), result, lambda m, v: _derive(result, m, **{field_name: v}), member=True
        )

    return (
        Function("path", (setter("path", "authorizer_path", "path", p, a),)),
        Function("group", (setter("group", "authorizer_group", "group", g, a),)),
        Function(
            "serviceAccount",
            (
                Overload(
                    "authorizer_serviceaccount",
                    (a, "string", "string"),
                    a,
                    lambda m, ns, name: _derive(a, m, user=f"system:serviceaccount:{ns}:{name}"),
                    member=True,
                ),
            ),
        ),
        Function("resource", (setter("resource", "groupcheck_resource", "resource", r, g),)),
        Function("subresource", (setter("subresource", "resourcecheck_subresource", "subresource", r, r),)),
        Function("namespace", (setter("namespace", "resourcecheck_namespace", "namespace", r, r),)),
        Function("name", (setter("name", "resourcecheck_name", "name", r, r),)),
        Function("fieldSelector", (setter("fieldSelector", "authorizer_fieldselector", "field_selector", r, r),)),
        Function("labelSelector", (setter("labelSelector", "authorizer_labelselector", "label_selector", r, r),)),
        Function(
            "check",
            (
                Overload("pathcheck_check", (p, "string"), d, check, member=True),
                Overload("resourcecheck_check", (r, "string"), d, check, member=True),
            ),
        ),
        Function("errored", (Overload("decision_errored", (d,), "bool", lambda m: bool(m.error), member=True),)),
        Function("error", (Overload("decision_error", (d,), "string", lambda m: m.error, member=True),)),
        Function("allowed", (Overload("decision_allowed", (d,), "bool", lambda m: m.decision == ALLOW, member=True),)),
        Function("reason", (Overload("decision_reason", (d,), "string", lambda m: m.reason, member=True),)),
    )
