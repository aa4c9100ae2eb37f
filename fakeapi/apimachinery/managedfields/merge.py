"""Ownership bookkeeping for updates and applies, and apply conflicts.

Mirrors sigs.k8s.io/structured-merge-diff/v6 merge/update.go (``Updater.Update``, ``Updater.Apply``,
``prune`` with ``addBackOwnedItems`` and ``addBackDanglingItems``) and merge/conflict.go
(``Conflict``, ``ConflictsFromManagers``). Managers are keyed by the JSON identifiers that
:mod:`fakeapi.apimachinery.managedfields.fieldmanager` builds.

Every kind is served at one version here, so upstream's conversions between the versions of
different managers are the identity and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fakeapi.apimachinery.managedfields.fieldpath import FieldSet, Path, SetFilter
from fakeapi.apimachinery.managedfields.schema import TypeRef
from fakeapi.apimachinery.managedfields.typed import (
    MISSING,
    Comparison,
    compare,
    merge,
    remove_items,
    to_field_set,
    value_equals,
)


@dataclass(frozen=True)
class VersionedSet:
    """fieldpath.VersionedSet: what one manager owns, at which apiVersion, and whether by apply."""

    fields: FieldSet
    api_version: str
    applied: bool


ManagedFields = dict[str, VersionedSet]


@dataclass(frozen=True)
class Conflict:
    manager: str
    path: Path


class Conflicts(Exception):
    """merge.Conflicts: fields an apply would change that other managers own."""

    def __init__(self, conflicts: list[Conflict]) -> None:
        super().__init__(f"{len(conflicts)} conflicts")
        self.conflicts = conflicts


def conflicts_from_managers(sets: ManagedFields) -> list[Conflict]:
    """ConflictsFromManagers, managers in a stable order (upstream iterates a Go map)."""
    return [Conflict(manager, path) for manager in sorted(sets) for path in sets[manager].fields.iterate()]


class Updater:
    """merge.Updater for one kind: its type, and the fields its endpoint resets (ignored)."""

    def __init__(self, tref: TypeRef, ignore: SetFilter | None = None) -> None:
        self.tref = tref
        self.ignore = ignore

    def _filter(self, fields: FieldSet) -> FieldSet:
        return fields if self.ignore is None else self.ignore(fields)

    def _update(
        self, old: Any, new: Any, managers: ManagedFields, workflow: str, *, force: bool
    ) -> tuple[ManagedFields, Comparison]:
        comparison = compare(old, new, self.tref)
        filtered = comparison.filter(self.ignore)
        changed = filtered.modified.union(filtered.added)
        conflicts: ManagedFields = {}
        removed: ManagedFields = {}
        for manager, owned in managers.items():
            if manager == workflow:
                continue
            conflict_set = owned.fields.intersection(changed)
            if not conflict_set.empty():
                conflicts[manager] = VersionedSet(conflict_set, owned.api_version, False)
            if not filtered.removed.empty():
                removed[manager] = VersionedSet(filtered.removed, owned.api_version, False)
        if conflicts and not force:
            raise Conflicts(conflicts_from_managers(conflicts))
        result = dict(managers)
        for losses in (conflicts, removed):
            for manager, lost in losses.items():
                owned = result[manager]
                result[manager] = VersionedSet(owned.fields.difference(lost.fields), owned.api_version, owned.applied)
        return {m: owned for m, owned in result.items() if not owned.fields.empty()}, comparison

    def update(self, live: Any, new: Any, version: str, managers: ManagedFields, manager: str) -> ManagedFields:
        """Updater.Update: the writer owns what it changed; others lose it. Never conflicts."""
        managers, comparison = self._update(live, new, managers, manager, force=True)
        previous = managers.get(manager)
        owned = previous.fields if previous is not None else FieldSet()
        owned = owned.difference(comparison.removed).union(comparison.modified).union(comparison.added)
        owned = self._filter(owned)
        result = dict(managers)
        if owned.empty():
            result.pop(manager, None)
        else:
            result[manager] = VersionedSet(owned, version, False)
        return result

    def apply(
        self, live: Any, config: Any, version: str, managers: ManagedFields, manager: str, *, force: bool
    ) -> tuple[Any, ManagedFields]:
        """Updater.Apply: merge the configuration, prune what the applier stopped applying.

        Returns:
            The new object (MISSING when it equals the live one) and the new managers.

        Raises:
            Conflicts: other managers own fields whose values would change, and not ``force``.
        """
        merged = merge(live, config, self.tref)
        last = managers.get(manager)
        managers = dict(managers)
        managers[manager] = VersionedSet(self._filter(to_field_set(config, self.tref)), version, True)
        merged = self._prune(merged, managers, last)
        managers, _ = self._update(live, merged, managers, manager, force=force)
        if value_equals(live, merged):
            return MISSING, managers
        return merged, managers

    def _named(self, value: Any) -> FieldSet:
        return to_field_set(value, self.tref).ensure_named_fields_are_members(self.tref)

    def _prune(self, merged: Any, managers: ManagedFields, last: VersionedSet | None) -> Any:
        """Remove what the applier applied last time and no longer applies, unless another manager owns it."""
        if last is None or last.fields.empty():
            return merged
        last_fields = last.fields.ensure_named_fields_are_members(self.tref)
        pruned = remove_items(merged, last_fields, self.tref)
        # addBackOwnedItems: whatever some manager (the applier included) still owns comes back.
        managed = FieldSet()
        for owned in managers.values():
            managed = managed.union(owned.fields)
        merged_set = self._named(merged)
        kept = self._named(pruned).union(managed.ensure_named_fields_are_members(self.tref))
        pruned = remove_items(merged, merged_set.difference(kept), self.tref)
        # addBackDanglingItems: only what was in the last applied set may go.
        return remove_items(merged, merged_set.difference(self._named(pruned)).intersection(last_fields), self.tref)
