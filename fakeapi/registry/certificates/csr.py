"""CertificateSigningRequests (pkg/registry/certificates/certificates/strategy.go).

A create records who asked (``spec.username``, ``uid``, ``groups``, ``extra`` from the
authenticated user, whatever the body said) and starts with an empty status, so nobody creates
a pre-approved request; an update of the main resource changes neither spec nor status.
``/approval`` changes only the Approved and Denied conditions of the status; everything
else, the issued certificate included, comes from the stored object. ``/status`` changes the
status. Each is validated as upstream validates it (``validation``).
"""

from __future__ import annotations

from fakeapi.apimachinery.field import FieldError
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.rest import object_field, object_meta
from fakeapi.registry.strategy import StatusStrategy, Strategy
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import now_rfc3339

APPROVAL_CONDITIONS = frozenset({"Approved", "Denied"})


class CSRStrategy(Strategy):
    """csrStrategy: the requester comes from the request, never from the body."""

    def prepare_for_create(self, ctx: RequestContext, obj: Object) -> None:
        super().prepare_for_create(ctx, obj)
        spec = object_field(obj, "spec")
        for key in ("username", "uid", "groups", "extra"):
            spec.pop(key, None)
        user = ctx.user
        if user.name:
            spec["username"] = user.name
        if user.uid:
            spec["uid"] = user.uid
        if user.groups:
            spec["groups"] = list(user.groups)
        if user.extra:
            spec["extra"] = {key: list(values) for key, values in user.extra}
        obj["status"] = {}

    def validate(self, ctx: RequestContext, obj: Object) -> list[FieldError]:
        from fakeapi.registry.certificates.validation import allowances, validate_csr

        return validate_csr(obj, allowances(obj, None))

    def prepare_for_update(self, ctx: RequestContext, obj: Object, old: Object) -> None:
        for key in ("spec", "status"):
            if key in old:
                obj[key] = deep_copy_json(old[key])
            else:
                obj.pop(key, None)

    def validate_update(self, ctx: RequestContext, obj: Object, old: Object) -> list[FieldError]:
        return _validate_update(obj, old)


class CSRStatusStrategy(StatusStrategy):
    """csrStatusStrategy: the status may set the certificate (once) and any condition but Approved and Denied."""

    def prepare_for_update(self, ctx: RequestContext, obj: Object, old: Object) -> None:
        super().prepare_for_update(ctx, obj, old)
        _populate_condition_timestamps(obj, old)

    def validate_update(self, ctx: RequestContext, obj: Object, old: Object) -> list[FieldError]:
        return _validate_update(obj, old, status=True)


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
        _populate_condition_timestamps(obj, old)

    def validate_update(self, ctx: RequestContext, obj: Object, old: Object) -> list[FieldError]:
        return _validate_update(obj, old, approval=True)


def _populate_condition_timestamps(obj: Object, old: Object) -> None:
    """populateConditionTimestamps: a condition without times is stamped now, keeping the transition
    time of the same type and status from before."""
    now = now_rfc3339()
    before = (old.get("status") or {}).get("conditions") or []
    for condition in (obj.get("status") or {}).get("conditions") or []:
        if not condition.get("lastUpdateTime"):
            condition["lastUpdateTime"] = now
        if not condition.get("lastTransitionTime"):
            same = next(
                (
                    c["lastTransitionTime"]
                    for c in before
                    if c.get("type") == condition.get("type")
                    and c.get("status") == condition.get("status")
                    and c.get("lastTransitionTime")
                ),
                None,
            )
            condition["lastTransitionTime"] = same or now


def _validate_update(obj: Object, old: Object, *, approval: bool = False, status: bool = False) -> list[FieldError]:
    """The update validation of one endpoint (loaded with the first CSR written: a bare start has none)."""
    from fakeapi.registry.certificates.validation import allowances, validate_csr_update

    return validate_csr_update(obj, old, allowances(obj, old, approval=approval, status=status))
