"""The ReplicationController manager: the ReplicaSet controller run over ReplicationControllers.

Follows pkg/controller/replication/replication_controller.go and conversion.go: upstream
``NewReplicationManager`` builds the ReplicaSet controller (``NewBaseController``) with the
ReplicationController's kind, behind informer and client adapters that convert each
ReplicationController to a ReplicaSet and back. Here the conversion is the
:class:`~fakeapi.controllers.replicaset.ReplicaKind` below: the ``v1`` resource and kind, a
selector that is a plain label map (``matchLabels`` after conversion), and a status without
``terminatingReplicas``, which ReplicationControllerStatus does not have.
"""

from __future__ import annotations

from fakeapi.apimachinery.labels import LabelSelector, selector_from_label_selector_dict
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.controller_utils import spec_of
from fakeapi.controllers.replicaset import ReplicaKind, ReplicaSetController
from fakeapi.storage.interfaces import Object

NAME = "replicationcontroller"
SERVICE_ACCOUNT = "replication-controller"
REPLICATION_CONTROLLERS_PREFIX = "replicationcontrollers"


def map_selector_of(rc: Object) -> LabelSelector:
    """Convert_Map_to_unversioned_LabelSelector: the map as ``matchLabels``; a missing one selects nothing."""
    selector = spec_of(rc).get("selector")
    return selector_from_label_selector_dict(None if selector is None else {"matchLabels": selector})


REPLICATION_CONTROLLER = ReplicaKind(
    name=NAME,
    service_account=SERVICE_ACCOUNT,
    prefix=REPLICATION_CONTROLLERS_PREFIX,
    api_version="v1",
    kind="ReplicationController",
    selector=map_selector_of,
    terminating_replicas=False,
)


class ReplicationManager(ReplicaSetController):
    """ReplicationManager: the ReplicaSet controller over ReplicationControllers (keys ``namespace/name``)."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx, REPLICATION_CONTROLLER)
