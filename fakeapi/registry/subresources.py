"""Subresources served by their own REST objects over the parent's store.

``ScaleREST`` mirrors the scale storages of pkg/registry/apps/deployment/storage (an
autoscaling/v1 Scale read from and written to the parent's spec.replicas).
``NoKubeletREST`` answers the connect subresources that need a network path fakeapi does not
have (pods/proxy, services and nodes' proxy; pods' log, exec, attach and portforward too when a
server has no container runtime), with the error a real server gives for a pod whose containers
have not started.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fakeapi.admission.interfaces import UPDATE
from fakeapi.apimachinery import errors, field
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.apimachinery.labels import selector_from_label_selector_dict
from fakeapi.apimachinery.schema import GroupKind, GroupVersionKind
from fakeapi.apimachinery.validation import IS_NEGATIVE_ERROR_MSG
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.generic.store import Store, SubresourceUpdate
from fakeapi.registry.rest import UpdatedObjectInfo, WriteOptions, object_field, object_meta
from fakeapi.storage.interfaces import Object

SCALE_API_VERSION = "autoscaling/v1"
SCALE_KIND = GroupVersionKind("autoscaling", "v1", "Scale")


@dataclass
class ScaleREST:
    """GET/PUT/PATCH <resource>/<name>/scale over the parent's Store.

    The Scale is read from the parent and writing it sets the parent's replicas through the
    parent's own Store, so its strategy and optimistic concurrency apply (the Scale's
    resourceVersion is the parent's). Where the replicas and the selector live is what
    subclasses change (custom resources name the paths in their CRD).
    """

    parent: Store

    @property
    def spec(self) -> Any:
        return self.parent.spec

    def new(self) -> Object:
        return {"apiVersion": SCALE_API_VERSION, "kind": "Scale", "metadata": {}}

    def spec_replicas(self, obj: Object) -> int:
        # The workloads default spec.replicas to 1.
        return int((obj.get("spec") or {}).get("replicas", 1))

    def status_replicas(self, obj: Object) -> int:
        return int((obj.get("status") or {}).get("replicas", 0))

    def selector(self, obj: Object) -> str:
        """status.selector: the label selector as a string."""
        selector = (obj.get("spec") or {}).get("selector")
        if isinstance(selector, dict) and ("matchLabels" in selector or "matchExpressions" in selector):
            return str(selector_from_label_selector_dict(selector))
        if isinstance(selector, dict):  # ReplicationControllers select with a plain map
            return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
        return ""

    def set_spec_replicas(self, obj: Object, replicas: int) -> None:
        object_field(obj, "spec")["replicas"] = replicas

    def to_scale(self, obj: Object) -> Object:
        meta = obj.get("metadata") or {}
        scale_meta = {
            k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp") if k in meta
        }
        replicas = self.spec_replicas(obj)
        # Scale's replicas fields are omitempty: zero is left out.
        scale: Object = {
            "kind": "Scale",
            "apiVersion": SCALE_API_VERSION,
            "metadata": scale_meta,
            "spec": {"replicas": replicas} if replicas else {},
            "status": {"replicas": self.status_replicas(obj)},
        }
        selector = self.selector(obj)
        if selector:
            scale["status"]["selector"] = selector
        return scale

    def require_revision(self, minimum: int) -> None:
        self.parent.require_revision(minimum)

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
        old_scale = self.to_scale(parent)
        scale = obj_info.updated_object(ctx, deep_copy_json(old_scale))
        chain = self.parent.admission_chain
        if chain is not None:
            # update.go runs the mutating phase on the object of the endpoint's kind: the Scale.
            chain.admit(self.parent.admission_attributes(ctx, UPDATE, scale, old_scale, options, name, SCALE_KIND))
        replicas = (scale.get("spec") or {}).get("replicas", 0)
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            raise errors.new_invalid(
                GroupKind("autoscaling", "Scale"),
                name,
                [field.invalid("spec.replicas", replicas, IS_NEGATIVE_ERROR_MSG)],
            )
        updated = deep_copy_json(parent)
        self.set_spec_replicas(updated, replicas)
        requested_rv = (scale.get("metadata") or {}).get("resourceVersion")
        object_meta(updated)["resourceVersion"] = requested_rv or parent["metadata"]["resourceVersion"]
        # The Scale carries no UID precondition of its own.
        written = SubresourceUpdate(updated, admission_kind=SCALE_KIND, admission_view=self.to_scale)
        stored, _ = self.parent.update(ctx, name, written, options)
        return self.to_scale(stored), False


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
