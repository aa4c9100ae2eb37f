"""Params and failure policies shared by both policy kinds
(k8s.io/apiserver/pkg/admission/plugin/policy/generic/policy_dispatcher.go).

``collect_params`` is CollectParams: the params a binding's paramRef selects, with upstream's
configuration errors as their texts. ``PolicyError`` and ``policy_errors_to_status`` are what the
generic dispatcher does with configuration and evaluation errors: dropped under
``failurePolicy: Ignore``, otherwise a Forbidden (403) naming the object, whose message is the
first error's, and one cause per error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fakeapi.admission.interfaces import Attributes
from fakeapi.admission.plugin.cel.condition import create_namespace_object
from fakeapi.admission.plugin.policy.generic.policy_source import ParamStore
from fakeapi.apimachinery import errors
from fakeapi.apimachinery.gofmt import go_quote
from fakeapi.apimachinery.labels import SelectorParseError, selector_from_label_selector_dict
from fakeapi.apimachinery.schema import GroupResource
from fakeapi.storage.interfaces import Object

FAIL = "Fail"
IGNORE = "Ignore"
DENY_ACTION = "Deny"


class ParamError(Exception):
    """A binding's params cannot be collected: a configuration error of the binding."""


def _param_kind_string(param_kind: Mapping[str, Any]) -> str:
    """The generated String() of a *ParamKind, as CollectParams prints it."""
    return f"&ParamKind{{APIVersion:{param_kind.get('apiVersion', '')},Kind:{param_kind.get('kind', '')},}}"


def collect_params(
    param_kind: Mapping[str, Any] | None,
    param_store: ParamStore | None,
    param_ref: Mapping[str, Any] | None,
    namespace: str,
) -> list[Object | None]:
    """CollectParams: the params to evaluate a binding with; ``[None]`` when it uses none.

    An empty list means none was found and the binding's parameterNotFoundAction is Allow.

    Raises:
        ParamError: the configuration cannot give params (upstream's texts).
    """
    if param_kind is None or param_ref is None:
        # No paramKind: a paramRef is ignored. A paramKind but no paramRef: evaluate without params.
        return [None]
    if param_store is None:
        raise ParamError(f"paramKind kind `{_param_kind_string(param_kind)}` not known")
    ref_namespace = param_ref.get("namespace") or ""
    params_namespace = ""
    if param_store.namespaced:
        params_namespace = ref_namespace or namespace
        if not params_namespace:
            raise ParamError("cannot use namespaced paramRef in policy binding that matches cluster-scoped resources")
    elif ref_namespace:
        raise ParamError("paramRef.namespace must not be provided for a cluster-scoped `paramKind`")
    name = param_ref.get("name") or ""
    selector = param_ref.get("selector")
    params: list[Object | None]
    if name:
        if selector is not None:
            raise ParamError("paramRef.name and paramRef.selector are mutually exclusive")
        found = param_store.get(params_namespace, name)
        params = [] if found is None else [found]
    elif selector is not None:
        try:
            parsed = selector_from_label_selector_dict(selector)
        except SelectorParseError as exc:
            raise ParamError(str(exc)) from None
        params = list(param_store.list(params_namespace, parsed))
    else:
        raise ParamError("one of name or selector must be provided")
    if not params and param_ref.get("parameterNotFoundAction") == DENY_ACTION:
        raise ParamError("no params found for policy binding with `Deny` parameterNotFoundAction")
    return params


def failure_policy(policy: Object) -> str:
    """spec.failurePolicy, Fail when unset (as defaulting leaves it)."""
    return str((policy.get("spec") or {}).get("failurePolicy") or FAIL)


@dataclass(frozen=True)
class PolicyError:
    """PolicyError: a policy's (or one of its bindings') configuration or evaluation error."""

    policy: Object
    binding: Object | None
    message: str
    reason: str = ""

    def __str__(self) -> str:
        policy = self.policy["metadata"]["name"]
        if self.binding is not None:
            return f"policy '{policy}' with binding '{self.binding['metadata']['name']}' denied request: {self.message}"
        return f"policy {go_quote(policy)} denied request: {self.message}"


NamespaceGetter = Callable[[str], "Object | None"]


def object_name(attributes: Attributes) -> str:
    """extractResourceName: the request's name, else the object's name or generateName, else ``Unknown``."""
    if attributes.name:
        return attributes.name
    meta = (attributes.obj or {}).get("metadata") or {}
    return str(meta.get("name") or meta.get("generateName") or "Unknown")


def forbidden(resource: GroupResource, name: str, message: str) -> errors.StatusError:
    """admission.NewForbidden: a 403 naming the object."""
    return errors.new_forbidden(resource, name, message)


def namespace_object(attributes: Attributes, get_namespace: NamespaceGetter) -> dict[str, Any] | None:
    """The namespaceObject of a request: None when cluster-scoped (a Namespace counts as cluster-scoped)."""
    kind = attributes.kind
    if not attributes.namespace or (kind.group, kind.version, kind.kind) == ("", "v1", "Namespace"):
        return None
    return create_namespace_object(get_namespace(attributes.namespace))


def policy_errors_to_status(attributes: Attributes, policy_errors: list[PolicyError]) -> None:
    """The end of policyDispatcher.Dispatch: raise the errors of policies that fail closed.

    Raises:
        StatusError: a Forbidden whose message is the first error's, with every error as a cause.
    """
    failing = [e for e in policy_errors if failure_policy(e.policy) != IGNORE]
    if not failing:
        return
    # Upstream empties the Forbidden's message and puts the first error's there: no "is forbidden:" prefix.
    err = forbidden(attributes.resource.group_resource, object_name(attributes), "admission request denied by policy")
    err.message = str(failing[0])
    if failing[0].reason:
        err.reason = failing[0].reason
    err.details["causes"] = [{"message": str(e)} for e in failing]
    raise err
