"""Validation of webhook configurations (pkg/apis/admissionregistration/validation/validation.go, the webhook parts,
with apiserver/pkg/util/webhook/validation.go for the client configuration).

Webhook names are fully qualified and unique in their configuration; rules name operations,
groups, versions and resources (wildcards alone); ``sideEffects`` is required and, in v1, ``None``
or ``NoneOnDryRun``; ``timeoutSeconds`` lies in 1..30; the client configuration has exactly one of
``url`` (https, with a host, no user, query or fragment) and ``service``; ``admissionReviewVersions``
names v1 or v1beta1. An update is held to the stricter rules only where the stored object already
kept them, as upstream lets configurations from older servers be updated. At most 64
``matchConditions`` per webhook, each with a unique qualified name and an expression that
compiles to a bool in the match conditions' environment (CEL is loaded only for a webhook that
has conditions). Label selectors are not checked here.
"""

from __future__ import annotations

import functools
import urllib.parse
from typing import TYPE_CHECKING, Any

from fakeapi.apimachinery import field
from fakeapi.apimachinery.field import FieldError
from fakeapi.apimachinery.labels import qualified_name_errors
from fakeapi.apimachinery.validation import is_dns1035_label, is_dns1123_subdomain, validate_label_selector
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.strategy import Strategy
from fakeapi.storage.interfaces import Object

if TYPE_CHECKING:
    from fakeapi.admission.plugin.cel.compile import Compiler

ACCEPTED_ADMISSION_REVIEW_VERSIONS = ("v1", "v1beta1")
NO_SIDE_EFFECT_CLASSES = ["None", "NoneOnDryRun"]
SUPPORTED_SIDE_EFFECT_CLASSES = ["None", "NoneOnDryRun", "Some", "Unknown"]
SUPPORTED_FAILURE_POLICIES = ["Fail", "Ignore"]
SUPPORTED_MATCH_POLICIES = ["Equivalent", "Exact"]
SUPPORTED_REINVOCATION_POLICIES = ["IfNeeded", "Never"]
SUPPORTED_OPERATIONS = ["*", "CONNECT", "CREATE", "DELETE", "UPDATE"]
VALID_SCOPES = ["*", "Cluster", "Namespaced"]
_URL_FORM = "; desired format: https://host[/path]"
MAX_MATCH_CONDITIONS = 64


def strings_of(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def is_fully_qualified_name(path: str, name: str) -> list[FieldError]:
    """validation.IsFullyQualifiedName."""
    if not name:
        return [field.required(path)]
    errs = is_dns1123_subdomain(name)
    if errs:
        return [field.invalid(path, name, ",".join(errs))]
    if len(name.split(".")) < 3:
        return [field.invalid(path, name, "should be a domain with at least three segments separated by dots")]
    return []


def _wildcard_alone(values: list[str], path: str, what: str) -> list[FieldError]:
    if len(values) > 1 and "*" in values:
        return [field.invalid(path, values, f"if '*' is present, must not specify other {what}")]
    return []


def _validate_resources(resources: list[str], path: str) -> list[FieldError]:
    """validateResources (subresources allowed)."""
    errs: list[FieldError] = [] if resources else [field.required(path)]
    with_wildcard_subresource: set[str] = set()
    with_wildcard_resource: set[str] = set()
    double_wildcard = single_wildcard = without_subresource = False
    for i, item in enumerate(resources):
        if not item:
            errs.append(field.required(f"{path}[{i}]"))
            continue
        double_wildcard |= item == "*/*"
        single_wildcard |= item == "*"
        resource, slash, sub = item.partition("/")
        if not slash:
            without_subresource = item != "*"
            continue
        if resource in with_wildcard_subresource:
            errs.append(field.invalid(f"{path}[{i}]", item, f"if '{resource}/*' is present, must not specify {item}"))
        if sub in with_wildcard_resource:
            errs.append(field.invalid(f"{path}[{i}]", item, f"if '*/{sub}' is present, must not specify {item}"))
        if sub == "*":
            with_wildcard_subresource.add(resource)
        if resource == "*":
            with_wildcard_resource.add(sub)
    if len(resources) > 1 and double_wildcard:
        errs.append(field.invalid(path, resources, "if '*/*' is present, must not specify other resources"))
    if single_wildcard and without_subresource:
        errs.append(
            field.invalid(path, resources, "if '*' is present, must not specify other resources without subresources")
        )
    return errs


def validate_rule_with_operations(rule: dict[str, Any], path: str) -> list[FieldError]:
    operations = strings_of(rule.get("operations"))
    errs: list[FieldError] = [] if operations else [field.required(f"{path}.operations")]
    errs += _wildcard_alone(operations, f"{path}.operations", "operations")
    errs += [
        field.not_supported(f"{path}.operations[{i}]", op, SUPPORTED_OPERATIONS)
        for i, op in enumerate(operations)
        if op not in SUPPORTED_OPERATIONS
    ]
    groups, versions = strings_of(rule.get("apiGroups")), strings_of(rule.get("apiVersions"))
    if not groups:
        errs.append(field.required(f"{path}.apiGroups"))
    errs += _wildcard_alone(groups, f"{path}.apiGroups", "API groups")
    if not versions:
        errs.append(field.required(f"{path}.apiVersions"))
    errs += _wildcard_alone(versions, f"{path}.apiVersions", "API versions")
    errs += [field.required(f"{path}.apiVersions[{i}]") for i, v in enumerate(versions) if not v]
    errs += _validate_resources(strings_of(rule.get("resources")), f"{path}.resources")
    scope = rule.get("scope")
    if scope is not None and scope not in VALID_SCOPES:
        errs.append(field.not_supported(f"{path}.scope", scope, VALID_SCOPES))
    return errs


def _validate_url(path: str, url: str) -> list[FieldError]:
    """ValidateWebhookURL with https forced."""
    try:
        parsed = urllib.parse.urlsplit(url)
    except ValueError as err:
        return [field.required(path, f"url must be a valid URL: {err}{_URL_FORM}")]
    errs: list[FieldError] = []
    if parsed.scheme != "https":
        errs.append(field.invalid(path, parsed.scheme, "'https' is the only allowed URL scheme" + _URL_FORM))
    if not parsed.netloc:
        errs.append(field.invalid(path, parsed.netloc, "host must be specified" + _URL_FORM))
    if "@" in parsed.netloc:
        errs.append(
            field.invalid(path, parsed.netloc.rpartition("@")[0], "user information is not permitted in the URL")
        )
    if parsed.fragment:
        errs.append(field.invalid(path, parsed.fragment, "fragments are not permitted in the URL"))
    if parsed.query:
        errs.append(field.invalid(path, parsed.query, "query parameters are not permitted in the URL"))
    return errs


def _validate_service(path: str, service: dict[str, Any]) -> list[FieldError]:
    """ValidateWebhookService."""
    errs: list[FieldError] = []
    if not service.get("name"):
        errs.append(field.required(f"{path}.name"))
    if not service.get("namespace"):
        errs.append(field.required(f"{path}.namespace"))
    port = service.get("port", 443)
    if not isinstance(port, int) or not 1 <= port <= 65535:
        errs.append(field.invalid(f"{path}.port", port, "port is not valid: must be between 1 and 65535, inclusive"))
    url_path = service.get("path")
    if url_path in (None, "", "/"):
        return errs
    url_path = str(url_path)
    if url_path == "//":
        return [*errs, field.invalid(f"{path}.path", url_path, "segment[0] may not be empty")]
    if not url_path.startswith("/"):
        errs.append(field.invalid(f"{path}.path", url_path, "must start with a '/'"))
    to_check = url_path[1:]
    if to_check.endswith("/"):
        to_check = to_check[:-1]
    for i, step in enumerate(to_check.split("/")):
        if not step:
            errs.append(field.invalid(f"{path}.path", url_path, f"segment[{i}] may not be empty"))
            continue
        errs += [
            field.invalid(f"{path}.path", url_path, f"segment[{i}]: {failure}")
            for failure in is_dns1123_subdomain(step)
        ]
    return errs


def _validate_admission_review_versions(versions: list[str], require_recognized: bool, path: str) -> list[FieldError]:
    if not versions:
        return [field.required(path, f"must specify one of {', '.join(ACCEPTED_ADMISSION_REVIEW_VERSIONS)}")]
    errs: list[FieldError] = []
    seen: set[str] = set()
    for i, version in enumerate(versions):
        if version in seen:
            errs.append(field.invalid(f"{path}[{i}]", version, "duplicate version"))
            continue
        seen.add(version)
        errs += [field.invalid(f"{path}[{i}]", version, failure) for failure in is_dns1035_label(version)]
    if require_recognized and not seen & set(ACCEPTED_ADMISSION_REVIEW_VERSIONS):
        errs.append(
            field.invalid(
                path, versions, f"must include at least one of {', '.join(ACCEPTED_ADMISSION_REVIEW_VERSIONS)}"
            )
        )
    return errs


def _validate_webhook(hook: dict[str, Any], path: str, *, mutating: bool, no_side_effects: bool) -> list[FieldError]:
    errs = is_fully_qualified_name(f"{path}.name", str(hook.get("name") or ""))
    for i, rule in enumerate(hook.get("rules") or []):
        if isinstance(rule, dict):
            errs += validate_rule_with_operations(rule, f"{path}.rules[{i}]")
    for key, supported in (("failurePolicy", SUPPORTED_FAILURE_POLICIES), ("matchPolicy", SUPPORTED_MATCH_POLICIES)):
        value = hook.get(key)
        if value is not None and value not in supported:
            errs.append(field.not_supported(f"{path}.{key}", value, supported))
    allowed = NO_SIDE_EFFECT_CLASSES if no_side_effects else SUPPORTED_SIDE_EFFECT_CLASSES
    side_effects = hook.get("sideEffects")
    if side_effects is None:
        errs.append(field.required(f"{path}.sideEffects", f"must specify one of {', '.join(allowed)}"))
    elif side_effects not in allowed:
        errs.append(field.not_supported(f"{path}.sideEffects", side_effects, allowed))
    timeout = hook.get("timeoutSeconds")
    if isinstance(timeout, int) and not 1 <= timeout <= 30:
        errs.append(
            field.invalid(f"{path}.timeoutSeconds", timeout, "the timeout value must be between 1 and 30 seconds")
        )
    reinvocation = hook.get("reinvocationPolicy")
    if mutating and reinvocation is not None and reinvocation not in SUPPORTED_REINVOCATION_POLICIES:
        errs.append(field.not_supported(f"{path}.reinvocationPolicy", reinvocation, SUPPORTED_REINVOCATION_POLICIES))
    for selector in ("namespaceSelector", "objectSelector"):
        if hook.get(selector) is not None:
            errs += validate_label_selector(hook[selector], f"{path}.{selector}")
    client_config = hook.get("clientConfig") or {}
    url, service = client_config.get("url"), client_config.get("service")
    if (url is None) == (service is None):
        errs.append(field.required(f"{path}.clientConfig", "exactly one of url or service is required"))
    elif url is not None:
        errs += _validate_url(f"{path}.clientConfig.url", str(url))
    elif isinstance(service, dict):
        errs += _validate_service(f"{path}.clientConfig.service", service)
    # validateValidatingWebhook and validateMutatingWebhook check the match conditions last.
    conditions = [c for c in hook.get("matchConditions") or [] if isinstance(c, dict)]
    if conditions:
        errs += validate_match_conditions(conditions, f"{path}.matchConditions")
    return errs


@functools.cache
def expression_compiler() -> Compiler:
    """One compiler for every configuration and policy written (building its environments is the costly part)."""
    from fakeapi.admission.plugin.cel.compile import Compiler

    return Compiler()


def validate_match_conditions(
    conditions: list[dict[str, Any]], path: str, *, has_params: bool = False
) -> list[FieldError]:
    """validateMatchConditions: how many, names, and each expression compiled as upstream compiles it.

    ``has_params``: the policies' conditions may read ``params`` where the policy has a paramKind.
    """
    from fakeapi.admission.plugin.cel.compile import BOOL, OptionalVariableDeclarations

    compiler = expression_compiler()
    options = OptionalVariableDeclarations(has_params=has_params, has_authorizer=True)
    errs = (
        [field.too_many(path, len(conditions), MAX_MATCH_CONDITIONS)] if len(conditions) > MAX_MATCH_CONDITIONS else []
    )
    names: set[str] = set()
    for i, condition in enumerate(conditions):
        expression = str(condition.get("expression") or "").strip()
        if not expression:
            errs.append(field.required(f"{path}[{i}].expression"))
        else:
            compiled = compiler.compile(expression, options, (BOOL,))
            if compiled.failed:
                errs.append(field.invalid(f"{path}[{i}].expression", expression, compiled.error))
        name = str(condition.get("name") or "")
        if not name:
            errs.append(field.required(f"{path}[{i}].name"))
        else:
            errs += [field.invalid(f"{path}[{i}].name", name, m) for m in qualified_name_errors(name)]
        if name in names:
            errs.append(field.duplicate(f"{path}[{i}].name", name))
        elif name:
            names.add(name)
    return errs


def _webhooks(obj: Object) -> list[dict[str, Any]]:
    return [w for w in obj.get("webhooks") or [] if isinstance(w, dict)]


def validate_webhook_configuration(obj: Object, old: Object | None = None) -> list[FieldError]:
    """ValidateValidating/MutatingWebhookConfiguration, and their Update variants when ``old`` is given."""
    mutating = obj.get("kind") == "MutatingWebhookConfiguration"
    old_hooks = None if old is None else _webhooks(old)
    no_side_effects = old_hooks is None or all(h.get("sideEffects") in NO_SIDE_EFFECT_CLASSES for h in old_hooks)
    require_recognized = old_hooks is None or all(
        not h.get("admissionReviewVersions")
        or set(strings_of(h.get("admissionReviewVersions"))) & set(ACCEPTED_ADMISSION_REVIEW_VERSIONS)
        for h in old_hooks
    )
    old_names = [h.get("name") for h in old_hooks or []]
    require_unique = old_hooks is None or len(old_names) == len(set(old_names))
    errs: list[FieldError] = []
    names: set[str] = set()
    for i, hook in enumerate(_webhooks(obj)):
        path = f"webhooks[{i}]"
        errs += _validate_webhook(hook, path, mutating=mutating, no_side_effects=no_side_effects)
        errs += _validate_admission_review_versions(
            strings_of(hook.get("admissionReviewVersions")), require_recognized, f"{path}.admissionReviewVersions"
        )
        name = str(hook.get("name") or "")
        if require_unique and name:
            if name in names:
                errs.append(field.duplicate(f"{path}.name", name))
            names.add(name)
    return errs


class WebhookConfigurationStrategy(Strategy):
    """The strategy of Validating- and MutatingWebhookConfigurations (pkg/registry/admissionregistration/*/strategy.go)."""

    def validate(self, ctx: RequestContext, obj: Object) -> list[FieldError]:
        return validate_webhook_configuration(obj)

    def validate_update(self, ctx: RequestContext, obj: Object, old: Object) -> list[FieldError]:
        return validate_webhook_configuration(obj, old)
