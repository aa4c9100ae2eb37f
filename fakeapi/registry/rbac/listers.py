"""The RBAC listers the authorizer reads, over the RBAC Stores' storage (RoleGetter, RoleBindingLister, ...).

Upstream the RBAC authorizer reads Roles and bindings from shared informers' caches; here it
reads the storage behind the RBAC Stores, so a binding created by one request authorizes the
very next one.
"""

from __future__ import annotations

from fakeapi.registry.generic.store import Store
from fakeapi.storage.interfaces import Object

__all__ = ["StoreRBACObjects"]


class StoreRBACObjects:
    """RBACObjects over the roles, rolebindings, clusterroles and clusterrolebindings Stores (read-only)."""

    def __init__(self, roles: Store, role_bindings: Store, cluster_roles: Store, cluster_role_bindings: Store) -> None:
        self._roles = roles
        self._role_bindings = role_bindings
        self._cluster_roles = cluster_roles
        self._cluster_role_bindings = cluster_role_bindings

    def get_role(self, namespace: str, name: str) -> Object | None:
        return self._roles.storage.get(self._roles.key_func(namespace, name))

    def list_role_bindings(self, namespace: str) -> list[Object]:
        store = self._role_bindings
        return store.storage.get_list(store.key_prefix, namespace)[0]

    def get_cluster_role(self, name: str) -> Object | None:
        return self._cluster_roles.storage.get(self._cluster_roles.key_func("", name))

    def list_cluster_role_bindings(self) -> list[Object]:
        store = self._cluster_role_bindings
        return store.storage.get_list(store.key_prefix)[0]
