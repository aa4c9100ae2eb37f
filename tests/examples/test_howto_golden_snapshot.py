"""How to compare a cluster's state with a golden file: seeded, with time frozen, the same test
leaves the same bytes on every run.

The test's seed (a hash of its node id, unless ``--fakeapi-seed`` or the marker says
otherwise) fixes uids, generateName suffixes and resourceVersions; the marker's ``freeze``
freezes the clock (freezegun) before the fixture resets the cluster, so the bootstrap objects,
what the test seeds and what its controller writes all carry the frozen time;
``fakeapi.snapshot()`` writes the objects as canonical YAML, certificates (new keys in every
run) replaced by their names.

The plugin prepares freezegun for the `kubernetes` client (it is on freezegun's ignore list,
and the client's models accept freezegun's datetime), so the client can be built and used
inside the freeze; ``@freeze_time(...)`` on the test works too when the bootstrap objects'
timestamps do not matter. Set ``UPDATE_GOLDEN=1`` to rewrite the golden files (then read the
diff before committing them).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from deployment_controller import DeploymentController

from fakeapi.pytest_plugin.plugin import FakeAPI

GOLDEN = Path(__file__).parent / "golden"
TIMEOUT = 10.0

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  generateName: web-
  namespace: default
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
"""


def _assert_matches_golden(text: str, name: str) -> None:
    golden = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text)
    assert golden.exists(), f"{golden} is missing: run with UPDATE_GOLDEN=1 to write it"
    assert text == golden.read_text(), f"{golden} differs from this run (UPDATE_GOLDEN=1 rewrites it)"


# The example controller plays the built-in Deployment controller's part (it reports Deployments
# ready through their status), so that one is left out of this cluster.
@pytest.mark.fakeapi(freeze="2030-01-02T03:04:05Z", controllers=["*", "-deployment"])
def test_the_state_a_controller_leaves_matches_the_golden_file(fakeapi: FakeAPI) -> None:
    controller = DeploymentController(fakeapi.api_client())
    fakeapi.seed(DEPLOYMENT)
    with controller:
        fakeapi.audit.assert_requested("patch", "deployments", subresource="status", code=200, timeout=TIMEOUT)

    _assert_matches_golden(fakeapi.snapshot(namespace="default"), "controller-state.yaml")
