"""``fakeapi serve`` with kube-apiserver's flags, driven through real kubectl and the ``kubernetes`` client.

--token-auth-file (tokenfile.go's CSV), --authorization-mode, --service-account-issuer,
--api-audiences, --requestheader-*, the service-account key files, --service-cluster-ip-range and
the audit log: the names and formats of kube-apiserver's options (pkg/kubeapiserver/options/
authentication.go, authorization.go, apiserver/pkg/server/options/audit.go).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import ipaddress
import json
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from kubernetes import client

from fakeapi.authentication.tokenfile import TokenFileError, read_token_file
from fakeapi.certs.pki import CertificateAuthority, KeyPair
from fakeapi.endpoints.request import UserInfo
from fakeapi.pytest_plugin.kube_tools import kubectl_runner

REPO = Path(__file__).resolve().parents[2]

TOKENS = """\
alice-token,alice,1001,"devs,ops"
,nobody,1002
bob-token,bob,1003
"""


def test_the_token_file_is_read_as_tokenfile_go_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "tokens.csv"
    path.write_text(TOKENS)

    assert read_token_file(path) == {
        "alice-token": UserInfo("alice", ("devs", "ops"), "1001"),
        "bob-token": UserInfo("bob", (), "1003"),
    }


def test_a_token_file_record_needs_three_columns(tmp_path: Path) -> None:
    path = tmp_path / "tokens.csv"
    path.write_text("alice-token,alice\n")

    with pytest.raises(TokenFileError) as caught:
        read_token_file(path)

    assert str(caught.value) == (
        f"token file '{path}' must have at least 3 columns (token, user name, user uid), found 2"
    )


@contextlib.contextmanager
def _serve(directory: Path, *flags: str) -> Iterator[Path]:
    """``fakeapi serve`` in its own process with ``flags``; yields its admin kubeconfig."""
    kubeconfig = directory / "admin.kubeconfig"
    command = [sys.executable, "-m", "fakeapi", "serve", "--port=0", f"--kubeconfig={kubeconfig}", *flags]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("fakeapi serving on https://"), first + (
            process.stderr.read() if process.stderr else ""
        )
        yield kubeconfig
    finally:
        process.terminate()
        process.wait(timeout=10)


def _refused_start(*flags: str) -> str:
    """What ``fakeapi serve`` says when it refuses to start with ``flags`` (it must exit 1)."""
    command = [sys.executable, "-m", "fakeapi", "serve", "--port=0", *flags]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr
    return result.stderr.strip()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Path]:
    """``fakeapi serve`` with the authentication and authorization flags under test."""
    tokens = tmp_path / "tokens.csv"
    tokens.write_text(TOKENS)
    with _serve(
        tmp_path,
        f"--token-auth-file={tokens}",
        "--authorization-mode=RBAC",
        "--service-account-issuer=https://issuer.example.com",
        "--service-account-issuer=https://old-issuer.example.com",
        "--api-audiences=https://issuer.example.com,vault",
        "--requestheader-username-headers=X-Proxy-User",
    ) as kubeconfig:
        yield kubeconfig


def _kubectl(kubeconfig: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return kubectl_runner(kubeconfig, kubeconfig.parent)(*args, check=check)


def _token_kubeconfig(admin: Path, token: str) -> Path:
    """The admin kubeconfig with a bearer token in place of the client certificate."""
    config = yaml.safe_load(admin.read_text())
    config["users"][0]["user"] = {"token": token}
    # Named after the token's digest: a service-account JWT is longer than a file name may be.
    path = admin.parent / f"{hashlib.sha256(token.encode()).hexdigest()[:16]}.kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.mark.kubectl
def test_serve_flags_as_kube_apiserver_reads_them(served: Path) -> None:
    alice = _token_kubeconfig(served, "alice-token")

    whoami = json.loads(_kubectl(alice, "auth", "whoami", "-o", "json").stdout)["status"]["userInfo"]
    assert whoami == {"username": "alice", "uid": "1001", "groups": ["devs", "ops", "system:authenticated"]}
    # RBAC: alice has no role.
    forbidden = _kubectl(alice, "get", "configmaps", check=False)
    assert 'User "alice" cannot list resource "configmaps"' in forbidden.stderr

    token = _kubectl(served, "create", "token", "default", "-n", "default").stdout.strip()
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["iss"] == "https://issuer.example.com"
    assert claims["aud"] == ["https://issuer.example.com", "vault"]

    authentication = json.loads(
        _kubectl(
            served, "get", "configmap", "extension-apiserver-authentication", "-n", "kube-system", "-o", "json"
        ).stdout
    )["data"]
    assert json.loads(authentication["requestheader-username-headers"]) == ["X-Proxy-User"]


def _server_address(kubeconfig: Path) -> tuple[str, int]:
    server = yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
    host, _, port = server.removeprefix("https://").rpartition(":")
    return host.strip("[]"), int(port)


@pytest.mark.kubectl
def test_the_service_cluster_ip_range_gives_the_cluster_ips_and_the_certificate_s_address(tmp_path: Path) -> None:
    """--service-cluster-ip-range: the kubernetes Service takes the first address (ServiceIPRange in
    pkg/controlplane/services.go), kubeadm's kube-dns the tenth (GetDNSIP), new Services the rest, and the
    serving certificate covers the first (the self-signed certificate's alternate IPs)."""
    network = ipaddress.ip_network("172.30.0.0/24")
    with _serve(tmp_path, "--service-cluster-ip-range=172.30.0.0/24") as kubeconfig:
        ip_of = ("-o", "jsonpath={.spec.clusterIP}")
        assert _kubectl(kubeconfig, "get", "service", "kubernetes", *ip_of).stdout == "172.30.0.1"
        assert _kubectl(kubeconfig, "get", "service", "kube-dns", "-n", "kube-system", *ip_of).stdout == "172.30.0.10"
        _kubectl(kubeconfig, "create", "service", "clusterip", "web", "--tcp=80:8080")
        web = ipaddress.ip_address(_kubectl(kubeconfig, "get", "service", "web", *ip_of).stdout)
        assert web in network
        assert str(web) not in ("172.30.0.1", "172.30.0.10")
        refused = _kubectl(
            kubeconfig, "create", "service", "clusterip", "outside", "--tcp=80", "--clusterip=10.96.0.50", check=False
        )
        assert (
            "failed to allocate IP 10.96.0.50: provided IP is not in the valid range. "
            "The range of valid IPs is 172.30.0.0/24" in refused.stderr
        )
        certificate = x509.load_pem_x509_certificate(ssl.get_server_certificate(_server_address(kubeconfig)).encode())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    addresses = names.get_values_for_type(x509.IPAddress)
    assert ipaddress.ip_address("172.30.0.1") in addresses
    assert ipaddress.ip_address("10.96.0.1") not in addresses


def test_a_service_cluster_ip_range_kube_apiserver_refuses_stops_the_start() -> None:
    """validateMaxCIDRRange (cmd/kube-apiserver/app/options/validation.go) and getServiceIPAndRanges."""
    assert _refused_start("--service-cluster-ip-range=10.0.0.0/8") == (
        "fakeapi: specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= 12"
    )
    assert _refused_start("--service-cluster-ip-range=10.96.0.0/33") == (
        "fakeapi: service-cluster-ip-range[0] is not a valid cidr"
    )


def _b64url_int(text: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")


@pytest.mark.kubectl
def test_service_account_tokens_are_signed_with_the_given_key(tmp_path: Path) -> None:
    """--service-account-signing-key-file signs, --service-account-key-file verifies, /openid/v1/jwks
    publishes the verifying key (pkg/serviceaccount/openidmetadata.go, go-jose's JSONWebKey)."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signing = tmp_path / "sa.key"
    signing.write_bytes(
        private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
    )
    public = tmp_path / "sa.pub"
    public.write_bytes(
        private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    with _serve(
        tmp_path, f"--service-account-signing-key-file={signing}", f"--service-account-key-file={public}"
    ) as kubeconfig:
        token = _kubectl(kubeconfig, "create", "token", "default", "-n", "default").stdout.strip()
        keyset = json.loads(_kubectl(kubeconfig, "get", "--raw", "/openid/v1/jwks").stdout)
        discovery = json.loads(_kubectl(kubeconfig, "get", "--raw", "/.well-known/openid-configuration").stdout)
        whoami = _kubectl(_token_kubeconfig(kubeconfig, token), "auth", "whoami", "-o", "json").stdout

    header, payload, signature = token.split(".")
    # Verifies with the public key alone: RS256 is PKCS#1 v1.5 over SHA-256.
    private_key.public_key().verify(
        base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)),
        f"{header}.{payload}".encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    kid = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]
    [key] = keyset["keys"]
    assert list(key) == ["use", "kty", "kid", "alg", "n", "e"]
    assert (key["use"], key["kty"], key["kid"], key["alg"]) == ("sig", "RSA", kid, "RS256")
    numbers = private_key.public_key().public_numbers()
    assert (_b64url_int(key["n"]), _b64url_int(key["e"])) == (numbers.n, numbers.e)
    assert discovery["id_token_signing_alg_values_supported"] == ["RS256"]
    assert discovery["jwks_uri"].endswith("/openid/v1/jwks")
    assert json.loads(whoami)["status"]["userInfo"]["username"] == "system:serviceaccount:default:default"


def test_a_signing_key_needs_the_key_file_that_verifies_it(tmp_path: Path) -> None:
    """ServiceAccountAuthenticationOptions.Validate (pkg/kubeapiserver/options/authentication.go)."""
    signing = tmp_path / "sa.key"
    signing.write_text("not a key\n")
    assert _refused_start(f"--service-account-signing-key-file={signing}") == (
        "fakeapi: service-account-key-file is a required flag"
    )
    assert _refused_start(f"--service-account-signing-key-file={signing}", f"--service-account-key-file={signing}") == (
        f"fakeapi: error reading private key file {signing}: data does not contain a valid RSA or ECDSA private key"
    )


def _front_proxy_client(kubeconfig: Path, pair: KeyPair, directory: Path) -> client.AuthenticationV1Api:
    """The ``kubernetes`` client as a front proxy: its client certificate, and the user in X-Remote-* headers."""
    cert_file, key_file = pair.write_to(directory, base_name=pair.certificate.subject.rfc4514_string())
    cluster = yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]
    ca_file = directory / "cluster-ca.crt"
    ca_file.write_bytes(base64.b64decode(cluster["certificate-authority-data"]))
    configuration = client.Configuration()
    configuration.host = cluster["server"]
    configuration.ssl_ca_cert = str(ca_file)
    configuration.cert_file, configuration.key_file = str(cert_file), str(key_file)
    api_client = client.ApiClient(configuration)
    api_client.set_default_header("X-Remote-User", "alice")
    api_client.set_default_header("X-Remote-Group", "devs")
    return client.AuthenticationV1Api(api_client)


def test_front_proxy_certificates_are_checked_against_the_requestheader_client_ca_file(tmp_path: Path) -> None:
    """--requestheader-client-ca-file and --requestheader-allowed-names (headerrequest/requestheader.go): a
    client certificate from that CA with an allowed common name may name the user in X-Remote-* headers."""
    front_proxy_ca = CertificateAuthority.create("my-front-proxy-ca")
    ca_file = tmp_path / "front-proxy-ca.crt"
    ca_file.write_bytes(front_proxy_ca.cert_pem)
    review = client.V1SelfSubjectReview(api_version="authentication.k8s.io/v1", kind="SelfSubjectReview")
    with _serve(
        tmp_path, f"--requestheader-client-ca-file={ca_file}", "--requestheader-allowed-names=my-proxy"
    ) as kubeconfig:
        proxy = _front_proxy_client(kubeconfig, front_proxy_ca.issue_client_cert("my-proxy"), tmp_path)
        user = proxy.create_self_subject_review(review).status.user_info
        intruder = _front_proxy_client(kubeconfig, front_proxy_ca.issue_client_cert("intruder"), tmp_path)
        with pytest.raises(client.ApiException) as refused:
            intruder.create_self_subject_review(review)
    assert (user.username, user.groups) == ("alice", ["devs", "system:authenticated"])
    assert refused.value.status == 401


AUDIT_POLICY = """\
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  # kubectl's discovery is not worth a line.
  - level: None
    nonResourceURLs: ["/api", "/api/*", "/apis", "/apis/*", "/openapi/*", "/version"]
  - level: None
    users: ["system:apiserver"]
  - level: RequestResponse
    resources:
      - group: ""
        resources: ["configmaps"]
    namespaces: ["audited"]
    omitManagedFields: true
  - level: Metadata
"""


def _audit_events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.kubectl
def test_the_audit_log_holds_the_events_the_policy_asks_for(tmp_path: Path) -> None:
    """--audit-policy-file and --audit-log-path: audit.k8s.io/v1 Events as JSON lines at the policy's levels
    and stages (apiserver/pkg/audit/policy/checker.go, endpoints/filters/audit.go, audit/request.go)."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(AUDIT_POLICY)
    log = tmp_path / "audit" / "audit.log"
    with _serve(tmp_path, f"--audit-policy-file={policy}", f"--audit-log-path={log}") as kubeconfig:
        _kubectl(kubeconfig, "create", "namespace", "audited")
        _kubectl(kubeconfig, "create", "configmap", "settings", "-n", "audited", "--from-literal=a=1")
        _kubectl(kubeconfig, "get", "configmap", "missing", "-n", "audited", check=False)
        _kubectl(kubeconfig, "get", "configmaps", "-n", "audited", "--watch", "--request-timeout=1s", check=False)
        # kubectl exits when its own timeout ends the watch; the server completes the request when it
        # notices the hang-up, a moment later.
        deadline = time.monotonic() + 10
        while not any(e["verb"] == "watch" and e["stage"] == "ResponseComplete" for e in _audit_events(log)):
            assert time.monotonic() < deadline, "the watch's ResponseComplete was never logged"
            time.sleep(0.02)
        events = _audit_events(log)

    assert log.stat().st_mode & 0o777 == 0o600
    assert all(e["kind"] == "Event" and e["apiVersion"] == "audit.k8s.io/v1" for e in events)
    assert not [e for e in events if e["stage"] == "RequestReceived"]  # omitted by the policy
    assert not [e for e in events if e["user"]["username"] == "system:apiserver"]
    assert not [e for e in events if e["requestURI"].startswith(("/api?", "/apis?", "/openapi/"))]
    by_verb = {(e["verb"], e["objectRef"].get("resource"), e["stage"]): e for e in events if "objectRef" in e}
    namespace = by_verb[("create", "namespaces", "ResponseComplete")]
    assert namespace["level"] == "Metadata"
    assert namespace["objectRef"] == {"resource": "namespaces", "name": "audited", "apiVersion": "v1"}
    assert namespace["responseStatus"] == {"metadata": {}, "code": 201}
    assert "requestObject" not in namespace and "responseObject" not in namespace
    assert namespace["user"]["username"] == "kubernetes-admin"
    assert namespace["userAgent"].startswith("kubectl/")
    assert namespace["sourceIPs"] == ["127.0.0.1"]

    created = by_verb[("create", "configmaps", "ResponseComplete")]
    assert created["level"] == "RequestResponse"
    assert created["requestObject"]["data"] == {"a": "1"}
    assert created["responseObject"]["metadata"]["uid"]
    assert "managedFields" not in created["responseObject"]["metadata"]  # omitManagedFields
    missing = by_verb[("get", "configmaps", "ResponseComplete")]
    assert missing["responseStatus"]["code"] == 404
    assert missing["responseStatus"]["reason"] == "NotFound"
    assert missing["responseStatus"]["message"] == 'configmaps "missing" not found'
    # A watch is long-running: its start is an event of its own.
    started = by_verb[("watch", "configmaps", "ResponseStarted")]
    completed = by_verb[("watch", "configmaps", "ResponseComplete")]
    assert started["auditID"] == completed["auditID"]
    assert "responseObject" not in completed
    assert started["stageTimestamp"] <= completed["stageTimestamp"]


def test_an_invalid_audit_policy_stops_the_start(tmp_path: Path) -> None:
    """LoadPolicyFromFile's messages (apiserver/pkg/audit/policy/reader.go, apis/audit/validation)."""
    policy = tmp_path / "policy.yaml"
    policy.write_text("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: Everything\n")
    log = f"--audit-log-path={tmp_path / 'audit.log'}"
    assert _refused_start(f"--audit-policy-file={policy}", log) == (
        'fakeapi: rules[0].level: Unsupported value: "Everything": supported values: '
        f'"None", "Metadata", "Request", "RequestResponse": from file {policy}'
    )
    policy.write_text("apiVersion: audit.k8s.io/v1\nkind: Policy\n")
    assert _refused_start(f"--audit-policy-file={policy}", log) == (
        f"fakeapi: loaded illegal policy with 0 rules: from file {policy}"
    )


@pytest.mark.kubectl
def test_the_controllers_flag_switches_loops_off_as_kube_controller_managers_does(tmp_path: Path) -> None:
    # --controllers (cmd/kube-controller-manager/app/options): '*' and '-name'; here the scheduler is left out.
    with _serve(tmp_path, "--controllers=*,-scheduler") as kubeconfig:
        _kubectl(kubeconfig, "run", "web", "--image=nginx")
        time.sleep(0.5)  # the kubelets and the other controllers run meanwhile
        node = _kubectl(kubeconfig, "get", "pod", "web", "-o", "jsonpath={.spec.nodeName}/{.status.phase}").stdout
        assert node == "/Pending"
        assert _kubectl(kubeconfig, "get", "nodes", "-o", "name").stdout.strip() == "node/fakeapi-control-plane"


def test_an_unknown_controller_stops_the_start() -> None:
    refused = _refused_start("--controllers=*,-bogus")
    assert refused.startswith('fakeapi: "bogus" is not in the list of known controllers (known: ')
