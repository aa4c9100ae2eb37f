"""Subresources served by their own REST objects over the parent's store.

``ScaleREST`` mirrors the scale storages of pkg/registry/apps/deployment/storage (an
autoscaling/v1 Scale read from and written to the parent's spec.replicas).
``NoKubeletREST`` answers the connect subresources (log, exec, attach, portforward, proxy)
that need a kubelet or a network path fakeapi does not have, with the error a real server
gives for a pod whose containers have not started.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fakeapi.apimachinery import errors, field
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.apimachinery.labels import selector_from_label_selector_dict
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.generic.store import Store
from fakeapi.registry.rest import DefaultUpdatedObjectInfo, UpdatedObjectInfo, WriteOptions
from fakeapi.storage.interfaces import Object

SCALE_API_VERSION = "autoscaling/v1"


@dataclass
class ScaleREST:
    """GET/PUT/PATCH <resource>/<name>/scale."""

    parent: Store

    @property
    def spec(self) -> Any:
        return self.parent.spec

    def new(self) -> Object:
        return {"apiVersion": SCALE_API_VERSION, "kind": "Scale", "metadata": {}}

    def _to_scale(self, obj: Object) -> Object:
        meta = obj.get("metadata") or {}
        spec = obj.get("spec") or {}
        status = obj.get("status") or {}
        selector = spec.get("selector")
        if isinstance(selector, dict) and ("matchLabels" in selector or "matchExpressions" in selector):
            selector_text = str(selector_from_label_selector_dict(selector))
        elif isinstance(selector, dict):
            selector_text = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
        else:
            selector_text = ""
        scale_meta = {
            k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp") if k in meta
        }
        scale: Object = {
            "kind": "Scale",
            "apiVersion": SCALE_API_VERSION,
            "metadata": scale_meta,
            "spec": {"replicas": spec.get("replicas", 1)},
            "status": {"replicas": status.get("replicas", 0)},
        }
        if selector_text:
            scale["status"]["selector"] = selector_text
        return scale

    def get(self, ctx: RequestContext, name: str) -> Object:
        return self._to_scale(self.parent.get(ctx, name))

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
        scale = obj_info.updated_object(ctx, self._to_scale(parent))
        replicas = (scale.get("spec") or {}).get("replicas", 0)
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            raise errors.new_invalid(
                self.new_gvk_kind(),
                name,
                [field.invalid("spec.replicas", replicas, "must be greater than or equal to 0")],
            )
        updated = deep_copy_json(parent)
        updated.setdefault("spec", {})["replicas"] = replicas
        requested_rv = (scale.get("metadata") or {}).get("resourceVersion")
        updated["metadata"]["resourceVersion"] = requested_rv or parent["metadata"]["resourceVersion"]
        stored, _ = self.parent.update(ctx, name, DefaultUpdatedObjectInfo(updated), options)
        return self._to_scale(stored), False

    def new_gvk_kind(self) -> Any:
        from fakeapi.apimachinery.schema import GroupKind

        return GroupKind("autoscaling", "Scale")


@dataclass
class NoKubeletREST:
    """A connect subresource with nothing behind it."""

    parent: Store
    subresource: str

    @property
    def spec(self) -> Any:
        return self.parent.spec

    def new(self) -> Object:
        return self.parent.new()

    def get(self, ctx: RequestContext, name: str) -> Object:
        obj = self.parent.get(ctx, name)
        raise self._unavailable(obj, name)

    def create_named(self, ctx: RequestContext, name: str, obj: Object, options: WriteOptions) -> Object:
        raise self._unavailable(self.parent.get(ctx, name), name)

    def _unavailable(self, obj: Object, name: str) -> errors.StatusError:
        if self.parent.spec.resource == "pods":
            containers = (obj.get("spec") or {}).get("containers") or [{}]
            container = containers[0].get("name", "")
            return errors.new_bad_request(
                f'container "{container}" in pod "{name}" is waiting to start: ContainerCreating'
            )
        return errors.new_service_unavailable(
            f"{self.parent.spec.resource}/{self.subresource} is not available: fakeapi runs no nodes or network proxy"
        )
