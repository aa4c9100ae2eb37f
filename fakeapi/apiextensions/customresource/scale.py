"""The scale subresource of custom resources (registry/customresource/etcd.go ScaleREST).

An autoscaling/v1 Scale read from the paths the CRD names (specReplicasPath,
statusReplicasPath, labelSelectorPath); writing it sets the spec replicas path of the custom
resource through the resource's own Store, so the resource's strategy (validation,
generation) and optimistic concurrency apply, with the Scale's resourceVersion as precondition.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fakeapi.apiextensions.customresource.info import CustomResourceSpec, CustomResourceVersion
from fakeapi.apimachinery import errors
from fakeapi.registry.rest import object_field
from fakeapi.registry.subresources import ScaleREST
from fakeapi.storage.interfaces import Object


def _path(json_path: str) -> list[str]:
    return [p for p in json_path.lstrip(".").split(".") if p]


def _nested(obj: Object, json_path: str) -> Any:
    value: Any = obj
    for part in _path(json_path):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _int_at(obj: Object, json_path: str) -> int:
    value = _nested(obj, json_path)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.new_internal_error(
            f"{json_path} accessor error: {value} is of the type {type(value).__name__}, expected int64"
        )
    return value


@dataclass
class CustomResourceScaleREST(ScaleREST):
    """GET/PUT/PATCH <plural>/<name>/scale, at the paths the CRD's scale subresource names."""

    info: CustomResourceVersion

    @property
    def spec(self) -> CustomResourceSpec:
        return self.info.spec

    @property
    def _scale(self) -> dict[str, Any]:
        return self.info.scale or {}

    def spec_replicas(self, obj: Object) -> int:
        return _int_at(obj, str(self._scale.get("specReplicasPath") or ""))

    def status_replicas(self, obj: Object) -> int:
        return _int_at(obj, str(self._scale.get("statusReplicasPath") or ""))

    def selector(self, obj: Object) -> str:
        selector_path = self._scale.get("labelSelectorPath")
        selector = _nested(obj, str(selector_path)) if selector_path else None
        return selector if isinstance(selector, str) else ""

    def set_spec_replicas(self, obj: Object, replicas: int) -> None:
        target: dict[str, Any] = obj
        parts = _path(str(self._scale.get("specReplicasPath") or ""))
        for part in parts[:-1]:
            target = object_field(target, part)
        target[parts[-1]] = replicas
