"""PodSecurity admission: the Pod Security Standards per namespace, as kube-apiserver applies them.

Expected texts come from k8s.io/pod-security-admission: the reasons and details of each check
(policy/check_*.go), their order (registry.go: baseline checks by ID, then restricted ones by
ID), the namespace label parsing (api/helpers.go PolicyToEvaluate), and the admission flow
(admission/admission.go: EvaluatePod's ``violates PodSecurity`` and ``would violate
PodSecurity``, EvaluatePodsInNamespace's warnings, isSignificantPodUpdate), wrapped by
plugin/pkg/admission/security/podsecurity/admission.go (audit annotations under
``pod-security.kubernetes.io/``).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from warning_headers import warnings_of

from fakeapi.admission.podsecurity.api import BASELINE, RESTRICTED, LevelVersion, Policy, Version, policy_to_evaluate
from fakeapi.admission.podsecurity.checks import evaluate_pod, forbidden_detail
from fakeapi.pytest_plugin.plugin import FakeAPI

Kubectl = Callable[..., subprocess.CompletedProcess[str]]
ENFORCE = "pod-security.kubernetes.io/enforce"
NGINX_RESTRICTED = (
    'allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false), '
    'unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"]), '
    'runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true), '
    'seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or '
    '"Localhost")'
)
COMPLIANT_CONTEXT = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "runAsNonRoot": True,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def container(name: str = "app", **fields: Any) -> dict[str, Any]:
    return {"name": name, "image": "nginx:1.27", **fields}


def secure(name: str = "app", **context: Any) -> dict[str, Any]:
    """A container the restricted level allows, with ``context`` laid over its security context."""
    return container(name, securityContext={**COMPLIANT_CONTEXT, **context})


def detail(level: str, spec: dict[str, Any], version: str = "latest", annotations: dict[str, str] | None = None) -> str:
    parsed = Version.LATEST if version == "latest" else Version(int(version.removeprefix("v1.")))
    meta = {"annotations": annotations} if annotations else {}
    return forbidden_detail(evaluate_pod(LevelVersion(level, parsed), meta, spec))


# -- the checks -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            {"hostNetwork": True, "hostPID": True, "containers": [container()]},
            "host namespaces (hostNetwork=true, hostPID=true)",
        ),
        (
            {
                "containers": [
                    container("a", securityContext={"privileged": True}),
                    container("b", securityContext={"privileged": True}),
                ]
            },
            'privileged (containers "a", "b" must not set securityContext.privileged=true)',
        ),
        (
            {"containers": [container(securityContext={"capabilities": {"add": ["SYS_TIME", "NET_ADMIN", "CHOWN"]}})]},
            'non-default capabilities (container "app" must not include "NET_ADMIN", "SYS_TIME" in '
            "securityContext.capabilities.add)",
        ),
        (
            {"containers": [container()], "volumes": [{"name": "data", "hostPath": {"path": "/var"}}]},
            'hostPath volumes (volume "data")',
        ),
        (
            {
                "containers": [
                    container(ports=[{"containerPort": 80, "hostPort": 8080}, {"containerPort": 90, "hostPort": 9090}])
                ]
            },
            'hostPort (container "app" uses hostPorts 8080, 9090)',
        ),
        (
            {
                "securityContext": {
                    "sysctls": [
                        {"name": "kernel.msgmax", "value": "1"},
                        {"name": "kernel.shm_rmid_forced", "value": "1"},
                    ]
                },
                "containers": [container()],
            },
            "forbidden sysctls (kernel.msgmax)",
        ),
        (
            {"securityContext": {"seccompProfile": {"type": "Unconfined"}}, "containers": [container()]},
            'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")',
        ),
        (
            {"securityContext": {"seLinuxOptions": {"type": "spc_t", "user": "root"}}, "containers": [container()]},
            'seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set)',
        ),
        (
            {"containers": [container(securityContext={"procMount": "Unmasked"})]},
            'procMount (container "app" must not set securityContext.procMount to "Unmasked")',
        ),
        (
            {
                "containers": [
                    container(
                        livenessProbe={"httpGet": {"host": "10.0.0.1", "port": 80}},
                        lifecycle={"preStop": {"tcpSocket": {"host": "db", "port": 5432}}},
                    )
                ]
            },
            'probe or lifecycle host (container "app" uses probe or lifecycle hosts "10.0.0.1", "db")',
        ),
        (
            {"securityContext": {"windowsOptions": {"hostProcess": True}}, "containers": [container()]},
            "hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)",
        ),
        ({"containers": [container(securityContext={"seLinuxOptions": {"type": "container_engine_t"}})]}, ""),
    ],
)
def test_each_baseline_check_names_what_it_forbids(spec: dict[str, Any], expected: str) -> None:
    assert detail(BASELINE, spec) == expected


def test_app_armor_profiles_from_fields_and_annotations_are_one_refusal() -> None:
    spec = {"containers": [container(securityContext={"appArmorProfile": {"type": "Unconfined"}})]}
    prefix = "container.apparmor.security.beta.kubernetes.io/"
    annotations = {
        f"{prefix}app": "unconfined",
        f"{prefix}b": "runtime/default",
        f"{prefix}c": "localhost/x",
        f"{prefix}": "bogus",
    }
    assert detail(BASELINE, spec, annotations=annotations) == (
        'forbidden AppArmor profiles (container "app" and annotations must not set AppArmor profile type to '
        f'"Unconfined", "{prefix}="bogus"", "{prefix}app="unconfined"")'
    )


def test_restricted_runs_the_baseline_checks_first_and_replaces_the_ones_it_tightens() -> None:
    assert detail(RESTRICTED, {"containers": [container()]}) == NGINX_RESTRICTED
    spec = {
        "containers": [secure(privileged=True)],
        "volumes": [
            {"name": "data", "hostPath": {"path": "/var"}},
            {"name": "share", "nfs": {"server": "s", "path": "/"}},
        ],
    }
    # hostPathVolumes gives way to restrictedVolumes; privileged stays a baseline check, first.
    assert detail(RESTRICTED, spec) == (
        'privileged (container "app" must not set securityContext.privileged=true), '
        'restricted volume types (volumes "data", "share" use restricted volume types "hostPath", "nfs")'
    )
    assert detail(RESTRICTED, {"containers": [secure(), secure("sidecar")]}) == ""


@pytest.mark.parametrize(
    ("context", "pod_context", "expected"),
    [
        (
            {"runAsNonRoot": False},
            {},
            'runAsNonRoot != true (container "app" must not set securityContext.runAsNonRoot=false)',
        ),
        ({"runAsNonRoot": None}, {"runAsNonRoot": True}, ""),
        ({"runAsUser": 0}, {"runAsUser": 0}, 'runAsUser=0 (pod and container "app" must not set runAsUser=0)'),
        (
            {"capabilities": {"drop": ["NET_RAW"], "add": ["NET_BIND_SERVICE", "SYS_ADMIN"]}},
            {},
            'unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"]; '
            'container "app" must not include "SYS_ADMIN" in securityContext.capabilities.add)',
        ),
        (
            {"seccompProfile": None},
            {"seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}},
            "",
        ),
    ],
)
def test_restricted_checks_read_the_pod_and_its_containers(
    context: dict[str, Any], pod_context: dict[str, Any], expected: str
) -> None:
    fields = {key: value for key, value in {**COMPLIANT_CONTEXT, **context}.items() if value is not None}
    spec = {"securityContext": pod_context, "containers": [container(securityContext=fields)]}
    assert detail(RESTRICTED, spec) == expected


def test_a_windows_pod_needs_only_what_windows_can_do() -> None:
    spec = {"os": {"name": "windows"}, "containers": [container()]}
    assert (
        detail(RESTRICTED, spec)
        == 'runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true)'
    )
    # Before 1.25 the Linux-only checks applied to every pod.
    assert detail(RESTRICTED, spec, "v1.24").startswith("allowPrivilegeEscalation != false")


def test_a_pod_in_a_user_namespace_may_run_as_root_but_not_unmask_proc() -> None:
    spec = {"hostUsers": False, "containers": [secure(runAsNonRoot=False, runAsUser=0, procMount="Unmasked")]}
    assert detail(BASELINE, spec) == ""
    assert (
        detail(RESTRICTED, spec) == 'procMount (container "app" must not set securityContext.procMount to "Unmasked")'
    )
    assert detail(RESTRICTED, spec, "v1.34").startswith("procMount (")
    assert "runAsNonRoot != true" in detail(RESTRICTED, spec, "v1.34")


@pytest.mark.parametrize(
    ("level", "spec", "version", "expected"),
    [
        # Each minor's checks: a sysctl allowed since 1.37, probe hosts checked since 1.34, runAsUser since
        # 1.23, dropping ALL capabilities required since 1.22 (the baseline check applies before).
        (
            BASELINE,
            {"securityContext": {"sysctls": [{"name": "net.ipv4.tcp_notsent_lowat", "value": "1"}]}},
            "v1.36",
            "forbidden sysctls (net.ipv4.tcp_notsent_lowat)",
        ),
        (
            BASELINE,
            {"securityContext": {"sysctls": [{"name": "net.ipv4.tcp_notsent_lowat", "value": "1"}]}},
            "v1.37",
            "",
        ),
        (BASELINE, {"containers": [container(readinessProbe={"tcpSocket": {"host": "x", "port": 1}})]}, "v1.33", ""),
        (
            RESTRICTED,
            {"securityContext": {"runAsUser": 0, "runAsNonRoot": True}, "containers": [secure()]},
            "v1.22",
            "",
        ),
        (
            RESTRICTED,
            {"containers": [secure(capabilities={"add": ["SYS_ADMIN"]})]},
            "v1.21",
            'non-default capabilities (container "app" must not include "SYS_ADMIN" in securityContext.capabilities.add)',
        ),
        # A version newer than any check's is evaluated as the newest.
        (
            BASELINE,
            {"securityContext": {"sysctls": [{"name": "net.ipv4.tcp_notsent_lowat", "value": "1"}]}},
            "v1.99",
            "",
        ),
    ],
)
def test_a_namespace_pins_the_checks_of_a_kubernetes_minor(
    level: str, spec: dict[str, Any], version: str, expected: str
) -> None:
    spec.setdefault("containers", [secure()])
    assert detail(level, spec, version) == expected


def test_seccomp_annotations_were_the_profile_before_1_19() -> None:
    spec = {"containers": [container()]}
    annotations = {
        "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
        "container.seccomp.security.alpha.kubernetes.io/app": "docker/default",
    }
    assert detail(BASELINE, spec, "v1.18", annotations) == (
        'seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined")'
    )
    assert detail(BASELINE, spec, "v1.19", annotations) == ""


# -- the namespace's labels ----------------------------------------------------------------------


def test_warn_follows_a_stricter_enforce_level_unless_it_has_its_own() -> None:
    policy, errs = policy_to_evaluate({ENFORCE: "baseline", f"{ENFORCE}-version": "v1.30"})
    assert errs == []
    assert policy == Policy(LevelVersion(BASELINE, Version(30)), LevelVersion(), LevelVersion(BASELINE, Version(30)))
    policy, _ = policy_to_evaluate({ENFORCE: "restricted", "pod-security.kubernetes.io/warn": "privileged"})
    assert policy.warn == LevelVersion()


def test_bad_labels_fail_closed_for_enforce_and_open_for_audit_and_warn() -> None:
    policy, errs = policy_to_evaluate(
        {
            ENFORCE: "strict",
            "pod-security.kubernetes.io/audit": "loud",
            "pod-security.kubernetes.io/warn-version": "1.30",
        }
    )
    assert policy.enforce.level == RESTRICTED and policy.audit.level == "privileged"
    assert [str(e) for e in errs] == [
        'metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted',
        'metadata.labels[pod-security.kubernetes.io/audit]: Invalid value: "loud": must be one of privileged, baseline, restricted',
        'metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: "1.30": must be "latest" or "v1.x"',
    ]


# -- admission, through the API ------------------------------------------------------------------


def namespace(name: str, **labels: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def pod(name: str, *containers: dict[str, Any]) -> dict[str, Any]:
    spec = {"containers": list(containers) or [container()]}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def deployment(name: str, replicas: int = 1, **context: Any) -> dict[str, Any]:
    template_spec = {"containers": [container(securityContext=context)] if context else [container()]}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": template_spec},
        },
    }


def create(fakeapi: FakeAPI, path: str, obj: dict[str, Any], query: str = "") -> Any:
    return fakeapi.server.request("POST", path, obj, query=query)


def test_a_pod_the_enforce_level_forbids_is_refused_even_in_a_dry_run(fakeapi: FakeAPI) -> None:
    fakeapi.seed(namespace("locked", **{ENFORCE: "restricted"}))
    for query in ("", "dryRun=All"):
        refused = create(fakeapi, "/api/v1/namespaces/locked/pods", pod("web"), query)
        assert refused.status == 403
        assert (
            refused.json()["message"]
            == f'pods "web" is forbidden: violates PodSecurity "restricted:latest": {NGINX_RESTRICTED}'
        )
        assert refused.json()["details"] == {"name": "web", "kind": "pods"}
    assert create(fakeapi, "/api/v1/namespaces/locked/pods", pod("safe", secure())).status == 201
    # A generated name is in the refusal, as validating admission sees it.
    generated = {**pod(""), "metadata": {"generateName": "web-"}}
    message = create(fakeapi, "/api/v1/namespaces/locked/pods", generated).json()["message"]
    assert message.startswith('pods "web-') and len(message.split('"')[1]) == len("web-") + 5


def test_warn_and_audit_levels_let_the_pod_in_and_say_what_it_would_violate(fakeapi: FakeAPI) -> None:
    labels = {"pod-security.kubernetes.io/warn": "baseline", "pod-security.kubernetes.io/audit": "restricted"}
    fakeapi.seed(namespace("watched", **labels))
    created = create(
        fakeapi, "/api/v1/namespaces/watched/pods", pod("web", container(securityContext={"privileged": True}))
    )
    assert created.status == 201
    assert warnings_of(created) == [
        'would violate PodSecurity "baseline:latest": privileged (container "app" must not set securityContext.privileged=true)'
    ]
    [event] = fakeapi.audit.requests("create", "pods", name="web")
    assert event.annotations["pod-security.kubernetes.io/enforce-policy"] == "privileged:latest"
    assert event.annotations["pod-security.kubernetes.io/audit-violations"].startswith(
        'would violate PodSecurity "restricted:latest": privileged (container "app" must not set'
    )
    assert create(fakeapi, "/api/v1/namespaces/default/pods", pod("plain")).status == 201
    [event] = fakeapi.audit.requests("create", "pods", name="plain")
    assert event.annotations["pod-security.kubernetes.io/enforce-policy"] == "privileged:latest"


def test_workloads_are_warned_about_and_their_pods_refused(fakeapi: FakeAPI) -> None:
    fakeapi.seed(namespace("locked", **{ENFORCE: "baseline"}))
    created = create(fakeapi, "/apis/apps/v1/namespaces/locked/deployments", deployment("web", privileged=True))
    assert created.status == 201
    privileged = 'privileged (container "app" must not set securityContext.privileged=true)'
    assert warnings_of(created) == [f'would violate PodSecurity "baseline:latest": {privileged}']
    fakeapi.server.settle()
    [replica_set] = fakeapi.list("apps/v1", "ReplicaSet", namespace="locked")
    [condition] = replica_set["status"]["conditions"]
    assert (condition["type"], condition["reason"]) == ("ReplicaFailure", "FailedCreate")
    assert condition["message"].endswith(f'is forbidden: violates PodSecurity "baseline:latest": {privileged}')
    assert fakeapi.list("v1", "Pod", namespace="locked") == []


def in_namespace(obj: dict[str, Any], name: str) -> dict[str, Any]:
    return {**obj, "metadata": {**obj["metadata"], "namespace": name}}


MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}


def test_a_stricter_enforce_level_warns_of_the_pods_it_would_refuse(fakeapi: FakeAPI) -> None:
    fakeapi.seed(namespace("apps"), in_namespace(deployment("web", replicas=3), "apps"))
    fakeapi.seed(in_namespace(pod("solo", secure()), "apps"), in_namespace(pod("root"), "apps"))
    fakeapi.server.settle()
    assert len(fakeapi.list("v1", "Pod", namespace="apps")) == 5
    relabel = {"metadata": {"labels": {ENFORCE: "restricted"}}}
    response = fakeapi.server.request("PATCH", "/api/v1/namespaces/apps", relabel, headers=MERGE_PATCH)
    assert response.status == 200
    # One line per distinct refusal, naming its first pod by name; the compliant pod is not named.
    assert warnings_of(response) == [
        'existing pods in namespace "apps" violate the new PodSecurity enforce level "restricted:latest"',
        "root (and 3 other pods): allowPrivilegeEscalation != false, unrestricted capabilities, "
        "runAsNonRoot != true, seccompProfile",
    ]
    # The same level again, or a looser one, checks nothing.
    again = fakeapi.server.request("PATCH", "/api/v1/namespaces/apps", relabel, headers=MERGE_PATCH)
    looser = {"metadata": {"labels": {ENFORCE: "baseline"}}}
    relaxed = fakeapi.server.request("PATCH", "/api/v1/namespaces/apps", looser, headers=MERGE_PATCH)
    assert warnings_of(again) == warnings_of(relaxed) == []


def test_invalid_labels_refuse_the_namespace(fakeapi: FakeAPI) -> None:
    refused = create(fakeapi, "/api/v1/namespaces", namespace("odd", **{ENFORCE: "strict"}))
    assert refused.status == 422
    assert refused.json()["message"] == (
        'Namespace "odd" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": '
        "must be one of privileged, baseline, restricted"
    )


def test_only_updates_that_can_change_the_outcome_are_checked(fakeapi: FakeAPI) -> None:
    fakeapi.seed(namespace("apps"), in_namespace(pod("web"), "apps"))
    relabel = {"metadata": {"labels": {ENFORCE: "restricted"}}}
    assert fakeapi.server.request("PATCH", "/api/v1/namespaces/apps", relabel, headers=MERGE_PATCH).status == 200
    labels = {"metadata": {"labels": {"a": "b"}}}
    assert (
        fakeapi.server.request("PATCH", "/api/v1/namespaces/apps/pods/web", labels, headers=MERGE_PATCH).status == 200
    )
    strategic = {"Content-Type": "application/strategic-merge-patch+json"}
    new_image = {"spec": {"containers": [{"name": "app", "image": "nginx:1.28"}]}}
    refused = fakeapi.server.request("PATCH", "/api/v1/namespaces/apps/pods/web", new_image, headers=strategic)
    assert refused.status == 403
    assert refused.json()["message"].startswith('pods "web" is forbidden: violates PodSecurity "restricted:latest"')
    debug = {"spec": {"ephemeralContainers": [{"name": "debug", "image": "busybox", "targetContainerName": "app"}]}}
    path = "/api/v1/namespaces/apps/pods/web/ephemeralcontainers"
    refused = fakeapi.server.request("PATCH", path, debug, headers=strategic)
    assert refused.status == 403
    assert (
        'containers "app", "debug" must set securityContext.allowPrivilegeEscalation=false' in refused.json()["message"]
    )


def test_kubectl_shows_the_refusal_and_the_warnings(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    kubectl("create", "namespace", "team")
    kubectl("-n", "team", "run", "web", "--image=nginx:1.27")
    labelled = kubectl(
        "label", "namespace", "team", f"{ENFORCE}=baseline", "pod-security.kubernetes.io/warn=restricted"
    )
    assert labelled.stderr == ""  # nginx meets baseline
    refused = kubectl("-n", "team", "run", "admin", "--image=nginx:1.27", "--privileged", check=False)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        'Error from server (Forbidden): pods "admin" is forbidden: violates PodSecurity "baseline:latest": '
        'privileged (container "admin" must not set securityContext.privileged=true)'
    )
    created = kubectl("-n", "team", "create", "deployment", "api", "--image=nginx:1.27")
    assert created.stderr.startswith(
        'Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false'
    )
    # The deployment's pod runs; it and web fail the same checks, and the warning names the first.
    [api_pod] = kubectl("-n", "team", "get", "pods", "-l", "app=api", "-o", "name").stdout.split()
    api_pod = api_pod.removeprefix("pod/")
    reasons = "allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile"
    relabelled = kubectl("label", "namespace", "team", "--overwrite", f"{ENFORCE}=restricted")
    assert relabelled.stderr.splitlines() == [
        'Warning: existing pods in namespace "team" violate the new PodSecurity enforce level "restricted:latest"',
        f"Warning: {api_pod} (and 1 other pod): {reasons}",
    ]


def test_a_daemon_set_whose_pods_are_refused_keeps_trying_without_failing_the_cluster(fakeapi: FakeAPI) -> None:
    # The DaemonSet controller records the refusal and requeues the set with back-off (processNextWorkItem).
    fakeapi.seed(namespace("locked", **{ENFORCE: "restricted"}))
    daemon = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": "locked"},
        "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "template": {
                "metadata": {"labels": {"app": "agent"}},
                "spec": {"hostNetwork": True, "containers": [container()]},
            },
        },
    }
    fakeapi.seed(daemon)
    fakeapi.server.settle()
    events = fakeapi.list("v1", "Event", namespace="locked")
    reasons = {(e["involvedObject"]["kind"], e["reason"]) for e in events}
    assert ("DaemonSet", "FailedCreate") in reasons
    # Each retry names another generated pod, so each is an Event of its own.
    for failed in (e for e in events if e["reason"] == "FailedCreate"):
        assert failed["message"].startswith('Error creating: pods "agent-')
        assert 'violates PodSecurity "restricted:latest": host namespaces (hostNetwork=true)' in failed["message"]
    assert fakeapi.list("v1", "Pod", namespace="locked") == []
