"""ClusterAuthenticationTrustController: publishes how this server authenticates clients.

Follows pkg/controlplane/controller/clusterauthenticationtrust/cluster_authentication_trust_controller.go.
The controller keeps the ConfigMap ``kube-system/extension-apiserver-authentication`` that
aggregated API servers read to trust the same clients: ``client-ca-file``,
``requestheader-client-ca-file`` and the ``requestheader-*`` header lists (JSON lists, the
``requestheader-*`` keys only when a front-proxy CA is configured).

It is a Listener of the client-CA and request-header-CA providers (a rotation enqueues it)
and of the ConfigMap itself (any change to it enqueues it, as upstream's filtered informer
does). ``sync_config_map`` merges what is there with what this server requires, so several
API servers with different CAs can share the ConfigMap during a rotation: string lists are an
ordered union, existing entries first; CA bundles are the union of both, minus certificates
that expired more than five minutes ago (by the wall clock, which follows a frozen test
clock), de-duplicated on their DER bytes. An unchanged result is not written.

Not done: the one-minute periodic re-enqueue (every input here notifies on change, and a timed
enqueue would add events to the enqueue log that no test asked for).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from fakeapi.apimachinery import errors
from fakeapi.certs.dynamic_content import CAContentProvider
from fakeapi.certs.pki import encode_certificates, parse_certs_pem
from fakeapi.controllers.base import QueueController
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.informer import ResourceEventHandlerFuncs
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import utc_now

__all__ = [
    "CONFIG_MAP_NAME",
    "CONFIG_MAP_NAMESPACE",
    "CONTROLLER_NAME",
    "ClusterAuthenticationInfo",
    "ClusterAuthenticationTrustController",
    "combine_cert_lists",
    "combine_unique_string_slices",
    "filter_expired_certs",
]

CONFIG_MAP_NAMESPACE = "kube-system"
CONFIG_MAP_NAME = "extension-apiserver-authentication"
CONTROLLER_NAME = "ClusterAuthenticationTrustController"
# kube-apiserver's own loopback identity writes the ConfigMap; the user agent names the controller.
CLIENT_NAME = "cluster-authentication-trust-controller"
CONFIG_MAPS_PREFIX = "configmaps"
KEY = f"{CONFIG_MAP_NAMESPACE}/{CONFIG_MAP_NAME}"
# Certificates that expired less than this long ago are still published (clock skew between servers).
EXPIRY_SLACK = timedelta(minutes=5)


@dataclass
class ClusterAuthenticationInfo:
    """What this server requires to be published (``ClusterAuthenticationInfo``)."""

    client_ca: CAContentProvider | None = None
    request_header_ca: CAContentProvider | None = None
    request_header_username_headers: list[str] = field(default_factory=list)
    request_header_uid_headers: list[str] = field(default_factory=list)
    request_header_group_headers: list[str] = field(default_factory=list)
    request_header_extra_header_prefixes: list[str] = field(default_factory=list)
    request_header_allowed_names: list[str] = field(default_factory=list)


@dataclass
class _PublishedInfo:
    """The same information as plain values: what is in the ConfigMap, or about to be."""

    client_ca: bytes = b""
    request_header_ca: bytes = b""
    username_headers: list[str] | None = None
    uid_headers: list[str] | None = None
    group_headers: list[str] | None = None
    extra_header_prefixes: list[str] | None = None
    allowed_names: list[str] | None = None


def combine_unique_string_slices(lhs: Sequence[str] | None, rhs: Sequence[str] | None) -> list[str]:
    """The ordered union of two lists, ``lhs`` first, each value once."""
    return list(dict.fromkeys([*(lhs or ()), *(rhs or ())]))


def filter_expired_certs(certificates: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    """Drop certificates whose NotAfter is more than five minutes in the past."""
    cutoff = utc_now() - EXPIRY_SLACK
    return [c for c in certificates if c.not_valid_after_utc > cutoff]


def combine_cert_lists(lhs: bytes, rhs: bytes) -> bytes:
    """Both PEM bundles as one: unexpired certificates, each DER once, in order.

    Raises:
        ValueError: If a non-empty bundle does not parse.
    """
    certificates = [*_parse(lhs), *_parse(rhs)]
    unique: dict[bytes, x509.Certificate] = {}
    for certificate in filter_expired_certs(certificates):
        unique.setdefault(certificate.public_bytes(serialization.Encoding.DER), certificate)
    return encode_certificates(*unique.values())


def _parse(bundle: bytes) -> list[x509.Certificate]:
    return parse_certs_pem(bundle) if bundle else []


def _json_list(text: str | None) -> list[str] | None:
    # jsonDeserializeStringSlice: an absent or empty value is "no list", not an error.
    if not text:
        return None
    value = json.loads(text)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"expected a JSON list of strings, got {text!r}")
    return value


def _published_info_for(data: dict[str, str]) -> _PublishedInfo:
    return _PublishedInfo(
        client_ca=data.get("client-ca-file", "").encode(),
        request_header_ca=data.get("requestheader-client-ca-file", "").encode(),
        username_headers=_json_list(data.get("requestheader-username-headers")),
        uid_headers=_json_list(data.get("requestheader-uid-headers")),
        group_headers=_json_list(data.get("requestheader-group-headers")),
        extra_header_prefixes=_json_list(data.get("requestheader-extra-headers-prefix")),
        allowed_names=_json_list(data.get("requestheader-allowed-names")),
    )


def _combined(existing: _PublishedInfo, required: ClusterAuthenticationInfo) -> _PublishedInfo:
    def bundle(provider: CAContentProvider | None) -> bytes:
        return provider.current_ca_bundle_content() if provider is not None else b""

    return _PublishedInfo(
        client_ca=combine_cert_lists(existing.client_ca, bundle(required.client_ca)),
        request_header_ca=combine_cert_lists(existing.request_header_ca, bundle(required.request_header_ca)),
        username_headers=combine_unique_string_slices(
            existing.username_headers, required.request_header_username_headers
        ),
        uid_headers=combine_unique_string_slices(existing.uid_headers, required.request_header_uid_headers),
        group_headers=combine_unique_string_slices(existing.group_headers, required.request_header_group_headers),
        extra_header_prefixes=combine_unique_string_slices(
            existing.extra_header_prefixes, required.request_header_extra_header_prefixes
        ),
        allowed_names=combine_unique_string_slices(existing.allowed_names, required.request_header_allowed_names),
    )


def _config_map_data_for(info: _PublishedInfo) -> dict[str, str]:
    data: dict[str, str] = {}
    if info.client_ca:
        data["client-ca-file"] = info.client_ca.decode()
    if not info.request_header_ca:
        return data
    # Go's json.Marshal of a []string: compact, and HTML-escaped like encoding/json.
    for key, values in (
        ("requestheader-username-headers", info.username_headers),
        ("requestheader-uid-headers", info.uid_headers),
        ("requestheader-group-headers", info.group_headers),
        ("requestheader-extra-headers-prefix", info.extra_header_prefixes),
    ):
        data[key] = _go_json(values)
    data["requestheader-client-ca-file"] = info.request_header_ca.decode()
    data["requestheader-allowed-names"] = _go_json(info.allowed_names)
    return data


def _go_json(values: list[str] | None) -> str:
    text = json.dumps(values, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class ClusterAuthenticationTrustController(QueueController[str]):
    """Keeps ``kube-system/extension-apiserver-authentication`` current."""

    default_key = KEY

    def __init__(self, required: ClusterAuthenticationInfo, ctx: ControllerContext) -> None:
        super().__init__(CONTROLLER_NAME, self._sync, ctx.log)
        self.required = required
        # A worker and a caller of run_once never write the ConfigMap at the same time.
        self._sync_lock = threading.Lock()
        self._resources = ctx.resources
        self._client = ctx.client(CLIENT_NAME)
        self._config_maps = ctx.informers.lister(CONFIG_MAPS_PREFIX)
        ctx.informers.add_event_handler(
            CONFIG_MAPS_PREFIX,
            ResourceEventHandlerFuncs(
                add=lambda cm: self._config_map_changed(cm, "added"),
                update=lambda _, cm: self._config_map_changed(cm, "updated"),
                delete=lambda cm: self._config_map_changed(cm, "deleted"),
            ),
        )
        for provider in (required.client_ca, required.request_header_ca):
            if provider is not None:
                provider.add_listener(self)

    def _config_map_changed(self, config_map: Object, change: str) -> None:
        meta = config_map.get("metadata") or {}
        if meta.get("namespace") == CONFIG_MAP_NAMESPACE and meta.get("name") == CONFIG_MAP_NAME:
            self.enqueue_key(KEY, cause=f"{CONFIG_MAP_NAME} {change}")

    def _sync(self, key: str) -> None:
        self.sync_config_map()

    def run_once(self) -> None:
        """Drain the queue and sync now, so the ConfigMap is current when this returns."""
        super().run_once()
        self.sync_config_map()

    def sync_config_map(self) -> None:
        """Merge, compare, and write the ConfigMap when it has to change."""
        with self._sync_lock:
            self._sync_config_map()

    def _sync_config_map(self) -> None:
        original = self._config_maps.get(CONFIG_MAP_NAMESPACE, CONFIG_MAP_NAME)
        original_data: dict[str, Any] = dict((original or {}).get("data") or {})
        combined = _combined(_published_info_for(original_data), self.required)
        data = _config_map_data_for(combined)
        if original is not None and data == original_data:
            return
        self._create_namespace_if_needed()
        self._write(original, data)

    def _create_namespace_if_needed(self) -> None:
        namespaces = self._resources.by_prefix("namespaces")
        if namespaces is None or namespaces.storage.get(namespaces.key_func("", CONFIG_MAP_NAMESPACE)) is not None:
            return
        try:
            self._client.create(namespaces.spec, "", {"metadata": {"name": CONFIG_MAP_NAMESPACE}})
        except errors.StatusError as err:
            if err.reason != "AlreadyExists":
                raise

    def _write(self, original: Object | None, data: dict[str, str]) -> None:
        store = self._resources.by_prefix(CONFIG_MAPS_PREFIX)
        if store is None:
            return
        if original is None:
            required: Object = {"metadata": {"name": CONFIG_MAP_NAME, "namespace": CONFIG_MAP_NAMESPACE}}
        else:
            required = {**original, "metadata": dict(original["metadata"])}
        required["data"] = data
        try:
            try:
                self._client.update(store.spec, required)
            except errors.StatusError as err:
                if err.reason != "NotFound":
                    raise
                required["metadata"].pop("resourceVersion", None)
                self._client.create(store.spec, CONFIG_MAP_NAMESPACE, required)
        except errors.StatusError as err:
            # Too big: drop it all and let the requeue build it again from what is required.
            if err.reason == "RequestEntityTooLarge" or (err.reason == "Invalid" and "Too long" in err.message):
                self._client.delete(store.spec, CONFIG_MAP_NAMESPACE, CONFIG_MAP_NAME)
            raise
