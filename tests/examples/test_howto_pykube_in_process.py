"""How to test code built on pykube-ng (or any `requests`-based client) without a socket.

``fakeapi.responses_mock(pykube=True)`` answers pykube-ng's requests from the server's handler
chain in process, through the `responses` library; watches stream as over HTTPS. Requests
carry no client certificate in process, so they run as the admin's bearer token.
"""

from __future__ import annotations

import pykube

from fakeapi.pytest_plugin.plugin import FakeAPI

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: nginx:1.27}]
"""


def scale_all(api: pykube.HTTPClient, namespace: str, replicas: int) -> list[str]:
    """The code under test: scale every Deployment of a namespace; returns the names it scaled."""
    scaled = []
    for deployment in pykube.Deployment.objects(api, namespace=namespace):
        deployment.replicas = replicas
        deployment.update()  # pykube-ng sends a merge patch
        scaled.append(deployment.name)
    return scaled


def test_scale_all_through_pykube(fakeapi: FakeAPI) -> None:
    fakeapi.seed(DEPLOYMENT)
    # The Deployment's controllers roll it out now, so none writes it while pykube reads and patches it
    # (pykube-ng's update sends the resourceVersion it read: a write in between would be a 409).
    fakeapi.server.settle()

    with fakeapi.responses_mock(pykube=True):
        api = pykube.HTTPClient(pykube.KubeConfig.from_file(str(fakeapi.kubeconfig)))
        assert scale_all(api, "default", 4) == ["web"]

    assert fakeapi.get("apps/v1", "Deployment", "web")["spec"]["replicas"] == 4
    fakeapi.audit.assert_requested("patch", "deployments", name="web", user_agent="pykube-ng", code=200, count=1)
