"""A DaemonSet's rolling update and its ControllerRevisions (pkg/controller/daemon/update.go).

``rolling_update`` decides which old pods go (and, with maxSurge, which nodes get a new pod
beside the old one) so that at most ``maxUnavailable`` nodes are without an available pod;
the controller then deletes and creates them as its manage loop does (``syncNodes``).
``DaemonSetHistory`` keeps the revisions: the current one (``constructHistory``, ``snapshot``,
``dedupCurHistories``) and the old ones a ``revisionHistoryLimit`` allows (``cleanupHistory``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.apimachinery.labels import selector_from_label_selector_dict
from fakeapi.controllers import history
from fakeapi.controllers.client import LoopbackClient
from fakeapi.controllers.controller_utils import claim, is_pod_available, meta, spec_of, status_of
from fakeapi.controllers.daemon.util import (
    DEFAULT_DAEMON_SET_UNIQUE_LABEL_KEY,
    is_pod_updated,
    node_should_run_daemon_pod,
    surge_count,
    template_generation,
    unavailable_count,
)
from fakeapi.controllers.informer import Lister
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.storage.interfaces import Object

NodeToDaemonPods = dict[str, list[Object]]


# -- rolling update -----------------------------------------------------------------------------


def find_updated_pods_on_node(
    ds: Object, pods_on_node: list[Object], hash_value: str
) -> tuple[Object | None, Object | None, bool]:
    """findUpdatedPodsOnNode: the node's new pod and old pod; not ok when it has more than one of either."""
    generation = template_generation(ds)
    new_pod: Object | None = None
    old_pod: Object | None = None
    for pod in pods_on_node:
        if meta(pod).get("deletionTimestamp"):
            continue
        if is_pod_updated(pod, hash_value, generation):
            if new_pod is not None:
                return None, None, False
            new_pod = pod
        else:
            if old_pod is not None:
                return None, None, False
            old_pod = pod
    return new_pod, old_pod, True


def updated_desired_node_counts(
    ds: Object, nodes: list[Object], node_to_daemon_pods: NodeToDaemonPods
) -> tuple[int, int, int]:
    """updatedDesiredNodeCounts: (maxSurge, maxUnavailable, desired); nodes that should run a pod join the map.

    A configuration that allows neither surge nor unavailability would never progress: it is
    treated as maxUnavailable 1, as upstream does.
    """
    desired = 0
    for node in nodes:
        should_run, _ = node_should_run_daemon_pod(node, ds)
        if not should_run:
            continue
        desired += 1
        node_to_daemon_pods.setdefault(meta(node)["name"], [])
    max_unavailable = unavailable_count(ds, desired)
    max_surge = surge_count(ds, desired)
    if desired > 0 and max_unavailable == 0 and max_surge == 0:
        max_unavailable = 1
    return max_surge, max_unavailable, desired


def rolling_update(
    ds: Object, nodes: list[Object], node_to_daemon_pods: NodeToDaemonPods, hash_value: str, now: datetime
) -> tuple[list[Object], list[str]]:
    """rollingUpdate: (old pods to delete, nodes to create a new pod on) for this step of the update.

    Without surge an old pod is deleted (and replaced by the manage loop) while fewer than
    maxUnavailable nodes lack an available pod; an old pod that is not available anyway goes at
    once. With surge a new pod is started beside the old one on up to maxSurge nodes, and the
    old one goes when the new one is available. Nodes are visited in name order (upstream's map
    order is random), so the same state always gives the same step.
    """
    node_to_daemon_pods = {name: list(pods) for name, pods in node_to_daemon_pods.items()}
    max_surge, max_unavailable, _ = updated_desired_node_counts(ds, nodes, node_to_daemon_pods)
    min_ready = int(spec_of(ds).get("minReadySeconds") or 0)

    def available(pod: Object) -> bool:
        return is_pod_available(pod, min_ready, now)

    if max_surge == 0:
        unavailable = 0
        allowed_replacements: list[Object] = []
        candidates: list[Object] = []
        for name in sorted(node_to_daemon_pods):
            new_pod, old_pod, ok = find_updated_pods_on_node(ds, node_to_daemon_pods[name], hash_value)
            if not ok or (old_pod is None) == (new_pod is None):
                # The manage loop cleans the node up or creates its pod: it counts as unavailable meanwhile.
                unavailable += 1
            elif new_pod is not None:
                if not available(new_pod):
                    unavailable += 1
            elif old_pod is not None:
                if not available(old_pod):
                    allowed_replacements.append(old_pod)
                elif unavailable < max_unavailable:
                    candidates.append(old_pod)
        remaining = min(max(max_unavailable - unavailable, 0), len(candidates))
        return allowed_replacements + candidates[:remaining], []

    surged = 0
    old_pods_to_delete: list[Object] = []
    allowed_new_nodes: list[str] = []
    candidate_new_nodes: list[str] = []
    for name in sorted(node_to_daemon_pods):
        new_pod, old_pod, ok = find_updated_pods_on_node(ds, node_to_daemon_pods[name], hash_value)
        if not ok:
            surged += 1
        elif old_pod is None:
            continue  # the manage loop gives the node its pod
        elif new_pod is None:
            if not available(old_pod):
                allowed_new_nodes.append(name)
            elif surged < max_surge:
                candidate_new_nodes.append(name)
        elif not available(new_pod):
            surged += 1
        else:
            old_pods_to_delete.append(old_pod)
    remaining = min(max(max_surge - surged, 0), len(candidate_new_nodes))
    return old_pods_to_delete, allowed_new_nodes + candidate_new_nodes[:remaining]


# -- history ------------------------------------------------------------------------------------


def match(ds: Object, revision: Object) -> bool:
    """match: the revision holds the DaemonSet's current template."""
    return revision.get("data") == history.template_patch(ds)


class DaemonSetHistory:
    """The ControllerRevisions of DaemonSets, written through the controller's client."""

    def __init__(
        self,
        client: LoopbackClient,
        revisions: Lister,
        revisions_spec: Callable[[], ResourceSpec],
        owner_ref: Callable[[Object], dict[str, Any]],
        relabel_pod: Callable[[Object, str], None],
    ) -> None:
        self._client = client
        self._revisions = revisions
        self._spec = revisions_spec
        self._owner_ref = owner_ref
        self._relabel_pod = relabel_pod

    def _histories(self) -> history.Histories:
        return history.Histories(self._client, self._revisions, self._spec())

    def controlled_histories(self, ds: Object, can_adopt: Callable[[], bool]) -> list[Object]:
        """controlledHistories: the revisions the DaemonSet owns after adopting orphans its selector matches."""
        selector = selector_from_label_selector_dict(spec_of(ds).get("selector"))
        candidates = self._revisions.list(meta(ds).get("namespace"))
        owned = claim(self._client, self._spec(), ds, self._owner_ref(ds), selector, candidates, can_adopt)
        return history.sort_revisions(owned)

    def construct_history(
        self, ds: Object, pods: list[Object], can_adopt: Callable[[], bool]
    ) -> tuple[Object, list[Object], int | None]:
        """constructHistory: (current revision, old revisions, collision count if a name clash changed it).

        Revisions without the hash label get their name as it, as upstream (the name is unique,
        a hash might not be). The current revision is the one whose data is the template (made
        if none is); it is renumbered past every old one, so a return to an earlier template
        becomes the newest revision again.
        """
        current: list[Object] = []
        old: list[Object] = []
        for revision in self.controlled_histories(ds, can_adopt):
            labels = meta(revision).get("labels") or {}
            if DEFAULT_DAEMON_SET_UNIQUE_LABEL_KEY not in labels:
                revision = deep_copy_json(revision)
                revision["metadata"].setdefault("labels", {})[DEFAULT_DAEMON_SET_UNIQUE_LABEL_KEY] = meta(revision)[
                    "name"
                ]
                revision = self._client.update(self._spec(), revision)
            (current if match(ds, revision) else old).append(revision)
        number = history.next_revision(old)
        collision_count: int | None = None
        if not current:
            cur, collision_count = self._snapshot(ds, number)
        else:
            cur = self._dedup_cur_histories(current, pods)
            cur = self._histories().update_revision(cur, max(history.revision_number(cur), number))
        return cur, old, collision_count

    def _snapshot(self, ds: Object, number: int) -> tuple[Object, int | None]:
        """snapshot: a new revision of the template; a clash with a different revision raises the collision count."""
        counted = status_of(ds).get("collisionCount")
        start = int(counted or 0)
        template_labels = ((spec_of(ds).get("template") or {}).get("metadata") or {}).get("labels") or {}
        revision = history.new_controller_revision(
            ds, self._owner_ref(ds), template_labels, history.template_patch(ds), number, counted
        )
        if meta(ds).get("annotations"):
            revision["metadata"]["annotations"] = dict(meta(ds)["annotations"])
        created, used = self._histories().create(ds, revision, start)
        return created, (used if used != start else None)

    def _dedup_cur_histories(self, current: list[Object], pods: list[Object]) -> Object:
        """dedupCurHistories: keep the newest of equal revisions; pods of the others are relabelled to it first."""
        ordered = history.sort_revisions(current)
        keep = ordered[-1]
        keep_hash = (meta(keep).get("labels") or {})[DEFAULT_DAEMON_SET_UNIQUE_LABEL_KEY]
        for duplicate in ordered[:-1]:
            duplicate_hash = (meta(duplicate).get("labels") or {}).get(DEFAULT_DAEMON_SET_UNIQUE_LABEL_KEY)
            for pod in pods:
                if (meta(pod).get("labels") or {}).get(DEFAULT_DAEMON_SET_UNIQUE_LABEL_KEY) == duplicate_hash:
                    self._relabel_pod(pod, keep_hash)
            self._histories().delete(duplicate)
        return keep

    def cleanup_history(self, ds: Object, old: list[Object], pods: list[Object]) -> None:
        """cleanupHistory: delete the oldest revisions beyond revisionHistoryLimit that no live pod still uses."""
        limit = int(spec_of(ds).get("revisionHistoryLimit") or 0)
        to_kill = len(old) - limit
        if to_kill <= 0:
            return
        live_hashes = {(meta(p).get("labels") or {}).get(DEFAULT_DAEMON_SET_UNIQUE_LABEL_KEY) for p in pods}
        for revision in history.sort_revisions(old):
            if to_kill <= 0:
                break
            if (meta(revision).get("labels") or {}).get(DEFAULT_DAEMON_SET_UNIQUE_LABEL_KEY) in live_hashes:
                continue
            self._histories().delete(revision)
            to_kill -= 1
