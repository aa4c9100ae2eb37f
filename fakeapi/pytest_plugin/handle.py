"""``FakeAPI``: what a test holds of its cluster.

A thin handle over a running :class:`~fakeapi.server.instance.FakeAPIServer`: where to
connect (``kubeconfig``, ``url``, ``api_client()``), how to put objects in (``seed``) and read them back
without a client (``get``, ``list``, ``snapshot``), the server's recorders (``audit``,
``watch_events``, ``enqueued``) and levers (``faults``, ``rotation``) under short names, and
in-process clients (``responses_mock``, ``httpx_transport``), and webhooks written in Python
(``validating_webhook``, ``mutating_webhook``, ``webhooks``). It imports nothing from pytest,
so it can be used outside the plugin.
"""

from __future__ import annotations

import builtins
import difflib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from cryptography import x509
from cryptography.x509.oid import NameOID

from fakeapi.apimachinery import errors
from fakeapi.certs.dynamic_rotation import CertificateRotation
from fakeapi.certs.kubeconfig import KubeconfigPath
from fakeapi.manifests import ManifestSource
from fakeapi.pytest_plugin.recorders import EnqueueRecorder
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.server.instance import FakeAPIServer
from fakeapi.testing import determinism
from fakeapi.testing.audit import AuditLog
from fakeapi.testing.faults import FaultInjector
from fakeapi.testing.transports import PYKUBE_TARGET, REQUESTS_TARGET
from fakeapi.testing.watches import WatchEventLog

if TYPE_CHECKING:
    import responses
    from kubernetes.client import ApiClient

    from fakeapi.kubelet.behaviour import Behaviour
    from fakeapi.kubelet.container_runtime import ContainerRuntime
    from fakeapi.kubelet.node_control import NodeControl
    from fakeapi.metrics.usage import ResourceUsage
    from fakeapi.testing.clock import ServerClock
    from fakeapi.testing.httpx_transport import InProcessTransport
    from fakeapi.testing.webhooks import AdmissionHandler, WebhookServer

_PEM_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]*?-----END CERTIFICATE-----")


class FakeAPIServerError(AssertionError):
    """The server raised in one of its own threads while serving the test (a fakeapi bug, or a hook of the test's).

    The server's exception is the ``__cause__``, so its traceback is shown above this one.
    """


class FakeAPI:
    """A test's cluster: the running server, an admin kubeconfig, seeding, reads and recorders.

    Args:
        server: The running server.
        kubeconfig: Where its admin kubeconfig is (written already). The handle's ``kubeconfig``
            is a :class:`KubeconfigPath`, a ``str`` that is also ``os.PathLike``, so it goes
            wherever a client takes a kubeconfig path.
        seed: The test's seed, which ``reset()`` applies again.
    """

    def __init__(self, server: FakeAPIServer, kubeconfig: str | Path, seed: int | str | None = None) -> None:
        self.server = server
        self.kubeconfig = KubeconfigPath(kubeconfig)
        self.seed_value = seed
        self._api_clients: builtins.list[ApiClient] = []
        self._webhooks: WebhookServer | None = None
        # Kept, not read from the server, so messages can name it after the server stopped.
        self._url = server.url
        self.enqueued = EnqueueRecorder(server.enqueue_log)

    def __repr__(self) -> str:
        return f"<FakeAPI {self.url} kubeconfig={self.kubeconfig!r}>"

    @property
    def url(self) -> str:
        """The server's base URL, ``https://127.0.0.1:<port>``."""
        return self._url

    @property
    def audit(self) -> AuditLog:
        """Every request the server answered since the test started, with query and assertion helpers."""
        return self.server.audit_log

    @property
    def watch_events(self) -> WatchEventLog:
        """Every watch event the server sent to a client since the test started."""
        return self.server.watch_events

    @property
    def faults(self) -> FaultInjector:
        """Make chosen requests fail or wait, cut open watches; the rules end with the test."""
        return self.server.faults

    @property
    def clock(self) -> ServerClock:
        """The server clock: ``fakeapi.clock.advance(3600)`` moves it and runs what became due, in order."""
        return self.server.clock

    @property
    def nodes(self) -> NodeControl:
        """The simulated nodes: ``add``, ``remove``, ``stop`` (NotReady then Unknown), ``set_ready``, ``cordon``..."""
        return self.server.nodes

    @property
    def metrics(self) -> ResourceUsage:
        """Resource usage for ``kubectl top`` and the HPA: ``fakeapi.metrics.pods(labels="app=web").use(cpu="400m")``."""
        return self.server.metrics

    @property
    def behaviour(self) -> Behaviour:
        """What the simulated containers do: ``fakeapi.behaviour.pods(image="web:*").crash()``; rules end with the test."""
        return self.server.behaviour

    @property
    def containers(self) -> ContainerRuntime:
        """What the containers print and answer: ``fakeapi.containers.pods(name="web").on_exec(handler)``,
        ``.output(text)``, ``.port_forward(("127.0.0.1", port))``, ``fakeapi.containers.log(ns, pod, text)``;
        rules and logs end with the test."""
        return self.server.containers

    @property
    def rotation(self) -> CertificateRotation:
        """Certificate rotation of this server; call ``write_kubeconfig()`` after a CA rotation."""
        return self.server.rotation

    def write_kubeconfig(self) -> KubeconfigPath:
        """Rewrite ``kubeconfig`` from the server's current certificates (after a rotation) and return it."""
        self.server.write_kubeconfig(self.kubeconfig)
        return self.kubeconfig

    def api_client(self) -> ApiClient:
        """A `kubernetes` client ``ApiClient`` for this cluster, as an admin; closed with the handle.

        Hand it to the API classes: ``client.CoreV1Api(fakeapi.api_client())``. Each call reads
        ``kubeconfig`` again, so a client made after a CA rotation and ``write_kubeconfig()``
        trusts the new CA.
        """
        from kubernetes import config

        api_client = config.new_client_from_config(config_file=self.kubeconfig)
        self._api_clients.append(api_client)
        return api_client

    def close(self) -> None:
        """Close the clients ``api_client()`` made, stop ``webhooks`` and let go of a freeze ``clock`` started (at the test's end)."""
        clients, self._api_clients = self._api_clients, []
        for api_client in clients:
            api_client.close()
        webhooks, self._webhooks = self._webhooks, None
        if webhooks is not None:
            webhooks.stop()
        # A freeze the clock started to move time ends with the test.
        if "clock" in vars(self.server):
            self.server.clock.stop()

    # -- webhooks -------------------------------------------------------------------------------

    @property
    def webhooks(self) -> WebhookServer:
        """An HTTPS server on 127.0.0.1 for webhooks written in Python, its certificate from the cluster's CA.

        Started at first use, stopped when the test ends. ``webhooks.admission(path, fn)`` and
        ``webhooks.conversion(path, fn)`` serve a function and return the ``clientConfig`` for it.
        """
        if self._webhooks is None:
            from fakeapi.testing.webhooks import WebhookServer

            self._webhooks = WebhookServer(self.server.ca).start()
        return self._webhooks

    def validating_webhook(
        self,
        review: AdmissionHandler,
        *,
        rules: builtins.list[dict[str, Any]],
        name: str = "check.fakeapi.test",
        **fields: Any,
    ) -> dict[str, Any]:
        """Serve ``review`` and register it in a ValidatingWebhookConfiguration named after the webhook.

        ``review`` takes the AdmissionReview's ``request`` and returns its ``response`` without the
        uid (``{"allowed": False, "status": {"message": "..."}}``). ``fields`` add to or override the
        webhook's (``failurePolicy``, ``namespaceSelector``, ``timeoutSeconds``...). Returns the
        configuration as stored.
        """
        return self._register_webhook("ValidatingWebhookConfiguration", review, rules, name, fields)

    def mutating_webhook(
        self,
        review: AdmissionHandler,
        *,
        rules: builtins.list[dict[str, Any]],
        name: str = "mutate.fakeapi.test",
        **fields: Any,
    ) -> dict[str, Any]:
        """As ``validating_webhook``, in a MutatingWebhookConfiguration; a ``patch`` given as a list of
        JSONPatch operations is encoded for the webhook's answer."""
        return self._register_webhook("MutatingWebhookConfiguration", review, rules, name, fields)

    def _register_webhook(
        self,
        kind: str,
        review: AdmissionHandler,
        rules: builtins.list[dict[str, Any]],
        name: str,
        fields: dict[str, Any],
    ) -> dict[str, Any]:
        webhook = {
            "name": name,
            "clientConfig": self.webhooks.admission(f"/{kind.lower()}/{name}", review),
            "rules": rules,
            "sideEffects": "None",
            "admissionReviewVersions": ["v1"],
            **fields,
        }
        configuration = {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": kind,
            "metadata": {"name": name},
            "webhooks": [webhook],
        }
        [stored] = self.seed(configuration)
        return stored

    def map_webhook_service(self, namespace: str, name: str, port: int, address: tuple[str, int]) -> None:
        """Call webhooks whose ``clientConfig.service`` is ``namespace/name`` port ``port`` at ``address``
        (instead of the Service's endpoints); the certificate must still name ``<name>.<namespace>.svc``."""
        self.server.services.webhook_clients.map_service(namespace, name, port, address)

    def reset(self) -> None:
        """Start over: the cluster as the test got it, with the test's seed (uids, names, revisions).

        The fixture resets before the test, and what the test or its fixtures seeded goes too. For
        bootstrap objects (the ``default`` ServiceAccount, ``kube-root-ca.crt``...) stamped with a
        frozen time, mark the test ``@pytest.mark.fakeapi(freeze=...)``: the fixture then resets
        inside the freeze, before other fixtures seed.
        """
        self.server.reset(seed=self.seed_value)

    # -- objects --------------------------------------------------------------------------------

    def seed(self, *sources: ManifestSource) -> builtins.list[dict[str, Any]]:
        """Create objects (dicts, YAML text, YAML files or directories) through the REST stores.

        Returns:
            The created objects as the server answered them.

        Raises:
            StatusError: The server refused an object; the message names its file, document, kind and name.
            ManifestError: A path that does not exist, invalid YAML, a document that is no mapping.
        """
        __tracebackhide__ = True
        return self.server.seed(*sources)

    def get(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> dict[str, Any]:
        """One object as the API serves it (a namespaced kind defaults to the ``default`` namespace).

        ``kind`` is a kind (``ConfigMap``) or, as kubectl takes them, a resource's plural, singular
        or short name (``configmaps``, ``configmap``, ``cm``). The test's reads are not the clients'
        traffic: they stay out of the audit log and the trace, and injected faults spare them.

        Raises:
            fakeapi.apimachinery.errors.StatusError: The server's answer when it is not 200 (``.code``
                404 for NotFound, for one); a 400 naming the closest kind when ``kind`` is none of
                the served ones.
        """
        spec = self._spec(api_version, kind)
        path = f"{self._collection_path(spec, namespace or 'default')}/{quote(name)}"
        result: dict[str, Any] = self._read(path, "")
        return result

    def list(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        *,
        label_selector: str = "",
        field_selector: str = "",
    ) -> builtins.list[dict[str, Any]]:
        """The objects of a kind (in every namespace when ``namespace`` is ``None``), in the API's order.

        ``kind`` is taken as ``get`` takes it, and the read stays out of the audit log as ``get``'s
        does. Each item gets its ``apiVersion`` and ``kind``, which list items leave out on the wire.
        """
        spec = self._spec(api_version, kind)
        query = urlencode(
            {k: v for k, v in (("labelSelector", label_selector), ("fieldSelector", field_selector)) if v}
        )
        items = self._read(self._collection_path(spec, namespace), query).get("items") or []
        return [{"apiVersion": api_version, "kind": spec.kind, **item} for item in items]

    def snapshot(
        self,
        format: determinism.SnapshotFormat = "yaml",
        *,
        namespace: str | None = None,
        redact_certificates: bool = True,
    ) -> str:
        """Stored objects as canonical text (see ``FakeAPIServer.snapshot``), ready for a golden file.

        Args:
            format: ``"yaml"`` or ``"json"``.
            namespace: Only the objects of this namespace (all objects when ``None``), so a golden
                file holds what the test is about and not the whole bootstrap policy.
            redact_certificates: Replace each PEM certificate in a string (the CA bundles the
                server publishes in ConfigMaps) with ``<certificate CN=...>``: every server makes
                its own keys, so the bytes of certificates differ from run to run even when
                everything else is the same.
        """
        if namespace is None and not redact_certificates:
            return self.server.snapshot(format)
        objects, revision = self.server.storage.dump()
        selected = {
            prefix: [_redact(obj) if redact_certificates else obj for obj in items if _in_namespace(obj, namespace)]
            for prefix, items in objects.items()
        }
        return determinism.dump({prefix: items for prefix, items in selected.items() if items}, revision, format)

    def _spec(self, api_version: str, kind: str) -> ResourceSpec:
        """The served resource named by a kind or, case-insensitively, a resource, singular or short name.

        kubectl's RESTMapper takes resource names on the command line (``kubectl get configmaps``);
        a miss names the served kind closest to what was asked.
        """
        specs = self.server.served_specs(api_version)
        lowered = kind.lower()
        by_kind = [spec for spec in specs if spec.kind == kind]
        by_name = [spec for spec in specs if lowered in (spec.resource, spec.singular_name, *spec.short_names)]
        if by_kind or by_name:
            return (by_kind or by_name)[0]
        message = f'no matches for kind "{kind}" in version "{api_version}"'
        kinds = {spec.kind.lower(): spec.kind for spec in specs}
        close = difflib.get_close_matches(lowered, kinds, n=1)
        raise errors.new_bad_request(message + (f'; did you mean "{kinds[close[0]]}"?' if close else ""))

    def _collection_path(self, spec: ResourceSpec, namespace: str | None) -> str:
        root = f"/apis/{spec.group}/{spec.version}" if spec.group else f"/api/{spec.version}"
        if spec.namespaced and namespace is not None:
            return f"{root}/namespaces/{quote(namespace)}/{spec.resource}"
        return f"{root}/{spec.resource}"

    def _read(self, path: str, query: str) -> dict[str, Any]:
        response = self.server.read(path, query=query)
        body: dict[str, Any] = response.json()
        if response.status != 200:
            raise errors.StatusError(
                response.status, body.get("reason", ""), body.get("message", ""), body.get("details")
            )
        return body

    # -- in-process clients ---------------------------------------------------------------------

    def responses_mock(self, *, pykube: bool = False) -> responses.RequestsMock:
        """A ``responses`` mock answering ``requests`` calls to ``url`` in process (``with fakeapi.responses_mock():``).

        Args:
            pykube: Patch pykube-ng's adapter, which does not go through ``requests``' default one.
        """
        return self.server.responses_mock(target=PYKUBE_TARGET if pykube else REQUESTS_TARGET)

    def httpx_transport(self) -> InProcessTransport:
        """An ``httpx`` transport into the server: ``httpx.Client(transport=..., base_url=fakeapi.url)``."""
        return self.server.httpx_transport()

    # -- errors ---------------------------------------------------------------------------------

    def check(self) -> None:
        """Raise :class:`FakeAPIServerError` for the first error the server's threads hit since the last check."""
        __tracebackhide__ = True  # pytest shows the server's traceback and the message, not this frame
        try:
            self.server.check()
        except Exception as exc:
            raise FakeAPIServerError(
                f"the fakeapi server at {self._url} raised in its own thread: "
                f"{type(exc).__name__}: {exc} (its traceback is above)"
            ) from exc


def _in_namespace(obj: dict[str, Any], namespace: str | None) -> bool:
    return namespace is None or (obj.get("metadata") or {}).get("namespace") == namespace


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return (
            _PEM_CERTIFICATE.sub(_certificate_placeholder, value) if "-----BEGIN CERTIFICATE-----" in value else value
        )
    if isinstance(value, dict):
        return {key: _redact(item) for key, item in value.items()}
    if isinstance(value, builtins.list):
        return [_redact(item) for item in value]
    return value


def _certificate_placeholder(match: re.Match[str]) -> str:
    try:
        certificate = x509.load_pem_x509_certificate(match.group(0).encode())
    except ValueError:
        return "<certificate>"
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return f"<certificate CN={names[0].value!s}>" if names else "<certificate>"


__all__ = ["FakeAPI", "FakeAPIServerError"]
