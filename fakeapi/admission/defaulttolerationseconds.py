"""DefaultTolerationSeconds (plugin/pkg/admission/defaulttolerationseconds/admission.go).

Every pod tolerates the not-ready and unreachable NoExecute taints for 300 seconds unless it
already tolerates them (a toleration with that key, or with no key, and the NoExecute effect or
none), so the node lifecycle controller evicts pods five minutes after their node is lost.
"""

from __future__ import annotations

from typing import Any

from fakeapi.admission.interfaces import CREATE, UPDATE, Attributes
from fakeapi.apimachinery.schema import GroupResource

PLUGIN_NAME = "DefaultTolerationSeconds"
# The plugin's --default-not-ready-toleration-seconds and --default-unreachable-toleration-seconds.
DEFAULT_TOLERATION_SECONDS = 300
TAINT_NODE_NOT_READY = "node.kubernetes.io/not-ready"
TAINT_NODE_UNREACHABLE = "node.kubernetes.io/unreachable"
NO_EXECUTE = "NoExecute"


def _tolerates(tolerations: list[Any], key: str) -> bool:
    return any(
        isinstance(t, dict) and t.get("key") in (key, "", None) and t.get("effect") in (NO_EXECUTE, "", None)
        for t in tolerations
    )


class DefaultTolerationSeconds:
    name = PLUGIN_NAME
    resources = frozenset({GroupResource("", "pods")})
    operations = frozenset({CREATE, UPDATE})

    def admit(self, attributes: Attributes) -> None:
        if attributes.obj is None or attributes.subresource:
            return
        spec = attributes.obj.get("spec")
        if not isinstance(spec, dict):
            return
        tolerations = spec.get("tolerations")
        if not isinstance(tolerations, list):
            tolerations = []
        added = [
            {"key": key, "operator": "Exists", "effect": NO_EXECUTE, "tolerationSeconds": DEFAULT_TOLERATION_SECONDS}
            for key in (TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE)
            if not _tolerates(tolerations, key)
        ]
        if added:
            spec["tolerations"] = [*tolerations, *added]
