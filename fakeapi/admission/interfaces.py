"""What admission plugins are handed and what they implement (k8s.io/apiserver/pkg/admission:
interfaces.go, attributes.go).

One ``Attributes`` per admission call: the operation, the kind and resource at the request's
endpoint (its group-version), the subresource, the object being written and the one it replaces,
who asks, whether it is a dry run, and the options of the request. Plugins that mutate change
``attributes.obj`` in place; plugins that validate raise a StatusError to refuse the request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from fakeapi.apimachinery.schema import GroupResource, GroupVersionKind, GroupVersionResource
from fakeapi.endpoints.request import RequestContext, UserInfo
from fakeapi.storage.interfaces import Object

# admission.Operation
CREATE = "CREATE"
UPDATE = "UPDATE"
DELETE = "DELETE"
CONNECT = "CONNECT"


@dataclass
class ReinvocationContext:
    """admission.ReinvocationContext (attributes.go): whether the mutating plugins run again.

    A plugin that changed the object asks for a reinvocation (``set_should_reinvoke``); the chain
    then runs the mutating plugins once more with ``is_reinvoke`` set (reinvocation.go). Plugins
    keep what they need between the two passes under their name (``value``, ``set_value``).
    """

    is_reinvoke: bool = False
    should_reinvoke: bool = False
    _values: dict[str, Any] = field(default_factory=dict)

    def set_should_reinvoke(self) -> None:
        self.should_reinvoke = True

    def value(self, key: str) -> Any:
        return self._values.get(key)

    def set_value(self, key: str, value: Any) -> None:
        self._values[key] = value


@dataclass
class Attributes:
    """admission.Attributes (attributesRecord).

    ``obj`` is None for DELETE and for CONNECT without a body; ``old_obj`` is None for CREATE and
    CONNECT, and is the object being deleted when a DELETE is validated. ``options`` is the
    request's WriteOptions or DeleteOptions (``fakeapi.registry.rest``).
    """

    operation: str
    kind: GroupVersionKind
    resource: GroupVersionResource
    subresource: str
    namespace: str
    name: str
    obj: Object | None
    old_obj: Object | None
    context: RequestContext
    dry_run: bool = False
    options: Any = None
    reinvocation_context: ReinvocationContext = field(default_factory=ReinvocationContext)

    @property
    def user(self) -> UserInfo:
        return self.context.user

    @property
    def group_resource(self) -> GroupResource:
        return GroupResource(self.resource.group, self.resource.resource)

    def add_annotation(self, key: str, value: str) -> None:
        """AddAnnotation: an audit annotation on the request's audit event."""
        self.context.audit_annotations[key] = value

    def add_warning(self, text: str) -> None:
        """warning.AddWarning: a ``Warning`` header on the response."""
        self.context.add_warning(text)


class Interface(Protocol):
    """admission.Interface, with Handles narrowed to what the chain can index.

    ``resources`` names the group-resources the plugin acts on, or is None for a plugin that
    looks at every request (webhooks, admission policies); ``operations`` the operations.
    """

    @property
    def name(self) -> str: ...

    @property
    def resources(self) -> frozenset[GroupResource] | None: ...

    @property
    def operations(self) -> frozenset[str]: ...


@runtime_checkable
class MutationInterface(Interface, Protocol):
    """admission.MutationInterface."""

    def admit(self, attributes: Attributes) -> None:
        """Change ``attributes.obj`` in place, or raise a StatusError to refuse the request."""


@runtime_checkable
class ValidationInterface(Interface, Protocol):
    """admission.ValidationInterface."""

    def validate(self, attributes: Attributes) -> None:
        """Raise a StatusError to refuse the request; never change ``attributes.obj``."""
