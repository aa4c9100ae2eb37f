"""The field manager of one kind at one endpoint: managedFields for every update and apply.

Mirrors k8s.io/apimachinery/pkg/util/managedfields/internal: fieldmanager.go (``Update`` with
``decodeLiveOrNew`` and ``UpdateNoErrors``, ``Apply``), the managers that
``NewDefaultFieldManager`` chains, outermost first — versioncheck.go, lastappliedupdater.go,
lastappliedmanager.go, skipnonapplied.go, capmanagers.go, buildmanagerinfo.go,
managedfieldsupdater.go, stripmeta.go, structuredmerge.go — and managedfields.go (decoding,
encoding and ordering of ``metadata.managedFields``) and conflict.go (the 409 of an apply).

The chain is written out as the steps of :meth:`FieldManager.update` and
:meth:`FieldManager.apply` rather than as nested objects; each step names the upstream
manager it stands for.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.gofmt import go_json, go_quote
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.apimachinery.managedfields.fieldpath import (
    FieldPathError,
    FieldSet,
    exclude_filter,
    field_element,
    path_string,
)
from fakeapi.apimachinery.managedfields.merge import Conflict, Conflicts, ManagedFields, Updater, VersionedSet
from fakeapi.apimachinery.managedfields.schema import TypeRef
from fakeapi.apimachinery.managedfields.typed import (
    MISSING,
    ValidationErrors,
    compare,
    to_field_set,
    validate,
    zero_object,
)
from fakeapi.apimachinery.schema import GroupVersion, GroupVersionKind
from fakeapi.util.clock import now_rfc3339, parse_time

APPLY, UPDATE = "Apply", "Update"
FIELDS_V1 = "FieldsV1"
# capmanagers.go DefaultMaxUpdateManagers and the bucket older Update entries merge into.
MAX_UPDATE_MANAGERS = 10
ANCIENT_CHANGES = "ancient-changes"
BEFORE_FIRST_APPLY = "before-first-apply"
CURRENT_OPERATION = "current-operation"
LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration"
# lastappliedmanager.go: only kubectl's applies migrate from client-side apply.
KUBECTL_MANAGER = "kubectl"

# stripmeta.go: fields nobody owns.
_STRIPPED = FieldSet.of(
    (field_element("apiVersion"),),
    (field_element("kind"),),
    (field_element("metadata"),),
    *(
        (field_element("metadata"), field_element(name))
        for name in (
            "name",
            "namespace",
            "creationTimestamp",
            "selfLink",
            "uid",
            "clusterName",
            "generation",
            "managedFields",
            "resourceVersion",
        )
    ),
)


@dataclass
class Managed:
    """internal.ManagedInterface: the sets, and the time each manager last changed something."""

    fields: ManagedFields = field(default_factory=dict)
    times: dict[str, str | None] = field(default_factory=dict)

    def copy(self) -> Managed:
        return Managed(dict(self.fields), dict(self.times))


def _go_json_object(items: list[tuple[str, Any]]) -> str:
    return "{" + ",".join(f"{go_json(k)}:{go_json(v)}" for k, v in items) + "}"


def manager_identifier(manager: str, operation: str, api_version: str, subresource: str = "") -> str:
    """BuildManagerIdentifier: the entry as JSON without time and fields (and apiVersion for Apply)."""
    items: list[tuple[str, Any]] = [("manager", manager), ("operation", operation)]
    if operation != APPLY and api_version:
        items.append(("apiVersion", api_version))
    if subresource:
        items.append(("subresource", subresource))
    return _go_json_object([(k, v) for k, v in items if v])


def decode_managed_fields(entries: Any) -> Managed:
    """DecodeManagedFields, with upstream's error texts.

    Raises:
        ValueError: an entry is malformed.
    """
    managed = Managed()
    for index, entry in enumerate(entries or ()):
        if not isinstance(entry, dict):
            raise ValueError(f"managed fields entry {index} is not an object")
        operation = entry.get("operation") or ""
        if operation not in (APPLY, UPDATE):
            raise ValueError("operation must be `Apply` or `Update`")
        api_version = entry.get("apiVersion") or ""
        if not api_version:
            raise ValueError("apiVersion must not be empty")
        fields_type = entry.get("fieldsType") or ""
        if not fields_type:
            raise ValueError(f"missing fieldsType in managed fields entry {index}")
        if fields_type != FIELDS_V1:
            raise ValueError(f'invalid fieldsType "{fields_type}" in managed fields entry {index}')
        identifier = manager_identifier(
            entry.get("manager") or "", operation, api_version, entry.get("subresource") or ""
        )
        try:
            fields = FieldSet.from_fields_v1(entry.get("fieldsV1") or {})
        except FieldPathError as exc:
            raise ValueError(f"error decoding versioned set: error decoding set: {exc}") from None
        managed.fields[identifier] = VersionedSet(fields, api_version, operation == APPLY)
        time = entry.get("time")
        if time is not None and not isinstance(time, str):
            raise ValueError(f"managed fields entry {index} has a time that is not a string")
        managed.times[identifier] = time
    return managed


def _unix_seconds(time: str | None) -> int:
    """metav1.Time.Unix for ordering entries; a time that does not parse orders as none."""
    try:
        return int(parse_time(time).timestamp()) if time else 0
    except ValueError:
        return 0


def encode_managed_fields(managed: Managed) -> list[dict[str, Any]] | None:
    """encodeManagedFields: one entry per manager, sorted as sortEncodedManagedFields does."""
    if not managed.fields:
        return None
    entries = []
    for identifier, owned in managed.fields.items():
        decoded = json.loads(identifier)
        entry: dict[str, Any] = {
            "manager": decoded.get("manager", ""),
            "operation": APPLY if owned.applied else decoded.get("operation", UPDATE),
            "apiVersion": owned.api_version,
        }
        time = managed.times.get(identifier)
        if time:
            entry["time"] = time
        entry["fieldsType"] = FIELDS_V1
        entry["fieldsV1"] = owned.fields.to_fields_v1()
        if decoded.get("subresource"):
            entry["subresource"] = decoded["subresource"]
        entries.append(entry)
    entries.sort(
        key=lambda e: (
            e["operation"],
            _unix_seconds(e.get("time")),
            e["manager"],
            e["apiVersion"],
            e.get("subresource", ""),
        )
    )
    return entries


def _print_manager(identifier: str) -> str:
    """conflict.go printManager."""
    try:
        decoded = json.loads(identifier)
    except ValueError:
        return go_quote(identifier)
    text = go_json(decoded.get("manager", ""))
    if decoded.get("subresource"):
        text += f" with subresource {go_json(decoded['subresource'])}"
    if decoded.get("operation") == UPDATE:
        text += f" using {decoded.get('apiVersion', '')}"
        if decoded.get("time"):
            text += f" at {decoded['time']}"
    return text


def new_conflict_error(conflicts: list[Conflict]) -> errors.StatusError:
    """NewConflictError: 409, reason Conflict, one FieldManagerConflict cause per field."""
    causes = [
        {
            "reason": "FieldManagerConflict",
            "message": f"conflict with {_print_manager(c.manager)}",
            "field": path_string(c.path),
        }
        for c in conflicts
    ]
    if len(conflicts) == 1:
        only = conflicts[0]
        message = (
            f"Apply failed with 1 conflict: conflict with {_print_manager(only.manager)}: {path_string(only.path)}"
        )
    else:
        by_manager: dict[str, list[str]] = defaultdict(list)
        for c in conflicts:
            by_manager[c.manager].append(path_string(c.path))
        lines = []
        for manager in sorted(by_manager):
            lines.append(f"conflicts with {_print_manager(manager)}:")
            lines.extend(f"- {path}" for path in by_manager[manager])
        message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    return errors.StatusError(409, "Conflict", message, {"causes": causes})


def _unknown_error(message: str) -> errors.StatusError:
    """What responsewriters.ErrorToAPIStatus makes of an error that is not a Status: 500, no reason."""
    return errors.StatusError(500, "", message)


def _gvk_string(gvk: GroupVersionKind) -> str:
    """schema.GroupVersionKind.String."""
    return f"{gvk.group}/{gvk.version}, Kind={gvk.kind}"


def _object_gvk(obj: dict[str, Any]) -> GroupVersionKind:
    api_version = obj.get("apiVersion")
    kind = obj.get("kind")
    gv = GroupVersion.parse(api_version) if isinstance(api_version, str) and api_version else GroupVersion("", "")
    return gv.with_kind(kind if isinstance(kind, str) else "")


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _strip_nulls(value: Any) -> Any:
    """Nulls the merge leaves in maps decode to absent (omitempty) fields of the typed object."""
    if isinstance(value, dict):
        return {k: _strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_nulls(v) for v in value]
    return value


class FieldManager:
    """managedfields.FieldManager for one kind, at its main endpoint or at one subresource."""

    def __init__(
        self,
        tref: TypeRef,
        gvk: GroupVersionKind,
        *,
        subresource: str = "",
        reset_fields: FieldSet | None = None,
        track_untracked_live: bool = True,
    ) -> None:
        """
        Args:
            tref: The kind's type.
            gvk: The kind, at the version its managedFields entries record.
            subresource: ``status``, ``scale``... for a subresource endpoint.
            reset_fields: What the endpoint's strategy resets (status at the main endpoint of a
                kind with a status subresource; all but status at /status): nobody owns those
                through this endpoint.
            track_untracked_live: Whether an apply to an object without managedFields first
                gives what exists to "before-first-apply" (skipnonapplied.go). Off for objects
                whose managedFields are not kept, where every field would otherwise conflict.
        """
        self.tref = tref
        self.gvk = gvk
        self.subresource = subresource
        self.reset_fields = reset_fields
        self.track_untracked_live = track_untracked_live
        self._updater = Updater(tref, exclude_filter(reset_fields) if reset_fields is not None else None)

    @property
    def api_version(self) -> str:
        return self.gvk.api_version

    def for_subresource(self, subresource: str, reset_fields: FieldSet | None) -> FieldManager:
        return FieldManager(self.tref, self.gvk, subresource=subresource, reset_fields=reset_fields)

    # -- Update ---------------------------------------------------------------------------

    def update(self, live: dict[str, Any] | None, new: dict[str, Any], manager: str) -> list[dict[str, Any]] | None:
        """FieldManager.UpdateNoErrors: record a non-apply write of ``new`` over ``live``.

        Sets (or removes) ``new``'s ``metadata.managedFields`` and returns what it set.
        ``live`` is None for a create. When the bookkeeping fails, the live entries are kept,
        as upstream does.
        """
        live_obj = live if live is not None else {}
        meta = new.setdefault("metadata", {})
        managed = self._decode_live_or_new(live_obj, new)
        meta.pop("managedFields", None)
        try:
            managed = self._update_chain(live, new, managed, manager)
        except (ValueError, ValidationErrors):
            entries = _meta(live_obj).get("managedFields")
            if entries:
                meta["managedFields"] = deep_copy_json(entries)
            return entries if entries else None
        return self._encode_into(new, managed)

    def _decode_live_or_new(self, live: dict[str, Any], new: dict[str, Any]) -> Managed:
        """decodeLiveOrNew: the request's managedFields replace the live ones (main endpoint only)."""
        live_entries = _meta(live).get("managedFields")
        if not self.subresource:
            entries = _meta(new).get("managedFields", MISSING)
            # managedFields: [] (or one empty entry) in a request clears them.
            if entries == [] or entries == [{}]:
                return Managed()
            if entries is not MISSING and entries is not None:
                try:
                    managed = decode_managed_fields(entries)
                except ValueError:
                    managed = Managed()
                if managed.fields:
                    return managed
        try:
            return decode_managed_fields(live_entries)
        except ValueError:
            return Managed()

    def _update_chain(
        self, live: dict[str, Any] | None, new: dict[str, Any], managed: Managed, manager: str
    ) -> Managed:
        # skipnonapplied.go: an existing object nobody tracked stays untracked until its first apply.
        if not managed.fields and live is not None and _meta(live).get("uid"):
            return managed
        base = live if live is not None else zero_object(new, self.tref)
        managed = self._tracked_update(base, new, managed, manager or "unknown")
        return self._cap_update_managers(managed)

    def _tracked_update(self, live: dict[str, Any], new: dict[str, Any], managed: Managed, manager: str) -> Managed:
        """buildmanagerinfo.go → managedfieldsupdater.go → stripmeta.go → structuredmerge.go for an Update."""
        identifier = manager_identifier(manager, UPDATE, self.api_version, self.subresource)
        fields = self._updater.update(live, new, self.api_version, managed.fields, CURRENT_OPERATION)
        fields = self._strip_meta(fields, CURRENT_OPERATION)
        result = Managed(fields, dict(managed.times))
        current = result.fields.pop(CURRENT_OPERATION, None)
        if current is not None:
            previous = result.fields.get(identifier)
            merged = current.fields if previous is None else current.fields.union(previous.fields)
            result.fields[identifier] = VersionedSet(merged, current.api_version, current.applied)
            result.times[identifier] = now_rfc3339()
        return result

    @staticmethod
    def _strip_meta(fields: ManagedFields, manager: str) -> ManagedFields:
        owned = fields.get(manager)
        if owned is None:
            return fields
        result = dict(fields)
        remaining = owned.fields.difference(_STRIPPED)
        if remaining.empty():
            del result[manager]
        else:
            result[manager] = VersionedSet(remaining, owned.api_version, owned.applied)
        return result

    @staticmethod
    def _cap_update_managers(managed: Managed) -> Managed:
        """capmanagers.go: past ten Update entries, the oldest merge into ancient-changes."""
        updaters = [m for m, owned in managed.fields.items() if not owned.applied]
        if len(updaters) <= MAX_UPDATE_MANAGERS:
            return managed
        updaters.sort(key=lambda m: (_unix_seconds(managed.times.get(m)), m))
        result = managed.copy()
        first_per_version: dict[str, str] = {}
        length = len(updaters)
        for manager in updaters:
            if length <= MAX_UPDATE_MANAGERS:
                break
            owned = result.fields[manager]
            time = result.times.get(manager)
            version = owned.api_version
            bucket = manager_identifier(ANCIENT_CHANGES, UPDATE, version)
            first = first_per_version.get(version)
            if first is None:
                first_per_version[version] = manager
                continue
            if bucket not in result.fields:
                result.fields[bucket] = result.fields.pop(first)
            result.fields[bucket] = VersionedSet(
                owned.fields.union(result.fields[bucket].fields), version, owned.applied
            )
            del result.fields[manager]
            length -= 1
            result.times[bucket] = time
        return result

    def _encode_into(self, obj: dict[str, Any], managed: Managed) -> list[dict[str, Any]] | None:
        entries = encode_managed_fields(managed)
        meta = obj.setdefault("metadata", {})
        if entries is None:
            meta.pop("managedFields", None)
        else:
            meta["managedFields"] = entries
        return entries

    # -- Apply ----------------------------------------------------------------------------

    def apply(
        self, live: dict[str, Any] | None, applied: dict[str, Any], manager: str, *, force: bool
    ) -> dict[str, Any]:
        """FieldManager.Apply: merge an applied configuration into ``live`` (None: nothing yet).

        Returns:
            The new object, its managedFields set.

        Raises:
            StatusError: 400 for a configuration of another kind or with managedFields, 409 on
                conflicts (unless ``force``), 500 for a configuration the schema rejects.
        """
        live_obj = live if live is not None else {}
        try:
            managed = decode_managed_fields(_meta(live_obj).get("managedFields"))
        except ValueError as exc:
            raise _unknown_error(f"failed to decode managed fields: {exc}") from None
        # versioncheck.go
        gvk = _object_gvk(applied)
        if gvk != self.gvk:
            raise errors.new_bad_request(f"invalid object type: {_gvk_string(gvk)}")
        obj, managed = self._apply_last_applied(live_obj, applied, managed, manager, force)
        obj = _strip_nulls(obj)
        # lastappliedupdater.go: keep kubectl's client-side annotation in step with its applies.
        annotations = _meta(obj).get("annotations")
        if manager == KUBECTL_MANAGER and isinstance(annotations, dict) and annotations.get(LAST_APPLIED_ANNOTATION):
            annotations[LAST_APPLIED_ANNOTATION] = _build_last_applied(applied)
        self._encode_into(obj, managed)
        return obj

    def _apply_last_applied(
        self, live: dict[str, Any], applied: dict[str, Any], managed: Managed, manager: str, force: bool
    ) -> tuple[dict[str, Any], Managed]:
        """lastappliedmanager.go: kubectl may take over fields its client-side apply set."""
        try:
            return self._apply_chain(live, applied, managed.copy(), manager, force)
        except Conflicts as conflicts:
            if manager != KUBECTL_MANAGER:
                raise new_conflict_error(conflicts.conflicts) from None
            allowed = self._allowed_conflicts_from_last_applied(live)
            if allowed is None:
                raise new_conflict_error(conflicts.conflicts) from None
            remaining = [c for c in conflicts.conflicts if not allowed.has(c.path)]
            if remaining:
                raise new_conflict_error(remaining) from None
        try:
            return self._apply_chain(live, applied, managed.copy(), manager, True)
        except Conflicts as conflicts:
            raise new_conflict_error(conflicts.conflicts) from None

    def _allowed_conflicts_from_last_applied(self, live: dict[str, Any]) -> FieldSet | None:
        annotations = _meta(live).get("annotations")
        text = annotations.get(LAST_APPLIED_ANNOTATION) if isinstance(annotations, dict) else None
        if not text:
            return None
        try:
            last_applied = json.loads(text)
        except ValueError:
            return None
        if not isinstance(last_applied, dict) or last_applied.get("apiVersion") != self.api_version:
            return None
        try:
            validate(last_applied, self.tref)
        except ValidationErrors:
            return None
        comparison = compare(last_applied, live, self.tref)
        return (
            to_field_set(last_applied, self.tref)
            .difference(comparison.modified)
            .difference(comparison.added)
            .difference(comparison.removed)
        )

    def _apply_chain(
        self, live: dict[str, Any], applied: dict[str, Any], managed: Managed, manager: str, force: bool
    ) -> tuple[dict[str, Any], Managed]:
        # skipnonapplied.go: before the first apply, what exists is owned by "before-first-apply".
        if not managed.fields and self.track_untracked_live:
            managed = self._tracked_update(zero_object(live, self.tref), live, managed, BEFORE_FIRST_APPLY)
        # capmanagers.go does not cap on apply; buildmanagerinfo.go names the applier.
        identifier = manager_identifier(manager, APPLY, self.api_version, self.subresource)
        # structuredmerge.go
        if _meta(applied).get("managedFields") is not None:
            raise errors.new_bad_request("metadata.managedFields must be nil")
        try:
            validate(applied, self.tref)
        except ValidationErrors as exc:
            raise _unknown_error(
                f"failed to create typed patch object ({self._object_name(applied)}): {exc.text()}"
            ) from None
        new_obj, fields = self._updater.apply(live, applied, self.api_version, managed.fields, identifier, force=force)
        # stripmeta.go
        fields = self._strip_meta(fields, identifier)
        result = Managed(fields, dict(managed.times))
        # managedfieldsupdater.go: the time moves only when the object changed.
        if new_obj is MISSING:
            obj = deep_copy_json(live)
            _meta(obj).pop("managedFields", None)
        else:
            obj = new_obj
            result.times[identifier] = now_rfc3339()
        return obj, result

    def _object_name(self, obj: dict[str, Any]) -> str:
        """objectGVKNN: ``namespace/name; group/version, Kind=kind``."""
        meta = _meta(obj)
        return f"{meta.get('namespace', '')}/{meta.get('name', '')}; {_gvk_string(_object_gvk(obj))}"


def _build_last_applied(applied: dict[str, Any]) -> str:
    """buildLastApplied: the applied object without the annotation, as unstructured JSON encodes it."""
    obj = deep_copy_json(applied)
    annotations = _meta(obj).get("annotations")
    if isinstance(annotations, dict):
        annotations.pop(LAST_APPLIED_ANNOTATION, None)
    # json.Encoder.Encode, as the unstructured JSON scheme writes it: sorted keys, a final newline.
    return go_json(obj, sort_keys=True) + "\n"
