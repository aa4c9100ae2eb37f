"""Real kubectl 1.37 against an RBAC cluster: who am I, can I, forbidden, impersonation, tokens.

Every expectation is what kubectl prints against a real kube-apiserver 1.37 with RBAC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fakeapi.certs.kubeconfig import build_kubeconfig, write_kubeconfig
from fakeapi.certs.pki import KeyPair
from fakeapi.pytest_plugin.kube_tools import KUBECTL, find_tool, kubectl_runner
from fakeapi.pytest_plugin.kube_tools import ToolRunner as Kubectl
from fakeapi.server.instance import FakeAPIServer, ServerConfig

pytestmark = pytest.mark.kubectl


@pytest.fixture(scope="module")
def server() -> Iterator[FakeAPIServer]:
    find_tool(KUBECTL)  # skips the module before its server starts when there is no kubectl
    with FakeAPIServer(ServerConfig(authorization_mode="RBAC")) as running:
        yield running
    running.check()


@pytest.fixture
def cluster(server: FakeAPIServer) -> Iterator[FakeAPIServer]:
    server.reset()
    yield server
    server.check()


@pytest.fixture
def as_kubeconfig(cluster: FakeAPIServer, tmp_path: Path) -> Callable[[dict[str, Any]], Kubectl]:
    """A kubectl runner for one kubeconfig."""

    def runner(config: dict[str, Any]) -> Kubectl:
        path = write_kubeconfig(tmp_path / f"kubeconfig-{len(list(tmp_path.glob('kubeconfig-*')))}", config)
        return kubectl_runner(path, tmp_path)

    return runner


@pytest.fixture
def admin(cluster: FakeAPIServer, as_kubeconfig: Callable[[dict[str, Any]], Kubectl]) -> Kubectl:
    return as_kubeconfig(cluster.kubeconfig_dict())


def with_cert(server: FakeAPIServer, pair: KeyPair) -> dict[str, Any]:
    return build_kubeconfig(server.url, server.rotation.trust_bundle, pair)


def with_token(server: FakeAPIServer, token: str) -> dict[str, Any]:
    config = build_kubeconfig(server.url, server.rotation.trust_bundle, server.admin_cert)
    config["users"][0]["user"] = {"token": token}
    return config


@pytest.fixture
def alice(cluster: FakeAPIServer, as_kubeconfig: Callable[[dict[str, Any]], Kubectl]) -> Kubectl:
    return as_kubeconfig(with_cert(cluster, cluster.rotation.issue_client_cert("alice", ["devs"])))


def rows(output: str) -> list[list[str]]:
    return [line.split(None, 1) for line in output.splitlines()]


def test_whoami_prints_the_certificates_identity(admin: Kubectl, cluster: FakeAPIServer) -> None:
    output = admin("auth", "whoami").stdout
    lines = output.splitlines()
    assert lines[0].split() == ["ATTRIBUTE", "VALUE"]
    assert lines[1].split(None, 1) == ["Username", "kubernetes-admin"]
    assert lines[2].split(None, 1) == ["Groups", "[system:masters system:authenticated]"]
    assert lines[3].startswith("Extra: authentication.kubernetes.io/credential-id")
    assert lines[3].rstrip().endswith("]") and "[X509SHA256=" in lines[3]


def test_can_i_answers_as_the_bindings_say(admin: Kubectl, alice: Kubectl) -> None:
    denied = alice("auth", "can-i", "get", "pods", check=False)
    assert (denied.returncode, denied.stdout.strip()) == (1, "no")
    admin("create", "rolebinding", "alice-view", "--clusterrole=view", "--user=alice", "-n", "default")
    assert alice("auth", "can-i", "get", "pods").stdout.strip() == "yes"
    assert alice("auth", "can-i", "list", "configmaps", "-n", "default").stdout.strip() == "yes"
    assert alice("auth", "can-i", "get", "secrets", check=False).stdout.strip() == "no"
    assert alice("auth", "can-i", "get", "pods", "-n", "kube-system", check=False).stdout.strip() == "no"
    admin("create", "clusterrolebinding", "devs-edit", "--clusterrole=edit", "--group=devs")
    assert alice("auth", "can-i", "create", "deployments.apps", "-n", "kube-system").stdout.strip() == "yes"
    assert admin("auth", "can-i", "*", "*").stdout.strip() == "yes"


def test_can_i_list_shows_the_users_rules(admin: Kubectl, alice: Kubectl) -> None:
    admin(
        "create",
        "role",
        "cm-reader",
        "--verb=get",
        "--resource=configmaps",
        "--resource-name=settings",
        "-n",
        "default",
    )
    admin("create", "rolebinding", "alice-cm", "--role=cm-reader", "--user=alice", "-n", "default")
    table = rows(alice("auth", "can-i", "--list", "-n", "default").stdout)
    assert table[0] == ["Resources", "Non-Resource URLs   Resource Names   Verbs"]
    assert ["configmaps", "[]                  [settings]       [get]"] in table
    assert ["selfsubjectaccessreviews.authorization.k8s.io", "[]                  []               [create]"] in table
    assert any(row[0] == "[/healthz]" for row in table)


def test_forbidden_is_upstreams_message(alice: Kubectl) -> None:
    result = alice("get", "configmaps", "x", check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        'Error from server (Forbidden): configmaps "x" is forbidden: User "alice" cannot get resource "configmaps" '
        'in API group "" in the namespace "default"'
    )
    listed = alice("get", "nodes", check=False)
    assert listed.stderr.strip() == (
        'Error from server (Forbidden): nodes is forbidden: User "alice" cannot list resource "nodes" '
        'in API group "" at the cluster scope'
    )


def test_impersonation_works_and_is_itself_authorized(admin: Kubectl, alice: Kubectl) -> None:
    lines = admin("auth", "whoami", "--as=bob", "--as-group=devs", "--as-group=ops").stdout.splitlines()
    assert lines[1].split(None, 1) == ["Username", "bob"]
    assert lines[2].split(None, 1) == ["Groups", "[devs ops system:authenticated]"]
    assert admin("auth", "can-i", "get", "pods", "--as=bob", check=False).stdout.strip() == "no"

    refused = alice("get", "pods", "--as=bob", check=False)
    assert refused.stderr.strip() == (
        'Error from server (Forbidden): users "bob" is forbidden: User "alice" cannot impersonate resource "users" '
        'in API group "" at the cluster scope'
    )
    admin("create", "clusterrole", "impersonate-bob", "--verb=impersonate", "--resource=users", "--resource-name=bob")
    admin("create", "clusterrolebinding", "alice-as-bob", "--clusterrole=impersonate-bob", "--user=alice")
    assert alice("auth", "whoami", "--as=bob").stdout.splitlines()[1].split(None, 1) == ["Username", "bob"]
    # whoami reports any refusal of its review in its own words; other commands show the 403.
    whoami = alice("auth", "whoami", "--as=carol", check=False)
    assert whoami.stderr.strip() == (
        "error: the selfsubjectreviews API is not enabled in the cluster or you do not have permission to call it"
    )
    carol = alice("get", "pods", "--as=carol", check=False)
    assert 'users "carol" is forbidden: User "alice" cannot impersonate resource "users"' in carol.stderr
    grouped = alice("get", "pods", "--as=bob", "--as-group=admins", check=False)
    assert 'groups "admins" is forbidden: User "alice" cannot impersonate resource "groups"' in grouped.stderr


def test_create_token_and_use_it(
    admin: Kubectl, cluster: FakeAPIServer, as_kubeconfig: Callable[[dict[str, Any]], Kubectl]
) -> None:
    token = admin("create", "token", "default", "-n", "default").stdout.strip()
    assert token.count(".") == 2
    robot = as_kubeconfig(with_token(cluster, token))
    sa_uid = cluster.request("GET", "/api/v1/namespaces/default/serviceaccounts/default").json()["metadata"]["uid"]
    lines = [line.split(None, 1) for line in robot("auth", "whoami").stdout.splitlines()]
    assert lines[1] == ["Username", "system:serviceaccount:default:default"]
    assert lines[2] == ["UID", sa_uid]
    assert lines[3] == ["Groups", "[system:serviceaccounts system:serviceaccounts:default system:authenticated]"]
    assert lines[4][0] == "Extra:" and lines[4][1].startswith("authentication.kubernetes.io/credential-id")
    denied = robot("get", "pods", check=False)
    assert denied.stderr.strip() == (
        'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:default:default" cannot list '
        'resource "pods" in API group "" in the namespace "default"'
    )
    admin(
        "create", "rolebinding", "robot-view", "--clusterrole=view", "--serviceaccount=default:default", "-n", "default"
    )
    assert robot("get", "pods").returncode == 0


def test_create_token_refusals(admin: Kubectl) -> None:
    short = admin("create", "token", "default", "--duration=1m", check=False)
    assert short.returncode == 1
    assert (
        'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: '
        "may not specify a duration less than 10 minutes" in short.stderr
    )
    missing = admin("create", "token", "nobody", check=False)
    assert 'serviceaccounts "nobody" not found' in missing.stderr


def test_a_bad_token_is_unauthorized(
    cluster: FakeAPIServer, as_kubeconfig: Callable[[dict[str, Any]], Kubectl]
) -> None:
    forged = as_kubeconfig(with_token(cluster, "not-a-token"))
    result = forged("get", "pods", check=False)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "error: You must be logged in to the server (the server has asked for the client to provide credentials)"
    )
