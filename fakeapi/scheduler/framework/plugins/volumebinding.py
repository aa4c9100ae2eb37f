"""VolumeBinding (pkg/scheduler/framework/plugins/volumebinding: volume_binding.go, binder.go).

PreFilter: every claim the pod mounts must exist and not be going away; an unbound claim of an
Immediate class is the binder's to bind first, so the pod waits. Filter: a bound claim's volume
must admit the node (its node affinity); an unbound WaitForFirstConsumer claim needs, on that
node, a matching Available volume or a class that provisions, and once a node was selected for
it only that node will do. PreBind (``BindPodVolumes``): a matching static volume gets the
claim in ``spec.claimRef`` for the binder to finish; otherwise the claim gets the
``volume.kubernetes.io/selected-node`` annotation, which starts provisioning. The pod is bound
only once all its claims are (upstream's PreBind blocks until then; here the claim's update
queues the pod again).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fakeapi.apimachinery import errors
from fakeapi.controllers.client import LoopbackClient
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.controller_utils import meta, spec_of
from fakeapi.controllers.volume.util import (
    ANN_BOUND_BY_CONTROLLER,
    ANN_SELECTED_NODE,
    annotations_of,
    claim_class,
    find_matching_volume,
    is_delayed_binding,
    provisioner_of,
    volume_fits_node,
)
from fakeapi.scheduler.framework.interface import Status
from fakeapi.scheduler.framework.types import NodeInfo
from fakeapi.storage.interfaces import Object

NAME = "VolumeBinding"
ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind"
ERR_REASON_NODE_CONFLICT = "node(s) had volume node affinity conflict"
ERR_UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims"


@dataclass
class PodVolumes:
    """What PreFilter learnt: the volumes of bound claims, and the WaitForFirstConsumer claims still unbound."""

    bound: list[Object] = field(default_factory=list)
    delayed: list[Object] = field(default_factory=list)


class VolumeBinding:
    name = NAME

    def __init__(self, ctx: ControllerContext, client: LoopbackClient) -> None:
        self._ctx = ctx
        self._client = client
        self._claims = ctx.informers.lister("persistentvolumeclaims")
        self._volumes = ctx.informers.lister("persistentvolumes")
        self._classes = ctx.informers.lister("storage.k8s.io/storageclasses")

    def pre_filter(self, pod: Object) -> PodVolumes | Status:
        namespace = meta(pod).get("namespace") or ""
        result = PodVolumes()
        immediate_unbound = False
        for volume in spec_of(pod).get("volumes") or []:
            source = volume.get("persistentVolumeClaim")
            if not source:
                continue
            name = source.get("claimName") or ""
            claim = self._claims.get(namespace, name)
            if claim is None:
                return Status.unresolvable(f'persistentvolumeclaim "{name}" not found')
            if meta(claim).get("deletionTimestamp"):
                return Status.unresolvable(f'persistentvolumeclaim "{name}" is being deleted')
            bound_to = spec_of(claim).get("volumeName")
            if bound_to:
                pv = self._volumes.get("", bound_to)
                if pv is None:
                    return Status.unresolvable(f'persistentvolume "{bound_to}" not found')
                result.bound.append(pv)
            elif is_delayed_binding(claim, self._class_of(claim)):
                result.delayed.append(claim)
            else:
                immediate_unbound = True
        if immediate_unbound:
            return Status.unresolvable(ERR_UNBOUND_IMMEDIATE)
        return result

    def filter(self, volumes: PodVolumes, node_info: NodeInfo) -> Status | None:
        node = node_info.node
        if not all(volume_fits_node(pv, node) for pv in volumes.bound):
            return Status.unresolvable(ERR_REASON_NODE_CONFLICT)
        for claim in volumes.delayed:
            selected = annotations_of(claim).get(ANN_SELECTED_NODE)
            if selected and selected != node_info.name:
                return Status.unresolvable(ERR_REASON_BIND_CONFLICT)
            if self._static_match(claim, node) is None and not provisioner_of(self._class_of(claim)):
                return Status.unresolvable(ERR_REASON_BIND_CONFLICT)
        return None

    def pre_bind(self, volumes: PodVolumes, node: str) -> bool:
        """Start binding or provisioning each unbound claim on ``node``; True when the pod may be bound now."""
        ready = True
        for claim in volumes.delayed:
            ready = False
            if annotations_of(claim).get(ANN_SELECTED_NODE):
                continue  # provisioning already asked for
            node_obj = self._ctx.informers.lister("nodes").get("", node)
            pv = self._static_match(claim, node_obj)
            if pv is not None:
                self._pre_bind_volume(pv, claim)
            else:
                self._merge_patch(
                    "persistentvolumeclaims", claim, {"metadata": {"annotations": {ANN_SELECTED_NODE: node}}}
                )
        return ready

    def _static_match(self, claim: Object, node: Object | None) -> Object | None:
        return find_matching_volume(claim, self._volumes.list(), node, delay_binding=True)

    def _class_of(self, claim: Object) -> Object | None:
        name = claim_class(claim)
        return self._classes.get("", name) if name else None

    def _pre_bind_volume(self, pv: Object, claim: Object) -> None:
        """bindAPIUpdate: the volume names the claim; the binder completes the claim's side."""
        if spec_of(pv).get("claimRef"):
            return
        claim_meta = meta(claim)
        patch = {
            "metadata": {"annotations": {ANN_BOUND_BY_CONTROLLER: "yes"}},
            "spec": {
                "claimRef": {
                    "kind": "PersistentVolumeClaim",
                    "apiVersion": "v1",
                    "namespace": claim_meta.get("namespace"),
                    "name": claim_meta["name"],
                    "uid": claim_meta.get("uid"),
                    "resourceVersion": claim_meta.get("resourceVersion"),
                }
            },
        }
        self._merge_patch("persistentvolumes", pv, patch)

    def _merge_patch(self, prefix: str, obj: Object, patch: Object) -> None:
        """A merge patch that carries the resourceVersion it was computed from."""
        obj_meta = meta(obj)
        patch.setdefault("metadata", {})["resourceVersion"] = obj_meta.get("resourceVersion")
        try:
            self._client.merge_patch(self._ctx.spec(prefix), obj_meta.get("namespace") or "", obj_meta["name"], patch)
        except errors.StatusError as exc:
            # Changed or gone meanwhile: its update event brings the pod back to try again.
            if exc.code not in (404, 409):
                raise
