"""The default scheduler: pods bound to nodes that fit, and upstream's message when none does.

Messages and reasons follow pkg/scheduler/framework/types.go (FitError.Error) and the plugins
under pkg/scheduler/framework/plugins (nodeaffinity, tainttoleration, noderesources/fit.go,
nodeunschedulable, defaultpreemption).
"""

from __future__ import annotations

from scheduling_helpers import (
    call,
    create_node,
    create_pod,
    get_pod,
    node_of,
    scheduled_condition,
    scheduler_events,
)

from fakeapi.server.instance import FakeAPIServer

# The loopback client's agent names the service account a component runs as.
SCHEDULER_AGENT = "/system:serviceaccount:kube-system:kube-scheduler"
CONTROL_PLANE_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}


def test_a_pod_is_bound_to_the_node_its_requests_fit(server: FakeAPIServer) -> None:
    create_node(server, "small", cpu="1", memory="1Gi")
    create_node(server, "large", cpu="4", memory="8Gi")
    create_pod(server, "web", requests={"cpu": "2", "memory": "512Mi"})

    server.settle()

    pod = get_pod(server, "web")
    assert pod["spec"]["nodeName"] == "large"
    condition = scheduled_condition(server, "web")
    assert condition is not None and condition["status"] == "True"
    assert scheduler_events(server) == [("Normal", "Scheduled", "web", "Successfully assigned default/web to large")]
    event = call(server, "GET", "/apis/events.k8s.io/v1/namespaces/default/events")["items"][0]
    assert (event["action"], event["reportingInstance"]) == ("Binding", "default-scheduler-fakeapi-control-plane")
    assert event["regarding"]["uid"] == pod["metadata"]["uid"]
    # The binding was made by the scheduler's own identity, through the binding subresource.
    bindings = server.audit_log.requests("create", "pods", subresource="binding")
    assert [(e.name, e.user_agent.endswith(SCHEDULER_AGENT), e.code) for e in bindings] == [("web", True, 201)]


def test_requests_count_init_containers_overhead_and_bound_pods(server: FakeAPIServer) -> None:
    create_node(server, "only", cpu="2", memory="4Gi", pods="3")
    # A running pod already holds 1 CPU of the node's 2.
    create_pod(server, "holder", requests={"cpu": "1"})
    server.settle()
    assert node_of(server, "holder") == "only"
    # Its init container needs 1500m alone, which no longer fits: the largest init container counts.
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "init-heavy"},
        "spec": {
            "initContainers": [{"name": "setup", "image": "busybox", "resources": {"requests": {"cpu": "1500m"}}}],
            "containers": [{"name": "app", "image": "nginx", "resources": {"requests": {"cpu": "100m"}}}],
        },
    }
    call(server, "POST", "/api/v1/namespaces/default/pods", pod, status=201)
    # 800m plus 300m of overhead (the RuntimeClass admission plugin gives the pod its class's) does not fit
    # in the 1 CPU left either.
    runtime_class = {
        "apiVersion": "node.k8s.io/v1",
        "kind": "RuntimeClass",
        "metadata": {"name": "sandboxed"},
        "handler": "runsc",
        "overhead": {"podFixed": {"cpu": "300m"}},
    }
    call(server, "POST", "/apis/node.k8s.io/v1/runtimeclasses", runtime_class, status=201)
    create_pod(server, "overhead", requests={"cpu": "800m"}, runtimeClassName="sandboxed")

    server.settle()

    assert node_of(server, "init-heavy") is None
    assert node_of(server, "overhead") is None
    message = "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
    assert scheduled_condition(server, "init-heavy") == {
        "type": "PodScheduled",
        "status": "False",
        "lastProbeTime": None,
        "lastTransitionTime": scheduled_condition(server, "init-heavy")["lastTransitionTime"],  # type: ignore[index]
        "reason": "Unschedulable",
        "message": message,
    }
    assert scheduled_condition(server, "overhead")["message"] == message  # type: ignore[index]


def test_the_pod_count_of_a_node_is_a_limit(server: FakeAPIServer) -> None:
    create_node(server, "tiny", pods="1")
    create_pod(server, "first")
    create_pod(server, "second")

    server.settle()

    assert node_of(server, "first") == "tiny"
    assert scheduled_condition(server, "second")["message"] == (  # type: ignore[index]
        "0/1 nodes are available: 1 Too many pods. "
        "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
    )


def test_node_selector_and_required_affinity(server: FakeAPIServer) -> None:
    create_node(server, "ssd-1", labels={"disk": "ssd", "zone": "a"})
    create_node(server, "ssd-2", labels={"disk": "ssd", "zone": "b"})
    create_node(server, "hdd-1", labels={"disk": "hdd", "zone": "b"})
    create_pod(server, "selected", nodeSelector={"disk": "hdd"})
    create_pod(
        server,
        "affine",
        affinity={
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]},
                        # ORed with the first term; this one names a node through matchFields.
                        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["hdd-1"]}]},
                    ]
                }
            }
        },
        nodeSelector={"zone": "b"},
    )
    create_pod(server, "nowhere", nodeSelector={"disk": "nvme"})

    server.settle()

    assert node_of(server, "selected") == "hdd-1"
    # zone b leaves ssd-2 and hdd-1; both match a term; hdd-1 already runs a pod, so ssd-2 is less allocated.
    assert node_of(server, "affine") == "ssd-2"
    assert node_of(server, "nowhere") is None
    assert scheduled_condition(server, "nowhere")["message"] == (  # type: ignore[index]
        "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    )


def test_preferred_affinity_wins_over_a_less_loaded_node(server: FakeAPIServer) -> None:
    create_node(server, "busy", labels={"tier": "gold"})
    create_node(server, "idle")
    create_pod(server, "filler", nodeName="busy")
    preference = {"weight": 50, "preference": {"matchExpressions": [{"key": "tier", "operator": "Exists"}]}}
    create_pod(
        server, "picky", affinity={"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [preference]}}
    )

    server.settle()

    assert node_of(server, "picky") == "busy"


def test_taints_and_tolerations(server: FakeAPIServer) -> None:
    create_node(server, "control-plane", taints=[CONTROL_PLANE_TAINT])
    create_node(server, "gpu", taints=[{"key": "gpu", "value": "true", "effect": "NoExecute"}])
    create_node(server, "worker", cpu="1")
    create_node(server, "soft", taints=[{"key": "spot", "value": "yes", "effect": "PreferNoSchedule"}])
    create_pod(server, "greedy", requests={"cpu": "2"})
    tolerating = [{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}]
    create_pod(
        server,
        "admin",
        requests={"cpu": "2"},
        tolerations=tolerating,
        nodeSelector={"kubernetes.io/hostname": "control-plane"},
    )
    create_pod(server, "trainer", tolerations=[{"key": "gpu", "operator": "Equal", "value": "true"}])
    create_pod(server, "plain")

    server.settle()

    # greedy fits on soft only (worker has 1 CPU, the others are tainted): PreferNoSchedule does not filter.
    assert node_of(server, "greedy") == "soft"
    assert node_of(server, "admin") == "control-plane"
    # trainer tolerates gpu: gpu is the least allocated of gpu, worker and soft (whose PreferNoSchedule taint
    # counts against it too).
    assert node_of(server, "trainer") == "gpu"
    # plain does not tolerate gpu or control-plane, and soft scores lower because of its taint.
    assert node_of(server, "plain") == "worker"


def test_untolerated_taints_and_insufficient_resources_in_one_message(server: FakeAPIServer) -> None:
    create_node(server, "kind-control-plane", taints=[CONTROL_PLANE_TAINT])
    create_node(server, "other-control-plane", taints=[CONTROL_PLANE_TAINT])
    create_node(server, "worker", cpu="1")
    create_pod(server, "filler", requests={"cpu": "600m"})
    create_pod(server, "heavy", requests={"cpu": "500m"})

    server.settle()

    assert node_of(server, "filler") == "worker"
    message = (
        "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint "
        "{node-role.kubernetes.io/control-plane: }. preemption: 0/3 nodes are available: "
        "1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling."
    )
    assert scheduled_condition(server, "heavy")["message"] == message  # type: ignore[index]
    assert ("Warning", "FailedScheduling", "heavy", message) in scheduler_events(server)


def test_cordoned_nodes_take_only_pods_that_tolerate_it(server: FakeAPIServer) -> None:
    create_node(server, "cordoned", unschedulable=True)
    create_pod(server, "plain")
    toleration = {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"}
    create_pod(server, "daemon", tolerations=[toleration])

    server.settle()

    assert node_of(server, "daemon") == "cordoned"
    assert scheduled_condition(server, "plain")["message"] == (  # type: ignore[index]
        "0/1 nodes are available: 1 node(s) were unschedulable. "
        "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
    )


def test_pods_with_a_node_or_another_scheduler_are_left_alone(server: FakeAPIServer) -> None:
    create_node(server, "a")
    create_node(server, "b")
    create_pod(server, "pinned", nodeName="b")
    create_pod(server, "custom", schedulerName="my-scheduler")

    server.settle()

    assert node_of(server, "pinned") == "b"
    assert scheduled_condition(server, "pinned") is None
    assert node_of(server, "custom") is None
    assert scheduled_condition(server, "custom") is None
    assert scheduler_events(server) == []
    assert [e for e in server.audit_log.requests() if e.user_agent.endswith(SCHEDULER_AGENT)] == []


def test_an_unschedulable_pod_is_retried_when_a_node_is_added(server: FakeAPIServer) -> None:
    create_pod(server, "waiting", requests={"cpu": "3"})
    server.settle()
    assert scheduled_condition(server, "waiting")["message"] == "no nodes available to schedule pods"  # type: ignore[index]

    create_node(server, "small", cpu="2")
    server.settle()
    assert node_of(server, "waiting") is None
    assert scheduled_condition(server, "waiting")["message"].startswith("0/1 nodes are available: 1 Insufficient cpu.")  # type: ignore[index]

    create_node(server, "big", cpu="8")
    server.settle()
    assert node_of(server, "waiting") == "big"
    assert scheduled_condition(server, "waiting")["status"] == "True"  # type: ignore[index]
    assert [e[1] for e in scheduler_events(server)] == ["FailedScheduling", "FailedScheduling", "Scheduled"]


def test_an_unschedulable_pod_is_retried_when_a_bound_pod_goes(server: FakeAPIServer) -> None:
    create_node(server, "only", cpu="1")
    create_pod(server, "first", requests={"cpu": "800m"})
    server.settle()
    create_pod(server, "second", requests={"cpu": "800m"})
    server.settle()
    assert node_of(server, "second") is None

    call(server, "DELETE", "/api/v1/namespaces/default/pods/first")
    server.settle()

    assert node_of(server, "second") == "only"


def test_spread_is_deterministic(server: FakeAPIServer) -> None:
    for name in ("node-c", "node-a", "node-b"):
        create_node(server, name)
    for i in range(7):
        create_pod(server, f"replica-{i}")

    server.settle()

    # Without requests each pod counts 100m / 200Mi: least allocated first, ties by node name.
    placement = {f"replica-{i}": node_of(server, f"replica-{i}") for i in range(7)}
    assert placement == {
        "replica-0": "node-a",
        "replica-1": "node-b",
        "replica-2": "node-c",
        "replica-3": "node-a",
        "replica-4": "node-b",
        "replica-5": "node-c",
        "replica-6": "node-a",
    }
