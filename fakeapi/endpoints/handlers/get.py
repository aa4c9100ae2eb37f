"""GET of one object and LIST of a collection (handlers/get.go), with ListOptions validation."""

from __future__ import annotations

from fakeapi.apimachinery import errors, field
from fakeapi.apimachinery.fields import SelectorParseError, escape_value, parse_field_selector
from fakeapi.apimachinery.labels import parse_label_selector
from fakeapi.apimachinery.schema import GroupKind
from fakeapi.endpoints.handlers.common import RequestScope, context_of, parse_bool, parse_int, write_object
from fakeapi.endpoints.http import Request, ResponseWriter
from fakeapi.registry.rest import ListOptions

EXACT = "Exact"
NOT_OLDER_THAN = "NotOlderThan"


def get_resource(req: Request, w: ResponseWriter, scope: RequestScope) -> None:
    obj = scope.storage.get(context_of(req), req.info.name)
    write_object(req, w, 200, obj, scope)


def parse_list_options(req: Request, *, watch: bool, name: str = "") -> ListOptions:
    """Decode and validate ListOptions (apimachinery internalversion/validation).

    ``name`` restricts the selection to one object, as a watch on an item path does.
    """
    field_selector = req.query_param("fieldSelector")
    if name:
        field_selector = ",".join(filter(None, [field_selector, f"metadata.name={escape_value(name)}"]))
    try:
        labels = parse_label_selector(req.query_param("labelSelector"))
        fields = parse_field_selector(field_selector)
    except SelectorParseError as exc:
        raise errors.new_bad_request(str(exc)) from None
    options = ListOptions(
        label_selector=labels,
        field_selector=fields,
        resource_version=req.query_param("resourceVersion"),
        resource_version_match=req.query_param("resourceVersionMatch"),
        limit=parse_int(req, "limit") or 0,
        continue_token=req.query_param("continue"),
        watch=watch,
        allow_watch_bookmarks=bool(parse_bool(req, "allowWatchBookmarks")),
        send_initial_events=parse_bool(req, "sendInitialEvents"),
        timeout_seconds=parse_int(req, "timeoutSeconds"),
    )
    errs: list[field.FieldError] = []
    match = options.resource_version_match
    if match:
        if watch and options.send_initial_events is None:
            errs.append(field.forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden for watch"))
        if not options.resource_version:
            errs.append(
                field.forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden unless resourceVersion is provided",
                )
            )
        if options.continue_token:
            errs.append(
                field.forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided")
            )
        if match not in (EXACT, NOT_OLDER_THAN):
            errs.append(field.not_supported("resourceVersionMatch", match, [EXACT, NOT_OLDER_THAN]))
        if match == EXACT and options.resource_version == "0":
            errs.append(
                field.forbidden(
                    "resourceVersionMatch",
                    'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
                )
            )
    if options.send_initial_events is not None:
        if not watch:
            errs.append(field.forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"))
        else:
            if match != NOT_OLDER_THAN:
                errs.append(
                    field.forbidden(
                        "resourceVersionMatch",
                        "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
                    )
                )
            if not options.allow_watch_bookmarks:
                errs.append(
                    field.forbidden(
                        "allowWatchBookmarks",
                        "sendInitialEvents requires setting allowWatchBookmarks to true",
                    )
                )
    if errs:
        raise errors.new_invalid(GroupKind("meta.k8s.io", "ListOptions"), "", errs)
    if options.resource_version and options.resource_version != "0":
        try:
            int(options.resource_version)
        except ValueError:
            raise errors.new_bad_request(f"invalid resource version: {options.resource_version}") from None
    return options


def list_resource(req: Request, w: ResponseWriter, scope: RequestScope) -> None:
    options = parse_list_options(req, watch=False)
    result = scope.storage.list(context_of(req), options)
    write_object(req, w, 200, result, scope)
