"""Per-request state: who asks (UserInfo), what they ask (RequestInfo), and what the
handlers collect on the way (warnings). Mirrors k8s.io/apiserver/pkg/endpoints/request."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class UserInfo:
    """authentication/user.Info."""

    name: str
    groups: tuple[str, ...] = ()
    uid: str = ""
    extra: tuple[tuple[str, tuple[str, ...]], ...] = ()


ANONYMOUS = UserInfo("system:anonymous", ("system:unauthenticated",))


@dataclass
class RequestInfo:
    """What a URL addresses, as RequestInfoFactory.NewRequestInfo resolves it."""

    path: str
    verb: str
    is_resource_request: bool = False
    api_prefix: str = ""
    api_group: str = ""
    api_version: str = ""
    namespace: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    parts: list[str] = field(default_factory=list)
    # Set for the deprecated /watch/ paths, which force the watch verb.
    deprecated_watch_path: bool = False


@dataclass
class RequestContext:
    """What flows with a request through the filters into the handlers and the registry."""

    request_info: RequestInfo
    user: UserInfo = ANONYMOUS
    user_agent: str = ""
    warnings: list[str] = field(default_factory=list)
    # Audit annotations added on the way (by admission), for the request's audit event.
    audit_annotations: dict[str, str] = field(default_factory=dict)
    # The authenticated user when the request impersonates ``user`` (the audit log names both).
    impersonated_by: UserInfo | None = None

    @property
    def namespace(self) -> str:
        return self.request_info.namespace

    def add_warning(self, text: str) -> None:
        """Warnings become ``Warning: 299 - "text"`` headers, deduplicated as upstream does."""
        if text and text not in self.warnings:
            self.warnings.append(text)
