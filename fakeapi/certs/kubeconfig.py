"""Kubeconfig files through which kubectl, helm and client libraries reach a fake cluster.

Mirrors kubeadm ``phases/kubeconfig`` (``CreateWithCerts`` / ``CreateBasic`` in
``util/kubeconfig``): one cluster with the CA embedded, one user with an embedded client
certificate and key, one context joining them, made current. The layout is client-go's
``clientcmd/api/v1`` ``Config``. Writing follows ``clientcmd.WriteToFile`` (mode 0600: the
file holds a key) but replaces the file atomically, where WriteToFile rewrites it in place and
keeps an existing file's mode: a client that reads it while certificates rotate never sees
half a file, and a file that was readable by others stops being so.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import yaml

from fakeapi.certs.pki import KeyPair, StrPath, write_file_atomic

__all__ = ["KubeconfigPath", "build_kubeconfig", "write_kubeconfig"]


class KubeconfigPath(str, os.PathLike[str]):
    """A kubeconfig's path that is both a ``str`` and an ``os.PathLike``.

    Client libraries take kubeconfig paths in both forms, and some only as ``str``: the
    `kubernetes` client's ``load_kube_config(config_file=...)`` splits the value on ``:`` as it
    splits ``$KUBECONFIG``, so a ``pathlib.Path`` fails there with ``AttributeError``. This
    value goes wherever either is accepted (``open``, ``subprocess`` arguments, ``KUBECONFIG``);
    ``Path(value)`` gives the path operations.
    """

    __slots__ = ()

    def __fspath__(self) -> str:
        return str.__str__(self)


def build_kubeconfig(
    server_url: str,
    ca_pem: bytes,
    client: KeyPair,
    *,
    cluster_name: str = "fakeapi",
    user_name: str = "fakeapi-admin",
    context_name: str = "fakeapi",
) -> dict[str, Any]:
    """Build a kubeconfig that authenticates with a client certificate.

    Args:
        server_url: The API server's URL, ``https://host:port``.
        ca_pem: The PEM bundle of CAs the client trusts for the server's certificate.
        client: The client certificate and key; its subject is the user the server sees.
        cluster_name: The name of the cluster entry.
        user_name: The name of the user entry.
        context_name: The name of the context entry, which is also the current context.

    Returns:
        The kubeconfig as a ``dict`` ready for YAML or JSON, every credential embedded as
        base64 ``*-data`` fields so the file stands on its own.
    """
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": cluster_name,
                "cluster": {"server": server_url, "certificate-authority-data": _b64(ca_pem)},
            }
        ],
        "users": [
            {
                "name": user_name,
                "user": {
                    "client-certificate-data": _b64(client.cert_pem),
                    "client-key-data": _b64(client.key_pem),
                },
            }
        ],
        "contexts": [{"name": context_name, "context": {"cluster": cluster_name, "user": user_name}}],
        "current-context": context_name,
        "preferences": {},
    }


def write_kubeconfig(path: StrPath, config: dict[str, Any]) -> Path:
    """Write ``config`` as YAML to ``path``, private (mode 0600) and atomically.

    Args:
        path: The file to write; missing parent directories are created (mode 0700).
        config: A kubeconfig, as :func:`build_kubeconfig` returns.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.
    """
    text = yaml.safe_dump(config, sort_keys=False, default_flow_style=False)
    return write_file_atomic(path, text.encode("utf-8"), mode=0o600)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
