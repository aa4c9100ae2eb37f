"""Which resources are the same resource in other versions (k8s.io/apimachinery/pkg/runtime's
EquivalentResourceRegistry, as kube-apiserver fills it from the installed APIs).

Admission rules under ``matchPolicy: Equivalent`` match a request through any version of its
resource that is served: a rule naming ``autoscaling/v2`` horizontalpodautoscalers matches a
write to ``autoscaling/v1``, and the request is then seen as the rule's version. A subresource
is equivalent where the other version serves it too; its kind is the subresource's own
(``autoscaling/v1`` Scale for ``scale``) or the resource's.
"""

from __future__ import annotations

from fakeapi.apimachinery.schema import GroupVersionKind, GroupVersionResource
from fakeapi.controllers.client import ResourceCatalog
from fakeapi.registry.resource_spec import ResourceSpec


class EquivalentResourceMapper:
    """EquivalentResourceMapper over the served resources (custom resources included, as they come and go)."""

    def __init__(self, resources: ResourceCatalog) -> None:
        self._resources = resources

    def _specs(self, resource: GroupVersionResource, subresource: str) -> list[ResourceSpec]:
        return [
            store.spec
            for store in self._resources.served()
            if (store.spec.group, store.spec.resource) == (resource.group, resource.resource)
            and (not subresource or any(s.name == subresource for s in store.spec.subresources))
        ]

    def resources_for(self, resource: GroupVersionResource, subresource: str) -> list[GroupVersionResource]:
        """EquivalentResourcesFor: every served version of the resource (with the subresource)."""
        return [spec.gvr for spec in self._specs(resource, subresource)]

    def kind_for(self, resource: GroupVersionResource, subresource: str) -> GroupVersionKind | None:
        """KindFor: the kind a write to that version (and subresource) carries; None if not served."""
        for spec in self._specs(resource, subresource):
            if spec.gvr == resource:
                sub = next((s for s in spec.subresources if s.name == subresource), None)
                return sub.kind if sub is not None and sub.kind is not None else spec.gvk
        return None
