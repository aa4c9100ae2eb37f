"""Request authenticators and how kube-apiserver combines them, checked on requests built in memory."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from freezegun import freeze_time

from fakeapi.authentication.authenticator import (
    AggregateError,
    AnonymousAuthenticator,
    AudienceAgnosticTokenAuthenticator,
    AuthenticatedGroupAdder,
    AuthenticationError,
    BearerTokenAuthenticator,
    Response,
    StaticTokenAuthenticator,
    UnionAuthenticator,
    UnionTokenAuthenticator,
)
from fakeapi.authentication.config import AuthenticationConfig
from fakeapi.authentication.request_header import (
    RequestHeaderAuthenticator,
    RequestHeaderConfig,
    new_request_header_authenticator,
)
from fakeapi.authentication.x509 import CREDENTIAL_ID_KEY, X509Authenticator, certificate_identifier
from fakeapi.certs.dynamic_content import DynamicCAContent
from fakeapi.certs.kubeadm import ClusterPKI
from fakeapi.certs.pki import CertificateAuthority, KeyPair, new_private_key
from fakeapi.endpoints.http import Headers, Request
from fakeapi.endpoints.request import UserInfo

AUDIENCES = ("https://kubernetes.default.svc.cluster.local",)
DER = serialization.Encoding.DER
ALICE = UserInfo("alice", ("devs",))


def request(*, cert: KeyPair | None = None, headers: dict[str, str] | None = None) -> Request:
    peer = cert.certificate.public_bytes(DER) if cert is not None else None
    return Request("GET", "/api", headers=Headers.of(headers or {}), peer_certificate=peer)


@pytest.fixture(scope="module")
def pki() -> ClusterPKI:
    return ClusterPKI.create()


@pytest.fixture
def x509_auth(pki: ClusterPKI) -> X509Authenticator:
    return X509Authenticator(DynamicCAContent("client-ca-bundle", pki.ca.cert_pem))


def test_x509_user_is_the_common_name_and_groups_the_organizations(
    pki: ClusterPKI, x509_auth: X509Authenticator
) -> None:
    cert = pki.ca.issue_client_cert("alice", ["devs", "ops"])
    response = x509_auth.authenticate_request(request(cert=cert), AUDIENCES)
    assert response is not None
    der = cert.certificate.public_bytes(DER)
    assert response.user == UserInfo(
        "alice", ("devs", "ops"), extra=((CREDENTIAL_ID_KEY, ("X509SHA256=" + hashlib.sha256(der).hexdigest(),)),)
    )


def test_x509_without_a_certificate_is_not_its_business(x509_auth: X509Authenticator) -> None:
    assert x509_auth.authenticate_request(request(), AUDIENCES) is None


def test_x509_refuses_another_cas_certificate(x509_auth: X509Authenticator) -> None:
    stranger = CertificateAuthority.create("stranger").issue_client_cert("mallory")
    with pytest.raises(AuthenticationError) as caught:
        x509_auth.authenticate_request(request(cert=stranger), AUDIENCES)
    assert str(caught.value) == (
        f"verifying certificate {certificate_identifier(stranger.certificate)} failed: "
        "x509: certificate signed by unknown authority"
    )
    assert str(caught.value).startswith(
        f"verifying certificate SN={stranger.certificate.serial_number}, SKID=<none>, AKID="
    )


def test_x509_refuses_a_serving_certificate(pki: ClusterPKI, x509_auth: X509Authenticator) -> None:
    serving = pki.serving
    usages = serving.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usages) == [ExtendedKeyUsageOID.SERVER_AUTH]
    with pytest.raises(AuthenticationError, match="incompatible key usage"):
        x509_auth.authenticate_request(request(cert=serving), AUDIENCES)


def test_x509_refuses_malformed_certificate_bytes(x509_auth: X509Authenticator) -> None:
    bad = Request("GET", "/api", peer_certificate=b"\x30\x03\x02\x01\x00")
    with pytest.raises(AuthenticationError, match="malformed certificate"):
        x509_auth.authenticate_request(bad, AUDIENCES)


def test_x509_checks_validity_against_the_wall_clock(pki: ClusterPKI, x509_auth: X509Authenticator) -> None:
    start = datetime(2030, 6, 1, tzinfo=UTC)
    cert = pki.ca.issue_client_cert("alice", not_before=start, not_after=start + timedelta(hours=1))
    with freeze_time(start + timedelta(minutes=30), ignore=["kubernetes"]):
        assert x509_auth.authenticate_request(request(cert=cert), AUDIENCES) is not None
    with freeze_time(start + timedelta(hours=2), ignore=["kubernetes"]), pytest.raises(AuthenticationError) as late:
        x509_auth.authenticate_request(request(cert=cert), AUDIENCES)
    assert str(late.value).endswith(
        "x509: certificate has expired or is not yet valid: current time 2030-06-01T02:00:00Z is after 2030-06-01T01:00:00Z"
    )
    with freeze_time(start - timedelta(seconds=1), ignore=["kubernetes"]), pytest.raises(AuthenticationError) as early:
        x509_auth.authenticate_request(request(cert=cert), AUDIENCES)
    assert str(early.value).endswith("current time 2030-05-31T23:59:59Z is before 2030-06-01T00:00:00Z")


def test_x509_follows_a_rotated_bundle(pki: ClusterPKI) -> None:
    bundle = DynamicCAContent("client-ca-bundle", pki.ca.cert_pem)
    auth = X509Authenticator(bundle)
    cert = pki.ca.issue_client_cert("alice")
    assert auth.authenticate_request(request(cert=cert), AUDIENCES) is not None
    bundle.set_ca_bundle(CertificateAuthority.create().cert_pem)
    with pytest.raises(AuthenticationError, match="unknown authority"):
        auth.authenticate_request(request(cert=cert), AUDIENCES)


def test_a_certificate_without_common_name_authenticates_nobody(pki: ClusterPKI, x509_auth: X509Authenticator) -> None:
    key = new_private_key()
    nameless = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "devs")]))
        .issuer_name(pki.ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(pki.ca.certificate.not_valid_before_utc)
        .not_valid_after(pki.ca.certificate.not_valid_after_utc)
        .sign(pki.ca.key_pair.private_key, hashes.SHA256())
    )
    assert x509_auth.authenticate_request(request(cert=KeyPair(nameless, key)), AUDIENCES) is None


def test_static_tokens_and_the_bearer_header() -> None:
    tokens = StaticTokenAuthenticator()
    tokens.add("s3cret", ALICE)
    bearer = BearerTokenAuthenticator(tokens)
    assert bearer.authenticate_request(request(headers={"Authorization": "Bearer s3cret"}), AUDIENCES) == Response(
        ALICE
    )
    assert bearer.authenticate_request(request(headers={"Authorization": "bearer s3cret"}), AUDIENCES) == Response(
        ALICE
    )
    # No header, another scheme, or an empty token: nothing to check.
    for header in (
        {},
        {"Authorization": "Basic YWxpY2U6cHc="},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer"},
    ):
        assert bearer.authenticate_request(request(headers=header), AUDIENCES) is None
    with pytest.raises(AuthenticationError, match=r"^invalid bearer token$"):
        bearer.authenticate_request(request(headers={"Authorization": "Bearer wrong"}), AUDIENCES)
    tokens.remove("s3cret")
    with pytest.raises(AuthenticationError):
        bearer.authenticate_request(request(headers={"Authorization": "Bearer s3cret"}), AUDIENCES)
    with pytest.raises(ValueError):
        tokens.add("", ALICE)


def test_audience_agnostic_tokens_take_the_requested_audiences() -> None:
    tokens = StaticTokenAuthenticator()
    tokens.add("t", ALICE)
    agnostic = AudienceAgnosticTokenAuthenticator(tokens, AUDIENCES)
    assert agnostic.authenticate_token("t", ("custom",)) == Response(ALICE, ("custom",))
    assert agnostic.authenticate_token("t", ()) == Response(ALICE, AUDIENCES)
    assert agnostic.authenticate_token("other", ()) is None


class Failing:
    def __init__(self, message: str) -> None:
        self.message = message

    def authenticate_request(self, req: Request, audiences: tuple[str, ...]) -> Response | None:
        raise AuthenticationError(self.message)

    def authenticate_token(self, token: str, audiences: tuple[str, ...]) -> Response | None:
        raise AuthenticationError(self.message)


class Nobody:
    def authenticate_request(self, req: Request, audiences: tuple[str, ...]) -> Response | None:
        return None


class Always:
    def authenticate_request(self, req: Request, audiences: tuple[str, ...]) -> Response | None:
        return Response(ALICE)


def test_union_first_success_wins_and_errors_are_aggregated() -> None:
    assert UnionAuthenticator(Failing("a"), Always()).authenticate_request(request(), ()) == Response(ALICE)
    assert UnionAuthenticator(Nobody(), Nobody()).authenticate_request(request(), ()) is None
    with pytest.raises(AuthenticationError, match=r"^a$"):
        UnionAuthenticator(Failing("a"), Nobody()).authenticate_request(request(), ())
    with pytest.raises(AggregateError, match=r"^\[a, b\]$"):
        UnionAuthenticator(Failing("a"), Failing("b"), Failing("a")).authenticate_request(request(), ())
    with pytest.raises(AggregateError, match=r"^\[x, y\]$"):
        UnionTokenAuthenticator(Failing("x"), Failing("y")).authenticate_token("t", ())


def test_anonymous_only_when_no_credential_was_bad() -> None:
    chain = UnionAuthenticator(Nobody(), AnonymousAuthenticator(), fail_on_error=True)
    assert chain.authenticate_request(request(), ()) == Response(
        UserInfo("system:anonymous", ("system:unauthenticated",))
    )
    with pytest.raises(AuthenticationError):
        UnionAuthenticator(Failing("bad token"), AnonymousAuthenticator(), fail_on_error=True).authenticate_request(
            request(), ()
        )


def test_authenticated_group_is_added_once_and_never_to_anonymous() -> None:
    adder = AuthenticatedGroupAdder(Always())
    assert adder.authenticate_request(request(), ()) == Response(UserInfo("alice", ("devs", "system:authenticated")))
    already = AuthenticatedGroupAdder(UnionAuthenticator(AnonymousAuthenticator()))
    assert already.authenticate_request(request(), ()) == Response(
        UserInfo("system:anonymous", ("system:unauthenticated",))
    )


def test_front_proxy_headers_need_the_front_proxy_certificate(pki: ClusterPKI) -> None:
    auth = new_request_header_authenticator(
        DynamicCAContent("request-header", pki.front_proxy_ca.cert_pem), RequestHeaderConfig()
    )
    headers = {
        "X-Remote-User": "bob",
        "X-Remote-Group": "devs",
        "X-Remote-Extra-Scopes": "read",
        "X-Remote-Extra-Example.org%2fteam": "blue",
        "X-Remote-Uid": "ignored-without-uid-headers",
    }
    proxied = request(cert=pki.front_proxy_client, headers=headers)
    response = auth.authenticate_request(proxied, AUDIENCES)
    assert response == Response(
        UserInfo("bob", ("devs",), "", (("scopes", ("read",)), ("example.org/team", ("blue",))))
    )
    # The headers it reads are gone once read (the authentication filter removes X-Remote-Uid too).
    assert [k for k, _ in proxied.headers.items() if k.lower().startswith("x-remote-")] == ["X-Remote-Uid"]
    # The cluster CA's admin certificate is no front proxy.
    with pytest.raises(AuthenticationError, match="unknown authority"):
        auth.authenticate_request(request(cert=pki.admin, headers=headers), AUDIENCES)
    # A front-proxy CA certificate with another name is refused.
    other = pki.front_proxy_ca.issue_client_cert("not-the-proxy")
    with pytest.raises(AuthenticationError, match=r"^x509: subject with cn=not-the-proxy is not in the allowed list$"):
        auth.authenticate_request(request(cert=other, headers=headers), AUDIENCES)
    # Without a user header the request is not the front proxy's.
    assert auth.authenticate_request(request(cert=pki.front_proxy_client), AUDIENCES) is None


def test_request_header_uid_when_configured() -> None:
    auth = RequestHeaderAuthenticator(RequestHeaderConfig(uid_headers=["X-Remote-Uid"]))
    response = auth.authenticate_request(request(headers={"X-Remote-User": "bob", "X-Remote-Uid": "42"}), ())
    assert response is not None and response.user.uid == "42"


def test_the_assembled_chain_tries_front_proxy_then_x509_then_tokens(pki: ClusterPKI) -> None:
    config = AuthenticationConfig(
        client_ca=DynamicCAContent("client-ca-bundle", pki.ca.cert_pem),
        request_header_ca=DynamicCAContent("request-header", pki.front_proxy_ca.cert_pem),
        api_audiences=AUDIENCES,
    )
    config.static_tokens.add("t", ALICE)
    chain = config.new()
    by_cert = chain.authenticate_request(
        request(cert=pki.admin, headers={"Authorization": "Bearer nonsense"}), AUDIENCES
    )
    assert by_cert is not None and by_cert.user.name == "kubernetes-admin"
    assert by_cert.user.groups == ("system:masters", "system:authenticated")
    by_token = chain.authenticate_request(request(headers={"Authorization": "Bearer t"}), AUDIENCES)
    assert by_token == Response(UserInfo("alice", ("devs", "system:authenticated")), AUDIENCES)
    by_proxy = chain.authenticate_request(
        request(cert=pki.front_proxy_client, headers={"X-Remote-User": "carol"}), AUDIENCES
    )
    assert by_proxy is not None and by_proxy.user.groups == ("system:authenticated",)
    assert chain.authenticate_request(request(), AUDIENCES) is None
