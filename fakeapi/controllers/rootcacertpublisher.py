"""The root CA publisher: a ``kube-root-ca.crt`` ConfigMap with the cluster CA in every namespace.

Follows pkg/controller/certificates/rootcacertpublisher/publisher.go: a namespace is queued
when it is added or updated while Active, and when its ``kube-root-ca.crt`` is updated or
deleted; the sync creates the ConfigMap, or puts back its ``ca.crt`` data and description
annotation when they were changed. A create refused because the namespace is gone or
terminating is not retried. The CA is read at sync time, so a rotated CA is published by the
next sync of each namespace.
"""

from __future__ import annotations

from fakeapi.apimachinery import errors
from fakeapi.controllers.base import QueueController
from fakeapi.controllers.client import has_status_cause
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.informer import ResourceEventHandlerFuncs
from fakeapi.registry.generic.admission import NAMESPACE_TERMINATING_CAUSE
from fakeapi.storage.interfaces import Object

NAME = "root-ca-cert-publisher"
SERVICE_ACCOUNT = "root-ca-cert-publisher"
ROOT_CA_CONFIG_MAP_NAME = "kube-root-ca.crt"
DATA_KEY = "ca.crt"
DESCRIPTION_ANNOTATION = "kubernetes.io/description"
DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as "
    "the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of "
    "Kubernetes clusters."
)
NAMESPACES_PREFIX = "namespaces"
CONFIG_MAPS_PREFIX = "configmaps"


class Publisher(QueueController[str]):
    """Keys are namespace names."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(NAME, self._sync_namespace, ctx.log)
        self._resources = ctx.resources
        self._client = ctx.client(SERVICE_ACCOUNT)
        self._root_ca = ctx.root_ca
        self._config_maps = ctx.informers.lister(CONFIG_MAPS_PREFIX)
        ctx.informers.add_event_handler(
            CONFIG_MAPS_PREFIX,
            ResourceEventHandlerFuncs(
                update=lambda _, cm: self._config_map_changed(cm, "updated"),
                delete=lambda cm: self._config_map_changed(cm, "deleted"),
            ),
        )
        ctx.informers.add_event_handler(
            NAMESPACES_PREFIX,
            ResourceEventHandlerFuncs(add=self._namespace_added, update=lambda _, ns: self._namespace_updated(ns)),
        )

    def _config_map_changed(self, config_map: Object, change: str) -> None:
        meta = config_map.get("metadata") or {}
        if meta.get("name") == ROOT_CA_CONFIG_MAP_NAME:
            self.enqueue_key(meta.get("namespace") or "", cause=f"{ROOT_CA_CONFIG_MAP_NAME} {change}")

    def _namespace_added(self, namespace: Object) -> None:
        self.enqueue_key((namespace.get("metadata") or {}).get("name") or "", cause="namespace added")

    def _namespace_updated(self, namespace: Object) -> None:
        if (namespace.get("status") or {}).get("phase") == "Active":
            self.enqueue_key((namespace.get("metadata") or {}).get("name") or "", cause="namespace updated")

    def _sync_namespace(self, namespace: str) -> None:
        store = self._resources.by_prefix(CONFIG_MAPS_PREFIX)
        if store is None:
            return
        data = {DATA_KEY: self._root_ca().decode()}
        current = self._config_maps.get(namespace, ROOT_CA_CONFIG_MAP_NAME)
        if current is None:
            try:
                self._client.create(
                    store.spec,
                    namespace,
                    {
                        "metadata": {
                            "name": ROOT_CA_CONFIG_MAP_NAME,
                            "namespace": namespace,
                            "annotations": {DESCRIPTION_ANNOTATION: DESCRIPTION},
                        },
                        "data": data,
                    },
                )
            except errors.StatusError as exc:
                # Don't retry a create if the namespace doesn't exist or is terminating.
                if exc.code != 404 and not has_status_cause(exc, NAMESPACE_TERMINATING_CAUSE):
                    raise
            return
        meta = current.get("metadata") or {}
        annotations = meta.get("annotations") or {}
        if current.get("data") == data and annotations.get(DESCRIPTION_ANNOTATION):
            return
        updated = {
            **current,
            "metadata": {**meta, "annotations": {**annotations, DESCRIPTION_ANNOTATION: DESCRIPTION}},
            "data": data,
        }
        self._client.update(store.spec, updated)
