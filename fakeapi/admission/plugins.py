"""The admission plugins, in kube-apiserver's order (pkg/kubeapiserver/options/plugins.go).

``PLUGIN_ORDER`` is upstream's AllOrderedPlugins: every plugin's place, whether or not it is
enabled here. The chain a server starts with holds the default-enabled plugins whose effect
shows on what is stored: ServiceAccount, Priority, DefaultTolerationSeconds and
DefaultIngressClass, among others. NamespaceLifecycle lives with the generic Store
(fakeapi.registry.generic.admission) and DefaultStorageClass with the claim strategy
(fakeapi.registry.core.persistentvolumeclaim). Plugins that act on every resource (webhooks,
admission policies) are installed into the chain when the first object configuring them is
stored, so a server without them never imports them.
"""

from __future__ import annotations

from fakeapi.admission.chain import AdmissionChain
from fakeapi.admission.defaultingressclass import DefaultIngressClass
from fakeapi.admission.defaulttolerationseconds import DefaultTolerationSeconds
from fakeapi.admission.limitranger import LimitRanger
from fakeapi.admission.persistentvolumeclaimresize import PersistentVolumeClaimResize
from fakeapi.admission.podsecurity.admission import PodSecurity
from fakeapi.admission.priority import Priority
from fakeapi.admission.reader import StoreReader
from fakeapi.admission.resourcequota import ResourceQuota
from fakeapi.admission.runtimeclass import RuntimeClass
from fakeapi.admission.serviceaccount import ServiceAccount
from fakeapi.admission.storageobjectinuseprotection import StorageObjectInUseProtection
from fakeapi.util.identity import IdentityGenerator

# AllOrderedPlugins of v1.37. Webhooks, ResourceQuota and AlwaysDeny must stay last.
PLUGIN_ORDER = (
    "AlwaysAdmit",
    "NamespaceAutoProvision",
    "NamespaceLifecycle",
    "NamespaceExists",
    "LimitPodHardAntiAffinityTopology",
    "LimitRanger",
    "ServiceAccount",
    "NodeRestriction",
    "TaintNodesByCondition",
    "AlwaysPullImages",
    "ImagePolicyWebhook",
    "PodSecurity",
    "PodNodeSelector",
    "Priority",
    "DefaultTolerationSeconds",
    "PodTolerationRestriction",
    "EventRateLimit",
    "ExtendedResourceToleration",
    "DefaultStorageClass",
    "StorageObjectInUseProtection",
    "OwnerReferencesPermissionEnforcement",
    "PersistentVolumeClaimResize",
    "RuntimeClass",
    "CertificateApproval",
    "CertificateSigning",
    "ClusterTrustBundleAttest",
    "CertificateSubjectRestriction",
    "DefaultIngressClass",
    "DenyServiceExternalIPs",
    "PodTopologyLabels",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionWebhook",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionWebhook",
    "ResourceQuota",
    "AlwaysDeny",
)


def new_default_chain(reader: StoreReader, identity: IdentityGenerator) -> AdmissionChain:
    """The plugins a v1.37 kube-apiserver enables by default that act here."""
    return AdmissionChain(
        PLUGIN_ORDER,
        [
            LimitRanger(reader),
            ServiceAccount(reader, identity),
            PodSecurity(reader),
            Priority(reader),
            DefaultTolerationSeconds(),
            StorageObjectInUseProtection(),
            PersistentVolumeClaimResize(reader),
            RuntimeClass(reader),
            DefaultIngressClass(reader),
            ResourceQuota(reader),
        ],
    )
