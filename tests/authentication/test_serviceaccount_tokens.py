"""Service-account tokens: the JWS encoding, the authenticator's checks, and the TokenRequest API."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from freezegun import freeze_time
from secure_client import SecureClient

from fakeapi.authentication import jws
from fakeapi.authentication.authenticator import AuthenticationError
from fakeapi.authentication.serviceaccount import (
    DEFAULT_ISSUER,
    ServiceAccountTokenAuthenticator,
    ServiceAccountTokenGenerator,
    token_claims,
)
from fakeapi.pytest_plugin.plugin import FakeAPI
from fakeapi.server.instance import FakeAPIServer
from fakeapi.storage.interfaces import Object

AUDIENCES = (DEFAULT_ISSUER,)
NOW = datetime(2031, 3, 4, 5, 6, 7, tzinfo=UTC)
SA_UID = "2b6a1f3e-0000-4000-8000-000000000001"


def frozen(at: datetime) -> freeze_time:
    # freezegun's scan of loaded modules would import the kubernetes client's lazy models under a fake datetime.
    return freeze_time(at, ignore=["kubernetes"])


def service_account(name: str = "builder", namespace: str = "ci", uid: str = SA_UID, **meta: Any) -> Object:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": name, "namespace": namespace, "uid": uid, **meta},
    }


class Objects:
    """An ObjectGetter over a dict, for the authenticator alone."""

    def __init__(self, *objects: tuple[str, Object]) -> None:
        self.objects = {(r, o["metadata"].get("namespace", ""), o["metadata"]["name"]): o for r, o in objects}

    def __call__(self, resource: str, namespace: str, name: str) -> Object | None:
        return self.objects.get((resource, namespace, name))


def _segments(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _ = token.split(".")
    decode = lambda part: json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))  # noqa: E731
    return decode(header), decode(payload)


@pytest.mark.parametrize(
    ("key", "algorithm"),
    [
        (ec.generate_private_key(ec.SECP256R1()), "ES256"),
        (ec.generate_private_key(ec.SECP384R1()), "ES384"),
        (rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256"),
    ],
)
def test_jws_round_trip_and_header(key: jws.SigningKey, algorithm: str) -> None:
    token = jws.sign({"sub": "x", "aud": ["a"]}, key)
    header, payload = _segments(token)
    assert header == {"alg": algorithm, "kid": jws.key_id(key.public_key())}
    assert token.split(".")[1] == base64.urlsafe_b64encode(b'{"aud":["a"],"sub":"x"}').rstrip(b"=").decode()
    assert jws.verify(token, [key.public_key()]) == (header, payload)
    assert "=" not in token


def test_jws_refuses_tampering_none_and_garbage() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    other = ec.generate_private_key(ec.SECP256R1())
    token = jws.sign({"sub": "x"}, key)
    header, payload, signature = token.split(".")
    forged_payload = base64.urlsafe_b64encode(b'{"sub":"admin"}').rstrip(b"=").decode()
    with pytest.raises(jws.JWSError, match="cryptographic primitive"):
        jws.verify(f"{header}.{forged_payload}.{signature}", [key.public_key()])
    with pytest.raises(jws.JWSError):
        jws.verify(token, [other.public_key()])
    none_header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    with pytest.raises(jws.JWSError, match="unexpected signature algorithm"):
        jws.verify(f"{none_header}.{payload}.", [key.public_key()])
    for garbage in ("", "a.b", "a.b.c.d", "!!.??.**", "e30.e30.e30=", "W10.W10.AA", "x" * (jws.MAX_TOKEN_BYTES + 1)):
        with pytest.raises(jws.JWSError):
            jws.verify(garbage, [key.public_key()])


@pytest.fixture
def signing_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _token(key: jws.SigningKey, sa: Object | None = None, *, issuer: str = DEFAULT_ISSUER, **claims: Any) -> str:
    base = token_claims(sa or service_account(), expiration_seconds=3600, audiences=AUDIENCES, now=NOW)
    return ServiceAccountTokenGenerator(issuer, key).generate_token({**base, **claims})


def _authenticator(key: jws.SigningKey, *objects: tuple[str, Object]) -> ServiceAccountTokenAuthenticator:
    return ServiceAccountTokenAuthenticator(
        [DEFAULT_ISSUER],
        lambda: [key.public_key()],
        AUDIENCES,
        Objects(("serviceaccounts", service_account()), *objects),
    )


def test_token_claims_are_upstreams() -> None:
    claims = token_claims(service_account(), expiration_seconds=600, audiences=["a", "b"], now=NOW)
    assert claims == {
        "sub": "system:serviceaccount:ci:builder",
        "aud": ["a", "b"],
        "iat": int(NOW.timestamp()),
        "nbf": int(NOW.timestamp()),
        "exp": int(NOW.timestamp()) + 600,
        "jti": claims["jti"],
        "kubernetes.io": {"namespace": "ci", "serviceaccount": {"name": "builder", "uid": SA_UID}},
    }


def test_a_valid_token_is_the_service_account(signing_key: ec.EllipticCurvePrivateKey) -> None:
    token = _token(signing_key)
    jti = _segments(token)[1]["jti"]
    with frozen(NOW + timedelta(minutes=5)):
        response = _authenticator(signing_key).authenticate_token(token, ())
    assert response is not None
    assert response.audiences == AUDIENCES
    assert response.user.name == "system:serviceaccount:ci:builder"
    assert response.user.groups == ("system:serviceaccounts", "system:serviceaccounts:ci")
    assert response.user.uid == SA_UID
    assert response.user.extra == (("authentication.kubernetes.io/credential-id", (f"JTI={jti}",)),)


def test_tokens_of_other_issuers_or_shapes_are_not_its_business(signing_key: ec.EllipticCurvePrivateKey) -> None:
    auth = _authenticator(signing_key)
    assert auth.authenticate_token(_token(signing_key, issuer="https://elsewhere"), ()) is None
    assert auth.authenticate_token("not-a-jwt", ()) is None
    assert auth.authenticate_token('{"iss":"' + DEFAULT_ISSUER + '"}', ()) is None


@pytest.mark.parametrize(
    ("at", "message"),
    [
        (NOW + timedelta(hours=1, seconds=61), "service account token has expired"),
        (NOW - timedelta(seconds=61), "service account token is not valid yet"),
    ],
)
def test_token_times_are_checked_with_a_minute_of_leeway(
    signing_key: ec.EllipticCurvePrivateKey, at: datetime, message: str
) -> None:
    token = _token(signing_key)
    auth = _authenticator(signing_key)
    with frozen(NOW + timedelta(hours=1, seconds=59)):
        assert auth.authenticate_token(token, ()) is not None
    with frozen(at), pytest.raises(AuthenticationError, match=f"^{message}$"):
        auth.authenticate_token(token, ())


def test_forged_and_unknown_key_tokens_are_errors(signing_key: ec.EllipticCurvePrivateKey) -> None:
    auth = _authenticator(signing_key)
    stranger = ec.generate_private_key(ec.SECP256R1())
    with frozen(NOW), pytest.raises(AuthenticationError, match=r"^invalid signature, no keys found$"):
        auth.authenticate_token(_token(stranger), ())
    header, payload, signature = _token(signing_key).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "system:serviceaccount:kube-system:admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with frozen(NOW), pytest.raises(AuthenticationError, match="cryptographic primitive"):
        auth.authenticate_token(f"{header}.{forged}.{signature}", ())


def test_audiences_must_meet(signing_key: ec.EllipticCurvePrivateKey) -> None:
    with frozen(NOW), pytest.raises(AuthenticationError) as caught:
        _authenticator(signing_key).authenticate_token(_token(signing_key), ("vault",))
    assert str(caught.value) == (
        'token audiences ["https://kubernetes.default.svc.cluster.local"] is invalid for the target audiences ["vault"]'
    )


@pytest.mark.parametrize(
    ("objects", "message"),
    [
        ((), 'serviceaccount "builder" not found'),
        (
            (("serviceaccounts", service_account(uid="11111111-0000-4000-8000-000000000000")),),
            f"service account UID (11111111-0000-4000-8000-000000000000) does not match claim ({SA_UID})",
        ),
        (
            (("serviceaccounts", service_account(deletionTimestamp="2031-03-04T05:00:00Z")),),
            "service account ci/builder has been deleted",
        ),
    ],
)
def test_the_service_account_must_still_be_there(
    signing_key: ec.EllipticCurvePrivateKey, objects: tuple[tuple[str, Object], ...], message: str
) -> None:
    auth = ServiceAccountTokenAuthenticator(
        [DEFAULT_ISSUER], lambda: [signing_key.public_key()], AUDIENCES, Objects(*objects)
    )
    with frozen(NOW), pytest.raises(AuthenticationError) as caught:
        auth.authenticate_token(_token(signing_key), ())
    assert str(caught.value) == message


def test_a_token_bound_to_a_secret_dies_with_it(signing_key: ec.EllipticCurvePrivateKey) -> None:
    secret = {"metadata": {"name": "s", "namespace": "ci", "uid": "secret-uid"}}
    claims = token_claims(service_account(), expiration_seconds=3600, audiences=AUDIENCES, now=NOW, secret=secret)
    token = ServiceAccountTokenGenerator(DEFAULT_ISSUER, signing_key).generate_token(claims)
    with frozen(NOW):
        assert _authenticator(signing_key, ("secrets", secret)).authenticate_token(token, ()) is not None
        with pytest.raises(AuthenticationError, match=r"^service account token has been invalidated$"):
            _authenticator(signing_key).authenticate_token(token, ())
        recreated = {"metadata": {"name": "s", "namespace": "ci", "uid": "other-uid"}}
        with pytest.raises(AuthenticationError, match=r"secret UID \(other-uid\) does not match"):
            _authenticator(signing_key, ("secrets", recreated)).authenticate_token(token, ())


def test_a_pod_bound_token_names_the_pod_and_its_node(signing_key: ec.EllipticCurvePrivateKey) -> None:
    pod = {"metadata": {"name": "p", "namespace": "ci", "uid": "pod-uid"}}
    node = {"metadata": {"name": "n1", "uid": "node-uid"}}
    claims = token_claims(service_account(), expiration_seconds=3600, audiences=AUDIENCES, now=NOW, pod=pod, node=node)
    token = ServiceAccountTokenGenerator(DEFAULT_ISSUER, signing_key).generate_token(claims)
    with frozen(NOW):
        response = _authenticator(signing_key, ("pods", pod)).authenticate_token(token, ())
    assert response is not None
    assert dict(response.user.extra) == {
        "authentication.kubernetes.io/credential-id": (f"JTI={claims['jti']}",),
        "authentication.kubernetes.io/node-name": ("n1",),
        "authentication.kubernetes.io/node-uid": ("node-uid",),
        "authentication.kubernetes.io/pod-name": ("p",),
        "authentication.kubernetes.io/pod-uid": ("pod-uid",),
    }


# -- TokenRequest, TokenReview and SelfSubjectReview through the server ------------------------


def token_request(server: FakeAPIServer, name: str = "default", namespace: str = "default", body: Any = None) -> Any:
    path = f"/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token"
    return server.request("POST", path, body or {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest"})


def token_review(server: FakeAPIServer, token: str, audiences: list[str] | None = None) -> Any:
    spec: dict[str, Any] = {"token": token}
    if audiences is not None:
        spec["audiences"] = audiences
    body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": spec}
    response = server.request("POST", "/apis/authentication.k8s.io/v1/tokenreviews", body)
    assert response.status == 201, response.body
    return response.json()["status"]


def test_token_request_defaults_and_review(fakeapi: FakeAPI) -> None:
    server = fakeapi.server
    response = token_request(server)
    assert response.status == 201, response.body
    issued = response.json()
    assert issued["kind"] == "TokenRequest" and issued["apiVersion"] == "authentication.k8s.io/v1"
    assert issued["metadata"]["name"] == "default" and issued["metadata"]["namespace"] == "default"
    assert issued["spec"]["audiences"] == list(AUDIENCES)
    assert issued["spec"]["expirationSeconds"] == 3600
    created = datetime.fromisoformat(issued["metadata"]["creationTimestamp"].replace("Z", "+00:00"))
    expires = datetime.fromisoformat(issued["status"]["expirationTimestamp"].replace("Z", "+00:00"))
    assert expires - created == timedelta(hours=1)
    _, claims = _segments(issued["status"]["token"])
    assert claims["exp"] == int(expires.timestamp())

    sa = server.request("GET", "/api/v1/namespaces/default/serviceaccounts/default").json()
    status = token_review(server, issued["status"]["token"])
    assert status == {
        "authenticated": True,
        "user": {
            "username": "system:serviceaccount:default:default",
            "uid": sa["metadata"]["uid"],
            "groups": ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"],
            "extra": {"authentication.kubernetes.io/credential-id": [f"JTI={claims['jti']}"]},
        },
        "audiences": list(AUDIENCES),
    }


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            {"spec": {"expirationSeconds": 60}},
            422,
            'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: '
            "may not specify a duration less than 10 minutes",
        ),
        (
            {"spec": {"expirationSeconds": 1 << 33}},
            422,
            'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 8589934592: '
            "may not specify a duration larger than 2^32 seconds",
        ),
        (
            {"metadata": {"name": "other"}},
            422,
            'TokenRequest.authentication.k8s.io "default" is invalid: metadata.name: Invalid value: "other": '
            "must match the service account name if specified",
        ),
        (
            {"spec": {"boundObjectRef": {"kind": "ConfigMap", "apiVersion": "v1", "name": "x"}}},
            400,
            "cannot bind token to object of type /v1, Kind=ConfigMap",
        ),
        ({"spec": {"expirationSeconds": "soon"}}, 400, None),
    ],
)
def test_token_request_refusals(fakeapi: FakeAPI, body: dict[str, Any], code: int, message: str | None) -> None:
    response = token_request(
        fakeapi.server, body={"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", **body}
    )
    assert response.status == code, response.body
    if message is not None:
        assert response.json()["message"] == message


def test_token_request_for_a_missing_service_account_is_not_found(fakeapi: FakeAPI) -> None:
    response = token_request(fakeapi.server, name="nobody")
    assert response.status == 404
    assert response.json()["message"] == 'serviceaccounts "nobody" not found'


def test_token_bound_to_a_secret_stops_working_when_it_is_deleted(fakeapi: FakeAPI) -> None:
    server = fakeapi.server
    secret = server.request("POST", "/api/v1/namespaces/default/secrets", {"metadata": {"name": "bound"}}).json()
    ref = {"kind": "Secret", "apiVersion": "v1", "name": "bound", "uid": secret["metadata"]["uid"]}
    token = token_request(server, body={"spec": {"boundObjectRef": ref}}).json()["status"]["token"]
    assert token_review(server, token)["authenticated"] is True
    assert server.request("DELETE", "/api/v1/namespaces/default/secrets/bound").status == 200
    assert token_review(server, token) == {"user": {}, "error": "service account token has been invalidated"}
    stale = token_request(server, body={"spec": {"boundObjectRef": {**ref, "uid": "gone"}}})
    assert stale.status == 404


def test_a_recreated_service_account_does_not_accept_old_tokens(fakeapi: FakeAPI) -> None:
    server = fakeapi.server
    server.request("POST", "/api/v1/namespaces/default/serviceaccounts", {"metadata": {"name": "ephemeral"}})
    token = token_request(server, "ephemeral").json()["status"]["token"]
    old_uid = _segments(token)[1]["kubernetes.io"]["serviceaccount"]["uid"]
    server.request("DELETE", "/api/v1/namespaces/default/serviceaccounts/ephemeral")
    new = server.request(
        "POST", "/api/v1/namespaces/default/serviceaccounts", {"metadata": {"name": "ephemeral"}}
    ).json()
    status = token_review(server, token)
    assert status["error"] == f"service account UID ({new['metadata']['uid']}) does not match claim ({old_uid})"
    assert "authenticated" not in status


def test_token_review_answers_for_other_audiences_and_bad_tokens(fakeapi: FakeAPI) -> None:
    server = fakeapi.server
    token = token_request(server, body={"spec": {"audiences": ["vault"]}}).json()["status"]["token"]
    assert token_review(server, token, ["vault"])["audiences"] == ["vault"]
    assert token_review(server, token) == {
        "user": {},
        "error": 'token audiences ["vault"] is invalid for the target audiences ["https://kubernetes.default.svc.cluster.local"]',
    }
    assert token_review(server, "garbage") == {"user": {}, "error": "invalid bearer token"}
    admin = token_review(server, server.admin_token)
    assert admin["authenticated"] is True and admin["user"]["username"] == "kubernetes-admin"
    assert admin["audiences"] == list(AUDIENCES)
    missing = server.request(
        "POST",
        "/apis/authentication.k8s.io/v1/tokenreviews",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview"},
    )
    assert missing.status == 400
    assert missing.json()["message"] == "token is required for TokenReview in authentication"


def test_a_service_account_token_authenticates_over_https(fakeapi: FakeAPI) -> None:
    server = fakeapi.server
    token = token_request(server).json()["status"]["token"]
    client = SecureClient(server.url, server.rotation.trust_bundle, token=token)
    review = client.post(
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
    )
    assert review.status == 201
    assert review.json()["status"]["userInfo"]["username"] == "system:serviceaccount:default:default"
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert SecureClient(server.url, server.rotation.trust_bundle, token=forged).get("/api").status == 401


def test_an_expired_token_is_unauthorized(fakeapi: FakeAPI) -> None:
    server = fakeapi.server
    issued = token_request(server, body={"spec": {"expirationSeconds": 600}}).json()
    expires = datetime.fromisoformat(issued["status"]["expirationTimestamp"].replace("Z", "+00:00"))
    client = SecureClient(server.url, server.rotation.trust_bundle, token=issued["status"]["token"])
    assert client.get("/api").status == 200
    with frozen(expires + timedelta(seconds=61)):
        reply = client.get("/api")
    assert reply.status == 401
    assert reply.json()["message"] == "Unauthorized"
