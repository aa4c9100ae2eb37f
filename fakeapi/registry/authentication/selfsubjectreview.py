"""SelfSubjectReview: who am I (pkg/registry/authentication/selfsubjectreview/rest.go).

Answers with the user the request was authenticated (or impersonated) as: ``kubectl auth
whoami``. Nothing is stored; the creation timestamp is now.
"""

from __future__ import annotations

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.authentication.services import check_types, user_info
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.registry.rest import WriteOptions
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import now_rfc3339

__all__ = ["SelfSubjectReviewREST"]


class SelfSubjectReviewREST:
    """POST /apis/authentication.k8s.io/v1/selfsubjectreviews."""

    def __init__(self, spec: ResourceSpec, schemas: SchemaRegistry) -> None:
        self.spec = spec
        self.schemas = schemas

    def new(self) -> Object:
        return {"apiVersion": self.spec.gvk.api_version, "kind": self.spec.kind, "metadata": {}}

    def create(self, ctx: RequestContext, obj: Object, options: WriteOptions) -> Object:
        check_types(self.schemas, obj, self.spec.gvk)
        if ctx.namespace:
            raise errors.new_bad_request(f"namespace is not allowed on this type: {ctx.namespace}")
        return {
            "kind": self.spec.kind,
            "apiVersion": self.spec.gvk.api_version,
            "metadata": {"creationTimestamp": now_rfc3339()},
            "status": {"userInfo": user_info(ctx.user)},
        }
