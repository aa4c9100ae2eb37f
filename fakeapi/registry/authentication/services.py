"""What the review and token REST objects share: the server's authenticator, authorizer and token issuer.

The API groups are installed before the server's security is assembled (the authorizer reads
the RBAC Stores), so the REST objects hold this late-bound holder and read it per request, as
upstream's storage providers are handed the authenticator and authorizer at construction.
``user_info`` writes an authenticationv1.UserInfo (bodies of the wrong JSON types were already
refused by the create handler, as the decoder does). :class:`ReviewREST` is the base
of every review's REST object (TokenReview, SelfSubjectReview, the access reviews), which
persist nothing and answer with the review and its status.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.authentication.authenticator import RequestAuthenticator
from fakeapi.authentication.serviceaccount import ObjectGetter, ServiceAccountTokenGenerator
from fakeapi.authorization.authorizer import UnionAuthorizer
from fakeapi.endpoints.request import RequestContext, UserInfo
from fakeapi.registry.generic.store import Store
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.storage.interfaces import Object

__all__ = [
    "ReviewREST",
    "SecurityServices",
    "mapping",
    "refuse_namespace",
    "store_object_getter",
    "user_info",
    "with_status",
]


@dataclass
class SecurityServices:
    """The server's authentication and authorization, set once the server has assembled them."""

    authenticator: RequestAuthenticator | None = None
    authorizer: UnionAuthorizer | None = None
    api_audiences: tuple[str, ...] = ()
    token_generator: ServiceAccountTokenGenerator | None = None
    # --service-account-max-token-expiration in seconds; 0 leaves requested expirations alone.
    max_token_expiration_seconds: int = 0
    object_getter: ObjectGetter | None = None

    def require_authenticator(self) -> RequestAuthenticator:
        if self.authenticator is None:
            raise RuntimeError("the server's authenticator is not set up yet")
        return self.authenticator

    def require_authorizer(self) -> UnionAuthorizer:
        if self.authorizer is None:
            raise RuntimeError("the server's authorizer is not set up yet")
        return self.authorizer


def refuse_namespace(ctx: RequestContext) -> None:
    """Refuse (400) a cluster-scoped review posted under a namespace."""
    if ctx.namespace:
        raise errors.new_bad_request(f"namespace is not allowed on this type: {ctx.namespace}")


def mapping(obj: Object, key: str) -> dict[str, Any]:
    """``obj[key]`` when it is an object (type-checked already), else an empty one."""
    value = obj.get(key)
    return value if isinstance(value, dict) else {}


def user_info(user: UserInfo) -> dict[str, Any]:
    """authenticationv1.UserInfo as JSON: every field omitted when empty."""
    info: dict[str, Any] = {}
    if user.name:
        info["username"] = user.name
    if user.uid:
        info["uid"] = user.uid
    if user.groups:
        info["groups"] = list(user.groups)
    if user.extra:
        info["extra"] = {key: list(values) for key, values in user.extra}
    return info


class ReviewREST:
    """A review's REST object: create-only, built from its resource, the server's security and the schemas."""

    def __init__(self, spec: ResourceSpec, services: SecurityServices, schemas: SchemaRegistry) -> None:
        self.spec = spec
        self.services = services
        self.schemas = schemas

    def new(self) -> Object:
        return {"apiVersion": self.spec.gvk.api_version, "kind": self.spec.kind, "metadata": {}}


def with_status(review: Object, status: dict[str, Any]) -> Object:
    """The review as posted with ``status`` set, and an empty ``metadata`` where it had none."""
    result = {**review, "status": status}
    result.setdefault("metadata", {})
    return result


def store_object_getter(stores: Mapping[tuple[str, str, str], Store]) -> ObjectGetter:
    """An ObjectGetter over the core v1 Stores (service accounts, pods, secrets, nodes), read-only."""

    def get(resource: str, namespace: str, name: str) -> Object | None:
        store = stores.get(("", "v1", resource))
        return None if store is None else store.storage.get(store.key_func(namespace, name))

    return get
