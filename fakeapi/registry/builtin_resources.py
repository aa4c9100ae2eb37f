"""The resources a default kube-apiserver v1.37 serves, as its discovery documents list them.

``BUILTIN_RESOURCES`` holds one :class:`~fakeapi.registry.resource_spec.ResourceSpec` per
(group, version, resource) of the GA group-versions below, in the order kube-apiserver installs
the groups (the RESTStorageProvider order of pkg/controlplane; ``autoscaling`` lists v2, the
preferred version, before v1; apiextensions.k8s.io, served by the delegated
apiextensions-apiserver, comes last). Within a group-version the order does not matter: the
installer sorts resources by name. Subresources are the ``"<plural>/<sub>"`` entries of
``/api/v1`` and ``/apis/<group>/<version>``; ``kind`` is set only when the subresource answers
with another type (Scale, Eviction, TokenRequest, Binding, the ``*Options`` kinds of the connect
subresources).

Conventions of ``selectable_fields`` (label -> dotted path into the versioned object):

* Only labels beyond ``metadata.name``/``metadata.namespace`` are listed. Kinds without an entry
  use apimachinery's default conversion, which accepts exactly those two.
* A label may name a path other than its own (``spec.host`` -> ``spec.nodeName``;
  Job ``status.successful`` -> ``status.succeeded``; the events.k8s.io spellings).
* An empty path means upstream accepts the label but never puts it in the object's field set,
  so it only ever matches the empty string (Pod ``status.podIPs``).
* Values compare as Go formats them: booleans ``"true"``/``"false"`` and integers in decimal,
  so a missing ``spec.hostNetwork``/``spec.unschedulable`` reads ``"false"`` and a missing
  ``status.replicas``/``status.succeeded`` reads ``"0"``; a missing string reads ``""``.
* Kinds whose conversion function rejects ``metadata.namespace`` are listed in
  :data:`FIELD_LABEL_NAMESPACE_UNSUPPORTED`.

Checked against (repo kubernetes/kubernetes unless noted; the stored copies were of varying age,
so v1.37 behaviour was confirmed where a newer copy or another source was available):

* pkg/registry/*/rest/storage_*.go: which resources and subresources each group registers
  (certificates, admissionregistration) and pkg/registry/*/*/storage/storage.go: short names,
  categories, status/scale/approval/proxy/connect subresources.
* pkg/registry/*/*/strategy.go ``PrepareForCreate``: which strategies set ``Generation = 1``
  (pod, replicationcontroller, apps, batch, poddisruptionbudget, ingress, ingressclass,
  networkpolicy, endpointslice, admissionregistration, customresourcedefinition, flowcontrol;
  not horizontalpodautoscaler, servicecidr, service).
* pkg/apis/core/v1/conversion.go, pkg/apis/batch/v1/conversion.go,
  pkg/apis/certificates/v1/conversion.go, pkg/apis/events/v1/conversion.go (field label
  conversion); pkg/apis/apps/v1/conversion.go registers none (kubernetes issue #135136:
  ``status.replicas`` on apps/v1 ReplicaSets is rejected); pkg/registry/core/pod/strategy.go and
  pkg/registry/core/event/strategy.go ``ToSelectableFields``.
* pkg/apis/*/validation/validation.go name functions: ``ValidateNamespaceName`` (label),
  ``ValidateServiceName`` (DNS-1035), ``ValidateStatefulSetName`` (label since it switched from
  subdomain), ``ValidateRBACName`` (path segment), ``ValidateCertificateRequestName`` (no rule),
  ``ValidateIPAddressName``, ``ValidateClusterTrustBundleName``; core v1 Events skip name
  validation (``legacyValidateEvent``), events.k8s.io/v1 Events use a subdomain.
* kubernetes/website feature-gate pages: MutatingAdmissionPolicy GA (default on) in 1.36,
  ClusterTrustBundle and PodCertificateRequest GA (default on) in 1.37.
* Paths and verbs were cross-checked against the operations of the ``kubernetes`` Python client
  37.0.2, which is generated from the v1.37 OpenAPI document; they agree except for
  ``csinodes/status`` (see the note above ``_STORAGE_V1``).
"""

from __future__ import annotations

from fakeapi.apimachinery.schema import GroupResource, GroupVersionKind
from fakeapi.registry.resource_spec import SUBRESOURCE_VERBS, NameRule, ResourceSpec, SubresourceSpec

_CORE = ""
_AUTHENTICATION = "authentication.k8s.io"
_AUTHORIZATION = "authorization.k8s.io"
_AUTOSCALING = "autoscaling"
_BATCH = "batch"
_CERTIFICATES = "certificates.k8s.io"
_COORDINATION = "coordination.k8s.io"
_DISCOVERY = "discovery.k8s.io"
_NETWORKING = "networking.k8s.io"
_NODE = "node.k8s.io"
_POLICY = "policy"
_RBAC = "rbac.authorization.k8s.io"
_SCHEDULING = "scheduling.k8s.io"
_STORAGE = "storage.k8s.io"
_FLOWCONTROL = "flowcontrol.apiserver.k8s.io"
_APPS = "apps"
_ADMISSIONREGISTRATION = "admissionregistration.k8s.io"
_EVENTS = "events.k8s.io"
_APIEXTENSIONS = "apiextensions.k8s.io"
_APIREGISTRATION = "apiregistration.k8s.io"

# Verb sets that differ from the ALL_VERBS / SUBRESOURCE_VERBS defaults.
_CREATE_ONLY = ("create",)
_GET_LIST = ("get", "list")
# Namespaces have no deletecollection (the namespace REST does not expose it).
_NAMESPACE_VERBS = ("create", "delete", "get", "list", "patch", "update", "watch")
# Connect subresources: discovery maps the HTTP methods GET/POST (exec, attach, portforward) and
# GET/POST/PUT/PATCH/DELETE (proxy) to verbs; HEAD and OPTIONS have no verb.
_CONNECT_VERBS = ("create", "get")
_PROXY_VERBS = ("create", "delete", "get", "patch", "update")

_ALL = ("all",)
_API_EXTENSIONS = ("api-extensions",)

_SCALE_KIND = GroupVersionKind("autoscaling", "v1", "Scale")


def _sub(
    name: str, verbs: tuple[str, ...] = SUBRESOURCE_VERBS, kind: GroupVersionKind | None = None
) -> SubresourceSpec:
    return SubresourceSpec(name, verbs, kind)


def _core_kind(kind: str) -> GroupVersionKind:
    return GroupVersionKind(_CORE, "v1", kind)


_STATUS = _sub("status")
_SCALE = _sub("scale", kind=_SCALE_KIND)

# Resources whose field label conversion function rejects ``metadata.namespace`` (it answers
# "field label not supported: metadata.namespace" with 400) although the default conversion
# would accept it: Node and Namespace (pkg/apis/core/v1/conversion.go), CertificateSigningRequest,
# ClusterTrustBundle and PodCertificateRequest (pkg/apis/certificates/*/conversion.go; note that
# PodCertificateRequest is namespaced, so only the namespace in the URL scopes its lists).
# A consumer validating a field selector should accept, for these resources, only
# ``metadata.name`` plus their ``selectable_fields``.
FIELD_LABEL_NAMESPACE_UNSUPPORTED: frozenset[GroupResource] = frozenset(
    {
        GroupResource(_CORE, "nodes"),
        GroupResource(_CORE, "namespaces"),
        GroupResource(_CERTIFICATES, "certificatesigningrequests"),
        GroupResource(_CERTIFICATES, "clustertrustbundles"),
        GroupResource(_CERTIFICATES, "podcertificaterequests"),
    }
)

# Core Event field labels (pkg/apis/core/v1/conversion.go AddFieldLabelConversionsForEvent).
# ``source`` is ``source.component`` or, when that is empty, ``reportingComponent``
# (pkg/registry/core/event/strategy.go ToSelectableFields); the path names the first choice.
_CORE_EVENT_FIELDS = {
    "involvedObject.kind": "involvedObject.kind",
    "involvedObject.namespace": "involvedObject.namespace",
    "involvedObject.name": "involvedObject.name",
    "involvedObject.uid": "involvedObject.uid",
    "involvedObject.apiVersion": "involvedObject.apiVersion",
    "involvedObject.resourceVersion": "involvedObject.resourceVersion",
    "involvedObject.fieldPath": "involvedObject.fieldPath",
    "reason": "reason",
    "reportingComponent": "reportingComponent",
    "source": "source.component",
    "type": "type",
}

# events.k8s.io/v1 Event field labels (pkg/apis/events/v1/conversion.go): the events.k8s.io
# spellings map onto the core field set; the core spellings (involvedObject.*,
# reportingComponent) are rejected here. ``source`` falls back to ``reportingController`` when
# ``deprecatedSource.component`` is empty, as for core Events.
_EVENTS_V1_FIELDS = {
    "regarding.kind": "regarding.kind",
    "regarding.namespace": "regarding.namespace",
    "regarding.name": "regarding.name",
    "regarding.uid": "regarding.uid",
    "regarding.apiVersion": "regarding.apiVersion",
    "regarding.resourceVersion": "regarding.resourceVersion",
    "regarding.fieldPath": "regarding.fieldPath",
    "reason": "reason",
    "reportingController": "reportingController",
    "source": "deprecatedSource.component",
    "type": "type",
}

_CORE_V1: tuple[ResourceSpec, ...] = (
    ResourceSpec(
        _CORE,
        "v1",
        "bindings",
        "Binding",
        namespaced=True,
        verbs=_CREATE_ONLY,
        # BindingREST does no name validation of its own.
        name_rule=NameRule.PATH_SEGMENT,
    ),
    ResourceSpec(
        _CORE,
        "v1",
        "componentstatuses",
        "ComponentStatus",
        namespaced=False,
        short_names=("cs",),
        verbs=_GET_LIST,
    ),
    ResourceSpec(_CORE, "v1", "configmaps", "ConfigMap", namespaced=True, short_names=("cm",), strategy="configmap"),
    ResourceSpec(_CORE, "v1", "endpoints", "Endpoints", namespaced=True, short_names=("ep",)),
    ResourceSpec(
        _CORE,
        "v1",
        "events",
        "Event",
        namespaced=True,
        short_names=("ev",),
        selectable_fields=dict(_CORE_EVENT_FIELDS),
        # Creates through core v1 run only legacyValidateEvent, which checks no name format.
        name_rule=NameRule.PATH_SEGMENT,
        strategy="event",
    ),
    ResourceSpec(_CORE, "v1", "limitranges", "LimitRange", namespaced=True, short_names=("limits",)),
    ResourceSpec(
        _CORE,
        "v1",
        "namespaces",
        "Namespace",
        namespaced=False,
        short_names=("ns",),
        verbs=_NAMESPACE_VERBS,
        subresources=(_sub("finalize", ("update",)), _STATUS),
        # Only metadata.name and status.phase: see FIELD_LABEL_NAMESPACE_UNSUPPORTED.
        selectable_fields={"status.phase": "status.phase"},
        name_rule=NameRule.DNS1123_LABEL,
        strategy="namespace",
    ),
    ResourceSpec(
        _CORE,
        "v1",
        "nodes",
        "Node",
        namespaced=False,
        short_names=("no",),
        subresources=(_sub("proxy", _PROXY_VERBS, _core_kind("NodeProxyOptions")), _STATUS),
        # Node's conversion func accepts only metadata.name and spec.unschedulable; unlike the
        # default it rejects metadata.namespace (see FIELD_LABEL_NAMESPACE_UNSUPPORTED).
        # spec.unschedulable is a bool: an unset field selects as "false".
        selectable_fields={"spec.unschedulable": "spec.unschedulable"},
        strategy="node",
    ),
    ResourceSpec(
        _CORE,
        "v1",
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        return_deleted_object=True,
        namespaced=True,
        short_names=("pvc",),
        subresources=(_STATUS,),
        strategy="persistentvolumeclaim",
    ),
    ResourceSpec(
        _CORE,
        "v1",
        "persistentvolumes",
        "PersistentVolume",
        return_deleted_object=True,
        namespaced=False,
        short_names=("pv",),
        subresources=(_STATUS,),
    ),
    ResourceSpec(
        _CORE,
        "v1",
        "pods",
        "Pod",
        return_deleted_object=True,
        namespaced=True,
        short_names=("po",),
        categories=_ALL,
        subresources=(
            _sub("attach", _CONNECT_VERBS, _core_kind("PodAttachOptions")),
            _sub("binding", _CREATE_ONLY, _core_kind("Binding")),
            _sub("ephemeralcontainers"),
            _sub("eviction", _CREATE_ONLY, GroupVersionKind("policy", "v1", "Eviction")),
            _sub("exec", _CONNECT_VERBS, _core_kind("PodExecOptions")),
            _sub("log", ("get",)),
            _sub("portforward", _CONNECT_VERBS, _core_kind("PodPortForwardOptions")),
            _sub("proxy", _PROXY_VERBS, _core_kind("PodProxyOptions")),
            _sub("resize"),
            _STATUS,
        ),
        selectable_fields={
            "spec.nodeName": "spec.nodeName",
            "spec.restartPolicy": "spec.restartPolicy",
            "spec.schedulerName": "spec.schedulerName",
            "spec.serviceAccountName": "spec.serviceAccountName",
            # A bool: an unset field selects as "false".
            "spec.hostNetwork": "spec.hostNetwork",
            "status.phase": "status.phase",
            # Upstream takes the first entry of status.podIPs, which status.podIP mirrors.
            "status.podIP": "status.podIP",
            # Accepted by the conversion func but absent from the pod field set.
            "status.podIPs": "",
            "status.nominatedNodeName": "status.nominatedNodeName",
            # Legacy alias kept for old v1 clients.
            "spec.host": "spec.nodeName",
        },
        tracks_generation=True,
        strategy="pod",
    ),
    ResourceSpec(_CORE, "v1", "podtemplates", "PodTemplate", namespaced=True, return_deleted_object=True),
    ResourceSpec(
        _CORE,
        "v1",
        "replicationcontrollers",
        "ReplicationController",
        namespaced=True,
        short_names=("rc",),
        categories=_ALL,
        subresources=(_SCALE, _STATUS),
        # An integer: an unset field selects as "0".
        selectable_fields={"status.replicas": "status.replicas"},
        tracks_generation=True,
    ),
    ResourceSpec(
        _CORE,
        "v1",
        "resourcequotas",
        "ResourceQuota",
        return_deleted_object=True,
        namespaced=True,
        short_names=("quota",),
        subresources=(_STATUS,),
    ),
    ResourceSpec(
        _CORE,
        "v1",
        "secrets",
        "Secret",
        namespaced=True,
        selectable_fields={"type": "type"},
        strategy="secret",
    ),
    ResourceSpec(
        _CORE,
        "v1",
        "serviceaccounts",
        "ServiceAccount",
        return_deleted_object=True,
        namespaced=True,
        short_names=("sa",),
        subresources=(_sub("token", _CREATE_ONLY, GroupVersionKind(_AUTHENTICATION, "v1", "TokenRequest")),),
    ),
    ResourceSpec(
        _CORE,
        "v1",
        "services",
        "Service",
        return_deleted_object=True,
        namespaced=True,
        short_names=("svc",),
        categories=_ALL,
        subresources=(_sub("proxy", _PROXY_VERBS, _core_kind("ServiceProxyOptions")), _STATUS),
        selectable_fields={"spec.clusterIP": "spec.clusterIP", "spec.type": "spec.type"},
        name_rule=NameRule.DNS1035_LABEL,
        strategy="service",
    ),
)

# Review APIs are virtual (nothing is stored) and their metadata must be empty (the
# SubjectAccessReview family) or is ignored, so no name format applies.
_AUTHENTICATION_V1: tuple[ResourceSpec, ...] = (
    ResourceSpec(
        _AUTHENTICATION,
        "v1",
        "selfsubjectreviews",
        "SelfSubjectReview",
        namespaced=False,
        verbs=_CREATE_ONLY,
        name_rule=NameRule.PATH_SEGMENT,
    ),
    ResourceSpec(
        _AUTHENTICATION,
        "v1",
        "tokenreviews",
        "TokenReview",
        namespaced=False,
        verbs=_CREATE_ONLY,
        name_rule=NameRule.PATH_SEGMENT,
    ),
)

_AUTHORIZATION_V1: tuple[ResourceSpec, ...] = (
    ResourceSpec(
        _AUTHORIZATION,
        "v1",
        "localsubjectaccessreviews",
        "LocalSubjectAccessReview",
        namespaced=True,
        verbs=_CREATE_ONLY,
        name_rule=NameRule.PATH_SEGMENT,
    ),
    ResourceSpec(
        _AUTHORIZATION,
        "v1",
        "selfsubjectaccessreviews",
        "SelfSubjectAccessReview",
        namespaced=False,
        verbs=_CREATE_ONLY,
        name_rule=NameRule.PATH_SEGMENT,
    ),
    ResourceSpec(
        _AUTHORIZATION,
        "v1",
        "selfsubjectrulesreviews",
        "SelfSubjectRulesReview",
        namespaced=False,
        verbs=_CREATE_ONLY,
        name_rule=NameRule.PATH_SEGMENT,
    ),
    ResourceSpec(
        _AUTHORIZATION,
        "v1",
        "subjectaccessreviews",
        "SubjectAccessReview",
        namespaced=False,
        verbs=_CREATE_ONLY,
        name_rule=NameRule.PATH_SEGMENT,
    ),
)

# The HPA strategy clears status on create but does not set metadata.generation.
_AUTOSCALING_V2_V1: tuple[ResourceSpec, ...] = tuple(
    ResourceSpec(
        _AUTOSCALING,
        version,
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        namespaced=True,
        short_names=("hpa",),
        categories=_ALL,
        subresources=(_STATUS,),
    )
    for version in ("v2", "v1")
)

_BATCH_V1: tuple[ResourceSpec, ...] = (
    ResourceSpec(
        _BATCH,
        "v1",
        "cronjobs",
        "CronJob",
        namespaced=True,
        short_names=("cj",),
        categories=_ALL,
        subresources=(_STATUS,),
        tracks_generation=True,
        # name_rule: a subdomain, which ValidateCronJobCreate also caps at 52 characters.
    ),
    ResourceSpec(
        _BATCH,
        "v1",
        "jobs",
        "Job",
        namespaced=True,
        categories=_ALL,
        subresources=(_STATUS,),
        # The label is status.successful but the value is status.succeeded (an integer, "0"
        # when unset). Other labels fail with `field label "x" not supported for batchv1.Job`.
        selectable_fields={"status.successful": "status.succeeded"},
        tracks_generation=True,
        strategy="job",
    ),
)

_CERTIFICATES_V1: tuple[ResourceSpec, ...] = (
    ResourceSpec(
        _CERTIFICATES,
        "v1",
        "certificatesigningrequests",
        "CertificateSigningRequest",
        namespaced=False,
        short_names=("csr",),
        subresources=(_sub("approval"), _STATUS),
        strategy="certificatesigningrequest",
        selectable_fields={"spec.signerName": "spec.signerName"},
        # "We don't care what you call your certificate requests."
        name_rule=NameRule.PATH_SEGMENT,
    ),
    ResourceSpec(
        _CERTIFICATES,
        "v1",
        "clustertrustbundles",
        "ClusterTrustBundle",
        namespaced=False,
        selectable_fields={"spec.signerName": "spec.signerName"},
        # ValidateClusterTrustBundleName: "<signerName with / as :>:<subdomain>" when
        # spec.signerName is set, else a subdomain without ":"; no NameRule expresses that.
        name_rule=NameRule.PATH_SEGMENT,
    ),
    ResourceSpec(
        _CERTIFICATES,
        "v1",
        "podcertificaterequests",
        "PodCertificateRequest",
        namespaced=True,
        subresources=(_STATUS,),
        selectable_fields={
            "spec.signerName": "spec.signerName",
            "spec.podName": "spec.podName",
            "spec.nodeName": "spec.nodeName",
        },
    ),
)

_COORDINATION_V1: tuple[ResourceSpec, ...] = (ResourceSpec(_COORDINATION, "v1", "leases", "Lease", namespaced=True),)

_DISCOVERY_V1: tuple[ResourceSpec, ...] = (
    ResourceSpec(_DISCOVERY, "v1", "endpointslices", "EndpointSlice", namespaced=True, tracks_generation=True),
)

_NETWORKING_V1: tuple[ResourceSpec, ...] = (
    ResourceSpec(_NETWORKING, "v1", "ingressclasses", "IngressClass", namespaced=False, tracks_generation=True),
    ResourceSpec(
        _NETWORKING,
        "v1",
        "ingresses",
        "Ingress",
        namespaced=True,
        short_names=("ing",),
        subresources=(_STATUS,),
        tracks_generation=True,
    ),
    ResourceSpec(
        _NETWORKING,
        "v1",
        "ipaddresses",
        "IPAddress",
        namespaced=False,
        short_names=("ip",),
        # ValidateIPAddressName: the name must be an IP address in canonical form (IPv6 names
        # contain ":", so no DNS rule fits); the path-segment floor is the nearest NameRule.
        name_rule=NameRule.PATH_SEGMENT,
    ),
    ResourceSpec(
        _NETWORKING,
        "v1",
        "networkpolicies",
        "NetworkPolicy",
        namespaced=True,
        short_names=("netpol",),
        tracks_generation=True,
    ),
    ResourceSpec(_NETWORKING, "v1", "servicecidrs", "ServiceCIDR", namespaced=False, subresources=(_STATUS,)),
)

_NODE_V1: tuple[ResourceSpec, ...] = (ResourceSpec(_NODE, "v1", "runtimeclasses", "RuntimeClass", namespaced=False),)

_POLICY_V1: tuple[ResourceSpec, ...] = (
    ResourceSpec(
        _POLICY,
        "v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        namespaced=True,
        short_names=("pdb",),
        subresources=(_STATUS,),
        tracks_generation=True,
    ),
)

# ValidateRBACName is path.IsValidPathSegmentName for all four kinds.
_RBAC_V1: tuple[ResourceSpec, ...] = (
    ResourceSpec(
        _RBAC,
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        namespaced=False,
        name_rule=NameRule.PATH_SEGMENT,
    ),
    ResourceSpec(_RBAC, "v1", "clusterroles", "ClusterRole", namespaced=False, name_rule=NameRule.PATH_SEGMENT),
    ResourceSpec(_RBAC, "v1", "rolebindings", "RoleBinding", namespaced=True, name_rule=NameRule.PATH_SEGMENT),
    ResourceSpec(_RBAC, "v1", "roles", "Role", namespaced=True, name_rule=NameRule.PATH_SEGMENT),
)

_SCHEDULING_V1: tuple[ResourceSpec, ...] = (
    ResourceSpec(_SCHEDULING, "v1", "priorityclasses", "PriorityClass", namespaced=False, short_names=("pc",)),
)

# csinodes/status is left out. The v1.37 OpenAPI document has it, but that document is built
# with every feature gate on, and the only field of CSINodeStatus (storageHealth) is behind the
# CSIVolumeHealth gate. Whether a default server registers the subresource anyway is unverified.
_STORAGE_V1: tuple[ResourceSpec, ...] = (
    ResourceSpec(_STORAGE, "v1", "csidrivers", "CSIDriver", namespaced=False, return_deleted_object=True),
    ResourceSpec(_STORAGE, "v1", "csinodes", "CSINode", namespaced=False, return_deleted_object=True),
    ResourceSpec(_STORAGE, "v1", "csistoragecapacities", "CSIStorageCapacity", namespaced=True),
    ResourceSpec(
        _STORAGE,
        "v1",
        "storageclasses",
        "StorageClass",
        namespaced=False,
        short_names=("sc",),
        return_deleted_object=True,
    ),
    ResourceSpec(
        _STORAGE,
        "v1",
        "volumeattachments",
        "VolumeAttachment",
        return_deleted_object=True,
        namespaced=False,
        subresources=(_STATUS,),
    ),
    ResourceSpec(
        _STORAGE,
        "v1",
        "volumeattributesclasses",
        "VolumeAttributesClass",
        return_deleted_object=True,
        namespaced=False,
        short_names=("vac",),
    ),
)

_FLOWCONTROL_V1: tuple[ResourceSpec, ...] = (
    ResourceSpec(
        _FLOWCONTROL,
        "v1",
        "flowschemas",
        "FlowSchema",
        namespaced=False,
        subresources=(_STATUS,),
        tracks_generation=True,
    ),
    ResourceSpec(
        _FLOWCONTROL,
        "v1",
        "prioritylevelconfigurations",
        "PriorityLevelConfiguration",
        namespaced=False,
        subresources=(_STATUS,),
        tracks_generation=True,
    ),
)

# apps/v1 registers no field label conversion, so ReplicaSet's status.replicas (present in its
# storage field set) is rejected like any label but metadata.name/metadata.namespace.
_APPS_V1: tuple[ResourceSpec, ...] = (
    ResourceSpec(_APPS, "v1", "controllerrevisions", "ControllerRevision", namespaced=True),
    ResourceSpec(
        _APPS,
        "v1",
        "daemonsets",
        "DaemonSet",
        namespaced=True,
        short_names=("ds",),
        categories=_ALL,
        subresources=(_STATUS,),
        tracks_generation=True,
        strategy="daemonset",
    ),
    ResourceSpec(
        _APPS,
        "v1",
        "deployments",
        "Deployment",
        namespaced=True,
        short_names=("deploy",),
        categories=_ALL,
        subresources=(_SCALE, _STATUS),
        tracks_generation=True,
    ),
    ResourceSpec(
        _APPS,
        "v1",
        "replicasets",
        "ReplicaSet",
        namespaced=True,
        short_names=("rs",),
        categories=_ALL,
        subresources=(_SCALE, _STATUS),
        tracks_generation=True,
    ),
    ResourceSpec(
        _APPS,
        "v1",
        "statefulsets",
        "StatefulSet",
        namespaced=True,
        short_names=("sts",),
        categories=_ALL,
        subresources=(_SCALE, _STATUS),
        name_rule=NameRule.DNS1123_LABEL,
        tracks_generation=True,
    ),
)

_ADMISSIONREGISTRATION_V1: tuple[ResourceSpec, ...] = (
    ResourceSpec(
        _ADMISSIONREGISTRATION,
        "v1",
        "mutatingadmissionpolicies",
        "MutatingAdmissionPolicy",
        namespaced=False,
        categories=_API_EXTENSIONS,
        tracks_generation=True,
        strategy="admissionpolicy",
    ),
    ResourceSpec(
        _ADMISSIONREGISTRATION,
        "v1",
        "mutatingadmissionpolicybindings",
        "MutatingAdmissionPolicyBinding",
        namespaced=False,
        categories=_API_EXTENSIONS,
        tracks_generation=True,
        strategy="admissionpolicy",
    ),
    ResourceSpec(
        _ADMISSIONREGISTRATION,
        "v1",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
        namespaced=False,
        categories=_API_EXTENSIONS,
        tracks_generation=True,
        strategy="webhookconfiguration",
    ),
    ResourceSpec(
        _ADMISSIONREGISTRATION,
        "v1",
        "validatingadmissionpolicies",
        "ValidatingAdmissionPolicy",
        namespaced=False,
        categories=_API_EXTENSIONS,
        subresources=(_STATUS,),
        tracks_generation=True,
        strategy="admissionpolicy",
    ),
    ResourceSpec(
        _ADMISSIONREGISTRATION,
        "v1",
        "validatingadmissionpolicybindings",
        "ValidatingAdmissionPolicyBinding",
        namespaced=False,
        categories=_API_EXTENSIONS,
        tracks_generation=True,
        strategy="admissionpolicy",
    ),
    ResourceSpec(
        _ADMISSIONREGISTRATION,
        "v1",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        namespaced=False,
        categories=_API_EXTENSIONS,
        tracks_generation=True,
        strategy="webhookconfiguration",
    ),
)

# Stored with core Events (the server's storage factory says so); names created through
# events.k8s.io/v1 must be subdomains.
_EVENTS_V1: tuple[ResourceSpec, ...] = (
    ResourceSpec(
        _EVENTS,
        "v1",
        "events",
        "Event",
        namespaced=True,
        short_names=("ev",),
        selectable_fields=dict(_EVENTS_V1_FIELDS),
        strategy="event",
    ),
)

_APIEXTENSIONS_V1: tuple[ResourceSpec, ...] = (
    ResourceSpec(
        _APIEXTENSIONS,
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        namespaced=False,
        short_names=("crd", "crds"),
        categories=_API_EXTENSIONS,
        subresources=(_STATUS,),
        tracks_generation=True,
        # name_rule: a subdomain that must also equal "<spec.names.plural>.<spec.group>".
        strategy="customresourcedefinition",
    ),
)

# Served by kube-aggregator, in front of everything else (pkg/apiserver/apiserver.go,
# pkg/registry/apiservice/etcd/etcd.go: the api-extensions category, a status subresource).
_APIREGISTRATION_V1: tuple[ResourceSpec, ...] = (
    ResourceSpec(
        _APIREGISTRATION,
        "v1",
        "apiservices",
        "APIService",
        namespaced=False,
        categories=_API_EXTENSIONS,
        subresources=(_STATUS,),
        # ValidateAPIService: a path segment that must also be "<spec.version>.<spec.group>".
        name_rule=NameRule.PATH_SEGMENT,
        strategy="apiservice",
    ),
)

BUILTIN_RESOURCES: tuple[ResourceSpec, ...] = (
    *_CORE_V1,
    *_AUTHENTICATION_V1,
    *_AUTHORIZATION_V1,
    *_AUTOSCALING_V2_V1,
    *_BATCH_V1,
    *_CERTIFICATES_V1,
    *_COORDINATION_V1,
    *_DISCOVERY_V1,
    *_NETWORKING_V1,
    *_NODE_V1,
    *_POLICY_V1,
    *_RBAC_V1,
    *_SCHEDULING_V1,
    *_STORAGE_V1,
    *_FLOWCONTROL_V1,
    *_APPS_V1,
    *_ADMISSIONREGISTRATION_V1,
    *_EVENTS_V1,
    *_APIEXTENSIONS_V1,
    *_APIREGISTRATION_V1,
)

__all__ = ["BUILTIN_RESOURCES", "FIELD_LABEL_NAMESPACE_UNSUPPORTED"]
