"""The Endpoints and EndpointSlice controllers: what a Service's pods publish, as a real cluster shows it.

Upstream: pkg/controller/endpoint/endpoints_controller.go, pkg/controller/endpointslice and
staging/src/k8s.io/endpointslice/reconciler.go.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from controller_helpers import Api
from workload_helpers import make_ready

from fakeapi.controllers.manager import without_simulation
from fakeapi.pytest_plugin.kube_tools import ToolRunner
from fakeapi.pytest_plugin.plugin import FakeAPI
from fakeapi.server.instance import FakeAPIServer, ServerConfig

NS = "default"
PODS = f"/api/v1/namespaces/{NS}/pods"
SERVICES = f"/api/v1/namespaces/{NS}/services"
ENDPOINTS = f"/api/v1/namespaces/{NS}/endpoints"
SLICES = f"/apis/discovery.k8s.io/v1/namespaces/{NS}/endpointslices"
NODE = "fakeapi-control-plane"


@pytest.fixture
def server() -> Iterator[FakeAPIServer]:
    instance = FakeAPIServer(
        ServerConfig(controllers=without_simulation("endpoint", "endpointslice"), run_controllers=False)
    )
    yield instance
    instance.check()


@pytest.fixture
def api(server: FakeAPIServer) -> Api:
    return Api(server)


def pod(name: str, app: str = "web", **meta: Any) -> dict[str, Any]:
    container = {"name": "c", "image": "nginx", "ports": [{"name": "http", "containerPort": 8080}]}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": app}, **meta},
        "spec": {"containers": [container]},
    }


def service(name: str = "web", **spec: Any) -> dict[str, Any]:
    ports = [{"name": "http", "port": 80, "targetPort": "http"}, {"name": "metrics", "port": 9090}]
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": {"team": "shop"}},
        "spec": {"selector": {"app": "web"}, "ports": ports, **spec},
    }


def ref(p: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "Pod", "namespace": NS, "name": p["metadata"]["name"], "uid": p["metadata"]["uid"]}


def address(p: dict[str, Any]) -> dict[str, Any]:
    return {"ip": p["status"]["podIP"], "nodeName": NODE, "targetRef": ref(p)}


def slices(api: Api, service_name: str = "web") -> list[dict[str, Any]]:
    query = f"labelSelector=kubernetes.io/service-name={service_name}"
    items: list[dict[str, Any]] = api.call("GET", SLICES, query=query)["items"]
    return items


WEB_PORTS = [{"name": "http", "port": 8080, "protocol": "TCP"}, {"name": "metrics", "port": 9090, "protocol": "TCP"}]


def test_ready_and_not_ready_pods_with_a_named_target_port(server: FakeAPIServer, api: Api) -> None:
    for name in ("a", "b", "c"):
        api.create(PODS, pod(name))
    api.create(PODS, pod("other", app="db"))
    svc = api.create(SERVICES, service())
    a = make_ready(server, NS, "a")
    b = make_ready(server, NS, "b", ready=False)
    make_ready(server, NS, "other")
    # c has no IP yet: in neither object.
    server.settle()

    endpoints = api.get(f"{ENDPOINTS}/web")
    assert endpoints["metadata"]["labels"] == {
        "team": "shop",
        "endpoints.kubernetes.io/managed-by": "endpoint-controller",
    }
    assert endpoints["metadata"]["annotations"]["endpoints.kubernetes.io/last-change-trigger-time"]
    assert endpoints["subsets"] == [
        {"addresses": [address(a)], "notReadyAddresses": [address(b)], "ports": WEB_PORTS},
    ]

    (endpoint_slice,) = slices(api)
    assert endpoint_slice["metadata"]["name"].startswith("web-")
    assert len(endpoint_slice["metadata"]["name"]) == len("web-") + 5
    assert endpoint_slice["metadata"]["labels"] == {
        "team": "shop",
        "kubernetes.io/service-name": "web",
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
    }
    assert endpoint_slice["metadata"]["ownerReferences"] == [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "name": "web",
            "uid": svc["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert endpoint_slice["addressType"] == "IPv4"
    assert endpoint_slice["ports"] == WEB_PORTS
    assert endpoint_slice["endpoints"] == [
        {
            "addresses": [a["status"]["podIP"]],
            "conditions": {"ready": True, "serving": True, "terminating": False},
            "targetRef": ref(a),
            "nodeName": NODE,
        },
        {
            "addresses": [b["status"]["podIP"]],
            "conditions": {"ready": False, "serving": False, "terminating": False},
            "targetRef": ref(b),
            "nodeName": NODE,
        },
    ]

    # Nothing changed: another round writes nothing.
    versions = (endpoints["metadata"]["resourceVersion"], endpoint_slice["metadata"]["resourceVersion"])
    server.settle()
    again = (api.get(f"{ENDPOINTS}/web"), slices(api)[0])
    assert (again[0]["metadata"]["resourceVersion"], again[1]["metadata"]["resourceVersion"]) == versions


def test_pod_becoming_ready_updates_the_slice_in_place(server: FakeAPIServer, api: Api) -> None:
    api.create(PODS, pod("a"))
    api.create(SERVICES, service())
    make_ready(server, NS, "a", ready=False)
    server.settle()
    (before,) = slices(api)
    assert api.get(f"{ENDPOINTS}/web")["subsets"][0].get("addresses") is None

    a = make_ready(server, NS, "a")
    server.settle()
    (after,) = slices(api)
    assert after["metadata"]["name"] == before["metadata"]["name"]
    assert after["metadata"]["generation"] == 2
    assert after["endpoints"][0]["conditions"] == {"ready": True, "serving": True, "terminating": False}
    assert api.get(f"{ENDPOINTS}/web")["subsets"] == [{"addresses": [address(a)], "ports": WEB_PORTS}]


def test_terminating_pod(server: FakeAPIServer, api: Api) -> None:
    """A pod being deleted leaves the Endpoints but stays in its slice as serving and terminating."""
    api.create(PODS, pod("a", finalizers=["example.com/hold"]))
    api.create(SERVICES, service())
    a = make_ready(server, NS, "a")
    api.delete(f"{PODS}/a")
    server.settle()

    assert "subsets" not in api.get(f"{ENDPOINTS}/web")
    (endpoint_slice,) = slices(api)
    assert endpoint_slice["endpoints"] == [
        {
            "addresses": [a["status"]["podIP"]],
            "conditions": {"ready": False, "serving": True, "terminating": True},
            "targetRef": ref(a),
            "nodeName": NODE,
        }
    ]

    # publishNotReadyAddresses keeps it ready in both.
    api.merge_patch(f"{SERVICES}/web", {"spec": {"publishNotReadyAddresses": True}})
    server.settle()
    assert api.get(f"{ENDPOINTS}/web")["subsets"] == [{"addresses": [address(a)], "ports": WEB_PORTS}]
    assert slices(api)[0]["endpoints"][0]["conditions"] == {"ready": True, "serving": True, "terminating": True}
    api.merge_patch(f"{PODS}/a", {"metadata": {"finalizers": None}})


def test_finished_pods_and_unresolvable_ports(server: FakeAPIServer, api: Api) -> None:
    """A Succeeded pod publishes nothing; a pod without the named port is only listed for the numeric one."""
    api.create(PODS, pod("done"))
    bare = pod("bare")
    bare["spec"]["containers"][0].pop("ports")
    api.create(PODS, bare)
    api.create(SERVICES, service())
    done = make_ready(server, NS, "done")
    done["status"]["phase"] = "Succeeded"
    api.call("PUT", f"{PODS}/done/status", done)
    b = make_ready(server, NS, "bare")
    server.settle()

    assert api.get(f"{ENDPOINTS}/web")["subsets"] == [
        {"addresses": [address(b)], "ports": [{"name": "metrics", "port": 9090, "protocol": "TCP"}]}
    ]
    (endpoint_slice,) = slices(api)
    assert endpoint_slice["ports"] == [{"name": "metrics", "port": 9090, "protocol": "TCP"}]
    assert [e["targetRef"]["name"] for e in endpoint_slice["endpoints"]] == ["bare"]


def test_selector_change_and_service_deletion(server: FakeAPIServer, api: Api) -> None:
    api.create(PODS, pod("a"))
    api.create(PODS, pod("d", app="db"))
    api.create(SERVICES, service())
    make_ready(server, NS, "a")
    d = make_ready(server, NS, "d")
    server.settle()
    (first,) = slices(api)

    api.merge_patch(f"{SERVICES}/web", {"spec": {"selector": {"app": "db"}}})
    server.settle()
    assert api.get(f"{ENDPOINTS}/web")["subsets"] == [{"addresses": [address(d)], "ports": WEB_PORTS}]
    (second,) = slices(api)
    assert second["metadata"]["name"] == first["metadata"]["name"]
    assert [e["targetRef"]["name"] for e in second["endpoints"]] == ["d"]

    # No pod selected: Endpoints without subsets, and the slice (reused) a placeholder without endpoints or ports.
    api.merge_patch(f"{SERVICES}/web", {"spec": {"selector": {"app": "nothing"}}})
    server.settle()
    assert "subsets" not in api.get(f"{ENDPOINTS}/web")
    (placeholder,) = slices(api)
    assert placeholder["metadata"]["name"] == first["metadata"]["name"]
    assert not placeholder.get("endpoints") and not placeholder.get("ports")

    api.delete(f"{SERVICES}/web")
    server.settle()
    assert api.absent(f"{ENDPOINTS}/web")
    assert slices(api) == []


def test_services_without_selector_and_headless_services(server: FakeAPIServer, api: Api) -> None:
    api.create(PODS, {**pod("a"), "spec": {**pod("a")["spec"], "hostname": "a", "subdomain": "db"}})
    a = make_ready(server, NS, "a")
    manual = service("manual")
    del manual["spec"]["selector"]
    api.create(SERVICES, manual)
    api.create(SERVICES, service("db", clusterIP="None", ports=[]))
    server.settle()

    # Endpoints of a Service without selector belong to whoever wrote them: none are made.
    assert api.absent(f"{ENDPOINTS}/manual")
    assert slices(api, "manual") == []
    # The headless Service publishes its pods without ports, with the pod's hostname.
    headless = api.get(f"{ENDPOINTS}/db")
    assert headless["metadata"]["labels"]["service.kubernetes.io/headless"] == ""
    assert headless["subsets"] == [{"addresses": [{**address(a), "hostname": "a"}]}]
    (endpoint_slice,) = slices(api, "db")
    assert endpoint_slice["metadata"]["labels"]["service.kubernetes.io/headless"] == ""
    assert endpoint_slice["endpoints"][0]["hostname"] == "a"
    assert not endpoint_slice.get("ports")


def test_zone_from_the_node_and_a_hundred_endpoints_per_slice(server: FakeAPIServer, api: Api) -> None:
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": NODE}}
    api.create("/api/v1/nodes", node)
    api.create(SERVICES, service())
    for i in range(101):
        api.create(PODS, pod(f"p{i:03}"))
        make_ready(server, NS, f"p{i:03}")
    server.settle()
    sizes = sorted(len(s["endpoints"]) for s in slices(api))
    assert sizes == [1, 100]
    assert all("zone" not in e for s in slices(api) for e in s["endpoints"])

    api.merge_patch(f"/api/v1/nodes/{NODE}", {"metadata": {"labels": {"topology.kubernetes.io/zone": "zone-a"}}})
    server.settle()
    assert {e.get("zone") for s in slices(api) for e in s["endpoints"]} == {"zone-a"}


@pytest.mark.fakeapi(controllers=without_simulation("endpoint", "endpointslice"))
def test_kubectl_shows_the_ready_pod_ips(fakeapi: FakeAPI, kubectl: ToolRunner) -> None:
    """`kubectl get endpointslices` and `kubectl get endpoints` list the ready pods' IPs."""
    server = fakeapi.server
    for name in ("a", "b"):
        assert server.request("POST", PODS, pod(name)).status == 201
    kubectl("expose", "pod", "a", "--name=web", "--port=80", "--target-port=http", "--selector=app=web")
    ips = [make_ready(server, NS, name)["status"]["podIP"] for name in ("a", "b")]
    server.settle()

    out = kubectl("get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o", "json").stdout
    (item,) = json.loads(out)["items"]
    assert [e["addresses"][0] for e in item["endpoints"]] == ips
    assert item["ports"] == [{"name": "", "port": 8080, "protocol": "TCP"}]
    table = kubectl("get", "endpointslices", "-l", "kubernetes.io/service-name=web").stdout.splitlines()
    assert table[1].split()[1:4] == ["IPv4", "8080", ",".join(ips)]
    assert json.loads(kubectl("get", "endpoints", "web", "-o", "json").stdout)["subsets"][0]["ports"] == [
        {"port": 8080, "protocol": "TCP"}
    ]
