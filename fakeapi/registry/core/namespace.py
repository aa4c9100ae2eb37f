"""Namespaces (pkg/registry/core/namespace): phase Active, the ``kubernetes`` finalizer, the name label.

Deleting a namespace marks it Terminating; the namespace lifecycle then deletes its content
and finalizes it (see fakeapi.controllers.namespace).
"""

from __future__ import annotations

from fakeapi.apimachinery import field
from fakeapi.apimachinery.field import FieldError
from fakeapi.apimachinery.labels import qualified_name_errors
from fakeapi.apimachinery.validation import NOT_QUALIFIED_FINALIZER_MSG, lacks_a_domain
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.rest import DeleteOptions, object_field, object_meta
from fakeapi.registry.strategy import StatusStrategy, Strategy
from fakeapi.storage.interfaces import Object

KUBERNETES_FINALIZER = "kubernetes"
NAME_LABEL = "kubernetes.io/metadata.name"


def _ensure_name_label(obj: Object) -> None:
    meta = object_meta(obj)
    object_field(meta, "labels")[NAME_LABEL] = meta.get("name") or ""


class NamespaceStrategy(Strategy):
    def prepare_for_create(self, ctx: RequestContext, obj: Object) -> None:
        super().prepare_for_create(ctx, obj)
        obj["status"] = {"phase": "Active"}
        spec = object_field(obj, "spec")
        finalizers = list(spec.get("finalizers") or [])
        if KUBERNETES_FINALIZER not in finalizers:
            finalizers.append(KUBERNETES_FINALIZER)
        spec["finalizers"] = finalizers

    def canonicalize(self, obj: Object) -> None:
        _ensure_name_label(obj)

    def prepare_for_update(self, ctx: RequestContext, obj: Object, old: Object) -> None:
        # Spec finalizers change only through /finalize; status only through /status.
        obj["spec"] = dict(old.get("spec") or {})
        super().prepare_for_update(ctx, obj, old)

    def should_delete_during_update(self, obj: Object) -> bool:
        return super().should_delete_during_update(obj) and not (obj.get("spec") or {}).get("finalizers")

    def check_graceful_delete(self, ctx: RequestContext, obj: Object, options: DeleteOptions) -> bool:
        """A namespace with spec finalizers is not removed at once: it turns Terminating."""
        if (obj.get("spec") or {}).get("finalizers"):
            obj["status"] = {**(obj.get("status") or {}), "phase": "Terminating"}
            return True
        return False


class NamespaceStatusStrategy(StatusStrategy):
    def validate_update(self, ctx: RequestContext, obj: Object, old: Object) -> list[FieldError]:
        """ValidateNamespaceStatusUpdate: the phase follows the deletion timestamp (its odd field path included)."""
        phase = (obj.get("status") or {}).get("phase") or ""
        if not object_meta(obj).get("deletionTimestamp"):
            if phase != "Active":
                return [field.invalid("status.Phase", phase, "may only be 'Active' if `deletionTimestamp` is empty")]
        elif phase != "Terminating":
            return [
                field.invalid("status.Phase", phase, "may only be 'Terminating' if `deletionTimestamp` is not empty")
            ]
        return []

    def should_delete_during_update(self, obj: Object) -> bool:
        return super().should_delete_during_update(obj) and not (obj.get("spec") or {}).get("finalizers")

    def canonicalize(self, obj: Object) -> None:
        _ensure_name_label(obj)


class NamespaceFinalizeStrategy(NamespaceStrategy):
    """/finalize: only spec.finalizers may change."""

    def validate_update(self, ctx: RequestContext, obj: Object, old: Object) -> list[FieldError]:
        """ValidateNamespaceFinalizeUpdate: each finalizer a qualified name, or a standard one when it has no prefix."""
        errs: list[FieldError] = []
        for index, name in enumerate((obj.get("spec") or {}).get("finalizers") or []):
            path = f"spec.finalizers[{index}]"
            errs += [field.invalid(path, name, message) for message in qualified_name_errors(name)]
            if lacks_a_domain(name):
                errs.append(field.invalid(path, name, NOT_QUALIFIED_FINALIZER_MSG))
        return errs

    def prepare_for_update(self, ctx: RequestContext, obj: Object, old: Object) -> None:
        finalizers = (obj.get("spec") or {}).get("finalizers") or []
        updated = {key: value for key, value in old.items() if key != "spec"}
        updated["spec"] = {**(old.get("spec") or {}), "finalizers": list(finalizers)}
        meta = object_meta(obj)
        obj.clear()
        obj.update(updated)
        object_meta(obj)["resourceVersion"] = meta.get("resourceVersion")
