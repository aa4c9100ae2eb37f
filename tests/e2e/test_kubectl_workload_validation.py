"""Real kubectl 1.37 meeting the validation of pods and workloads (pkg/apis/core/validation,
pkg/apis/apps/validation, pkg/apis/batch/validation): what kube-apiserver refuses, with its texts.

The ``apply --force`` case is kubectl's own: after five conflicts it deletes the object and
creates the new one, and when that create is refused it creates the old object again.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.kubectl

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


_APP = {"name": "app", "image": "registry.example/app:1"}


def _pod(spec: dict[str, object]) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "checked"}, "spec": spec})


def _deployment(selector: dict[str, str], labels: dict[str, str], **extra: object) -> str:
    return json.dumps(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", **extra},
            "spec": {
                "selector": {"matchLabels": selector},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {"containers": [{"name": "app", "image": "registry.example/app:1"}]},
                },
            },
        }
    )


def _refused(kubectl: Kubectl, manifest: str, *args: str) -> str:
    result = kubectl("create", "-f", "-", *args, input=manifest, check=False)
    assert result.returncode == 1, result.stdout
    return result.stderr.strip()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"containers": []}, "spec.containers: Required value"),
        ({"containers": [{"name": "app"}]}, "spec.containers[0].image: Required value"),
        (
            {"containers": [{"name": "app", "image": "a"}, {"name": "app", "image": "b"}]},
            'spec.containers[1].name: Duplicate value: "app"',
        ),
        (
            {
                "initContainers": [{"name": "app", "image": "a"}],
                "containers": [{"name": "app", "image": "b"}],
            },
            'spec.initContainers[0].name: Duplicate value: "app"',
        ),
        (
            {"containers": [{"name": "app", "image": "a", "volumeMounts": [{"name": "data", "mountPath": "/d"}]}]},
            'spec.containers[0].volumeMounts[0].name: Not found: "data"',
        ),
        (
            {
                "volumes": [{"name": "data", "emptyDir": {}}, {"name": "data", "emptyDir": {}}],
                "containers": [{"name": "app", "image": "a"}],
            },
            'spec.volumes[1].name: Duplicate value: "data"',
        ),
        (
            {"containers": [{"name": "app", "image": "a", "ports": [{"containerPort": 70000}]}]},
            "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
        ),
        (
            {"restartPolicy": "Sometimes", "containers": [{"name": "app", "image": "a"}]},
            'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
        ),
        (
            {"volumes": [{"name": "v", "emptyDir": {}, "hostPath": {"path": "/x"}}], "containers": [_APP]},
            "spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type",
        ),
        (
            {"volumes": [{"name": "v", "configMap": {}}], "containers": [_APP]},
            "spec.volumes[0].configMap.name: Required value",
        ),
        (
            {"containers": [{**_APP, "ports": [{"containerPort": 80, "name": "web-server-port-1"}]}]},
            'spec.containers[0].ports[0].name: Invalid value: "web-server-port-1": must be no more than 15 characters',
        ),
        (
            {"containers": [{**_APP, "env": [{"name": "A=B", "value": "x"}]}]},
            'spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist'
            " only of printable ASCII characters other than '='",
        ),
        (
            {
                "containers": [
                    {
                        **_APP,
                        "env": [{"name": "A", "value": "x", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                    }
                ]
            },
            'spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
        ),
        (
            {"containers": [{**_APP, "imagePullPolicy": "Sometimes"}]},
            'spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always",'
            ' "IfNotPresent", "Never"',
        ),
        (
            {"containers": [{**_APP, "resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "1500m"}}}]},
            'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1500m',
        ),
        (
            {"containers": [{**_APP, "resources": {"requests": {"memory": "-64Mi"}}}]},
            'spec.containers[0].resources.requests[memory]: Invalid value: "-64Mi": must be greater than or equal to 0',
        ),
        (
            {"containers": [{**_APP, "resources": {"limits": {"cpus": "1"}}}]},
            '\n* spec.containers[0].resources.limits[cpus]: Invalid value: "cpus": must be a standard resource for'
            ' containers\n* spec.containers[0].resources.requests[cpus]: Invalid value: "cpus": must be a standard'
            " resource for containers",
        ),
        (
            {"containers": [{**_APP, "resources": {"requests": {"example.com/gpu": "1"}}}]},
            "spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources",
        ),
        (
            {"containers": [{**_APP, "resources": {"limits": {"hugepages-2Mi": "4Mi"}}}]},
            "spec.containers[0].resources: Forbidden: HugePages require cpu or memory",
        ),
        (
            {"containers": [{**_APP, "resources": {"limits": {"hugepages-2Mi": "3Mi", "memory": "1Gi"}}}]},
            # The limit and the request defaulted from it give the same error, which the list holds once.
            'spec.containers[0].resources: Invalid value: "3Mi": 3Mi is not positive integer multiple of hugepages-2Mi',
        ),
        (
            {"containers": [_APP], "dnsPolicy": "ClusterFirstly"},
            'spec.dnsPolicy: Unsupported value: "ClusterFirstly": supported values: "ClusterFirstWithHostNet",'
            ' "ClusterFirst", "Default", "None"',
        ),
        (
            {"containers": [_APP], "tolerations": [{"key": "dedicated", "operator": "Exists", "value": "gpu"}]},
            "spec.tolerations[0].operator: Invalid value: \"gpu\": value must be empty when `operator` is 'Exists'",
        ),
        (
            {"containers": [_APP], "tolerations": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedul"}]},
            'spec.tolerations[0].effect: Unsupported value: "NoSchedul": supported values: "NoSchedule",'
            ' "PreferNoSchedule", "NoExecute"',
        ),
        (
            {"containers": [_APP], "tolerations": [{"operator": "Equal", "value": "x", "tolerationSeconds": 30}]},
            '\n* spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty,'
            ' which means "match all values and all keys"\n* spec.tolerations[0].effect: Invalid value: "": effect must'
            " be 'NoExecute' when `tolerationSeconds` is set",
        ),
        (
            {
                "containers": [_APP],
                "topologySpreadConstraints": [
                    {"maxSkew": 0, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"},
                    {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"},
                ],
            },
            "\n* spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero"
            '\n* spec.topologySpreadConstraints[0].{topologyKey, whenUnsatisfiable}: Duplicate value: "{zone,'
            ' DoNotSchedule}"',
        ),
        (
            # (A pod's service account is looked up by admission before validation: a template shows the name check.)
            {"containers": [_APP], "activeDeadlineSeconds": 0, "hostname": "Web_1"},
            "\n* spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive"
            '\n* spec.hostname: Invalid value: "Web_1": a lowercase RFC 1123 label must consist of lower case'
            " alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', "
            " or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        ),
        (
            {
                "containers": [_APP],
                "affinity": {
                    "nodeAffinity": {
                        "requiredDuringSchedulingIgnoredDuringExecution": {
                            "nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "In"}]}]
                        },
                        "preferredDuringSchedulingIgnoredDuringExecution": [
                            {"weight": 0, "preference": {"matchExpressions": [{"key": "disk", "operator": "Equals"}]}}
                        ],
                    },
                    "podAntiAffinity": {
                        "preferredDuringSchedulingIgnoredDuringExecution": [
                            {"weight": 100, "podAffinityTerm": {"labelSelector": {"matchLabels": {"app": "web"}}}}
                        ]
                    },
                },
            },
            "\n* spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
            ".matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"
            "\n* spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0:"
            " must be in the range 1-100\n* spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]"
            '.preference.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator'
            "\n* spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm"
            ".topologyKey: Required value: can not be empty\n* spec.affinity.podAntiAffinity"
            '.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey: Invalid value: "": name'
            " part must be non-empty\n* spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]"
            ".podAffinityTerm.topologyKey: Invalid value: \"\": name part must consist of alphanumeric characters, '-',"
            " '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or"
            " '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        ),
        (
            {"containers": [_APP], "dnsPolicy": "None"},
            "spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None",
        ),
        (
            {"containers": [{**_APP, "securityContext": {"runAsUser": -1}}]},
            "spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive",
        ),
        (
            {"containers": [{**_APP, "livenessProbe": {"periodSeconds": 5}}]},
            "spec.containers[0].livenessProbe: Required value: must specify a handler type",
        ),
        (
            {"containers": [{**_APP, "livenessProbe": {"exec": {"command": ["true"]}, "successThreshold": 3}}]},
            "spec.containers[0].livenessProbe.successThreshold: Invalid value: 3: must be 1",
        ),
        (
            {"containers": [{**_APP, "readinessProbe": {"tcpSocket": {"port": 80}, "exec": {"command": ["true"]}}}]},
            "spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type",
        ),
        (
            {
                "initContainers": [{"name": "init", "image": "a", "readinessProbe": {"exec": {"command": ["true"]}}}],
                "containers": [_APP],
            },
            "spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without"
            " restartPolicy=Always",
        ),
    ],
)
def test_invalid_pod_specs_are_refused(kubectl: Kubectl, spec: dict[str, object], message: str) -> None:
    assert _refused(kubectl, _pod(spec), "--dry-run=server") == f'The Pod "checked" is invalid: {message}'


def test_the_cases_a_careful_pod_spec_uses_are_accepted(kubectl: Kubectl) -> None:
    """What the checks above must not refuse: every probe and hook kind, a sidecar with probes,
    named ports, env from the downward API and config maps, resources with huge pages and an
    extended resource, a source-less volume (defaulted to emptyDir, as upstream defaults it)."""
    app = {
        "name": "app",
        "image": "registry.example/app:1",
        "ports": [
            {"containerPort": 8080, "name": "http"},
            {"containerPort": 9090, "name": "metrics", "protocol": "TCP"},
        ],
        "env": [
            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            {"name": "LEVEL", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "level"}}},
            {"name": "my.relaxed-name_1", "value": "x"},
        ],
        "resources": {
            "requests": {"cpu": "250m", "memory": "64Mi", "hugepages-2Mi": "4Mi", "example.com/gpu": "1"},
            "limits": {"cpu": "1", "memory": "128Mi", "hugepages-2Mi": "4Mi", "example.com/gpu": "1"},
        },
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "initialDelaySeconds": 3},
        "readinessProbe": {"tcpSocket": {"port": 8080}, "successThreshold": 2},
        "startupProbe": {"grpc": {"port": 9090}, "failureThreshold": 30},
        "lifecycle": {"preStop": {"sleep": {"seconds": 5}}, "postStart": {"exec": {"command": ["true"]}}},
        "securityContext": {"runAsUser": 1000, "runAsGroup": 0, "allowPrivilegeEscalation": False},
        "volumeMounts": [{"name": "scratch", "mountPath": "/scratch"}],
    }
    sidecar = {
        "name": "proxy",
        "image": "registry.example/proxy:1",
        "restartPolicy": "Always",
        "readinessProbe": {"exec": {"command": ["true"]}},
    }
    spec = {"initContainers": [sidecar], "containers": [app], "volumes": [{"name": "scratch"}]}
    result = kubectl("create", "-f", "-", "--dry-run=server", input=_pod(spec), check=False)
    assert result.returncode == 0, result.stderr


def test_a_deployment_template_is_checked_like_a_pod(kubectl: Kubectl) -> None:
    manifest = json.loads(_deployment({"app": "web"}, {"app": "web"}))
    manifest["spec"]["template"]["spec"]["containers"][0]["readinessProbe"] = {
        "httpGet": {"port": 0},
        "periodSeconds": -5,
    }
    assert _refused(kubectl, json.dumps(manifest)) == (
        'The Deployment "web" is invalid: spec.template.spec.containers[0].readinessProbe.periodSeconds:'
        " Invalid value: -5: must be greater than or equal to 0"
    )


def test_deployment_selector_must_match_template_labels(kubectl: Kubectl) -> None:
    assert _refused(kubectl, _deployment({"app": "web"}, {"app": "other"})) == (
        'The Deployment "web" is invalid: spec.template.metadata.labels: Invalid value: '
        '{"app":"other"}: `selector` does not match template `labels`'
    )
    assert "No resources found" in kubectl("get", "deployments").stderr


def test_workload_templates_keep_their_restart_policy(kubectl: Kubectl) -> None:
    rc = {
        "apiVersion": "v1",
        "kind": "ReplicationController",
        "metadata": {"name": "rc"},
        "spec": {
            "selector": {"app": "rc"},
            "template": {
                "metadata": {"labels": {"app": "rc"}},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "app", "image": "a"}]},
            },
        },
    }
    assert _refused(kubectl, json.dumps(rc), "--dry-run=server") == (
        'The ReplicationController "rc" is invalid: spec.template.spec.restartPolicy: '
        'Unsupported value: "Never": supported values: "Always"'
    )
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "job"},
        "spec": {"template": {"spec": {"restartPolicy": "Always", "containers": [{"name": "app", "image": "a"}]}}},
    }
    assert _refused(kubectl, json.dumps(job), "--dry-run=server") == (
        'The Job "job" is invalid: spec.template.spec.restartPolicy: '
        'Unsupported value: "Always": supported values: "OnFailure", "Never"'
    )


def test_negative_replicas_are_refused(kubectl: Kubectl) -> None:
    manifest = json.loads(_deployment({"app": "web"}, {"app": "web"}))
    manifest["spec"]["replicas"] = -1
    assert _refused(kubectl, json.dumps(manifest), "--dry-run=server") == (
        'The Deployment "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0'
    )


def test_deployment_selector_is_immutable(kubectl: Kubectl) -> None:
    kubectl("create", "-f", "-", input=_deployment({"app": "web"}, {"app": "web"}))
    patch = {"spec": {"selector": {"matchLabels": {"app": "v2"}}, "template": {"metadata": {"labels": {"app": "v2"}}}}}
    result = kubectl("patch", "deployment", "web", "-p", json.dumps(patch), check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        # Composite values are JSON since Kubernetes 1.34 (field/errors.go ErrorBody).
        'The Deployment "web" is invalid: spec.selector: Invalid value: {"matchLabels":{"app":"v2"}}: field is immutable'
    )


def test_apply_force_restores_the_object_when_the_new_one_is_invalid(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", input=_deployment({"app": "web"}, {"app": "web"}))
    # A stale resourceVersion makes every patch conflict, so --force deletes and recreates;
    # the new object is refused, and kubectl puts the old one back.
    stale = _deployment({"app": "wrong"}, {"app": "web-2"}, resourceVersion="1")
    result = kubectl("apply", "--force", "-f", "-", input=stale, check=False, timeout=90)
    assert result.returncode == 1
    assert "`selector` does not match template `labels`" in result.stderr
    restored = json.loads(kubectl("get", "deployment", "web", "-o", "json").stdout)
    assert restored["spec"]["template"]["metadata"]["labels"] == {"app": "web"}


def _statefulset() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "store"},
        "spec": {
            "selector": {"matchLabels": {"app": "store"}},
            "serviceName": "store",
            "template": {
                "metadata": {"labels": {"app": "store"}},
                "spec": {
                    "containers": [
                        {"name": "app", "image": "a", "volumeMounts": [{"name": "state", "mountPath": "/state"}]}
                    ]
                },
            },
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "state"},
                    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
                }
            ],
        },
    }


def test_statefulset_pods_may_mount_their_claim_templates(kubectl: Kubectl) -> None:
    statefulset = _statefulset()
    created = kubectl("create", "-f", "-", "--dry-run=server", input=json.dumps(statefulset))
    assert created.stdout == "statefulset.apps/store created (server dry run)\n"
    statefulset["spec"]["template"]["metadata"]["labels"] = {"app": "other"}  # type: ignore[index]
    assert _refused(kubectl, json.dumps(statefulset), "--dry-run=server") == (
        'The StatefulSet "store" is invalid: spec.template.metadata.labels: Invalid value: '
        '{"app":"other"}: `selector` does not match template `labels`'
    )


def test_a_statefulset_may_change_only_its_replicas_template_and_strategies(kubectl: Kubectl) -> None:
    """ValidateStatefulSetUpdate: the claim templates, service name and pod management policy stay as created."""
    statefulset = _statefulset()
    kubectl("apply", "-f", "-", input=json.dumps(statefulset))
    statefulset["spec"]["replicas"] = 2
    statefulset["spec"]["template"]["spec"]["containers"][0]["image"] = "b"
    statefulset["spec"]["updateStrategy"] = {"type": "OnDelete"}
    statefulset["spec"]["minReadySeconds"] = 5
    assert kubectl("apply", "-f", "-", input=json.dumps(statefulset)).stdout == "statefulset.apps/store configured\n"
    forbidden = (
        'The StatefulSet "store" is invalid: spec: Forbidden: updates to statefulset spec for fields other than'
        " 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit',"
        " 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
    )
    for change in (
        {
            "volumeClaimTemplates": [
                {
                    **statefulset["spec"]["volumeClaimTemplates"][0],
                    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}}},
                }
            ]
        },
        {"serviceName": "elsewhere"},
        {"podManagementPolicy": "Parallel"},
    ):
        changed = {**statefulset, "spec": {**statefulset["spec"], **change}}
        refused = kubectl("apply", "-f", "-", input=json.dumps(changed), check=False)
        assert refused.returncode == 1
        assert refused.stderr.strip().endswith(forbidden), refused.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--schedule=bogus"],
            'spec.schedule: Invalid value: "bogus": expected exactly 5 fields, found 1: [bogus]',
        ),
        (
            ["--schedule=61 * * * *"],
            'spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61',
        ),
        (
            ["--schedule=CRON_TZ=UTC 0 * * * *"],
            'spec.schedule: Invalid value: "CRON_TZ=UTC 0 * * * *": '
            "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
        ),
    ],
)
def test_cronjob_schedules_are_parsed(kubectl: Kubectl, args: list[str], message: str) -> None:
    result = kubectl("create", "cronjob", "tick", "--image=a", *args, "--dry-run=server", check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == f'error: failed to create cronjob: CronJob.batch "tick" is invalid: {message}'


def test_cronjob_time_zone_must_be_known(kubectl: Kubectl) -> None:
    cronjob = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "tick"},
        "spec": {
            "schedule": "0 * * * *",
            "timeZone": "Mars/Olympus_Mons",
            "jobTemplate": {
                "spec": {
                    "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "app", "image": "a"}]}}
                }
            },
        },
    }
    assert _refused(kubectl, json.dumps(cronjob), "--dry-run=server") == (
        'The CronJob "tick" is invalid: spec.timeZone: Invalid value: "Mars/Olympus_Mons": '
        "unknown time zone Mars/Olympus_Mons"
    )
    cronjob["spec"]["timeZone"] = "Europe/Paris"  # type: ignore[index]
    created = kubectl("create", "-f", "-", "--dry-run=server", input=json.dumps(cronjob))
    assert created.stdout == "cronjob.batch/tick created (server dry run)\n"


UPDATABLE = (
    "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,"
    "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),"
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"
)


def test_a_pod_may_change_its_images_and_little_else(kubectl: Kubectl) -> None:
    # ValidatePodUpdate: images, a lower activeDeadlineSeconds and added tolerations go through;
    # anything else in the spec is Forbidden, with the list of what may change and a diff.
    spec = {"containers": [{"name": "app", "image": "registry.example/app:1", "env": [{"name": "MODE", "value": "a"}]}]}
    kubectl("create", "-f", "-", input=_pod({**spec, "activeDeadlineSeconds": 300}))
    kubectl("set", "image", "pod/checked", "app=registry.example/app:2")
    kubectl("patch", "pod", "checked", "-p", '{"spec": {"activeDeadlineSeconds": 100}}')
    kubectl("patch", "pod", "checked", "-p", '{"spec": {"tolerations": [{"key": "k", "operator": "Exists"}]}}')
    image = kubectl("get", "pod", "checked", "-o", "jsonpath={.spec.containers[0].image}").stdout
    assert image == "registry.example/app:2"

    changed_env = '{"spec": {"containers": [{"name": "app", "env": [{"name": "MODE", "value": "b"}]}]}}'
    result = kubectl("patch", "pod", "checked", "-p", changed_env, check=False)
    assert result.returncode == 1
    assert f'The Pod "checked" is invalid: spec: Forbidden: {UPDATABLE}\n' in result.stderr
    assert '"value": "b"' in result.stderr

    raised = kubectl("patch", "pod", "checked", "-p", '{"spec": {"activeDeadlineSeconds": 200}}', check=False)
    assert (
        "spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value" in raised.stderr
    )
    added = '{"spec": {"containers": [{"name": "app", "image": "a"}, {"name": "extra", "image": "b"}]}}'
    more = kubectl("patch", "pod", "checked", "--type", "merge", "-p", added, check=False)
    assert "spec.containers: Forbidden: pod updates may not add or remove containers" in more.stderr


def _with_spec(manifest: str, **spec: object) -> str:
    workload = json.loads(manifest)
    workload["spec"].update(spec)
    return json.dumps(workload)


def _daemon_set(**spec: object) -> str:
    daemon_set = json.loads(_deployment({"app": "agent"}, {"app": "agent"}))
    daemon_set["kind"] = "DaemonSet"
    daemon_set["spec"].update(spec)
    return json.dumps(daemon_set)


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (
            _with_spec(
                _deployment({"app": "web"}, {"app": "web"}),
                strategy={"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}},
            ),
            'The Deployment "web" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0'
            " when `maxSurge` is 0",
        ),
        (
            _with_spec(
                _deployment({"app": "web"}, {"app": "web"}), strategy={"rollingUpdate": {"maxUnavailable": "150%"}}
            ),
            'The Deployment "web" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must'
            " not be greater than 100%",
        ),
        (
            _with_spec(
                _deployment({"app": "web"}, {"app": "web"}),
                strategy={"type": "Recreate", "rollingUpdate": {"maxSurge": 1}},
            ),
            'The Deployment "web" is invalid: spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy'
            " `type` is 'Recreate'",
        ),
        (
            _with_spec(_deployment({"app": "web"}, {"app": "web"}), strategy={"type": "BlueGreen"}),
            'The Deployment "web" is invalid: spec.strategy: Unsupported value: {"Type":"BlueGreen","RollingUpdate":null}:'
            ' supported values: "Recreate", "RollingUpdate"',
        ),
        (
            _with_spec(_deployment({"app": "web"}, {"app": "web"}), minReadySeconds=30, progressDeadlineSeconds=20),
            'The Deployment "web" is invalid: spec.progressDeadlineSeconds: Invalid value: 20: must be greater than'
            " minReadySeconds",
        ),
        (
            _daemon_set(updateStrategy={"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}}),
            'The DaemonSet "web" is invalid: spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set'
            " when maxUnavailable is non-zero",
        ),
        (
            _daemon_set(updateStrategy={"rollingUpdate": {"maxUnavailable": 0}}),
            'The DaemonSet "web" is invalid: spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0'
            " when maxSurge is 0",
        ),
        (
            json.dumps(
                {
                    **_statefulset(),
                    "spec": {**_statefulset()["spec"], "updateStrategy": {"rollingUpdate": {"partition": -1}}},
                }
            ),
            'The StatefulSet "store" is invalid: spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be'
            " greater than or equal to 0",
        ),
    ],
)
def test_rollout_strategies_are_checked(kubectl: Kubectl, manifest: str, message: str) -> None:
    """ValidateDeploymentStrategy, ValidateRollingUpdateDaemonSet and validateRollingUpdateStatefulSet
    (pkg/apis/apps/validation), after the v1 defaults fill in the strategy's type and counts."""
    assert _refused(kubectl, manifest, "--dry-run=server") == message


def test_the_default_strategies_are_accepted(kubectl: Kubectl) -> None:
    created = kubectl(
        "create", "-f", "-", "--dry-run=server", "-o", "json", input=_deployment({"app": "web"}, {"app": "web"})
    )
    assert json.loads(created.stdout)["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
    }
    assert kubectl("create", "-f", "-", "--dry-run=server", input=_daemon_set()).stdout == (
        "daemonset.apps/web created (server dry run)\n"
    )


def test_a_templates_service_account_and_priority_class_names_are_checked(kubectl: Kubectl) -> None:
    deployment = json.loads(_deployment({"app": "web"}, {"app": "web"}))
    deployment["spec"]["template"]["spec"].update(serviceAccountName="Build_Bot", priorityClassName="high")
    subdomain = (
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must"
        " start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is"
        " '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    )
    assert _refused(kubectl, json.dumps(deployment), "--dry-run=server") == (
        f'The Deployment "web" is invalid: spec.template.spec.serviceAccountName: Invalid value: "Build_Bot": {subdomain}'
    )
