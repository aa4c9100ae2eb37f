"""The CRD controllers: names, establishing, and the cleanup of a deleted CRD's instances.

Mirrors apiextensions-apiserver/pkg/controller/status/naming_controller.go (accepted names and
the NamesAccepted condition, names checked against the other CRDs of the group and, here, the
built-in resources of the group), controller/establish/establishing_controller.go (Established
once the names are accepted) and controller/finalizer/crd_finalizer.go (Terminating, every
instance deleted, then the ``customresourcecleanup.apiextensions.k8s.io`` finalizer removed).
Each writes through the CRD status endpoint, as the upstream controllers do with UpdateStatus,
so every step is a watch event.

The queue is drained synchronously after each CRD write (``sync_now``), so a CRD is
established before the request that created it returns; keys queued while a sync runs (an
instance deleted during cleanup) are drained in the same call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from fakeapi.apiextensions import helpers
from fakeapi.apiextensions.handler import CustomResourceHandler
from fakeapi.apiextensions.strategy import CustomResourceDefinitionStore
from fakeapi.apimachinery import errors
from fakeapi.apimachinery.jsonutil import deep_copy_json, json_equal
from fakeapi.controllers.base import EnqueueLog, QueueController
from fakeapi.endpoints.request import RequestContext, RequestInfo, UserInfo
from fakeapi.registry.rest import DefaultUpdatedObjectInfo, DeleteOptions, ListOptions, WriteOptions
from fakeapi.storage.interfaces import Object

logger = logging.getLogger("fakeapi.apiextensions")

NAME = "customresourcedefinitions"
CONTROLLER_USER = UserInfo("system:apiserver", ("system:masters",))
# A sync that loses a race with another writer of the same CRD tries again this many times.
MAX_CONFLICT_RETRIES = 5
# The Terminating reason of a finalizer whose instances could not all be deleted (crd_finalizer.go).
DELETION_FAILED = "InstanceDeletionFailed"


def _context(verb: str, resource: str, name: str = "", namespace: str = "", subresource: str = "") -> RequestContext:
    info = RequestInfo(
        path="",
        verb=verb,
        is_resource_request=True,
        api_prefix="apis",
        api_group=helpers.GROUP,
        api_version="v1",
        namespace=namespace,
        resource=resource,
        subresource=subresource,
        name=name,
    )
    return RequestContext(info, CONTROLLER_USER, "apiextensions-apiserver")


def _conflict_name(requested: str, accepted: str, used: set[str]) -> str | None:
    """equalToAcceptedOrFresh: the error text when ``requested`` is taken by someone else."""
    if requested == accepted or requested not in used:
        return None
    return f'"{requested}" is already in use'


class CRDController(QueueController[str]):
    """Naming, establishing and finalizing, one CRD name per key."""

    def __init__(
        self,
        crd_store: CustomResourceDefinitionStore,
        status_store: CustomResourceDefinitionStore,
        handler: CustomResourceHandler,
        builtin_names: Callable[[str], tuple[set[str], set[str]]],
        log: EnqueueLog | None = None,
    ) -> None:
        super().__init__(NAME, self.sync, log)
        self.crd_store = crd_store
        self.status_store = status_store
        self.handler = handler
        self.builtin_names = builtin_names
        self._sync_lock = threading.RLock()
        self._syncing = threading.local()

    # -- driving ----------------------------------------------------------------------------------

    def sync_now(self, name: str, cause: str = "write") -> None:
        """Queue ``name`` and drain the queue now, unless this thread is already draining it."""
        self.enqueue_key(name, cause)
        if getattr(self._syncing, "active", False):
            return
        with self._sync_lock:
            self._syncing.active = True
            try:
                self.run_once()
            except Exception:
                logger.exception("syncing CustomResourceDefinitions failed")
            finally:
                self._syncing.active = False

    def _get(self, name: str) -> Object | None:
        return self.crd_store.storage.get(self.crd_store.key_func("", name))

    def _all(self) -> list[Object]:
        items, _ = self.crd_store.storage.get_list(self.crd_store.key_prefix)
        return items

    def _update_status(self, name: str, mutate: Callable[[Object], None]) -> Object | None:
        """UpdateStatus with ``mutate`` applied to the current CRD; retried on conflicts."""
        for _ in range(MAX_CONFLICT_RETRIES):
            current = self._get(name)
            if current is None:
                return None
            updated = deep_copy_json(current)
            mutate(updated)
            if json_equal(updated, current):
                return current
            try:
                stored, _ = self.status_store.update(
                    _context("update", "customresourcedefinitions", name, subresource="status"),
                    name,
                    DefaultUpdatedObjectInfo(updated),
                    WriteOptions(field_manager="apiextensions-apiserver"),
                )
            except errors.StatusError as exc:
                if exc.code == 409:
                    continue
                if exc.code == 404:
                    return None
                raise
            return stored
        raise RuntimeError(f"CustomResourceDefinition {name}: status update kept conflicting")

    # -- sync ---------------------------------------------------------------------------------------

    def sync(self, name: str) -> None:
        crd = self._get(name)
        if crd is None:
            return
        if (crd.get("metadata") or {}).get("deletionTimestamp"):
            self._finalize(crd)
            return
        crd = self._sync_names(crd) or crd
        if helpers.is_condition_true(crd, helpers.NAMES_ACCEPTED) and not helpers.is_condition_true(
            crd, helpers.ESTABLISHED
        ):
            self._update_status(name, _establish)

    def _accepted_names_for_group(self, crd: Object) -> tuple[set[str], set[str]]:
        """getAcceptedNamesForGroup: names the other CRDs of the group (and the built-ins) hold."""
        group = str(helpers.spec_of(crd).get("group") or "")
        resources, kinds = self.builtin_names(group)
        resources, kinds = set(resources), set(kinds)
        for other in self._all():
            if helpers.name_of(other) == helpers.name_of(crd) or helpers.spec_of(other).get("group") != group:
                continue
            accepted = helpers.accepted_names_of(other)
            resources.update(n for n in (accepted.get("plural"), accepted.get("singular")) if n)
            resources.update(accepted.get("shortNames") or [])
            kinds.update(n for n in (accepted.get("kind"), accepted.get("listKind")) if n)
        return resources, kinds

    def _sync_names(self, crd: Object) -> Object | None:
        """calculateNamesAndConditions, then UpdateStatus if anything changed."""
        used_resources, used_kinds = self._accepted_names_for_group(crd)
        requested = helpers.names_of(crd)
        accepted = helpers.accepted_names_of(crd)
        new_names: dict[str, Any] = deep_copy_json(accepted) or {"plural": "", "kind": ""}
        condition = {"type": helpers.NAMES_ACCEPTED, "status": helpers.UNKNOWN}

        def conflict(reason: str, message: str) -> None:
            condition.update(status=helpers.FALSE, reason=reason, message=message)

        for field, used, reason in (
            ("plural", used_resources, "PluralConflict"),
            ("singular", used_resources, "SingularConflict"),
        ):
            problem = _conflict_name(str(requested.get(field) or ""), str(accepted.get(field) or ""), used)
            if problem:
                conflict(reason, problem)
            elif requested.get(field):
                new_names[field] = requested[field]
        requested_short = list(requested.get("shortNames") or [])
        if requested_short != list(accepted.get("shortNames") or []):
            existing = set(accepted.get("shortNames") or [])
            problems = [
                p for s in requested_short if s not in existing and (p := _conflict_name(s, "", used_resources))
            ]
            if problems:
                conflict("ShortNamesConflict", problems[0] if len(problems) == 1 else "[" + ", ".join(problems) + "]")
            elif requested_short:
                new_names["shortNames"] = requested_short
            else:
                new_names.pop("shortNames", None)
        for field, reason in (("kind", "KindConflict"), ("listKind", "ListKindConflict")):
            problem = _conflict_name(str(requested.get(field) or ""), str(accepted.get(field) or ""), used_kinds)
            if problem:
                conflict(reason, problem)
            elif requested.get(field):
                new_names[field] = requested[field]
        if requested.get("categories"):
            new_names["categories"] = list(requested["categories"])
        else:
            new_names.pop("categories", None)
        if condition["status"] == helpers.UNKNOWN:
            condition.update(status=helpers.TRUE, reason="NoConflicts", message="no conflicts found")
        established = helpers.find_condition(crd, helpers.ESTABLISHED) or {
            "type": helpers.ESTABLISHED,
            "status": helpers.FALSE,
            "reason": "NotAccepted",
            "message": "not all names are accepted",
        }
        if established.get("status") != helpers.TRUE and condition["status"] == helpers.TRUE:
            established = {
                "type": helpers.ESTABLISHED,
                "status": helpers.FALSE,
                "reason": "Installing",
                "message": "the initial names have been accepted",
            }

        def mutate(current: Object) -> None:
            status = current.setdefault("status", {})
            status["acceptedNames"] = new_names
            helpers.set_condition(status, condition)
            helpers.set_condition(status, established)

        return self._update_status(helpers.name_of(crd), mutate)

    # -- finalizer ----------------------------------------------------------------------------------

    def _finalize(self, crd: Object) -> None:
        """crd_finalizer.go sync: delete the instances, then release the CRD."""
        name = helpers.name_of(crd)
        if helpers.CLEANUP_FINALIZER not in ((crd.get("metadata") or {}).get("finalizers") or []):
            return
        condition: dict[str, str]
        if helpers.is_condition_true(crd, helpers.ESTABLISHED):
            in_progress = {
                "type": helpers.TERMINATING,
                "status": helpers.TRUE,
                "reason": "InstanceDeletionInProgress",
                "message": "CustomResource deletion is in progress",
            }
            if (helpers.find_condition(crd, helpers.TERMINATING) or {}).get("reason") != DELETION_FAILED:
                # Upstream writes it on every try, undoing InstanceDeletionFailed, whose write then queues
                # the CRD again at once: written once, a failing deletion waits for its back-off.
                self._update_status(name, lambda c: helpers.set_condition(c.setdefault("status", {}), in_progress))
            try:
                if not self._delete_instances(name):
                    return  # instances with finalizers remain: their deletion queues the CRD again
            except errors.StatusError as exc:
                failed = {
                    "type": helpers.TERMINATING,
                    "status": helpers.TRUE,
                    "reason": DELETION_FAILED,
                    "message": f"could not issue all deletes: {exc.message}",
                }
                self._update_status(name, lambda c: helpers.set_condition(c.setdefault("status", {}), failed))
                raise  # tried again with back-off, as the finalizer's workqueue does
            condition = {
                "type": helpers.TERMINATING,
                "status": helpers.FALSE,
                "reason": "InstanceDeletionCompleted",
                "message": "removed all instances",
            }
        else:
            condition = {
                "type": helpers.TERMINATING,
                "status": helpers.FALSE,
                "reason": "NeverEstablished",
                "message": "resource was never established",
            }

        def release(current: Object) -> None:
            helpers.set_condition(current.setdefault("status", {}), condition)
            meta = current.setdefault("metadata", {})
            meta["finalizers"] = [f for f in meta.get("finalizers") or [] if f != helpers.CLEANUP_FINALIZER]

        self._update_status(name, release)

    def _delete_instances(self, name: str) -> bool:
        """deleteInstances: DeleteCollection per namespace; True when none remain.

        Through the storage version's store (GetCustomResourceListerCollectionDeleter), so a CRD whose
        conversion webhook is gone can still be deleted.
        """
        served = self.handler.served(name)
        if served is None or not served.stores:
            return True
        store = served.stores.get(served.storage_version) or next(iter(served.stores.values()))
        items, _ = store.storage.get_list(store.key_prefix)
        for namespace in sorted({(i.get("metadata") or {}).get("namespace") or "" for i in items}):
            ctx = _context("deletecollection", served.plural, namespace=namespace)
            store.delete_collection(ctx, DeleteOptions(), ListOptions(), admission=False)
        remaining, _ = store.storage.get_list(store.key_prefix)
        return not remaining


def _establish(crd: Object) -> None:
    """EstablishingController.sync."""
    helpers.set_condition(
        crd.setdefault("status", {}),
        {
            "type": helpers.ESTABLISHED,
            "status": helpers.TRUE,
            "reason": "InitialNamesAccepted",
            "message": "the initial names have been accepted",
        },
    )
