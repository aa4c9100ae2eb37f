"""The PV protection controller (pkg/controller/volume/pvprotection/pv_protection_controller.go).

A PersistentVolume keeps the ``kubernetes.io/pv-protection`` finalizer while it is Bound, so
deleting a bound volume leaves it Terminating until its claim lets it go; an unbound volume being
deleted loses the finalizer, and a volume without it gets it.
"""

from __future__ import annotations

from fakeapi.apimachinery import errors
from fakeapi.controllers.base import QueueController
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.controller_utils import meta, status_of
from fakeapi.controllers.informer import ResourceEventHandlerFuncs
from fakeapi.controllers.volume.protectionutil import (
    PV_PROTECTION_FINALIZER,
    is_deletion_candidate,
    need_to_add_finalizer,
    with_finalizer,
    without_finalizer,
)
from fakeapi.storage.interfaces import Object

NAME = "pv-protection"
SERVICE_ACCOUNT = "pv-protection-controller"
VOLUMES = "persistentvolumes"


class PVProtectionController(QueueController[str]):
    """Keys are volume names."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(NAME, self._process_volume, ctx.log)
        self._ctx = ctx
        self._client = ctx.client(SERVICE_ACCOUNT)
        self._volumes = ctx.informers.lister(VOLUMES)
        ctx.informers.add_event_handler(
            VOLUMES,
            ResourceEventHandlerFuncs(add=self._volume_changed, update=lambda _, new: self._volume_changed(new)),
        )

    def _volume_changed(self, volume: Object) -> None:
        """pvAddedUpdated."""
        if need_to_add_finalizer(volume, PV_PROTECTION_FINALIZER) or is_deletion_candidate(
            volume, PV_PROTECTION_FINALIZER
        ):
            self.enqueue_key(meta(volume)["name"], cause="volume changed")

    def _process_volume(self, name: str) -> None:
        """processPV: a volume is in use while it is Bound (isBeingUsed)."""
        volume = self._volumes.get("", name)
        if volume is None:
            return
        spec = self._ctx.spec(VOLUMES)
        try:
            if is_deletion_candidate(volume, PV_PROTECTION_FINALIZER):
                if status_of(volume).get("phase") != "Bound":
                    self._client.update(spec, without_finalizer(volume, PV_PROTECTION_FINALIZER))
                return
            if need_to_add_finalizer(volume, PV_PROTECTION_FINALIZER):
                self._client.update(spec, with_finalizer(volume, PV_PROTECTION_FINALIZER))
        except errors.StatusError as exc:
            if exc.code not in (404, 409):
                raise
