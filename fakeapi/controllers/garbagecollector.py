"""The garbage collector: dependents follow their owners (ownerReferences) out of the cluster.

Follows pkg/controller/garbagecollector (garbagecollector.go, graph_builder.go, graph.go,
patch.go). Every committed change of every resource feeds a graph of objects by uid, with
each owner's dependents; changes queue work for two kinds of items, as upstream's two queues:

- ``attemptToDelete`` of an object: its owner references are classified by looking each owner
  up (solid: it exists with that uid; dangling: it does not, or has another uid, or is not in
  the dependent's namespace; waiting: it is being deleted in the foreground). With a solid
  owner, dangling and waiting references are removed; without one the object is deleted, in
  the foreground if a waiting owner needs it to clear its own dependents first. An object
  deleting its dependents in the foreground loses its ``foregroundDeletion`` finalizer once no
  dependent with ``blockOwnerDeletion`` is left.
- ``attemptToOrphan`` of an owner with the ``orphan`` finalizer: the owner's reference is
  removed from each dependent, then the finalizer from the owner.

Upstream adds a "virtual" node for an owner it has not observed and verifies it with a GET;
here the graph sees every change in revision order, so an owner missing from the graph, or
observed with other coordinates, means the dependent is checked at once by looking its owners
up in the storage, and deleted when none of them is there.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.controllers.base import QueueController, Requeue, retry_on_conflict
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.informer import ADDED, DELETED, MODIFIED
from fakeapi.registry.generic.store import FOREGROUND_FINALIZER, ORPHAN_FINALIZER, Store
from fakeapi.storage.interfaces import Event, Object, ObjectKey

NAME = "garbagecollector"
SERVICE_ACCOUNT = "generic-garbage-collector"
ATTEMPT_TO_DELETE = "attemptToDelete"
ATTEMPT_TO_ORPHAN = "attemptToOrphan"
# Applying the queued storage events to the graph: not a work item of its own upstream, so not logged.
GRAPH_CHANGES = ("graphChanges", "")
# retry.DefaultBackoff's steps: how often a patch that keeps conflicting is retried within one sync.
MAX_CONFLICT_RETRIES = 4

GCKey = tuple[str, str]
OwnerReference = dict[str, Any]
# Given an object's metadata, the metadata merge patch to send, or None when there is nothing to change.
MetadataChange = Callable[[dict[str, Any]], dict[str, Any] | None]


@dataclass(frozen=True)
class ObjectReference:
    """An object's coordinates in the graph (upstream's objectReference)."""

    api_version: str
    kind: str
    namespace: str
    name: str
    uid: str


@dataclass
class Node:
    identity: ObjectReference
    prefix: str
    owners: list[OwnerReference]
    being_deleted: bool = False
    deleting_dependents: bool = False

    def blocks(self, owner_uid: str) -> bool:
        """Whether this dependent's reference to ``owner_uid`` has blockOwnerDeletion."""
        return any(ref.get("uid") == owner_uid and ref.get("blockOwnerDeletion") for ref in self.owners)


def _meta(obj: Object) -> dict[str, Any]:
    meta: dict[str, Any] = obj.get("metadata") or {}
    return meta


def _has_finalizer(obj: Object, finalizer: str) -> bool:
    return finalizer in (_meta(obj).get("finalizers") or [])


def _deletion_starts_with(old: Object | None, new: Object, finalizer: str) -> bool:
    """deletionStartsWithFinalizer: ``new`` is being deleted with ``finalizer`` and ``old`` was not."""
    if not _meta(new).get("deletionTimestamp") or not _has_finalizer(new, finalizer):
        return False
    return old is None or not _meta(old).get("deletionTimestamp") or not _has_finalizer(old, finalizer)


def _references_diffs(
    old: list[OwnerReference], new: list[OwnerReference]
) -> tuple[list[OwnerReference], list[OwnerReference], list[tuple[OwnerReference, OwnerReference]]]:
    """referencesDiffs: references added, removed and changed, matched by uid."""
    old_by_uid = {ref.get("uid"): ref for ref in old}
    new_by_uid = {ref.get("uid"): ref for ref in new}
    added = [ref for uid, ref in new_by_uid.items() if uid not in old_by_uid]
    removed = [ref for uid, ref in old_by_uid.items() if uid not in new_by_uid]
    changed = [
        (ref, new_by_uid[uid]) for uid, ref in old_by_uid.items() if uid in new_by_uid and new_by_uid[uid] != ref
    ]
    return added, removed, changed


def _matches_owner(ref: OwnerReference, owner: ObjectReference, dependent_namespace: str) -> bool:
    """Whether a reference names the observed owner, and the owner may own an object in that namespace."""
    same_coordinates = (ref.get("apiVersion"), ref.get("kind"), ref.get("name")) == (
        owner.api_version,
        owner.kind,
        owner.name,
    )
    return same_coordinates and owner.namespace in ("", dependent_namespace)


class GarbageCollector(QueueController[GCKey]):
    """Keys are (``attemptToDelete`` | ``attemptToOrphan``, uid), plus the graph-changes key."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(NAME, self._sync, ctx.log)
        self._resources = ctx.resources
        self._client = ctx.client(SERVICE_ACCOUNT)
        self._graph_lock = threading.Lock()
        self._changes: deque[Event] = deque()
        self._nodes: dict[str, Node] = {}
        # owner uid -> uids of the objects that reference it (the owner need not exist).
        self._dependents: dict[str, set[str]] = {}
        ctx.informers.add_event_handler_for_every_resource(self._observe)

    # -- the graph (GraphBuilder) -------------------------------------------------------------

    def _observe(self, event: Event) -> None:
        """Under the storage lock: queue the change for the graph."""
        self._changes.append(event)
        self.queue.add(GRAPH_CHANGES)

    def observe_existing(self, objects: list[tuple[ObjectKey, Object]], revision: int) -> None:
        """Put objects that entered storage without events (a copied bootstrap) into the graph, as
        the informers' initial list does upstream."""
        for key, obj in objects:
            self._observe(Event(ADDED, key, obj, None, revision))

    def reset_state(self) -> None:
        with self._graph_lock:
            self._changes.clear()
            self._nodes.clear()
            self._dependents.clear()

    def has_node(self, uid: str) -> bool:
        """Whether the graph holds an object (GraphHasUID, for tests)."""
        with self._graph_lock:
            return uid in self._nodes

    def _attempt_to_delete(self, uid: str, cause: str) -> None:
        self.enqueue_key((ATTEMPT_TO_DELETE, uid), cause=cause)

    def _process_graph_changes(self) -> None:
        with self._graph_lock:
            while self._changes:
                self._apply(self._changes.popleft())

    def _apply(self, event: Event) -> None:
        obj = event.object
        meta = _meta(obj)
        uid = meta.get("uid")
        if not uid:
            return
        if event.type == DELETED:
            self._remove_node(uid)
            return
        owners: list[OwnerReference] = list(meta.get("ownerReferences") or [])
        node = self._nodes.get(uid)
        if node is None:
            identity = ObjectReference(
                str(obj.get("apiVersion") or ""), str(obj.get("kind") or ""), event.key.namespace, event.key.name, uid
            )
            node = Node(identity, event.key.prefix, owners)
            self._nodes[uid] = node
            self._add_dependent_to_owners(node, owners)
        else:
            added, removed, changed = _references_diffs(node.owners, owners)
            if added or removed or changed:
                self._add_unblocked_owners_to_delete_queue(removed, changed)
                node.owners = owners
                self._add_dependent_to_owners(node, added)
                for ref in removed:
                    self._remove_dependent(str(ref.get("uid")), uid)
        node.being_deleted = bool(meta.get("deletionTimestamp"))
        node.deleting_dependents = node.being_deleted and _has_finalizer(obj, FOREGROUND_FINALIZER)
        previous = event.previous if event.type == MODIFIED else None
        if _deletion_starts_with(previous, obj, ORPHAN_FINALIZER):
            self.enqueue_key((ATTEMPT_TO_ORPHAN, uid), cause="owner is being deleted with the orphan finalizer")
        elif _deletion_starts_with(previous, obj, FOREGROUND_FINALIZER):
            for dependent in sorted(self._dependents.get(uid, ())):
                self._attempt_to_delete(dependent, cause=f"owner {uid} is deleting its dependents")
            self._attempt_to_delete(uid, cause="waiting for its dependents to be deleted")

    def _add_dependent_to_owners(self, node: Node, owners: list[OwnerReference]) -> None:
        """Record the dependent under each owner; check it at once if an owner is not the one observed."""
        uid = node.identity.uid
        unverified = False
        for ref in owners:
            owner_uid = str(ref.get("uid") or "")
            self._dependents.setdefault(owner_uid, set()).add(uid)
            owner = self._nodes.get(owner_uid)
            if owner is None or not _matches_owner(ref, owner.identity, node.identity.namespace):
                unverified = True
        if unverified:
            self._attempt_to_delete(uid, cause="an owner reference is not an observed owner")

    def _add_unblocked_owners_to_delete_queue(
        self, removed: list[OwnerReference], changed: list[tuple[OwnerReference, OwnerReference]]
    ) -> None:
        """An owner waiting for its dependents may be done when one stops blocking it."""
        unblocked = [ref for ref in removed if ref.get("blockOwnerDeletion")]
        unblocked += [
            new for old, new in changed if old.get("blockOwnerDeletion") and not new.get("blockOwnerDeletion")
        ]
        for ref in unblocked:
            owner_uid = str(ref.get("uid") or "")
            if owner_uid in self._nodes:
                self._attempt_to_delete(owner_uid, cause="a dependent stopped blocking its deletion")

    def _remove_dependent(self, owner_uid: str, dependent_uid: str) -> None:
        dependents = self._dependents.get(owner_uid)
        if dependents is not None:
            dependents.discard(dependent_uid)
            if not dependents:
                del self._dependents[owner_uid]

    def _remove_node(self, uid: str) -> None:
        node = self._nodes.pop(uid, None)
        if node is None:
            return
        for ref in node.owners:
            owner_uid = str(ref.get("uid") or "")
            self._remove_dependent(owner_uid, uid)
            owner = self._nodes.get(owner_uid)
            if owner is not None and owner.deleting_dependents:
                self._attempt_to_delete(owner_uid, cause=f"dependent {uid} was deleted")
        for dependent in sorted(self._dependents.get(uid, ())):
            self._attempt_to_delete(dependent, cause=f"owner {uid} was deleted")

    # -- the workers (GarbageCollector) -------------------------------------------------------

    def _sync(self, key: GCKey) -> None:
        # Every item is judged on a graph that has caught up with the storage.
        self._process_graph_changes()
        kind, uid = key
        if kind == ATTEMPT_TO_DELETE:
            self._attempt_to_delete_item(uid)
        elif kind == ATTEMPT_TO_ORPHAN:
            self._attempt_to_orphan(uid)

    def _snapshot(self, uid: str) -> Node | None:
        with self._graph_lock:
            node = self._nodes.get(uid)
            return None if node is None else Node(**vars(node))

    def _dependent_nodes(self, uid: str) -> list[Node]:
        with self._graph_lock:
            return [Node(**vars(self._nodes[d])) for d in sorted(self._dependents.get(uid, ())) if d in self._nodes]

    def _latest(self, node: Node) -> tuple[Store, Object] | None:
        """The object as stored now, if it is still the one the node describes."""
        store = self._resources.by_prefix(node.prefix)
        if store is None:
            return None
        identity = node.identity
        obj = store.storage.get(ObjectKey(node.prefix, identity.namespace, identity.name))
        if obj is None or _meta(obj).get("uid") != identity.uid:
            return None
        return store, obj

    def _attempt_to_delete_item(self, uid: str) -> None:
        node = self._snapshot(uid)
        if node is None or (node.being_deleted and not node.deleting_dependents):
            return
        latest = self._latest(node)
        if latest is None:
            # Gone or replaced: the storage's DELETED event updates the graph.
            return
        store, obj = latest
        if node.deleting_dependents:
            self._process_deleting_dependents(node, store)
            return
        references: list[OwnerReference] = list(_meta(obj).get("ownerReferences") or [])
        if not references:
            return
        classified = self._classify_references(node, references)
        if classified is None:
            return
        solid, dangling, waiting = classified
        if solid:
            if dangling or waiting:
                self._remove_owner_references(store, node, {str(r.get("uid")) for r in dangling + waiting})
            return
        dependents = self._dependent_nodes(uid) if waiting else []
        if dependents:
            # Deleted in the foreground so the waiting owner sees this object's own dependents go first;
            # a dependent that waits on this object too would make a cycle, so stop blocking the owners.
            if any(dependent.deleting_dependents for dependent in dependents):
                self._unblock_owner_references(store, node)
            self._delete(store, node, "Foreground")
            return
        if _has_finalizer(obj, ORPHAN_FINALIZER):
            policy = "Orphan"
        elif _has_finalizer(obj, FOREGROUND_FINALIZER):
            policy = "Foreground"
        else:
            policy = "Background"
        self._delete(store, node, policy)

    def _classify_references(
        self, node: Node, references: list[OwnerReference]
    ) -> tuple[list[OwnerReference], list[OwnerReference], list[OwnerReference]] | None:
        """classifyReferences: (solid, dangling, waitingForDependentsDeletion); None when a reference is invalid."""
        solid: list[OwnerReference] = []
        dangling: list[OwnerReference] = []
        waiting: list[OwnerReference] = []
        for ref in references:
            api_version, kind = str(ref.get("apiVersion") or ""), str(ref.get("kind") or "")
            owner_store = self._resources.by_kind(api_version, kind)
            if owner_store is None:
                raise Requeue(f"unable to get REST mapping for {api_version}/{kind}")
            namespaced = owner_store.spec.namespaced
            if namespaced and not node.identity.namespace:
                # A cluster-scoped object cannot have a namespaced owner; retrying will not change that.
                return None
            namespace = node.identity.namespace if namespaced else ""
            owner = owner_store.storage.get(ObjectKey(owner_store.key_prefix, namespace, str(ref.get("name") or "")))
            if owner is None or _meta(owner).get("uid") != ref.get("uid"):
                dangling.append(ref)
            elif _meta(owner).get("deletionTimestamp") and _has_finalizer(owner, FOREGROUND_FINALIZER):
                waiting.append(ref)
            else:
                solid.append(ref)
        return solid, dangling, waiting

    def _process_deleting_dependents(self, node: Node, store: Store) -> None:
        uid = node.identity.uid
        blocking = [d for d in self._dependent_nodes(uid) if d.blocks(uid)]
        if not blocking:
            self._remove_finalizer(store, node, FOREGROUND_FINALIZER)
            return
        for dependent in blocking:
            if not dependent.deleting_dependents:
                self._attempt_to_delete(dependent.identity.uid, cause=f"owner {uid} is deleting its dependents")

    def _attempt_to_orphan(self, uid: str) -> None:
        failures: list[Exception] = []
        for dependent in self._dependent_nodes(uid):
            store = self._resources.by_prefix(dependent.prefix)
            if store is None:
                continue
            try:
                self._remove_owner_references(store, dependent, {uid})
            except (errors.StatusError, Requeue) as exc:
                failures.append(exc)
        if failures:
            # Every dependent was tried; the owner keeps its finalizer until all are orphaned.
            raise failures[0]
        owner = self._snapshot(uid)
        latest = None if owner is None else self._latest(owner)
        if owner is not None and latest is not None:
            self._remove_finalizer(latest[0], owner, ORPHAN_FINALIZER)

    # -- writes (operations.go, patch.go) -----------------------------------------------------

    def _delete(self, store: Store, node: Node, policy: str) -> None:
        identity = node.identity
        try:
            self._client.delete(
                store.spec, identity.namespace, identity.name, propagation_policy=policy, uid=identity.uid
            )
        except errors.StatusError as exc:
            # Gone already, or replaced by an object with another uid: nothing of ours to delete.
            if exc.code not in (404, 409):
                raise

    def _patch_metadata(self, store: Store, node: Node, change: MetadataChange) -> None:
        """Merge-patch what ``change`` returns, guarded by the resourceVersion; retried on conflicts."""
        identity = node.identity

        def patch_metadata() -> None:
            obj = store.storage.get(ObjectKey(node.prefix, identity.namespace, identity.name))
            if obj is None or _meta(obj).get("uid") != identity.uid:
                return
            patch = change(_meta(obj))
            if patch is None:
                return
            patch["resourceVersion"] = _meta(obj).get("resourceVersion")
            self._client.merge_patch(store.spec, identity.namespace, identity.name, {"metadata": patch})

        retry_on_conflict(
            MAX_CONFLICT_RETRIES,
            patch_metadata,
            f"updating {identity.kind} {identity.namespace}/{identity.name} kept conflicting",
        )

    def _remove_owner_references(self, store: Store, node: Node, owner_uids: set[str]) -> None:
        """deleteOwnerRefJSONMergePatch: drop the references to these owners (the field goes when none is left)."""

        def change(meta: dict[str, Any]) -> dict[str, Any] | None:
            references = meta.get("ownerReferences") or []
            kept = [ref for ref in references if ref.get("uid") not in owner_uids]
            return None if len(kept) == len(references) else {"ownerReferences": kept or None}

        self._patch_metadata(store, node, change)

    def _unblock_owner_references(self, store: Store, node: Node) -> None:
        """unblockOwnerReferences: blockOwnerDeletion becomes false on every reference that had it."""

        def change(meta: dict[str, Any]) -> dict[str, Any] | None:
            references = meta.get("ownerReferences") or []
            if not any(ref.get("blockOwnerDeletion") for ref in references):
                return None
            return {
                "ownerReferences": [
                    {**ref, "blockOwnerDeletion": False} if ref.get("blockOwnerDeletion") else ref for ref in references
                ]
            }

        self._patch_metadata(store, node, change)

    def _remove_finalizer(self, store: Store, node: Node, finalizer: str) -> None:
        def change(meta: dict[str, Any]) -> dict[str, Any] | None:
            finalizers = meta.get("finalizers") or []
            if finalizer not in finalizers:
                return None
            return {"finalizers": [f for f in finalizers if f != finalizer] or None}

        self._patch_metadata(store, node, change)
