"""CertificateSigningRequest validation (pkg/apis/certificates/validation/validation.go).

A request must hold a PEM ``CERTIFICATE REQUEST`` whose signature verifies, name its usages
(known ones, once each) and a signer (``example.com/signer-name``; not the legacy-unknown one),
ask for at least ten minutes; its conditions have a type, Approved, Denied and Failed only
True, Approved and Denied never together, each type once; an issued certificate is PEM
``CERTIFICATE`` blocks. Updates may not remove an Approved, Denied or Failed condition, only
``/approval`` adds or changes Approved and Denied, and only ``/status`` sets the certificate,
once. What a stored object already breaks is tolerated on update (getValidationOptions).

Where the refusal's words come from Go's crypto/x509 (a request or certificate it cannot parse,
a signature that does not verify), they vary with the fault there; here one text stands for each
kind. A changed Approved or Denied condition is refused without the cmp.Diff upstream appends,
and PEM block headers in an issued certificate are not looked for.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature

from fakeapi.apimachinery import field
from fakeapi.apimachinery.field import FieldError
from fakeapi.apimachinery.validation import is_dns1123_label, is_dns1123_subdomain
from fakeapi.storage.interfaces import Object

LEGACY_UNKNOWN_SIGNER_NAME = "kubernetes.io/legacy-unknown"
MIN_EXPIRATION_SECONDS = 600
_TRUE_ONLY_CONDITIONS = frozenset({"Approved", "Denied", "Failed"})
_STATUS_VALUES = ("False", "True", "Unknown")
_VALID_USAGES = sorted(
    {
        "signing",
        "digital signature",
        "content commitment",
        "key encipherment",
        "key agreement",
        "data encipherment",
        "cert sign",
        "crl sign",
        "encipher only",
        "decipher only",
        "any",
        "server auth",
        "client auth",
        "code signing",
        "email protection",
        "s/mime",
        "ipsec end system",
        "ipsec tunnel",
        "ipsec user",
        "timestamping",
        "ocsp signing",
        "microsoft sgc",
        "netscape sgc",
    }
)


@dataclass(frozen=True)
class Allowances:
    """certificateValidationOptions: what the endpoint may change, and what the stored object already breaks."""

    setting_approval_conditions: bool = False
    setting_certificate: bool = False
    both_approved_and_denied: bool = False
    legacy_signer_name: bool = False
    duplicate_condition_types: bool = False
    empty_condition_type: bool = False
    arbitrary_certificate: bool = False
    unknown_usages: bool = False
    duplicate_usages: bool = False


def allowances(new: Object, old: Object | None, *, approval: bool = False, status: bool = False) -> Allowances:
    """getValidationOptions, with the subresource's own permission."""
    if old is None:
        return Allowances()
    old_conditions = _conditions(old)
    old_types = [c.get("type") or "" for c in old_conditions]
    old_usages = _spec(old).get("usages") or []
    same_certificate = _certificate(new) == _certificate(old)
    return Allowances(
        setting_approval_conditions=approval,
        setting_certificate=status,
        both_approved_and_denied="Approved" in old_types and "Denied" in old_types,
        legacy_signer_name=_spec(old).get("signerName") == LEGACY_UNKNOWN_SIGNER_NAME,
        duplicate_condition_types=len(set(old_types)) != len(old_types),
        empty_condition_type="" in old_types,
        arbitrary_certificate=same_certificate or _certificate_error(_certificate(old)) is not None,
        unknown_usages=any(u not in _VALID_USAGES for u in old_usages),
        duplicate_usages=len(set(old_usages)) != len(old_usages),
    )


def validate_csr(csr: Object, allowed: Allowances) -> list[FieldError]:
    """validateCertificateSigningRequest, without the metadata (the Store checks it)."""
    spec = _spec(csr)
    errs: list[FieldError] = []
    request = spec.get("request") or ""
    problem = _request_error(request)
    if problem is not None:
        errs.append(field.invalid("spec.request", request, problem))
    usages = spec.get("usages") or []
    if not usages:
        errs.append(field.required("spec.usages"))
    if not allowed.unknown_usages:
        errs += [
            field.not_supported(f"spec.usages[{i}]", usage, _VALID_USAGES)
            for i, usage in enumerate(usages)
            if usage not in _VALID_USAGES
        ]
    if not allowed.duplicate_usages:
        errs += [field.duplicate(f"spec.usages[{i}]", usage) for i, usage in enumerate(usages) if usage in usages[:i]]
    signer = spec.get("signerName") or ""
    if signer == LEGACY_UNKNOWN_SIGNER_NAME and not allowed.legacy_signer_name:
        errs.append(
            field.invalid("spec.signerName", signer, "the legacy signerName is not allowed via this API version")
        )
    else:
        errs += signer_name_errors("spec.signerName", signer)
    expiration = spec.get("expirationSeconds")
    if isinstance(expiration, int) and expiration < MIN_EXPIRATION_SECONDS:
        errs.append(
            field.invalid(
                "spec.expirationSeconds", expiration, "may not specify a duration less than 600 seconds (10 minutes)"
            )
        )
    errs += _condition_errors(_conditions(csr), allowed)
    if not allowed.arbitrary_certificate:
        problem = _certificate_error(_certificate(csr))
        if problem is not None:
            errs.append(field.invalid("status.certificate", "<certificate data>", problem))
    return errs


def validate_csr_update(new: Object, old: Object, allowed: Allowances) -> list[FieldError]:
    """validateCertificateSigningRequestUpdate."""
    errs = validate_csr(new, allowed)
    for kind in ("Approved", "Denied", "Failed"):
        if len(_of_type(new, kind)) < len(_of_type(old, kind)):
            errs.append(field.forbidden("status.conditions", f'updates may not remove a condition of type "{kind}"'))
    if not allowed.setting_approval_conditions:
        for kind in ("Approved", "Denied"):
            before, after = _of_type(old, kind), _of_type(new, kind)
            if len(after) > len(before):
                errs.append(field.forbidden("status.conditions", f'updates may not add a condition of type "{kind}"'))
            elif len(after) == len(before) and after != before:
                errs.append(
                    field.forbidden("status.conditions", f'updates may not modify a condition of type "{kind}"')
                )
    if _certificate(new) != _certificate(old):
        if not allowed.setting_certificate:
            errs.append(field.forbidden("status.certificate", "updates may not set certificate content"))
        elif _certificate(old):
            errs.append(field.forbidden("status.certificate", "updates may not modify existing certificate content"))
    return errs


def signer_name_errors(path: str, signer: str) -> list[FieldError]:
    """ValidateSignerName (pkg/apis/core/validation): ``<domain with a dot>/<path of subdomains>``."""
    if not signer:
        return [field.required(path)]
    parts = signer.split("/")
    if len(parts) != 2:
        return [
            field.invalid(
                path, signer, "must be a fully qualified domain and path of the form 'example.com/signer-name'"
            )
        ]
    domain, name = parts
    errs: list[FieldError] = []
    if len(domain) > 253:
        errs.append(field.too_long(path, 253))
    labels = domain.split(".")
    for label in labels:
        problems = is_dns1123_label(label)
        if problems:
            errs += [field.invalid(path, domain, f'validating label "{label}": {p}') for p in problems]
            break
    if len(labels) < 2:
        errs.append(field.invalid(path, domain, "should be a domain with at least two segments separated by dots"))
    for label in name.split("."):
        problems = is_dns1123_subdomain(label)
        if problems:
            errs += [field.invalid(path, name, f'validating label "{label}": {p}') for p in problems]
            break
    if len(name) > 253 - 63 - 1:
        errs.append(field.too_long(path, 253 - 63 - 1))
    return errs


def _condition_errors(conditions: list[dict[str, Any]], allowed: Allowances) -> list[FieldError]:
    """validateConditions."""
    errs: list[FieldError] = []
    seen: set[str] = set()
    approved = denied = False
    for i, condition in enumerate(conditions):
        path = f"status.conditions[{i}]"
        kind, status = condition.get("type") or "", condition.get("status") or ""
        if not kind and not allowed.empty_condition_type:
            errs.append(field.required(f"{path}.type"))
        supported = ["True"] if kind in _TRUE_ONLY_CONDITIONS else list(_STATUS_VALUES)
        if not status:
            errs.append(field.required(f"{path}.status"))
        elif status not in supported:
            errs.append(field.not_supported(f"{path}.status", status, supported))
        if not allowed.both_approved_and_denied:
            if kind == "Approved":
                approved = True
                if denied:
                    errs.append(
                        field.invalid(f"{path}.type", kind, "Approved and Denied conditions are mutually exclusive")
                    )
            elif kind == "Denied":
                denied = True
                if approved:
                    errs.append(
                        field.invalid(f"{path}.type", kind, "Approved and Denied conditions are mutually exclusive")
                    )
        if not allowed.duplicate_condition_types:
            if kind in seen:
                errs.append(field.duplicate(f"{path}.type", kind))
            seen.add(kind)
    return errs


def _request_error(request: str) -> str | None:
    """validateCSR: certificates.ParseCSR, then CheckSignature."""
    try:
        pem = base64.b64decode(request, validate=True)
    except (binascii.Error, ValueError):
        return "PEM block type must be CERTIFICATE REQUEST"
    if b"-----BEGIN CERTIFICATE REQUEST-----" not in pem:
        return "PEM block type must be CERTIFICATE REQUEST"
    try:
        parsed = x509.load_pem_x509_csr(pem)
    except ValueError:
        return "x509: malformed certificate request"
    try:
        if not parsed.is_signature_valid:
            return "x509: signature verification failure"
    except (InvalidSignature, ValueError, TypeError):
        return "x509: signature verification failure"
    return None


def _certificate_error(certificate: str) -> str | None:
    """validateCertificate: nothing, or one or more PEM CERTIFICATE blocks without headers."""
    if not certificate:
        return None
    try:
        pem = base64.b64decode(certificate, validate=True).decode("ascii")
    except (binascii.Error, ValueError):
        return "must contain at least one CERTIFICATE PEM block"
    blocks = 0
    for chunk in pem.split("-----BEGIN ")[1:]:
        block_type = chunk.split("-----", 1)[0]
        if block_type != "CERTIFICATE":
            return f"only CERTIFICATE PEM blocks are allowed, found {json.dumps(block_type)}"
        try:
            x509.load_pem_x509_certificate(f"-----BEGIN {chunk}".encode())
        except ValueError:
            return "x509: malformed certificate"
        blocks += 1
    return None if blocks else "must contain at least one CERTIFICATE PEM block"


def _spec(csr: Object) -> dict[str, Any]:
    return csr.get("spec") or {}


def _conditions(csr: Object) -> list[dict[str, Any]]:
    return list((csr.get("status") or {}).get("conditions") or [])


def _of_type(csr: Object, kind: str) -> list[dict[str, Any]]:
    """The conditions of one type, fields left unset (a null time is a zero one) left out, for comparing."""
    return [{k: v for k, v in c.items() if v is not None} for c in _conditions(csr) if c.get("type") == kind]


def _certificate(csr: Object) -> str:
    return str((csr.get("status") or {}).get("certificate") or "")
