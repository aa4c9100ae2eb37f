"""ControllerRevisions: the history of a StatefulSet's or DaemonSet's template (pkg/controller/history/controller_history.go).

A revision stores the part of its parent's spec that a rollout compares (``data``, a patch of
the spec's template), a ``revision`` number, and a name ``<parent>-<hash>`` whose hash the
pods carry in their ``controller-revision-hash`` label. ``Histories`` lists, creates (with the
collision count that breaks a name clash between different data), bumps and deletes the
revisions of one parent through the loopback client.
"""

from __future__ import annotations

from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.jsonutil import deep_copy_json, sort_keys
from fakeapi.controllers import controller_utils
from fakeapi.controllers.client import LoopbackClient
from fakeapi.controllers.controller_utils import meta
from fakeapi.controllers.informer import Lister
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.storage.interfaces import Object

PREFIX = "apps/controllerrevisions"
CONTROLLER_REVISION_HASH_LABEL = "controller-revision-hash"
# The hash label's value is limited to a label value's 63 characters.
_MAX_NAME_LENGTH = 63


def template_patch(parent: Object) -> dict[str, Any]:
    """getPatch (of the DaemonSet and StatefulSet controllers): what a revision stores, the parent's
    template marked to replace the whole template, ``{"spec":{"template":{...,"$patch":"replace"}}}``.

    Go builds it as maps and json.Marshal writes a map's keys sorted: kubectl's ``rollout undo``
    compares these bytes with the patch it computes, so the keys are sorted here too.
    """
    template = deep_copy_json((parent.get("spec") or {}).get("template") or {})
    template["$patch"] = "replace"
    return sort_keys({"spec": {"template": template}})


def hash_controller_revision(data: Any, collision_count: int | None) -> str:
    """HashControllerRevision: fnv32a of the revision's data (and collision count), safely encoded."""
    return controller_utils.compute_hash(data, collision_count)


def controller_revision_name(prefix: str, hash_value: str) -> str:
    """ControllerRevisionName: ``<prefix>-<hash>``, the prefix cut so the name fits a label value."""
    if len(prefix) > _MAX_NAME_LENGTH - 1 - len(hash_value):
        prefix = prefix[: _MAX_NAME_LENGTH - 1 - len(hash_value)]
    return f"{prefix}-{hash_value}"


def new_controller_revision(
    parent: Object,
    owner_ref: dict[str, Any],
    template_labels: dict[str, str],
    data: Any,
    revision: int,
    collision_count: int | None,
) -> Object:
    """NewControllerRevision: a revision of ``parent`` holding ``data``, labelled like the parent's pods."""
    hash_value = hash_controller_revision(data, collision_count)
    return {
        "metadata": {
            "name": controller_revision_name(meta(parent)["name"], hash_value),
            "namespace": meta(parent).get("namespace"),
            "labels": {**template_labels, CONTROLLER_REVISION_HASH_LABEL: hash_value},
            "ownerReferences": [owner_ref],
        },
        "data": data,
        "revision": revision,
    }


def revision_number(revision: Object) -> int:
    return int(revision.get("revision") or 0)


def sort_revisions(revisions: list[Object]) -> list[Object]:
    """SortControllerRevisions: by revision, then creation time, then name."""
    return sorted(
        revisions,
        key=lambda r: (revision_number(r), meta(r).get("creationTimestamp") or "", meta(r).get("name") or ""),
    )


def next_revision(revisions: list[Object]) -> int:
    """NextRevision: one more than the highest revision (1 for none)."""
    return max((revision_number(r) for r in revisions), default=0) + 1


def equal_revision(a: Object, b: Object) -> bool:
    """EqualRevision: the same data (the hash label is only a fast path upstream)."""
    return a.get("data") == b.get("data")


def find_equal_revisions(revisions: list[Object], needle: Object) -> list[Object]:
    return [r for r in revisions if equal_revision(r, needle)]


class Histories:
    """realHistory: the ControllerRevisions of parents, read from the storage and written through the API."""

    def __init__(self, client: LoopbackClient, lister: Lister, spec: ResourceSpec) -> None:
        self._client = client
        self._lister = lister
        self._spec = spec

    def list_controlled(self, parent: Object) -> list[Object]:
        """The revisions ``parent`` controls (by uid), oldest first."""
        uid = meta(parent).get("uid")
        owned = [
            r
            for r in self._lister.list(meta(parent).get("namespace"))
            if (controller_utils.controller_ref(r) or {}).get("uid") == uid
        ]
        return sort_revisions(owned)

    def create(self, parent: Object, revision: Object, collision_count: int) -> tuple[Object, int]:
        """CreateControllerRevision: create ``revision``, or return an equal one of the same name.

        A different revision already holding the name raises the collision count and tries the
        next name, as upstream does; returns the revision and the collision count used.
        """
        namespace = meta(parent).get("namespace") or ""
        while True:
            hash_value = hash_controller_revision(revision.get("data"), collision_count)
            candidate = {
                **revision,
                "metadata": {
                    **meta(revision),
                    "name": controller_revision_name(meta(parent)["name"], hash_value),
                    "labels": {**(meta(revision).get("labels") or {}), CONTROLLER_REVISION_HASH_LABEL: hash_value},
                },
            }
            try:
                return self._client.create(self._spec, namespace, candidate), collision_count
            except errors.StatusError as exc:
                if exc.code != 409:
                    raise
            existing = self._lister.get(namespace, candidate["metadata"]["name"])
            if existing is not None and equal_revision(existing, candidate):
                return existing, collision_count
            collision_count += 1

    def update_revision(self, revision: Object, number: int) -> Object:
        """UpdateControllerRevision: give an existing revision a new number (a rollback to it)."""
        if revision_number(revision) == number:
            return revision
        return self._client.update(self._spec, {**revision, "revision": number})

    def delete(self, revision: Object) -> None:
        try:
            self._client.delete(
                self._spec, meta(revision).get("namespace") or "", meta(revision)["name"], uid=meta(revision).get("uid")
            )
        except errors.StatusError as exc:
            if exc.code != 404:
                raise
