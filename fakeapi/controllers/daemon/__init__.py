"""The DaemonSet controller (pkg/controller/daemon): daemon_controller.py, update.py and util.py."""

from fakeapi.controllers.daemon.daemon_controller import DaemonSetsController

__all__ = ["DaemonSetsController"]
