"""Nodes (pkg/registry/core/node/strategy.go).

Nodes are the one resource whose status may be set on create: a kubelet registers its node
with its status in one request, so unlike the generic strategy this one keeps it
(nodeStrategy.PrepareForCreate: "Nodes allow *all* fields, including status, to be set on
create"). Updates of the main endpoint still keep the old status.
"""

from __future__ import annotations

from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.strategy import Strategy
from fakeapi.storage.interfaces import Object


class NodeStrategy(Strategy):
    def prepare_for_create(self, ctx: RequestContext, obj: Object) -> None:
        status = obj.get("status")
        super().prepare_for_create(ctx, obj)
        if status is not None:
            obj["status"] = status
