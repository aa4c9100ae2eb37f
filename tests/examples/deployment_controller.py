"""A small controller written with the `kubernetes` client, as a project under test would write one.

It watches the Deployments of one namespace and, for each, reports it ready (``status``
through the status subresource) and publishes a summary ConfigMap owned by it. It survives
what a real cluster does to controllers: a watch that ends or is cut (it re-lists or resumes
from the last resourceVersion), 410 Gone (it re-lists) and 409 Conflict (it retries). Errors it
does not expect are kept and re-raised by ``stop()``, so the test that runs it fails.
"""

from __future__ import annotations

import threading
from typing import Any

import urllib3
from kubernetes import client, watch
from kubernetes.client.exceptions import ApiException

# Every request has a bounded (connect, read) timeout, and each watch ends after WATCH_SECONDS
# so the loop sees stop() promptly.
REQUEST_TIMEOUT = (5, 15)
WATCH_SECONDS = 2
CONFLICT_RETRIES = 10
STOP_TIMEOUT = 15.0
FIELD_MANAGER = "deployment-controller"


class DeploymentController:
    """Reports Deployments ready and publishes ``<name>-summary`` ConfigMaps, in a background thread.

    Args:
        api_client: The `kubernetes` ApiClient to talk through.
        namespace: The namespace to watch.
    """

    def __init__(self, api_client: client.ApiClient, namespace: str = "default") -> None:
        self.apps = client.AppsV1Api(api_client)
        self.core = client.CoreV1Api(api_client)
        self.namespace = namespace
        self.errors: list[BaseException] = []
        self.relists = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="deployment-controller", daemon=True)

    def __enter__(self) -> DeploymentController:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop the loop and re-raise the first unexpected error it hit."""
        self._stop.set()
        self._thread.join(STOP_TIMEOUT)
        if self._thread.is_alive():
            raise TimeoutError(f"the controller did not stop within {STOP_TIMEOUT} s")
        if self.errors:
            raise self.errors[0]

    # -- the loop -------------------------------------------------------------------------------

    def _run(self) -> None:
        resource_version = ""
        while not self._stop.is_set():
            try:
                if not resource_version:
                    resource_version = self._relist()
                resource_version = self._watch(resource_version)
            except ApiException as exc:
                if exc.status == 410:  # our resourceVersion left the server's window: start over
                    resource_version = ""
                elif exc.status not in (409, 429, 500, 503):
                    self.errors.append(exc)
                    return
            except (urllib3.exceptions.HTTPError, ConnectionError):
                continue  # the watch was cut: resume from the last resourceVersion seen
            except Exception as exc:
                self.errors.append(exc)
                return

    def _relist(self) -> str:
        self.relists += 1
        deployments = self.apps.list_namespaced_deployment(self.namespace, _request_timeout=REQUEST_TIMEOUT)
        for deployment in deployments.items:
            self._reconcile(deployment.metadata.name)
        return str(deployments.metadata.resource_version)

    def _watch(self, resource_version: str) -> str:
        stream = watch.Watch().stream(
            self.apps.list_namespaced_deployment,
            self.namespace,
            resource_version=resource_version,
            timeout_seconds=WATCH_SECONDS,
            allow_watch_bookmarks=True,
            _request_timeout=(REQUEST_TIMEOUT[0], WATCH_SECONDS + REQUEST_TIMEOUT[1]),
        )
        for event in stream:
            if event["type"] == "BOOKMARK":
                # Only the revision to go on from (the client leaves a bookmark's object a dict): one comes
                # two seconds before the watch ends, so the next watch starts from the newest revision.
                resource_version = event["raw_object"]["metadata"]["resourceVersion"]
                continue
            deployment = event["object"]
            resource_version = deployment.metadata.resource_version
            if event["type"] in ("ADDED", "MODIFIED"):
                self._reconcile(deployment.metadata.name)
            if self._stop.is_set():
                break
        return resource_version

    # -- one Deployment -------------------------------------------------------------------------

    def _reconcile(self, name: str) -> None:
        for _ in range(CONFLICT_RETRIES):
            try:
                deployment = self.apps.read_namespaced_deployment(
                    name, self.namespace, _request_timeout=REQUEST_TIMEOUT
                )
                self._publish_summary(deployment)
                self._report_ready(deployment)
                return
            except ApiException as exc:
                if exc.status == 404:
                    return  # deleted meanwhile; the garbage collector removes the summary
                if exc.status != 409:
                    raise
        raise RuntimeError(f"{name}: still conflicting after {CONFLICT_RETRIES} attempts")

    def _report_ready(self, deployment: Any) -> None:
        replicas = deployment.spec.replicas or 0
        status = deployment.status
        if (
            status
            and status.observed_generation == deployment.metadata.generation
            and status.ready_replicas == replicas
        ):
            return  # already reported: writing again would only wake our own watch
        self.apps.patch_namespaced_deployment_status(
            deployment.metadata.name,
            self.namespace,
            {
                "metadata": {"resourceVersion": deployment.metadata.resource_version},
                "status": {
                    "observedGeneration": deployment.metadata.generation,
                    "replicas": replicas,
                    "readyReplicas": replicas,
                    "availableReplicas": replicas,
                    "updatedReplicas": replicas,
                },
            },
            field_manager=FIELD_MANAGER,
            _request_timeout=REQUEST_TIMEOUT,
        )

    def _publish_summary(self, deployment: Any) -> None:
        meta = deployment.metadata
        containers = deployment.spec.template.spec.containers
        summary = {
            "metadata": {
                "name": f"{meta.name}-summary",
                "namespace": self.namespace,
                "labels": {"app.kubernetes.io/managed-by": FIELD_MANAGER},
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "kind": "Deployment",
                        "name": meta.name,
                        "uid": meta.uid,
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            },
            "data": {
                "images": ",".join(c.image for c in containers),
                "replicas": str(deployment.spec.replicas or 0),
                "created": meta.creation_timestamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        }
        try:
            current = self.core.read_namespaced_config_map(
                summary["metadata"]["name"], self.namespace, _request_timeout=REQUEST_TIMEOUT
            )
        except ApiException as exc:
            if exc.status != 404:
                raise
            self.core.create_namespaced_config_map(
                self.namespace, summary, field_manager=FIELD_MANAGER, _request_timeout=REQUEST_TIMEOUT
            )
            return
        if current.data != summary["data"]:
            self.core.patch_namespaced_config_map(
                current.metadata.name,
                self.namespace,
                {"metadata": {"resourceVersion": current.metadata.resource_version}, "data": summary["data"]},
                field_manager=FIELD_MANAGER,
                _request_timeout=REQUEST_TIMEOUT,
            )
