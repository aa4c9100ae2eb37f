"""Which requests a query, an assertion or a fault rule is about.

The same keywords everywhere (``verb``, ``api_group``, ``resource``, ``subresource``,
``namespace``, ``name``, ``user``, ``user_agent``), with the same meaning: a string must be
equal, a collection of strings means any of them, and ``user_agent`` compares prefixes
(``"kubectl"`` matches ``kubectl/v1.37.0 (linux/amd64) kubernetes/…``). Left out means any.
``namespace=""`` is a cluster-scoped request, not "any namespace".

The attributes are those of a RequestInfo (request/requestinfo.go) plus the user and the
client's user agent; for a non-resource request (``/version``) the verb is the lower-cased
method and resource is empty.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol, TypedDict

from fakeapi.endpoints.http import Request

Selector = str | Collection[str]

# The attribute names a RequestMatcher compares, in the order messages list them.
FIELDS = ("verb", "api_group", "resource", "subresource", "namespace", "name", "user", "user_agent")


class Where(TypedDict, total=False):
    """Keywords that narrow a selection besides ``verb`` and ``resource``."""

    api_group: Selector
    subresource: Selector
    namespace: Selector
    name: Selector
    user: Selector
    user_agent: Selector


class RequestSelector(Where, total=False):
    """Every keyword a request can be selected by."""

    verb: Selector
    resource: Selector


class RequestAttributes(Protocol):
    """What a matcher looks at: an audit event, an open watch."""

    @property
    def verb(self) -> str: ...
    @property
    def api_group(self) -> str: ...
    @property
    def resource(self) -> str: ...
    @property
    def subresource(self) -> str: ...
    @property
    def namespace(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def user(self) -> str: ...
    @property
    def user_agent(self) -> str: ...


@dataclass(frozen=True)
class RequestFacts:
    """The attributes of one request in flight, read from its context."""

    verb: str
    api_group: str
    api_version: str
    resource: str
    subresource: str
    namespace: str
    name: str
    user: str
    groups: tuple[str, ...]
    user_agent: str

    @classmethod
    def of(cls, req: Request) -> RequestFacts:
        """The request's attributes as far as the filters have resolved them (all, from inside the chain)."""
        ctx = req.context
        if ctx is None:
            # Refused before the request-info filter ran: only the method and path are known.
            return cls(req.method.lower(), "", "", "", "", "", "", "", (), req.headers.get("User-Agent"))
        info = ctx.request_info
        user = ctx.user
        return cls(
            info.verb,
            info.api_group,
            info.api_version,
            info.resource,
            info.subresource,
            info.namespace,
            info.name,
            user.name,
            tuple(user.groups),
            ctx.user_agent,
        )


def _normalize(value: Selector | None) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return frozenset((value,))
    return frozenset(value)


@dataclass(frozen=True)
class RequestMatcher:
    """A selection of requests by their attributes; build one with :meth:`of`."""

    wanted: tuple[tuple[str, frozenset[str]], ...] = ()

    @classmethod
    def of(cls, verb: Selector | None = None, resource: Selector | None = None, **where: Selector) -> RequestMatcher:
        """The matcher of these keywords (see the module docstring); unknown keywords raise TypeError."""
        unknown = set(where) - set(FIELDS)
        if unknown:
            raise TypeError(f"unknown request attribute(s): {', '.join(sorted(unknown))}")
        given = {"verb": verb, "resource": resource, **where}
        wanted = []
        for attribute in FIELDS:
            values = _normalize(given.get(attribute))
            if values is not None:
                wanted.append((attribute, values))
        return cls(tuple(wanted))

    def mismatches(self, subject: RequestAttributes) -> list[str]:
        """The attributes of ``subject`` that are not as wanted (empty when it matches)."""
        differing = []
        for attribute, values in self.wanted:
            actual: str = getattr(subject, attribute)
            if attribute == "user_agent":
                if not any(actual.startswith(prefix) for prefix in values):
                    differing.append(attribute)
            elif actual not in values:
                differing.append(attribute)
        return differing

    def matches(self, subject: RequestAttributes) -> bool:
        return not self.mismatches(subject)

    def describe_mismatch(self, subject: RequestAttributes) -> str:
        """``subresource is '' (wanted 'status')`` for each attribute that differs."""
        wanted = dict(self.wanted)
        parts = []
        for attribute in self.mismatches(subject):
            values = sorted(wanted[attribute])
            expected = repr(values[0]) if len(values) == 1 else "one of " + ", ".join(map(repr, values))
            if attribute == "user_agent":
                expected = "starting with " + expected
            parts.append(f"{attribute} is {getattr(subject, attribute)!r} (wanted {expected})")
        return "; ".join(parts)

    def __str__(self) -> str:
        if not self.wanted:
            return "any request"
        parts = []
        for attribute, values in self.wanted:
            shown = sorted(values)
            parts.append(f"{attribute}={shown[0]!r}" if len(shown) == 1 else f"{attribute} in {shown!r}")
        return " ".join(parts)
