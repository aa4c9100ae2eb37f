"""The HTTPS client of webhooks (k8s.io/apiserver/pkg/util/webhook/client.go, with client-go's rest.Request).

``ClientManager.hook_client`` gives one client per client configuration (cached as upstream's,
keyed by everything but the webhook's name). A client POSTs JSON and reads JSON back as
client-go's REST client does: the server's certificate is verified against ``caBundle`` (the
system's roots when it is empty), a ``service`` is dialled at the address its resolver gives
while TLS verifies the name ``<service>.<namespace>.svc``, a deadline adds ``?timeout=<n>s``,
and kept-alive connections are reused. Failures carry Go's texts, since clients see them in
Status messages: ``Post "https://...": dial tcp 127.0.0.1:9: connect: connection refused``,
``...: context deadline exceeded``, ``tls: failed to verify certificate: x509: certificate signed
by unknown authority``, and for an answer that is not 2xx the Status it carries or
``NewGenericServerResponse``'s text (k8s.io/apimachinery/pkg/api/errors).
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import ipaddress
import json
import socket
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.errors import StatusError
from fakeapi.apimachinery.gofmt import go_quote
from fakeapi.util.webhook.error import ErrCallingWebhook
from fakeapi.util.webhook.serviceresolver import EndpointRefused, ServiceResolver

DEFAULT_SERVICE_PORT = 443
# webhook.go defaultRequestTimeout: the bound of a call that sets no deadline of its own.
DEFAULT_REQUEST_TIMEOUT_SECONDS = 30.0
# rest/request.go maxUnstructuredResponseTextBytes
MAX_UNSTRUCTURED_RESPONSE_TEXT_BYTES = 2048
CONTEXT_DEADLINE_EXCEEDED = "context deadline exceeded"
USER_AGENT = "kube-apiserver-admission"
_UNKNOWN_AUTHORITY_CODES = frozenset({18, 19, 20, 21})  # OpenSSL: self-signed, no local issuer, unverifiable leaf


@dataclass(frozen=True)
class ClientConfigService:
    name: str
    namespace: str
    path: str = ""
    port: int = DEFAULT_SERVICE_PORT


@dataclass(frozen=True)
class ClientConfig:
    """webhook.ClientConfig: where a webhook is and which CAs its certificate must chain to."""

    name: str
    url: str = ""
    ca_bundle: bytes = b""
    service: ClientConfigService | None = None


def client_config_from_api(name: str, config: dict[str, Any]) -> ClientConfig:
    """A ClientConfig from an API object's ``clientConfig`` (admissionregistration and apiextensions v1)."""
    ca_bundle = base64.b64decode(config.get("caBundle") or "")
    if not ca_bundle.strip():
        ca_bundle = b""  # a whitespace-only caBundle counts as none (webhookClientConfigForCRD)
    service = config.get("service")
    return ClientConfig(
        name=name,
        url=str(config.get("url") or ""),
        ca_bundle=ca_bundle,
        service=None
        if not service
        else ClientConfigService(
            name=str(service.get("name") or ""),
            namespace=str(service.get("namespace") or ""),
            path=str(service.get("path") or ""),
            port=int(service.get("port") or DEFAULT_SERVICE_PORT),
        ),
    )


class CallError(Exception):
    """What rest.Result.Into returns for a failed call; ``status`` is set when it was a StatusError."""

    def __init__(self, message: str, status: StatusError | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class _Target:
    """Where one call goes: the URL clients see in errors, what TLS verifies, and what to dial."""

    url: str
    server_name: str
    host_header: str
    path: str


class HookClient:
    """rest.RESTClient for one webhook: POST a JSON body, return the decoded JSON answer."""

    def __init__(self, config: ClientConfig, resolver: ServiceResolver) -> None:
        self.config = config
        self._resolver = resolver
        self._context = _tls_context(config.ca_bundle)
        self._idle: dict[tuple[str, int], list[ssl.SSLSocket]] = {}
        self._lock = threading.Lock()
        if config.service is not None:
            service = config.service
            server_name = f"{service.name}.{service.namespace}.svc"
            host = f"{server_name}:{service.port}"
            self._target = _Target(f"https://{host}{service.path}", server_name, host, service.path or "/")
        else:
            parsed = urllib.parse.urlsplit(config.url)
            hostname = parsed.hostname or ""
            port = parsed.port or DEFAULT_SERVICE_PORT
            self._url_address = (hostname, port)
            self._target = _Target(config.url, hostname, parsed.netloc, parsed.path or "/")

    def _address(self) -> tuple[str, int]:
        service = self.config.service
        if service is None:
            return self._url_address
        return self._resolver.resolve_endpoint(service.namespace, service.name, service.port)

    def post(self, body: dict[str, Any], timeout_seconds: int | None = None) -> dict[str, Any]:
        """POST ``body``; ``timeout_seconds`` bounds the call and is sent as ``?timeout=``.

        Raises:
            CallError: the call failed or its answer was not a 2xx JSON object (Go's text).
        """
        target = self._target
        path, url = target.path, target.url
        if timeout_seconds is not None:
            path, url = f"{path}?timeout={timeout_seconds}s", f"{url}?timeout={timeout_seconds}s"
        deadline = time.monotonic() + (DEFAULT_REQUEST_TIMEOUT_SECONDS if timeout_seconds is None else timeout_seconds)
        payload = json.dumps(body, separators=(",", ":")).encode()
        try:
            address = self._address()
        except StatusError as err:
            raise CallError(f"Post {go_quote(url)}: {err.message}") from err
        except ValueError as err:
            raise CallError(f"Post {go_quote(url)}: {err}") from err
        except EndpointRefused as err:
            raise CallError(f"Post {go_quote(url)}: {_refused(err.address)}") from err
        try:
            status, headers, data = self._round_trip(address, path, payload, deadline)
        except TimeoutError as err:
            raise CallError(f"Post {go_quote(url)}: {CONTEXT_DEADLINE_EXCEEDED}") from err
        except ssl.SSLCertVerificationError as err:
            raise CallError(f"Post {go_quote(url)}: tls: failed to verify certificate: {_x509_text(err)}") from err
        except _HostnameMismatch as err:
            raise CallError(f"Post {go_quote(url)}: tls: failed to verify certificate: {err}") from err
        except ConnectionRefusedError as err:
            raise CallError(f"Post {go_quote(url)}: {_refused(address)}") from err
        except socket.gaierror as err:
            raise CallError(f"Post {go_quote(url)}: dial tcp: lookup {address[0]}: no such host") from err
        except (OSError, http.client.HTTPException) as err:
            raise CallError(f"Post {go_quote(url)}: {err or type(err).__name__}") from err
        return _decode_response(status, headers, data)

    def _round_trip(
        self, address: tuple[str, int], path: str, payload: bytes, deadline: float
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        # Request line, headers and body leave in one write: each write hands the interpreter to
        # other threads (a webhook served by the same process), so one is markedly faster than two.
        request = (
            f"POST {path} HTTP/1.1\r\nHost: {self._target.host_header}\r\nUser-Agent: {USER_AGENT}\r\n"
            f"Content-Type: application/json\r\nAccept: application/json, */*\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n"
        ).encode() + payload
        sock = self._take_idle(address)
        reused = sock is not None
        while True:
            if sock is None:
                sock = self._connect(address, deadline)
            try:
                _set_timeout(sock, deadline)
                sock.sendall(request)
                response = http.client.HTTPResponse(sock, method="POST")
                response.begin()
                data = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                sock.close()
                if not reused:
                    raise
                # A kept-alive connection the server had closed: try once on a new one, as Go does.
                sock, reused = None, False
                continue
            except BaseException:
                sock.close()
                raise
            if response.will_close:
                sock.close()
            else:
                self._give_back(address, sock)
            return response.status, response.headers, data

    def _connect(self, address: tuple[str, int], deadline: float) -> ssl.SSLSocket:
        remaining = max(deadline - time.monotonic(), 0.001)
        sock = socket.create_connection(address, timeout=remaining)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            tls = self._context.wrap_socket(sock, server_hostname=self._target.server_name)
            _verify_hostname(tls.getpeercert() or {}, self._target.server_name)
        except BaseException:
            sock.close()
            raise
        return tls

    def _take_idle(self, address: tuple[str, int]) -> ssl.SSLSocket | None:
        with self._lock:
            idle = self._idle.get(address)
            return idle.pop() if idle else None

    def _give_back(self, address: tuple[str, int], sock: ssl.SSLSocket) -> None:
        with self._lock:
            self._idle.setdefault(address, []).append(sock)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for sockets in idle.values():
            for sock in sockets:
                sock.close()


class ClientManager:
    """webhook.ClientManager: the cached clients of every webhook configuration."""

    def __init__(self, resolver: ServiceResolver) -> None:
        self.resolver = resolver
        self._clients: dict[ClientConfig, HookClient] = {}
        self._lock = threading.Lock()

    def hook_client(self, config: ClientConfig) -> HookClient:
        """HookClient: the client of ``config``.

        Raises:
            ErrCallingWebhook: the configuration names neither a service nor a usable URL.
        """
        key = ClientConfig("", config.url, config.ca_bundle, config.service)
        with self._lock:
            client = self._clients.get(key)
        if client is not None:
            return client
        if config.service is None:
            if not config.url:
                raise ErrCallingWebhook(
                    config.name,
                    "webhook configuration must have either service or URL",
                    errors.new_internal_error("webhook configuration must have either service or URL"),
                )
            try:
                urllib.parse.urlsplit(config.url).port  # noqa: B018 - parsing is the check
            except ValueError as err:
                reason = f"Unparsable URL: {err}"
                raise ErrCallingWebhook(config.name, reason, errors.new_internal_error(reason)) from err
        client = HookClient(config, self.resolver)
        with self._lock:
            return self._clients.setdefault(key, client)

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()


def _tls_context(ca_bundle: bytes) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["http/1.1"])
    # Host names are checked after the handshake, to answer with Go's text.
    context.check_hostname = False
    context.verify_mode = ssl.CERT_REQUIRED
    if ca_bundle:
        # A bundle without a usable certificate makes every server's an unknown authority, as in Go.
        with contextlib.suppress(ssl.SSLError):
            context.load_verify_locations(cadata=ca_bundle.decode("ascii", errors="replace"))
    else:
        context.load_default_certs()
    return context


def _set_timeout(sock: socket.socket, deadline: float) -> None:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    sock.settimeout(remaining)


class _HostnameMismatch(Exception):
    """x509.HostnameError, with its text."""


def _verify_hostname(certificate: dict[str, Any], host: str) -> None:
    """crypto/x509 VerifyHostname, and HostnameError's text when it fails."""
    dns_names = [value for kind, value in certificate.get("subjectAltName", ()) if kind == "DNS"]
    ip_addresses = [value for kind, value in certificate.get("subjectAltName", ()) if kind == "IP Address"]
    try:
        wanted = ipaddress.ip_address(host)
    except ValueError:
        if any(_match_hostname(pattern, host) for pattern in dns_names):
            return
        valid = ", ".join(dns_names)
    else:
        if any(ipaddress.ip_address(value.strip()) == wanted for value in ip_addresses):
            return
        if not ip_addresses:
            raise _HostnameMismatch(
                f"x509: cannot validate certificate for {host} because it doesn't contain any IP SANs"
            )
        valid = ", ".join(str(ipaddress.ip_address(value.strip())) for value in ip_addresses)
    if not valid:
        raise _HostnameMismatch(f"x509: certificate is not valid for any names, but wanted to match {host}")
    raise _HostnameMismatch(f"x509: certificate is valid for {valid}, not {host}")


def _match_hostname(pattern: str, host: str) -> bool:
    """matchHostnames: case-insensitive, a leading ``*`` matches exactly one label."""
    pattern_labels, host_labels = pattern.lower().rstrip(".").split("."), host.lower().rstrip(".").split(".")
    if len(pattern_labels) != len(host_labels):
        return False
    return all(
        p == h or (i == 0 and p == "*") for i, (p, h) in enumerate(zip(pattern_labels, host_labels, strict=True))
    )


def _x509_text(err: ssl.SSLCertVerificationError) -> str:
    if err.verify_code in _UNKNOWN_AUTHORITY_CODES:
        return "x509: certificate signed by unknown authority"
    if err.verify_code == 10:  # X509_V_ERR_CERT_HAS_EXPIRED
        return "x509: certificate has expired or is not yet valid"
    return f"x509: {err.verify_message}"


def _decode_response(status: int, headers: http.client.HTTPMessage, data: bytes) -> dict[str, Any]:
    """rest.Result.Into: a 2xx JSON object, or the error client-go makes of the answer."""
    content_type = headers.get("Content-Type") or ""
    if status < 200 or status > 206:
        failure = _status_failure(data)
        if failure is not None:
            raise CallError(failure.message, failure)
        is_text = not content_type or content_type.startswith("text/")
        text = data[:MAX_UNSTRUCTURED_RESPONSE_TEXT_BYTES].decode("utf-8", errors="replace").strip()
        error = _generic_server_response(status, text if is_text else "unknown")
        raise CallError(error.message, error)
    try:
        decoded = json.loads(data)
    except ValueError as err:
        raise CallError(f"couldn't get version/kind; json parse error: {err}") from err
    if not isinstance(decoded, dict):
        raise CallError("couldn't get version/kind; json parse error: the answer is not a JSON object")
    if decoded.get("kind") == "Status" and decoded.get("apiVersion") == "v1" and decoded.get("status") != "Success":
        failure = _status_failure(data)
        if failure is not None:
            raise CallError(failure.message, failure)
    return decoded


def _status_failure(data: bytes) -> StatusError | None:
    """errors.FromObject of a Status body with status Failure."""
    try:
        body = json.loads(data)
    except ValueError:
        return None
    if not isinstance(body, dict) or body.get("kind") != "Status" or body.get("status") != "Failure":
        return None
    return StatusError(
        int(body.get("code") or 0),
        str(body.get("reason") or ""),
        str(body.get("message") or ""),
        body.get("details") if isinstance(body.get("details"), dict) else None,
    )


# NewGenericServerResponse's texts by HTTP code, for answers that are not a Status.
_GENERIC_RESPONSES: dict[int, tuple[str, str | None]] = {
    409: ("AlreadyExists", "the server reported a conflict"),
    404: ("NotFound", "the server could not find the requested resource"),
    400: ("BadRequest", "the server rejected our request for an unknown reason"),
    401: ("Unauthorized", "the server has asked for the client to provide credentials"),
    403: ("Forbidden", None),
    405: ("MethodNotAllowed", "the server does not allow this method on the requested resource"),
    415: ("UnsupportedMediaType", None),
    422: ("Invalid", "the server rejected our request due to an error in our request"),
    503: ("ServiceUnavailable", "the server is currently unable to handle the request"),
    504: (
        "Timeout",
        "the server was unable to return a response in the time allotted, but may still be processing the request",
    ),
    429: ("TooManyRequests", "the server has received too many requests and has asked us to try again later"),
}


def _generic_server_response(code: int, server_message: str) -> StatusError:
    """errors.NewGenericServerResponse for a POST without a resource (a webhook's URL)."""
    if code in _GENERIC_RESPONSES:
        reason, message = _GENERIC_RESPONSES[code]
        text = server_message if message is None else message
    elif code == 406:
        reason = "NotAcceptable"
        text = (
            server_message
            if server_message not in ("", "unknown")
            else "the server was unable to respond with a content type that the client supports"
        )
    elif code >= 500:
        reason, text = (
            "InternalError",
            f"an error on the server ({go_quote(server_message)}) has prevented the request from succeeding",
        )
    else:
        reason, text = "", f"the server responded with the status code {code} but did not return more information"
    return StatusError(
        code, reason, text, {"causes": [{"reason": "UnexpectedServerResponse", "message": server_message}]}
    )


def _join_host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _refused(address: tuple[str, int]) -> str:
    """Go's dial error for an address where nothing listens."""
    return f"dial tcp {_join_host_port(*address)}: connect: connection refused"
