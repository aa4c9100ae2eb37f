"""WithImpersonation (endpoints/filters/impersonation.go): act as another user, if allowed to.

``Impersonate-User`` (a ``system:serviceaccount:<ns>:<name>`` name is a service account),
``Impersonate-Group`` (repeatable), ``Impersonate-Uid`` and ``Impersonate-Extra-<key>`` each
become one check of the ``impersonate`` verb, made as the authenticated user before anything
changes: ``users``, ``serviceaccounts`` (in the service account's namespace), ``groups`` in
the core group; ``uids`` and ``userextras/<key>`` in ``authentication.k8s.io``. The first
check that is not allowed answers 403 with that check's attributes (``users "bob" is
forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster
scope``). Groups, a UID or extras without a user are a 500, as upstream answers them.

The impersonated user gets ``system:authenticated`` unless it is ``system:anonymous`` (which
gets ``system:unauthenticated``) or the groups already name one of them; a service account
without explicit groups gets its fixed groups. The impersonation headers are removed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fakeapi.apimachinery import errors
from fakeapi.authentication.request_header import unescape_extra_key
from fakeapi.authentication.user import (
    ALL_AUTHENTICATED,
    ALL_UNAUTHENTICATED,
    ANONYMOUS,
    make_service_account_group_names,
    make_service_account_username,
    split_service_account_username,
)
from fakeapi.authorization.authorizer import Attributes, Authorizer
from fakeapi.endpoints.http import Handler, Headers, Request, ResponseWriter
from fakeapi.endpoints.request import UserInfo
from fakeapi.server.filters.authorization import forbidden_status_error

__all__ = ["with_impersonation"]

logger = logging.getLogger("fakeapi.server")

USER_HEADER = "Impersonate-User"
UID_HEADER = "Impersonate-Uid"
GROUP_HEADER = "Impersonate-Group"
EXTRA_HEADER_PREFIX = "Impersonate-Extra-"
AUTHENTICATION_GROUP = "authentication.k8s.io"


@dataclass(frozen=True)
class _ImpersonationRequest:
    """One thing to impersonate: an ObjectReference upstream (kind, namespace, name, field path)."""

    kind: str
    name: str
    namespace: str = ""
    api_version: str = ""
    field_path: str = ""

    def __str__(self) -> str:
        # Go's %v of a v1.ObjectReference: its seven fields, space-separated, in braces.
        fields = (self.kind, self.namespace, self.name, "", self.api_version, "", self.field_path)
        return "{" + " ".join(fields) + "}"


def _build_impersonation_requests(headers: Headers) -> list[_ImpersonationRequest]:
    requests: list[_ImpersonationRequest] = []
    requested_user = headers.get(USER_HEADER)
    if requested_user:
        service_account = split_service_account_username(requested_user)
        if service_account is not None:
            namespace, name = service_account
            requests.append(_ImpersonationRequest("ServiceAccount", name, namespace))
        else:
            requests.append(_ImpersonationRequest("User", requested_user))
    groups = headers.get_all(GROUP_HEADER)
    requests.extend(_ImpersonationRequest("Group", group) for group in groups)
    has_extra = False
    for header, value in headers.items():
        if not header.lower().startswith(EXTRA_HEADER_PREFIX.lower()):
            continue
        has_extra = True
        key = unescape_extra_key(header[len(EXTRA_HEADER_PREFIX) :].lower())
        requests.append(
            _ImpersonationRequest("UserExtra", value, api_version="authentication.k8s.io/v1", field_path=key)
        )
    requested_uid = headers.get(UID_HEADER)
    if requested_uid:
        requests.append(_ImpersonationRequest("UID", requested_uid, api_version="authentication.k8s.io/v1"))
    if (groups or has_extra or requested_uid) and not requested_user:
        listed = " ".join(str(r) for r in requests)
        raise errors.new_internal_error(f"requested [{listed}] without impersonating a user")
    return requests


def _remove_impersonation_headers(headers: Headers) -> None:
    for name in (USER_HEADER, GROUP_HEADER, UID_HEADER):
        headers.remove(name)
    for header, _ in headers.items():
        if header.lower().startswith(EXTRA_HEADER_PREFIX.lower()):
            headers.remove(header)


_IMPERSONATE_PREFIX = "impersonate-"


def with_impersonation(handler: Handler, authorizer: Authorizer) -> Handler:
    def impersonate(req: Request, w: ResponseWriter) -> None:
        if not any(name.startswith(_IMPERSONATE_PREFIX) for name in req.headers.names()):
            handler(req, w)  # the common case, checked without building anything
            return
        requests = _build_impersonation_requests(req.headers)
        if not requests:
            handler(req, w)
            return
        ctx = req.context
        assert ctx is not None
        requestor = ctx.user
        groups_specified = bool(req.headers.get_all(GROUP_HEADER))
        username = ""
        uid = ""
        groups: list[str] = []
        extra: dict[str, list[str]] = {}
        for request in requests:
            if request.kind == "ServiceAccount":
                attributes = _impersonate(requestor, "", "serviceaccounts", request.name, namespace=request.namespace)
                username = make_service_account_username(request.namespace, request.name)
                if not groups_specified:
                    groups = list(make_service_account_group_names(request.namespace))
            elif request.kind == "User":
                attributes = _impersonate(requestor, "", "users", request.name)
                username = request.name
            elif request.kind == "Group":
                attributes = _impersonate(requestor, "", "groups", request.name)
                groups.append(request.name)
            elif request.kind == "UserExtra":
                attributes = _impersonate(
                    requestor, AUTHENTICATION_GROUP, "userextras", request.name, subresource=request.field_path
                )
                extra.setdefault(request.field_path, []).append(request.name)
            else:
                attributes = _impersonate(requestor, AUTHENTICATION_GROUP, "uids", request.name)
                uid = request.name
            result = authorizer.authorize(attributes)
            if not result.allowed:
                logger.info("forbidden impersonation of %s by %s: %s", request, requestor.name, result.reason)
                raise forbidden_status_error(attributes, result.reason)
        if username != ANONYMOUS:
            if ALL_AUTHENTICATED not in groups and ALL_UNAUTHENTICATED not in groups:
                groups.append(ALL_AUTHENTICATED)
        elif ALL_UNAUTHENTICATED not in groups:
            groups.append(ALL_UNAUTHENTICATED)
        ctx.impersonated_by = requestor
        ctx.user = UserInfo(username, tuple(groups), uid, tuple((k, tuple(v)) for k, v in extra.items()))
        logger.debug("%s is impersonating %s", requestor.name, username)
        _remove_impersonation_headers(req.headers)
        handler(req, w)

    return impersonate


def _impersonate(
    requestor: UserInfo, group: str, resource: str, name: str, *, namespace: str = "", subresource: str = ""
) -> Attributes:
    return Attributes(
        user=requestor,
        verb="impersonate",
        resource_request=True,
        namespace=namespace,
        api_group=group,
        api_version="v1",
        resource=resource,
        subresource=subresource,
        name=name,
    )
