"""The ClusterRole aggregation controller: fills the rules of roles that have an aggregationRule.

Follows pkg/controller/clusterroleaggregation/clusterroleaggregation_controller.go. Any change
to any ClusterRole queues every ClusterRole with an ``aggregationRule`` (the set is small and
the dependency graph unknown). A sync collects, for each of the role's ``clusterRoleSelectors``
in order, the ClusterRoles it selects sorted by name (the role itself excluded), and appends
each of their rules not already present; when the result differs from the role's rules it
replaces them (upstream applies them server-side as ``clusterrole-aggregation-controller``;
here a merge patch of ``rules`` has the same effect on the object). This is how ``admin``,
``edit`` and ``view`` pick up the rules of every ``aggregate-to-*`` role, the bootstrap ones
and any a test adds.
"""

from __future__ import annotations

from fakeapi.controllers.base import QueueController
from fakeapi.controllers.context import ControllerContext
from fakeapi.registry.rbac.aggregation import aggregated_rules, same_rules
from fakeapi.storage.interfaces import Event

__all__ = ["CLUSTER_ROLES_PREFIX", "NAME", "ClusterRoleAggregationController"]

NAME = "clusterrole-aggregation"
SERVICE_ACCOUNT = "clusterrole-aggregation-controller"
CLUSTER_ROLES_PREFIX = "rbac.authorization.k8s.io/clusterroles"


class ClusterRoleAggregationController(QueueController[str]):
    """Keys are the names of ClusterRoles with an aggregationRule."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(NAME, self._sync_cluster_role, ctx.log)
        self._resources = ctx.resources
        self._client = ctx.client(SERVICE_ACCOUNT)
        self._cluster_roles = ctx.informers.lister(CLUSTER_ROLES_PREFIX)
        ctx.informers.add_event_handler(CLUSTER_ROLES_PREFIX, self._cluster_role_changed)

    def _cluster_role_changed(self, event: Event) -> None:
        changed = (event.object.get("metadata") or {}).get("name")
        for role in self._cluster_roles.list():
            if role.get("aggregationRule") is not None:
                name = role["metadata"]["name"]
                self.enqueue_key(name, cause=f"clusterrole {changed} {event.type.lower()}")

    def _sync_cluster_role(self, name: str) -> None:
        role = self._cluster_roles.get("", name)
        if role is None or role.get("aggregationRule") is None:
            return
        rules = aggregated_rules(role, self._cluster_roles.list())
        if same_rules(rules, role.get("rules") or []):
            return
        store = self._resources.by_prefix(CLUSTER_ROLES_PREFIX)
        if store is None:
            return
        self._client.merge_patch(store.spec, "", name, {"rules": rules})
