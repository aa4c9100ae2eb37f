"""Kubernetes protobuf request bodies built as client-go builds them, from the packaged descriptor set."""

from __future__ import annotations

import functools
import importlib.resources
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

PREFIX = b"k8s\x00"


@functools.cache
def _pool() -> descriptor_pool.DescriptorPool:
    data = importlib.resources.files("fakeapi.apimachinery").joinpath("k8s_descriptors.binpb").read_bytes()
    pool = descriptor_pool.DescriptorPool()
    for file in descriptor_pb2.FileDescriptorSet.FromString(data).file:
        pool.Add(file)
    return pool


def new_message(full_name: str) -> Any:
    """An empty message of a type such as ``k8s.io.api.core.v1.ConfigMap``."""
    return message_factory.GetMessageClass(_pool().FindMessageTypeByName(full_name))()


def unknown_envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    """The runtime.Unknown that carries an object's message, without the magic prefix."""
    unknown = new_message("k8s.io.apimachinery.pkg.runtime.Unknown")
    unknown.typeMeta.apiVersion = api_version
    unknown.typeMeta.kind = kind
    unknown.raw = raw
    serialized: bytes = unknown.SerializeToString()
    return serialized


def protobuf_body(api_version: str, kind: str, obj: Any) -> bytes:
    """A whole request body: the magic prefix, then the envelope of ``obj``."""
    return PREFIX + unknown_envelope(api_version, kind, obj.SerializeToString())
