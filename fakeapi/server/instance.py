"""FakeAPIServer: the master server assembled and run (pkg/controlplane/instance.go).

Builds the storage (one MemoryStorage behind a StorageFactory), the RESTStorageProviders of
every API group, installs them into a GenericAPIServer, wraps its director in the handler
chain, makes an ephemeral PKI, and serves over HTTPS in a background thread. All state
hangs off the instance: several servers can run in one process.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import re
import secrets
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import EllipsisType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fakeapi.admission.equivalence import EquivalentResourceMapper
from fakeapi.admission.policies import AdmissionPolicies
from fakeapi.admission.reader import StoreReader
from fakeapi.admission.webhooks import CONFIGURATION_STORES, WebhookAdmission
from fakeapi.apiextensions.apiserver import APIExtensionsServer
from fakeapi.apiextensions.helpers import GROUP as CRD_GROUP
from fakeapi.apiextensions.strategy import CustomResourceDefinitionStore
from fakeapi.apimachinery import errors
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.apimachinery.schema import GroupResource, GroupVersion, GroupVersionKind, GroupVersionResource
from fakeapi.authentication.config import AuthenticationConfig
from fakeapi.authentication.openidmetadata import OpenIDMetadata
from fakeapi.authentication.request_header import RequestHeaderConfig
from fakeapi.authentication.serviceaccount import DEFAULT_ISSUER, ServiceAccountTokenGenerator
from fakeapi.authorization.config import new_authorizer
from fakeapi.certs.dynamic_rotation import CertificateRotation
from fakeapi.certs.dynamic_serving import DynamicServing
from fakeapi.certs.kubeadm import ClusterPKI, ServiceAccountKey
from fakeapi.certs.kubeconfig import build_kubeconfig, write_kubeconfig
from fakeapi.certs.pki import CertificateAuthority, KeyPair, KeyType, PrivateKey, PublicKey
from fakeapi.controllers import garbagecollector
from fakeapi.controllers.base import EnqueueEvent, EnqueueLog, QueueController
from fakeapi.controllers.client import ResourceCatalog
from fakeapi.controllers.clusterauthenticationtrust import (
    ClusterAuthenticationInfo,
    ClusterAuthenticationTrustController,
)
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.informer import InformerFactory
from fakeapi.controllers.manager import ControllerManager, enabled_controllers
from fakeapi.controllers.systemnamespaces import SystemNamespacesController
from fakeapi.endpoints.discovery import DiscoveryManager
from fakeapi.endpoints.http import Handler, Headers, Request, encode_json, unescape_path_leniently
from fakeapi.endpoints.request import UserInfo
from fakeapi.kubelet.config import ClusterConfig
from fakeapi.manifests import ManifestSource, iter_manifests, load_manifests
from fakeapi.registry.apiregistration.autoregister import served_group_versions
from fakeapi.registry.apiregistration.available_controller import AvailableConditionController
from fakeapi.registry.authentication.services import store_object_getter
from fakeapi.registry.autoscaling.conversion import HorizontalPodAutoscalerV1Codec
from fakeapi.registry.builtin_resources import BUILTIN_RESOURCES
from fakeapi.registry.core.event import EVENTS_GROUP, EventsV1Codec
from fakeapi.registry.core.pod import PodStrategy
from fakeapi.registry.core.service import (
    DEFAULT_SERVICE_CIDR,
    DNS_SERVICE_IP_INDEX,
    KUBERNETES_SERVICE_IP_INDEX,
    ServiceIPAllocator,
    claim_allocations,
    indexed_ip,
)
from fakeapi.registry.generic.admission import NamespaceLifecycle
from fakeapi.registry.rbac.bootstrap import ensure_bootstrap_policy
from fakeapi.registry.rbac.listers import StoreRBACObjects
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.registry.rest_storage import LegacyRESTStorageProvider, RESTStorageProvider, StoreServices
from fakeapi.server.config import default_build_handler_chain
from fakeapi.server.filters.authentication import with_user
from fakeapi.server.filters.maxinflight import (
    DEFAULT_MAX_MUTATING_REQUESTS_IN_FLIGHT,
    DEFAULT_MAX_REQUESTS_IN_FLIGHT,
)
from fakeapi.server.filters.request_info import with_request_info
from fakeapi.server.genericapiserver import GenericAPIServer
from fakeapi.server.secure_serving import (
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_REQUEST_BODY_BYTES,
    READ_HEADER_TIMEOUT_SECONDS,
    SecureServer,
)
from fakeapi.server.storage.resource_config import default_resource_config
from fakeapi.server.storage.storage_factory import StorageFactory
from fakeapi.storage.codec import CodecStorage
from fakeapi.storage.interfaces import Object, ObjectKey
from fakeapi.storage.memory import DEFAULT_WINDOW, MemoryStorage
from fakeapi.testing import audit, determinism
from fakeapi.testing.commits import CommitLog
from fakeapi.testing.faults import FaultInjector
from fakeapi.testing.transports import REQUESTS_TARGET, responses_mock
from fakeapi.testing.watches import WatchEventLog
from fakeapi.util.clock import format_micro_time, now_rfc3339, utc_now, wall_nanos
from fakeapi.util.identity import Draw, IdentityGenerator

if TYPE_CHECKING:
    import responses

    from fakeapi.audit.log import LogBackend
    from fakeapi.audit.request import Auditor
    from fakeapi.kubelet.behaviour import Behaviour
    from fakeapi.kubelet.container_runtime import ContainerRuntime
    from fakeapi.kubelet.kubelet import Kubelets
    from fakeapi.kubelet.node_control import NodeControl
    from fakeapi.metrics.usage import ResourceUsage
    from fakeapi.testing.clock import ServerClock
    from fakeapi.testing.httpx_transport import AsyncInProcessTransport, InProcessTransport

ADMIN_USER = UserInfo("kubernetes-admin", ("system:masters",))
RBAC_GROUP = "rbac.authorization.k8s.io"
# The identity fakeapi uses for its own in-process requests (seeding), as the loopback client does upstream.
LOOPBACK_USER = UserInfo("system:apiserver", ("system:masters",))
# The same identity as authentication would make it (with system:authenticated).
SEEDING_USER = UserInfo("system:apiserver", ("system:masters", "system:authenticated"))


# How many unexpected errors a server keeps for check() (the first ones: the rest are logged only).
MAX_KEPT_ERRORS = 100
# The simulated kubelets: with them on, the bootstrap also holds what a fresh kind cluster runs.
KUBELET_CONTROLLER = "kubelet"
# The bootstrap Services whose cluster IP is a fixed address of the service range, by namespace and name.
_WELL_KNOWN_SERVICE_IPS = {
    ("default", "kubernetes"): KUBERNETES_SERVICE_IP_INDEX,
    ("kube-system", "kube-dns"): DNS_SERVICE_IP_INDEX,
}


@dataclass
class ServerConfig:
    """Everything a FakeAPIServer can be told at construction."""

    host: str = "127.0.0.1"
    port: int = 0
    kubernetes_version: str = "v1.37.0"
    runtime_config: list[str] = field(default_factory=list)
    allow_anonymous: bool = False
    seed: int | str | None = None
    initial_revision: int = 1
    watch_window: int = DEFAULT_WINDOW
    # How many requests the audit log keeps, and how many sent events the watch event log keeps (0: none).
    audit_log_size: int = audit.DEFAULT_CAPACITY
    watch_event_log_size: int = audit.DEFAULT_CAPACITY
    # "RequestResponse": audit events keep request and response bodies (for the trace); "Metadata": not.
    audit_level: audit.AuditLevel = audit.LEVEL_REQUEST_RESPONSE
    # Use this PKI (CAs, certificates, service-account key) instead of making one. Servers given the same
    # PKI publish the same CA bundles, so seeded servers dump identical snapshots; each works on a copy, so
    # rotating one's certificates leaves the others' alone. Its serving certificate must cover ``host``.
    pki: ClusterPKI | None = None
    max_request_body_bytes: int = DEFAULT_MAX_REQUEST_BODY_BYTES
    # --max-requests-inflight and --max-mutating-requests-inflight (0: no limit); past them, 429.
    max_requests_inflight: int = DEFAULT_MAX_REQUESTS_IN_FLIGHT
    max_mutating_requests_inflight: int = DEFAULT_MAX_MUTATING_REQUESTS_IN_FLIGHT
    # Connections served at once (each costs a thread); more wait unaccepted until one closes.
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    # From a request's first byte to the end of its headers (kube-apiserver's ReadHeaderTimeout; 0: no deadline).
    read_header_timeout_seconds: float = READ_HEADER_TIMEOUT_SECONDS
    bootstrap: bool = True
    # kube-controller-manager's --controllers: "*" for every built-in controller, "-name" to leave one out
    # (namespace, garbagecollector, serviceaccount, root-ca-cert-publisher).
    controllers: list[str] = field(default_factory=lambda: ["*"])
    # Run the controllers in background threads from start(); when False, step them with run_once().
    run_controllers: bool = True
    # --authorization-mode: "AlwaysAllow" (everything is permitted), "RBAC", "AlwaysDeny", or a comma-separated list.
    authorization_mode: str = "AlwaysAllow"
    # The key algorithm of every certificate and of the service-account signing key: "ECDSA" (fast) or "RSA".
    key_type: KeyType = "ECDSA"
    # --service-account-issuer; also the API audience when api_audiences is empty (kube-apiserver's default).
    service_account_issuer: str = DEFAULT_ISSUER
    api_audiences: list[str] = field(default_factory=list)
    # The simulated cluster: its nodes and the kubelets' timing (used by the workload controllers).
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    # --service-account-max-token-expiration in seconds (0: no limit).
    service_account_max_token_expiration_seconds: int = 0
    # The --requestheader-* flags naming the front proxy's headers and the client names it may use.
    request_header: RequestHeaderConfig = field(default_factory=RequestHeaderConfig)
    # --requestheader-client-ca-file's PEM bundle: front-proxy client certificates must chain to it
    # (default: the PKI's front-proxy CA).
    request_header_client_ca: bytes | None = None
    # --service-cluster-ip-range: Services' cluster IPs come from it; its first address is the kubernetes
    # Service's (and the serving certificate's), its tenth kube-dns's (as kubeadm places it).
    service_cluster_ip_range: str = DEFAULT_SERVICE_CIDR
    # --audit-policy-file and --audit-log-path: audit.k8s.io/v1 Events as JSON lines ("-": standard output),
    # at the levels and stages the policy says. Without a policy nothing is written, as kube-apiserver.
    audit_policy_file: str | Path | None = None
    audit_log_path: str | Path | None = None
    # --service-account-signing-key-file: the key service-account tokens are signed with (default: the PKI's).
    service_account_signing_key: PrivateKey | None = None
    # --service-account-key-file: the keys tokens are verified with (default: the signing key's public half).
    service_account_verification_keys: list[PublicKey] = field(default_factory=list)


def _version_info(version: str) -> dict[str, str]:
    major, minor, *_ = version.lstrip("v").split(".")
    return {
        "major": major,
        "minor": minor,
        "emulationMajor": major,
        "emulationMinor": minor,
        "minCompatibilityMajor": major,
        "minCompatibilityMinor": str(int(minor) - 1),
        "gitVersion": version,
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.25.0",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


class _BufferWriter:
    """A ResponseWriter that keeps the answer in memory (in-process requests)."""

    def __init__(self) -> None:
        self.status = 0
        self.headers: list[tuple[str, str]] = []
        self.body = bytearray()
        self.head_written = False

    def write_head(self, status: int, headers: list[tuple[str, str]]) -> None:
        self.status, self.headers, self.head_written = status, headers, True

    def write(self, data: bytes) -> None:
        self.body += data


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class FakeAPIServer:
    """A Kubernetes API server in memory. Use as a context manager, or start() and stop()."""

    def __init__(self, config: ServerConfig | None = None) -> None:
        self.config = config or ServerConfig()
        self.errors: list[BaseException] = []
        self._audit_backend: LogBackend | None = None
        self._errors_lock = threading.Lock()
        self.identity = IdentityGenerator(self.config.seed)
        self._bootstrap_template: _BootstrapTemplate | None = None
        # What start() kept to record the template from at the first seeded reset (see _settle_bootstrap).
        self._pending_template: Callable[[], _BootstrapTemplate] | None = None
        self.storage = MemoryStorage(initial_revision=self.config.initial_revision, window=self.config.watch_window)
        self.schemas = SchemaRegistry.for_version("1.37")
        self.discovery = DiscoveryManager()
        self.apiserver = GenericAPIServer(
            self.schemas, _version_info(self.config.kubernetes_version), self.discovery, self.storage.encodings
        )
        # Register a TableConvertor here to change what kubectl get prints for a resource.
        self.table_convertors = self.apiserver.table_convertors
        enabled = enabled_controllers(self.config.controllers)
        self._install_apis(enable_garbage_collection=garbagecollector.NAME in enabled)
        self.enqueue_log = EnqueueLog()
        self._setup_security()
        # Built before the bootstrap objects are seeded, so the controllers' informers see them.
        controller_context = ControllerContext(
            informers=InformerFactory(self.storage),
            resources=ResourceCatalog(self.discovery),
            request=self.request,
            log=self.enqueue_log,
            root_ca=lambda: self.ca.cert_pem,
            record_error=self._record_error,
            cluster=self.config.cluster,
            identity=self.identity,
        )
        # ValidatingAdmissionPolicy and MutatingAdmissionPolicy join the admission chain with the first policy.
        self._admission_policies = AdmissionPolicies(
            self.services.admission_chain,
            controller_context.informers,
            controller_context.resources,
            StoreReader(self.stores),
            self.authorizer,
            self._convert_version,
        )
        self._controller_manager = ControllerManager(controller_context, enabled)
        self._event_log = controller_context.event_log
        self._setup_apiserver_controllers(controller_context)
        self.controllers: dict[str, QueueController[Any]] = self._controller_manager.controllers
        self._connect_kubelets()
        self._install_metrics()
        self.apiextensions = self._install_apiextensions()
        self.webhook_admission = self._install_webhook_admission()
        # What a test reads of the traffic (every request, every watch event sent) and its lever on it.
        self.audit_log = audit.AuditLog(self.config.audit_log_size, level=self.config.audit_level)
        self.watch_events = WatchEventLog(self.config.watch_event_log_size)
        # Which request made each revision, and when: the trace's link from object versions to requests.
        self.commits = CommitLog(self.audit_log, capacity=self.config.watch_window)
        self.storage.add_listener(self.commits.record)
        self.faults = FaultInjector(
            self.audit_log,
            lambda: self.storage.current_revision,
            lambda: [name for gv in self.discovery.group_versions() for name in gv.resources],
        )
        auditor = self._auditor()
        self.handler = default_build_handler_chain(
            self.apiserver.director,
            authenticator=self.authenticator,
            authorizer=self.authorizer,
            api_audiences=self.api_audiences,
            record_error=self._record_error,
            # A server that keeps no requests (fakeapi serve without --ui) and writes no audit log has no
            # use for the audit filter: every request would pay for a record nobody reads.
            audit_log=self.audit_log if self.config.audit_log_size or auditor is not None else None,
            watch_events=self.watch_events,
            faults=self.faults,
            auditor=auditor,
            max_requests_in_flight=(self.config.max_requests_inflight, self.config.max_mutating_requests_inflight),
        )
        # Seeding: routes and stores as for any request, without authentication, authorization,
        # audit or faults.
        self._seeding_handler = with_request_info(with_user(self.apiserver.director, SEEDING_USER))
        self._server: SecureServer | None = None
        self._lifecycle_lock = threading.Lock()
        # The bootstrap made here, while nothing else has written: start() settles it and keeps the
        # result as the template a seeded reset copies, so the first reset need not bootstrap again.
        self._unsettled_bootstrap: _UnsettledBootstrap | None = None
        if self.config.bootstrap:
            pristine = self.storage.current_revision == self.config.initial_revision
            enqueued_before = self.enqueue_log.recorded
            with self.identity.recording() as draws:
                self._seed_bootstrap()
            if pristine:
                self._unsettled_bootstrap = _UnsettledBootstrap(draws, self.storage.current_revision, enqueued_before)

    # -- assembly -------------------------------------------------------------------------------

    def _install_apis(self, *, enable_garbage_collection: bool) -> None:
        groups: dict[str, list[ResourceSpec]] = {}
        for spec in BUILTIN_RESOURCES:
            groups.setdefault(spec.group, []).append(spec)
        resource_config = default_resource_config(spec.group_version for spec in BUILTIN_RESOURCES)
        resource_config.apply_runtime_config(self.config.runtime_config)
        # The Store adds the orphan and foregroundDeletion finalizers only when a garbage collector removes them.
        storage_factory = StorageFactory(self.storage, enable_garbage_collection=enable_garbage_collection)
        # As kube-apiserver: one HPA storage, in v2, which v1 is converted from and to.
        storage_factory.add_version_codec(
            GroupVersionResource("autoscaling", "v1", "horizontalpodautoscalers"), HorizontalPodAutoscalerV1Codec()
        )
        # As kube-apiserver's storage factory: one Event storage for both Event APIs.
        storage_factory.add_cohabitating_resources(
            GroupResource(EVENTS_GROUP, "events"), GroupResource("", "events"), EventsV1Codec()
        )
        self.services = services = StoreServices(
            storage_factory=storage_factory,
            service_ips=ServiceIPAllocator(self.config.service_cluster_ip_range),
            schemas=self.schemas,
            identity=self.identity,
            admission=NamespaceLifecycle(self._get_namespace),
            served_group_versions=served_group_versions(self.discovery),
            container_runtime=lambda: self.containers,
        )
        self.stores = services.stores
        for group, specs in groups.items():
            provider: RESTStorageProvider = (
                LegacyRESTStorageProvider(specs, services)
                if group == ""
                else RESTStorageProvider(group, specs, services)
            )
            info = provider.new_rest_storage(resource_config)
            if not info.versioned_resources_storage_map:
                continue
            if group == "":
                self.apiserver.install_legacy_api_group(info)
            else:
                self.apiserver.install_api_groups(info)

    def _auditor(self) -> Auditor | None:
        """The audit policy and log backend, when both files are configured.

        Raises:
            ValueError: The policy cannot be read or is invalid (with kube-apiserver's message).
        """
        config = self.config
        if config.audit_policy_file is None or config.audit_log_path is None:
            return None
        from fakeapi.audit.log import LogBackend
        from fakeapi.audit.policy import PolicyChecker, load_policy_file
        from fakeapi.audit.request import Auditor

        checker = PolicyChecker(load_policy_file(config.audit_policy_file))
        self._audit_backend = LogBackend(config.audit_log_path)
        return Auditor(checker, self._audit_backend)

    def _install_apiextensions(self) -> APIExtensionsServer | None:
        """apiextensions-apiserver: CRD writes install and remove the routes of their custom resources."""
        crd_store = self.stores.get((CRD_GROUP, "v1", "customresourcedefinitions"))
        installed = self.discovery.group_version(GroupVersion(CRD_GROUP, "v1"))
        if not isinstance(crd_store, CustomResourceDefinitionStore) or installed is None:
            return None
        return APIExtensionsServer(
            storage=self.storage,
            crd_store=crd_store,
            crd_status_store=installed.resources["customresourcedefinitions/status"].scope.storage,
            services=self.services,
            discovery=self.discovery,
            schemas=self.schemas,
            table_convertors=self.apiserver.table_convertors,
            builtin_specs=BUILTIN_RESOURCES,
            openapi=self.apiserver.openapi,
        )

    def _install_webhook_admission(self) -> WebhookAdmission:
        """Admission webhooks: installed into the chain when the first configuration is stored."""
        services = self.services
        admission = WebhookAdmission(
            services.admission_chain,
            StoreReader(services.stores),
            services.webhook_clients,
            [services.stores[key].key_prefix for key in CONFIGURATION_STORES if key in services.stores],
            EquivalentResourceMapper(ResourceCatalog(self.discovery)),
            self._convert_version,
            self.authorizer,
        )
        self.storage.add_listener(admission.on_event)
        return admission

    def _convert_version(self, obj: Object, kind: GroupVersionKind) -> Object:
        """``obj`` in another version of its kind (the scheme's conversion; a CRD's converter for custom resources).

        A built-in kind crosses versions through its storage form: the source version's codec to
        storage, the target's from it (HorizontalPodAutoscalers: v1 to v2 and back).
        """
        source_kind = GroupVersion.parse(str(obj.get("apiVersion") or "")).with_kind(str(obj.get("kind") or ""))
        stores = {store.spec.gvk: store for store in self.stores.values()}
        source, target = stores.get(source_kind), stores.get(kind)
        if source is None or target is None:
            converted = None if self.apiextensions is None else self.apiextensions.handler.convert(obj, kind)
            if converted is None:
                raise errors.new_internal_error(f"unable to convert to {kind.api_version}, Kind={kind.kind}")
            return converted
        stored = source.storage.codec.to_storage(obj) if isinstance(source.storage, CodecStorage) else obj
        return target.storage.codec.from_storage(stored) if isinstance(target.storage, CodecStorage) else stored

    def _get_namespace(self, name: str) -> dict[str, Any] | None:
        store = self.stores.get(("", "v1", "namespaces"))
        return None if store is None else store.storage.get(store.key_func("", name))

    def _setup_security(self) -> None:
        """The PKI, the dynamic serving certificates, authentication and authorization (all before serving)."""
        config = self.config
        self.pki = (
            dataclasses.replace(config.pki)
            if config.pki is not None
            else ClusterPKI.create(
                [config.host], key_type=config.key_type, kubernetes_service_ip=self.kubernetes_service_ip
            )
        )
        if config.service_account_signing_key is not None:
            self.pki.service_account_key = ServiceAccountKey(config.service_account_signing_key)
        self.dynamic_serving = DynamicServing(
            self.pki, log=self.enqueue_log, request_header_ca_bundle=config.request_header_client_ca
        )
        # Rotate this server's certificates; each step enqueues the listeners and is in effect on return.
        self.rotation: CertificateRotation = self.dynamic_serving.rotation
        self.api_audiences = tuple(config.api_audiences) or (config.service_account_issuer,)
        self.admin_token = secrets.token_urlsafe(32)
        self._loopback_token = secrets.token_urlsafe(32)
        self.authentication = AuthenticationConfig(
            client_ca=self.dynamic_serving.client_ca,
            request_header_ca=self.dynamic_serving.request_header_ca,
            service_account_issuers=(config.service_account_issuer,),
            service_account_public_keys=self._service_account_public_keys,
            service_account_getter=store_object_getter(self.stores),
            api_audiences=self.api_audiences,
            anonymous=config.allow_anonymous,
            request_header=config.request_header,
        )
        # Static tokens (--token-auth-file): add more with server.tokens.add(token, UserInfo(...)).
        self.tokens = self.authentication.static_tokens
        self.tokens.add(self.admin_token, ADMIN_USER)
        self.tokens.add(self._loopback_token, LOOPBACK_USER)
        self.authenticator = self.authentication.new()
        stores = self.stores
        self.authorizer = new_authorizer(
            config.authorization_mode,
            lambda: StoreRBACObjects(
                stores[(RBAC_GROUP, "v1", "roles")],
                stores[(RBAC_GROUP, "v1", "rolebindings")],
                stores[(RBAC_GROUP, "v1", "clusterroles")],
                stores[(RBAC_GROUP, "v1", "clusterrolebindings")],
            ),
        )
        security = self.services.security
        security.authenticator = self.authenticator
        security.authorizer = self.authorizer
        security.api_audiences = self.api_audiences
        security.token_generator = ServiceAccountTokenGenerator(
            config.service_account_issuer, self.pki.service_account_key.private_key
        )
        security.max_token_expiration_seconds = config.service_account_max_token_expiration_seconds
        security.object_getter = self.authentication.service_account_getter
        issuer_discovery = OpenIDMetadata(
            config.service_account_issuer, self._service_account_public_keys, lambda: self.discovery.server_address
        )
        self.apiserver.non_resource_handlers.update(issuer_discovery.handlers())

    def _service_account_public_keys(self) -> list[PublicKey]:
        """The keys that verify service-account tokens: --service-account-key-file's, else the signing key's."""
        configured = self.config.service_account_verification_keys
        return list(configured) if configured else [self.pki.service_account_key.private_key.public_key()]

    def _connect_kubelets(self) -> None:
        """With simulated kubelets, pods on their nodes are deleted gracefully: a kubelet finishes the deletion."""
        kubelets = self.controllers.get("kubelet")
        pods = self.stores.get(("", "v1", "pods"))
        if kubelets is None or pods is None or not isinstance(pods.delete_strategy, PodStrategy):
            return
        from fakeapi.kubelet.kubelet import Kubelets

        if isinstance(kubelets, Kubelets):
            pods.delete_strategy.kubelet_runs = kubelets.owns_node

    def _install_metrics(self) -> None:
        """With simulated kubelets and ``ClusterConfig.metrics_server``, metrics.k8s.io as metrics-server serves it."""
        if KUBELET_CONTROLLER not in self.controllers or not self.config.cluster.metrics_server:
            return
        from fakeapi.controllers.informer import Lister
        from fakeapi.metrics.api import metrics_api_group

        pods = Lister(self.storage, self.stores[("", "v1", "pods")].key_prefix)
        nodes = Lister(self.storage, self.stores[("", "v1", "nodes")].key_prefix)
        self.apiserver.install_api_groups(metrics_api_group(self.kubelets.usage, pods.list, nodes.list))

    @property
    def metrics(self) -> ResourceUsage:
        """What the simulated containers and nodes use, as ``metrics.k8s.io`` serves it (``fakeapi.metrics``).

        Raises:
            RuntimeError: The cluster runs no metrics-server (``ClusterConfig(metrics_server=True)``).
        """
        if not self.config.cluster.metrics_server:
            raise RuntimeError(
                "this cluster serves no metrics.k8s.io, as kind without metrics-server: "
                "ask for ClusterConfig(metrics_server=True)"
            )
        return self.kubelets.usage

    def _setup_apiserver_controllers(self, ctx: ControllerContext) -> None:
        """kube-apiserver's own loops, run, paused and reset with the controller manager's."""
        serving = self.dynamic_serving
        request_header = self.authentication.request_header
        self.authentication_trust = ClusterAuthenticationTrustController(
            ClusterAuthenticationInfo(
                client_ca=serving.client_ca,
                request_header_ca=serving.request_header_ca,
                request_header_username_headers=list(request_header.username_headers),
                request_header_uid_headers=list(request_header.uid_headers),
                request_header_group_headers=list(request_header.group_headers),
                request_header_extra_header_prefixes=list(request_header.extra_header_prefixes),
                request_header_allowed_names=list(request_header.allowed_names),
            ),
            ctx,
        )
        self.rotation.listeners.append(self.authentication_trust)
        core = StoreReader(self.stores)
        apiservice_available = AvailableConditionController(
            ctx, lambda resource, namespace, name: core.get(("", "v1", resource), namespace, name)
        )
        # Their own group (no kube-controller-manager controller in it), run, paused and reset like the manager's.
        self._apiserver_controllers = ControllerManager(ctx, ())
        self.apiserver_controllers: dict[str, QueueController[Any]] = self._apiserver_controllers.controllers
        system_namespaces = SystemNamespacesController(ctx)
        for controller in (serving.controller, self.authentication_trust, apiservice_available, system_namespaces):
            self.apiserver_controllers[controller.name] = controller
            controller.on_error = self._record_controller_bug

    def _record_controller_bug(self, exc: Exception) -> None:
        # Refused content (ValueError) and API answers are retried as upstream does; anything else is a bug.
        if not isinstance(exc, errors.StatusError | ValueError):
            self._record_error(exc)

    def _seed_bootstrap(self) -> None:
        """The bootstrap objects, the RBAC bootstrap policy, and the authentication ConfigMap."""
        # Copies: seeding must not share the cached dicts with what the stores keep.
        self._create_objects(self._in_service_range(obj) for obj in _bootstrap_objects("bootstrap"))
        if KUBELET_CONTROLLER in self.controllers and self.config.cluster.kube_system:
            # A cluster whose workloads run looks like a fresh kind cluster: DNS, kube-proxy, the CNI, storage.
            self._create_objects(self._in_service_range(obj) for obj in _bootstrap_objects("kind"))
        ensure_bootstrap_policy(self.stores)
        self.authentication_trust.enqueue_key(self.authentication_trust.default_key, cause="bootstrap")
        self.authentication_trust.run_once()

    @property
    def kubernetes_service_ip(self) -> str:
        """The ``kubernetes`` Service's cluster IP: the first address of the service range."""
        return indexed_ip(self.services.service_ips.network, KUBERNETES_SERVICE_IP_INDEX)

    def _in_service_range(self, obj: dict[str, Any]) -> dict[str, Any]:
        """A copy of a bootstrap object; the Services with a well-known address get it from the service range."""
        copy = deep_copy_json(obj)
        meta = copy.get("metadata") or {}
        index = _WELL_KNOWN_SERVICE_IPS.get((meta.get("namespace", ""), meta.get("name", "")))
        if copy.get("kind") == "Service" and index is not None:
            copy["spec"]["clusterIP"] = indexed_ip(self.services.service_ips.network, index)
        return copy

    @property
    def ca(self) -> CertificateAuthority:
        """The cluster CA: it signs the serving certificate and client certificates."""
        return self.pki.ca

    @property
    def serving_cert(self) -> KeyPair:
        """The serving certificate being served to new connections."""
        return self.pki.serving

    @property
    def admin_cert(self) -> KeyPair:
        """The admin's client certificate (re-issued by a CA rotation)."""
        return self.pki.admin

    @property
    def kubelets(self) -> Kubelets:
        """The simulated kubelets (the ``kubelet`` controller); RuntimeError when they are switched off."""
        from fakeapi.kubelet.kubelet import Kubelets

        kubelets = self.controllers.get(KUBELET_CONTROLLER)
        if not isinstance(kubelets, Kubelets):
            raise RuntimeError("this server runs no simulated kubelets (the kubelet controller is off)")
        return kubelets

    @functools.cached_property
    def clock(self) -> ServerClock:
        """The server clock, to read and move forward (``fakeapi.testing.clock``; moving it needs freezegun)."""
        from fakeapi.testing.clock import ServerClock

        return ServerClock(self)

    @functools.cached_property
    def nodes(self) -> NodeControl:
        """The simulated nodes, as a test steers them (``fakeapi.kubelet.node_control``)."""
        from fakeapi.controllers.client import LoopbackClient
        from fakeapi.kubelet.node_control import NodeControl

        spec = self.stores[("", "v1", "nodes")].spec
        return NodeControl(self.kubelets, LoopbackClient(self.request, "node-control"), spec)

    @property
    def behaviour(self) -> Behaviour:
        """What the simulated containers do: the pod rules (``fakeapi.kubelet.behaviour``), cleared by a reset."""
        return self.kubelets.behaviour

    def _record_error(self, exc: BaseException) -> None:
        # The frames' locals (request bodies, objects) are dropped; the traceback's lines stay for check().
        traceback.clear_frames(exc.__traceback__)
        with self._errors_lock:
            # Bounded: a long-running `fakeapi serve` that nobody checks must not keep every failure.
            if len(self.errors) < MAX_KEPT_ERRORS:
                self.errors.append(exc)

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> FakeAPIServer:
        """Bind (in this thread, so a bind failure raises here) and serve in the background."""
        with self._lifecycle_lock:
            if self._server is None:
                server = SecureServer(
                    self.config.host,
                    self.config.port,
                    self.handler,
                    self.dynamic_serving.context,
                    max_request_body_bytes=self.config.max_request_body_bytes,
                    max_connections=self.config.max_connections,
                    read_header_timeout=self.config.read_header_timeout_seconds,
                )
                self.discovery.server_address = f"{self.config.host}:{server.port}"
                server.start()
                self._server = server
                if self.config.run_controllers:
                    # The bootstrap work is done here, in a fixed order, so a seeded server starts the same every time.
                    self._settle_bootstrap()
                    self._apiserver_controllers.start()
                    self._controller_manager.start()
        return self

    def stop(self) -> None:
        """Stop serving; open watches end. Safe to call more than once."""
        with self._lifecycle_lock:
            server, self._server = self._server, None
        if server is not None:
            if "containers" in self.__dict__:
                self.containers.close()
            self._controller_manager.stop()
            self._apiserver_controllers.stop()
            self.storage.stop_all_watches()
            server.stop()
            if self._audit_backend is not None:
                self._audit_backend.close()

    @functools.cached_property
    def containers(self) -> ContainerRuntime:
        """What the simulated containers print and answer (logs, exec, attach, port-forward): tests script it here.

        Made on first use, so a server whose pods nobody reads or execs into never imports it.
        Its rules match containers as the pod rules (``behaviour``) do, and a container's log
        defaults to the ``logs`` of its pod rule's exit course.
        """
        from fakeapi.kubelet.container_runtime import ContainerRuntime

        kubelets = self.controllers.get(KUBELET_CONTROLLER)
        if kubelets is None:
            from fakeapi.kubelet.behaviour import controller_refs

            return ContainerRuntime(self._stored_pod, controller_refs, record_error=self._record_error)
        behaviour = self.behaviour
        return ContainerRuntime(self._stored_pod, behaviour.owners, behaviour.course_logs, self._record_error)

    def _stored_pod(self, namespace: str, name: str) -> dict[str, Any] | None:
        store = self.stores.get(("", "v1", "pods"))
        return None if store is None else store.storage.get(store.key_func(namespace, name))

    def __enter__(self) -> FakeAPIServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the server is not running")
        return self._server.port

    @property
    def url(self) -> str:
        host = f"[{self.config.host}]" if ":" in self.config.host else self.config.host
        return f"https://{host}:{self.port}"

    def kubeconfig_dict(self) -> dict[str, Any]:
        return build_kubeconfig(self.url, self.pki.trust_bundle_pem, self.admin_cert)

    def write_kubeconfig(self, path: str | Path) -> Path:
        """Write an admin kubeconfig (embedded CA, client certificate and key; mode 0600)."""
        return write_kubeconfig(path, self.kubeconfig_dict())

    def check(self) -> None:
        """Re-raise the first unexpected error the server hit since the last check."""
        with self._errors_lock:
            pending, self.errors = self.errors, []
        if pending:
            raise pending[0]

    # -- in-process requests --------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: str = "",
        headers: dict[str, str] | None = None,
        user_token: str | None = None,
    ) -> Response:
        """Send one request through the handler chain without a socket; the query may be in ``path`` or ``query``."""
        all_headers = {"Authorization": f"Bearer {user_token or self._loopback_token}", **(headers or {})}
        return _served(self.handler, method, path, body, query, all_headers)

    def read(self, path: str, *, query: str = "") -> Response:
        """A GET a test makes to look, past the request filters as seeding writes are: not in the audit
        log (so an assertion on the requests sees only the clients'), and no injected fault applies."""
        return _served(self._seeding_handler, "GET", path, None, query, {})

    def served_specs(self, api_version: str) -> list[ResourceSpec]:
        """The resources (not subresources) served in a group-version, built-in and custom, as discovery lists them."""
        installed = self.discovery.group_version(GroupVersion.parse(api_version))
        return [
            resource.scope.spec
            for key, resource in (installed.resources if installed else {}).items()
            if "/" not in key
        ]

    def spec_for(self, api_version: str, kind: str) -> ResourceSpec:
        """The served resource of a kind, built-in or custom, as a RESTMapper finds it through discovery."""
        for spec in self.served_specs(api_version):
            if spec.kind == kind:
                return spec
        raise errors.new_bad_request(f'no matches for kind "{kind}" in version "{api_version}"')

    def collection_path(self, spec: ResourceSpec, namespace: str = "") -> str:
        root = f"/api/{spec.version}" if not spec.group else f"/apis/{spec.group}/{spec.version}"
        if spec.namespaced:
            return f"{root}/namespaces/{quote(namespace or 'default')}/{spec.resource}"
        return f"{root}/{spec.resource}"

    def seed(self, *sources: ManifestSource) -> list[dict[str, Any]]:
        """Create every object in ``sources`` through the REST stores (defaulting and validation apply).

        Seeding is setup, not a client's traffic: it skips the request filters, so it is not in
        the audit log and injected faults do not apply to it. The controllers wait until it is
        done (then act as usual), so a large seed does not share the interpreter with them.

        Raises:
            StatusError: The server refused an object; the message names its file, document, kind and name.
            ManifestError: A path that does not exist, invalid YAML, a document that is no mapping.
        """
        __tracebackhide__ = True
        with self._controller_manager.paused(), self._apiserver_controllers.paused():
            return self._create_objects(sources)

    def _create_objects(self, sources: Iterable[ManifestSource]) -> list[dict[str, Any]]:
        """Create each manifest; a refused one raises the server's Status, its message prefixed with
        the manifest's file, document index, kind, namespace and name."""
        __tracebackhide__ = True  # pytest shows the caller's line and the message, not these frames
        created = []
        for manifest in iter_manifests(sources):
            try:
                created.append(self._create_object(manifest.obj))
            except errors.StatusError as exc:
                raise errors.StatusError(exc.code, exc.reason, f"{manifest}: {exc.message}", exc.details) from None
        return created

    def _create_object(self, obj: dict[str, Any]) -> dict[str, Any]:
        spec = self.spec_for(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))
        namespace = (obj.get("metadata") or {}).get("namespace") or ""
        # Warnings (unknown fields) would be dropped here anyway; Ignore spares looking for them.
        path = self.collection_path(spec, namespace)
        response = _served(self._seeding_handler, "POST", path, obj, "fieldValidation=Ignore", {})
        if response.status != 201:
            status = response.json()
            raise errors.StatusError(
                response.status,
                status.get("reason", ""),
                status.get("message", ""),
                status.get("details"),
            )
        created: dict[str, Any] = response.json()
        return created

    def reset(self, *, seed: int | str | EllipsisType | None = ...) -> None:
        """Forget every object, event and fault rule, recreate the bootstrap objects, then empty the request logs.

        Certificates rotated since the start are put back, so kubeconfigs written before still work.

        Args:
            seed: Start over as a fresh server with this seed would (None: unseeded): uids and
                generated names drawn from it, the revision counter back at ``initial_revision``,
                so the same test makes the same objects, with the same resourceVersions, on every
                run. Clients that outlive a seeded reset must list again, not watch on from a
                resourceVersion they had. Left out, the uid sequence and the revision go on.

        When the controllers run in the background, the work the bootstrap objects cause them
        (default ServiceAccounts, CA ConfigMaps) is done before this returns, in a fixed order.
        """
        # Certificates a test rotated are put back (their enqueues are forgotten with the rest of the log).
        self.rotation.restore()
        # Controllers forget their queues and graph before the objects go, so none acts on a half-reset cluster.
        with self._controller_manager.paused(), self._apiserver_controllers.paused():
            self._controller_manager.clear()
            self._apiserver_controllers.clear()
            if isinstance(seed, EllipsisType):
                self.storage.clear()
            else:
                self.storage.clear(revision=self.config.initial_revision)
                self.identity.reseed(seed)
            if self.apiextensions is not None:
                self.apiextensions.reset()
            self.webhook_admission.reset()
            self.services.reset_allocations()
            self._admission_policies.reset()
            self.services.webhook_clients.reset()
            self.enqueue_log.clear()
            self._event_log.reset()
            self.faults.clear()
            if "containers" in self.__dict__:
                self.containers.clear()
            # Still paused: the background workers stay away while this thread settles them in order.
            if self.config.bootstrap and not isinstance(seed, EllipsisType):
                self._bootstrap_seeded()
            else:
                if self.config.bootstrap:
                    self._seed_bootstrap()
                if self._controller_manager.running:
                    self._settle()
            # Emptied last, so a test sees only the requests made since it got the cluster.
            self.audit_log.clear()
            self.watch_events.clear()
            self.commits.clear()

    def _settle_bootstrap(self) -> None:
        """settle(); if the cluster is still the one the constructor bootstrapped, keep it for the reset template.

        A seeded reset clears the storage to the initial revision and bootstraps into it, which is
        what the constructor did: the settled result is the same cluster, so it is recorded once
        here instead of being made again by the first seeded reset (the pytest plugin's first test).
        """
        unsettled, self._unsettled_bootstrap = self._unsettled_bootstrap, None
        if unsettled is None or unsettled.revision != self.storage.current_revision:
            self.settle()
            return
        with self.identity.recording() as draws:
            self.settle()
        objects, revision = self.storage.dump()
        enqueues, _ = self.enqueue_log.since(unsettled.enqueued_before)
        # Recorded when first needed: indexing the objects takes tens of milliseconds that `fakeapi serve`,
        # which never resets, need not spend starting. Stored objects are never changed in place.
        self._pending_template = functools.partial(
            _BootstrapTemplate.record, objects, revision, enqueues, [*unsettled.draws, *draws]
        )

    def _bootstrap_seeded(self) -> None:
        """The bootstrap of a seeded reset: made for real once, then copied.

        A seeded reset starts from the same revision, so its bootstrap is the same every time
        but for what the seed and the clock give: uids (one per object, drawn in creation order)
        and timestamps. The first one runs through the REST stores and settles the controllers
        (the cluster a fresh server has once its bootstrap work is done); later ones copy its
        objects with fresh uids and times wherever they stand (owner references, pod statuses,
        leases), record its enqueues again, and reclaim the Services' addresses.
        """
        if self._pending_template is not None:
            self._bootstrap_template, self._pending_template = self._pending_template(), None
        template = self._bootstrap_template
        if template is None:
            with self.identity.recording() as draws:
                self._seed_bootstrap()
                self._settle()
            objects, revision = self.storage.dump()
            self._bootstrap_template = _BootstrapTemplate.record(objects, revision, self.enqueue_log.events, draws)
            return
        now = now_rfc3339()
        replacements = dict.fromkeys(template.times, now)
        replacements.update((t, format_micro_time(utc_now())) for t in template.micro_times)
        # The uids, generated names and container IDs this seed gives, drawn in the bootstrap's order.
        replacements.update(self.identity.replay(template.draws))
        restored: dict[str, list[dict[str, Any]]] = {prefix: [] for prefix in template.objects}
        # Events are named after the moment they were recorded (client-go's recorder): renamed after this one.
        event_nanos = itertools.count(wall_nanos())
        renamed = {draw.value: replacements[draw.value] for draw in template.draws if draw.kind == "name"}
        drawn = {draw.value: replacements[draw.value] for draw in template.draws}
        for index, (prefix, obj, paths, texts, keyed) in enumerate(template.in_creation_order):
            copy = _replaced(obj, paths, lambda text: replacements[text])
            if texts:
                copy = _replaced(copy, texts, lambda text: _renamed_in(text, template.name_pattern, renamed))
            if keyed:
                copy = _replaced(
                    copy,
                    keyed,
                    lambda fields: {_renamed_in(k, template.draw_pattern, drawn): v for k, v in fields.items()},
                )
            event_base = template.event_bases.get(index)
            if event_base is not None:
                base = replacements.get(event_base, event_base)
                copy["metadata"] = {**copy["metadata"], "name": f"{base}.{next(event_nanos):x}"}
            restored[prefix].append(copy)
        self.storage.restore(restored, template.revision)
        for service in restored.get(self.stores[("", "v1", "services")].key_prefix, []):
            claim_allocations(service, self.services.service_ips, self.services.node_ports)
        collector = self.controllers.get(garbagecollector.NAME)
        if isinstance(collector, garbagecollector.GarbageCollector):
            # The one controller that remembers what it saw: its graph must hold the owners.
            keys = [(_storage_key(prefix, obj), obj) for prefix, items in restored.items() for obj in items]
            collector.observe_existing(keys, template.revision)
        for controller in self.controllers.values():
            controller.restored()
        self.enqueue_log.replay(
            [
                _renamed_enqueue(event, template.name_pattern, renamed) if index in template.named_enqueues else event
                for index, event in enumerate(template.enqueues)
            ]
        )

    def settle(self) -> None:
        """Do all the work queued for the controllers now, in this thread, in a fixed order.

        Background workers are held off meanwhile. A server whose controllers do not run in the
        background (``run_controllers=False``, or not started) is stepped this way as a whole.
        Back-off retries (a namespace waiting for its finalizers) are not waited for.
        """
        with self._controller_manager.paused(), self._apiserver_controllers.paused():
            self._settle()

    def _settle(self) -> None:
        determinism.settle([*self.controllers.values(), *self.apiserver_controllers.values()])

    def next_due(self, *, periodic: bool = True) -> float | None:
        """When (server clock, seconds since the epoch) the earliest work waiting for a moment is due, or None;
        without heartbeats (Lease renewals, monitors' rounds) when ``periodic`` is False."""
        times = [
            due
            for controller in (*self.controllers.values(), *self.apiserver_controllers.values())
            if (due := controller.queue.next_scheduled(periodic=periodic)) is not None
        ]
        return min(times, default=None)

    def snapshot(self, format: determinism.SnapshotFormat = "yaml") -> str:
        """Every stored object as canonical text (``"yaml"`` or ``"json"``): a ``v1 List``, keys sorted,
        objects in group, resource, namespace, name order, with the storage revision as its resourceVersion.

        Nothing is left out: seeded, with time frozen, the same test gives the same bytes.
        """
        objects, revision = self.storage.dump()
        return determinism.dump(objects, revision, format)

    # -- in-process clients ---------------------------------------------------------------------

    def responses_mock(
        self,
        *,
        base_url: str | None = None,
        target: str = REQUESTS_TARGET,
        mock: responses.RequestsMock | None = None,
    ) -> responses.RequestsMock:
        """A ``responses`` mock that answers ``requests`` calls to this server in process.

        ``with server.responses_mock(): requests.get(server.url + "/api/v1/namespaces")``.
        Requests without credentials are sent as the admin (bearer token); watches stream.

        Args:
            base_url: The URL answered (default: ``url``, which needs the server started).
            target: What responses patches; ``fakeapi.testing.transports.PYKUBE_TARGET`` for
                pykube-ng, whose adapter bypasses the default one.
            mock: Register on this ``responses.RequestsMock`` instead of a new one.
        """
        return responses_mock(
            self.handler,
            base_url or self.url,
            token=self.admin_token,
            max_request_body_bytes=self.config.max_request_body_bytes,
            target=target,
            mock=mock,
        )

    def httpx_transport(self) -> InProcessTransport:
        """An ``httpx`` transport into this server, in process: ``httpx.Client(transport=..., base_url=...)``."""
        from fakeapi.testing.httpx_transport import InProcessTransport

        return InProcessTransport(
            self.handler, token=self.admin_token, max_request_body_bytes=self.config.max_request_body_bytes
        )

    def httpx_async_transport(self) -> AsyncInProcessTransport:
        """The same for ``httpx.AsyncClient``."""
        from fakeapi.testing.httpx_transport import AsyncInProcessTransport

        return AsyncInProcessTransport(
            self.handler, token=self.admin_token, max_request_body_bytes=self.config.max_request_body_bytes
        )


JSONPath = tuple[str | int, ...]


@dataclass(frozen=True)
class _UnsettledBootstrap:
    """The constructor's bootstrap before the controllers' work: what it drew, the revision it left."""

    draws: list[Draw]
    revision: int
    # The enqueue log's position before the bootstrap (the kubelets' start comes before it, as no reset repeats).
    enqueued_before: int


@dataclass(frozen=True)
class _BootstrapTemplate:
    """What a seeded reset's bootstrap left: the objects by storage prefix, the revision, the enqueues.

    Copying it must give every uid and time the bootstrap wrote a new value; where each one stands
    in each object is found once, when the template is recorded, so a copy rebuilds only the
    containers on those paths and shares everything else with the template.
    """

    objects: dict[str, list[dict[str, Any]]]
    revision: int
    enqueues: list[EnqueueEvent]
    # (prefix, object, paths to the drawn and time strings in it, to texts holding generated names, and to
    # managedFields objects whose keys hold drawn values), objects in creation order.
    in_creation_order: list[tuple[str, dict[str, Any], list[JSONPath], list[JSONPath], list[JSONPath]]]
    # What the bootstrap drew from the identity generator (uids, generated names, container IDs), in
    # order, and the times the objects hold.
    draws: list[Draw]
    times: frozenset[str]
    micro_times: frozenset[str]
    # The Events among the objects (by position in creation order), with their names' part before the time.
    event_bases: dict[int, str]
    # Patterns finding the generated names, and every drawn value, inside longer texts.
    name_pattern: re.Pattern[str]
    draw_pattern: re.Pattern[str]
    # The enqueues whose key or cause names an object by a generated name.
    named_enqueues: frozenset[int]

    @classmethod
    def record(
        cls, objects: dict[str, list[dict[str, Any]]], revision: int, enqueues: list[EnqueueEvent], draws: list[Draw]
    ) -> _BootstrapTemplate:
        ordered = sorted(
            ((prefix, obj) for prefix, items in objects.items() for obj in items),
            key=lambda entry: int(entry[1]["metadata"]["resourceVersion"]),
        )
        known = {draw.value for draw in draws}
        # Generated names also stand inside longer texts (an event's "Successfully assigned ns/<pod> to ...").
        names = [draw.value for draw in draws if draw.kind == "name"]
        times: set[str] = set()
        micro: set[str] = set()
        in_creation_order = []
        event_bases = {}
        for index, (prefix, obj) in enumerate(ordered):
            named_at = _EVENT_NAME.fullmatch(obj["metadata"]["name"]) if prefix == EVENTS_PREFIX else None
            if named_at is not None:
                event_bases[index] = named_at.group(1)
            paths: list[JSONPath] = []
            texts: list[JSONPath] = []
            for path, text in _strings(obj, ()):
                if text in known:
                    paths.append(path)
                elif any(name in text for name in names):
                    texts.append(path)
                elif _TIME.fullmatch(text) is not None:
                    (micro if "." in text else times).add(text)
                    paths.append(path)
            keyed = [
                path
                for path, fields in _keyed_by_values(obj, ())
                if any(value in key for key in fields for value in known)
            ]
            in_creation_order.append((prefix, obj, paths, texts, keyed))
        name_pattern = _alternatives(names)
        named_enqueues = frozenset(
            index
            for index, event in enumerate(enqueues)
            if any(name_pattern.search(text) for text in _enqueue_texts(event))
        )
        return cls(
            objects,
            revision,
            enqueues,
            in_creation_order,
            draws,
            frozenset(times),
            frozenset(micro),
            event_bases,
            name_pattern,
            _alternatives(known),
            named_enqueues,
        )


def _served(handler: Handler, method: str, path: str, body: Any, query: str, headers: dict[str, str]) -> Response:
    """One in-process request through ``handler``, as fakeapi's own client sends it.

    A query written into ``path`` (``/api/v1/pods?labelSelector=app%3Dweb``) is the request's
    query, as it would be over HTTP, joined with ``query``.
    """
    path, _, in_path = path.partition("?")
    path = unescape_path_leniently(path)
    query = "&".join(part for part in (in_path, query) if part)
    all_headers = {"User-Agent": "fakeapi", **headers}
    raw = b""
    if body is not None:
        raw = body if isinstance(body, bytes) else encode_json(body)
        all_headers.setdefault("Content-Type", "application/json")
    writer = _BufferWriter()
    # From the loopback address, as kube-apiserver's loopback client connects.
    handler(Request(method, path, query, Headers.of(all_headers), raw, remote_addr="127.0.0.1"), writer)
    return Response(writer.status, writer.headers, bytes(writer.body))


def _storage_key(prefix: str, obj: dict[str, Any]) -> ObjectKey:
    meta = obj["metadata"]
    return ObjectKey(prefix, meta.get("namespace") or "", meta["name"])


EVENTS_PREFIX = "events"
# "<object>.<nanoseconds in hex>", as client-go's recorders name events.
_EVENT_NAME = re.compile(r"(.+)\.[0-9a-f]{16}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")


def _keyed_by_values(value: Any, path: JSONPath) -> Iterator[tuple[JSONPath, dict[str, Any]]]:
    """Every object in a JSON value with managedFields keys that name list items by value (``k:{"uid":...}``)."""
    if isinstance(value, dict):
        if any(key.startswith("k:") for key in value):
            yield path, value
        for key, item in value.items():
            yield from _keyed_by_values(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _keyed_by_values(item, (*path, index))


def _strings(value: Any, path: JSONPath) -> Iterator[tuple[JSONPath, str]]:
    """Every string in a JSON value, with its path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def _enqueue_texts(event: EnqueueEvent) -> list[str]:
    key = event.key if isinstance(event.key, tuple) else (event.key,)
    return [event.cause, *(part for part in key if isinstance(part, str))]


def _renamed_enqueue(event: EnqueueEvent, pattern: re.Pattern[str], renamed: dict[str, str]) -> EnqueueEvent:
    """An enqueue of the recorded bootstrap, with the generated names its key and cause hold made anew."""
    key = event.key
    if isinstance(key, str):
        key = _renamed_in(key, pattern, renamed)
    elif isinstance(key, tuple):
        key = tuple(_renamed_in(part, pattern, renamed) if isinstance(part, str) else part for part in key)
    return dataclasses.replace(event, key=key, cause=_renamed_in(event.cause, pattern, renamed))


def _renamed_in(text: str, pattern: re.Pattern[str], renamed: dict[str, str]) -> str:
    """``text`` with every old value the pattern finds replaced by its new one."""
    return pattern.sub(lambda found: renamed[found.group(0)], text)


def _alternatives(values: Iterable[str]) -> re.Pattern[str]:
    """A pattern matching any of ``values`` (the longest first); one that matches nothing when there are none."""
    ordered = sorted(set(values), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered)) if ordered else r"(?!)")


def _replaced(obj: dict[str, Any], paths: list[JSONPath], replace: Callable[[Any], Any]) -> dict[str, Any]:
    """A copy of ``obj`` with the values at ``paths`` replaced; only the containers on those paths are copied."""
    top = dict(obj)
    copies: dict[JSONPath, Any] = {(): top}
    for path in paths:
        container: Any = top
        for depth in range(1, len(path)):
            prefix = path[:depth]
            copy = copies.get(prefix)
            if copy is None:
                original = container[path[depth - 1]]
                copy = dict(original) if isinstance(original, dict) else list(original)
                container[path[depth - 1]] = copy
                copies[prefix] = copy
            container = copy
        container[path[-1]] = replace(container[path[-1]])
    return top


@functools.cache
def _bootstrap_objects(folder: str) -> tuple[dict[str, Any], ...]:
    """The manifests of one folder of ``fixtures/``, parsed once per process (every reset seeds them again)."""
    directory = resources.files("fakeapi.fixtures").joinpath(folder)
    texts = [
        entry.read_text() for entry in sorted(directory.iterdir(), key=lambda e: e.name) if entry.name.endswith(".yaml")
    ]
    return tuple(load_manifests(texts))


__all__ = ["FakeAPIServer", "GroupResource", "Response", "ServerConfig"]
