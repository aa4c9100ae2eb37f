"""The Pod Security Standards' checks, versioned (k8s.io/pod-security-admission/policy: check_*.go,
checks.go, registry.go).

Each check looks at a pod's metadata and spec (a pod's, or a workload's pod template) and says
what it forbids, with upstream's words: a reason (``allowPrivilegeEscalation != false``) and a
detail (``container "app" must set securityContext.allowPrivilegeEscalation=false``). A check
has a level and, per Kubernetes minor, the version of itself that applies from there on; a
restricted check may stand in for a baseline one (restricted volumes for host path volumes).
The checks a level-version runs are the baseline ones, by ID, then the restricted ones, by ID,
which is the order their reasons appear in a refusal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from fakeapi.admission.podsecurity.api import BASELINE, PRIVILEGED, RESTRICTED, LevelVersion, Version
from fakeapi.apimachinery.gofmt import go_quote

Meta = dict[str, Any]
Spec = dict[str, Any]
# A violation: (forbidden reason, forbidden detail); None when the check allows the pod.
Violation = tuple[str, str] | None
CheckPod = Callable[[Meta, Spec], Violation]


@dataclass(frozen=True)
class VersionedCheck:
    minimum_minor: int
    check_pod: CheckPod
    overrides: tuple[str, ...] = ()


@dataclass(frozen=True)
class Check:
    id: str
    level: str
    versions: tuple[VersionedCheck, ...]


# -- helpers (helpers.go, visitor.go) ---------------------------------------------------------


def _containers(spec: Spec) -> Iterator[dict[str, Any]]:
    """Init containers, containers, then ephemeral containers, as visitContainers walks them."""
    for key in ("initContainers", "containers", "ephemeralContainers"):
        yield from spec.get(key) or ()


def _security_context(holder: dict[str, Any]) -> dict[str, Any]:
    return holder.get("securityContext") or {}


def _join_quote(items: list[str]) -> str:
    return '"' + '", "'.join(items) + '"' if items else ""


def _plural(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


def _containers_named(names: list[str]) -> str:
    return f"{_plural('container', 'containers', len(names))} {_join_quote(names)}"


def _in_user_namespace(spec: Spec) -> bool:
    """relaxPolicyForUserNamespacePod: ``hostUsers: false``."""
    return spec.get("hostUsers") is False


def _windows(spec: Spec) -> bool:
    return (spec.get("os") or {}).get("name") == "windows"


def _unless_windows(check: CheckPod) -> CheckPod:
    """From 1.25 a Windows pod (``spec.os.name: windows``) passes the Linux-only checks."""
    return lambda meta, spec: None if _windows(spec) else check(meta, spec)


def _unless_user_namespace(check: CheckPod) -> CheckPod:
    """From 1.35 a pod in a user namespace (``hostUsers: false``) passes the root-related checks."""
    return lambda meta, spec: None if _in_user_namespace(spec) else check(meta, spec)


# -- baseline ---------------------------------------------------------------------------------


def _app_armor_profile(meta: Meta, spec: Spec) -> Violation:
    allowed_types = ("RuntimeDefault", "Localhost")
    setters: list[str] = []
    bad_values: set[str] = set()
    profile = _security_context(spec).get("appArmorProfile")
    if profile is not None and profile.get("type") not in allowed_types:
        setters.append("pod")
        bad_values.add(profile.get("type") or "")
    bad_containers = []
    for container in _containers(spec):
        profile = _security_context(container).get("appArmorProfile")
        if profile is not None and profile.get("type") not in allowed_types:
            bad_containers.append(container.get("name") or "")
            bad_values.add(profile.get("type") or "")
    if bad_containers:
        setters.append(_containers_named(bad_containers))
    annotations = sorted(
        f"{key}={go_quote(value)}"
        for key, value in ((meta.get("annotations") or {}).items())
        if key.startswith("container.apparmor.security.beta.kubernetes.io/")
        and not (value in ("", "runtime/default") or value.startswith("localhost/"))
    )
    values = sorted(bad_values) + annotations
    if annotations:
        setters.append(_plural("annotation", "annotations", len(annotations)))
    if not setters:
        return None
    return (
        _plural("forbidden AppArmor profile", "forbidden AppArmor profiles", len(values)),
        f"{' and '.join(setters)} must not set AppArmor profile type to {_join_quote(values)}",
    )


_DEFAULT_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)


def _capabilities_baseline(meta: Meta, spec: Spec) -> Violation:
    bad_containers, added = [], set()
    for container in _containers(spec):
        extra = [
            c
            for c in (_security_context(container).get("capabilities") or {}).get("add") or ()
            if c not in _DEFAULT_CAPABILITIES
        ]
        if extra:
            bad_containers.append(container.get("name") or "")
            added.update(extra)
    if not bad_containers:
        return None
    return (
        "non-default capabilities",
        f"{_containers_named(bad_containers)} must not include {_join_quote(sorted(added))} in securityContext.capabilities.add",
    )


def _host_namespaces(meta: Meta, spec: Spec) -> Violation:
    shared = [f"{key}=true" for key in ("hostNetwork", "hostPID", "hostIPC") if spec.get(key)]
    return ("host namespaces", ", ".join(shared)) if shared else None


def _host_path_volumes(meta: Meta, spec: Spec) -> Violation:
    names = [volume.get("name") or "" for volume in spec.get("volumes") or () if volume.get("hostPath") is not None]
    if not names:
        return None
    return "hostPath volumes", f"{_plural('volume', 'volumes', len(names))} {_join_quote(names)}"


def _host_ports(meta: Meta, spec: Spec) -> Violation:
    bad_containers, ports = [], set()
    for container in _containers(spec):
        used = [str(port["hostPort"]) for port in container.get("ports") or () if port.get("hostPort")]
        if used:
            bad_containers.append(container.get("name") or "")
            ports.update(used)
    if not bad_containers:
        return None
    return "hostPort", (
        f"{_containers_named(bad_containers)} {_plural('uses', 'use', len(bad_containers))}"
        f" {_plural('hostPort', 'hostPorts', len(ports))} {', '.join(sorted(ports))}"
    )


def _handler_hosts(handler: dict[str, Any] | None) -> list[str]:
    """The hosts a probe or lifecycle handler names (its httpGet's, then its tcpSocket's)."""
    if not handler:
        return []
    hosts = [(handler.get(action) or {}).get("host") for action in ("httpGet", "tcpSocket")]
    return [host for host in hosts if host]


def _host_probes_and_host_lifecycle(meta: Meta, spec: Spec) -> Violation:
    bad_containers, hosts = set(), set()
    for container in _containers(spec):
        lifecycle = container.get("lifecycle") or {}
        handlers = [container.get(probe) for probe in ("livenessProbe", "readinessProbe", "startupProbe")]
        handlers += [lifecycle.get("postStart"), lifecycle.get("preStop")]
        named = [host for handler in handlers for host in _handler_hosts(handler)]
        if named:
            bad_containers.add(container.get("name") or "")
            hosts.update(named)
    if not bad_containers:
        return None
    return "probe or lifecycle host", (
        f"{_containers_named(sorted(bad_containers))} {_plural('uses', 'use', len(bad_containers))}"
        f" {_plural('probe or lifecycle host', 'probe or lifecycle hosts', len(hosts))} {_join_quote(sorted(hosts))}"
    )


def _privileged(meta: Meta, spec: Spec) -> Violation:
    names = [c.get("name") or "" for c in _containers(spec) if _security_context(c).get("privileged") is True]
    if not names:
        return None
    return "privileged", f"{_containers_named(names)} must not set securityContext.privileged=true"


def _proc_mount(meta: Meta, spec: Spec) -> Violation:
    bad_containers, types = [], set()
    for container in _containers(spec):
        proc_mount = _security_context(container).get("procMount")
        if proc_mount is not None and proc_mount != "Default":
            bad_containers.append(container.get("name") or "")
            types.add(proc_mount)
    if not bad_containers:
        return None
    return (
        "procMount",
        f"{_containers_named(bad_containers)} must not set securityContext.procMount to {_join_quote(sorted(types))}",
    )


def _se_linux_options(allowed_types: frozenset[str]) -> CheckPod:
    def check(meta: Meta, spec: Spec) -> Violation:
        bad_types: set[str] = set()
        set_user = set_role = False

        def valid(options: dict[str, Any]) -> bool:
            nonlocal set_user, set_role
            ok = True
            if (options.get("type") or "") not in allowed_types:
                ok = False
                bad_types.add(options.get("type") or "")
            if options.get("user"):
                ok, set_user = False, True
            if options.get("role"):
                ok, set_role = False, True
            return ok

        setters = []
        options = _security_context(spec).get("seLinuxOptions")
        if options is not None and not valid(options):
            setters.append("pod")
        bad_containers = []
        for container in _containers(spec):
            options = _security_context(container).get("seLinuxOptions")
            if options is not None and not valid(options):
                bad_containers.append(container.get("name") or "")
        if bad_containers:
            setters.append(_containers_named(bad_containers))
        if not setters:
            return None
        bad = [f"{_plural('type', 'types', len(bad_types))} {_join_quote(sorted(bad_types))}"] if bad_types else []
        bad += ["user may not be set"] if set_user else []
        bad += ["role may not be set"] if set_role else []
        return (
            "seLinuxOptions",
            f"{' and '.join(setters)} set forbidden securityContext.seLinuxOptions: {'; '.join(bad)}",
        )

    return check


_SELINUX_TYPES_1_0 = frozenset({"", "container_t", "container_init_t", "container_kvm_t"})
_SELINUX_TYPES_1_31 = _SELINUX_TYPES_1_0 | {"container_engine_t"}

_SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
_SECCOMP_CONTAINER_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/"
_SECCOMP_TYPES = ("RuntimeDefault", "Localhost")


def _seccomp_annotations(meta: Meta, spec: Spec) -> Violation:
    """Before 1.19 seccomp profiles were chosen by annotations."""
    annotations = meta.get("annotations") or {}
    keys = [_SECCOMP_POD_ANNOTATION] + [
        _SECCOMP_CONTAINER_ANNOTATION_PREFIX + (c.get("name") or "") for c in _containers(spec)
    ]
    forbidden = {
        f"{key}={go_quote(annotations[key])}"
        for key in keys
        if key in annotations
        and not (annotations[key] in ("runtime/default", "docker/default") or annotations[key].startswith("localhost/"))
    }
    if not forbidden:
        return None
    return (
        "seccompProfile",
        f"forbidden {_plural('annotation', 'annotations', len(forbidden))} {', '.join(sorted(forbidden))}",
    )


def _seccomp_profile(require: bool) -> CheckPod:
    """The seccompProfile fields: at baseline only a bad type is refused; restricted also
    requires one, on the pod or on every container."""

    def check(meta: Meta, spec: Spec) -> Violation:
        setters, bad_values = [], set()
        pod_set = False
        profile = _security_context(spec).get("seccompProfile")
        if profile is not None:
            if profile.get("type") in _SECCOMP_TYPES:
                pod_set = True
            else:
                setters.append("pod")
                bad_values.add(profile.get("type") or "")
        explicit, implicit = [], []
        for container in _containers(spec):
            profile = _security_context(container).get("seccompProfile")
            if profile is not None:
                if profile.get("type") not in _SECCOMP_TYPES:
                    explicit.append(container.get("name") or "")
                    bad_values.add(profile.get("type") or "")
            elif not pod_set:
                implicit.append(container.get("name") or "")
        if explicit:
            setters.append(_containers_named(explicit))
        if setters:
            return "seccompProfile", (
                f"{' and '.join(setters)} must not set securityContext.seccompProfile.type to {_join_quote(sorted(bad_values))}"
            )
        if require and implicit:
            return "seccompProfile", (
                f'pod or {_containers_named(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"'
            )
        return None

    return check


def _sysctls(allowed: frozenset[str]) -> CheckPod:
    def check(meta: Meta, spec: Spec) -> Violation:
        names = [
            s.get("name") or "" for s in _security_context(spec).get("sysctls") or () if s.get("name") not in allowed
        ]
        return ("forbidden sysctls", ", ".join(names)) if names else None

    return check


_SYSCTLS_1_0 = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
    }
)
_SYSCTLS_1_27 = _SYSCTLS_1_0 | {"net.ipv4.ip_local_reserved_ports"}
_SYSCTLS_1_29 = _SYSCTLS_1_27 | {
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}
_SYSCTLS_1_32 = _SYSCTLS_1_29 | {"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"}
_SYSCTLS_1_37 = _SYSCTLS_1_32 | {"net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"}


def _host_process(holder: dict[str, Any]) -> bool:
    return (_security_context(holder).get("windowsOptions") or {}).get("hostProcess") is True


def _windows_host_process(meta: Meta, spec: Spec) -> Violation:
    setters = ["pod"] if _host_process(spec) else []
    names = [c.get("name") or "" for c in _containers(spec) if _host_process(c)]
    if names:
        setters.append(_containers_named(names))
    if not setters:
        return None
    return "hostProcess", f"{' and '.join(setters)} must not set securityContext.windowsOptions.hostProcess=true"


# -- restricted -------------------------------------------------------------------------------


def _allow_privilege_escalation(meta: Meta, spec: Spec) -> Violation:
    names = [
        c.get("name") or ""
        for c in _containers(spec)
        if _security_context(c).get("allowPrivilegeEscalation") is not False
    ]
    if not names:
        return None
    return (
        "allowPrivilegeEscalation != false",
        f"{_containers_named(names)} must set securityContext.allowPrivilegeEscalation=false",
    )


def _capabilities_restricted(meta: Meta, spec: Spec) -> Violation:
    missing_drop_all, adding, added = [], [], set()
    for container in _containers(spec):
        capabilities = _security_context(container).get("capabilities")
        if capabilities is None:
            missing_drop_all.append(container.get("name") or "")
            continue
        if "ALL" not in (capabilities.get("drop") or ()):
            missing_drop_all.append(container.get("name") or "")
        extra = [c for c in capabilities.get("add") or () if c != "NET_BIND_SERVICE"]
        if extra:
            adding.append(container.get("name") or "")
            added.update(extra)
    details = []
    if missing_drop_all:
        details.append(f'{_containers_named(missing_drop_all)} must set securityContext.capabilities.drop=["ALL"]')
    if adding:
        details.append(
            f"{_containers_named(adding)} must not include {_join_quote(sorted(added))} in securityContext.capabilities.add"
        )
    return ("unrestricted capabilities", "; ".join(details)) if details else None


_RESTRICTED_VOLUME_ALLOWED = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "image",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
)
# The sources a refused volume is named by, in the order upstream's switch tries them.
_RESTRICTED_VOLUME_TYPES = (
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
)


def _restricted_volumes(meta: Meta, spec: Spec) -> Violation:
    names, types = [], set()
    for volume in spec.get("volumes") or ():
        if any(volume.get(source) is not None for source in _RESTRICTED_VOLUME_ALLOWED):
            continue
        names.append(volume.get("name") or "")
        types.add(next((source for source in _RESTRICTED_VOLUME_TYPES if volume.get(source) is not None), "unknown"))
    if not names:
        return None
    return "restricted volume types", (
        f"{_plural('volume', 'volumes', len(names))} {_join_quote(names)} {_plural('uses', 'use', len(names))}"
        f" {_plural('restricted volume type', 'restricted volume types', len(types))} {_join_quote(sorted(types))}"
    )


def _run_as_non_root(meta: Meta, spec: Spec) -> Violation:
    setters = []
    pod_value = _security_context(spec).get("runAsNonRoot")
    if pod_value is False:
        setters.append("pod")
    explicit, implicit = [], []
    for container in _containers(spec):
        value = _security_context(container).get("runAsNonRoot")
        if value is False:
            explicit.append(container.get("name") or "")
        elif value is None and pod_value is not True:
            implicit.append(container.get("name") or "")
    if explicit:
        setters.append(_containers_named(explicit))
    if setters:
        return "runAsNonRoot != true", f"{' and '.join(setters)} must not set securityContext.runAsNonRoot=false"
    if implicit:
        return (
            "runAsNonRoot != true",
            f"pod or {_containers_named(implicit)} must set securityContext.runAsNonRoot=true",
        )
    return None


def _run_as_user(meta: Meta, spec: Spec) -> Violation:
    setters = ["pod"] if _security_context(spec).get("runAsUser") == 0 else []
    names = [c.get("name") or "" for c in _containers(spec) if _security_context(c).get("runAsUser") == 0]
    if names:
        setters.append(_containers_named(names))
    if not setters:
        return None
    return "runAsUser=0", f"{' and '.join(setters)} must not set runAsUser=0"


# -- the registry -----------------------------------------------------------------------------

CHECKS = (
    Check("appArmorProfile", BASELINE, (VersionedCheck(0, _app_armor_profile),)),
    Check("capabilities_baseline", BASELINE, (VersionedCheck(0, _capabilities_baseline),)),
    Check("hostNamespaces", BASELINE, (VersionedCheck(0, _host_namespaces),)),
    Check("hostPathVolumes", BASELINE, (VersionedCheck(0, _host_path_volumes),)),
    Check("hostPorts", BASELINE, (VersionedCheck(0, _host_ports),)),
    Check("hostProbesAndHostLifecycle", BASELINE, (VersionedCheck(34, _host_probes_and_host_lifecycle),)),
    Check("privileged", BASELINE, (VersionedCheck(0, _privileged),)),
    Check(
        "procMount", BASELINE, (VersionedCheck(0, _proc_mount), VersionedCheck(35, _unless_user_namespace(_proc_mount)))
    ),
    Check(
        "seLinuxOptions",
        BASELINE,
        (
            VersionedCheck(0, _se_linux_options(_SELINUX_TYPES_1_0)),
            VersionedCheck(31, _se_linux_options(_SELINUX_TYPES_1_31)),
        ),
    ),
    Check(
        "seccompProfile_baseline",
        BASELINE,
        (VersionedCheck(0, _seccomp_annotations), VersionedCheck(19, _seccomp_profile(require=False))),
    ),
    Check(
        "sysctls",
        BASELINE,
        tuple(
            VersionedCheck(minor, _sysctls(allowed))
            for minor, allowed in (
                (0, _SYSCTLS_1_0),
                (27, _SYSCTLS_1_27),
                (29, _SYSCTLS_1_29),
                (32, _SYSCTLS_1_32),
                (37, _SYSCTLS_1_37),
            )
        ),
    ),
    Check("windowsHostProcess", BASELINE, (VersionedCheck(0, _windows_host_process),)),
    Check(
        "allowPrivilegeEscalation",
        RESTRICTED,
        (
            VersionedCheck(8, _allow_privilege_escalation),
            VersionedCheck(25, _unless_windows(_allow_privilege_escalation)),
        ),
    ),
    Check(
        "capabilities_restricted",
        RESTRICTED,
        (
            VersionedCheck(22, _capabilities_restricted, ("capabilities_baseline",)),
            VersionedCheck(25, _unless_windows(_capabilities_restricted), ("capabilities_baseline",)),
        ),
    ),
    Check("procMount_restricted", RESTRICTED, (VersionedCheck(35, _proc_mount, ("procMount",)),)),
    Check("restrictedVolumes", RESTRICTED, (VersionedCheck(0, _restricted_volumes, ("hostPathVolumes",)),)),
    Check(
        "runAsNonRoot",
        RESTRICTED,
        (VersionedCheck(0, _run_as_non_root), VersionedCheck(35, _unless_user_namespace(_run_as_non_root))),
    ),
    Check(
        "runAsUser",
        RESTRICTED,
        (VersionedCheck(23, _run_as_user), VersionedCheck(35, _unless_user_namespace(_run_as_user))),
    ),
    Check(
        "seccompProfile_restricted",
        RESTRICTED,
        (
            VersionedCheck(19, _seccomp_profile(require=True), ("seccompProfile_baseline",)),
            VersionedCheck(25, _unless_windows(_seccomp_profile(require=True)), ("seccompProfile_baseline",)),
        ),
    ),
)

# The newest minor any check changed at: ``latest``, and any later version, evaluate as it.
MAX_MINOR = max(check.versions[-1].minimum_minor for check in CHECKS)
_ORDER = sorted(c.id for c in CHECKS if c.level == BASELINE) + sorted(c.id for c in CHECKS if c.level == RESTRICTED)


def _at(check: Check, minor: int) -> VersionedCheck | None:
    """The version of ``check`` in force at ``minor``: the newest whose minimum it reached."""
    return next((v for v in reversed(check.versions) if v.minimum_minor <= minor), None)


@cache
def _checks_for(level: str, minor: int) -> tuple[CheckPod, ...]:
    """What ``level`` runs at ``minor`` (registry.go populate): a restricted check in force
    there displaces the baseline checks it overrides."""
    in_force = {c.id: (c, v) for c in CHECKS if (v := _at(c, minor)) is not None}
    overridden = {o for c, v in in_force.values() if c.level == RESTRICTED for o in v.overrides}
    levels = (BASELINE,) if level == BASELINE else (BASELINE, RESTRICTED)
    return tuple(
        in_force[i][1].check_pod
        for i in _ORDER
        if i in in_force and in_force[i][0].level in levels and not (level == RESTRICTED and i in overridden)
    )


def evaluate_pod(level_version: LevelVersion, meta: Meta, spec: Spec) -> list[tuple[str, str]]:
    """EvaluatePod then AggregateCheckResults: the (reason, detail) of every check the pod fails, in order."""
    if level_version.level == PRIVILEGED:
        return []
    version = level_version.version
    minor = MAX_MINOR if Version(MAX_MINOR).older(version) else version.minor
    return [
        violation for check in _checks_for(level_version.level, minor) if (violation := check(meta, spec)) is not None
    ]


def forbidden_detail(violations: list[tuple[str, str]]) -> str:
    """AggregateCheckResult.ForbiddenDetail: ``reason (detail), reason (detail)``."""
    return ", ".join(f"{reason} ({detail})" if detail else reason for reason, detail in violations)


def forbidden_reason(violations: list[tuple[str, str]]) -> str:
    """AggregateCheckResult.ForbiddenReason: the reasons alone."""
    return ", ".join(reason for reason, _ in violations)
