"""The request authenticator of kube-apiserver, assembled (pkg/kubeapiserver/authenticator/config.go ``Config.New``).

In upstream's order: the front proxy's request headers (behind its client certificate), the
client certificate (x509), then bearer tokens — the static tokens (``--token-auth-file``,
audience-agnostic) and the service-account JWTs — as one union behind ``Authorization:
Bearer``. Every authenticated user gets ``system:authenticated``. With anonymous requests
enabled, a request nothing authenticated is ``system:anonymous``, but one that carried a bad
credential still fails (``NewFailOnError``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fakeapi.authentication import jws
from fakeapi.authentication.authenticator import (
    AnonymousAuthenticator,
    AudienceAgnosticTokenAuthenticator,
    AuthenticatedGroupAdder,
    BearerTokenAuthenticator,
    RequestAuthenticator,
    StaticTokenAuthenticator,
    TokenAuthenticator,
    UnionAuthenticator,
    UnionTokenAuthenticator,
)
from fakeapi.authentication.request_header import RequestHeaderConfig, new_request_header_authenticator
from fakeapi.authentication.serviceaccount import ObjectGetter, ServiceAccountTokenAuthenticator
from fakeapi.authentication.x509 import X509Authenticator
from fakeapi.certs.dynamic_content import CAContentProvider

__all__ = ["AuthenticationConfig"]


@dataclass
class AuthenticationConfig:
    """The authentication flags of kube-apiserver that fakeapi honours."""

    # --client-ca-file
    client_ca: CAContentProvider | None = None
    # --requestheader-client-ca-file and the other --requestheader-* flags
    request_header_ca: CAContentProvider | None = None
    request_header: RequestHeaderConfig = field(default_factory=RequestHeaderConfig)
    # --token-auth-file
    static_tokens: StaticTokenAuthenticator = field(default_factory=StaticTokenAuthenticator)
    # --service-account-issuer, --service-account-key-file (keys read when a token is checked)
    service_account_issuers: tuple[str, ...] = ()
    service_account_public_keys: Callable[[], list[jws.PublicKey]] = list
    service_account_getter: ObjectGetter | None = None
    # --api-audiences
    api_audiences: tuple[str, ...] = ()
    # --anonymous-auth
    anonymous: bool = False

    def new(self) -> RequestAuthenticator:
        """The request authenticator these settings describe."""
        authenticators: list[RequestAuthenticator] = []
        if self.request_header_ca is not None:
            authenticators.append(new_request_header_authenticator(self.request_header_ca, self.request_header))
        if self.client_ca is not None:
            authenticators.append(X509Authenticator(self.client_ca))
        tokens: list[TokenAuthenticator] = [AudienceAgnosticTokenAuthenticator(self.static_tokens, self.api_audiences)]
        if self.service_account_issuers and self.service_account_getter is not None:
            tokens.append(
                ServiceAccountTokenAuthenticator(
                    self.service_account_issuers,
                    self.service_account_public_keys,
                    self.api_audiences,
                    self.service_account_getter,
                )
            )
        authenticators.append(BearerTokenAuthenticator(UnionTokenAuthenticator(*tokens)))
        authenticator: RequestAuthenticator = AuthenticatedGroupAdder(UnionAuthenticator(*authenticators))
        if self.anonymous:
            authenticator = UnionAuthenticator(authenticator, AnonymousAuthenticator(), fail_on_error=True)
        return authenticator
