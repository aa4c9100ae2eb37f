"""String formats a CRD schema may use, and their checks.

Mirrors apiextensions-apiserver/pkg/apiserver/validation/formats.go (which formats survive
StripUnsupportedFormatsPostProcess, at this server's compatibility version) and the checks of
kube-openapi's strfmt registry. A format outside the list is ignored, as upstream strips it.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable
from datetime import date

from fakeapi.apimachinery import validation

# formats.go supportedVersionedFormats (1.0 and 1.34), normalized: without "-".
SUPPORTED_STRING_FORMATS = frozenset(
    {
        "bsonobjectid",
        "uri",
        "email",
        "hostname",
        "ipv4",
        "ipv6",
        "cidr",
        "mac",
        "uuid",
        "uuid3",
        "uuid4",
        "uuid5",
        "isbn",
        "isbn10",
        "isbn13",
        "creditcard",
        "ssn",
        "hexcolor",
        "rgbcolor",
        "byte",
        "password",
        "date",
        "duration",
        "datetime",
        "quantity",
        "k8sshortname",
        "k8slongname",
    }
)


def effective_format(schema_type: str, fmt: str) -> str:
    """The format validation uses after StripUnsupportedFormatsPostProcess ("" when stripped)."""
    if not fmt:
        return ""
    if schema_type in ("", "string"):
        return fmt if fmt.replace("-", "") in SUPPORTED_STRING_FORMATS else ""
    if schema_type == "integer":
        return fmt if fmt in ("int32", "int64") else ""
    if schema_type == "number":
        return fmt if fmt in ("float", "double") else ""
    return ""


_UUID = re.compile(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$")
_UUID3 = re.compile(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$")
_UUID4 = re.compile(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$")
_UUID5 = re.compile(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$")
_DATE_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_HOSTNAME = re.compile(
    r"^(?=.{1,255}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_MAC = re.compile(r"^([0-9A-Fa-f]{2}[:-]){5}([0-9A-Fa-f]{2})$|^([0-9A-Fa-f]{4}\.){2}[0-9A-Fa-f]{4}$")
_HEXCOLOR = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_RGBCOLOR = re.compile(r"^rgb\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*\)$")
_SSN = re.compile(r"^\d{3}[- ]?\d{2}[- ]?\d{4}$")
_BSON = re.compile(r"^[0-9a-fA-F]{24}$")
_ISBN10 = re.compile(r"^(?:[0-9]{9}X|[0-9]{10})$")
_ISBN13 = re.compile(r"^(?:[0-9]{13})$")
_CREDIT_CARD = re.compile(
    r"^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|"
    r"3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11})$"
)
# strfmt.ParseDuration: Go durations, or "<n> <unit>" with units such as ms, s, m, h, d, w and their words.
_GO_DURATION = re.compile(
    r"^[-+]?(\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))*$"
)
_WORD_DURATION = re.compile(
    r"^(\d+)\s*(ns|us|µs|ms|s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours|"
    r"d|day|days|w|wk|wks|week|weeks)$"
)
_QUANTITY = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$")
_K8S_LONG_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def _is_date(text: str) -> bool:
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if match is None:
        return False
    try:
        date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return False
    return True


def _is_date_time(text: str) -> bool:
    match = _DATE_TIME.match(text)
    if match is None or not _is_date(text[:10]):
        return False
    hour, minute, second = int(match.group(4)), int(match.group(5)), int(match.group(6))
    return hour < 24 and minute < 60 and second < 61


def _is_byte(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _is_ip(version: int) -> Callable[[str], bool]:
    def check(text: str) -> bool:
        try:
            return ipaddress.ip_address(text).version == version
        except ValueError:
            return False

    return check


def _is_cidr(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return "/" in text


def _is_uri(text: str) -> bool:
    return text.startswith("/") or bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", text))


def _is_rgb_color(text: str) -> bool:
    match = _RGBCOLOR.match(text)
    return match is not None and all(int(n) <= 255 for n in match.groups())


def _is_isbn(text: str) -> bool:
    digits = re.sub(r"[\s-]", "", text)
    return bool(_ISBN10.match(digits) or _ISBN13.match(digits))


_CHECKS: dict[str, Callable[[str], bool]] = {
    "bsonobjectid": lambda t: bool(_BSON.match(t)),
    "uri": _is_uri,
    "email": lambda t: bool(_EMAIL.match(t)),
    "hostname": lambda t: bool(_HOSTNAME.match(t)),
    "ipv4": _is_ip(4),
    "ipv6": _is_ip(6),
    "cidr": _is_cidr,
    "mac": lambda t: bool(_MAC.match(t)),
    "uuid": lambda t: bool(_UUID.match(t)),
    "uuid3": lambda t: bool(_UUID3.match(t)),
    "uuid4": lambda t: bool(_UUID4.match(t)),
    "uuid5": lambda t: bool(_UUID5.match(t)),
    "isbn": _is_isbn,
    "isbn10": lambda t: bool(_ISBN10.match(re.sub(r"[\s-]", "", t))),
    "isbn13": lambda t: bool(_ISBN13.match(re.sub(r"[\s-]", "", t))),
    "creditcard": lambda t: bool(_CREDIT_CARD.match(re.sub(r"\D", "", t))),
    "ssn": lambda t: bool(_SSN.match(t)),
    "hexcolor": lambda t: bool(_HEXCOLOR.match(t)),
    "rgbcolor": _is_rgb_color,
    "byte": _is_byte,
    "password": lambda t: True,
    "date": _is_date,
    "duration": lambda t: bool(_GO_DURATION.match(t) or _WORD_DURATION.match(t.strip())),
    "datetime": _is_date_time,
    "quantity": lambda t: bool(_QUANTITY.match(t)),
    "k8sshortname": lambda t: not validation.is_dns1123_label(t),
    "k8slongname": lambda t: bool(_K8S_LONG_NAME.match(t)) and len(t) <= 253,
}


def check_format(fmt: str, text: str) -> bool:
    """Whether ``text`` is valid in the (supported) string format ``fmt``."""
    check = _CHECKS.get(fmt.replace("-", ""))
    return check is None or check(text)
