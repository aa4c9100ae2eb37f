"""An objectSelector against a request (predicates/object/matcher.go)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fakeapi.admission.interfaces import Attributes
from fakeapi.apimachinery import errors
from fakeapi.apimachinery.labels import LabelSelector, SelectorParseError, selector_from_label_selector_dict
from fakeapi.storage.interfaces import Object


def _labels_match(obj: Object | None, selector: LabelSelector) -> bool:
    if obj is None:
        return False
    return selector.matches((obj.get("metadata") or {}).get("labels") or {})


def object_selector_matches(object_selector: Mapping[str, Any] | None, attributes: Attributes) -> bool:
    """MatchObjectSelector: the new or the old object's labels match (an empty selector matches all)."""
    try:
        selector = selector_from_label_selector_dict(object_selector or {})
    except SelectorParseError as exc:
        raise errors.new_internal_error(str(exc)) from None
    if selector.empty:
        return True
    return _labels_match(attributes.obj, selector) or _labels_match(attributes.old_obj, selector)
