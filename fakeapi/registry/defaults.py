"""Defaulting of built-in objects: what decoding a body into the Go type fills in.

Upstream, every object a request brings is defaulted as it is decoded (``scheme.Default`` with
the ``SetObjectDefaults_*`` functions generated from each group's pkg/apis/<group>/<version>/defaults.go:
core, apps, batch, autoscaling, networking, rbac, storage, scheduling, admissionregistration,
flowcontrol and discovery; policy, coordination, certificates and node have none), and again
whenever it is read back from storage. So a Deployment created without ``replicas`` has ``replicas: 1`` in the answer,
in every later read, and in the managedFields of the client that created it. ``set_object_defaults``
does the same on the JSON form; the generic Store calls it where upstream decodes. Every
defaulter only fills what is unset, so applying one twice changes nothing.

What only admission plugins set on pods (a service account and its token volume, the priority,
the default tolerations) is in ``fakeapi.admission``: it applies to pods, not to pod templates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.apimachinery.schema import GroupKind, GroupVersionKind
from fakeapi.registry.rest import defaulted_object_field
from fakeapi.storage.interfaces import Object

# pkg/apis/core/v1 constants.
DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30
DEFAULT_SCHEDULER_NAME = "default-scheduler"
VOLUME_SOURCE_DEFAULT_MODE = 0o644  # Secret, ConfigMap, DownwardAPI and Projected volumes
SERVICE_ACCOUNT_TOKEN_EXPIRATION_SECONDS = 3600
DEFAULT_REVISION_HISTORY_LIMIT = 10

_PROBE_DEFAULTS = {"timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}
_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
# Every field of VolumeSource is a pointer: a volume with none of them set becomes an emptyDir.
_NOT_A_VOLUME_SOURCE = frozenset({"name"})
_MODE_DEFAULTED_VOLUMES = ("secret", "configMap", "downwardAPI", "projected")


def _dict(parent: Any, key: str) -> dict[str, Any] | None:
    value = parent.get(key) if isinstance(parent, dict) else None
    return value if isinstance(value, dict) else None


def _dicts(parent: Any, key: str) -> list[dict[str, Any]]:
    value = parent.get(key) if isinstance(parent, dict) else None
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _unset(obj: dict[str, Any], key: str) -> bool:
    """Go's zero value: an absent field, null, or an empty string."""
    return obj.get(key) in (None, "")


def _default(obj: dict[str, Any], key: str, value: Any) -> None:
    """A string field's default: "" is unset too."""
    if _unset(obj, key):
        obj[key] = value


def _default_if_null(obj: dict[str, Any], key: str, value: Any) -> None:
    """A pointer field's default: only absent or null is unset (0 and false are values)."""
    if obj.get(key) is None:
        obj[key] = value


def _image_pull_policy(image: str) -> str:
    """SetDefaults_Container: Always for the ``latest`` tag (also implied by no tag), else IfNotPresent."""
    name, _, digest = image.partition("@")
    if digest:
        return "IfNotPresent"
    last = name.rsplit("/", 1)[-1]
    tag = last.partition(":")[2] or "latest"
    return "Always" if tag == "latest" else "IfNotPresent"


def _default_probe(probe: dict[str, Any]) -> None:
    for key, value in _PROBE_DEFAULTS.items():
        if not probe.get(key):
            probe[key] = value
    http_get = _dict(probe, "httpGet")
    if http_get is not None:
        _default(http_get, "path", "/")
        _default(http_get, "scheme", "HTTP")


def _default_container(container: dict[str, Any]) -> None:
    """SetDefaults_Container and the defaults of what a container holds."""
    _default(container, "imagePullPolicy", _image_pull_policy(str(container.get("image") or "")))
    _default(container, "terminationMessagePath", "/dev/termination-log")
    _default(container, "terminationMessagePolicy", "File")
    # A non-pointer struct: Go always writes it, empty or not.
    defaulted_object_field(container, "resources")
    for port in _dicts(container, "ports"):
        _default(port, "protocol", "TCP")
    for probe_name in _PROBES:
        probe = _dict(container, probe_name)
        if probe is not None:
            _default_probe(probe)
    for env in _dicts(container, "env"):
        field_ref = _dict(_dict(env, "valueFrom"), "fieldRef")
        if field_ref is not None:
            _default(field_ref, "apiVersion", "v1")


def _default_volume(volume: dict[str, Any]) -> None:
    if set(volume) <= _NOT_A_VOLUME_SOURCE:
        volume["emptyDir"] = {}
    for kind in _MODE_DEFAULTED_VOLUMES:
        source = _dict(volume, kind)
        if source is not None and source.get("defaultMode") is None:
            source["defaultMode"] = VOLUME_SOURCE_DEFAULT_MODE
    for projection in _dicts(_dict(volume, "projected"), "sources"):
        token = _dict(projection, "serviceAccountToken")
        if token is not None and token.get("expirationSeconds") is None:
            token["expirationSeconds"] = SERVICE_ACCOUNT_TOKEN_EXPIRATION_SECONDS
    _default_host_path(volume)


def _default_host_path(source: dict[str, Any]) -> None:
    """SetDefaults_HostPathVolumeSource, for pod volumes and persistent volumes alike."""
    host_path = _dict(source, "hostPath")
    if host_path is not None and host_path.get("type") is None:
        host_path["type"] = ""


def default_pod_spec(spec: Any) -> None:
    """SetDefaults_PodSpec with the defaults of its containers and volumes: pods and templates alike."""
    if not isinstance(spec, dict):
        return
    _default(spec, "dnsPolicy", "ClusterFirst")
    _default(spec, "restartPolicy", "Always")
    defaulted_object_field(spec, "securityContext")
    _default_if_null(spec, "terminationGracePeriodSeconds", DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS)
    _default(spec, "schedulerName", DEFAULT_SCHEDULER_NAME)
    if spec.get("serviceAccountName") and not spec.get("serviceAccount"):
        # The deprecated alias the v1 conversion keeps in step.
        spec["serviceAccount"] = spec["serviceAccountName"]
    for containers in _CONTAINER_LISTS:
        for container in _dicts(spec, containers):
            _default_container(container)
    for volume in _dicts(spec, "volumes"):
        _default_volume(volume)


def _default_template(template: Any) -> None:
    default_pod_spec(_dict(template, "spec"))


def _template_labels(obj: Object) -> dict[str, Any] | None:
    """``spec.template.metadata.labels``: the labels a workload gives its pods."""
    return _dict(_dict(_dict(_dict(obj, "spec"), "template"), "metadata"), "labels")


def _copy_labels_if_none(obj: Object, labels: dict[str, Any] | None) -> None:
    meta = _dict(obj, "metadata")
    if labels and meta is not None and not meta.get("labels"):
        meta["labels"] = dict(labels)


# -- core/v1 --------------------------------------------------------------------------------


def _pod(obj: Object) -> None:
    """SetObjectDefaults_Pod: SetDefaults_PodSpec, then SetDefaults_Pod (pods only, not templates)."""
    spec = _dict(obj, "spec")
    if spec is None:
        return
    default_pod_spec(spec)
    for containers in ("containers", "initContainers"):
        for container in _dicts(spec, containers):
            resources = _dict(container, "resources")
            limits = _dict(resources, "limits")
            if resources is not None and limits:
                # Requests default to the limits, for pods only.
                requests = defaulted_object_field(resources, "requests")
                if requests is not None:
                    for key, value in limits.items():
                        requests.setdefault(key, value)
    _default_if_null(spec, "enableServiceLinks", True)
    if spec.get("hostNetwork") is True:
        for containers in ("containers", "initContainers"):
            for container in _dicts(spec, containers):
                for port in _dicts(container, "ports"):
                    if not port.get("hostPort"):
                        port["hostPort"] = port.get("containerPort")


def _pod_template(obj: Object) -> None:
    _default_template(_dict(obj, "template"))


def _replication_controller(obj: Object) -> None:
    spec = _dict(obj, "spec")
    if spec is None:
        return
    labels = _template_labels(obj)
    if labels is not None:
        if not spec.get("selector"):
            spec["selector"] = dict(labels)
        _copy_labels_if_none(obj, labels)
    _default_if_null(spec, "replicas", 1)
    _default_template(_dict(spec, "template"))


def _persistent_volume(obj: Object) -> None:
    spec = _dict(obj, "spec")
    if spec is not None:
        _default(spec, "persistentVolumeReclaimPolicy", "Retain")
        _default(spec, "volumeMode", "Filesystem")
        _default_host_path(spec)
    _default_status_phase(obj, "Pending")


def _default_status_phase(obj: Object, phase: str) -> None:
    status = defaulted_object_field(obj, "status")
    if status is not None:
        _default(status, "phase", phase)


def _namespace(obj: Object) -> None:
    """SetDefaults_NamespaceStatus."""
    _default_status_phase(obj, "Active")


def _persistent_volume_claim(obj: Object) -> None:
    spec = _dict(obj, "spec")
    if spec is not None:
        _default(spec, "volumeMode", "Filesystem")
    _default_status_phase(obj, "Pending")


def _limit_range(obj: Object) -> None:
    """SetDefaults_LimitRangeItem: a Container item's default limit is its max, its default request the
    default limit, else its min (empty maps stay out, as omitempty drops them)."""
    for item in _dicts(_dict(obj, "spec"), "limits"):
        if item.get("type") != "Container":
            continue
        default = {**(item.get("max") or {}), **(item.get("default") or {})}
        request = {**(item.get("min") or {}), **default, **(item.get("defaultRequest") or {})}
        if default:
            item["default"] = default
        if request:
            item["defaultRequest"] = request


def _endpoints(obj: Object) -> None:
    for subset in _dicts(obj, "subsets"):
        for port in _dicts(subset, "ports"):
            _default(port, "protocol", "TCP")


# -- apps/v1 --------------------------------------------------------------------------------


def _rolling_update(strategy: dict[str, Any], strategy_type: str, defaults: dict[str, Any]) -> None:
    _default(strategy, "type", strategy_type)
    rolling = defaulted_object_field(strategy, "rollingUpdate") if strategy.get("type") == strategy_type else None
    if rolling is not None:
        for key, value in defaults.items():
            if rolling.get(key) is None:
                rolling[key] = value


def _deployment(obj: Object) -> None:
    spec = _dict(obj, "spec")
    if spec is None:
        return
    _default_if_null(spec, "replicas", 1)
    strategy = defaulted_object_field(spec, "strategy")
    if strategy is not None:
        _rolling_update(strategy, "RollingUpdate", {"maxUnavailable": "25%", "maxSurge": "25%"})
    _default_if_null(spec, "revisionHistoryLimit", DEFAULT_REVISION_HISTORY_LIMIT)
    _default_if_null(spec, "progressDeadlineSeconds", 600)
    _default_template(_dict(spec, "template"))


def _daemon_set(obj: Object) -> None:
    spec = _dict(obj, "spec")
    if spec is None:
        return
    strategy = defaulted_object_field(spec, "updateStrategy")
    if strategy is not None:
        _rolling_update(strategy, "RollingUpdate", {"maxUnavailable": 1, "maxSurge": 0})
    _default_if_null(spec, "revisionHistoryLimit", DEFAULT_REVISION_HISTORY_LIMIT)
    _default_template(_dict(spec, "template"))


def _stateful_set(obj: Object) -> None:
    spec = _dict(obj, "spec")
    if spec is None:
        return
    _default(spec, "podManagementPolicy", "OrderedReady")
    strategy = defaulted_object_field(spec, "updateStrategy")
    if strategy is not None:
        if _unset(strategy, "type"):
            strategy["type"] = "RollingUpdate"
            defaulted_object_field(strategy, "rollingUpdate")
        rolling = _dict(strategy, "rollingUpdate")
        if strategy.get("type") == "RollingUpdate" and rolling is not None:
            _default_if_null(rolling, "partition", 0)
    retention = defaulted_object_field(spec, "persistentVolumeClaimRetentionPolicy")
    if retention is not None:
        _default(retention, "whenDeleted", "Retain")
        _default(retention, "whenScaled", "Retain")
    _default_if_null(spec, "replicas", 1)
    _default_if_null(spec, "revisionHistoryLimit", DEFAULT_REVISION_HISTORY_LIMIT)
    _default_template(_dict(spec, "template"))


def _replica_set(obj: Object) -> None:
    spec = _dict(obj, "spec")
    if spec is None:
        return
    _default_if_null(spec, "replicas", 1)
    _default_template(_dict(spec, "template"))


# -- batch/v1 -------------------------------------------------------------------------------

# math.MaxInt32: the backoffLimit of a Job that limits retries per index instead.
_MAX_INT32 = 2**31 - 1


def default_job_spec(spec: dict[str, Any]) -> None:
    """SetDefaults_Job's spec part, which a CronJob's jobTemplate does not get."""
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    _default_if_null(spec, "parallelism", 1)
    _default_if_null(spec, "backoffLimit", _MAX_INT32 if spec.get("backoffLimitPerIndex") is not None else 6)
    _default(spec, "completionMode", "NonIndexed")
    _default_if_null(spec, "suspend", False)
    _default_if_null(
        spec, "podReplacementPolicy", "Failed" if spec.get("podFailurePolicy") is not None else "TerminatingOrFailed"
    )


def _job(obj: Object) -> None:
    spec = _dict(obj, "spec")
    if spec is None:
        return
    default_job_spec(spec)
    _copy_labels_if_none(obj, _template_labels(obj))
    _default_template(_dict(spec, "template"))


def _cron_job(obj: Object) -> None:
    spec = _dict(obj, "spec")
    if spec is None:
        return
    _default(spec, "concurrencyPolicy", "Allow")
    _default_if_null(spec, "suspend", False)
    _default_if_null(spec, "successfulJobsHistoryLimit", 3)
    _default_if_null(spec, "failedJobsHistoryLimit", 1)
    _default_template(_dict(_dict(_dict(spec, "jobTemplate"), "spec"), "template"))


# -- autoscaling/v1 and v2 (pkg/apis/autoscaling/v1/defaults.go, v2/defaults.go) -----------

# autoscaling.DefaultCPUUtilization: the target of an HPA that names no metric.
DEFAULT_CPU_UTILIZATION = 80
_SCALING_PERIOD_SECONDS = 15
# v2's defaultHPAScaleUpRules and defaultHPAScaleDownRules (the latter with no stabilization
# window: the controller's --horizontal-pod-autoscaler-downscale-stabilization applies instead).
_SCALE_UP_RULES: dict[str, Any] = {
    "stabilizationWindowSeconds": 0,
    "selectPolicy": "Max",
    "policies": [
        {"type": "Pods", "value": 4, "periodSeconds": _SCALING_PERIOD_SECONDS},
        {"type": "Percent", "value": 100, "periodSeconds": _SCALING_PERIOD_SECONDS},
    ],
}
_SCALE_DOWN_RULES: dict[str, Any] = {
    "selectPolicy": "Max",
    "policies": [{"type": "Percent", "value": 100, "periodSeconds": _SCALING_PERIOD_SECONDS}],
}


def _hpa_v1(obj: Object) -> None:
    spec = _dict(obj, "spec")
    if spec is not None:
        _default_if_null(spec, "minReplicas", 1)


def _scaling_rules(rules: Any, defaults: dict[str, Any]) -> Any:
    """GenerateHPAScale{Up,Down}Rules: the defaults, with every field the rules set kept."""
    if rules is None:
        return deep_copy_json(defaults)
    if isinstance(rules, dict):
        for key, value in defaults.items():
            if rules.get(key) is None:
                rules[key] = deep_copy_json(value)
    return rules


def _hpa_v2(obj: Object) -> None:
    """SetDefaults_HorizontalPodAutoscaler: one replica at least, a CPU metric, and full scaling rules
    once a behavior is given (SetDefaults_HorizontalPodAutoscalerBehavior)."""
    spec = _dict(obj, "spec")
    if spec is None:
        return
    _default_if_null(spec, "minReplicas", 1)
    if not spec.get("metrics"):
        spec["metrics"] = [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": DEFAULT_CPU_UTILIZATION},
                },
            }
        ]
    behavior = _dict(spec, "behavior")
    if behavior is not None:
        behavior["scaleUp"] = _scaling_rules(behavior.get("scaleUp"), _SCALE_UP_RULES)
        behavior["scaleDown"] = _scaling_rules(behavior.get("scaleDown"), _SCALE_DOWN_RULES)


# -- networking.k8s.io/v1 (pkg/apis/networking/v1/defaults.go) ------------------------------


def _network_policy(obj: Object) -> None:
    """SetDefaults_NetworkPolicy and SetDefaults_NetworkPolicyPort."""
    spec = _dict(obj, "spec")
    if spec is None:
        return
    if not spec.get("policyTypes"):
        # A policy that names no types is an Ingress policy, and an Egress one too if it has egress rules.
        spec["policyTypes"] = ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]
    for direction in ("ingress", "egress"):
        for rule in _dicts(spec, direction):
            for port in _dicts(rule, "ports"):
                _default_if_null(port, "protocol", "TCP")


def _ingress_class(obj: Object) -> None:
    parameters = _dict(_dict(obj, "spec"), "parameters")
    if parameters is not None:
        _default_if_null(parameters, "scope", "Cluster")


# -- rbac.authorization.k8s.io/v1 (pkg/apis/rbac/v1/defaults.go) ----------------------------

RBAC_GROUP = "rbac.authorization.k8s.io"
# SetDefaults_Subject: the API group each subject kind lives in. A ServiceAccount's is "", which
# Go writes as nothing (``apiGroup,omitempty``): a stored "" would differ from what clients send
# and make server-side apply see a change to the atomic ``subjects`` list (helm 4's upgrades).
_SUBJECT_API_GROUPS = {"User": RBAC_GROUP, "Group": RBAC_GROUP}


def _role_binding(obj: Object) -> None:
    """SetDefaults_RoleBinding / ClusterRoleBinding and SetDefaults_Subject."""
    role_ref = _dict(obj, "roleRef")
    if role_ref is not None:
        _default(role_ref, "apiGroup", RBAC_GROUP)
    for subject in _dicts(obj, "subjects"):
        group = _SUBJECT_API_GROUPS.get(str(subject.get("kind") or ""))
        if group is not None and _unset(subject, "apiGroup"):
            subject["apiGroup"] = group


# -- storage.k8s.io/v1 (pkg/apis/storage/v1/defaults.go) ------------------------------------


def _storage_class(obj: Object) -> None:
    _default_if_null(obj, "reclaimPolicy", "Delete")
    _default_if_null(obj, "volumeBindingMode", "Immediate")


# SetDefaults_CSIDriver, with the feature gates of v1.37 (CSIVolumeFSGroupPolicy, CSIInlineVolume
# and SELinuxMountReadWriteOncePod on).
_CSI_DRIVER_SPEC_DEFAULTS: dict[str, Any] = {
    "attachRequired": True,
    "podInfoOnMount": False,
    "storageCapacity": False,
    "fsGroupPolicy": "ReadWriteOnceWithFSType",
    "requiresRepublish": False,
    "seLinuxMount": False,
}


def _csi_driver(obj: Object) -> None:
    spec = _dict(obj, "spec")
    if spec is None:
        return
    for key, value in _CSI_DRIVER_SPEC_DEFAULTS.items():
        _default_if_null(spec, key, value)
    if not spec.get("volumeLifecycleModes"):
        spec["volumeLifecycleModes"] = ["Persistent"]


# -- scheduling.k8s.io/v1 (pkg/apis/scheduling/v1/defaults.go) ------------------------------


def _priority_class(obj: Object) -> None:
    _default_if_null(obj, "preemptionPolicy", "PreemptLowerPriority")


# -- admissionregistration.k8s.io/v1 (pkg/apis/admissionregistration/v1/defaults.go) --------

# SetDefaults_ValidatingWebhook; SetDefaults_MutatingWebhook adds reinvocationPolicy.
_WEBHOOK_DEFAULTS: dict[str, Any] = {"failurePolicy": "Fail", "matchPolicy": "Equivalent", "timeoutSeconds": 10}
_WEBHOOK_SERVICE_PORT = 443


def _default_match(match: dict[str, Any]) -> None:
    """The selectors every webhook and SetDefaults_MatchResources give: {} matches everything."""
    for selector in ("namespaceSelector", "objectSelector"):
        _default_if_null(match, selector, {})


def _default_rules(rules: list[dict[str, Any]]) -> None:
    """SetDefaults_Rule (webhooks' rules and policies' resourceRules): every scope."""
    for rule in rules:
        _default_if_null(rule, "scope", "*")


def _webhooks(obj: Object, extra: dict[str, Any]) -> None:
    for webhook in _dicts(obj, "webhooks"):
        for key, value in {**_WEBHOOK_DEFAULTS, **extra}.items():
            _default_if_null(webhook, key, value)
        _default_match(webhook)
        _default_rules(_dicts(webhook, "rules"))
        service = _dict(_dict(webhook, "clientConfig"), "service")
        if service is not None:
            _default_if_null(service, "port", _WEBHOOK_SERVICE_PORT)


def _validating_webhook_configuration(obj: Object) -> None:
    _webhooks(obj, {})


def _mutating_webhook_configuration(obj: Object) -> None:
    _webhooks(obj, {"reinvocationPolicy": "Never"})


def _match_resources(match: dict[str, Any] | None) -> None:
    """SetDefaults_MatchResources, and SetDefaults_Rule on its named rules."""
    if match is None:
        return
    _default_if_null(match, "matchPolicy", "Equivalent")
    _default_match(match)
    for rules in ("resourceRules", "excludeResourceRules"):
        _default_rules(_dicts(match, rules))


def _admission_policy(obj: Object) -> None:
    """SetDefaults_{Validating,Mutating}AdmissionPolicySpec and their matchConstraints."""
    spec = _dict(obj, "spec")
    if spec is None:
        return
    _default_if_null(spec, "failurePolicy", "Fail")
    _match_resources(_dict(spec, "matchConstraints"))


def _admission_policy_binding(obj: Object) -> None:
    _match_resources(_dict(_dict(obj, "spec"), "matchResources"))


# -- flowcontrol.apiserver.k8s.io/v1 (pkg/apis/flowcontrol/v1/defaults.go) ------------------

FLOW_SCHEMA_DEFAULT_MATCHING_PRECEDENCE = 1000
_QUEUING_DEFAULTS = {"handSize": 8, "queues": 64, "queueLengthLimit": 50}
DEFAULT_NOMINAL_CONCURRENCY_SHARES = 30


def _flow_schema(obj: Object) -> None:
    spec = _dict(obj, "spec")
    if spec is not None and not spec.get("matchingPrecedence"):
        spec["matchingPrecedence"] = FLOW_SCHEMA_DEFAULT_MATCHING_PRECEDENCE


def _priority_level_configuration(obj: Object) -> None:
    """SetDefaults_Exempt/LimitedPriorityLevelConfiguration and SetDefaults_QueuingConfiguration."""
    spec = _dict(obj, "spec")
    exempt = _dict(spec, "exempt")
    if exempt is not None:
        _default_if_null(exempt, "nominalConcurrencyShares", 0)
        _default_if_null(exempt, "lendablePercent", 0)
    limited = _dict(spec, "limited")
    if limited is None:
        return
    if not limited.get("nominalConcurrencyShares"):
        limited["nominalConcurrencyShares"] = DEFAULT_NOMINAL_CONCURRENCY_SHARES
    _default_if_null(limited, "lendablePercent", 0)
    queuing = _dict(_dict(limited, "limitResponse"), "queuing")
    if queuing is not None:
        for key, value in _QUEUING_DEFAULTS.items():
            if not queuing.get(key):
                queuing[key] = value


# -- discovery.k8s.io/v1 (pkg/apis/discovery/v1/defaults.go) --------------------------------


def _endpoint_slice(obj: Object) -> None:
    """SetDefaults_EndpointPort: an unnamed TCP port unless told otherwise."""
    for port in _dicts(obj, "ports"):
        _default_if_null(port, "name", "")
        _default_if_null(port, "protocol", "TCP")


_ADMISSION = "admissionregistration.k8s.io"
_FLOWCONTROL = "flowcontrol.apiserver.k8s.io"

_DEFAULTERS: dict[GroupKind, Callable[[Object], None]] = {
    GroupKind("", "Pod"): _pod,
    GroupKind("", "PodTemplate"): _pod_template,
    GroupKind("", "ReplicationController"): _replication_controller,
    GroupKind("", "Namespace"): _namespace,
    GroupKind("", "PersistentVolume"): _persistent_volume,
    GroupKind("", "PersistentVolumeClaim"): _persistent_volume_claim,
    GroupKind("", "Endpoints"): _endpoints,
    GroupKind("", "LimitRange"): _limit_range,
    GroupKind("apps", "Deployment"): _deployment,
    GroupKind("apps", "DaemonSet"): _daemon_set,
    GroupKind("apps", "StatefulSet"): _stateful_set,
    GroupKind("apps", "ReplicaSet"): _replica_set,
    GroupKind("batch", "Job"): _job,
    GroupKind("batch", "CronJob"): _cron_job,
    GroupKind("networking.k8s.io", "NetworkPolicy"): _network_policy,
    GroupKind("networking.k8s.io", "IngressClass"): _ingress_class,
    GroupKind(RBAC_GROUP, "RoleBinding"): _role_binding,
    GroupKind(RBAC_GROUP, "ClusterRoleBinding"): _role_binding,
    GroupKind("storage.k8s.io", "StorageClass"): _storage_class,
    GroupKind("storage.k8s.io", "CSIDriver"): _csi_driver,
    GroupKind("scheduling.k8s.io", "PriorityClass"): _priority_class,
    GroupKind(_ADMISSION, "ValidatingWebhookConfiguration"): _validating_webhook_configuration,
    GroupKind(_ADMISSION, "MutatingWebhookConfiguration"): _mutating_webhook_configuration,
    GroupKind(_ADMISSION, "ValidatingAdmissionPolicy"): _admission_policy,
    GroupKind(_ADMISSION, "MutatingAdmissionPolicy"): _admission_policy,
    GroupKind(_ADMISSION, "ValidatingAdmissionPolicyBinding"): _admission_policy_binding,
    GroupKind(_ADMISSION, "MutatingAdmissionPolicyBinding"): _admission_policy_binding,
    GroupKind(_FLOWCONTROL, "FlowSchema"): _flow_schema,
    GroupKind(_FLOWCONTROL, "PriorityLevelConfiguration"): _priority_level_configuration,
    GroupKind("discovery.k8s.io", "EndpointSlice"): _endpoint_slice,
}
# Kinds whose versions default differently.
_VERSIONED_DEFAULTERS: dict[GroupVersionKind, Callable[[Object], None]] = {
    GroupVersionKind("autoscaling", "v1", "HorizontalPodAutoscaler"): _hpa_v1,
    GroupVersionKind("autoscaling", "v2", "HorizontalPodAutoscaler"): _hpa_v2,
}


def defaulter_for(gvk: GroupVersionKind) -> Callable[[Object], None] | None:
    """The defaulting of a built-in kind in one version, or None where decoding fills in nothing."""
    return _VERSIONED_DEFAULTERS.get(gvk) or _DEFAULTERS.get(gvk.group_kind)
