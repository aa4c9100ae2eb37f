"""The StatefulSet controller: its informers' handlers and its sync (pkg/controller/statefulset/stateful_set.go).

Keys are ``<namespace>/<name>``. A set is queued when it changes, when a pod it controls
changes or goes, and when an orphan pod its selector matches appears (adoption). A sync
adopts orphan ControllerRevisions, claims its member pods (``<set>-<ordinal>``) and hands them
to :class:`StatefulSetControl`; a set with ``minReadySeconds`` whose pods are not all available
yet is looked at again once they may be.

Upstream relies on its informers' periodic resync to notice that a claim left by an earlier
pod of the same ordinal is gone (``PodClaimIsStale``); here the set is queued when one of its
claims is deleted.
"""

from __future__ import annotations

from typing import Any

from fakeapi.apimachinery.labels import LabelSelector, SelectorParseError, selector_from_label_selector_dict
from fakeapi.controllers import controller_utils, history
from fakeapi.controllers.base import QueueController, retry_on_conflict
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.controller_utils import meta, spec_of
from fakeapi.controllers.history import Histories
from fakeapi.controllers.informer import ResourceEventHandlerFuncs
from fakeapi.controllers.statefulset import stateful_set_utils as utils
from fakeapi.controllers.statefulset.stateful_pod_control import StatefulPodControl
from fakeapi.controllers.statefulset.stateful_set_control import StatefulSetControl
from fakeapi.storage.interfaces import Object

NAME = "statefulset"
SERVICE_ACCOUNT = "statefulset-controller"
STATEFUL_SETS_PREFIX = "apps/statefulsets"
PODS_PREFIX = controller_utils.PODS_PREFIX
CLAIMS_PREFIX = "persistentvolumeclaims"
# retry.DefaultRetry's steps, for the status update (stateful_set_status_updater.go).
MAX_STATUS_RETRIES = 5


def key_of(obj: Object) -> str:
    return f"{meta(obj).get('namespace') or ''}/{meta(obj)['name']}"


def _selector(stateful_set: Object) -> LabelSelector | None:
    try:
        return selector_from_label_selector_dict(spec_of(stateful_set).get("selector"))
    except SelectorParseError:
        return None


class StatefulSetController(QueueController[str]):
    """StatefulSetController: syncs one set per key as ``statefulset-controller``."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(NAME, self._sync, ctx.log)
        self._ctx = ctx
        self._client = ctx.client(SERVICE_ACCOUNT)
        self._sets = ctx.informers.lister(STATEFUL_SETS_PREFIX)
        self._pod_lister = ctx.informers.lister(PODS_PREFIX)
        self._revisions = ctx.informers.lister(history.PREFIX)
        self._pod_control = StatefulPodControl(
            self._client,
            lambda: ctx.spec(PODS_PREFIX),
            lambda: ctx.spec(CLAIMS_PREFIX),
            self._pod_lister,
            ctx.informers.lister(CLAIMS_PREFIX),
            ctx.recorder(self._client, SERVICE_ACCOUNT),
        )
        self._control = StatefulSetControl(
            self._pod_control, Histories(self._client, self._revisions, ctx.spec(history.PREFIX)), self._update_status
        )
        ctx.informers.add_event_handler(
            STATEFUL_SETS_PREFIX,
            ResourceEventHandlerFuncs(
                add=self._enqueue_set,
                update=lambda _, new: self._enqueue_set(new),
                delete=self._enqueue_set,
            ),
        )
        ctx.informers.add_event_handler(
            PODS_PREFIX, ResourceEventHandlerFuncs(add=self._add_pod, update=self._update_pod, delete=self._delete_pod)
        )
        ctx.informers.add_event_handler(CLAIMS_PREFIX, ResourceEventHandlerFuncs(delete=self._delete_claim))

    # -- event handlers (under the storage lock: only enqueue) ---------------------------------

    def _enqueue_set(self, stateful_set: Object, cause: str = "statefulset") -> None:
        self.enqueue_key(key_of(stateful_set), cause)

    def _resolve_controller_ref(self, namespace: str, ref: dict[str, Any] | None) -> Object | None:
        """resolveControllerRef: the set a controller reference names, if it is still that set (same uid)."""
        if ref is None or ref.get("kind") != utils.SET_KIND or ref.get("apiVersion") != utils.SET_API_VERSION:
            return None
        stateful_set = self._sets.get(namespace, ref.get("name") or "")
        if stateful_set is None or meta(stateful_set).get("uid") != ref.get("uid"):
            return None
        return stateful_set

    def _pod_stateful_sets(self, pod: Object) -> list[Object]:
        """getPodStatefulSets: the sets in the pod's namespace whose selector matches it (candidates to adopt it)."""
        labels = meta(pod).get("labels") or {}
        matching = []
        for stateful_set in self._sets.list(meta(pod).get("namespace")):
            selector = _selector(stateful_set)
            if selector is not None and not selector.empty and selector.matches(labels):
                matching.append(stateful_set)
        return matching

    def _add_pod(self, pod: Object) -> None:
        if meta(pod).get("deletionTimestamp"):
            self._delete_pod(pod)
            return
        namespace = meta(pod).get("namespace") or ""
        ref = controller_utils.controller_ref(pod)
        if ref is not None:
            stateful_set = self._resolve_controller_ref(namespace, ref)
            if stateful_set is not None:
                self._enqueue_set(stateful_set, "pod added")
            return
        for stateful_set in self._pod_stateful_sets(pod):
            self._enqueue_set(stateful_set, "orphan pod added")

    def _update_pod(self, old: Object, new: Object) -> None:
        if meta(old).get("resourceVersion") == meta(new).get("resourceVersion"):
            return
        namespace = meta(new).get("namespace") or ""
        labels_changed = meta(old).get("labels") != meta(new).get("labels")
        old_ref, new_ref = controller_utils.controller_ref(old), controller_utils.controller_ref(new)
        if old_ref != new_ref and old_ref is not None:
            stateful_set = self._resolve_controller_ref(namespace, old_ref)
            if stateful_set is not None:
                self._enqueue_set(stateful_set, "pod released")
        if new_ref is not None:
            stateful_set = self._resolve_controller_ref(namespace, new_ref)
            if stateful_set is not None:
                self._enqueue_set(stateful_set, "pod updated")
            return
        if labels_changed or old_ref != new_ref:
            for stateful_set in self._pod_stateful_sets(new):
                self._enqueue_set(stateful_set, "orphan pod updated")

    def _delete_pod(self, pod: Object) -> None:
        stateful_set = self._resolve_controller_ref(
            meta(pod).get("namespace") or "", controller_utils.controller_ref(pod)
        )
        if stateful_set is not None:
            self._enqueue_set(stateful_set, "pod deleted")

    def _delete_claim(self, claim: Object) -> None:
        """A set waiting for an earlier pod's claim to go (whenScaled Delete) can create that pod now."""
        name = meta(claim).get("name") or ""
        for stateful_set in self._sets.list(meta(claim).get("namespace")):
            if utils.claim_template_of(stateful_set, name) is not None:
                self._enqueue_set(stateful_set, "claim deleted")

    # -- sync ----------------------------------------------------------------------------------

    def _sync(self, key: str) -> None:
        """sync: adopt orphan revisions, claim the member pods, update the set."""
        namespace, _, name = key.partition("/")
        stateful_set = self._sets.get(namespace, name)
        if stateful_set is None:
            return
        selector = _selector(stateful_set)
        if selector is None:
            # A selector that does not parse is not retried (upstream: a non-transient error).
            return
        self._adopt_orphan_revisions(stateful_set, selector)
        pods = self._pods_for_stateful_set(stateful_set, selector)
        status = self._control.update_stateful_set(stateful_set, pods)
        min_ready = utils.min_ready_seconds(stateful_set)
        if min_ready > 0 and status.get("availableReplicas") != utils.replicas_of(stateful_set):
            self.enqueue_after(key, min_ready, "minReadySeconds")

    def _owner_ref(self, stateful_set: Object) -> dict[str, Any]:
        return controller_utils.new_controller_ref(stateful_set, utils.SET_API_VERSION, utils.SET_KIND)

    def _can_adopt(self, stateful_set: Object) -> bool:
        """RecheckDeletionTimestamp: the set is still the one of that uid and is not being deleted."""
        current = self._sets.get(meta(stateful_set).get("namespace") or "", meta(stateful_set)["name"])
        return (
            current is not None
            and meta(current).get("uid") == meta(stateful_set).get("uid")
            and not meta(current).get("deletionTimestamp")
        )

    def _adopt_orphan_revisions(self, stateful_set: Object, selector: LabelSelector) -> None:
        """adoptOrphanRevisions: revisions the selector matches that no one controls become the set's."""
        orphans = [
            r
            for r in self._revisions.list(meta(stateful_set).get("namespace"))
            if controller_utils.controller_ref(r) is None and selector.matches(meta(r).get("labels") or {})
        ]
        if orphans:
            controller_utils.claim(
                self._client,
                self._ctx.spec(history.PREFIX),
                stateful_set,
                self._owner_ref(stateful_set),
                selector,
                orphans,
                lambda: self._can_adopt(stateful_set),
            )

    def _pods_for_stateful_set(self, stateful_set: Object, selector: LabelSelector) -> list[Object]:
        """getPodsForStatefulSet: the member pods (by name) the set controls after adoption and release."""
        members = [
            p for p in self._pod_lister.list(meta(stateful_set).get("namespace")) if utils.is_member_of(stateful_set, p)
        ]
        return controller_utils.claim(
            self._client,
            self._ctx.spec(PODS_PREFIX),
            stateful_set,
            self._owner_ref(stateful_set),
            selector,
            members,
            lambda: self._can_adopt(stateful_set),
        )

    def _update_status(self, stateful_set: Object, status: dict[str, Any]) -> None:
        """UpdateStatefulSetStatus: PUT /status on the latest set, retrying conflicts."""
        namespace, name = meta(stateful_set).get("namespace") or "", meta(stateful_set)["name"]

        def write() -> None:
            current = self._sets.get(namespace, name)
            if current is None:
                return
            conditions = (current.get("status") or {}).get("conditions")
            updated = {**current, "status": utils.status_as_written(status, conditions)}
            self._client.update(self._ctx.spec(STATEFUL_SETS_PREFIX), updated, subresource="status")

        retry_on_conflict(
            MAX_STATUS_RETRIES, write, f"status update of statefulset {namespace}/{name} kept conflicting"
        )
