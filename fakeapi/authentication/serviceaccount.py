"""Service-account tokens: issued as signed JWTs, and authenticated.

Follows pkg/serviceaccount: ``claims.go`` (``Claims``: ``sub`` ``system:serviceaccount:<ns>:<name>``,
``aud``, ``iat``, ``nbf``, ``exp``, ``jti``, and the private ``kubernetes.io`` claim naming
the namespace, the service account and any pod, secret or node the token is bound to) and its
validator (the service account must still exist with the uid in the token, and so must a bound
object); ``jwt.go`` (``JWTTokenGenerator``, ``JWTTokenAuthenticator``: a token for another
issuer is not this authenticator's business; a token for this one must verify with one of the
public keys, name this issuer, and share an audience with the request); and the
``ServiceAccountInfo.UserInfo`` of k8s.io/apiserver/pkg/authentication/serviceaccount.

Time is the wall clock (``utc_now``), so a frozen test clock expires tokens, with go-jose's
one-minute leeway on ``exp``, ``nbf`` and ``iat``. Legacy secret-based tokens (issuer
``kubernetes/serviceaccount``) are not issued or accepted.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from fakeapi.authentication import jws
from fakeapi.authentication.authenticator import AuthenticationError, Response, intersect_audiences
from fakeapi.authentication.user import make_service_account_group_names, make_service_account_username
from fakeapi.endpoints.request import UserInfo
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import parse_time, utc_now

__all__ = [
    "DEFAULT_ISSUER",
    "ObjectGetter",
    "ServiceAccountTokenAuthenticator",
    "ServiceAccountTokenGenerator",
    "token_claims",
]

# kubeadm's --service-account-issuer, which also becomes the default --api-audiences.
DEFAULT_ISSUER = "https://kubernetes.default.svc.cluster.local"
# go-jose's jwt.DefaultLeeway.
LEEWAY = timedelta(minutes=1)

POD_NAME_KEY = "authentication.kubernetes.io/pod-name"
POD_UID_KEY = "authentication.kubernetes.io/pod-uid"
NODE_NAME_KEY = "authentication.kubernetes.io/node-name"
NODE_UID_KEY = "authentication.kubernetes.io/node-uid"
CREDENTIAL_ID_KEY = "authentication.kubernetes.io/credential-id"

# (resource, namespace, name) -> the stored object or None: serviceaccounts, pods, secrets, nodes.
ObjectGetter = Callable[[str, str, str], Object | None]


def _ref(obj: Object) -> dict[str, str]:
    meta = obj.get("metadata") or {}
    return {"name": meta.get("name", ""), "uid": meta.get("uid", "")}


def _numeric(moment: datetime) -> int:
    return int(moment.timestamp())


def token_claims(
    service_account: Object,
    *,
    expiration_seconds: int,
    audiences: Sequence[str],
    now: datetime,
    pod: Object | None = None,
    secret: Object | None = None,
    node: Object | None = None,
    warn_after_seconds: int = 0,
) -> dict[str, Any]:
    """The claims of a token for ``service_account`` (everything but ``iss``), as ``Claims`` builds them."""
    meta = service_account.get("metadata") or {}
    namespace = meta.get("namespace", "")
    private: dict[str, Any] = {"namespace": namespace, "serviceaccount": _ref(service_account)}
    if pod is not None:
        private["pod"] = _ref(pod)
    elif secret is not None:
        private["secret"] = _ref(secret)
    if node is not None:
        private["node"] = _ref(node)
    if warn_after_seconds:
        private["warnafter"] = _numeric(now + timedelta(seconds=warn_after_seconds))
    return {
        "sub": make_service_account_username(namespace, meta.get("name", "")),
        "aud": list(audiences),
        "iat": _numeric(now),
        "nbf": _numeric(now),
        "exp": _numeric(now + timedelta(seconds=expiration_seconds)),
        "jti": str(uuid.uuid4()),
        "kubernetes.io": private,
    }


class ServiceAccountTokenGenerator:
    """``JWTTokenGenerator``: signs claims with the service-account key under one issuer."""

    def __init__(self, issuer: str, key: jws.SigningKey) -> None:
        self.issuer = issuer
        self.key = key

    def generate_token(self, claims: dict[str, Any]) -> str:
        return jws.sign({**claims, "iss": self.issuer}, self.key)


def _go_quote_list(values: Sequence[str]) -> str:
    # fmt's %q of a []string: ["a" "b"]
    return "[" + " ".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "]"


def _deleted_long_ago(obj: Object, now: datetime) -> bool:
    stamp = (obj.get("metadata") or {}).get("deletionTimestamp")
    return isinstance(stamp, str) and bool(stamp) and parse_time(stamp) < now - LEEWAY


class ServiceAccountTokenAuthenticator:
    """``JWTTokenAuthenticator`` with the service-account validator."""

    def __init__(
        self,
        issuers: Sequence[str],
        public_keys: Callable[[], list[jws.PublicKey]],
        implicit_audiences: tuple[str, ...],
        getter: ObjectGetter,
    ) -> None:
        self.issuers = frozenset(issuers)
        self.public_keys = public_keys
        self.implicit_audiences = implicit_audiences
        self.getter = getter

    def _has_correct_issuer(self, token: str) -> bool:
        if token.lstrip().startswith("{"):
            return False
        try:
            _, payload = jws.decode_unverified(token)
        except jws.JWSError:
            return False
        return payload.get("iss") in self.issuers

    def authenticate_token(self, token: str, audiences: tuple[str, ...]) -> Response | None:
        if not self._has_correct_issuer(token):
            return None
        keys = self.public_keys()
        try:
            header, _ = jws.decode_unverified(token)
        except jws.JWSError:
            return None
        kid = header.get("kid")
        if isinstance(kid, str) and kid:
            keys = [k for k in keys if jws.key_id(k) == kid]
        if not keys:
            raise AuthenticationError("invalid signature, no keys found")
        try:
            _, claims = jws.verify(token, keys)
        except jws.JWSError as exc:
            raise AuthenticationError(f"go-jose/go-jose: {exc}") from None
        if claims.get("iss") not in self.issuers:
            raise AuthenticationError(f'token issuer "{claims.get("iss")}" is invalid')
        token_audiences = _audiences(claims.get("aud")) or self.implicit_audiences
        requested = audiences or self.implicit_audiences
        matched = intersect_audiences(token_audiences, requested)
        if not matched and self.implicit_audiences:
            raise AuthenticationError(
                f"token audiences {_go_quote_list(token_audiences)} is invalid for the target audiences "
                f"{_go_quote_list(requested)}"
            )
        return Response(self._validate(claims), matched)

    def _validate(self, claims: dict[str, Any]) -> UserInfo:
        now = utc_now()
        _check_times(claims, now)
        private = claims.get("kubernetes.io")
        if not isinstance(private, dict):
            raise AuthenticationError(
                "service account token claims could not be validated due to unexpected private claim"
            )
        namespace = str(private.get("namespace") or "")
        sa_ref = private.get("serviceaccount") or {}
        name, uid = str(sa_ref.get("name") or ""), str(sa_ref.get("uid") or "")
        service_account = self.getter("serviceaccounts", namespace, name)
        if service_account is None:
            raise AuthenticationError(f'serviceaccount "{name}" not found')
        if _deleted_long_ago(service_account, now):
            raise AuthenticationError(f"service account {namespace}/{name} has been deleted")
        actual_uid = (service_account.get("metadata") or {}).get("uid", "")
        if actual_uid != uid:
            raise AuthenticationError(f"service account UID ({actual_uid}) does not match claim ({uid})")
        extra: dict[str, tuple[str, ...]] = {}
        pod_ref, node_ref = private.get("pod"), private.get("node")
        for kind, resource in (("secret", "secrets"), ("pod", "pods"), ("node", "nodes")):
            ref = private.get(kind)
            if not isinstance(ref, dict) or (kind == "node" and isinstance(pod_ref, dict)):
                # A pod-bound token names the pod's node for information only.
                continue
            bound = self.getter(resource, "" if kind == "node" else namespace, str(ref.get("name") or ""))
            if bound is None or _deleted_long_ago(bound, now):
                raise AuthenticationError("service account token has been invalidated")
            bound_uid = (bound.get("metadata") or {}).get("uid", "")
            if bound_uid != ref.get("uid"):
                raise AuthenticationError(
                    f"{kind} UID ({bound_uid}) does not match service account {kind} ref claim ({ref.get('uid')})"
                )
        if isinstance(pod_ref, dict):
            extra[POD_NAME_KEY] = (str(pod_ref.get("name") or ""),)
            extra[POD_UID_KEY] = (str(pod_ref.get("uid") or ""),)
        if isinstance(node_ref, dict):
            if node_ref.get("name"):
                extra[NODE_NAME_KEY] = (str(node_ref["name"]),)
            if node_ref.get("uid"):
                extra[NODE_UID_KEY] = (str(node_ref["uid"]),)
        jti = claims.get("jti")
        if isinstance(jti, str) and jti:
            extra[CREDENTIAL_ID_KEY] = (f"JTI={jti}",)
        return UserInfo(
            make_service_account_username(namespace, name),
            make_service_account_group_names(namespace),
            uid,
            tuple(sorted(extra.items())),
        )


def _audiences(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return ()


def _check_times(claims: dict[str, Any], now: datetime) -> None:
    def moment(name: str) -> float | None:
        value = claims.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise AuthenticationError(
                "service account token claims could not be validated due to unexpected validation error"
            )
        return float(value)

    now_ts = now.timestamp()
    leeway = LEEWAY.total_seconds()
    not_before, expiry, issued_at = moment("nbf"), moment("exp"), moment("iat")
    if not_before is not None and now_ts + leeway < not_before:
        raise AuthenticationError("service account token is not valid yet")
    if expiry is not None and now_ts - leeway > expiry:
        raise AuthenticationError("service account token has expired")
    if issued_at is not None and now_ts + leeway < issued_at:
        raise AuthenticationError(
            "service account token claims could not be validated due to unexpected validation error"
        )
