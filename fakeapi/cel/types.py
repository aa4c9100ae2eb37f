"""The Kubernetes types CEL expressions see (apiserver/pkg/cel/types.go and the library's opaque types).

cel-go has opaque types; cel-cpp's Python binding only passes protobuf messages between
expressions and Python functions. Each Kubernetes type is therefore a small message in a
descriptor pool of its own, named as upstream names the type (``type(quantity('1'))`` is
``kubernetes.Quantity`` in both), with the value in a string field: a canonical form where
upstream's equality compares values (a quantity's exact amount), the text otherwise.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from google.protobuf.descriptor_pool import DescriptorPool
    from google.protobuf.message import Message

QUANTITY = "kubernetes.Quantity"
URL = "net.URL"
IP = "net.IP"
CIDR = "net.CIDR"
SEMVER = "kubernetes.Semver"
FORMAT = "kubernetes.NamedFormat"
# apiserver/pkg/cel/library/authz.go
AUTHORIZER = "kubernetes.authorization.Authorizer"
PATH_CHECK = "kubernetes.authorization.PathCheck"
GROUP_CHECK = "kubernetes.authorization.GroupCheck"
RESOURCE_CHECK = "kubernetes.authorization.ResourceCheck"
DECISION = "kubernetes.authorization.Decision"

# Every opaque type carries ``value``; the authorizer's types carry the request they build up.
_AUTHZ_FIELDS = [
    "path",
    "group",
    "resource",
    "subresource",
    "namespace",
    "name",
    "field_selector",
    "label_selector",
    "verb",
    "user",
    "decision",
    "reason",
    "error",
]
_FIELDS: dict[str, list[str]] = {
    QUANTITY: ["value"],
    URL: ["value"],
    IP: ["value"],
    CIDR: ["value"],
    SEMVER: ["value"],
    FORMAT: ["value"],
    AUTHORIZER: ["value", *_AUTHZ_FIELDS],
    PATH_CHECK: ["value", *_AUTHZ_FIELDS],
    GROUP_CHECK: ["value", *_AUTHZ_FIELDS],
    RESOURCE_CHECK: ["value", *_AUTHZ_FIELDS],
    DECISION: ["value", *_AUTHZ_FIELDS],
}


@functools.cache
def descriptor_pool() -> DescriptorPool:
    """The pool holding one message per opaque type (built once; it never changes).

    The files are encoded here rather than built with ``descriptor_pb2``, whose import alone
    costs more than everything else the first CRD with rules needs.
    """
    from google.protobuf import descriptor_pool

    pool = descriptor_pool.DescriptorPool()
    by_package: dict[str, list[str]] = {}
    for full_name in _FIELDS:
        package, _, _ = full_name.rpartition(".")
        by_package.setdefault(package, []).append(full_name)
    for package, names in by_package.items():
        messages = b"".join(_length_delimited(4, _message(name)) for name in names)
        file = (
            _length_delimited(1, f"fakeapi/cel/{package}.proto".encode())
            + _length_delimited(2, package.encode())
            + messages
            + _length_delimited(12, b"proto3")
        )
        pool.AddSerializedFile(file)
    return pool


# descriptor.proto: DescriptorProto.name = 1, .field = 2; FieldDescriptorProto.name = 1, .number = 3,
# .label = 4 (LABEL_OPTIONAL = 1), .type = 5 (TYPE_STRING = 9).
def _message(full_name: str) -> bytes:
    fields = b"".join(
        _length_delimited(
            2,
            _length_delimited(1, name.encode()) + _varint_field(3, number) + _varint_field(4, 1) + _varint_field(5, 9),
        )
        for number, name in enumerate(_FIELDS[full_name], start=1)
    )
    return _length_delimited(1, full_name.rpartition(".")[2].encode()) + fields


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _varint_field(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _length_delimited(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


@functools.cache
def _message_class(full_name: str) -> Any:
    from google.protobuf import message_factory

    return message_factory.GetMessageClass(descriptor_pool().FindMessageTypeByName(full_name))


def new(full_name: str, value: str = "", **fields: str) -> Message:
    """A value of an opaque type."""
    message: Message = _message_class(full_name)(value=value, **fields)
    return message
