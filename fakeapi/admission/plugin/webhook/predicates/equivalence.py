"""Which resources are the same resource in other versions (apiserver/pkg/endpoints/handlers/equivalent
resource registry: ``EquivalentResourceMapper``), for ``matchPolicy: Equivalent``.

A resource served in several versions of its group (HorizontalPodAutoscalers in autoscaling/v1 and
v2, a CRD's versions) is one resource seen through each version; a rule that names one version
matches a request made through another, and the webhook or policy is then given the object in
the version its rule names. Upstream each storage registers the kind it serves per resource and
subresource; here the server answers from what it serves when asked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fakeapi.apimachinery.schema import GroupResource, GroupVersionKind, GroupVersionResource

# What a subresource serves when it is not the resource's own kind.
_SUBRESOURCE_KINDS = {"scale": GroupVersionKind("autoscaling", "v1", "Scale")}

# The versions a group-resource is served in, each with its kind, in the group's version priority.
ServedVersions = Callable[[GroupResource], Sequence[tuple[GroupVersionResource, GroupVersionKind]]]


class EquivalentResources:
    """EquivalentResourceMapper over the server's served resources."""

    def __init__(self, served: ServedVersions) -> None:
        self._served = served

    def resources_for(self, resource: GroupVersionResource, subresource: str) -> list[GroupVersionResource]:
        """EquivalentResourcesFor: every served version of the resource, the requested one included."""
        return [gvr for gvr, _ in self._served(resource.group_resource)]

    def kind_for(self, resource: GroupVersionResource, subresource: str) -> GroupVersionKind | None:
        """KindFor: the kind ``resource`` (and ``subresource``) serves, or None when it is not served."""
        kind = next((gvk for gvr, gvk in self._served(resource.group_resource) if gvr == resource), None)
        if kind is None:
            return None
        return _SUBRESOURCE_KINDS.get(subresource, kind)
