"""Tests for fakeapi.certs.kubeconfig, read back by the kubernetes client and by kubectl."""

from __future__ import annotations

import base64
import json
import os
import stat
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import yaml
from kubernetes import client as k8s_client
from kubernetes import config as k8s_config

from fakeapi.certs.kubeconfig import build_kubeconfig, write_kubeconfig
from fakeapi.certs.pki import CertificateAuthority, KeyPair, default_serving_hosts, user_from_certificate
from fakeapi.certs.tls import server_ssl_context
from fakeapi.pytest_plugin.kube_tools import kubectl_runner

SERVER_URL = "https://127.0.0.1:6443"
VERSION_INFO = {
    "major": "1",
    "minor": "37",
    "gitVersion": "v1.37.0",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "go1.25.0",
    "compiler": "gc",
    "platform": "linux/amd64",
}


@pytest.fixture(scope="module")
def ca() -> CertificateAuthority:
    return CertificateAuthority.create()


@pytest.fixture(scope="module")
def admin(ca: CertificateAuthority) -> KeyPair:
    return ca.issue_client_cert("kubernetes-admin", ["kubeadm:cluster-admins"])


class VersionServer:
    """An HTTPS server that answers GET /version and records who asked, by client certificate."""

    def __init__(self, ca: CertificateAuthority) -> None:
        self.users: list[str] = []
        users = self.users

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                peer = self.request.getpeercert(binary_form=True)
                users.append(user_from_certificate(peer)[0] if peer else "system:anonymous")
                body = json.dumps(VERSION_INFO).encode()
                # The Python client asks for /version/, kubectl for /version?timeout=...
                self.send_response(200 if self.path.split("?")[0].rstrip("/") == "/version" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output clean

        self._httpd = HTTPServer(("127.0.0.1", 0), Handler)
        context = server_ssl_context(ca.issue_serving_cert(*default_serving_hosts()), ca.cert_pem)
        self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)


@pytest.fixture
def version_server(ca: CertificateAuthority) -> Iterator[VersionServer]:
    server = VersionServer(ca)
    yield server
    server.stop()


def test_build_kubeconfig_layout(ca: CertificateAuthority, admin: KeyPair) -> None:
    config = build_kubeconfig(SERVER_URL, ca.cert_pem, admin)
    assert config["apiVersion"] == "v1"
    assert config["kind"] == "Config"
    assert config["current-context"] == "fakeapi"
    assert config["clusters"] == [
        {
            "name": "fakeapi",
            "cluster": {
                "server": SERVER_URL,
                "certificate-authority-data": base64.b64encode(ca.cert_pem).decode(),
            },
        }
    ]
    (user,) = config["users"]
    assert user["name"] == "fakeapi-admin"
    assert base64.b64decode(user["user"]["client-certificate-data"]) == admin.cert_pem
    assert base64.b64decode(user["user"]["client-key-data"]) == admin.key_pem
    assert config["contexts"] == [{"name": "fakeapi", "context": {"cluster": "fakeapi", "user": "fakeapi-admin"}}]


def test_build_kubeconfig_names(ca: CertificateAuthority, admin: KeyPair) -> None:
    config = build_kubeconfig(SERVER_URL, ca.cert_pem, admin, cluster_name="c", user_name="u", context_name="x")
    assert config["current-context"] == "x"
    assert config["contexts"] == [{"name": "x", "context": {"cluster": "c", "user": "u"}}]
    assert [config["clusters"][0]["name"], config["users"][0]["name"]] == ["c", "u"]


def test_write_kubeconfig_is_private_and_atomic(tmp_path: Path, ca: CertificateAuthority, admin: KeyPair) -> None:
    path = tmp_path / ".kube" / "config"
    path.parent.mkdir()
    path.write_text("stale: true\n")
    path.chmod(0o644)
    config = build_kubeconfig(SERVER_URL, ca.cert_pem, admin)
    assert write_kubeconfig(path, config) == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert yaml.safe_load(path.read_text()) == config
    assert os.listdir(path.parent) == ["config"]


def test_kubernetes_client_loads_the_kubeconfig(tmp_path: Path, ca: CertificateAuthority, admin: KeyPair) -> None:
    path = write_kubeconfig(tmp_path / "config", build_kubeconfig(SERVER_URL, ca.cert_pem, admin))
    api = k8s_config.new_client_from_config(config_file=str(path), persist_config=False)
    with api:
        assert isinstance(api, k8s_client.ApiClient)
        configuration = api.configuration
        assert configuration.host == SERVER_URL
        assert configuration.verify_ssl
        assert Path(configuration.ssl_ca_cert).read_bytes() == ca.cert_pem
        assert Path(configuration.cert_file).read_bytes() == admin.cert_pem
        assert Path(configuration.key_file).read_bytes() == admin.key_pem


def test_kubernetes_client_talks_tls_with_the_kubeconfig(
    tmp_path: Path, ca: CertificateAuthority, admin: KeyPair, version_server: VersionServer
) -> None:
    path = write_kubeconfig(tmp_path / "config", build_kubeconfig(version_server.url, ca.cert_pem, admin))
    with k8s_config.new_client_from_config(config_file=str(path), persist_config=False) as api:
        info = k8s_client.VersionApi(api).get_code(_request_timeout=5)
    assert info.git_version == "v1.37.0"
    assert version_server.users == ["kubernetes-admin"]


@pytest.mark.kubectl
def test_kubectl_talks_tls_with_the_kubeconfig(
    tmp_path: Path, ca: CertificateAuthority, admin: KeyPair, version_server: VersionServer
) -> None:
    path = write_kubeconfig(tmp_path / "config", build_kubeconfig(version_server.url, ca.cert_pem, admin))
    result = kubectl_runner(path, tmp_path)("version", "--output=json")
    assert json.loads(result.stdout)["serverVersion"]["gitVersion"] == "v1.37.0"
    assert version_server.users == ["kubernetes-admin"]
