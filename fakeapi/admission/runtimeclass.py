"""RuntimeClass (plugin/pkg/admission/runtimeclass/admission.go).

A pod naming a RuntimeClass gets that class's ``overhead.podFixed`` as its ``spec.overhead`` and
its ``scheduling`` (node selector merged in, tolerations added); a class that does not exist, an
overhead that differs from the class's, a node selector that contradicts it, or an overhead
without a class that defines one is refused with upstream's message.
"""

from __future__ import annotations

from typing import Any

from fakeapi.admission.errors import new_forbidden
from fakeapi.admission.interfaces import CREATE, Attributes
from fakeapi.admission.reader import StoreReader
from fakeapi.apimachinery.quantity import parse_quantity
from fakeapi.apimachinery.schema import GroupResource
from fakeapi.storage.interfaces import Object

PLUGIN_NAME = "RuntimeClass"
_RUNTIME_CLASSES = ("node.k8s.io", "v1", "runtimeclasses")
_OVERHEAD_MISMATCH = "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead"


def _same_amounts(first: Any, second: Any) -> bool:
    """apiequality.Semantic.DeepEqual of two resource lists: the same names, equal quantities."""
    if not isinstance(first, dict) or not isinstance(second, dict) or first.keys() != second.keys():
        return first == second
    return all(parse_quantity(first[name]) == parse_quantity(second[name]) for name in first)


class RuntimeClass:
    name = PLUGIN_NAME
    resources = frozenset({GroupResource("", "pods")})
    operations = frozenset({CREATE})

    def __init__(self, reader: StoreReader) -> None:
        self._reader = reader

    def _runtime_class(self, attributes: Attributes, spec: dict[str, Any]) -> Object | None:
        """prepareObjects: the pod's class, None when it names none; a missing one is refused."""
        class_name = spec.get("runtimeClassName")
        if class_name is None:
            return None
        runtime_class = self._reader.get(_RUNTIME_CLASSES, "", str(class_name))
        if runtime_class is None:
            raise new_forbidden(attributes, f'pod rejected: RuntimeClass "{class_name}" not found')
        return runtime_class

    def admit(self, attributes: Attributes) -> None:
        spec = _pod_spec(attributes)
        if spec is None:
            return
        runtime_class = self._runtime_class(attributes, spec)
        if runtime_class is None:
            return
        overhead = (runtime_class.get("overhead") or {}).get("podFixed")
        if overhead is not None:
            # setOverhead
            if spec.get("overhead") is not None and not _same_amounts(overhead, spec["overhead"]):
                raise new_forbidden(attributes, _OVERHEAD_MISMATCH)
            spec["overhead"] = dict(overhead)
        scheduling = runtime_class.get("scheduling")
        if isinstance(scheduling, dict):
            self._set_scheduling(attributes, spec, scheduling)

    @staticmethod
    def _set_scheduling(attributes: Attributes, spec: dict[str, Any], scheduling: dict[str, Any]) -> None:
        """setScheduling: the class's node selector merged into the pod's, its tolerations added."""
        selector = dict(spec.get("nodeSelector") or {})
        for key, value in (scheduling.get("nodeSelector") or {}).items():
            if key in selector and selector[key] != value:
                raise new_forbidden(
                    attributes,
                    f"conflict: runtimeClass.scheduling.nodeSelector[{key}] = {value}; "
                    f"pod.spec.nodeSelector[{key}] = {selector[key]}",
                )
            selector[key] = value
        if selector:
            spec["nodeSelector"] = selector
        tolerations = list(spec.get("tolerations") or [])
        # MergeTolerations: each toleration once.
        tolerations += [t for t in scheduling.get("tolerations") or [] if t not in tolerations]
        if tolerations:
            spec["tolerations"] = tolerations

    def validate(self, attributes: Attributes) -> None:
        """validateOverhead."""
        spec = _pod_spec(attributes)
        if spec is None:
            return
        runtime_class = self._runtime_class(attributes, spec)
        overhead = None if runtime_class is None else (runtime_class.get("overhead") or {}).get("podFixed")
        if overhead is not None:
            if not _same_amounts(overhead, spec.get("overhead")):
                raise new_forbidden(attributes, _OVERHEAD_MISMATCH)
        elif spec.get("overhead") is not None:
            raise new_forbidden(
                attributes, "pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead"
            )


def _pod_spec(attributes: Attributes) -> dict[str, Any] | None:
    """The pod's spec, or None for subresources and bodies without one (shouldIgnore)."""
    if attributes.obj is None or attributes.subresource:
        return None
    spec = attributes.obj.get("spec")
    return spec if isinstance(spec, dict) else None
