"""Jobs (pkg/registry/batch/job/strategy.go): the selector and pod labels a Job gets unless it asks not to.

Unless ``spec.manualSelector`` is true, a Job's pods are labelled with its name and uid, and its
selector matches the uid label: the pods of one Job never match another's. Upstream does this in
the strategy's Validate, after the uid and a generated name are known; so does ``JobStrategy``.
"""

from __future__ import annotations

from fakeapi.apimachinery.field import FieldError
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.rest import defaulted_object_field
from fakeapi.registry.strategy import Strategy
from fakeapi.storage.interfaces import Object

# pkg/apis/batch/types.go
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
LEGACY_JOB_NAME_LABEL = "job-name"
CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid"
LEGACY_CONTROLLER_UID_LABEL = "controller-uid"


def generate_selector(job: Object) -> None:
    """generateSelector: labels the user already set are kept (validation reports a mismatch)."""
    meta = job.get("metadata") or {}
    name, uid = meta.get("name") or "", meta.get("uid") or ""
    spec = job.get("spec")
    template = spec.get("template") if isinstance(spec, dict) else None
    template_meta = defaulted_object_field(template, "metadata") if isinstance(template, dict) else None
    labels = defaulted_object_field(template_meta, "labels") if template_meta is not None else None
    if spec is None or labels is None:
        return
    for key in (LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL):
        labels.setdefault(key, name)
    for key in (LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL):
        labels.setdefault(key, uid)
    selector = defaulted_object_field(spec, "selector")
    match_labels = defaulted_object_field(selector, "matchLabels") if selector is not None else None
    if match_labels is not None:
        match_labels.setdefault(CONTROLLER_UID_LABEL, uid)


class JobStrategy(Strategy):
    def validate(self, ctx: RequestContext, obj: Object) -> list[FieldError]:
        spec = obj.get("spec")
        if not (isinstance(spec, dict) and spec.get("manualSelector") is True):
            generate_selector(obj)
        return super().validate(ctx, obj)
