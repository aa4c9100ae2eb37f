"""CertificateSigningRequest approval (pkg/registry/certificates/certificates/strategy.go).

``/approval`` changes only the Approved and Denied conditions of the status; everything
else, the issued certificate included, comes from the stored object.
"""

from __future__ import annotations

from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.rest import object_field, object_meta
from fakeapi.registry.strategy import Strategy
from fakeapi.storage.interfaces import Object

APPROVAL_CONDITIONS = frozenset({"Approved", "Denied"})


class CSRApprovalStrategy(Strategy):
    def prepare_for_update(self, ctx: RequestContext, obj: Object, old: Object) -> None:
        requested = [
            c for c in (obj.get("status") or {}).get("conditions") or [] if c.get("type") in APPROVAL_CONDITIONS
        ]
        resource_version = object_meta(obj).get("resourceVersion")
        obj.clear()
        obj.update(deep_copy_json(old))
        status = object_field(obj, "status")
        kept = [c for c in status.get("conditions") or [] if c.get("type") not in APPROVAL_CONDITIONS]
        status["conditions"] = kept + requested
        if not status["conditions"]:
            del status["conditions"]
        object_meta(obj)["resourceVersion"] = resource_version
