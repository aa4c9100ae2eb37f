"""``fakeapi serve`` with kube-apiserver's flags, driven through real kubectl.

--token-auth-file (tokenfile.go's CSV), --authorization-mode, --service-account-issuer,
--api-audiences and --requestheader-*: the names and formats of kube-apiserver's options
(pkg/kubeapiserver/options/authentication.go, authorization.go).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from kube_tools import tool_path

from fakeapi.authentication.tokenfile import TokenFileError, read_token_file
from fakeapi.endpoints.request import UserInfo

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


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Path]:
    """``fakeapi serve`` in its own process with the flags under test; yields its admin kubeconfig."""
    tokens = tmp_path / "tokens.csv"
    tokens.write_text(TOKENS)
    kubeconfig = tmp_path / "admin.kubeconfig"
    command = [
        sys.executable,
        "-m",
        "fakeapi",
        "serve",
        "--port=0",
        f"--kubeconfig={kubeconfig}",
        f"--token-auth-file={tokens}",
        "--authorization-mode=RBAC",
        "--service-account-issuer=https://issuer.example.com",
        "--service-account-issuer=https://old-issuer.example.com",
        "--api-audiences=https://issuer.example.com,vault",
        "--requestheader-username-headers=X-Proxy-User",
    ]
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


def _kubectl(kubeconfig: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KUBECONFIG": str(kubeconfig), "HOME": str(kubeconfig.parent)}
    cache = f"--cache-dir={kubeconfig.parent / 'cache'}"
    result = subprocess.run(
        [str(tool_path("kubectl")), cache, *args], capture_output=True, text=True, env=env, timeout=60
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def _token_kubeconfig(admin: Path, token: str) -> Path:
    """The admin kubeconfig with a bearer token in place of the client certificate."""
    config = yaml.safe_load(admin.read_text())
    config["users"][0]["user"] = {"token": token}
    path = admin.parent / f"{token}.kubeconfig"
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
