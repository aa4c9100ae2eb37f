"""Priority admission (plugin/pkg/admission/priority/admission.go).

A pod's ``priority`` and ``preemptionPolicy`` come from its PriorityClass, or from the global
default class when it names none (0 and PreemptLowerPriority when there is none); a class that
does not exist, or a priority or policy in the pod that differs from the class's, is refused
with 403 as upstream does.
"""

from __future__ import annotations

from typing import Any

from fakeapi.admission.errors import new_forbidden
from fakeapi.admission.interfaces import CREATE, Attributes
from fakeapi.admission.reader import StoreReader
from fakeapi.apimachinery.schema import GroupResource

PLUGIN_NAME = "Priority"
# scheduling.DefaultPriorityWhenNoDefaultClassExists
DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS = 0
DEFAULT_PREEMPTION_POLICY = "PreemptLowerPriority"
_PRIORITY_CLASSES = ("scheduling.k8s.io", "v1", "priorityclasses")


class Priority:
    name = PLUGIN_NAME
    resources = frozenset({GroupResource("", "pods")})
    operations = frozenset({CREATE})

    def __init__(self, reader: StoreReader) -> None:
        self._reader = reader

    def _default_class(self) -> dict[str, Any] | None:
        """getDefaultPriorityClass: of the global defaults, the one with the lowest value."""
        defaults = [pc for pc in self._reader.list(_PRIORITY_CLASSES) if pc.get("globalDefault") is True]
        return min(defaults, key=lambda pc: int(pc.get("value") or 0), default=None)

    def admit(self, attributes: Attributes) -> None:
        if attributes.obj is None or attributes.subresource:
            return
        spec = attributes.obj.get("spec")
        if not isinstance(spec, dict):
            return
        class_name = spec.get("priorityClassName")
        if class_name:
            priority_class = self._reader.get(_PRIORITY_CLASSES, "", str(class_name))
            if priority_class is None:
                raise new_forbidden(attributes, f"no PriorityClass with name {class_name} was found")
        else:
            priority_class = self._default_class()
            if priority_class is not None:
                spec["priorityClassName"] = (priority_class.get("metadata") or {}).get("name")
        if priority_class is None:
            priority, policy = DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS, DEFAULT_PREEMPTION_POLICY
        else:
            priority = int(priority_class.get("value") or 0)
            policy = priority_class.get("preemptionPolicy") or DEFAULT_PREEMPTION_POLICY
        if spec.get("priority") is not None and spec["priority"] != priority:
            raise new_forbidden(
                attributes,
                f"the integer value of priority ({spec['priority']}) must not be provided in pod spec; "
                f"priority admission controller computed {priority} from the given PriorityClass name",
            )
        spec["priority"] = priority
        if spec.get("preemptionPolicy") is not None and spec["preemptionPolicy"] != policy:
            raise new_forbidden(
                attributes,
                f"the string value of PreemptionPolicy ({spec['preemptionPolicy']}) must not be provided in pod "
                f"spec; priority admission controller computed {policy} from the given PriorityClass name",
            )
        spec["preemptionPolicy"] = policy
