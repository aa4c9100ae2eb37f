"""How to record your own controller's enqueues in the enqueue log, next to fakeapi's.

``fakeapi.enqueued`` records the enqueues of fakeapi's built-in controllers (and of any listener
a test registers), not those of the code under test: fakeapi cannot see inside another
process's or library's work queue. Your controller can tell it, at the point where it decides
to work on a key: call ``fakeapi.enqueued.log.record(listener, key, cause)`` there (a hook the
test sets, as below, or a subclass). The same assertions then apply to its keys: wait for one,
assert the order, assert one was not enqueued.
"""

from __future__ import annotations

from collections.abc import Callable

from deployment_controller import DeploymentController
from kubernetes import client

from fakeapi.pytest_plugin.plugin import FakeAPI

LISTENER = "example-deployment-controller"
TIMEOUT = 10.0
DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: nginx:1.27}]}
"""


class RecordedDeploymentController(DeploymentController):
    """The controller under test, telling ``on_enqueue`` about each Deployment it reconciles."""

    def __init__(self, api_client: client.ApiClient, on_enqueue: Callable[[str, str], None]) -> None:
        super().__init__(api_client)
        self._on_enqueue = on_enqueue

    def _reconcile(self, name: str) -> None:
        self._on_enqueue(f"{self.namespace}/{name}", "deployment changed")
        super()._reconcile(name)


def test_the_controllers_keys_are_in_the_enqueue_log(fakeapi: FakeAPI) -> None:
    def record(key: str, cause: str) -> None:
        fakeapi.enqueued.log.record(LISTENER, key, cause)

    fakeapi.seed(DEPLOYMENT)
    with RecordedDeploymentController(fakeapi.api_client(), record):
        event = fakeapi.enqueued.wait_for("default/web", listener=LISTENER, timeout=TIMEOUT)

    assert event.cause == "deployment changed"
    fakeapi.enqueued.assert_not_enqueued("default/db", listener=LISTENER)
