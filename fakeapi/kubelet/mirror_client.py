"""Mirror pods of the control plane's static pods (pkg/kubelet/pod/mirror_client.go, pkg/kubelet/config/file.go).

A kind control-plane node's kubelet runs etcd, kube-apiserver, kube-controller-manager and
kube-scheduler from manifest files and shows each in the API as a *mirror pod*: named
``<pod>-<node>``, bound to the node, owned by the Node object, and annotated with the
manifest's hash and source. The manifests are the package's ``fixtures/kind/static-pods``.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from fakeapi.apimachinery import safeyaml
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.controllers.controller_utils import fnv32a, meta
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import now_rfc3339

CONFIG_HASH_ANNOTATION = "kubernetes.io/config.hash"
CONFIG_MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
CONFIG_SEEN_ANNOTATION = "kubernetes.io/config.seen"
CONFIG_SOURCE_ANNOTATION = "kubernetes.io/config.source"


@functools.cache
def _static_pod_manifests() -> tuple[dict[str, Any], ...]:
    directory = resources.files("fakeapi.fixtures").joinpath("kind", "static-pods")
    entries = sorted((e for e in directory.iterdir() if e.name.endswith(".yaml")), key=lambda e: e.name)
    return tuple(safeyaml.load(entry.read_text()) for entry in entries)


def mirror_pods(node: Object) -> list[Object]:
    """The mirror pods a control-plane node's kubelet creates for its static pods."""
    node_name = meta(node)["name"]
    pods = []
    for manifest in _static_pod_manifests():
        pod = deep_copy_json(manifest)
        pod_meta = pod["metadata"]
        pod_meta["name"] = f"{pod_meta['name']}-{node_name}"
        # The file source's hash: of the manifest as read, so it stays the same across restarts.
        config_hash = f"{fnv32a(json.dumps(manifest, sort_keys=True).encode()):08x}" * 4
        pod_meta["annotations"] = {
            **(pod_meta.get("annotations") or {}),
            CONFIG_HASH_ANNOTATION: config_hash,
            CONFIG_MIRROR_ANNOTATION: config_hash,
            CONFIG_SEEN_ANNOTATION: now_rfc3339(),
            CONFIG_SOURCE_ANNOTATION: "file",
        }
        pod_meta["ownerReferences"] = [
            {"apiVersion": "v1", "kind": "Node", "name": node_name, "uid": meta(node)["uid"], "controller": True}
        ]
        pod["spec"]["nodeName"] = node_name
        pods.append(pod)
    return pods
