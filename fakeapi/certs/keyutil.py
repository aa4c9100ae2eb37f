"""Keys read from PEM files, as kube-apiserver reads its service-account keys (client-go util/keyutil/key.go).

``private_key_from_file`` is ``PrivateKeyFromFile`` (PKCS#1 RSA, PKCS#8 or SEC 1 EC blocks);
``public_keys_from_file`` is ``PublicKeysFromFile``: every public key of the file (PKIX public keys,
RSA public keys, certificates), or, when it holds none, the public half of its private key. Error
texts are keyutil's, prefixed with the file as kube-apiserver reports them.
"""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from fakeapi.certs.pki import PrivateKey, PublicKey

__all__ = ["private_key_from_file", "public_keys_from_file"]

_PRIVATE_BLOCKS = (b"RSA PRIVATE KEY", b"PRIVATE KEY", b"EC PRIVATE KEY")
_PUBLIC_BLOCKS = (b"PUBLIC KEY", b"RSA PUBLIC KEY", b"CERTIFICATE")


def _blocks(data: bytes) -> list[tuple[bytes, bytes]]:
    """Each PEM block of ``data`` as (type, the whole block's text)."""
    blocks = []
    for part in data.split(b"-----BEGIN ")[1:]:
        kind, _, rest = part.partition(b"-----")
        end = rest.find(b"-----END " + kind + b"-----")
        if end >= 0:
            text = b"-----BEGIN " + kind + b"-----" + rest[: end + len(b"-----END " + kind + b"-----")]
            blocks.append((kind, text))
    return blocks


def parse_private_key_pem(data: bytes) -> PrivateKey:
    """The first RSA or ECDSA private key of a PEM text (``ParsePrivateKeyPEM``)."""
    for kind, block in _blocks(data):
        if kind not in _PRIVATE_BLOCKS:
            continue
        try:
            key = serialization.load_pem_private_key(block, password=None)
        except (ValueError, TypeError):
            continue
        if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            return key
    raise ValueError("data does not contain a valid RSA or ECDSA private key")


def parse_public_keys_pem(data: bytes) -> list[PublicKey]:
    """Every RSA or ECDSA public key of a PEM text, certificates' included (``ParsePublicKeysPEM``)."""
    keys: list[PublicKey] = []
    for kind, block in _blocks(data):
        if kind not in _PUBLIC_BLOCKS:
            continue
        try:
            key = (
                x509.load_pem_x509_certificate(block).public_key()
                if kind == b"CERTIFICATE"
                else serialization.load_pem_public_key(block)
            )
        except (ValueError, TypeError):
            continue
        if isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
            keys.append(key)
    if not keys:
        raise ValueError("data does not contain any valid RSA or ECDSA public keys")
    return keys


def private_key_from_file(path: str | Path) -> PrivateKey:
    """The private key of ``--service-account-signing-key-file``.

    Raises:
        OSError: The file cannot be read.
        ValueError: It holds no RSA or ECDSA private key.
    """
    data = Path(path).read_bytes()
    try:
        return parse_private_key_pem(data)
    except ValueError as exc:
        raise ValueError(f"error reading private key file {path}: {exc}") from None


def public_keys_from_file(path: str | Path) -> list[PublicKey]:
    """The keys of one ``--service-account-key-file``: its public keys, else its private key's public half.

    Raises:
        OSError: The file cannot be read.
        ValueError: It holds neither.
    """
    data = Path(path).read_bytes()
    try:
        return parse_public_keys_pem(data)
    except ValueError:
        try:
            return [parse_private_key_pem(data).public_key()]
        except ValueError:
            raise ValueError(
                f"error reading public key file {path}: data does not contain any valid RSA or ECDSA public keys"
            ) from None
