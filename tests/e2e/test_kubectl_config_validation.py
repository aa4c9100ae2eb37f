"""Real kubectl meeting ValidateConfigMap and ValidateSecret (pkg/apis/core/validation/validation.go):
data keys, the keys each Secret type requires, and what an update may not change."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.kubectl

Kubectl = Callable[..., subprocess.CompletedProcess[str]]

KEY_MESSAGE = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME', "
    " or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
)


def _refused(kubectl: Kubectl, manifest: dict[str, Any], verb: str = "create") -> str:
    result = kubectl(verb, "-f", "-", input=json.dumps(manifest), check=False)
    assert result.returncode == 1, result.stdout
    return result.stderr.strip()


def test_config_map_keys_must_be_config_keys(kubectl: Kubectl) -> None:
    manifest = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"log level": "x"}}
    assert _refused(kubectl, manifest) == (
        f'The ConfigMap "settings" is invalid: data[log level]: Invalid value: "log level": {KEY_MESSAGE}'
    )
    manifest["data"] = {"..data": "x"}
    assert _refused(kubectl, manifest).endswith("data[..data]: Invalid value: \"..data\": must not start with '..'")


@pytest.mark.parametrize(
    ("secret_type", "message"),
    [
        ("kubernetes.io/tls", "\n* data[tls.crt]: Required value\n* data[tls.key]: Required value"),
        ("kubernetes.io/dockerconfigjson", "data[.dockerconfigjson]: Required value"),
        ("kubernetes.io/basic-auth", "\n* data[username]: Required value\n* data[password]: Required value"),
        ("kubernetes.io/ssh-auth", "data[ssh-privatekey]: Required value"),
        (
            "kubernetes.io/service-account-token",
            "metadata.annotations[kubernetes.io/service-account.name]: Required value",
        ),
    ],
)
def test_a_secret_of_a_type_needs_its_keys(kubectl: Kubectl, secret_type: str, message: str) -> None:
    manifest = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds"}, "type": secret_type}
    assert _refused(kubectl, manifest) == f'The Secret "creds" is invalid: {message}'


@pytest.mark.parametrize(
    ("secret_type", "key", "config", "error"),
    [
        ("kubernetes.io/dockerconfigjson", ".dockerconfigjson", '{"auths": {', "unexpected end of JSON input"),
        (
            "kubernetes.io/dockerconfigjson",
            ".dockerconfigjson",
            "auths: {}",
            "invalid character 'a' looking for beginning of value",
        ),
        (
            "kubernetes.io/dockercfg",
            ".dockercfg",
            '["registry.example"]',
            "json: cannot unmarshal array into Go value of type map[string]interface {}",
        ),
    ],
)
def test_a_docker_config_must_be_a_json_object(
    kubectl: Kubectl, secret_type: str, key: str, config: str, error: str
) -> None:
    manifest = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "pull"},
        "type": secret_type,
        "stringData": {key: config},
    }
    assert _refused(kubectl, manifest) == (
        f'The Secret "pull" is invalid: data[{key}]: Invalid value: "<secret contents redacted>": {error}'
    )


def test_kubectl_create_secret_tls_and_docker_registry_are_accepted(kubectl: Kubectl, tmp_path: Any) -> None:
    (tmp_path / "tls.crt").write_text("certificate")
    (tmp_path / "tls.key").write_text("key")
    created = kubectl(
        "create",
        "secret",
        "generic",
        "tls-like",
        "--type=kubernetes.io/tls",
        f"--from-file={tmp_path / 'tls.crt'}",
        f"--from-file={tmp_path / 'tls.key'}",
    )
    assert created.stdout == "secret/tls-like created\n"
    created = kubectl(
        "create",
        "secret",
        "docker-registry",
        "pull",
        "--docker-server=registry.example",
        "--docker-username=u",
        "--docker-password=p",
    )
    assert created.stdout == "secret/pull created\n"


def test_an_immutable_config_map_keeps_its_data_and_a_secret_its_type(kubectl: Kubectl) -> None:
    config = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "frozen"},
        "immutable": True,
        "data": {"a": "1"},
    }
    kubectl("apply", "-f", "-", input=json.dumps(config))
    config["data"] = {"a": "2"}
    assert _refused(kubectl, config, "apply").endswith(
        'The ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set'
    )
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "typed"}, "stringData": {"a": "1"}}
    kubectl("apply", "-f", "-", input=json.dumps(secret))
    secret["type"] = "kubernetes.io/basic-auth"
    secret["stringData"] = {"username": "u"}
    assert _refused(kubectl, secret, "apply").endswith(
        'The Secret "typed" is invalid: type: Invalid value: "kubernetes.io/basic-auth": field is immutable'
    )
