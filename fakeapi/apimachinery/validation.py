"""Name, label and ObjectMeta validation.

Follows k8s.io/apimachinery/pkg/util/validation/validation.go (IsDNS1123Subdomain and
friends, whose messages are reproduced word for word) and
k8s.io/apimachinery/pkg/api/validation/objectmeta.go (ValidateObjectMeta).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fakeapi.apimachinery import field
from fakeapi.apimachinery.field import FieldError
from fakeapi.apimachinery.labels import label_key_errors, label_value_errors, qualified_name_errors

DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*"
DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
WILDCARD_DNS1123_SUBDOMAIN_FMT = "\\*\\." + DNS1123_SUBDOMAIN_FMT

DNS1123_LABEL_MAX_LENGTH = 63
DNS1123_SUBDOMAIN_MAX_LENGTH = 253
DNS1035_LABEL_MAX_LENGTH = 63
TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024

# Matched whole with fullmatch: Go's "^...$" ends at the end of the text, Python's "$" also before a final newline.
_DNS1123_LABEL = re.compile(DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN = re.compile(DNS1123_SUBDOMAIN_FMT)
_DNS1035_LABEL = re.compile(DNS1035_LABEL_FMT)
_WILDCARD_DNS1123_SUBDOMAIN = re.compile(WILDCARD_DNS1123_SUBDOMAIN_FMT)


def _regex_error(message: str, fmt: str, *examples: str) -> str:
    """validation.RegexError, including its double space between examples."""
    if not examples:
        return f"{message} (regex used for validation is '{fmt}')"
    return message + " (e.g. " + " or ".join(f"'{e}', " for e in examples) + f"regex used for validation is '{fmt}')"


def _max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def _name_errors(value: str, max_length: int, pattern: re.Pattern[str], message: str, *examples: str) -> list[str]:
    """The checks of a DNS-style name: at most ``max_length`` characters, the whole of it matching ``pattern``."""
    errs = []
    if len(value) > max_length:
        errs.append(_max_len_error(max_length))
    if not pattern.fullmatch(value):
        errs.append(_regex_error(message, pattern.pattern, *examples))
    return errs


def is_dns1123_label(value: str) -> list[str]:
    return _name_errors(
        value,
        DNS1123_LABEL_MAX_LENGTH,
        _DNS1123_LABEL,
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
        "and must start and end with an alphanumeric character",
        "my-name",
        "123-abc",
    )


def is_dns1123_subdomain(value: str) -> list[str]:
    return _name_errors(
        value,
        DNS1123_SUBDOMAIN_MAX_LENGTH,
        _DNS1123_SUBDOMAIN,
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
        "and must start and end with an alphanumeric character",
        "example.com",
    )


def is_wildcard_dns1123_subdomain(value: str) -> list[str]:
    """IsWildcardDNS1123Subdomain: ``*.`` and a DNS subdomain (RFC 1034 section 4.3.3)."""
    return _name_errors(
        value,
        DNS1123_SUBDOMAIN_MAX_LENGTH,
        _WILDCARD_DNS1123_SUBDOMAIN,
        "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must "
        "consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character",
        "*.example.com",
    )


def is_dns1035_label(value: str) -> list[str]:
    return _name_errors(
        value,
        DNS1035_LABEL_MAX_LENGTH,
        _DNS1035_LABEL,
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
        "start with an alphabetic character, and end with an alphanumeric character",
        "my-name",
        "abc-123",
    )


def is_valid_path_segment_name(name: str) -> list[str]:
    """path.IsValidPathSegmentName: the floor every object name must pass."""
    if name in (".", ".."):
        return [f"may not be '{name}'"]
    return [f"may not contain '{bad}'" for bad in ("/", "%") if bad in name]


# apimachinery's api/validation IsNegativeErrorMsg (ValidateNonnegativeField and friends).
IS_NEGATIVE_ERROR_MSG = "must be greater than or equal to 0"

_CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+"
_CONFIG_MAP_KEY = re.compile(f"^{_CONFIG_MAP_KEY_FMT}$")


def is_config_map_key(value: str) -> list[str]:
    """validation.IsConfigMapKey: a key of a ConfigMap's or Secret's data."""
    msgs = []
    if len(value) > 253:
        msgs.append(_max_len_error(253))
    if not _CONFIG_MAP_KEY.match(value):
        message = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"
        msgs.append(_regex_error(message, _CONFIG_MAP_KEY_FMT, "key.name", "KEY_NAME", "key-name"))
    if value in (".", ".."):
        msgs.append(f"must not be '{value}'")
    elif value.startswith(".."):
        msgs.append("must not start with '..'")
    return msgs


_PORT_NAME_CHARSET = re.compile(r"^[-a-z0-9]+$")
_PORT_NAME_ONE_LETTER = re.compile(r".*[a-z].*")


PERCENT_FMT = "[0-9]+%"
_PERCENT = re.compile(PERCENT_FMT)


def is_valid_percent(percent: str) -> list[str]:
    """IsValidPercent: digits and a final ``%``."""
    if _PERCENT.fullmatch(percent):
        return []
    return [
        _regex_error(
            "a valid percent string must be a numeric string followed by an ending '%'", PERCENT_FMT, "1%", "93%"
        )
    ]


def is_valid_port_name(name: str) -> list[str]:
    """validation.IsValidPortName: an IANA_SVC_NAME."""
    msgs = []
    if len(name) > 15:
        msgs.append(_max_len_error(15))
    if not _PORT_NAME_CHARSET.match(name):
        msgs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not _PORT_NAME_ONE_LETTER.match(name):
        msgs.append("must contain at least one letter (a-z)")
    if "--" in name:
        msgs.append("must not contain consecutive hyphens")
    if name and (name[0] == "-" or name[-1] == "-"):
        msgs.append("must not begin or end with a hyphen")
    return msgs


def is_valid_port_num(port: int) -> list[str]:
    """validation.IsValidPortNum."""
    return [] if 1 <= port <= 65535 else ["must be between 1 and 65535, inclusive"]


def validate_labels(labels: Any, path: str) -> list[FieldError]:
    if not isinstance(labels, Mapping):
        return []
    errs: list[FieldError] = []
    for key, value in labels.items():
        errs.extend(field.invalid(path, key, msg) for msg in label_key_errors(str(key)))
        if isinstance(value, str):
            errs.extend(field.invalid(f"{path}[{key}]", value, msg) for msg in label_value_errors(value))
    return errs


def validate_annotations(annotations: Any, path: str) -> list[FieldError]:
    if not isinstance(annotations, Mapping):
        return []
    errs: list[FieldError] = []
    total = 0
    for key, value in annotations.items():
        errs.extend(field.invalid(path, key, msg) for msg in label_key_errors(str(key).lower()))
        total += len(str(key)) + len(str(value or ""))
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        errs.append(field.too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT))
    return errs


def validate_owner_references(refs: Any, path: str) -> list[FieldError]:
    if not isinstance(refs, list):
        return []
    errs: list[FieldError] = []
    controllers = []
    for ref in refs:
        if not isinstance(ref, Mapping):
            continue
        for key in ("apiVersion", "kind", "name", "uid"):
            if not ref.get(key):
                detail = "uid must not be empty" if key == "uid" else f"{key} must not be empty"
                errs.append(field.invalid(path, ref.get(key, ""), detail))
        if ref.get("controller"):
            controllers.append(ref)
    if len(controllers) > 1:
        names = ", ".join(f"{r.get('kind')}/{r.get('name')}" for r in controllers)
        errs.append(
            field.invalid(
                path,
                refs,
                f'Only one reference can have Controller set to true. Found "true" in references for {names}',
            )
        )
    return errs


# helper.IsStandardFinalizerName: the finalizers that need no domain.
_STANDARD_FINALIZERS = frozenset({"kubernetes", "orphan", "foregroundDeletion"})
NOT_QUALIFIED_FINALIZER_MSG = "name is neither a standard finalizer name nor is it fully qualified"


def lacks_a_domain(finalizer: str) -> bool:
    """validateKubeFinalizerName's test: a finalizer with no domain that is not a standard one."""
    return "/" not in finalizer and finalizer not in _STANDARD_FINALIZERS


def validate_finalizers(finalizers: Any, path: str) -> list[FieldError]:
    if not isinstance(finalizers, list):
        return []
    errs: list[FieldError] = []
    seen: set[str] = set()
    for i, name in enumerate(finalizers):
        if not isinstance(name, str):
            continue
        # ValidateFinalizerName: a qualified name.
        errs.extend(field.invalid(f"{path}[{i}]", name, msg) for msg in qualified_name_errors(name))
        if name in seen:
            errs.append(field.duplicate(f"{path}[{i}]", name))
        seen.add(name)
    return errs


def validate_label_selector(selector: Any, path: str, *, allow_invalid_label_value: bool = False) -> list[FieldError]:
    """metav1validation.ValidateLabelSelector: its matchLabels, then each of its matchExpressions.

    ``allow_invalid_label_value``: the expressions' values are not checked (updates of objects
    stored before they were).
    """
    if not isinstance(selector, Mapping):
        return []
    errs: list[FieldError] = []
    labels = selector.get("matchLabels")
    if isinstance(labels, Mapping):
        # ValidateLabels: a bad value is reported at matchLabels itself, not at its key.
        for key, value in labels.items():
            errs.extend(field.invalid(f"{path}.matchLabels", key, m) for m in label_key_errors(str(key)))
            errs.extend(field.invalid(f"{path}.matchLabels", value, m) for m in label_value_errors(str(value)))
    expressions = selector.get("matchExpressions")
    for i, requirement in enumerate(expressions if isinstance(expressions, list) else []):
        if isinstance(requirement, Mapping):
            errs.extend(
                _validate_label_selector_requirement(
                    requirement, f"{path}.matchExpressions[{i}]", allow_invalid_label_value
                )
            )
    return errs


def _validate_label_selector_requirement(
    requirement: Mapping[str, Any], path: str, allow_invalid_label_value: bool
) -> list[FieldError]:
    """ValidateLabelSelectorRequirement."""
    errs: list[FieldError] = []
    operator = requirement.get("operator") or ""
    values = requirement.get("values")
    values = [str(v) for v in values] if isinstance(values, list) else []
    if operator in ("In", "NotIn"):
        if not values:
            errs.append(field.required(f"{path}.values", "must be specified when `operator` is 'In' or 'NotIn'"))
    elif operator in ("Exists", "DoesNotExist"):
        if values:
            errs.append(
                field.forbidden(f"{path}.values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
            )
    else:
        errs.append(field.invalid(f"{path}.operator", operator, "not a valid selector operator"))
    key = str(requirement.get("key") or "")
    errs.extend(field.invalid(f"{path}.key", key, m) for m in label_key_errors(key))
    if not allow_invalid_label_value:
        for i, value in enumerate(values):
            errs.extend(field.invalid(f"{path}.values[{i}]", value, m) for m in label_value_errors(value))
    return errs
