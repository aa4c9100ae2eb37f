"""RESTStorageProviders: per API group, the version → resource → storage map.

Mirrors pkg/controlplane's RESTStorageProvider interface, the LegacyRESTStorageProvider of
pkg/registry/core/rest/storage_core.go and NewDefaultAPIGroupInfo. Upstream has one provider
type per group; here the declarative part lives in ``BUILTIN_RESOURCES`` and one provider
class builds any group from it, with ``LegacyRESTStorageProvider`` for core v1. Each storage
is a generic Store whose strategy comes from ``StrategyFactory``; status, finalize and scale
subresources are Stores (or REST objects) over the same storage, as upstream does with
shallow copies of one Store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from fakeapi.admission.chain import AdmissionChain
from fakeapi.admission.plugins import new_default_chain
from fakeapi.admission.reader import StoreReader
from fakeapi.apiextensions.strategy import (
    CustomResourceDefinitionStatusStrategy,
    CustomResourceDefinitionStore,
    CustomResourceDefinitionStrategy,
)
from fakeapi.apimachinery.managedfields import FieldManagerFactory
from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.apimachinery.schema import GroupResource, GroupVersion
from fakeapi.registry.admissionregistration.policies import AdmissionPolicyStrategy
from fakeapi.registry.admissionregistration.validation import WebhookConfigurationStrategy
from fakeapi.registry.apiregistration.autoregister import APIServiceStore
from fakeapi.registry.apiregistration.strategy import APIServiceStrategy
from fakeapi.registry.apps.daemonset import DaemonSetStrategy
from fakeapi.registry.authentication import storage as authentication_storage
from fakeapi.registry.authentication.services import SecurityServices
from fakeapi.registry.batch.job import JobStrategy
from fakeapi.registry.certificates.csr import CSRApprovalStrategy, CSRStatusStrategy, CSRStrategy
from fakeapi.registry.core.componentstatus import ComponentStatusREST
from fakeapi.registry.core.configmap import ConfigMapStrategy
from fakeapi.registry.core.event import EventStrategy
from fakeapi.registry.core.namespace import (
    NamespaceFinalizeStrategy,
    NamespaceStatusStrategy,
    NamespaceStrategy,
)
from fakeapi.registry.core.node import NodeStrategy
from fakeapi.registry.core.persistentvolumeclaim import PersistentVolumeClaimStrategy
from fakeapi.registry.core.pod import POD_SPEC_PARTS, BindingREST, EvictionREST, PodSpecPartStrategy, PodStrategy
from fakeapi.registry.core.pod_log import LogREST
from fakeapi.registry.core.pod_subresources import AttachREST, ExecREST, PortForwardREST
from fakeapi.registry.core.secret import SecretStrategy
from fakeapi.registry.core.service import NodePortAllocator, ServiceIPAllocator, ServiceStrategy
from fakeapi.registry.generic.admission import NamespaceLifecycle
from fakeapi.registry.generic.pagination import ListPager
from fakeapi.registry.generic.store import Store
from fakeapi.registry.rbac.policybased import policy_based_storage
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.registry.strategy import StatusStrategy, Strategy
from fakeapi.registry.subresources import NoKubeletREST, ScaleREST
from fakeapi.registry.webhook_clients import WebhookClients
from fakeapi.server.storage.resource_config import ResourceConfig
from fakeapi.server.storage.storage_factory import StorageFactory
from fakeapi.storage.interfaces import Object
from fakeapi.util.identity import IdentityGenerator

if TYPE_CHECKING:
    from fakeapi.kubelet.container_runtime import ContainerRuntime

# Subresources that stream from a kubelet or proxy to a backend.
CONNECT_SUBRESOURCES = frozenset({"log", "exec", "attach", "portforward", "proxy"})
# The pod subresources the simulated kubelets' container runtime answers.
_POD_STREAMING_REST = {"exec": ExecREST, "attach": AttachREST, "portforward": PortForwardREST}
CSR_RESOURCE = GroupResource("certificates.k8s.io", "certificatesigningrequests")


@dataclass
class APIGroupInfo:
    """genericapiserver.APIGroupInfo: the storages of one group, per version, preferred version first."""

    group: str
    prioritized_versions: list[GroupVersion] = field(default_factory=list)
    versioned_resources_storage_map: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class StoreServices:
    """What every Store of a server shares: the backend, schemas, identities, admission, paging."""

    storage_factory: StorageFactory
    schemas: SchemaRegistry
    identity: IdentityGenerator
    admission: NamespaceLifecycle
    pager: ListPager = field(default_factory=ListPager)
    service_ips: ServiceIPAllocator = field(default_factory=ServiceIPAllocator)
    node_ports: NodePortAllocator = field(default_factory=NodePortAllocator)
    # The server's authenticator, authorizer and token issuer, for the review and TokenRequest storages.
    security: SecurityServices = field(default_factory=SecurityServices)
    # Every Store built so far, by (group, version, resource), for storages that reach across groups.
    stores: dict[tuple[str, str, str], Store] = field(default_factory=dict)
    # The served group-versions (and whether each is built in), for the local APIServices.
    served_group_versions: Callable[[], list[tuple[GroupVersion, bool]]] | None = None
    # The container runtime behind pods' log, exec, attach and portforward (made when first asked for).
    container_runtime: Callable[[], ContainerRuntime] | None = None
    # kube-apiserver's admission plugins, reading the Stores above.
    admission_chain: AdmissionChain = field(init=False)
    # The clients of admission and conversion webhooks, made at the first call.
    webhook_clients: WebhookClients = field(init=False)

    def __post_init__(self) -> None:
        self.admission_chain = new_default_chain(StoreReader(self.stores), self.identity)
        self.webhook_clients = WebhookClients(self.stores, self.container_runtime)

    def reset_allocations(self) -> None:
        """Forget allocated cluster IPs and node ports (after the storage was cleared)."""
        self.service_ips.reset()
        self.node_ports.reset()


class StrategyFactory:
    """Builds the (main, status, extra) strategies of a resource from its ``strategy`` key."""

    def __init__(self, services: StoreServices) -> None:
        self.services = services
        # managedFields bookkeeping of every Store built here (types converted once per factory).
        self.field_managers = FieldManagerFactory(services.schemas)

    def main(self, spec: ResourceSpec) -> Strategy:
        s = self.services
        builders: dict[str, Callable[[], Strategy]] = {
            "secret": lambda: SecretStrategy(spec, s.schemas, s.identity),
            "configmap": lambda: ConfigMapStrategy(spec, s.schemas, s.identity),
            "event": lambda: EventStrategy(spec, s.schemas, s.identity),
            "job": lambda: JobStrategy(spec, s.schemas, s.identity),
            "daemonset": lambda: DaemonSetStrategy(spec, s.schemas, s.identity),
            "pod": lambda: PodStrategy(spec, s.schemas, s.identity),
            "persistentvolumeclaim": lambda: PersistentVolumeClaimStrategy(
                spec, s.schemas, s.identity, self._storage_classes
            ),
            "namespace": lambda: NamespaceStrategy(spec, s.schemas, s.identity),
            "node": lambda: NodeStrategy(spec, s.schemas, s.identity),
            "certificatesigningrequest": lambda: CSRStrategy(spec, s.schemas, s.identity),
            "apiservice": lambda: APIServiceStrategy(spec, s.schemas, s.identity, self._read_core),
            "service": lambda: ServiceStrategy(spec, s.schemas, s.identity, s.service_ips, s.node_ports),
            "customresourcedefinition": lambda: CustomResourceDefinitionStrategy(spec, s.schemas, s.identity),
            "webhookconfiguration": lambda: WebhookConfigurationStrategy(spec, s.schemas, s.identity),
            "admissionpolicy": lambda: AdmissionPolicyStrategy(spec, s.schemas, s.identity),
        }
        return builders.get(spec.strategy, lambda: Strategy(spec, s.schemas, s.identity))()

    def _read_core(self, resource: str, namespace: str, name: str) -> Object | None:
        """One stored object of the core group (an APIService's Service and Endpoints), or None."""
        store = self.services.stores.get(("", "v1", resource))
        return None if store is None else store.storage.get(store.key_func(namespace, name))

    def _storage_classes(self) -> list[Any]:
        """Every StorageClass, read when a claim is created (none when storage.k8s.io/v1 is not served)."""
        store = self.services.stores.get(("storage.k8s.io", "v1", "storageclasses"))
        return [] if store is None else store.storage.get_list(store.key_prefix, None)[0]

    def status(self, spec: ResourceSpec) -> Strategy:
        s = self.services
        if spec.strategy == "namespace":
            return NamespaceStatusStrategy(spec, s.schemas, s.identity)
        if spec.strategy == "customresourcedefinition":
            return CustomResourceDefinitionStatusStrategy(spec, s.schemas, s.identity)
        if spec.group_resource == CSR_RESOURCE:
            return CSRStatusStrategy(spec, s.schemas, s.identity)
        return StatusStrategy(spec, s.schemas, s.identity)


# Strategies whose resources need more than the generic Store: CRDs (their delete hands over to the
# finalizer controller, their writes drive the CRD controllers), APIServices (the local ones made on demand).
_STORE_CLASSES: dict[str, type[Store]] = {
    "customresourcedefinition": CustomResourceDefinitionStore,
    "apiservice": APIServiceStore,
}


def build_store(spec: ResourceSpec, services: StoreServices, strategies: StrategyFactory) -> Store:
    options = services.storage_factory.get_rest_options(spec.gvr)
    strategy = strategies.main(spec)
    store_class = _STORE_CLASSES.get(spec.strategy, Store)
    store = store_class(
        spec=spec,
        storage=options.storage,
        key_prefix=options.resource_prefix,
        create_strategy=strategy,
        update_strategy=strategy,
        delete_strategy=strategy,
        pager=services.pager,
        admission=services.admission,
        admission_chain=services.admission_chain,
        enable_garbage_collection=options.enable_garbage_collection,
        return_deleted_object=spec.return_deleted_object,
        field_manager=strategies.field_managers.for_kind(spec.gvk, status_subresource=strategy.has_status),
    )
    if isinstance(store, APIServiceStore):
        store.served = services.served_group_versions
    return store


def _subresource_field_manager(store: Store, name: str) -> Any:
    """The store's field manager as a subresource endpoint records writes (entries with subresource)."""
    if store.field_manager is None:
        return None
    return FieldManagerFactory.for_subresource(store.field_manager, name)


def _update_strategy_for(spec: ResourceSpec, name: str, strategies: StrategyFactory) -> Strategy | None:
    """The strategy of a subresource that is the parent's Store with another update strategy."""
    s = strategies.services
    if name == "status":
        return strategies.status(spec)
    if name == "finalize" and spec.strategy == "namespace":
        return NamespaceFinalizeStrategy(spec, s.schemas, s.identity)
    if name == "approval" and spec.group_resource == CSR_RESOURCE:
        return CSRApprovalStrategy(spec, s.schemas, s.identity)
    if name in POD_SPEC_PARTS and spec.resource == "pods":
        return PodSpecPartStrategy(spec, s.schemas, s.identity, POD_SPEC_PARTS[name])
    return None


def subresource_storage(store: Store, name: str, strategies: StrategyFactory) -> Any | None:
    """The storage of one subresource, or None where fakeapi does not serve it."""
    spec = store.spec
    update_strategy = _update_strategy_for(spec, name, strategies)
    if update_strategy is not None:
        # A shallow copy of the Store over the same storage, as upstream builds its status stores.
        return replace(store, update_strategy=update_strategy, field_manager=_subresource_field_manager(store, name))
    if name == "scale":
        return ScaleREST(replace(store, field_manager=_subresource_field_manager(store, name)))
    runtime = strategies.services.container_runtime
    if spec.resource == "pods" and runtime is not None:
        if name == "log":
            return LogREST(store, runtime)
        if name in _POD_STREAMING_REST:
            return _POD_STREAMING_REST[name](store, runtime, strategies.services.security)
    if name in CONNECT_SUBRESOURCES:
        return NoKubeletREST(store, name)
    if name == "token":
        return authentication_storage.subresource_storage(store, name, strategies.services.security)
    if spec.resource == "pods" and name == "binding":
        return BindingREST(lambda: store, spec)
    if spec.resource == "pods" and name == "eviction":
        stores = strategies.services.stores
        return EvictionREST(store, lambda: stores.get(("policy", "v1", "poddisruptionbudgets")), spec)
    return None


class RESTStorageProvider:
    """Builds the APIGroupInfo of one group from its ResourceSpecs."""

    def __init__(self, group: str, specs: list[ResourceSpec], services: StoreServices) -> None:
        self._group = group
        self._specs = specs
        self._services = services
        self._strategies = StrategyFactory(services)

    def group_name(self) -> str:
        return self._group

    def new_rest_storage(self, resource_config: ResourceConfig) -> APIGroupInfo:
        info = APIGroupInfo(self._group)
        for spec in self._specs:
            if not resource_config.resource_enabled(spec.gvr):
                continue
            gv = spec.group_version
            if gv not in info.prioritized_versions:
                info.prioritized_versions.append(gv)
            storage_map = info.versioned_resources_storage_map.setdefault(spec.version, {})
            store = build_store(spec, self._services, self._strategies)
            self._services.stores[(spec.group, spec.version, spec.resource)] = store
            storage_map[spec.resource] = self._top_level_storage(spec, store)
            for sub in spec.subresources:
                sub_storage = subresource_storage(store, sub.name, self._strategies)
                if sub_storage is not None:
                    storage_map[f"{spec.resource}/{sub.name}"] = sub_storage
        return info

    def _top_level_storage(self, spec: ResourceSpec, store: Store) -> Any:
        """The storage a resource is served by: its Store, unless it is virtual."""
        services = self._services
        virtual = authentication_storage.virtual_storage(spec, services.security, services.schemas)
        if virtual is not None:
            return virtual
        return policy_based_storage(store, services.security, services.stores)


class LegacyRESTStorageProvider(RESTStorageProvider):
    """The core ("") group, installed under /api."""

    def __init__(self, specs: list[ResourceSpec], services: StoreServices) -> None:
        super().__init__("", specs, services)

    def _top_level_storage(self, spec: ResourceSpec, store: Store) -> Any:
        if spec.resource == "componentstatuses":
            return ComponentStatusREST(spec)
        if spec.resource == "bindings":
            # The legacy /bindings binds through the pods' storage, like pods/<name>/binding.
            return BindingREST(lambda: self._services.stores[("", "v1", "pods")], spec)
        return store
