"""JSON Web Signatures in compact form (RFC 7515), as go-jose makes and checks them for Kubernetes.

Only what service-account tokens use: RS256 (RSA PKCS#1 v1.5 with SHA-256) and ES256/384/512
(ECDSA, the signature as the fixed-width big-endian R || S of RFC 7518 §3.4), a protected
header ``{"alg": …, "kid": …}``, base64url without padding, and a JSON payload. Keys are
``cryptography`` objects; the encoding is small enough to write here instead of adding a JOSE
dependency. The key id is kube-apiserver's ``keyIDFromPublicKey``: the unpadded base64url
SHA-256 of the public key's PKIX DER.

Verification refuses ``alg: none``, any algorithm that does not fit the key, and malformed
input, without telling which check failed beyond a short reason.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from fakeapi.certs.pki import PrivateKey, PublicKey

__all__ = ["JWSError", "PublicKey", "SigningKey", "algorithm_for", "decode_unverified", "key_id", "sign", "verify"]

SigningKey = PrivateKey

# A token larger than this is not a token kube-apiserver issues; refuse it before decoding.
MAX_TOKEN_BYTES = 64 * 1024
_CURVE_ALGORITHMS = {
    "secp256r1": ("ES256", hashes.SHA256, 32),
    "secp384r1": ("ES384", hashes.SHA384, 48),
    "secp521r1": ("ES512", hashes.SHA512, 66),
}


class JWSError(ValueError):
    """The token is not a well-formed JWS, or its signature does not verify."""


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if "=" in text:
        raise JWSError("illegal base64 data")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise JWSError("illegal base64 data") from None


def _json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def key_id(public_key: PublicKey) -> str:
    """``keyIDFromPublicKey``: base64url(SHA-256(PKIX DER of the public key)), unpadded."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return _b64encode(hashlib.sha256(der).digest())


def algorithm_for(key: SigningKey | PublicKey) -> str:
    """The JWS algorithm kube-apiserver signs with for this key (RS256, or ES256/384/512 by curve)."""
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return "RS256"
    try:
        return _CURVE_ALGORITHMS[key.curve.name][0]
    except KeyError:
        raise JWSError(f"unknown private key curve {key.curve.name}, must be 256, 384, or 521") from None


def sign(payload: dict[str, Any], key: SigningKey) -> str:
    """The compact JWS of ``payload`` (keys sorted, as go-jose writes claims), signed with ``key``."""
    public = key.public_key()
    header = {"alg": algorithm_for(key), "kid": key_id(public)}
    signing_input = f"{_b64encode(_json(header))}.{_b64encode(_json(payload))}".encode("ascii")
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    else:
        _, hash_type, size = _CURVE_ALGORITHMS[key.curve.name]
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hash_type())))
        signature = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    return f"{signing_input.decode('ascii')}.{_b64encode(signature)}"


def _split(token: str) -> tuple[str, str, str]:
    if len(token) > MAX_TOKEN_BYTES:
        raise JWSError("token too large")
    parts = token.split(".")
    if len(parts) != 3:
        raise JWSError("compact JWS format must have three parts")
    return parts[0], parts[1], parts[2]


def _object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise JWSError(f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise JWSError(f"{what} is not a JSON object")
    return value


def decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and payload, without checking the signature (only to pick an issuer or key)."""
    header, payload, _ = _split(token)
    return _object(_b64decode(header), "header"), _object(_b64decode(payload), "payload")


def verify(token: str, keys: list[PublicKey]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check the signature with each key in turn; the header and payload of the first that verifies.

    Raises:
        JWSError: If the token is malformed or no key verifies it.
    """
    header_b64, payload_b64, signature_b64 = _split(token)
    header = _object(_b64decode(header_b64), "header")
    payload = _object(_b64decode(payload_b64), "payload")
    signature = _b64decode(signature_b64)
    signing_input = f"{header_b64}.{payload_b64}".encode("ascii")
    algorithm = header.get("alg")
    if not isinstance(algorithm, str) or algorithm == "none" or "crit" in header:
        raise JWSError("unexpected signature algorithm")
    for key in keys:
        if _verifies(key, algorithm, signing_input, signature):
            return header, payload
    raise JWSError("error in cryptographic primitive")


def _verifies(key: PublicKey, algorithm: str, signing_input: bytes, signature: bytes) -> bool:
    try:
        if algorithm != algorithm_for(key):
            return False
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
            return True
        _, hash_type, size = _CURVE_ALGORITHMS[key.curve.name]
        if len(signature) != 2 * size:
            return False
        r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
        key.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(hash_type()))
        return True
    except (InvalidSignature, JWSError, ValueError):
        return False
