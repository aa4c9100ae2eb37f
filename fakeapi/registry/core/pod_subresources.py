"""pods/exec, pods/attach and pods/portforward (pkg/registry/core/pod/rest/subresources.go).

Each takes GET (WebSockets) and POST (SPDY), as ``upgradeableMethods``. Before anything is
upgraded, as upstream: the pod must exist and be bound to a node (``pod <name> does not have a
host assigned``), the container must be valid for it (strategy.go ``validateContainer``), and a
request that asks for no upgrade gets ``Upgrade request required`` (the UpgradeAwareHandler's
400). A WebSocket upgrade arrives as GET, which the authorization filter checks as ``get``; as
kube-apiserver 1.35 does (``AuthorizePodWebsocketUpgradeCreatePermission``, on by default), the
user must also be allowed to ``create`` the subresource.

Where upstream proxies the upgraded connection to the node's kubelet, here the kubelet's
streaming server runs in process (``fakeapi.kubelet.streaming``) and answers from what the test
configured in the container runtime.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from fakeapi.apimachinery import errors
from fakeapi.authorization.authorizer import attributes_from_request
from fakeapi.endpoints.handlers.common import parse_bool
from fakeapi.endpoints.http import Request, ResponseWriter, can_hijack
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.authentication.services import SecurityServices
from fakeapi.registry.core.pod import validate_container
from fakeapi.registry.generic.store import Store
from fakeapi.server.filters.authorization import forbidden_status_error
from fakeapi.storage.interfaces import Object

if TYPE_CHECKING:
    from fakeapi.kubelet.container_runtime import ContainerRuntime
    from fakeapi.kubelet.streaming.remotecommand import StreamOptions

UPGRADEABLE_METHODS = frozenset({"GET", "POST"})


def is_upgrade_request(req: Request) -> bool:
    """httpstream.IsUpgradeRequest: ``upgrade`` among the Connection header's tokens."""
    return any(t.strip().lower() == "upgrade" for v in req.headers.get_all("Connection") for t in v.split(","))


@dataclass
class _StreamingREST:
    """What exec, attach and portforward share: the parent Store, the runtime, and the checks before an upgrade."""

    parent: Store
    runtime: Callable[[], ContainerRuntime]
    security: SecurityServices
    connect_methods: frozenset[str] = UPGRADEABLE_METHODS

    @property
    def spec(self) -> Any:
        return self.parent.spec

    def new(self) -> Object:
        return self.parent.new()

    def _bound_pod(self, ctx: RequestContext, req: Request, name: str) -> Object:
        """The pod, once the user may create the subresource and the pod has a node (streamLocation's checks)."""
        if req.method == "GET" and is_upgrade_request(req):
            self._authorize_create(ctx)
        pod = self.parent.get(ctx, name)
        if not (pod.get("spec") or {}).get("nodeName"):
            raise errors.new_bad_request(f"pod {name} does not have a host assigned")
        return pod

    def _authorize_create(self, ctx: RequestContext) -> None:
        authorizer = self.security.authorizer
        if authorizer is None:
            return
        attributes = replace(attributes_from_request(ctx.user, ctx.request_info), verb="create")
        result = authorizer.authorize(attributes)
        if not result.allowed:
            raise forbidden_status_error(attributes, result.reason)

    def _still_running(self, ctx: RequestContext, name: str, container: str) -> Callable[[], bool]:
        from fakeapi.kubelet.streaming.remotecommand import container_running

        def running() -> bool:
            try:
                return container_running(self.parent.get(ctx, name), container)
            except errors.StatusError:
                return False

        return running


def _stream_options(req: Request) -> StreamOptions:
    from fakeapi.kubelet.streaming.remotecommand import StreamOptions

    return StreamOptions.new(
        stdin=bool(parse_bool(req, "stdin")),
        stdout=bool(parse_bool(req, "stdout")),
        stderr=bool(parse_bool(req, "stderr")),
        tty=bool(parse_bool(req, "tty")),
    )


def _require_upgrade(req: Request, w: ResponseWriter) -> None:
    if not is_upgrade_request(req):
        raise errors.new_bad_request("Upgrade request required")
    if not can_hijack(w):
        raise errors.new_bad_request("this transport cannot upgrade connections: connect to the server over HTTPS")


@dataclass
class ExecREST(_StreamingREST):
    """pods/exec: run a command in a container through the handler the test registered."""

    def connect(self, ctx: RequestContext, name: str, req: Request, w: ResponseWriter) -> None:
        pod = self._bound_pod(ctx, req, name)
        container = validate_container(req.query_param("container"), pod)
        command = tuple(req.query.get("command") or [])
        options = _stream_options(req)
        _require_upgrade(req, w)
        from fakeapi.kubelet.streaming.remotecommand import open_session, serve_exec

        session = open_session(req, w, options)
        if session is None:
            return
        handler = self.runtime().exec_handler(pod, container, command)
        serve_exec(session, pod, container, command, options, handler)


@dataclass
class AttachREST(_StreamingREST):
    """pods/attach: the container's running process, as the test's attach handler or its log answers."""

    def connect(self, ctx: RequestContext, name: str, req: Request, w: ResponseWriter) -> None:
        pod = self._bound_pod(ctx, req, name)
        container = validate_container(req.query_param("container"), pod)
        options = _stream_options(req)
        _require_upgrade(req, w)
        from fakeapi.kubelet.streaming.remotecommand import attach_mark, open_session, serve_attach

        # What the container prints from the moment of the request on is what the attached client sees.
        runtime = self.runtime()
        mark = attach_mark(runtime, pod, container)
        session = open_session(req, w, options)
        if session is None:
            return
        serve_attach(session, runtime, pod, container, options, mark, self._still_running(ctx, name, container))


@dataclass
class PortForwardREST(_StreamingREST):
    """pods/portforward: connections to the pod's ports lead where the test said."""

    def connect(self, ctx: RequestContext, name: str, req: Request, w: ResponseWriter) -> None:
        pod = self._bound_pod(ctx, req, name)
        _require_upgrade(req, w)
        from fakeapi.kubelet.streaming.portforward import serve_port_forward

        serve_port_forward(req, w, pod, self.runtime())
