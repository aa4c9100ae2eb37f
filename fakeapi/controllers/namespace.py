"""The namespace lifecycle controller: empty a Terminating namespace, then finalize it.

Follows pkg/controller/namespace/namespace_controller.go and its deletion package
(namespaced_resources_deleter.go, status_condition_utils.go). A namespace with a
deletionTimestamp is synced: its phase is made Terminating; every namespaced resource that
can be listed and deleted (read from the installed Stores at sync time, so custom resources
installed later are included) is deleted with a Background DeleteCollection; the five
deletion conditions are kept on the namespace status; while objects remain (held by
finalizers) the key is retried with back-off; once nothing is left the ``kubernetes``
finalizer is removed through ``/finalize`` and the Store deletes the namespace.

Upstream waits for leftovers by re-checking after an estimate (15 s for finalizers, the pods'
grace period). Inside the server every deletion is seen as it commits, so the namespace is
also queued again whenever an object in it is deleted: a namespace is gone as soon as its
last finalizer is, and as soon as the simulated kubelets have finished terminating its pods.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.controllers.base import QueueController, Requeue, retry_on_conflict
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.informer import DELETED, Lister, ResourceEventHandlerFuncs
from fakeapi.registry.generic.store import Store
from fakeapi.storage.interfaces import Event, Object
from fakeapi.util.clock import now_rfc3339

NAME = "namespace"
SERVICE_ACCOUNT = "namespace-controller"
FINALIZER_TOKEN = "kubernetes"
NAMESPACES_PREFIX = "namespaces"
TERMINATING = "Terminating"
# How often a finalize that keeps conflicting is retried within one sync (retryOnConflictError).
MAX_CONFLICT_RETRIES = 5

DISCOVERY_FAILURE = "NamespaceDeletionDiscoveryFailure"
GV_PARSING_FAILURE = "NamespaceDeletionGroupVersionParsingFailure"
CONTENT_FAILURE = "NamespaceDeletionContentFailure"
CONTENT_REMAINING = "NamespaceContentRemaining"
FINALIZERS_REMAINING = "NamespaceFinalizersRemaining"
# status_condition_utils.go conditionTypes, okMessages, okReasons: every type is always present.
CONDITION_TYPES = (DISCOVERY_FAILURE, GV_PARSING_FAILURE, CONTENT_FAILURE, CONTENT_REMAINING, FINALIZERS_REMAINING)
OK_MESSAGES = {
    DISCOVERY_FAILURE: "All resources successfully discovered",
    GV_PARSING_FAILURE: "All legacy kube types successfully parsed",
    CONTENT_FAILURE: "All content successfully deleted, may be waiting on finalization",
    CONTENT_REMAINING: "All content successfully removed",
    FINALIZERS_REMAINING: "All content successfully removed",
}
OK_REASONS = {
    DISCOVERY_FAILURE: "ResourcesDiscovered",
    GV_PARSING_FAILURE: "ParsedGroupVersions",
    CONTENT_FAILURE: "ContentDeleted",
    CONTENT_REMAINING: "ContentRemoved",
    FINALIZERS_REMAINING: "ContentRemoved",
}


class ContentDeletionError(Exception):
    """Objects without finalizers are left after their collection was deleted."""


def _meta(obj: Object) -> dict[str, Any]:
    meta: dict[str, Any] = obj.get("metadata") or {}
    return meta


def _condition(kind: str, status: str, reason: str, message: str) -> dict[str, Any]:
    return {
        "type": kind,
        "status": status,
        "lastTransitionTime": now_rfc3339(),
        "reason": reason,
        "message": message,
    }


def updated_conditions(existing: list[dict[str, Any]], failures: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """updateConditions: the failures as given, every other type as its "ok" variant; None if nothing changed."""
    conditions = [dict(c) for c in existing]
    changed = False
    for kind in CONDITION_TYPES:
        new = next((c for c in failures if c["type"] == kind), None) or _condition(
            kind, "False", OK_REASONS[kind], OK_MESSAGES[kind]
        )
        old = next((c for c in conditions if c.get("type") == kind), None)
        if old is None:
            conditions.append(new)
            changed = True
        elif (old.get("status"), old.get("reason"), old.get("message")) != (
            new["status"],
            new["reason"],
            new["message"],
        ):
            if old.get("status") != new["status"]:
                old["lastTransitionTime"] = now_rfc3339()
            old.update(status=new["status"], reason=new["reason"], message=new["message"])
            changed = True
    return conditions if changed else None


class NamespaceController(QueueController[str]):
    """Keys are namespace names."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(NAME, self._sync_namespace, ctx.log)
        self._resources = ctx.resources
        self._client = ctx.client(SERVICE_ACCOUNT)
        self._namespaces = ctx.informers.lister(NAMESPACES_PREFIX)
        ctx.informers.add_event_handler(
            NAMESPACES_PREFIX,
            ResourceEventHandlerFuncs(add=self._namespace_changed, update=lambda _, new: self._namespace_changed(new)),
        )
        ctx.informers.add_event_handler_for_every_resource(self._content_changed)

    # -- event handlers (under the storage lock: only enqueue) -------------------------------

    def _namespace_changed(self, namespace: Object) -> None:
        meta = _meta(namespace)
        if meta.get("deletionTimestamp"):
            self.enqueue_key(meta.get("name") or "", cause="namespace is being deleted")

    def _content_changed(self, event: Event) -> None:
        if event.type != DELETED or not event.key.namespace:
            return
        namespace = self._namespaces.get("", event.key.namespace)
        if namespace is not None and _meta(namespace).get("deletionTimestamp"):
            self.enqueue_key(event.key.namespace, cause=f"{event.key.prefix} {event.key.name} deleted")

    # -- sync (namespacedResourcesDeleter.Delete) ---------------------------------------------

    def _namespace_store(self) -> Store:
        store = self._resources.by_prefix(NAMESPACES_PREFIX)
        if store is None:
            raise RuntimeError("namespaces are not served")
        return store

    def _sync_namespace(self, name: str) -> None:
        namespace = self._namespaces.get("", name)
        if namespace is None or not _meta(namespace).get("deletionTimestamp"):
            return
        store = self._namespace_store()
        if (namespace.get("status") or {}).get("phase") != TERMINATING:
            try:
                namespace = self._client.update(
                    store.spec,
                    {**namespace, "status": {**(namespace.get("status") or {}), "phase": TERMINATING}},
                    "status",
                )
            except errors.StatusError as exc:
                if exc.code == 404:
                    return
                raise
        if not (namespace.get("spec") or {}).get("finalizers"):
            return
        if self._delete_all_content(store, namespace):
            raise Requeue(f"some content remains in namespace {name}")
        self._finalize(store, name)

    def _delete_all_content(self, namespace_store: Store, namespace: Object) -> bool:
        """Delete every namespaced object, record the deletion conditions; whether anything is left."""
        name = _meta(namespace)["name"]
        failures: list[Exception] = []
        remaining: dict[str, int] = {}
        finalizers: Counter[str] = Counter()
        for store in self._resources.namespaced_deletable():
            try:
                left = self._delete_content_of(store, name)
            except (errors.StatusError, ContentDeletionError) as exc:
                failures.append(exc)
                left = Lister(store.storage, store.key_prefix).list(name)
            if left:
                remaining[f"{store.spec.resource}.{store.spec.group}"] = len(left)
                for item in left:
                    finalizers.update(_meta(item).get("finalizers") or [])
        conditions = []
        if remaining:
            listed = ", ".join(sorted(f"{gr} has {n} resource instances" for gr, n in remaining.items()))
            conditions.append(
                _condition(CONTENT_REMAINING, "True", "SomeResourcesRemain", f"Some resources are remaining: {listed}")
            )
        if finalizers:
            listed = ", ".join(sorted(f"{f} in {n} resource instances" for f, n in finalizers.items()))
            conditions.append(
                _condition(
                    FINALIZERS_REMAINING, "True", "SomeFinalizerRemain", f"Some finalizers are remaining: {listed}"
                )
            )
        if failures:
            messages = ", ".join(sorted(str(exc) for exc in failures))
            conditions.append(
                _condition(
                    CONTENT_FAILURE,
                    "True",
                    "ContentDeletionFailed",
                    f"Failed to delete all resource types, {len(failures)} remaining: {messages}",
                )
            )
        self._update_conditions(namespace_store, name, conditions)
        if failures:
            # Every resource type was tried; the conditions list all failures, the retry reports the first.
            raise failures[0]
        return bool(remaining)

    def _delete_content_of(self, store: Store, namespace: str) -> list[Object]:
        """deleteAllContentForGroupVersionResource: delete the collection, then what is left of it."""
        lister = Lister(store.storage, store.key_prefix)
        items = lister.list(namespace)
        if not items:
            return []
        spec = store.spec
        # Background, so the garbage collector adds no orphan finalizer to what it deletes.
        if "deletecollection" in spec.verbs:
            self._client.delete_collection(spec, namespace, propagation_policy="Background")
        else:
            for item in items:
                try:
                    self._client.delete(spec, namespace, _meta(item)["name"], propagation_policy="Background")
                except errors.StatusError as exc:
                    if exc.code not in (404, 405):
                        raise
        left = lister.list(namespace)
        # Held by finalizers, or pods a kubelet is still terminating (upstream's graceful-termination estimate).
        if left and not any(_meta(item).get("finalizers") or _meta(item).get("deletionTimestamp") for item in left):
            raise ContentDeletionError(
                f"unexpected items still remain in namespace: {namespace} for gvr: "
                f"{spec.group}/{spec.version}, Resource={spec.resource}"
            )
        return left

    def _update_conditions(self, store: Store, name: str, failures: list[dict[str, Any]]) -> None:
        namespace = self._namespaces.get("", name)
        if namespace is None:
            return
        status = namespace.get("status") or {}
        conditions = updated_conditions(status.get("conditions") or [], failures)
        if conditions is None:
            return
        try:
            self._client.update(store.spec, {**namespace, "status": {**status, "conditions": conditions}}, "status")
        except errors.StatusError as exc:
            # As upstream: a lost status update is not worth failing the sync; the next sync writes it.
            if exc.code not in (404, 409):
                raise

    def _finalize(self, store: Store, name: str) -> None:
        """finalizeNamespace, retried on conflicts as long as the namespace keeps its uid."""
        uid = None

        def finalize() -> None:
            nonlocal uid
            namespace = self._namespaces.get("", name)
            if namespace is None:
                return
            if uid is not None and _meta(namespace).get("uid") != uid:
                return  # the namespace being finalized is gone; a new one of that name is not being deleted
            uid = _meta(namespace).get("uid")
            spec = namespace.get("spec") or {}
            finalizers = sorted({f for f in spec.get("finalizers") or [] if f != FINALIZER_TOKEN})
            self._client.update(store.spec, {**namespace, "spec": {**spec, "finalizers": finalizers}}, "finalize")

        retry_on_conflict(MAX_CONFLICT_RETRIES, finalize, f"finalizing namespace {name} kept conflicting")
