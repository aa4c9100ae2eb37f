"""DaemonSets (pkg/registry/apps/daemonset/strategy.go): the template generation.

The internal DaemonSet keeps ``spec.templateGeneration``: 1 on create (or what the client
asked, if higher), one more whenever an update changes the pod template, never set by an
update otherwise. apps/v1 has no such field; conversion carries it in the
``deprecated.daemonset.template.generation`` annotation, which the DaemonSet controller copies
into its pods' ``pod-template-generation`` label. The annotation is the field here.
"""

from __future__ import annotations

from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.rest import object_meta
from fakeapi.registry.strategy import Strategy
from fakeapi.storage.interfaces import Object

# apps.DeprecatedTemplateGeneration
DEPRECATED_TEMPLATE_GENERATION = "deprecated.daemonset.template.generation"


def _template_generation(obj: Object) -> int:
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    try:
        return int(annotations.get(DEPRECATED_TEMPLATE_GENERATION) or 0)
    except (TypeError, ValueError):
        return 0


def _set_template_generation(obj: Object, generation: int) -> None:
    meta = object_meta(obj)
    annotations = meta.get("annotations")
    if not isinstance(annotations, dict):
        annotations = meta["annotations"] = {}
    annotations[DEPRECATED_TEMPLATE_GENERATION] = str(generation)


def _template(obj: Object) -> object:
    spec = obj.get("spec")
    return spec.get("template") if isinstance(spec, dict) else None


class DaemonSetStrategy(Strategy):
    def prepare_for_create(self, ctx: RequestContext, obj: Object) -> None:
        super().prepare_for_create(ctx, obj)
        _set_template_generation(obj, max(_template_generation(obj), 1))

    def prepare_for_update(self, ctx: RequestContext, obj: Object, old: Object) -> None:
        super().prepare_for_update(ctx, obj, old)
        generation = _template_generation(old)
        if _template(obj) != _template(old):
            generation += 1
        _set_template_generation(obj, generation)
