"""Admission that the generic Store runs before it writes.

Only what a test cluster needs: the NamespaceLifecycle plugin
(k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle/admission.go), which refuses
content in a namespace that does not exist or is being terminated, and protects the
namespaces that may never be deleted.
"""

from __future__ import annotations

from collections.abc import Callable

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.schema import GroupResource
from fakeapi.storage.interfaces import Object

IMMORTAL_NAMESPACES = frozenset({"default", "kube-system", "kube-public"})
NAMESPACE_TERMINATING_CAUSE = "NamespaceTerminating"


class NamespaceLifecycle:
    """Checks creates against the namespace they land in."""

    def __init__(self, get_namespace: Callable[[str], Object | None]) -> None:
        self._get_namespace = get_namespace

    def admit_create(self, resource: GroupResource, namespace: str, name: str) -> None:
        if not namespace:
            return
        ns = self._get_namespace(namespace)
        if ns is None:
            raise errors.new_not_found(GroupResource("", "namespaces"), namespace)
        if (ns.get("status") or {}).get("phase") == "Terminating":
            err = errors.new_forbidden(
                resource,
                name,
                f"unable to create new content in namespace {namespace} because it is being terminated",
            )
            err.details.setdefault("causes", []).append(
                {
                    "reason": NAMESPACE_TERMINATING_CAUSE,
                    "message": f"namespace {namespace} is being terminated",
                    "field": "metadata.namespace",
                }
            )
            raise err

    def admit_delete(self, resource: GroupResource, name: str) -> None:
        if resource == GroupResource("", "namespaces") and name in IMMORTAL_NAMESPACES:
            raise errors.new_forbidden(resource, name, "this namespace may not be deleted")
