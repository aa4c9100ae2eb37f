"""Defaulting of built-in objects: the fields a real server fills in on every write.

Expectations are pkg/apis/{core,apps,batch}/v1/defaults.go and pkg/registry/batch/job/strategy.go.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from fakeapi.pytest_plugin.plugin import FakeAPI

Kubectl = Callable[..., subprocess.CompletedProcess[str]]

CONTAINER = {"name": "app", "image": "nginx:1.27"}
TEMPLATE = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [CONTAINER]}}
SELECTOR = {"matchLabels": {"app": "web"}}
DEFAULTED_TEMPLATE_SPEC = {
    "containers": [
        {
            **CONTAINER,
            "imagePullPolicy": "IfNotPresent",
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
            "resources": {},
        }
    ],
    "dnsPolicy": "ClusterFirst",
    "restartPolicy": "Always",
    "securityContext": {},
    "terminationGracePeriodSeconds": 30,
    "schedulerName": "default-scheduler",
}


def create(fakeapi: FakeAPI, path: str, obj: dict[str, Any]) -> dict[str, Any]:
    response = fakeapi.server.request("POST", path, obj)
    assert response.status == 201, response.body
    created: dict[str, Any] = response.json()
    return created


def workload(kind: str, name: str = "web", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name},
        "spec": {"selector": SELECTOR, "template": TEMPLATE, **spec},
    }


def apps(resource: str) -> str:
    return f"/apis/apps/v1/namespaces/default/{resource}"


def test_a_deployment_gets_replicas_strategy_and_limits(fakeapi: FakeAPI) -> None:
    spec = create(fakeapi, apps("deployments"), workload("Deployment"))["spec"]
    assert spec == {
        "selector": SELECTOR,
        "template": {"metadata": TEMPLATE["metadata"], "spec": DEFAULTED_TEMPLATE_SPEC},
        "replicas": 1,
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
        "revisionHistoryLimit": 10,
        "progressDeadlineSeconds": 600,
    }
    # The template is not a pod: no admission defaults, no enableServiceLinks.
    assert not {"serviceAccountName", "priority", "enableServiceLinks"} & set(spec["template"]["spec"])


def test_set_values_are_kept_and_a_recreate_strategy_gets_no_rolling_update(fakeapi: FakeAPI) -> None:
    spec = create(
        fakeapi,
        apps("deployments"),
        workload("Deployment", replicas=0, revisionHistoryLimit=0, strategy={"type": "Recreate"}),
    )["spec"]
    assert (spec["replicas"], spec["revisionHistoryLimit"], spec["strategy"]) == (0, 0, {"type": "Recreate"})


def test_defaults_come_back_when_an_update_removes_them(fakeapi: FakeAPI) -> None:
    create(fakeapi, apps("deployments"), workload("Deployment", replicas=3))
    response = fakeapi.server.request(
        "PATCH",
        apps("deployments/web"),
        [{"op": "remove", "path": "/spec/replicas"}],
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert (response.status, response.json()["spec"]["replicas"]) == (200, 1)


def test_the_creator_owns_the_defaulted_fields_an_applier_does_not(fakeapi: FakeAPI) -> None:
    created = create(fakeapi, apps("deployments"), workload("Deployment"))
    (entry,) = created["metadata"]["managedFields"]
    assert {"f:replicas", "f:strategy", "f:revisionHistoryLimit"} <= set(entry["fieldsV1"]["f:spec"])

    applied = fakeapi.server.request(
        "PATCH",
        apps("deployments/applied"),
        workload("Deployment", name="applied"),
        query="fieldManager=tester",
        headers={"Content-Type": "application/apply-patch+yaml"},
    ).json()
    (entry,) = applied["metadata"]["managedFields"]
    assert applied["spec"]["replicas"] == 1
    assert "f:replicas" not in entry["fieldsV1"]["f:spec"]


def test_stateful_sets_daemon_sets_and_replica_sets(fakeapi: FakeAPI) -> None:
    stateful = create(fakeapi, apps("statefulsets"), workload("StatefulSet", serviceName="web"))["spec"]
    assert stateful["podManagementPolicy"] == "OrderedReady"
    assert stateful["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert stateful["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    assert (stateful["replicas"], stateful["revisionHistoryLimit"]) == (1, 10)
    # OnDelete gets no rollingUpdate.
    on_delete = create(
        fakeapi, apps("statefulsets"), workload("StatefulSet", name="od", updateStrategy={"type": "OnDelete"})
    )
    assert on_delete["spec"]["updateStrategy"] == {"type": "OnDelete"}

    daemon = create(fakeapi, apps("daemonsets"), workload("DaemonSet"))["spec"]
    assert daemon["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
    assert daemon["revisionHistoryLimit"] == 10
    assert "replicas" not in daemon

    replica_set = create(fakeapi, apps("replicasets"), workload("ReplicaSet"))["spec"]
    assert replica_set["replicas"] == 1
    assert replica_set["template"]["spec"] == DEFAULTED_TEMPLATE_SPEC


def test_a_replication_controller_takes_selector_and_labels_from_its_template(fakeapi: FakeAPI) -> None:
    rc = {
        "apiVersion": "v1",
        "kind": "ReplicationController",
        "metadata": {"name": "rc"},
        "spec": {"template": TEMPLATE},
    }
    created = create(fakeapi, "/api/v1/namespaces/default/replicationcontrollers", rc)
    assert created["metadata"]["labels"] == {"app": "web"}
    assert (created["spec"]["selector"], created["spec"]["replicas"]) == ({"app": "web"}, 1)


def job(name: str = "migrate", **spec: Any) -> dict[str, Any]:
    template = {"spec": {"restartPolicy": "Never", "containers": [CONTAINER]}}
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name}, "spec": {"template": template, **spec}}


JOBS = "/apis/batch/v1/namespaces/default/jobs"


def test_a_job_gets_its_limits_and_a_selector_of_its_own(fakeapi: FakeAPI) -> None:
    created = create(fakeapi, JOBS, job())
    uid, spec = created["metadata"]["uid"], created["spec"]
    assert {k: spec[k] for k in ("completions", "parallelism", "backoffLimit", "completionMode", "suspend")} == {
        "completions": 1,
        "parallelism": 1,
        "backoffLimit": 6,
        "completionMode": "NonIndexed",
        "suspend": False,
    }
    assert spec["podReplacementPolicy"] == "TerminatingOrFailed"
    labels = {
        "batch.kubernetes.io/controller-uid": uid,
        "batch.kubernetes.io/job-name": "migrate",
        "controller-uid": uid,
        "job-name": "migrate",
    }
    assert spec["template"]["metadata"]["labels"] == labels
    assert spec["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    # With no labels of its own, the Job shows its pods' labels, as a read from storage does upstream.
    assert created["metadata"]["labels"] == labels


def test_job_defaults_that_depend_on_other_fields(fakeapi: FakeAPI) -> None:
    parallel = create(fakeapi, JOBS, job("parallel", parallelism=3))["spec"]
    assert (parallel["parallelism"], "completions" in parallel) == (3, False)
    per_index = create(
        fakeapi, JOBS, job("per-index", completionMode="Indexed", completions=2, backoffLimitPerIndex=1)
    )["spec"]
    assert per_index["backoffLimit"] == 2**31 - 1
    policy = {"rules": [{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [42]}}]}
    with_policy = create(fakeapi, JOBS, job("with-policy", podFailurePolicy=policy))["spec"]
    assert with_policy["podReplacementPolicy"] == "Failed"


def test_a_manual_selector_is_left_alone(fakeapi: FakeAPI) -> None:
    manual = job("manual", manualSelector=True, selector={"matchLabels": {"run": "manual"}})
    manual["spec"]["template"]["metadata"] = {"labels": {"run": "manual"}}
    spec = create(fakeapi, JOBS, manual)["spec"]
    assert spec["selector"] == {"matchLabels": {"run": "manual"}}
    assert spec["template"]["metadata"]["labels"] == {"run": "manual"}


def test_a_cron_job_gets_its_policy_and_history_limits(fakeapi: FakeAPI) -> None:
    cron = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "nightly"},
        "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": job()["spec"]}},
    }
    spec = create(fakeapi, "/apis/batch/v1/namespaces/default/cronjobs", cron)["spec"]
    assert {k: spec[k] for k in ("concurrencyPolicy", "suspend", "successfulJobsHistoryLimit")} == {
        "concurrencyPolicy": "Allow",
        "suspend": False,
        "successfulJobsHistoryLimit": 3,
    }
    assert spec["failedJobsHistoryLimit"] == 1
    job_spec = spec["jobTemplate"]["spec"]
    # The Job defaults are the Job's own: a template of one gets only the pod template defaults.
    assert "backoffLimit" not in job_spec
    assert job_spec["template"]["spec"]["terminationGracePeriodSeconds"] == 30


def test_pods_get_pod_only_defaults_and_what_their_containers_hold(fakeapi: FakeAPI) -> None:
    container = {
        "name": "app",
        "image": "registry.local:5000/team/app",
        "ports": [{"containerPort": 8080}],
        "resources": {"limits": {"cpu": "1"}},
        "readinessProbe": {"httpGet": {"port": 8080}},
        "env": [{"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
    }
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {
            "hostNetwork": True,
            # No token volume from ServiceAccount admission: only what defaulting gives is compared.
            "automountServiceAccountToken": False,
            "containers": [container],
            "volumes": [
                {"name": "scratch"},
                {"name": "config", "configMap": {"name": "c"}},
                {"name": "token", "projected": {"sources": [{"serviceAccountToken": {"path": "t"}}]}},
            ],
        },
    }
    spec = create(fakeapi, "/api/v1/namespaces/default/pods", pod)["spec"]
    (app,) = spec["containers"]
    assert app["imagePullPolicy"] == "Always"  # no tag means latest
    assert app["ports"] == [{"containerPort": 8080, "protocol": "TCP", "hostPort": 8080}]
    assert app["resources"] == {"limits": {"cpu": "1"}, "requests": {"cpu": "1"}}
    assert app["readinessProbe"] == {
        "httpGet": {"port": 8080, "path": "/", "scheme": "HTTP"},
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }
    assert app["env"][0]["valueFrom"]["fieldRef"] == {"fieldPath": "metadata.name", "apiVersion": "v1"}
    assert spec["volumes"] == [
        {"name": "scratch", "emptyDir": {}},
        {"name": "config", "configMap": {"name": "c", "defaultMode": 420}},
        {
            "name": "token",
            "projected": {
                "sources": [{"serviceAccountToken": {"path": "t", "expirationSeconds": 3600}}],
                "defaultMode": 420,
            },
        },
    ]
    assert (spec["enableServiceLinks"], spec["priority"], spec["serviceAccountName"]) == (True, 0, "default")


def test_volume_claims_and_volumes_start_pending(fakeapi: FakeAPI) -> None:
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }
    created = create(fakeapi, "/api/v1/namespaces/default/persistentvolumeclaims", claim)
    assert (created["spec"]["volumeMode"], created["status"]) == ("Filesystem", {"phase": "Pending"})
    volume = {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": "pv"},
        "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/data"}},
    }
    created = create(fakeapi, "/api/v1/persistentvolumes", volume)
    assert created["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert created["spec"]["hostPath"] == {"path": "/data", "type": ""}
    assert created["status"] == {"phase": "Pending"}


@pytest.mark.parametrize(
    ("path", "obj"),
    [
        (apps("deployments"), workload("Deployment", strategy="fast")),
        (apps("daemonsets"), workload("DaemonSet", updateStrategy={"type": "RollingUpdate", "rollingUpdate": 3})),
        (
            "/api/v1/namespaces/default/persistentvolumeclaims",
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {"name": "c"},
                "spec": "big",
            },
        ),
        (JOBS, {**job(), "spec": {"template": {"metadata": "x", "spec": {"containers": [CONTAINER]}}}}),
        (
            "/api/v1/namespaces/default/pods",
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "p"},
                "spec": {"containers": [{**CONTAINER, "resources": [None]}]},
            },
        ),
        (apps("deployments"), {**workload("Deployment"), "metadata": False}),
    ],
)
def test_wrongly_typed_fields_are_refused_not_defaulted_over(fakeapi: FakeAPI, path: str, obj: dict[str, Any]) -> None:
    # A decode error, before the field manager or a strategy sees the object.
    response = fakeapi.server.request("POST", path, obj)
    assert response.status == 400, response.body
    assert response.json()["kind"] == "Status"


@pytest.mark.kubectl
def test_kubectl_create_keeps_zero_replicas_and_gets_the_defaults(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    # kubectl sends these as protobuf: replicas 0 must survive the decoding, not become the default 1.
    kubectl("create", "deployment", "idle", "--image=nginx:1.27", "--replicas=0")
    kubectl("create", "deployment", "web", "--image=nginx:1.27")
    replicas = kubectl("get", "deployments", "-o", "jsonpath={.items[*].spec.replicas}").stdout
    assert replicas == "0 1"
    kubectl("create", "job", "once", "--image=busybox:1.36", "--", "true")
    labels = kubectl("get", "job", "once", "-o", "jsonpath={.spec.template.metadata.labels.job-name}").stdout
    assert labels == "once"
