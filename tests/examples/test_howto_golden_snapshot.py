"""How to compare a cluster's state with a golden file: seeded, with time frozen, the same test
leaves the same bytes on every run.

The test's seed (a hash of its node id, unless ``--fakeapi-seed`` or the marker says
otherwise) fixes uids, generateName suffixes and resourceVersions; freezegun fixes the
timestamps the server writes (``fakeapi.reset()`` inside the freeze re-creates the bootstrap
objects, which the fixture made before the test froze time); ``fakeapi.snapshot()`` writes the objects as canonical YAML,
certificates (new keys in every run) replaced by their names.

freezegun scans every loaded module when it starts, and the `kubernetes` client's lazily
loaded models break that scan (its pydantic models cannot be built around freezegun's
datetime): give ``ignore=["kubernetes"]``, and create the client's API objects (which import
their models) before freezing. Set ``UPDATE_GOLDEN=1`` to rewrite the golden files
(then read the diff before committing them).
"""

from __future__ import annotations

import os
from pathlib import Path

from deployment_controller import DeploymentController
from freezegun import freeze_time
from kubernetes import config

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


def test_the_state_a_controller_leaves_matches_the_golden_file(fakeapi: FakeAPI) -> None:
    api_client = config.new_client_from_config(str(fakeapi.kubeconfig))
    controller = DeploymentController(api_client)  # builds its API objects, importing their models, before the freeze

    with freeze_time("2030-01-02T03:04:05Z", ignore=["kubernetes"]):
        fakeapi.reset()  # the bootstrap objects again, stamped with the frozen time
        fakeapi.seed(DEPLOYMENT)
        with controller:
            fakeapi.audit.assert_requested("patch", "deployments", subresource="status", code=200, timeout=TIMEOUT)

    _assert_matches_golden(fakeapi.snapshot(namespace="default"), "controller-state.yaml")
