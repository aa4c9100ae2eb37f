"""A namespaceSelector against a request (predicates/namespace/matcher.go)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fakeapi.admission.interfaces import CREATE, UPDATE, Attributes
from fakeapi.admission.reader import StoreReader
from fakeapi.apimachinery import errors
from fakeapi.apimachinery.labels import SelectorParseError, selector_from_label_selector_dict
from fakeapi.apimachinery.schema import GroupResource

_NAMESPACES = ("", "v1", "namespaces")


class NamespaceMatcher:
    """Matcher: reads namespaces' labels from the server's Stores (upstream's namespace lister)."""

    def __init__(self, reader: StoreReader) -> None:
        self._reader = reader

    def namespace_labels(self, attributes: Attributes) -> Mapping[str, str]:
        """GetNamespaceLabels: a namespace being created or updated is read from the request."""
        if (
            attributes.resource.resource == "namespaces"
            and not attributes.subresource
            and attributes.operation in (CREATE, UPDATE)
            and attributes.obj is not None
        ):
            return (attributes.obj.get("metadata") or {}).get("labels") or {}
        namespace = self._reader.get(_NAMESPACES, "", attributes.namespace)
        if namespace is None:
            # Kept for compatibility upstream: the request fails with the namespace's 404.
            raise errors.new_not_found(GroupResource("", "namespaces"), attributes.namespace)
        return (namespace.get("metadata") or {}).get("labels") or {}

    def matches(self, namespace_selector: Mapping[str, Any] | None, attributes: Attributes) -> bool:
        """MatchNamespaceSelector: cluster-scoped requests other than namespaces always match."""
        if not attributes.namespace and attributes.resource.resource != "namespaces":
            return True
        try:
            selector = selector_from_label_selector_dict(namespace_selector or {})
        except SelectorParseError as exc:
            raise errors.new_internal_error(str(exc)) from None
        if selector.empty:
            return True
        return selector.matches(self.namespace_labels(attributes))
