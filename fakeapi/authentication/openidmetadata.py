"""Service-account issuer discovery: ``/.well-known/openid-configuration`` and ``/openid/v1/jwks``.

Follows pkg/serviceaccount/openidmetadata.go (the documents) and pkg/routes/openidmetadata.go
(the routes): the OIDC provider configuration names the issuer, the JWKS URI (the server's external
address unless ``--service-account-jwks-uri`` says otherwise) and the signing algorithms of the
keys; the key set holds every public key that verifies service-account tokens
(``--service-account-key-file``), each as go-jose marshals a JSONWebKey, with kube-apiserver's key
id. Both are GET-only and may be cached for an hour.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from fakeapi.apimachinery import errors
from fakeapi.authentication import jws
from fakeapi.endpoints.http import Handler, Request, ResponseWriter, write_bytes

__all__ = ["JWKS_PATH", "OPENID_CONFIG_PATH", "OpenIDMetadata"]

OPENID_CONFIG_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/openid/v1/jwks"
# The max-age of both documents for keys that do not change at run time (GetCacheAgeMaxSeconds).
CACHE_MAX_AGE_SECONDS = 3600
JWKS_CONTENT_TYPE = "application/jwk-set+json"


def _b64(number: int, size: int) -> str:
    return base64.urlsafe_b64encode(number.to_bytes(size, "big")).rstrip(b"=").decode("ascii")


def jwk(public_key: jws.PublicKey) -> dict[str, Any]:
    """A public key as go-jose's JSONWebKey marshals it (``use``, ``kty``, ``kid``, ``crv``, ``alg``, then the numbers)."""
    key: dict[str, Any] = {"use": "sig"}
    if isinstance(public_key, rsa.RSAPublicKey):
        numbers = public_key.public_numbers()
        key.update(kty="RSA", kid=jws.key_id(public_key), alg=jws.algorithm_for(public_key))
        key["n"] = _b64(numbers.n, (numbers.n.bit_length() + 7) // 8)
        key["e"] = _b64(numbers.e, (numbers.e.bit_length() + 7) // 8)
        return key
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    size = (public_key.curve.key_size + 7) // 8
    point = public_key.public_numbers()
    key.update(kty="EC", kid=jws.key_id(public_key), crv=f"P-{public_key.curve.key_size}")
    key.update(alg=jws.algorithm_for(public_key), x=_b64(point.x, size), y=_b64(point.y, size))
    return key


class OpenIDMetadata:
    """The two discovery documents of one issuer, rendered on request from the keys of the moment.

    Args:
        issuer: ``--service-account-issuer`` (the first one).
        public_keys: The keys that verify service-account tokens.
        external_address: ``host:port`` the server is reached at, for the default JWKS URI.
    """

    def __init__(
        self, issuer: str, public_keys: Callable[[], Sequence[jws.PublicKey]], external_address: Callable[[], str]
    ) -> None:
        self.issuer = issuer
        self.public_keys = public_keys
        self.external_address = external_address

    def config(self) -> dict[str, Any]:
        keys = [jwk(key) for key in self.public_keys()]
        return {
            "issuer": self.issuer,
            "jwks_uri": f"https://{self.external_address()}{JWKS_PATH}",
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": sorted({key["alg"] for key in keys}),
        }

    def keyset(self) -> dict[str, Any]:
        return {"keys": [jwk(key) for key in self.public_keys()]}

    def handlers(self) -> dict[str, Handler]:
        """The routes, by path, for the server's non-resource handlers."""
        return {
            OPENID_CONFIG_PATH: self._serve(self.config, "application/json"),
            JWKS_PATH: self._serve(self.keyset, JWKS_CONTENT_TYPE),
        }

    @staticmethod
    def _serve(document: Callable[[], dict[str, Any]], content_type: str) -> Handler:
        def serve(req: Request, w: ResponseWriter) -> None:
            # go-restful routes: one GET each, 404 below them, 405 for other methods.
            if req.path.rstrip("/") not in (OPENID_CONFIG_PATH, JWKS_PATH):
                raise errors.new_generic_not_found()
            if req.method not in ("GET", "HEAD"):
                raise errors.new_generic_method_not_allowed()
            body = json.dumps(document(), separators=(",", ":")).encode()
            write_bytes(w, 200, body, content_type, [("Cache-Control", f"public, max-age={CACHE_MAX_AGE_SECONDS}")])

        return serve
