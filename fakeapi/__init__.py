"""fakeapi: a Kubernetes API server in memory, in Python.

The package mirrors kube-apiserver's layers: ``storage`` (the versioned in-memory backend),
``registry`` (the generic Store and per-resource strategies), ``endpoints`` (route
installation, verb handlers, discovery), ``server`` (the master server, handler chain and
HTTPS serving), ``apimachinery`` (errors, schemas, selectors, patches) and ``certs``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fakeapi.server.instance import FakeAPIServer, ServerConfig

__all__ = ["FakeAPIServer", "ServerConfig"]


def __getattr__(name: str) -> Any:
    # Imported lazily so that `import fakeapi.apimachinery...` stays cheap.
    if name in __all__:
        from fakeapi.server import instance

        return getattr(instance, name)
    raise AttributeError(name)
