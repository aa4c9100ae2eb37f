"""LimitRanger (plugin/pkg/admission/limitranger/admission.go).

Mutating, on pod creation: every container and init container gets the ``default`` limits and
``defaultRequest`` requests of the namespace's Container LimitRange items it does not set, noted in
the ``kubernetes.io/limit-ranger`` annotation. Validating: each container's requests and limits
against the Container items' ``min``, ``max`` and ``maxLimitRequestRatio``, the pod's totals
against the Pod items', and a claim's storage request against the PersistentVolumeClaim items';
every violation is listed in one 403 with upstream's texts. Pod updates are not checked (their
containers cannot change), nor objects being deleted.
"""

from __future__ import annotations

from typing import Any

from fakeapi.admission.errors import aggregate, new_forbidden
from fakeapi.admission.interfaces import CREATE, UPDATE, Attributes
from fakeapi.admission.reader import StoreReader
from fakeapi.apimachinery.quantity import format_quantity, milli_value, parse_quantity
from fakeapi.apimachinery.schema import GroupResource
from fakeapi.scheduler.framework.types import CPU, pod_limits, pod_requests

PLUGIN_NAME = "LimitRanger"
LIMIT_RANGER_ANNOTATION = "kubernetes.io/limit-ranger"
_LIMIT_RANGES = ("", "v1", "limitranges")
_PODS = GroupResource("", "pods")
_CLAIMS = GroupResource("", "persistentvolumeclaims")
Quantities = dict[str, Any]


def _text(quantity: Any) -> str:
    """Quantity.String of a quantity as written."""
    return format_quantity(parse_quantity(quantity), binary=str(quantity).rstrip("0123456789.").endswith("i"))


def _min_constraint(kind: str, name: str, enforced: Any, requests: Quantities, limits: Quantities) -> str | None:
    """minConstraint (compared in thousandths, as requestLimitEnforcedValues does)."""
    if name not in requests:
        return f"minimum {name} usage per {kind} is {_text(enforced)}.  No request is specified"
    if milli_value(requests[name]) < milli_value(enforced):
        return f"minimum {name} usage per {kind} is {_text(enforced)}, but request is {_text(requests[name])}"
    if name in limits and milli_value(limits[name]) < milli_value(enforced):
        return f"minimum {name} usage per {kind} is {_text(enforced)}, but limit is {_text(limits[name])}"
    return None


def _max_constraint(kind: str, name: str, enforced: Any, requests: Quantities, limits: Quantities) -> str | None:
    """maxConstraint."""
    if name not in limits:
        return f"maximum {name} usage per {kind} is {_text(enforced)}.  No limit is specified"
    if milli_value(limits[name]) > milli_value(enforced):
        return f"maximum {name} usage per {kind} is {_text(enforced)}, but limit is {_text(limits[name])}"
    if name in requests and milli_value(requests[name]) > milli_value(enforced):
        return f"maximum {name} usage per {kind} is {_text(enforced)}, but request is {_text(requests[name])}"
    return None


def _max_request_constraint(kind: str, name: str, enforced: Any, requests: Quantities) -> str | None:
    """maxRequestConstraint: for claims, whose limits are not the user's to give."""
    if name not in requests:
        return f"maximum {name} usage per {kind} is {_text(enforced)}.  No request is specified"
    if milli_value(requests[name]) > milli_value(enforced):
        return f"maximum {name} usage per {kind} is {_text(enforced)}, but request is {_text(requests[name])}"
    return None


def _ratio_constraint(kind: str, name: str, enforced: Any, requests: Quantities, limits: Quantities) -> str | None:
    """limitRequestRatioConstraint."""
    request = milli_value(requests[name]) if name in requests else 0
    limit = milli_value(limits[name]) if name in limits else 0
    if request == 0:
        return (
            f"{name} max limit to request ratio per {kind} is {_text(enforced)}, "
            "but no request is specified or request is 0"
        )
    if limit == 0:
        return f"{name} max limit to request ratio per {kind} is {_text(enforced)}, but no limit is specified or limit is 0"
    ratio = limit / request
    if ratio * 1000 > milli_value(enforced):
        return f"{name} max limit to request ratio per {kind} is {_text(enforced)}, but provided ratio is {ratio:f}"
    return None


def _item_violations(kind: str, item: dict[str, Any], requests: Quantities, limits: Quantities) -> list[str]:
    found = [_min_constraint(kind, k, v, requests, limits) for k, v in (item.get("min") or {}).items()]
    found += [_max_constraint(kind, k, v, requests, limits) for k, v in (item.get("max") or {}).items()]
    found += [
        _ratio_constraint(kind, k, v, requests, limits) for k, v in (item.get("maxLimitRequestRatio") or {}).items()
    ]
    return [message for message in found if message is not None]


def _resources(container: dict[str, Any]) -> tuple[Quantities, Quantities]:
    resources = container.get("resources") or {}
    return dict(resources.get("requests") or {}), dict(resources.get("limits") or {})


def _pod_totals(pod: dict[str, Any]) -> tuple[Quantities, Quantities]:
    """podRequests/podLimits: the containers' sums (init containers maxed), without the pod's overhead."""
    without_overhead = {**pod, "spec": {**(pod.get("spec") or {}), "overhead": None}}

    def quantities(amounts: dict[str, int]) -> Quantities:
        return {name: f"{amount}m" if name == CPU else str(amount) for name, amount in amounts.items()}

    return quantities(pod_requests(without_overhead)), quantities(pod_limits(without_overhead))


class LimitRanger:
    name = PLUGIN_NAME
    resources = frozenset({_PODS, _CLAIMS})
    operations = frozenset({CREATE, UPDATE})

    def __init__(self, reader: StoreReader) -> None:
        self._reader = reader

    def _items(self, attributes: Attributes, limit_type: str) -> list[dict[str, Any]]:
        """The namespace's LimitRange items of one type, in LimitRange order."""
        return [
            item
            for limit_range in self._reader.list(_LIMIT_RANGES, attributes.namespace)
            for item in (limit_range.get("spec") or {}).get("limits") or []
            if isinstance(item, dict) and item.get("type") == limit_type
        ]

    @staticmethod
    def _applies(attributes: Attributes) -> bool:
        """SupportsAttributes: no subresources, no pod updates, nothing being deleted."""
        if attributes.obj is None or attributes.subresource:
            return False
        if attributes.group_resource == _PODS and attributes.operation == UPDATE:
            return False
        old = attributes.old_obj
        return not (old is not None and (old.get("metadata") or {}).get("deletionTimestamp"))

    def admit(self, attributes: Attributes) -> None:
        """PodMutateLimitFunc: the Container items' defaults, per LimitRange."""
        if not self._applies(attributes) or attributes.group_resource != _PODS:
            return
        pod = attributes.obj
        assert pod is not None
        spec = pod.get("spec")
        if not isinstance(spec, dict):
            return
        notes: list[str] = []
        for item in self._items(attributes, "Container"):
            defaults = (item.get("defaultRequest") or {}, item.get("default") or {})
            for field, what in (("containers", "container"), ("initContainers", "init container")):
                for container in spec.get(field) or []:
                    if isinstance(container, dict):
                        notes += _merge_defaults(container, *defaults, what)
        if notes:
            annotations = pod.setdefault("metadata", {}).setdefault("annotations", {})
            annotations[LIMIT_RANGER_ANNOTATION] = "LimitRanger plugin set: " + "; ".join(notes)

    def validate(self, attributes: Attributes) -> None:
        if not self._applies(attributes):
            return
        obj = attributes.obj
        assert obj is not None
        spec: dict[str, Any] = obj["spec"] if isinstance(obj.get("spec"), dict) else {}
        violations: list[str] = []
        if attributes.group_resource == _CLAIMS:
            requests = dict((spec.get("resources") or {}).get("requests") or {})
            for item in self._items(attributes, "PersistentVolumeClaim"):
                violations += [
                    m
                    for m in [
                        _min_constraint("PersistentVolumeClaim", k, v, requests, {})
                        for k, v in (item.get("min") or {}).items()
                    ]
                    + [
                        _max_request_constraint("PersistentVolumeClaim", k, v, requests)
                        for k, v in (item.get("max") or {}).items()
                    ]
                    if m is not None
                ]
        else:
            containers = [c for f in ("containers", "initContainers") for c in spec.get(f) or [] if isinstance(c, dict)]
            for item in self._items(attributes, "Container"):
                for container in containers:
                    violations += _item_violations("Container", item, *_resources(container))
            pod_items = self._items(attributes, "Pod")
            if pod_items:
                totals = _pod_totals(obj)
                for item in pod_items:
                    violations += _item_violations("Pod", item, *totals)
        if violations:
            raise new_forbidden(attributes, aggregate(violations))


def _merge_defaults(container: dict[str, Any], requests: Quantities, limits: Quantities, what: str) -> list[str]:
    """mergeContainerResources: what the container lacks, and the notes of what was set."""
    resources = container.setdefault("resources", {})
    notes = []
    # The request note comes before the limit note, as mergeContainerResources writes them.
    for key, defaults, word in (("requests", requests, "request"), ("limits", limits, "limit")):
        current = resources.get(key) if isinstance(resources.get(key), dict) else {}
        added = sorted(name for name in defaults if name not in current)
        if added:
            resources[key] = {**current, **{name: defaults[name] for name in added}}
            notes.append(f"{', '.join(added)} {word} for {what} {container.get('name')}")
    return notes
