"""The ``rbac/bootstrap-roles`` post-start hook (pkg/registry/rbac/rest/storage_rbac.go).

Upstream the hook creates every missing object of the bootstrap policy through the loopback
client at start, and reconciles those marked for auto-update. Here the objects are created
with the rest of a fresh (or reset) cluster's bootstrap objects, straight through the RBAC
Stores (defaulting, validation and managedFields apply; the HTTP round trip does not, which
keeps a reset cheap). ``admin``, ``edit`` and ``view`` are written already aggregated, after
the roles they aggregate and in the order aggregation flows (``view`` into ``edit`` into
``admin``), so their rules are right from the first request rather than a moment later, when
the aggregation controller would fill them.
"""

from __future__ import annotations

from collections.abc import Mapping

from fakeapi.apimachinery import errors
from fakeapi.authentication.user import APISERVER_USER
from fakeapi.authorization.bootstrappolicy import RBAC_API_VERSION, policy_objects
from fakeapi.endpoints.request import RequestContext, RequestInfo
from fakeapi.registry.generic.store import Store
from fakeapi.registry.rbac.aggregation import aggregated_rules
from fakeapi.registry.rest import WriteOptions
from fakeapi.storage.interfaces import Object

__all__ = ["bootstrap_policy", "ensure_bootstrap_policy"]

RBAC_GROUP = RBAC_API_VERSION.partition("/")[0]
_RESOURCES = {
    "ClusterRole": "clusterroles",
    "ClusterRoleBinding": "clusterrolebindings",
    "Role": "roles",
    "RoleBinding": "rolebindings",
}
# The loopback client's field manager and user agent in kube-apiserver's own writes.
FIELD_MANAGER = "kube-apiserver"


# Aggregating roles in the order rules flow through them: each one's sources exist before it.
AGGREGATION_ORDER = ("view", "edit", "admin")


def bootstrap_policy() -> list[Object]:
    """The bootstrap RBAC objects, aggregated roles filled in, ready to create in order.

    The roles that aggregate come after every role they select, so the aggregation controller,
    which may sync while they are being created, always finds their rules complete and never
    rewrites one: the objects and their resourceVersions are the same on every run.
    """
    objects = policy_objects()
    cluster_roles = [o for o in objects if o["kind"] == "ClusterRole"]
    by_name = {o["metadata"]["name"]: o for o in cluster_roles}
    for name in AGGREGATION_ORDER:
        role = by_name[name]
        role["rules"] = aggregated_rules(role, cluster_roles)
    aggregating = [by_name[name] for name in AGGREGATION_ORDER]
    plain = [o for o in objects if o["kind"] == "ClusterRole" and o["metadata"]["name"] not in AGGREGATION_ORDER]
    others = [o for o in objects if o["kind"] != "ClusterRole"]
    return [*plain, *aggregating, *others]


def ensure_bootstrap_policy(stores: Mapping[tuple[str, str, str], Store]) -> None:
    """Create every bootstrap RBAC object that does not exist yet."""
    for obj in bootstrap_policy():
        resource = _RESOURCES[obj["kind"]]
        store = stores.get((RBAC_GROUP, "v1", resource))
        if store is None:
            continue
        namespace = obj["metadata"].get("namespace", "")
        info = RequestInfo(
            path="",
            verb="create",
            is_resource_request=True,
            api_group=RBAC_GROUP,
            api_version="v1",
            namespace=namespace,
            resource=resource,
        )
        ctx = RequestContext(info, user=APISERVER_USER, user_agent=FIELD_MANAGER)
        try:
            store.create(ctx, obj, WriteOptions(field_manager=FIELD_MANAGER))
        except errors.StatusError as err:
            if err.reason != "AlreadyExists":
                raise
