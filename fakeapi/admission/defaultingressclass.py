"""DefaultIngressClass (plugin/pkg/admission/network/defaultingressclass/admission.go).

An Ingress created without ``ingressClassName`` (and without the deprecated
``kubernetes.io/ingress.class`` annotation) gets the IngressClass marked as the default with the
``ingressclass.kubernetes.io/is-default-class: "true"`` annotation; of several, the newest.
"""

from __future__ import annotations

from typing import Any

from fakeapi.admission.interfaces import CREATE, Attributes
from fakeapi.admission.reader import StoreReader
from fakeapi.apimachinery.schema import GroupResource

PLUGIN_NAME = "DefaultIngressClass"
INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class"
DEFAULT_INGRESS_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"
_INGRESS_CLASSES = ("networking.k8s.io", "v1", "ingressclasses")


def _is_default(ingress_class: dict[str, Any]) -> bool:
    annotations = (ingress_class.get("metadata") or {}).get("annotations") or {}
    return annotations.get(DEFAULT_INGRESS_CLASS_ANNOTATION) == "true"


class DefaultIngressClass:
    name = PLUGIN_NAME
    resources = frozenset({GroupResource("networking.k8s.io", "ingresses")})
    operations = frozenset({CREATE})

    def __init__(self, reader: StoreReader) -> None:
        self._reader = reader

    def admit(self, attributes: Attributes) -> None:
        ingress = attributes.obj
        if ingress is None or attributes.subresource:
            return
        spec = ingress.get("spec")
        annotations = (ingress.get("metadata") or {}).get("annotations") or {}
        if not isinstance(spec, dict) or spec.get("ingressClassName") is not None:
            return
        if INGRESS_CLASS_ANNOTATION in annotations:
            return
        defaults = [c for c in self._reader.list(_INGRESS_CLASSES) if _is_default(c)]
        if defaults:
            # RFC 3339 timestamps in UTC sort as text.
            newest = max(defaults, key=lambda c: str((c.get("metadata") or {}).get("creationTimestamp") or ""))
            spec["ingressClassName"] = newest["metadata"]["name"]
