"""Which group-versions and resources are served (server/storage/resource_config.go).

An explicit per-resource setting wins; otherwise a resource is served when its group-version
is enabled. ``ResourceConfig.from_runtime_config`` reads kube-apiserver's ``--runtime-config``
form (``apps/v1=false,batch/v1/jobs=false``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from fakeapi.apimachinery.schema import GroupVersion, GroupVersionResource


@dataclass
class ResourceConfig:
    group_version_configs: dict[GroupVersion, bool] = field(default_factory=dict)
    resource_configs: dict[GroupVersionResource, bool] = field(default_factory=dict)

    def enable_versions(self, *versions: GroupVersion) -> None:
        for gv in versions:
            self.group_version_configs[gv] = True
            self._drop_resource_preferences(gv)

    def disable_versions(self, *versions: GroupVersion) -> None:
        for gv in versions:
            self.group_version_configs[gv] = False
            self._drop_resource_preferences(gv)

    def _drop_resource_preferences(self, gv: GroupVersion) -> None:
        for gvr in [r for r in self.resource_configs if r.group_version == gv]:
            del self.resource_configs[gvr]

    def enable_resources(self, *resources: GroupVersionResource) -> None:
        for gvr in resources:
            self.resource_configs[gvr] = True

    def disable_resources(self, *resources: GroupVersionResource) -> None:
        for gvr in resources:
            self.resource_configs[gvr] = False

    def resource_enabled(self, gvr: GroupVersionResource) -> bool:
        if gvr in self.resource_configs:
            return self.resource_configs[gvr]
        return self.group_version_configs.get(gvr.group_version, False)

    def apply_runtime_config(self, entries: Iterable[str]) -> None:
        """Apply ``group/version[/resource][=true|false]`` entries (``api/v1`` names core)."""
        for entry in entries:
            key, _, value = entry.partition("=")
            enabled = value.strip().lower() not in ("false", "0")
            parts = key.strip().strip("/").split("/")
            if parts[0] == "api":
                parts = ["", *parts[1:]]
            if len(parts) == 1:
                parts = ["", parts[0]]
            if len(parts) == 2:
                gv = GroupVersion(parts[0], parts[1])
                (self.enable_versions if enabled else self.disable_versions)(gv)
            elif len(parts) == 3:
                gvr = GroupVersionResource(parts[0], parts[1], parts[2])
                (self.enable_resources if enabled else self.disable_resources)(gvr)
            else:
                raise ValueError(f"invalid runtime config entry {entry!r}")


def default_resource_config(group_versions: Iterable[GroupVersion]) -> ResourceConfig:
    """DefaultAPIResourceConfigSource: every GA group-version enabled."""
    config = ResourceConfig()
    config.enable_versions(*group_versions)
    return config
