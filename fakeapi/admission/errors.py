"""Admission's refusal (k8s.io/apiserver/pkg/admission/errors.go NewForbidden).

A 403 on the resource the request addresses, named after the request's name or, for a create,
the object's (its generateName when it has no name yet).
"""

from __future__ import annotations

from fakeapi.admission.interfaces import Attributes
from fakeapi.apimachinery import errors


def new_forbidden(attributes: Attributes, message: str) -> errors.StatusError:
    """admission.NewForbidden: ``<resource> "<name>" is forbidden: <message>``."""
    name = attributes.name
    if not name and attributes.obj is not None:
        meta = attributes.obj.get("metadata") or {}
        name = str(meta.get("name") or meta.get("generateName") or "")
    return errors.new_forbidden(attributes.group_resource, name, message)


def aggregate(messages: list[str]) -> str:
    """utilerrors.NewAggregate(...).Error(): one message alone, several in brackets."""
    return messages[0] if len(messages) == 1 else "[" + ", ".join(messages) + "]"
