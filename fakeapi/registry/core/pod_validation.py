"""The part of pkg/apis/core/validation's ValidatePodSpec that kubectl users meet most.

Pods and every pod template (PodTemplates, ReplicationControllers, the apps workloads, Jobs and
CronJobs) are checked for: a non-empty ``containers`` list; container names that are present,
DNS-1123 labels and unique across containers and init containers; images that are set (and, in
a pod, without surrounding whitespace); container ports in range; volumes with valid, unique
names; volume mounts naming a volume of the pod, with a unique mount path; a known
``restartPolicy``. The order of the errors follows upstream: volumes, containers, init
containers, then the restart policy.

Workloads add ValidatePodTemplateSpecForReplicaSet / ForRC: the selector must match the
template's labels, and the template's ``restartPolicy`` must be ``Always``. A StatefulSet's
template gets only these: upstream leaves its pod spec unvalidated (its volume mounts may name
volume claim templates).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fakeapi.apimachinery import field
from fakeapi.apimachinery.field import FieldError, Raw
from fakeapi.apimachinery.labels import SelectorParseError, selector_from_label_selector_dict
from fakeapi.apimachinery.validation import is_dns1123_label

RESTART_POLICIES = ["Always", "OnFailure", "Never"]
SELECTOR_MISMATCH = "`selector` does not match template `labels`"


def go_string_map(value: Any) -> Raw:
    """A map[string]string as Go's %#v prints it (field.Invalid's fallback for a map value)."""
    if not isinstance(value, Mapping):
        return Raw("map[string]string(nil)")
    items = ", ".join(f"{json.dumps(str(k))}:{json.dumps(str(v))}" for k, v in sorted(value.items()))
    return Raw("map[string]string{" + items + "}")


def _dns1123_label(value: str, path: str) -> list[FieldError]:
    return [field.invalid(path, value, msg) for msg in is_dns1123_label(value)]


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v if isinstance(v, dict) else {} for v in value] if isinstance(value, list) else []


def _validate_volumes(volumes: Any, path: str) -> tuple[set[str], list[FieldError]]:
    """ValidateVolumes' name checks: the names of the volumes without errors, and the errors."""
    names: set[str] = set()
    errs: list[FieldError] = []
    for i, volume in enumerate(_dicts(volumes)):
        name = str(volume.get("name") or "")
        name_path = f"{path}[{i}].name"
        volume_errs = [field.required(name_path, "")] if not name else _dns1123_label(name, name_path)
        if name in names:
            volume_errs.append(field.duplicate(name_path, name))
        if volume_errs:
            errs.extend(volume_errs)
        else:
            names.add(name)
    return names, errs


def _validate_ports(ports: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, port in enumerate(_dicts(ports)):
        number = port.get("containerPort")
        port_path = f"{path}[{i}].containerPort"
        if not number:
            errs.append(field.required(port_path, ""))
        elif isinstance(number, int) and not 1 <= number <= 65535:
            errs.append(field.invalid(port_path, number, "must be between 1 and 65535, inclusive"))
    return errs


def _validate_volume_mounts(mounts: Any, volumes: set[str], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    mount_paths: set[str] = set()
    for i, mount in enumerate(_dicts(mounts)):
        name = str(mount.get("name") or "")
        mount_path = str(mount.get("mountPath") or "")
        if not name:
            errs.append(field.required(f"{path}[{i}].name", ""))
        if name not in volumes:
            errs.append(field.not_found(f"{path}[{i}].name", name))
        if not mount_path:
            errs.append(field.required(f"{path}[{i}].mountPath", ""))
        if mount_path in mount_paths:
            errs.append(field.invalid(f"{path}[{i}].mountPath", mount_path, "must be unique"))
        mount_paths.add(mount_path)
    return errs


def _validate_container(container: dict[str, Any], volumes: set[str], path: str, for_pod: bool) -> list[FieldError]:
    """validateContainerCommon (and validateContainerOnlyForPod) for what is checked here."""
    errs: list[FieldError] = []
    name = str(container.get("name") or "")
    errs += [field.required(f"{path}.name", "")] if not name else _dns1123_label(name, f"{path}.name")
    image = container.get("image")
    image = image if isinstance(image, str) else ""
    if not image:
        errs.append(field.required(f"{path}.image", ""))
    errs += _validate_ports(container.get("ports"), f"{path}.ports")
    errs += _validate_volume_mounts(container.get("volumeMounts"), volumes, f"{path}.volumeMounts")
    if for_pod and image and image != image.strip():
        errs.append(field.invalid(f"{path}.image", image, "must not have leading or trailing whitespace"))
    return errs


def validate_pod_spec(spec: Any, path: str, *, for_pod: bool) -> list[FieldError]:
    """ValidatePodSpec's checks listed in the module docstring; ``for_pod``: a pod, not a template."""
    if not isinstance(spec, dict):
        return []
    volumes, errs = _validate_volumes(spec.get("volumes"), f"{path}.volumes")
    containers = _dicts(spec.get("containers"))
    if not containers:
        errs.append(field.required(f"{path}.containers", ""))
    names: set[str] = set()
    for i, container in enumerate(containers):
        container_path = f"{path}.containers[{i}]"
        errs += _validate_container(container, volumes, container_path, for_pod)
        name = str(container.get("name") or "")
        if name in names:
            errs.append(field.duplicate(f"{container_path}.name", name))
        names.add(name)
    for i, container in enumerate(_dicts(spec.get("initContainers"))):
        container_path = f"{path}.initContainers[{i}]"
        errs += _validate_container(container, volumes, container_path, for_pod)
        name = str(container.get("name") or "")
        if name in names:
            errs.append(field.duplicate(f"{container_path}.name", name))
        if name:
            names.add(name)
    policy = spec.get("restartPolicy")
    if policy == "":
        errs.append(field.required(f"{path}.restartPolicy", ""))
    elif isinstance(policy, str) and policy not in RESTART_POLICIES:
        errs.append(field.not_supported(f"{path}.restartPolicy", policy, RESTART_POLICIES))
    return errs


def validate_pod_template(template: Any, path: str) -> list[FieldError]:
    """ValidatePodTemplateSpec: the template's pod spec."""
    if not isinstance(template, dict):
        return []
    return validate_pod_spec(template.get("spec"), f"{path}.spec", for_pod=False)


def _template_labels(template: Any) -> Any:
    meta = template.get("metadata") if isinstance(template, dict) else None
    return meta.get("labels") if isinstance(meta, dict) else None


def validate_template_for_controller(
    template: Any, selector: Any, path: str, kind: str, *, set_based: bool, check_pod_spec: bool = True
) -> list[FieldError]:
    """ValidatePodTemplateSpecForReplicaSet (``set_based``) or ForRC.

    ``selector`` is a metav1.LabelSelector (``set_based``) or an RC's map of labels; a selector
    that does not parse or selects everything is not compared with the labels. Without
    ``check_pod_spec`` (ValidatePodTemplateSpecForStatefulSet, whose pods may mount the volumes
    of its claim templates) the pod spec itself is not validated.
    """
    if not isinstance(template, dict):
        return [field.required(path, "")]
    errs: list[FieldError] = []
    labels = _template_labels(template)
    try:
        parsed = selector_from_label_selector_dict(
            selector if set_based else {"matchLabels": selector if isinstance(selector, Mapping) else {}}
        )
    except SelectorParseError:
        parsed = None
    if parsed is not None and not parsed.empty:
        plain = {str(k): str(v) for k, v in labels.items()} if isinstance(labels, Mapping) else {}
        if not parsed.matches(plain):
            errs.append(field.invalid(f"{path}.metadata.labels", go_string_map(labels), SELECTOR_MISMATCH))
    if check_pod_spec:
        errs += validate_pod_template(template, path)
    raw_spec = template.get("spec")
    spec: dict[str, Any] = raw_spec if isinstance(raw_spec, dict) else {}
    policy = spec.get("restartPolicy")
    if isinstance(policy, str) and policy != "Always":
        errs.append(field.not_supported(f"{path}.spec.restartPolicy", policy, ["Always"]))
    if spec.get("activeDeadlineSeconds") is not None:
        errs.append(
            field.forbidden(f"{path}.spec.activeDeadlineSeconds", f"activeDeadlineSeconds in {kind} is not Supported")
        )
    return errs
