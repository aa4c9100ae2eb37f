"""DELETE of one object and of a collection (handlers/delete.go), with DeleteOptions."""

from __future__ import annotations

from typing import Any

from fakeapi.apimachinery import errors, field
from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.apimachinery.schema import GroupKind, GroupVersionKind
from fakeapi.endpoints.handlers.common import (
    RequestScope,
    context_of,
    parse_body,
    parse_bool,
    parse_dry_run,
    parse_int,
    write_object,
)
from fakeapi.endpoints.handlers.get import parse_list_options
from fakeapi.endpoints.http import Request, ResponseWriter
from fakeapi.registry.rest import DeleteOptions, Preconditions

PROPAGATION_POLICIES = ["Foreground", "Background", "Orphan"]
_DELETE_OPTIONS = GroupVersionKind("", "v1", "DeleteOptions")


def parse_delete_options(req: Request, schemas: SchemaRegistry) -> DeleteOptions:
    """DeleteOptions from the body (JSON, YAML or protobuf) and from the query, then validated.

    DeleteOptions is registered in every group-version, so any apiVersion is accepted. A body
    that does not decode into DeleteOptions is a 400 with the decoder's text, as delete.go answers.
    """
    body: dict[str, Any] = {}
    if req.body.strip():
        body = parse_body(req, "DeleteOptions")
        if body.get("kind", "DeleteOptions") != "DeleteOptions":
            raise errors.new_bad_request(
                f"{body['kind']} cannot be handled as a DeleteOptions: the kind in the data is not DeleteOptions"
            )
        type_errors = schemas.decode(body, _DELETE_OPTIONS).type_errors
        if type_errors:
            raise errors.new_bad_request(type_errors[0])
    body_dry_run = body.get("dryRun") or []
    if any(value != "All" for value in body_dry_run):
        # ValidateDryRun: the body's values are checked as the query's are.
        raise errors.new_invalid(
            GroupKind("meta.k8s.io", "DeleteOptions"), "", [field.not_supported("dryRun", body_dry_run, ["All"])]
        )
    options = DeleteOptions(
        dry_run=parse_dry_run(req, "DeleteOptions") or bool(body_dry_run),
        grace_period_seconds=parse_int(req, "gracePeriodSeconds"),
        propagation_policy=req.query_param("propagationPolicy") or body.get("propagationPolicy"),
        orphan_dependents=parse_bool(req, "orphanDependents"),
    )
    if options.grace_period_seconds is None:
        options.grace_period_seconds = body.get("gracePeriodSeconds")
    if options.orphan_dependents is None:
        options.orphan_dependents = body.get("orphanDependents")
    preconditions = body.get("preconditions") or {}
    options.preconditions = Preconditions(preconditions.get("uid"), preconditions.get("resourceVersion"))
    if options.grace_period_seconds is not None and options.grace_period_seconds < 0:
        options.grace_period_seconds = 1  # rest.BeforeDelete: negative means "as soon as possible"
    errs: list[field.FieldError] = []
    if options.propagation_policy is not None and options.propagation_policy not in PROPAGATION_POLICIES:
        errs.append(field.not_supported("propagationPolicy", options.propagation_policy, PROPAGATION_POLICIES))
    if options.propagation_policy is not None and options.orphan_dependents is not None:
        errs.append(
            field.invalid(
                "propagationPolicy",
                options.propagation_policy,
                "orphanDependents and deletionPropagation cannot be both set",
            )
        )
    if errs:
        raise errors.new_invalid(GroupKind("meta.k8s.io", "DeleteOptions"), "", errs)
    return options


def delete_resource(req: Request, w: ResponseWriter, scope: RequestScope) -> None:
    options = parse_delete_options(req, scope.schemas)
    result, immediate = scope.storage.delete(context_of(req), req.info.name, options)
    status = 202 if not immediate and options.orphan_dependents is False else 200
    write_object(req, w, status, result, scope)


def delete_collection(req: Request, w: ResponseWriter, scope: RequestScope) -> None:
    options = parse_delete_options(req, scope.schemas)
    list_options = parse_list_options(req, watch=False)
    result = scope.storage.delete_collection(context_of(req), options, list_options)
    write_object(req, w, 200, result, scope)
