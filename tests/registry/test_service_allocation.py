"""Cluster IPs and node ports: the low end of each range is kept for Services that name theirs.

pkg/registry/core/service/ipallocator and portallocator (calculateRangeOffset): automatic
allocation takes from above the static band first, so a chart's fixed ``nodePort: 30000`` or
``clusterIP: 10.96.0.20`` installed after other Services finds it free, as on a cluster.
"""

from __future__ import annotations

from typing import Any

import pytest

from fakeapi.pytest_plugin.plugin import FakeAPI
from fakeapi.registry.core.service import NodePortAllocator, ServiceIPAllocator, static_band

SERVICES = "/api/v1/namespaces/default/services"


def service(name: str, **spec: Any) -> dict[str, Any]:
    ports = [{"port": 80, **({"nodePort": spec.pop("node_port")} if "node_port" in spec else {})}]
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": {"ports": ports, **spec}}


@pytest.mark.parametrize(
    ("size", "minimum", "maximum", "step", "band"),
    [
        (2768, 16, 128, 32, 86),  # the default node port range, 30000-32767
        (1 << 20, 16, 256, 16, 256),  # a /12 service range
        (256, 16, 256, 16, 16),  # a /24
        (16, 16, 256, 16, 0),  # a /28: too small to keep a band
    ],
)
def test_the_static_band_is_calculate_range_offset(size: int, minimum: int, maximum: int, step: int, band: int) -> None:
    assert static_band(size, minimum=minimum, maximum=maximum, step=step) == band


def test_automatic_allocation_takes_the_dynamic_band_first_then_the_static_one() -> None:
    ips = ServiceIPAllocator("172.30.0.0/24")
    # 254 usable addresses: .17 to .254 first, then .1 to .16.
    handed_out = [ips.allocate(str(i)) for i in range(254)]
    assert handed_out[:2] == ["172.30.0.17", "172.30.0.18"]
    assert handed_out[237:239] == ["172.30.0.254", "172.30.0.1"]
    assert handed_out[-1] == "172.30.0.16"
    ports = NodePortAllocator()
    assert [ports.allocate(str(i)) for i in range(2)] == [30086, 30087]


def test_a_fixed_node_port_and_cluster_ip_are_free_after_automatic_ones(fakeapi: FakeAPI) -> None:
    dynamic = fakeapi.server.request("POST", SERVICES, service("dyn", type="NodePort")).json()
    assert dynamic["spec"]["ports"][0]["nodePort"] == 30086
    assert dynamic["spec"]["clusterIP"] == "10.96.1.1"
    fixed = fakeapi.server.request(
        "POST", SERVICES, service("fixed", type="NodePort", node_port=30000, clusterIP="10.96.0.20")
    )
    assert fixed.status == 201, fixed.json()
    assert fixed.json()["spec"]["ports"][0]["nodePort"] == 30000
