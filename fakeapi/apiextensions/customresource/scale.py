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
from fakeapi.apimachinery import field as fe
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.apimachinery.schema import GroupKind
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.generic.store import Store
from fakeapi.registry.rest import DefaultUpdatedObjectInfo, Preconditions, UpdatedObjectInfo, WriteOptions, object_meta
from fakeapi.storage.interfaces import Object

SCALE_API_VERSION = "autoscaling/v1"


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
class CustomResourceScaleREST:
    """GET/PUT/PATCH <plural>/<name>/scale."""

    parent: Store
    info: CustomResourceVersion

    @property
    def spec(self) -> CustomResourceSpec:
        return self.info.spec

    def new(self) -> Object:
        return {"apiVersion": SCALE_API_VERSION, "kind": "Scale", "metadata": {}}

    @property
    def _scale(self) -> dict[str, Any]:
        return self.info.scale or {}

    def to_scale(self, cr: Object) -> Object:
        """scaleFromCustomResource."""
        meta = cr.get("metadata") or {}
        scale_meta = {
            k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp") if k in meta
        }
        spec_replicas = _int_at(cr, str(self._scale.get("specReplicasPath") or ""))
        status_replicas = _int_at(cr, str(self._scale.get("statusReplicasPath") or ""))
        scale: Object = {
            "kind": "Scale",
            "apiVersion": SCALE_API_VERSION,
            "metadata": scale_meta,
            "spec": {"replicas": spec_replicas} if spec_replicas else {},
            "status": {"replicas": status_replicas},
        }
        selector_path = self._scale.get("labelSelectorPath")
        if selector_path:
            selector = _nested(cr, str(selector_path))
            if isinstance(selector, str) and selector:
                scale["status"]["selector"] = selector
        return scale

    def get(self, ctx: RequestContext, name: str) -> Object:
        return self.to_scale(self.parent.get(ctx, name))

    def update(
        self,
        ctx: RequestContext,
        name: str,
        obj_info: UpdatedObjectInfo,
        options: WriteOptions,
        *,
        force_allow_create: bool = False,
    ) -> tuple[Object, bool]:
        parent = self.parent.get(ctx, name)
        scale = obj_info.updated_object(ctx, self.to_scale(parent))
        replicas = (scale.get("spec") or {}).get("replicas", 0)
        if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
            raise errors.new_invalid(
                GroupKind("autoscaling", "Scale"),
                name,
                [fe.invalid("spec.replicas", replicas, "must be greater than or equal to 0")],
            )
        updated = deep_copy_json(parent)
        target: dict[str, Any] = updated
        parts = _path(str(self._scale.get("specReplicasPath") or ""))
        for part in parts[:-1]:
            nxt = target.get(part)
            if not isinstance(nxt, dict):
                nxt = target[part] = {}
            target = nxt
        target[parts[-1]] = replicas
        requested_rv = (scale.get("metadata") or {}).get("resourceVersion")
        object_meta(updated)["resourceVersion"] = requested_rv or parent["metadata"]["resourceVersion"]
        stored, _ = self.parent.update(ctx, name, _ScaledObjectInfo(updated), options)
        return self.to_scale(stored), False


@dataclass
class _ScaledObjectInfo:
    """The custom resource with the new replicas; the Scale carries no UID precondition."""

    obj: Object

    def preconditions(self) -> Preconditions:
        return Preconditions()

    def updated_object(self, ctx: RequestContext, old: Object | None) -> Object:
        return DefaultUpdatedObjectInfo(self.obj).updated_object(ctx, old)
