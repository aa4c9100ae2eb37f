"""The ``authorizer`` of admission expressions (k8s.io/apiserver/pkg/admission/plugin/authorizer/caching_authorizer.go
and cel/library/authz.go's check).

Checks an expression makes (``authorizer.group('apps').resource('deployments').check('create')``)
go to the server's authorizer as the request's user, or as the service account an expression
names (``authorizer.serviceAccount(ns, name)``, with the groups a service account token gives).
As upstream, each distinct check is asked once per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from fakeapi.authentication.user import (
    ALL_AUTHENTICATED,
    make_service_account_group_names,
    split_service_account_username,
)
from fakeapi.authorization import authorizer as server_authz
from fakeapi.cel.library import authz
from fakeapi.endpoints.request import UserInfo

_DECISIONS = {
    server_authz.Decision.ALLOW: authz.ALLOW,
    server_authz.Decision.DENY: authz.DENY,
    server_authz.Decision.NO_OPINION: authz.NO_OPINION,
}


def _user(requester: UserInfo, named: str) -> UserInfo:
    """The request's user, or the service account user an expression checks as."""
    account = split_service_account_username(named) if named else None
    if account is None:
        return requester
    return UserInfo(named, (*make_service_account_group_names(account[0]), ALL_AUTHENTICATED))


@dataclass
class RequestAuthorizer:
    """A caching authorizer for one request's expressions, answering as ``user``."""

    authorizer: server_authz.Authorizer
    user: UserInfo
    _decisions: dict[authz.Attributes, authz.Decision] = field(default_factory=dict)

    def authorize(self, attributes: authz.Attributes) -> authz.Decision:
        # A selector's parse error is no part of the key (caching_authorizer.go): no requirements either way.
        key = replace(attributes, field_selector_parsing_error="", label_selector_parsing_error="")
        decision = self._decisions.get(key)
        if decision is None:
            asked = server_authz.Attributes(
                user=_user(self.user, attributes.user),
                verb=attributes.verb,
                resource_request=attributes.is_resource_request,
                path=attributes.path,
                namespace=attributes.namespace,
                api_group=attributes.group,
                resource=attributes.resource,
                subresource=attributes.subresource,
                name=attributes.name,
                field_selector_requirements=attributes.field_selector_requirements,
                field_selector_parsing_error=attributes.field_selector_parsing_error,
                label_selector_requirements=attributes.label_selector_requirements,
                label_selector_parsing_error=attributes.label_selector_parsing_error,
            )
            result = self.authorizer.authorize(asked)
            decision = self._decisions[key] = authz.Decision(_DECISIONS[result.decision], result.reason, result.error)
        return decision
