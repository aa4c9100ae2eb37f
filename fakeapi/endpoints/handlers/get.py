"""GET of one object and LIST of a collection (handlers/get.go), with ListOptions validation."""

from __future__ import annotations

from fakeapi.apimachinery import errors, field
from fakeapi.apimachinery.fields import SelectorParseError, escape_value, parse_field_selector
from fakeapi.apimachinery.gofmt import go_quote
from fakeapi.apimachinery.labels import parse_label_selector
from fakeapi.apimachinery.schema import GroupKind
from fakeapi.endpoints.handlers.common import RequestScope, context_of, parse_bool, parse_int, write_object
from fakeapi.endpoints.http import Request, ResponseWriter
from fakeapi.registry import rest
from fakeapi.registry.rest import ListOptions

EXACT = "Exact"
NOT_OLDER_THAN = "NotOlderThan"


def get_resource(req: Request, w: ResponseWriter, scope: RequestScope) -> None:
    # GetOptions.resourceVersion: "" reads the latest, "0" anything; a number asks for at least that
    # revision, which a storage that knows its revision checks (the watch cache's WaitUntilFreshAndGet).
    resource_version = req.query_param("resourceVersion")
    if resource_version not in ("", "0"):
        minimum = parse_resource_version(resource_version)
        if isinstance(scope.storage, rest.FreshnessChecker):
            scope.storage.require_revision(minimum)
    obj = scope.storage.get(context_of(req), req.info.name)
    write_object(req, w, 200, obj, scope)


def _set_list_options_defaults(options: ListOptions) -> None:
    """SetListOptionsDefaults (WatchList is on): a watch from "now" is a watch-list."""
    if options.send_initial_events is not None or options.resource_version_match:
        return
    if options.watch and options.resource_version in ("", "0"):
        options.send_initial_events = True
        options.resource_version_match = NOT_OLDER_THAN


def _forbidden_match(detail: str) -> field.FieldError:
    return field.forbidden("resourceVersionMatch", detail)


def _watch_option_errors(options: ListOptions) -> list[field.FieldError]:
    """validateWatchOptions."""
    errs: list[field.FieldError] = []
    match = options.resource_version_match
    if options.send_initial_events is not None and match != NOT_OLDER_THAN:
        errs.append(_forbidden_match("sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
    if match:
        if options.send_initial_events is None:
            errs.append(
                _forbidden_match("resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided")
            )
        if match != NOT_OLDER_THAN:
            errs.append(field.not_supported("resourceVersionMatch", match, [NOT_OLDER_THAN]))
        if options.continue_token:
            errs.append(_forbidden_match("resourceVersionMatch is forbidden when continue is provided"))
    return errs


def _list_option_errors(options: ListOptions) -> list[field.FieldError]:
    """ValidateListOptions for a list."""
    errs: list[field.FieldError] = []
    match = options.resource_version_match
    if match:
        if not options.resource_version:
            errs.append(_forbidden_match("resourceVersionMatch is forbidden unless resourceVersion is provided"))
        if options.continue_token:
            errs.append(_forbidden_match("resourceVersionMatch is forbidden when continue is provided"))
        if match not in (EXACT, NOT_OLDER_THAN):
            errs.append(field.not_supported("resourceVersionMatch", match, [EXACT, NOT_OLDER_THAN, ""]))
        if match == EXACT and options.resource_version == "0":
            errs.append(_forbidden_match('resourceVersionMatch "exact" is forbidden for resourceVersion "0"'))
    if options.send_initial_events is not None:
        errs.append(field.forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"))
    return errs


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
    _set_list_options_defaults(options)
    errs = _watch_option_errors(options) if watch else _list_option_errors(options)
    if errs:
        raise errors.new_invalid(GroupKind("meta.k8s.io", "ListOptions"), "", errs)
    if options.continue_token and not watch and options.resource_version not in ("", "0"):
        raise errors.new_bad_request("specifying resource version is not allowed when using continue")
    if options.resource_version and options.resource_version != "0":
        parse_resource_version(options.resource_version)
    return options


def parse_resource_version(text: str) -> int:
    """APIObjectVersioner.ParseResourceVersion of a requested resourceVersion, or the 400 its error becomes
    (storage.ValidateListOptions for a list; etcd3's validateMinimumResourceVersion for a get).

    Go's strconv.ParseUint(text, 10, 64): decimal digits only, no sign, at most 2**64 - 1. (With its
    watch cache ready, kube-apiserver lets a get's unparseable resourceVersion through as a 500; the
    answer here is the one it gives before its cache is ready.)
    """
    problem = None
    if not text.isascii() or not text.isdigit():
        problem = f"strconv.ParseUint: parsing {go_quote(text)}: invalid syntax"
    elif int(text) >= 1 << 64:
        problem = f"strconv.ParseUint: parsing {go_quote(text)}: value out of range"
    if problem is not None:
        detail = field.invalid("resourceVersion", text, problem)
        raise errors.new_bad_request(f"invalid resource version: {detail}")
    return int(text)


def list_resource(req: Request, w: ResponseWriter, scope: RequestScope) -> None:
    options = parse_list_options(req, watch=False)
    result = scope.storage.list(context_of(req), options)
    write_object(req, w, 200, result, scope)
