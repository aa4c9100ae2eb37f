"""What the workload controllers share (pkg/controller/controller_utils.go, controller_ref_manager.go).

- Pods from a controller's template (``GetPodFromTemplate``) and a ``PodControl`` that creates
  and deletes them through the loopback client, as the controller's own service account.
- Pod predicates the controllers count with: active, ready, available (podutil).
- ``ActivePodsWithRanks``: the order in which a controller scaling down picks pods to delete.
- Controller references and adoption: ``claim`` adopts orphans its selector matches and
  releases owned objects it no longer matches, as ``BaseControllerRefManager.ClaimObject``.
- ``compute_hash``: the ``pod-template-hash`` / controller-revision hash of a template.
- Conditions kept the way every controller keeps them (lastTransitionTime moves only with status).

Upstream controllers track "expectations" because their informer caches lag their own writes;
here the listers read the storage, which already holds every committed write, so there is
nothing to expect.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.apimachinery.labels import LabelSelector
from fakeapi.controllers.client import LoopbackClient
from fakeapi.controllers.record import NORMAL, WARNING, EventRecorder
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import now_rfc3339, parse_time, utc_now

PODS_PREFIX = "pods"
# controller_utils.go: the pod index by controller UID, orphans under one key per namespace.
POD_CONTROLLER_UID_INDEX = "podControllerUID"
ORPHAN_POD_INDEX_KEY = "_ORPHAN_POD"
# The pod index by node name (PodNodeNameKeyIndex; the pod storage's cacher keeps it too).
POD_NODE_NAME_INDEX = "spec.nodeName"
# The annotation by which users order a ReplicaSet's scale down (k8s.io/api/core/v1 PodDeletionCost).
POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"
_DECIMAL = re.compile(r"[+-]?[0-9]+")
# rand.SafeEncodeString's alphabet: no vowels (no words), no confusable characters.
_SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_FNV32_OFFSET = 0x811C9DC5
_FNV32_PRIME = 0x01000193


def meta(obj: Object) -> dict[str, Any]:
    """An object's metadata (an empty dict when it has none)."""
    result: dict[str, Any] = obj.get("metadata") or {}
    return result


def spec_of(obj: Object) -> dict[str, Any]:
    result: dict[str, Any] = obj.get("spec") or {}
    return result


def status_of(obj: Object) -> dict[str, Any]:
    result: dict[str, Any] = obj.get("status") or {}
    return result


# -- controller references -------------------------------------------------------------------


def controller_ref(obj: Object) -> dict[str, Any] | None:
    """metav1.GetControllerOf: the owner reference with ``controller: true``, if any."""
    for ref in meta(obj).get("ownerReferences") or []:
        if ref.get("controller"):
            result: dict[str, Any] = ref
            return result
    return None


def orphan_pod_index_key(namespace: str) -> str:
    """OrphanPodIndexKeyForNamespace."""
    return f"{ORPHAN_POD_INDEX_KEY}/{namespace}"


def pod_controller_uid_index(pod: Object) -> list[str]:
    """AddPodControllerUIDIndexer's index function: the controller's UID, or the namespace's orphan key."""
    ref = controller_ref(pod)
    if ref is not None:
        return [str(ref.get("uid") or "")]
    return [orphan_pod_index_key(meta(pod).get("namespace") or "")]


def pod_node_name_index(pod: Object) -> list[str]:
    """The node a pod is bound to (none for a pending pod)."""
    node = spec_of(pod).get("nodeName")
    return [node] if node else []


def new_controller_ref(owner: Object, api_version: str, kind: str) -> dict[str, Any]:
    """metav1.NewControllerRef: blocks the owner's foreground deletion until this dependent is gone."""
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": meta(owner)["name"],
        "uid": meta(owner)["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def is_controlled_by(obj: Object, owner: Object) -> bool:
    ref = controller_ref(obj)
    return ref is not None and ref.get("uid") == meta(owner).get("uid")


def claim(
    client: LoopbackClient,
    spec: ResourceSpec,
    owner: Object,
    owner_ref: dict[str, Any],
    selector: LabelSelector,
    candidates: Iterable[Object],
    can_adopt: Callable[[], bool] | None = None,
) -> list[Object]:
    """BaseControllerRefManager.ClaimObject over ``candidates``: the objects ``owner`` controls afterwards.

    An object controlled by ``owner`` that the selector no longer matches is released (its
    reference removed); an orphan the selector matches is adopted (``owner_ref`` added), unless
    the owner or the orphan is being deleted, or ``can_adopt`` says no (the owner was replaced
    under the same name). Objects controlled by someone else are left alone. A write that
    finds the object gone or changed drops it from the result, as upstream ignores NotFound.
    """
    owner_meta = meta(owner)
    claimed: list[Object] = []
    for obj in candidates:
        obj_meta = meta(obj)
        ref = controller_ref(obj)
        labels = obj_meta.get("labels") or {}
        if ref is not None:
            if ref.get("uid") != owner_meta.get("uid"):
                continue
            if selector.matches(labels) or owner_meta.get("deletionTimestamp"):
                claimed.append(obj)
                continue
            if obj_meta.get("deletionTimestamp"):
                continue
            _patch_owner_references(client, spec, obj, owner_meta["uid"], None)
            continue
        if owner_meta.get("deletionTimestamp") or obj_meta.get("deletionTimestamp") or not selector.matches(labels):
            continue
        if can_adopt is not None and not can_adopt():
            continue
        adopted = _patch_owner_references(client, spec, obj, owner_meta["uid"], owner_ref)
        if adopted is not None:
            claimed.append(adopted)
    return claimed


def _patch_owner_references(
    client: LoopbackClient, spec: ResourceSpec, obj: Object, owner_uid: str, add: dict[str, Any] | None
) -> Object | None:
    """Adopt (``add``) or release (None) with a merge patch that carries the object's uid as a precondition."""
    obj_meta = meta(obj)
    refs = [r for r in obj_meta.get("ownerReferences") or [] if r.get("uid") != owner_uid]
    if add is not None:
        refs.append(add)
    patch = {"metadata": {"ownerReferences": refs, "uid": obj_meta.get("uid")}}
    try:
        return client.merge_patch(spec, obj_meta.get("namespace") or "", obj_meta["name"], patch)
    except errors.StatusError as exc:
        if exc.code in (404, 409, 422):
            return None
        raise


# -- pods --------------------------------------------------------------------------------------


def pod_phase(pod: Object) -> str:
    phase: str = status_of(pod).get("phase") or ""
    return phase


def is_pod_terminal(pod: Object) -> bool:
    return pod_phase(pod) in ("Succeeded", "Failed")


def is_pod_active(pod: Object) -> bool:
    """controller.IsPodActive: not finished and not being deleted."""
    return not is_pod_terminal(pod) and not meta(pod).get("deletionTimestamp")


def pod_condition(pod: Object, kind: str) -> dict[str, Any] | None:
    for condition in status_of(pod).get("conditions") or []:
        if condition.get("type") == kind:
            result: dict[str, Any] = condition
            return result
    return None


def is_pod_ready(pod: Object) -> bool:
    """podutil.IsPodReady: the Ready condition is True."""
    condition = pod_condition(pod, "Ready")
    return condition is not None and condition.get("status") == "True"


def ready_since(pod: Object) -> datetime | None:
    """When the pod became Ready, if it is."""
    condition = pod_condition(pod, "Ready")
    if condition is None or condition.get("status") != "True":
        return None
    stamp = condition.get("lastTransitionTime")
    return parse_time(stamp) if stamp else None


def is_pod_available(pod: Object, min_ready_seconds: int, now: datetime | None = None) -> bool:
    """podutil.IsPodAvailable: ready for at least ``minReadySeconds``."""
    since = ready_since(pod)
    if since is None:
        return False
    if min_ready_seconds <= 0:
        return True
    return (now or utc_now()).timestamp() - since.timestamp() >= min_ready_seconds


def seconds_until_available(pod: Object, min_ready_seconds: int) -> float | None:
    """How long until a ready pod counts as available (None when it is not ready)."""
    since = ready_since(pod)
    if since is None:
        return None
    return max(since.timestamp() + min_ready_seconds - utc_now().timestamp(), 0.0)


def pod_from_template(template: dict[str, Any], parent: Object, owner_ref: dict[str, Any] | None) -> Object:
    """controller.GetPodFromTemplate: a pod named after its parent (generateName), with the template's metadata."""
    template_meta = template.get("metadata") or {}
    pod_meta: dict[str, Any] = {"generateName": f"{meta(parent)['name']}-"}
    for key in ("labels", "annotations"):
        if template_meta.get(key):
            pod_meta[key] = dict(template_meta[key])
    if template_meta.get("finalizers"):
        pod_meta["finalizers"] = list(template_meta["finalizers"])
    if owner_ref is not None:
        pod_meta["ownerReferences"] = [owner_ref]
    return {"metadata": pod_meta, "spec": deep_copy_json(template.get("spec") or {})}


class PodControl:
    """controller.RealPodControl: pods created and deleted through the API as one controller.

    With a recorder, it records upstream's events on the pods' controller: ``SuccessfulCreate``
    (``Created pod: <name>``), ``FailedCreate`` (``Error creating: <message>``) and
    ``SuccessfulDelete`` (``Deleted pod: <name>``).
    """

    def __init__(
        self, client: LoopbackClient, pods: Callable[[], ResourceSpec], recorder: EventRecorder | None = None
    ) -> None:
        self.client = client
        self._pods = pods
        self._recorder = recorder

    @property
    def spec(self) -> ResourceSpec:
        return self._pods()

    def create_pod(self, namespace: str, pod: Object) -> Object | None:
        """Create ``pod``; None when the namespace is being deleted (upstream ignores that error too)."""
        try:
            return self.client.create(self.spec, namespace, pod)
        except errors.StatusError as exc:
            if exc.code == 403 and "being terminated" in exc.message:
                return None
            raise

    def create_pods(self, namespace: str, template: dict[str, Any], parent: Object, owner_ref: dict[str, Any]) -> None:
        self.create_pod_of(parent, namespace, pod_from_template(template, parent, owner_ref))

    def create_pod_of(self, parent: Object, namespace: str, pod: Object) -> Object | None:
        """create_pod for the pods of ``parent``, recording the event of it on ``parent``."""
        try:
            created = self.create_pod(namespace, pod)
        except errors.StatusError as exc:
            if self._recorder is not None:
                self._recorder.event(parent, WARNING, "FailedCreate", f"Error creating: {exc.message}")
            raise
        if created is not None and self._recorder is not None:
            self._recorder.event(parent, NORMAL, "SuccessfulCreate", f"Created pod: {meta(created)['name']}")
        return created

    def delete_pod(self, pod: Object, parent: Object | None = None) -> bool:
        """Delete the pod (with its uid as a precondition); one already gone is not an error. Whether it was deleted."""
        pod_meta = meta(pod)
        try:
            self.client.delete(self.spec, pod_meta.get("namespace") or "", pod_meta["name"], uid=pod_meta.get("uid"))
        except errors.StatusError as exc:
            if exc.code not in (404, 409):
                raise
            return False
        if parent is not None and self._recorder is not None:
            self._recorder.event(parent, NORMAL, "SuccessfulDelete", f"Deleted pod: {pod_meta['name']}")
        return True


_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}


def _restart_count(pod: Object) -> int:
    return sum(int(s.get("restartCount") or 0) for s in status_of(pod).get("containerStatuses") or [])


def pod_deletion_cost(pod: Object) -> int:
    """The ``controller.kubernetes.io/pod-deletion-cost`` annotation (an int32; missing or invalid counts as 0)."""
    value = (meta(pod).get("annotations") or {}).get(POD_DELETION_COST)
    # strconv.ParseInt(value, 10, 32): an optional sign and decimal digits only.
    if not isinstance(value, str) or not _DECIMAL.fullmatch(value):
        return 0
    cost = int(value)
    return cost if -(2**31) <= cost < 2**31 else 0


def rank_pods_for_deletion(pods: list[Object], related: Iterable[Object] = ()) -> list[Object]:
    """``pods`` in ActivePodsWithRanks order: the ones a controller scaling down deletes first come first.

    Unassigned before assigned; Pending, then Unknown, then Running; not ready before ready;
    lower pod-deletion-cost first (PodDeletionCost, on by default); more pods of the same
    controller family (``related``, the ranks) on the pod's node first;
    ready for less time first; more restarts first; newer first.
    """
    on_node = Counter((spec_of(p).get("nodeName") or "") for p in (*pods, *related) if spec_of(p).get("nodeName"))

    def key(pod: Object) -> tuple[Any, ...]:
        node = spec_of(pod).get("nodeName") or ""
        since = ready_since(pod)
        created = meta(pod).get("creationTimestamp") or ""
        return (
            bool(node),
            _PHASE_RANK.get(pod_phase(pod), 3),
            is_pod_ready(pod),
            pod_deletion_cost(pod),
            -on_node[node] if node else 0,
            # Ready more recently first: negate the time by sorting its inverse.
            -(since.timestamp() if since else 0.0),
            -_restart_count(pod),
            _Reversed(created),
            meta(pod).get("name") or "",
        )

    return sorted(pods, key=key)


class _Reversed:
    """Sorts strings in descending order inside an otherwise ascending key."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __lt__(self, other: _Reversed) -> bool:
        return self.value > other.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reversed) and self.value == other.value

    def __hash__(self) -> int:
        return hash(self.value)


# -- hashes and conditions -----------------------------------------------------------------------


def fnv32a(data: bytes) -> int:
    value = _FNV32_OFFSET
    for byte in data:
        value = ((value ^ byte) * _FNV32_PRIME) & 0xFFFFFFFF
    return value


def safe_encode(value: str) -> str:
    """rand.SafeEncodeString."""
    return "".join(_SAFE_ALPHABET[ord(c) % len(_SAFE_ALPHABET)] for c in value)


def compute_hash(template: dict[str, Any], collision_count: int | None = None) -> str:
    """controller.ComputeHash: fnv32a of the template (and the collision count), safely encoded.

    Upstream hashes Go's printed form of the struct; this hashes canonical JSON, so the value
    differs from a real cluster's but has the same properties: stable for equal templates,
    changed by any edit, and changed by a collision count that breaks a name clash.
    """
    data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    if collision_count is not None:
        data += str(collision_count).encode()
    return safe_encode(str(fnv32a(data)))


def set_condition(conditions: list[dict[str, Any]], new: dict[str, Any]) -> list[dict[str, Any]]:
    """SetXCondition: replace the condition of the same type, keeping lastTransitionTime when its status is unchanged.

    ``new`` may leave out the times: lastTransitionTime (and lastUpdateTime where the kind has
    it, given as a key in ``new``) are stamped from the server clock.
    """
    now = now_rfc3339()
    result = [c for c in conditions if c.get("type") != new["type"]]
    old = next((c for c in conditions if c.get("type") == new["type"]), None)
    condition = dict(new)
    if "lastUpdateTime" in condition and not condition["lastUpdateTime"]:
        condition["lastUpdateTime"] = now
    if old is not None and old.get("status") == condition.get("status") and old.get("lastTransitionTime"):
        condition["lastTransitionTime"] = old["lastTransitionTime"]
    elif not condition.get("lastTransitionTime"):
        condition["lastTransitionTime"] = now
    result.append(condition)
    return result


def remove_condition(conditions: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [c for c in conditions if c.get("type") != kind]


def find_condition(conditions: Iterable[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    return next((c for c in conditions if c.get("type") == kind), None)
