"""ServiceAccount admission (plugin/pkg/admission/serviceaccount/admission.go).

A pod runs as ``default`` unless it names an account, and, unless the pod or its ServiceAccount
says ``automountServiceAccountToken: false``, gets the ``kube-api-access-<suffix>`` projected
volume (a bound token, the cluster CA from ``kube-root-ca.crt`` and the namespace) mounted read-only
at /var/run/secrets/kubernetes.io/serviceaccount in every container and init container that has
nothing mounted there yet. Mirror pods are left alone.

A pod naming a ServiceAccount that does not exist is refused as upstream refuses it (``error
looking up service account <namespace>/<name>: serviceaccount "<name>" not found``). The one
exception is the namespace's ``default`` account before the service account controller made it:
a real cluster refuses such a pod in the moment between a namespace's creation and its default
account's; here it is admitted as if the account existed, so a namespace and its pods can be
created in one go (and by a cluster running without that controller).
"""

from __future__ import annotations

from typing import Any

from fakeapi.admission.errors import new_forbidden
from fakeapi.admission.interfaces import CREATE, Attributes
from fakeapi.admission.reader import StoreReader
from fakeapi.apimachinery.schema import GroupResource
from fakeapi.util.identity import IdentityGenerator

PLUGIN_NAME = "ServiceAccount"
DEFAULT_SERVICE_ACCOUNT_NAME = "default"
SERVICE_ACCOUNT_VOLUME_NAME = "kube-api-access"
DEFAULT_API_TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror"
ROOT_CA_CONFIG_MAP = "kube-root-ca.crt"
# serviceaccount.WarnOnlyBoundTokenExpirationSeconds: an hour and seven seconds, which the
# kubelet recognises as a token it may keep using past its hour (with a warning).
WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 3607
# api.ProjectedVolumeSourceDefaultMode
PROJECTED_VOLUME_DEFAULT_MODE = 0o644
_SERVICE_ACCOUNTS = ("", "v1", "serviceaccounts")


def token_volume(name: str) -> dict[str, Any]:
    """TokenVolumeSource: the token, the CA bundle and the namespace, in one projected volume."""
    return {
        "name": name,
        "projected": {
            "sources": [
                {
                    "serviceAccountToken": {
                        "expirationSeconds": WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS,
                        "path": "token",
                    }
                },
                {"configMap": {"name": ROOT_CA_CONFIG_MAP, "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {
                    "downwardAPI": {
                        "items": [
                            {"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}
                        ]
                    }
                },
            ],
            "defaultMode": PROJECTED_VOLUME_DEFAULT_MODE,
        },
    }


def _list(parent: dict[str, Any], key: str) -> list[Any]:
    value = parent.get(key)
    return value if isinstance(value, list) else []


class ServiceAccount:
    name = PLUGIN_NAME
    resources = frozenset({GroupResource("", "pods")})
    operations = frozenset({CREATE})

    def __init__(self, reader: StoreReader, identity: IdentityGenerator) -> None:
        self._reader = reader
        self._identity = identity

    def admit(self, attributes: Attributes) -> None:
        pod = attributes.obj
        if pod is None or attributes.subresource:
            return
        spec = pod.get("spec")
        annotations = (pod.get("metadata") or {}).get("annotations")
        if not isinstance(spec, dict) or (isinstance(annotations, dict) and MIRROR_POD_ANNOTATION in annotations):
            return
        if not spec.get("serviceAccountName"):
            spec["serviceAccountName"] = DEFAULT_SERVICE_ACCOUNT_NAME
        # The deprecated alias the v1 conversion keeps in step.
        spec["serviceAccount"] = spec["serviceAccountName"]
        account_name = str(spec["serviceAccountName"])
        account = self._reader.get(_SERVICE_ACCOUNTS, attributes.namespace, account_name)
        if account is None and account_name != DEFAULT_SERVICE_ACCOUNT_NAME:
            raise new_forbidden(
                attributes,
                f"error looking up service account {attributes.namespace}/{account_name}: "
                f'serviceaccount "{account_name}" not found',
            )
        if self._should_automount(spec, account):
            self._mount_token(spec)

    @staticmethod
    def _should_automount(spec: dict[str, Any], account: Any) -> bool:
        """shouldAutomount: the pod's choice, else the account's, else yes."""
        if spec.get("automountServiceAccountToken") is not None:
            return bool(spec["automountServiceAccountToken"])
        if isinstance(account, dict) and account.get("automountServiceAccountToken") is not None:
            return bool(account["automountServiceAccountToken"])
        return True

    def _mount_token(self, spec: dict[str, Any]) -> None:
        """mountServiceAccountToken: reuse a kube-api-access-* volume the pod has, else add one if mounted."""
        volumes = _list(spec, "volumes")
        existing = next(
            (
                v["name"]
                for v in volumes
                if isinstance(v, dict) and str(v.get("name") or "").startswith(SERVICE_ACCOUNT_VOLUME_NAME + "-")
            ),
            None,
        )
        volume_name = existing or self._identity.generate_name(SERVICE_ACCOUNT_VOLUME_NAME + "-")
        mount = {"name": volume_name, "readOnly": True, "mountPath": DEFAULT_API_TOKEN_MOUNT_PATH}
        mounted = False
        for containers in ("initContainers", "containers"):
            for container in _list(spec, containers):
                if not isinstance(container, dict):
                    continue
                mounts = _list(container, "volumeMounts")
                # A mount of its own at the token path keeps the token out of that container.
                if any(isinstance(m, dict) and m.get("mountPath") == DEFAULT_API_TOKEN_MOUNT_PATH for m in mounts):
                    continue
                container["volumeMounts"] = [*mounts, dict(mount)]
                mounted = True
        if mounted and existing is None:
            spec["volumes"] = [*volumes, token_volume(volume_name)]
