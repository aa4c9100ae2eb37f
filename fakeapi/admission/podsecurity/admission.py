"""PodSecurity admission (plugin/pkg/admission/security/podsecurity/admission.go over
k8s.io/pod-security-admission/admission/admission.go).

Each namespace's labels choose a Pod Security Standard per mode (see ``api``). A pod created, or
updated in a way that matters (a new image, an ephemeral container), is checked against the
namespace's enforce level and refused with 403 when it fails; against its audit level, noted in
the audit event; against its warn level, returned as a warning. Workloads (Deployments, Jobs,
...) are never refused, only warned about and audited by their pod template, so a Deployment
with a non-compliant template is created and its ReplicaSet's pods are the ones refused. A
namespace whose labels are invalid is refused; one whose enforce level gets stricter is allowed
with warnings naming the pods already running that the new level would refuse.

kube-apiserver's default configuration applies: privileged:latest for every mode, no
exemptions.
"""

from __future__ import annotations

from typing import Any

from fakeapi.admission.interfaces import CREATE, UPDATE, Attributes
from fakeapi.admission.podsecurity.api import (
    AUDIT_VIOLATIONS_ANNOTATION,
    DEFAULT_POLICY,
    ENFORCED_POLICY_ANNOTATION,
    ERROR_ANNOTATION,
    PRIVILEGED,
    LevelVersion,
    Policy,
    compare_levels,
    policy_to_evaluate,
)
from fakeapi.admission.reader import StoreReader
from fakeapi.apimachinery import errors
from fakeapi.apimachinery.field import FieldError, aggregate_message
from fakeapi.apimachinery.schema import GroupKind, GroupResource
from fakeapi.storage.interfaces import Object

PLUGIN_NAME = "PodSecurity"
_PODS = GroupResource("", "pods")
_NAMESPACES = GroupResource("", "namespaces")
_NAMESPACES_GVR = ("", "v1", "namespaces")
_PODS_GVR = ("", "v1", "pods")
# Where each workload keeps its pod template (DefaultPodSpecExtractor).
_TEMPLATE_PATHS: dict[GroupResource, tuple[str, ...]] = {
    GroupResource("", "podtemplates"): ("template",),
    GroupResource("", "replicationcontrollers"): ("spec", "template"),
    GroupResource("apps", "replicasets"): ("spec", "template"),
    GroupResource("apps", "deployments"): ("spec", "template"),
    GroupResource("apps", "statefulsets"): ("spec", "template"),
    GroupResource("apps", "daemonsets"): ("spec", "template"),
    GroupResource("batch", "jobs"): ("spec", "template"),
    GroupResource("batch", "cronjobs"): ("spec", "jobTemplate", "spec", "template"),
}
# Pod subresources that cannot change what the checks look at.
_IGNORED_POD_SUBRESOURCES = frozenset(
    {"exec", "attach", "binding", "eviction", "log", "portforward", "proxy", "status"}
)
# How many existing pods a stricter enforce level is checked against (defaultNamespaceMaxPodsToCheck).
MAX_PODS_TO_CHECK = 3000
Violations = list[tuple[str, str]]


class PodSecurity:
    name = PLUGIN_NAME
    resources = frozenset({_PODS, _NAMESPACES, *_TEMPLATE_PATHS})
    operations = frozenset({CREATE, UPDATE})

    def __init__(self, reader: StoreReader) -> None:
        self._reader = reader

    def validate(self, attributes: Attributes) -> None:
        if attributes.obj is None:
            return
        group_resource = attributes.group_resource
        if group_resource == _NAMESPACES:
            self._validate_namespace(attributes, attributes.obj)
        elif group_resource == _PODS:
            self._validate_pod(attributes, attributes.obj)
        elif not attributes.subresource:
            self._validate_pod_controller(attributes, attributes.obj)

    # -- namespaces -----------------------------------------------------------------------------

    def _validate_namespace(self, attributes: Attributes, namespace: Object) -> None:
        if attributes.subresource:
            return
        policy, errs = policy_to_evaluate(_labels(namespace))
        old_policy, old_errs = (
            policy_to_evaluate(_labels(attributes.old_obj)) if attributes.old_obj else (DEFAULT_POLICY, [])
        )
        if errs and (attributes.operation == CREATE or not old_errs or errs != old_errs):
            raise errors.new_invalid(GroupKind("", "Namespace"), attributes.name, errs)
        if attributes.operation == CREATE:
            return
        new, old = policy.enforce, old_policy.enforce
        if new == old or new.level == PRIVILEGED:
            return
        if new.version == old.version and compare_levels(new.level, old.level) < 1:
            return
        for warning in self._evaluate_pods_in_namespace(attributes.name, new):
            attributes.add_warning(warning)

    def _evaluate_pods_in_namespace(self, namespace: str, enforce: LevelVersion) -> list[str]:
        """EvaluatePodsInNamespace: which running pods the new enforce level would refuse, one line
        per distinct refusal, naming the first pod (by name) and how many others share it."""
        from fakeapi.admission.podsecurity.checks import evaluate_pod, forbidden_reason

        pods = _prioritize(self._reader.list(_PODS_GVR, namespace))
        checked = pods[:MAX_PODS_TO_CHECK]
        counts: dict[str, tuple[str, int]] = {}
        for pod in checked:
            violations = evaluate_pod(enforce, pod.get("metadata") or {}, pod.get("spec") or {})
            if violations:
                reason, name = forbidden_reason(violations), (pod.get("metadata") or {}).get("name") or ""
                first, count = counts.get(reason, (name, 0))
                counts[reason] = (min(first, name), count + 1)
        warnings = []
        if len(checked) < len(pods):
            warnings.append(
                f"new PodSecurity enforce level only checked against the first {len(checked)} of {len(pods)} existing pods"
            )
        if counts:
            warnings.append(
                f'existing pods in namespace "{namespace}" violate the new PodSecurity enforce level "{enforce}"'
            )
        return warnings + sorted(_pods_sharing(name, count, reason) for reason, (name, count) in counts.items())

    # -- pods and workloads -----------------------------------------------------------------------

    def _validate_pod(self, attributes: Attributes, pod: Object) -> None:
        if attributes.subresource in _IGNORED_POD_SUBRESOURCES:
            return
        namespace = self._reader.get(_NAMESPACES_GVR, "", attributes.namespace)
        if namespace is None:
            raise errors.new_internal_error(f'failed to lookup namespace "{attributes.namespace}"')
        policy, errs = policy_to_evaluate(_labels(namespace))
        if not errs and policy.fully_privileged():
            attributes.add_annotation(ENFORCED_POLICY_ANNOTATION, str(LevelVersion(PRIVILEGED)))
            return
        if attributes.operation == UPDATE and not _significant_pod_update(pod, attributes.old_obj or {}):
            return
        _evaluate(attributes, policy, errs, pod.get("metadata") or {}, pod.get("spec") or {}, enforce=True)

    def _validate_pod_controller(self, attributes: Attributes, workload: Object) -> None:
        namespace = self._reader.get(_NAMESPACES_GVR, "", attributes.namespace)
        if namespace is None:
            attributes.add_annotation(ERROR_ANNOTATION, f'failed to lookup namespace "{attributes.namespace}"')
            return
        policy, errs = policy_to_evaluate(_labels(namespace))
        if not errs and policy.warn.level == PRIVILEGED and policy.audit.level == PRIVILEGED:
            return
        template: Any = workload
        for key in _TEMPLATE_PATHS[attributes.group_resource]:
            template = template.get(key) if isinstance(template, dict) else None
        if template is None:
            return  # a ReplicationController without a template
        _evaluate(attributes, policy, errs, template.get("metadata") or {}, template.get("spec") or {}, enforce=False)


def _evaluate(
    attributes: Attributes,
    policy: Policy,
    errs: list[FieldError],
    meta: dict[str, Any],
    spec: dict[str, Any],
    enforce: bool,
) -> None:
    """EvaluatePod: refuse by the enforce level (pods only), annotate by the audit level, warn by
    the warn level (when not refused); each level-version is evaluated once."""
    from fakeapi.admission.podsecurity.checks import evaluate_pod, forbidden_detail

    results: dict[LevelVersion, Violations] = {}

    def result(level_version: LevelVersion) -> Violations:
        if level_version not in results:
            results[level_version] = evaluate_pod(level_version, meta, spec)
        return results[level_version]

    if errs:
        attributes.add_annotation(ERROR_ANNOTATION, f"Failed to parse policy: {aggregate_message(errs)}")
    refusal = None
    if enforce:
        attributes.add_annotation(ENFORCED_POLICY_ANNOTATION, str(policy.enforce))
        if violations := result(policy.enforce):
            refusal = errors.new_forbidden(
                attributes.group_resource,
                attributes.name,
                f'violates PodSecurity "{policy.enforce}": {forbidden_detail(violations)}',
            )
    if violations := result(policy.audit):
        attributes.add_annotation(
            AUDIT_VIOLATIONS_ANNOTATION, f'would violate PodSecurity "{policy.audit}": {forbidden_detail(violations)}'
        )
    if refusal is not None:
        raise refusal
    if violations := result(policy.warn):
        attributes.add_warning(f'would violate PodSecurity "{policy.warn}": {forbidden_detail(violations)}')


def _labels(obj: Object | None) -> dict[str, str]:
    return ((obj or {}).get("metadata") or {}).get("labels") or {}


def _significant_pod_update(pod: Object, old: Object) -> bool:
    """isSignificantPodUpdate: only a change of containers' number or images, or an ephemeral
    container added or changed, can change the outcome (everything else checked is immutable)."""
    spec, old_spec = pod.get("spec") or {}, old.get("spec") or {}
    for key in ("containers", "initContainers"):
        containers, old_containers = spec.get(key) or [], old_spec.get(key) or []
        if len(containers) != len(old_containers):
            return True
        if any(c.get("image") != o.get("image") for c, o in zip(containers, old_containers, strict=True)):
            return True
    old_ephemeral = {c.get("name"): c for c in old_spec.get("ephemeralContainers") or []}
    return any(
        c.get("name") not in old_ephemeral or c.get("image") != old_ephemeral[c.get("name")].get("image")
        for c in spec.get("ephemeralContainers") or []
    )


def _prioritize(pods: list[Object]) -> list[Object]:
    """prioritizePods: one pod per controller first, so a namespace's distinct workloads are
    checked before the replicas of any of them."""
    first, replicas, controllers = [], [], set()
    for pod in pods:
        owner = next((o for o in (pod.get("metadata") or {}).get("ownerReferences") or [] if o.get("controller")), None)
        if owner is None or owner.get("uid") not in controllers:
            first.append(pod)
            if owner is not None:
                controllers.add(owner.get("uid"))
        else:
            replicas.append(pod)
    return first + replicas


def _pods_sharing(name: str, count: int, reason: str) -> str:
    """decoratePodWarnings."""
    if count == 1:
        return f"{name}: {reason}"
    if count == 2:
        return f"{name} (and 1 other pod): {reason}"
    return f"{name} (and {count - 1} other pods): {reason}"
