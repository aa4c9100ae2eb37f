"""The StatefulSet controller (pkg/controller/statefulset), one module per upstream file."""

from fakeapi.controllers.statefulset.stateful_set import StatefulSetController

__all__ = ["StatefulSetController"]
