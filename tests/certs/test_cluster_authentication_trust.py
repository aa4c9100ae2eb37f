"""The merge rules of the cluster-authentication-trust controller and what it publishes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time

from fakeapi.certs.pki import CertificateAuthority, parse_certs_pem
from fakeapi.controllers.clusterauthenticationtrust import (
    CONFIG_MAP_NAME,
    CONFIG_MAP_NAMESPACE,
    combine_cert_lists,
    combine_unique_string_slices,
    filter_expired_certs,
)
from fakeapi.server.instance import FakeAPIServer, ServerConfig

CM_PATH = f"/api/v1/namespaces/{CONFIG_MAP_NAMESPACE}/configmaps/{CONFIG_MAP_NAME}"
START = datetime(2040, 1, 1, tzinfo=UTC)


def test_string_lists_merge_as_an_ordered_union_existing_first() -> None:
    assert combine_unique_string_slices(["X-Remote-User", "X-User"], ["X-Remote-User", "X-Other"]) == [
        "X-Remote-User",
        "X-User",
        "X-Other",
    ]
    assert combine_unique_string_slices(None, None) == []


def test_cert_lists_merge_without_duplicates_or_long_expired_certificates() -> None:
    lasting = CertificateAuthority.create("lasting")
    brief = CertificateAuthority.create("brief", not_before=START, not_after=START + timedelta(hours=1))
    merged = combine_cert_lists(brief.cert_pem + lasting.cert_pem, lasting.cert_pem + brief.cert_pem)
    assert [c.subject.rfc4514_string() for c in parse_certs_pem(merged)] == ["CN=brief", "CN=lasting"]
    with freeze_time(START + timedelta(hours=1, minutes=4, seconds=59), ignore=["kubernetes"]):
        assert len(filter_expired_certs(parse_certs_pem(merged))) == 2
    with freeze_time(START + timedelta(hours=1, minutes=5, seconds=1), ignore=["kubernetes"]):
        assert combine_cert_lists(merged, b"") == lasting.cert_pem
    assert combine_cert_lists(b"", b"") == b""
    with pytest.raises(ValueError):
        combine_cert_lists(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", b"")


@pytest.fixture
def server() -> Iterator[FakeAPIServer]:
    with FakeAPIServer(ServerConfig()) as running:
        yield running
    running.check()


def test_the_published_configmap_is_kube_apiservers(server: FakeAPIServer) -> None:
    data = server.request("GET", CM_PATH).json()["data"]
    assert data == {
        "client-ca-file": server.ca.cert_pem.decode(),
        "requestheader-allowed-names": '["front-proxy-client"]',
        "requestheader-client-ca-file": server.pki.front_proxy_ca.cert_pem.decode(),
        "requestheader-extra-headers-prefix": '["X-Remote-Extra-"]',
        "requestheader-group-headers": '["X-Remote-Group"]',
        "requestheader-uid-headers": "[]",
        "requestheader-username-headers": '["X-Remote-User"]',
    }


def test_what_another_server_published_is_kept(server: FakeAPIServer) -> None:
    other = CertificateAuthority.create("other-ca")
    config_map = server.request("GET", CM_PATH).json()
    config_map["data"]["client-ca-file"] += other.cert_pem.decode()
    config_map["data"]["requestheader-username-headers"] = json.dumps(["X-Proxy-User"])
    config_map["data"]["unrelated"] = "dropped"
    assert server.request("PUT", CM_PATH, config_map).status == 200
    server.authentication_trust.run_once()
    data = server.request("GET", CM_PATH).json()["data"]
    assert data["client-ca-file"] == (server.ca.cert_pem + other.cert_pem).decode()
    assert json.loads(data["requestheader-username-headers"]) == ["X-Proxy-User", "X-Remote-User"]
    assert "unrelated" not in data


def test_an_unchanged_sync_does_not_write(server: FakeAPIServer) -> None:
    before = server.request("GET", CM_PATH).json()["metadata"]["resourceVersion"]
    server.authentication_trust.enqueue()
    server.authentication_trust.run_once()
    assert server.request("GET", CM_PATH).json()["metadata"]["resourceVersion"] == before


def test_bad_content_in_the_configmap_fails_the_sync_and_is_not_overwritten_blindly(server: FakeAPIServer) -> None:
    config_map = server.request("GET", CM_PATH).json()
    config_map["data"]["requestheader-group-headers"] = "not json"
    assert server.request("PUT", CM_PATH, config_map).status == 200
    with pytest.raises(ValueError):
        server.authentication_trust.sync_config_map()
    assert server.request("GET", CM_PATH).json()["data"]["requestheader-group-headers"] == "not json"
