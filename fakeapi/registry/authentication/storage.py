"""The REST storages of the virtual authentication and authorization resources.

Mirrors pkg/registry/authentication/rest/storage_authentication.go and
pkg/registry/authorization/rest/storage_authorization.go: TokenReview, SelfSubjectReview and
the four access reviews are create-only and persist nothing; ``serviceaccounts/token`` is the
TokenRequest subresource over the ServiceAccount Store.
"""

from __future__ import annotations

from typing import Any

from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.registry.authentication.selfsubjectreview import SelfSubjectReviewREST
from fakeapi.registry.authentication.services import SecurityServices
from fakeapi.registry.authentication.tokenrequest import TokenREST
from fakeapi.registry.authentication.tokenreview import TokenReviewREST
from fakeapi.registry.authorization.accessreviews import REST_BY_RESOURCE
from fakeapi.registry.generic.store import Store
from fakeapi.registry.resource_spec import ResourceSpec

__all__ = ["subresource_storage", "virtual_storage"]


def virtual_storage(spec: ResourceSpec, services: SecurityServices, schemas: SchemaRegistry) -> Any | None:
    """The REST object of a review resource, or None for a resource kept in a Store."""
    if spec.group == "authentication.k8s.io":
        if spec.resource == "tokenreviews":
            return TokenReviewREST(spec, services, schemas)
        if spec.resource == "selfsubjectreviews":
            return SelfSubjectReviewREST(spec, services, schemas)
    if spec.group == "authorization.k8s.io":
        factory = REST_BY_RESOURCE.get(spec.resource)
        if factory is not None:
            return factory(spec, services, schemas)
    return None


def subresource_storage(store: Store, name: str, services: SecurityServices) -> Any | None:
    """``serviceaccounts/token``, or None for any other subresource."""
    if store.spec.group == "" and store.spec.resource == "serviceaccounts" and name == "token":
        return TokenREST(store, services)
    return None
