"""What a StatefulSet's pods, claims and revisions look like (pkg/controller/statefulset/stateful_set_utils.go).

Pure functions over the objects as the API stores them (JSON dicts): a pod's identity
(``<set>-<ordinal>``, its pod-name and pod-index labels, hostname and subdomain), its storage
(one ``PersistentVolumeClaim`` volume per claim template, named ``<claim>-<set>-<ordinal>``),
the pod predicates the control loop counts with, the revision patch (``getPatch``) and the
ownerReferences a claim carries under the set's ``persistentVolumeClaimRetentionPolicy``.
"""

from __future__ import annotations

import re
from typing import Any

from fakeapi.apimachinery import intstr
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.controllers import controller_utils, history
from fakeapi.controllers.controller_utils import meta, spec_of, status_of
from fakeapi.storage.interfaces import Object

STATEFUL_SET_POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
STATEFUL_SET_REVISION_LABEL = history.CONTROLLER_REVISION_HASH_LABEL
# controllerKind and podKind: the group-version and kind an ownerReference names.
SET_API_VERSION, SET_KIND = "apps/v1", "StatefulSet"
POD_API_VERSION, POD_KIND = "v1", "Pod"
RETAIN = "Retain"
DELETE = "Delete"
ROLLING_UPDATE = "RollingUpdate"
ON_DELETE = "OnDelete"
PARALLEL = "Parallel"

# statefulPodRegex: the parent's name and the ordinal at the end of a pod's name.
_STATEFUL_POD_REGEX = re.compile(r"(.*)-([0-9]+)$")
_MAX_INT32 = 2**31 - 1


# -- identity -----------------------------------------------------------------------------------


def parent_name_and_ordinal(pod: Object) -> tuple[str, int]:
    """getParentNameAndOrdinal: ("", -1) for a pod whose name has no ordinal."""
    match = _STATEFUL_POD_REGEX.fullmatch(meta(pod).get("name") or "")
    if match is None:
        return "", -1
    ordinal = int(match.group(2))
    return match.group(1), ordinal if ordinal <= _MAX_INT32 else -1


def get_ordinal(pod: Object) -> int:
    return parent_name_and_ordinal(pod)[1]


def pod_name(stateful_set: Object, ordinal: int) -> str:
    return f"{meta(stateful_set)['name']}-{ordinal}"


def claim_name(stateful_set: Object, claim_template: Object, ordinal: int) -> str:
    """getPersistentVolumeClaimName: ``<claim>-<set>-<ordinal>``."""
    return f"{meta(claim_template).get('name')}-{meta(stateful_set)['name']}-{ordinal}"


def is_member_of(stateful_set: Object, pod: Object) -> bool:
    return parent_name_and_ordinal(pod)[0] == meta(stateful_set)["name"]


def replicas_of(stateful_set: Object) -> int:
    return int(spec_of(stateful_set).get("replicas") or 0)


def start_ordinal(stateful_set: Object) -> int:
    """getStartOrdinal: ``spec.ordinals.start`` (StatefulSetStartOrdinal is GA), else 0."""
    return int((spec_of(stateful_set).get("ordinals") or {}).get("start") or 0)


def end_ordinal(stateful_set: Object) -> int:
    return start_ordinal(stateful_set) + replicas_of(stateful_set) - 1


def pod_in_ordinal_range(pod: Object, stateful_set: Object) -> bool:
    ordinal = get_ordinal(pod)
    return start_ordinal(stateful_set) <= ordinal <= end_ordinal(stateful_set)


def identity_matches(stateful_set: Object, pod: Object) -> bool:
    """identityMatches: the pod's name, namespace and identity labels are those of its ordinal in the set."""
    parent, ordinal = parent_name_and_ordinal(pod)
    labels = meta(pod).get("labels") or {}
    return (
        ordinal >= 0
        and parent == meta(stateful_set)["name"]
        and meta(pod).get("name") == pod_name(stateful_set, ordinal)
        and meta(pod).get("namespace") == meta(stateful_set).get("namespace")
        and labels.get(STATEFUL_SET_POD_NAME_LABEL) == meta(pod).get("name")
        and labels.get(POD_INDEX_LABEL) == str(ordinal)
    )


def update_identity(stateful_set: Object, pod: Object) -> None:
    """updateIdentity: name, namespace and the pod-name and pod-index labels (PodIndexLabel is GA)."""
    ordinal = get_ordinal(pod)
    pod_meta = pod.setdefault("metadata", {})
    pod_meta["name"] = pod_name(stateful_set, ordinal)
    pod_meta["namespace"] = meta(stateful_set).get("namespace")
    labels = pod_meta.setdefault("labels", {})
    labels[STATEFUL_SET_POD_NAME_LABEL] = pod_meta["name"]
    labels[POD_INDEX_LABEL] = str(ordinal)


def init_identity(stateful_set: Object, pod: Object) -> None:
    """initIdentity: the identity, plus hostname and subdomain, which are immutable and so set only at creation."""
    update_identity(stateful_set, pod)
    pod_spec = pod.setdefault("spec", {})
    pod_spec["hostname"] = meta(pod)["name"]
    service_name = spec_of(stateful_set).get("serviceName")
    if service_name:
        pod_spec["subdomain"] = service_name


# -- storage ------------------------------------------------------------------------------------


def claim_templates(stateful_set: Object) -> list[Object]:
    templates: list[Object] = spec_of(stateful_set).get("volumeClaimTemplates") or []
    return templates


def claim_template_of(stateful_set: Object, name: str) -> Object | None:
    """The claim template a claim of this name was made from (``<claim>-<set>-<ordinal>``), if any."""
    for template in claim_templates(stateful_set):
        prefix = f"{meta(template).get('name')}-{meta(stateful_set)['name']}-"
        if name.startswith(prefix) and name[len(prefix) :].isdigit():
            return template
    return None


def persistent_volume_claims(stateful_set: Object, ordinal: int) -> list[tuple[str, Object]]:
    """getPersistentVolumeClaims: (template name, claim) for the pod at ``ordinal``, in template order.

    Each claim carries its template's labels with the set's ``selector.matchLabels`` over them.
    """
    match_labels = (spec_of(stateful_set).get("selector") or {}).get("matchLabels") or {}
    claims = []
    for template in claim_templates(stateful_set):
        claim_meta = deep_copy_json(meta(template))
        claim_meta["name"] = claim_name(stateful_set, template, ordinal)
        claim_meta["namespace"] = meta(stateful_set).get("namespace")
        claim_meta["labels"] = {**(claim_meta.get("labels") or {}), **match_labels}
        claims.append(
            (meta(template).get("name") or "", {"metadata": claim_meta, "spec": deep_copy_json(spec_of(template))})
        )
    return claims


def storage_matches(stateful_set: Object, pod: Object) -> bool:
    """storageMatches: every claim template has a volume of that name pointing at the ordinal's claim."""
    ordinal = get_ordinal(pod)
    if ordinal < 0:
        return False
    volumes = {v.get("name"): v for v in spec_of(pod).get("volumes") or []}
    for template in claim_templates(stateful_set):
        source = (volumes.get(meta(template).get("name")) or {}).get("persistentVolumeClaim")
        if source is None or source.get("claimName") != claim_name(stateful_set, template, ordinal):
            return False
    return True


def update_storage(stateful_set: Object, pod: Object) -> None:
    """updateStorage: the claim volumes first (replacing volumes of the same name), then the pod's others."""
    claims = persistent_volume_claims(stateful_set, get_ordinal(pod))
    names = {name for name, _ in claims}
    volumes = [{"name": name, "persistentVolumeClaim": {"claimName": meta(claim)["name"]}} for name, claim in claims]
    volumes += [v for v in spec_of(pod).get("volumes") or [] if v.get("name") not in names]
    if volumes:
        pod.setdefault("spec", {})["volumes"] = volumes


# -- pod predicates -----------------------------------------------------------------------------


def is_running_and_ready(pod: Object) -> bool:
    return controller_utils.pod_phase(pod) == "Running" and controller_utils.is_pod_ready(pod)


def is_running_and_available(pod: Object, min_ready_seconds: int) -> bool:
    """isRunningAndAvailable: podutil.IsPodAvailable (ready for ``minReadySeconds``)."""
    return controller_utils.is_pod_available(pod, min_ready_seconds)


def is_created(pod: Object) -> bool:
    """isCreated: the API server gave the pod a phase (a pod only planned in this sync has none)."""
    return bool(controller_utils.pod_phase(pod))


def is_pending(pod: Object) -> bool:
    return controller_utils.pod_phase(pod) == "Pending"


def is_failed(pod: Object) -> bool:
    return controller_utils.pod_phase(pod) == "Failed"


def is_succeeded(pod: Object) -> bool:
    return controller_utils.pod_phase(pod) == "Succeeded"


def is_terminating(pod: Object) -> bool:
    return bool(meta(pod).get("deletionTimestamp"))


def is_healthy(pod: Object) -> bool:
    return is_running_and_ready(pod) and not is_terminating(pod)


def allows_burst(stateful_set: Object) -> bool:
    """allowsBurst: Parallel pod management creates and deletes without waiting for the others."""
    return spec_of(stateful_set).get("podManagementPolicy") == PARALLEL


def pod_revision(pod: Object) -> str:
    return str((meta(pod).get("labels") or {}).get(STATEFUL_SET_REVISION_LABEL) or "")


def min_ready_seconds(stateful_set: Object) -> int:
    return int(spec_of(stateful_set).get("minReadySeconds") or 0)


# -- new pods -----------------------------------------------------------------------------------


def new_stateful_set_pod(stateful_set: Object, ordinal: int) -> Object:
    """newStatefulSetPod: the template's pod, controlled by the set, with the ordinal's identity and storage."""
    owner_ref = controller_utils.new_controller_ref(stateful_set, SET_API_VERSION, SET_KIND)
    pod = controller_utils.pod_from_template(spec_of(stateful_set).get("template") or {}, stateful_set, owner_ref)
    del pod["metadata"]["generateName"]
    pod["metadata"]["name"] = pod_name(stateful_set, ordinal)
    init_identity(stateful_set, pod)
    update_storage(stateful_set, pod)
    return pod


def update_strategy(stateful_set: Object) -> dict[str, Any]:
    result: dict[str, Any] = spec_of(stateful_set).get("updateStrategy") or {}
    return result


def new_versioned_stateful_set_pod(
    current_set: Object, update_set: Object, current_revision: str, update_revision: str, ordinal: int
) -> Object:
    """newVersionedStatefulSetPod: below the partition (or the current replicas) a pod keeps the current revision.

    The condition is upstream's as Go evaluates it (``&&`` binds tighter than ``||``): with an
    OnDelete strategy (no rollingUpdate) every new pod is made at the update revision.
    """
    strategy = update_strategy(current_set)
    rolling = strategy.get("rollingUpdate")
    start = start_ordinal(current_set)
    current_replicas = int(status_of(current_set).get("currentReplicas") or 0)
    keeps_current = (
        strategy.get("type") == ROLLING_UPDATE and rolling is None and ordinal < start + current_replicas
    ) or (rolling is not None and ordinal < start + int(rolling.get("partition") or 0))
    chosen, revision = (current_set, current_revision) if keeps_current else (update_set, update_revision)
    pod = new_stateful_set_pod(chosen, ordinal)
    pod["metadata"].setdefault("labels", {})[STATEFUL_SET_REVISION_LABEL] = revision
    return pod


# -- revisions ----------------------------------------------------------------------------------


def new_revision(stateful_set: Object, revision: int, collision_count: int) -> Object:
    """newRevision: a ControllerRevision holding the set's patch, labelled as its pods, with the set's annotations."""
    owner_ref = controller_utils.new_controller_ref(stateful_set, SET_API_VERSION, SET_KIND)
    template_labels = (spec_of(stateful_set).get("template") or {}).get("metadata", {}).get("labels") or {}
    result = history.new_controller_revision(
        stateful_set, owner_ref, template_labels, history.template_patch(stateful_set), revision, collision_count
    )
    annotations = meta(stateful_set).get("annotations")
    if annotations:
        result["metadata"]["annotations"] = dict(annotations)
    return result


def apply_revision(stateful_set: Object, revision: Object) -> Object:
    """ApplyRevision: the set with the revision's template.

    Upstream applies the revision's data as a strategic merge patch; since every patch
    getPatch writes replaces the template whole (``$patch: replace``), that is the template
    the patch carries.
    """
    restored = deep_copy_json(stateful_set)
    template = deep_copy_json(((revision.get("data") or {}).get("spec") or {}).get("template") or {})
    template.pop("$patch", None)
    restored.setdefault("spec", {})["template"] = template
    return restored


# -- status -------------------------------------------------------------------------------------

# The status fields inconsistentStatus compares.
_COMPARED_STATUS_FIELDS = (
    "replicas",
    "currentReplicas",
    "readyReplicas",
    "updatedReplicas",
    "currentRevision",
    "availableReplicas",
    "updateRevision",
)
# Fields the API omits when zero or empty (omitempty in StatefulSetStatus).
_OMIT_EMPTY_STATUS_FIELDS = ("observedGeneration", "readyReplicas", "currentReplicas", "updatedReplicas")


def inconsistent_status(stateful_set: Object, status: dict[str, Any]) -> bool:
    """inconsistentStatus: a newer observedGeneration, or any counted field or revision differs."""
    old = status_of(stateful_set)
    if int(status.get("observedGeneration") or 0) > int(old.get("observedGeneration") or 0):
        return True
    return any((status.get(f) or 0) != (old.get(f) or 0) for f in _COMPARED_STATUS_FIELDS)


def complete_rolling_update(stateful_set: Object, status: dict[str, Any]) -> None:
    """completeRollingUpdate: once every replica is updated and ready, the update revision becomes current."""
    replicas = replicas_of(stateful_set)
    if (
        update_strategy(stateful_set).get("type") == ROLLING_UPDATE
        and status.get("updatedReplicas") == replicas
        and status.get("readyReplicas") == replicas
        and status.get("replicas") == replicas
    ):
        status["currentReplicas"] = status["updatedReplicas"]
        status["currentRevision"] = status["updateRevision"]


def status_as_written(status: dict[str, Any], conditions: list[dict[str, Any]] | None) -> dict[str, Any]:
    """The status as the API serialises it: omitempty fields dropped when zero; conditions kept as they were."""
    result = {k: v for k, v in status.items() if not (k in _OMIT_EMPTY_STATUS_FIELDS and not v)}
    if conditions:
        result["conditions"] = conditions
    return result


def max_unavailable(stateful_set: Object) -> int:
    """getStatefulSetMaxUnavailable: rollingUpdate.maxUnavailable of the replicas (rounded down), at least 1."""
    rolling = update_strategy(stateful_set).get("rollingUpdate") or {}
    value = intstr.get_scaled_value_from_int_or_percent(
        rolling.get("maxUnavailable", 1), replicas_of(stateful_set), False
    )
    return max(value, 1)


# -- claim retention ----------------------------------------------------------------------------


def retention_policy(stateful_set: Object) -> tuple[str, str]:
    """getPersistentVolumeClaimRetentionPolicy: (whenDeleted, whenScaled), Retain where unset."""
    policy = spec_of(stateful_set).get("persistentVolumeClaimRetentionPolicy") or {}
    return policy.get("whenDeleted") or RETAIN, policy.get("whenScaled") or RETAIN


def _refs(obj: Object) -> list[dict[str, Any]]:
    refs: list[dict[str, Any]] = meta(obj).get("ownerReferences") or []
    return refs


def matches_ref(ref: dict[str, Any], obj: Object, api_version: str, kind: str) -> bool:
    """matchesRef: the reference names ``obj`` by group-version, kind and name (not uid)."""
    return ref.get("apiVersion") == api_version and ref.get("kind") == kind and ref.get("name") == meta(obj).get("name")


def _uid(obj: Object) -> str:
    return str(meta(obj).get("uid") or "")


def has_owner_ref(target: Object, owner: Object) -> bool:
    return any(ref.get("uid") == _uid(owner) for ref in _refs(target))


def has_stale_owner_ref(target: Object, owner: Object, api_version: str, kind: str) -> bool:
    """hasStaleOwnerRef: the first reference naming ``owner`` carries another uid (an earlier object of that name)."""
    for ref in _refs(target):
        if matches_ref(ref, owner, api_version, kind):
            return ref.get("uid") != _uid(owner)
    return False


def has_unexpected_controller(claim: Object, stateful_set: Object, pod: Object) -> bool:
    """hasUnexpectedController: under a deleting policy, something other than this set or pod controls the claim."""
    if retention_policy(stateful_set) == (RETAIN, RETAIN):
        return False
    for ref in _refs(claim):
        if matches_ref(ref, stateful_set, SET_API_VERSION, SET_KIND):
            if ref.get("uid") != _uid(stateful_set):
                return True
            continue
        if matches_ref(ref, pod, POD_API_VERSION, POD_KIND):
            if ref.get("uid") != _uid(pod):
                return True
            continue
        if ref.get("controller"):
            return True
    return False


def has_non_controller_owner(claim: Object, stateful_set: Object, pod: Object) -> bool:
    """hasNonControllerOwner: the set or pod owns the claim without being its controller."""
    return any(ref.get("uid") in (_uid(stateful_set), _uid(pod)) and not ref.get("controller") for ref in _refs(claim))


def is_claim_owner_up_to_date(claim: Object, stateful_set: Object, pod: Object) -> bool:
    """isClaimOwnerUpToDate: the claim's references follow the retention policy (stale or foreign ones are left alone).

    Retain/Retain: no reference; Delete on set deletion only: the set; Delete on scale-down:
    the pod once it is scaled down (and, when both delete, the set while it is not).
    """
    if has_stale_owner_ref(claim, stateful_set, SET_API_VERSION, SET_KIND) or has_stale_owner_ref(
        claim, pod, POD_API_VERSION, POD_KIND
    ):
        return True
    if has_unexpected_controller(claim, stateful_set, pod):
        return not (has_owner_ref(claim, stateful_set) or has_owner_ref(claim, pod))
    if has_non_controller_owner(claim, stateful_set, pod):
        return False
    want_set, want_pod = _wanted_owners(stateful_set, pod)
    return has_owner_ref(claim, stateful_set) == want_set and has_owner_ref(claim, pod) == want_pod


def _wanted_owners(stateful_set: Object, pod: Object) -> tuple[bool, bool]:
    """Whether the policy wants the claim owned by the set, and by the pod."""
    when_deleted, when_scaled = retention_policy(stateful_set)
    scaled_down = not pod_in_ordinal_range(pod, stateful_set)
    if when_scaled == DELETE:
        return when_deleted == DELETE and not scaled_down, scaled_down
    return when_deleted == DELETE, False


def update_claim_owner_refs(claim: Object, stateful_set: Object, pod: Object) -> None:
    """updateClaimOwnerRefForSetAndPod: drop the references to this set and pod, then add the ones the policy wants.

    The references added are controller references (``metav1.NewControllerRef``); with an
    unexpected controller on the claim none are added.
    """
    unexpected = has_unexpected_controller(claim, stateful_set, pod)
    refs = [
        ref
        for ref in _refs(claim)
        if not matches_ref(ref, stateful_set, SET_API_VERSION, SET_KIND)
        and not matches_ref(ref, pod, POD_API_VERSION, POD_KIND)
    ]
    if not unexpected:
        want_set, want_pod = _wanted_owners(stateful_set, pod)
        if want_pod:
            refs.append(controller_utils.new_controller_ref(pod, POD_API_VERSION, POD_KIND))
        if want_set:
            refs.append(controller_utils.new_controller_ref(stateful_set, SET_API_VERSION, SET_KIND))
    claim.setdefault("metadata", {})["ownerReferences"] = refs
