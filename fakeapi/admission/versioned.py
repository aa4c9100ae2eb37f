"""The object of a request in the version an admission hook matched it as
(k8s.io/apiserver/pkg/admission/plugin/webhook/generic/conversion.go: VersionedAttributes).

Under ``matchPolicy: Equivalent`` a webhook or policy whose rules name another version of the
request's resource is given the object converted to that version; a mutating hook's result is
converted back. The server supplies the conversion (its scheme for built-in kinds, a CRD's
converter for custom resources).
"""

from __future__ import annotations

from collections.abc import Callable

from fakeapi.apimachinery.schema import GroupVersionKind
from fakeapi.storage.interfaces import Object

# Converts an object to another version of its kind.
VersionConverter = Callable[[Object, GroupVersionKind], Object]


def versioned(
    convert: VersionConverter, obj: Object | None, from_kind: GroupVersionKind, to_kind: GroupVersionKind
) -> Object | None:
    """``obj`` in ``to_kind``'s version (itself when the kinds are the same, None stays None)."""
    if obj is None or from_kind == to_kind:
        return obj
    return convert(obj, to_kind)
