"""The horizontal pod autoscaler (pkg/controller/podautoscaler): ``horizontal.py`` and ``replica_calculator.py``."""

from fakeapi.controllers.podautoscaler.horizontal import HorizontalController

__all__ = ["HorizontalController"]
