"""TokenRequest: a token for a service account (pkg/registry/core/serviceaccount/storage/token.go).

``POST /api/v1/namespaces/<ns>/serviceaccounts/<name>/token`` (``kubectl create token``):
the body's name and namespace, when given, must match the URL; the service account must
exist; audiences default to the API audiences; ``expirationSeconds`` defaults to one hour and
must lie between ten minutes and 2³² seconds (``ValidateTokenRequest``), and is shortened, with
a warning, to ``--service-account-max-token-expiration`` when one is set. A ``boundObjectRef``
to a Pod (running as that service account), a Secret or a Node binds the token to it: its
uid must match the ref's when the ref gives one, and the token stops authenticating once the
object is gone. The answer carries the signed JWT and its expiration; nothing is stored.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fakeapi.apimachinery import errors, field
from fakeapi.apimachinery.schema import GroupKind, GroupResource, GroupVersion, GroupVersionKind
from fakeapi.authentication.serviceaccount import token_claims
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.authentication.services import SecurityServices, mapping
from fakeapi.registry.generic.store import Store
from fakeapi.registry.rest import WriteOptions
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import format_time, utc_now

__all__ = ["TokenREST"]

TOKEN_REQUEST = GroupVersionKind("authentication.k8s.io", "v1", "TokenRequest")
DEFAULT_EXPIRATION_SECONDS = 60 * 60
MIN_EXPIRATION_SECONDS = 10 * 60
MAX_EXPIRATION_SECONDS = 1 << 32


class TokenREST:
    """The ``serviceaccounts/token`` subresource over the ServiceAccount Store."""

    def __init__(self, service_accounts: Store, services: SecurityServices) -> None:
        self.service_accounts = service_accounts
        self.services = services

    @property
    def spec(self) -> Any:
        return self.service_accounts.spec

    def new(self) -> Object:
        return {"apiVersion": TOKEN_REQUEST.api_version, "kind": TOKEN_REQUEST.kind, "metadata": {}}

    def create_named(self, ctx: RequestContext, name: str, obj: Object, options: WriteOptions) -> Object:
        namespace = ctx.namespace
        if not namespace:
            raise errors.new_bad_request("namespace is required")
        meta = dict(mapping(obj, "metadata"))
        kind = GroupKind(TOKEN_REQUEST.group, TOKEN_REQUEST.kind)
        if meta.get("name") and meta["name"] != name:
            raise errors.new_invalid(
                kind,
                name,
                [field.invalid("metadata.name", meta["name"], "must match the service account name if specified")],
            )
        if meta.get("namespace") and meta["namespace"] != namespace:
            raise errors.new_invalid(
                kind,
                name,
                [
                    field.invalid(
                        "metadata.namespace", meta["namespace"], "must match the service account namespace if specified"
                    )
                ],
            )
        service_account = self.service_accounts.get(ctx, name)
        spec = dict(mapping(obj, "spec"))
        if not spec.get("audiences"):
            spec["audiences"] = list(self.services.api_audiences)
        spec.setdefault("expirationSeconds", DEFAULT_EXPIRATION_SECONDS)
        meta.setdefault("name", name)
        meta.setdefault("namespace", namespace)
        # Read before the token is built, so the expiration reported is never after the token's.
        now = utc_now()
        meta["creationTimestamp"] = format_time(now)
        errs = _validate(spec)
        if errs:
            raise errors.new_invalid(kind, "", errs)
        pod, secret, node = self._bound_objects(ctx, name, namespace, spec.get("boundObjectRef"))
        maximum = self.services.max_token_expiration_seconds
        if maximum > 0 and spec["expirationSeconds"] > maximum:
            ctx.add_warning(
                f"requested expiration of {spec['expirationSeconds']} seconds shortened to {maximum} seconds"
            )
            spec["expirationSeconds"] = maximum
        generator = self.services.token_generator
        if generator is None:
            raise errors.new_internal_error("failed to generate token: no service account signing key")
        claims = token_claims(
            service_account,
            expiration_seconds=spec["expirationSeconds"],
            audiences=spec["audiences"],
            now=now,
            pod=pod,
            secret=secret,
            node=node,
        )
        return {
            "kind": TOKEN_REQUEST.kind,
            "apiVersion": TOKEN_REQUEST.api_version,
            "metadata": meta,
            "spec": spec,
            "status": {
                "token": generator.generate_token(claims),
                "expirationTimestamp": format_time(_expiration(now, spec["expirationSeconds"])),
            },
        }

    def _bound_objects(
        self, ctx: RequestContext, name: str, namespace: str, ref: Any
    ) -> tuple[Object | None, Object | None, Object | None]:
        if not isinstance(ref, dict):
            return None, None, None
        getter = self.services.object_getter
        if getter is None:
            raise errors.new_internal_error("bound object lookup is not configured")
        gv = GroupVersion.parse(str(ref.get("apiVersion") or ""))
        kind, ref_name = str(ref.get("kind") or ""), str(ref.get("name") or "")
        pod = secret = node = None
        if gv.group == "" and kind == "Pod":
            pod = getter("pods", namespace, ref_name)
            if pod is None:
                raise errors.new_not_found(GroupResource("", "pods"), ref_name)
            if (pod.get("spec") or {}).get("serviceAccountName") != name:
                raise errors.new_bad_request(
                    f'cannot bind token for serviceaccount "{name}" to pod running with different serviceaccount name.'
                )
            bound = pod
            node_name = (pod.get("spec") or {}).get("nodeName")
            if node_name:
                # A missing node still names the node in the token, without a uid.
                node = getter("nodes", "", node_name) or {"metadata": {"name": node_name}}
        elif gv.group == "" and kind == "Node":
            node = getter("nodes", "", ref_name)
            if node is None:
                raise errors.new_not_found(GroupResource("", "nodes"), ref_name)
            bound = node
        elif gv.group == "" and kind == "Secret":
            secret = getter("secrets", namespace, ref_name)
            if secret is None:
                raise errors.new_not_found(GroupResource("", "secrets"), ref_name)
            bound = secret
        else:
            raise errors.new_bad_request(f"cannot bind token to object of type {gv.group}/{gv.version}, Kind={kind}")
        ref_uid = ref.get("uid")
        if ref_uid and (bound.get("metadata") or {}).get("uid") != ref_uid:
            raise errors.new_conflict(
                GroupResource(gv.group, kind),
                ref_name,
                f"the UID in the bound object reference ({ref_uid}) does not match the UID in record. "
                "The object might have been deleted and then recreated",
            )
        return pod, secret, node


def _validate(spec: dict[str, Any]) -> list[field.FieldError]:
    seconds = spec["expirationSeconds"]
    errs = []
    if seconds < MIN_EXPIRATION_SECONDS:
        errs.append(field.invalid("spec.expirationSeconds", seconds, "may not specify a duration less than 10 minutes"))
    if seconds > MAX_EXPIRATION_SECONDS:
        errs.append(
            field.invalid("spec.expirationSeconds", seconds, "may not specify a duration larger than 2^32 seconds")
        )
    return errs


def _expiration(now: datetime, seconds: int) -> datetime:
    return now + timedelta(seconds=seconds)
