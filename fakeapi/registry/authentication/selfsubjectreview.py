"""SelfSubjectReview: who am I (pkg/registry/authentication/selfsubjectreview/rest.go).

Answers with the user the request was authenticated (or impersonated) as: ``kubectl auth
whoami``. Nothing is stored; the creation timestamp is now.
"""

from __future__ import annotations

from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.authentication.services import ReviewREST, refuse_namespace, user_info
from fakeapi.registry.rest import WriteOptions
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import now_rfc3339

__all__ = ["SelfSubjectReviewREST"]


class SelfSubjectReviewREST(ReviewREST):
    """POST /apis/authentication.k8s.io/v1/selfsubjectreviews."""

    def create(self, ctx: RequestContext, obj: Object, options: WriteOptions) -> Object:
        refuse_namespace(ctx)
        return {
            "kind": self.spec.kind,
            "apiVersion": self.spec.gvk.api_version,
            "metadata": {"creationTimestamp": now_rfc3339()},
            "status": {"userInfo": user_info(ctx.user)},
        }
