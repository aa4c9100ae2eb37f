"""What admission plugins read: the stored objects of other resources (upstream's informer listers).

Plugins read the Stores' storage directly, as listers read a cache: no request, no copy. What
they get must not be changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fakeapi.storage.interfaces import Object


class StoreReader:
    """Gets and lists by (group, version, resource) from the server's Stores, built after the plugins."""

    def __init__(self, stores: Mapping[tuple[str, str, str], Any]) -> None:
        self._stores = stores

    def get(self, gvr: tuple[str, str, str], namespace: str, name: str) -> Object | None:
        store = self._stores.get(gvr)
        return None if store is None else store.storage.get(store.key_func(namespace, name))

    def list(self, gvr: tuple[str, str, str], namespace: str | None = None) -> list[Object]:
        store = self._stores.get(gvr)
        return [] if store is None else store.storage.get_list(store.key_prefix, namespace)[0]
