"""The checks of one container and of the pod's volumes (pkg/apis/core/validation/validation.go).

``validate_container`` is validateContainerCommon, in upstream's order: name, image,
terminationMessagePolicy, ports, env, volume mounts, imagePullPolicy, resources, security
context; ``validate_lifecycle_and_probes`` is what validateContainers checks after a container's
name is known unique (validateInitContainers: no hooks or probes on an init container that is
not restartable).
``validate_volumes`` is ValidateVolumes: names, and exactly one volume source each, with the
checks of the common sources (a secret's name, a config map's name, a claim's name, a host
path). Objects are checked after defaulting, as upstream checks them, so a value defaulting
fills in (a port's protocol, a probe's thresholds, a pull policy) is only refused when it was
given and is not one upstream supports; a field left out is never an error here that defaulting
would have filled.

Quantities are shown as Go's ``Quantity.String`` shows them (canonical: ``500m``, ``1Gi``), and
the errors of a map of resources come sorted by resource name (Go ranges over the map in a
random order).
"""

from __future__ import annotations

import math
from typing import Any

from fakeapi.apimachinery import field
from fakeapi.apimachinery.field import FieldError
from fakeapi.apimachinery.quantity import canonical_quantity, parse_quantity
from fakeapi.apimachinery.validation import (
    IS_NEGATIVE_ERROR_MSG,
    is_dns1123_label,
    is_valid_port_name,
    is_valid_port_num,
)

# helper.IsStandardContainerResourceName, but for hugepages-<size>.
STANDARD_CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")
PORT_PROTOCOLS = ["SCTP", "TCP", "UDP"]
PULL_POLICIES = ["Always", "IfNotPresent", "Never"]
TERMINATION_MESSAGE_POLICIES = ["File", "FallbackToLogsOnError"]
# The order validateVolumeSource looks at the sources in: the second one found is the Forbidden one.
VOLUME_SOURCES = (
    "emptyDir",
    "hostPath",
    "gitRepo",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "flocker",
    "persistentVolumeClaim",
    "rbd",
    "cinder",
    "cephfs",
    "quobyte",
    "downwardAPI",
    "fc",
    "flexVolume",
    "configMap",
    "azureFile",
    "vsphereVolume",
    "photonPersistentDisk",
    "portworxVolume",
    "azureDisk",
    "storageos",
    "projected",
    "scaleIO",
    "csi",
    "ephemeral",
    "image",
)
# Where validateVolumeSource names a second source differently from its JSON field (upstream's own spellings).
_FORBIDDEN_SOURCE_PATHS = {"cephfs": "cephFS", "downwardAPI": "downwarAPI"}
_PROBE_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")
_LIFECYCLE_HANDLERS = ("exec", "httpGet", "tcpSocket", "sleep")
_PROBE_COUNTS = ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold")
_MAX_USER_ID = 2147483647
_HUGE_PAGES = "hugepages-"


def dicts(value: Any) -> list[dict[str, Any]]:
    """The mappings of a list (anything else in it as an empty one); [] for anything but a list."""
    return [v if isinstance(v, dict) else {} for v in value] if isinstance(value, list) else []


def dns1123_label(value: str, path: str) -> list[FieldError]:
    return [field.invalid(path, value, msg) for msg in is_dns1123_label(value)]


# -- volumes ----------------------------------------------------------------------------------


def validate_volumes(volumes: Any, path: str) -> tuple[set[str], list[FieldError]]:
    """ValidateVolumes: the names of the volumes without errors, and the errors."""
    names: set[str] = set()
    errs: list[FieldError] = []
    for i, volume in enumerate(dicts(volumes)):
        name = str(volume.get("name") or "")
        name_path = f"{path}[{i}].name"
        volume_errs = _volume_source(volume, f"{path}[{i}]")
        volume_errs += [field.required(name_path, "")] if not name else dns1123_label(name, name_path)
        if name in names:
            volume_errs.append(field.duplicate(name_path, name))
        if volume_errs:
            errs.extend(volume_errs)
        else:
            names.add(name)
    return names, errs


def _volume_source(volume: dict[str, Any], path: str) -> list[FieldError]:
    """validateVolumeSource: exactly one source, and the checks of the common ones."""
    errs: list[FieldError] = []
    found = None
    for source in VOLUME_SOURCES:
        if volume.get(source) is None:
            continue
        if found is not None:
            errs.append(
                field.forbidden(
                    f"{path}.{_FORBIDDEN_SOURCE_PATHS.get(source, source)}", "may not specify more than 1 volume type"
                )
            )
            continue
        found = source
        errs += _source_fields(source, volume[source], f"{path}.{source}")
    if found is None:
        errs.append(field.required(path, "must specify a volume type"))
    return errs


def _source_fields(source: str, spec: Any, path: str) -> list[FieldError]:
    spec = spec if isinstance(spec, dict) else {}
    required = {"secret": "secretName", "configMap": "name", "persistentVolumeClaim": "claimName", "hostPath": "path"}
    key = required.get(source)
    if key is not None and not spec.get(key):
        return [field.required(f"{path}.{key}", "")]
    return []


# -- one container ----------------------------------------------------------------------------


def validate_container(container: dict[str, Any], volumes: set[str], path: str, *, for_pod: bool) -> list[FieldError]:
    """validateContainerCommon (and, in a pod, validateContainerOnlyForPod's image check)."""
    errs: list[FieldError] = []
    name = str(container.get("name") or "")
    errs += [field.required(f"{path}.name", "")] if not name else dns1123_label(name, f"{path}.name")
    image = container.get("image")
    image = image if isinstance(image, str) else ""
    if not image:
        errs.append(field.required(f"{path}.image", ""))
    errs += supported_value(container, "terminationMessagePolicy", TERMINATION_MESSAGE_POLICIES, path)
    errs += _ports(container.get("ports"), f"{path}.ports")
    errs += _env(container.get("env"), f"{path}.env")
    errs += _volume_mounts(container.get("volumeMounts"), volumes, f"{path}.volumeMounts")
    errs += supported_value(container, "imagePullPolicy", PULL_POLICIES, path)
    errs += _resources(container.get("resources"), f"{path}.resources")
    errs += _security_context(container.get("securityContext"), f"{path}.securityContext")
    if for_pod and image and image != image.strip():
        errs.append(field.invalid(f"{path}.image", image, "must not have leading or trailing whitespace"))
    return errs


def validate_init_restart_policy(container: dict[str, Any], path: str) -> list[FieldError]:
    """validateInitContainerRestartPolicy: an init container may only be restarted Always (a sidecar)."""
    policy = container.get("restartPolicy")
    if isinstance(policy, str) and policy != "Always":
        return [field.not_supported(f"{path}.restartPolicy", policy, ["Always"])]
    return []


def validate_lifecycle_and_probes(container: dict[str, Any], path: str, *, init: bool) -> list[FieldError]:
    """What validateContainers checks after a container's name (or validateInitContainers, ``init``):
    its lifecycle hooks and probes, which an init container may only have when restartable."""
    errs: list[FieldError] = []
    restartable = not init or container.get("restartPolicy") == "Always"
    for key in ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe"):
        value = container.get(key)
        if value is None:
            continue
        if not restartable:
            errs.append(
                field.forbidden(f"{path}.{key}", "may not be set for init containers without restartPolicy=Always")
            )
        elif key == "lifecycle":
            hooks = value if isinstance(value, dict) else {}
            for hook in ("postStart", "preStop"):
                if isinstance(hooks.get(hook), dict):
                    errs += _handler(hooks[hook], _LIFECYCLE_HANDLERS, f"{path}.lifecycle.{hook}")
        else:
            errs += _probe(key, value, f"{path}.{key}")
    if not init and container.get("restartPolicy") is not None:
        errs.append(field.forbidden(f"{path}.restartPolicy", "may not be set for non-init containers"))
    return errs


def supported_value(parent: dict[str, Any], key: str, supported: list[str], path: str) -> list[FieldError]:
    """NotSupported for a value given and not among ``supported`` (an empty or absent one is defaulting's)."""
    value = parent.get(key)
    if isinstance(value, str) and value and value not in supported:
        return [field.not_supported(f"{path}.{key}", value, supported)]
    return []


def _port_number(number: Any, path: str) -> list[FieldError]:
    return [field.invalid(path, number, msg) for msg in is_valid_port_num(number)] if isinstance(number, int) else []


def _ports(ports: Any, path: str) -> list[FieldError]:
    """validateContainerPorts."""
    errs: list[FieldError] = []
    names: set[str] = set()
    for i, port in enumerate(dicts(ports)):
        name = port.get("name")
        if isinstance(name, str) and name:
            if msgs := is_valid_port_name(name):
                errs += [field.invalid(f"{path}[{i}].name", name, msg) for msg in msgs]
            elif name in names:
                errs.append(field.duplicate(f"{path}[{i}].name", name))
            else:
                names.add(name)
        number = port.get("containerPort")
        if not number:
            errs.append(field.required(f"{path}[{i}].containerPort", ""))
        else:
            errs += _port_number(number, f"{path}[{i}].containerPort")
        if port.get("hostPort"):
            errs += _port_number(port["hostPort"], f"{path}[{i}].hostPort")
        errs += supported_value(port, "protocol", PORT_PROTOCOLS, f"{path}[{i}]")
    return errs


def _env(env: Any, path: str) -> list[FieldError]:
    """ValidateEnv, with RelaxedEnvironmentVariableValidation (on since 1.32, GA in 1.34)."""
    errs: list[FieldError] = []
    for i, var in enumerate(dicts(env)):
        name = str(var.get("name") or "")
        if not name:
            errs.append(field.required(f"{path}[{i}].name", ""))
        elif any(ord(c) > 126 or not c.isprintable() or c == "=" for c in name):
            detail = "a valid environment variable name must consist only of printable ASCII characters other than '='"
            errs.append(field.invalid(f"{path}[{i}].name", name, detail))
        value_from = var.get("valueFrom")
        if not isinstance(value_from, dict):
            continue
        sources = sum(
            value_from.get(k) is not None for k in ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")
        )
        from_path = f"{path}[{i}].valueFrom"
        if sources == 0:
            detail = "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"
            errs.append(field.invalid(from_path, "", detail))
        elif var.get("value"):
            errs.append(field.invalid(from_path, "", "may not be specified when `value` is not empty"))
        elif sources > 1:
            errs.append(field.invalid(from_path, "", "may not have more than one field specified at a time"))
    return errs


def _volume_mounts(mounts: Any, volumes: set[str], path: str) -> list[FieldError]:
    """ValidateVolumeMounts: a named volume of the pod, a unique mount path."""
    errs: list[FieldError] = []
    mount_paths: set[str] = set()
    for i, mount in enumerate(dicts(mounts)):
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


def overcommit_allowed(resource: str) -> bool:
    """helper.IsOvercommitAllowed: native resources (no domain, or a kubernetes.io one) but huge pages."""
    native = "/" not in resource or "kubernetes.io/" in resource
    return native and not resource.startswith(_HUGE_PAGES)


def _resources(resources: Any, path: str) -> list[FieldError]:
    """validateResourceRequirements for a container (quantities that do not parse never get here)."""
    resources = resources if isinstance(resources, dict) else {}
    limits = resources.get("limits") if isinstance(resources.get("limits"), dict) else {}
    requests = resources.get("requests") if isinstance(resources.get("requests"), dict) else {}
    errs: list[FieldError] = []
    for kind, amounts in (("limits", limits), ("requests", requests)):
        for resource in sorted(amounts):
            key_path = f"{path}.{kind}[{resource}]"
            if (
                "/" not in resource
                and resource not in STANDARD_CONTAINER_RESOURCES
                and not resource.startswith(_HUGE_PAGES)
            ):
                errs.append(field.invalid(key_path, resource, "must be a standard resource for containers"))
            amount = _amount(amounts[resource])
            if amount is not None and amount < 0:
                errs.append(field.invalid(key_path, canonical_quantity(amounts[resource]), IS_NEGATIVE_ERROR_MSG))
            if resource.startswith(_HUGE_PAGES) and amount is not None and not _divides_into_pages(resource, amount):
                shown = canonical_quantity(amounts[resource])
                errs.append(field.invalid(path, shown, f"{shown} is not positive integer multiple of {resource}"))
            if kind == "limits":
                continue
            limit = _amount(limits.get(resource))
            if limit is None:
                if resource not in limits and not overcommit_allowed(resource):
                    errs.append(field.required(f"{path}.limits", "Limit must be set for non overcommitable resources"))
                continue
            if amount is None:
                continue
            shown, limit_shown = canonical_quantity(amounts[resource]), canonical_quantity(limits[resource])
            if amount != limit and not overcommit_allowed(resource):
                errs.append(
                    field.invalid(f"{path}.requests", shown, f"must be equal to {resource} limit of {limit_shown}")
                )
            elif amount > limit:
                detail = f"must be less than or equal to {resource} limit of {limit_shown}"
                errs.append(field.invalid(f"{path}.requests", shown, detail))
    named = [*limits, *requests]
    if any(r.startswith(_HUGE_PAGES) for r in named) and not any(r in ("cpu", "memory") for r in named):
        errs.append(field.forbidden(path, "HugePages require cpu or memory"))
    return errs


def _divides_into_pages(resource: str, amount: Any) -> bool:
    """IsHugePageResourceValueDivisible: a whole number of pages of the size the name gives (``hugepages-2Mi``)."""
    page_size = _amount(resource.removeprefix(_HUGE_PAGES))
    if page_size is None or page_size <= 0 or page_size != int(page_size):
        return False
    return math.ceil(amount) % int(page_size) == 0


def _amount(quantity: Any) -> Any:
    try:
        return parse_quantity(quantity) if isinstance(quantity, (str, int, float)) else None
    except ValueError:
        return None


def _security_context(context: Any, path: str) -> list[FieldError]:
    """ValidateSecurityContext: user and group IDs in range, no privileged container that may not escalate."""
    if not isinstance(context, dict):
        return []
    errs: list[FieldError] = []
    for key in ("runAsUser", "runAsGroup"):
        value = context.get(key)
        if isinstance(value, int) and not 0 <= value <= _MAX_USER_ID:
            errs.append(field.invalid(f"{path}.{key}", value, f"must be between 0 and {_MAX_USER_ID}, inclusive"))
    if context.get("privileged") is True and context.get("allowPrivilegeEscalation") is False:
        detail = "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"
        errs.append(field.invalid(path, "", detail))
    return errs


def _probe(kind: str, probe: Any, path: str) -> list[FieldError]:
    """validateLivenessProbe / validateReadinessProbe / validateStartupProbe."""
    probe = probe if isinstance(probe, dict) else {}
    errs = _handler(probe, _PROBE_HANDLERS, path)
    for key in _PROBE_COUNTS:
        value = probe.get(key)
        if isinstance(value, int) and value < 0:
            errs.append(field.invalid(f"{path}.{key}", value, IS_NEGATIVE_ERROR_MSG))
    grace = probe.get("terminationGracePeriodSeconds")
    if isinstance(grace, int) and grace <= 0:
        errs.append(field.invalid(f"{path}.terminationGracePeriodSeconds", grace, "must be greater than 0"))
    success = probe.get("successThreshold")
    if kind != "readinessProbe" and isinstance(success, int) and success != 1:
        errs.append(field.invalid(f"{path}.successThreshold", success, "must be 1"))
    if kind == "readinessProbe" and grace is not None:
        errs.append(
            field.invalid(f"{path}.terminationGracePeriodSeconds", grace, "must not be set for readinessProbes")
        )
    return errs


def _handler(handler: dict[str, Any], kinds: tuple[str, ...], path: str) -> list[FieldError]:
    """validateHandler: exactly one handler type."""
    errs: list[FieldError] = []
    found = False
    for kind in kinds:
        if handler.get(kind) is None:
            continue
        if found:
            errs.append(field.forbidden(f"{path}.{kind}", "may not specify more than 1 handler type"))
        elif kind == "exec" and not (handler[kind] if isinstance(handler[kind], dict) else {}).get("command"):
            errs.append(field.required(f"{path}.exec.command", ""))
        found = True
    if not found:
        errs.append(field.required(path, "must specify a handler type"))
    return errs
