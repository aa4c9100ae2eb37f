"""Decode Kubernetes protobuf request bodies into their JSON form.

kubectl and other client-go typed clients send built-in objects as
``application/vnd.kubernetes.protobuf``: the 4-byte magic ``k8s\\x00``, then a
``k8s.io.apimachinery.pkg.runtime.Unknown`` whose ``typeMeta`` names the kind and whose ``raw`` is
the object's message. The envelope handling and its errors follow
k8s.io/apimachinery/pkg/runtime/serializer/protobuf/protobuf.go (``Serializer.Decode``); the
object is then turned into the dict that Go's ``encoding/json`` would write for the same Go
struct, so the rest of the server only ever sees JSON-shaped objects.

The message definitions come from ``k8s_descriptors.binpb``, a descriptor set compiled from the
upstream ``generated.proto`` files by ``scripts/build_proto_descriptors.py``. Those files name
most fields after their JSON names, but not all, and they cannot express Go's JSON conventions;
the tables and rules below fill that gap:

- Go's protobuf encoder (gogo) writes every non-pointer field, zero or not, so presence on the
  wire does not mean "set". A scalar equal to its zero value (``""``, ``0``, ``false``, empty
  bytes) is omitted, as ``omitempty`` would. The wire cannot tell that apart from a pointer field
  explicitly set to zero (``replicas: 0``), and the .proto files do not say which fields are
  pointers; ``_POINTER_SCALARS`` lists the pointer fields whose zero means something else than
  unset (a default would replace it, or unset means "no limit"), and those keep their zero.
- Nested messages are kept when present, even empty (``"status": {}``), as Go writes non-pointer
  structs; pointer structs are only on the wire when set.
- Empty lists and maps are omitted. Map values and list items are kept as they are.
- Structs embedded with ``json:",inline"`` are a nested field in protobuf; their fields are
  merged into the parent (``_INLINE_FIELDS``). A few fields keep a protobuf name that differs
  from their JSON name (``_RENAMED_FIELDS``). The tests check both tables against the OpenAPI
  schema of every kind a 1.37 server serves.
- apimachinery types with a custom JSON form: ``Time`` and ``MicroTime`` become RFC 3339
  strings, ``IntOrString`` an int or a string, ``Quantity`` its string, ``RawExtension`` and
  ``FieldsV1`` the JSON they carry, named string slices (``ExtraValue``) a list, ``bytes`` base64.
"""

from __future__ import annotations

import base64
import datetime
import functools
import importlib.resources
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fakeapi.apimachinery.schema import GroupVersion

if TYPE_CHECKING:
    from google.protobuf.descriptor import Descriptor, FieldDescriptor
    from google.protobuf.descriptor_pb2 import FileDescriptorSet
    from google.protobuf.message import Message

__all__ = ["ProtobufDecodeError", "decode_object"]

# protoEncodingPrefix: "k8s" and an encoding byte, 0 being the only one defined (runtime.Unknown).
_PREFIX = b"k8s\x00"

_DESCRIPTOR_SET = "k8s_descriptors.binpb"
_UNKNOWN = "k8s.io.apimachinery.pkg.runtime.Unknown"
_API_PACKAGE_PREFIX = "k8s.io.api."
_META_PACKAGE_PREFIX = "k8s.io.apimachinery.pkg.apis.meta."
# The groups whose package is not named after the group's first DNS label.
_PACKAGE_OF_GROUP = {"": "core", "internal.apiserver.k8s.io": "apiserverinternal"}

# Go named slices of strings (`type ExtraValue []string`) are a message with one repeated
# `items` field in protobuf, and a plain list in JSON.
_STRING_SLICES = frozenset({"ExtraValue", "AttestationValue", "Verbs"})

# (message name, field name) of embedded structs tagged json:",inline". Message names, not full
# names: every API version of a type embeds the same way.
_INLINE_FIELDS = frozenset(
    {
        ("ConfigMapEnvSource", "localObjectReference"),
        ("ConfigMapKeySelector", "localObjectReference"),
        ("ConfigMapProjection", "localObjectReference"),
        ("ConfigMapVolumeSource", "localObjectReference"),
        ("SecretEnvSource", "localObjectReference"),
        ("SecretKeySelector", "localObjectReference"),
        ("SecretProjection", "localObjectReference"),
        ("EphemeralContainer", "ephemeralContainerCommon"),
        ("PersistentVolumeSpec", "persistentVolumeSource"),
        ("Probe", "handler"),
        ("Volume", "volumeSource"),
        ("IngressRule", "ingressRuleValue"),
        ("DeviceAllocationConfiguration", "deviceConfiguration"),
        ("DeviceClaimConfiguration", "deviceConfiguration"),
        ("DeviceClassConfiguration", "deviceConfiguration"),
        ("NamedRuleWithOperations", "ruleWithOperations"),
        ("RuleWithOperations", "rule"),
    }
)

# (message name, field name) of pointer scalars (*int32, *int64, *bool in the Go types) whose zero
# differs from unset: defaulting would turn an unset one into something else (replicas: 1,
# backoffLimit: 6, enableServiceLinks: true...), or unset means none (ttlSecondsAfterFinished).
_POINTER_SCALARS = frozenset(
    {
        ("DeploymentSpec", "replicas"),
        ("DeploymentSpec", "revisionHistoryLimit"),
        ("DeploymentSpec", "progressDeadlineSeconds"),
        ("ReplicaSetSpec", "replicas"),
        ("StatefulSetSpec", "replicas"),
        ("StatefulSetSpec", "revisionHistoryLimit"),
        ("DaemonSetSpec", "revisionHistoryLimit"),
        ("ReplicationControllerSpec", "replicas"),
        ("JobSpec", "parallelism"),
        ("JobSpec", "completions"),
        ("JobSpec", "backoffLimit"),
        ("JobSpec", "backoffLimitPerIndex"),
        ("JobSpec", "maxFailedIndexes"),
        ("JobSpec", "activeDeadlineSeconds"),
        ("JobSpec", "ttlSecondsAfterFinished"),
        ("CronJobSpec", "startingDeadlineSeconds"),
        ("CronJobSpec", "successfulJobsHistoryLimit"),
        ("CronJobSpec", "failedJobsHistoryLimit"),
        ("PodSpec", "terminationGracePeriodSeconds"),
        ("PodSpec", "activeDeadlineSeconds"),
        ("PodSpec", "automountServiceAccountToken"),
        ("PodSpec", "enableServiceLinks"),
        ("PodSpec", "hostUsers"),
        ("ServiceAccount", "automountServiceAccountToken"),
        ("ServiceSpec", "allocateLoadBalancerNodePorts"),
        ("SecurityContext", "runAsUser"),
        ("SecurityContext", "runAsGroup"),
        ("SecurityContext", "runAsNonRoot"),
        ("SecurityContext", "privileged"),
        ("SecurityContext", "allowPrivilegeEscalation"),
        ("SecurityContext", "readOnlyRootFilesystem"),
        ("PodSecurityContext", "runAsUser"),
        ("PodSecurityContext", "runAsGroup"),
        ("PodSecurityContext", "runAsNonRoot"),
        ("PodSecurityContext", "fsGroup"),
        ("SecretVolumeSource", "defaultMode"),
        ("ConfigMapVolumeSource", "defaultMode"),
        ("DownwardAPIVolumeSource", "defaultMode"),
        ("ProjectedVolumeSource", "defaultMode"),
        ("DeleteOptions", "gracePeriodSeconds"),
        ("DeleteOptions", "orphanDependents"),
    }
)

# (message name, field name) -> JSON name, where the protobuf tag kept an older spelling.
_RENAMED_FIELDS = {
    ("BoundObjectReference", "uID"): "uid",
    ("IngressClassParametersReference", "aPIGroup"): "apiGroup",
    ("MutatingWebhookConfiguration", "Webhooks"): "webhooks",
    ("ValidatingWebhookConfiguration", "Webhooks"): "webhooks",
    ("Validation", "Expression"): "expression",
    ("Variable", "Name"): "name",
    ("Variable", "Expression"): "expression",
}

_EPOCH = datetime.datetime(1970, 1, 1)

# A converter takes a protobuf value (a scalar, a message, a repeated container or a map) and
# returns its JSON value; None means Go would write null or omit the field.
_Converter = Callable[[Any], Any]


class ProtobufDecodeError(ValueError):
    """The body is not a Kubernetes protobuf message this server can decode."""


def decode_object(body: bytes) -> dict[str, Any]:
    """Decode a ``application/vnd.kubernetes.protobuf`` body into the object's JSON form.

    Args:
        body: The request body: ``k8s\\x00`` followed by a serialized ``runtime.Unknown``.

    Returns:
        The object as Go's JSON encoding would render it, with ``kind`` and ``apiVersion`` taken
        from the envelope's ``typeMeta``.

    Raises:
        ProtobufDecodeError: The prefix is missing, a message is malformed, the envelope names no
            kind or version, the kind is not a built-in protobuf type, or a value cannot be
            rendered as JSON.
    """
    return _decoder().decode(body)


@functools.cache
def _decoder() -> _Decoder:
    # Built on first use, and google.protobuf imported only then: importing it and loading the
    # descriptor set cost tens of milliseconds that a server start, and a server which never
    # sees a protobuf body, should not pay. Cached for the process: it is read-only once built.
    from google.protobuf import descriptor_pb2

    data = importlib.resources.files(__package__).joinpath(_DESCRIPTOR_SET).read_bytes()
    return _Decoder(descriptor_pb2.FileDescriptorSet.FromString(data))


class _Decoder:
    """The descriptor pool of all built-in types, and converters built from it on demand."""

    def __init__(self, descriptor_set: FileDescriptorSet) -> None:
        from google.protobuf import descriptor_pool, message_factory

        self._get_message_class = message_factory.GetMessageClass
        self._pool = descriptor_pool.DescriptorPool()
        # protoc writes --include_imports sets in dependency order, as Add requires.
        for file in descriptor_set.file:
            self._pool.Add(file)
        self._unknown_class = self._message_class(_UNKNOWN)
        # Field converters per message type, filled on first sight of each type. Concurrent
        # callers may build the same entry twice; both results are equal, so no lock is needed.
        self._plans: dict[str, dict[int, tuple[str | None, _Converter]]] = {}

    def decode(self, body: bytes) -> dict[str, Any]:
        """See :func:`decode_object`."""
        if not body:
            raise ProtobufDecodeError("empty data")
        if not body.startswith(_PREFIX):
            raise ProtobufDecodeError(
                f"provided data does not appear to be a protobuf message, expected prefix {_PREFIX!r}"
            )
        if len(body) == len(_PREFIX):
            raise ProtobufDecodeError("empty body")
        unknown = self._parse(self._unknown_class, body[len(_PREFIX) :], "runtime.Unknown")
        kind = _text(unknown.typeMeta.kind)
        api_version = _text(unknown.typeMeta.apiVersion)
        if not kind:
            raise ProtobufDecodeError("Object 'Kind' is missing from the typeMeta of the protobuf body")
        if not api_version:
            raise ProtobufDecodeError("Object 'apiVersion' is missing from the typeMeta of the protobuf body")
        cls = self._object_class(GroupVersion.parse(api_version), kind)
        obj = {"kind": kind, "apiVersion": api_version}
        obj.update(self._message_to_dict(self._parse(cls, unknown.raw, f"{api_version}, Kind={kind}")))
        return obj

    def _object_class(self, gv: GroupVersion, kind: str) -> type[Message]:
        """Find the message class of a kind, or raise if it is not a built-in type."""
        packages = []
        if gv.group == "meta.k8s.io":
            packages.append(f"{_META_PACKAGE_PREFIX}{gv.version}")
        # Built-in groups are a bare name (apps, batch) or live under k8s.io; anything else (a
        # CRD's group that happens to start with "apps.") has no protobuf form.
        elif gv.group in _PACKAGE_OF_GROUP or "." not in gv.group or gv.group.endswith(".k8s.io"):
            name = _PACKAGE_OF_GROUP.get(gv.group, gv.group.partition(".")[0])
            packages.append(f"{_API_PACKAGE_PREFIX}{name}.{gv.version}")
        # metav1.AddToGroupVersion registers the option kinds (DeleteOptions, CreateOptions...)
        # in every group version, so a kind missing from the group's package may be a meta one.
        packages.append(f"{_META_PACKAGE_PREFIX}v1")
        for package in packages:
            try:
                return self._message_class(f"{package}.{kind}")
            except KeyError:
                continue
        raise ProtobufDecodeError(f'no kind "{kind}" is registered for version "{gv}"')

    def _message_class(self, full_name: str) -> type[Message]:
        """The class of a message type; raises KeyError if the pool has no such type."""
        return self._get_message_class(self._pool.FindMessageTypeByName(full_name))

    @staticmethod
    def _parse(cls: type[Message], data: bytes, what: str) -> Any:
        from google.protobuf.message import DecodeError

        message = cls()
        try:
            message.ParseFromString(data)
        except DecodeError as err:
            raise ProtobufDecodeError(f"unable to decode the protobuf message of {what}: {err}") from err
        return message

    def _message_to_dict(self, message: Message) -> dict[str, Any]:
        plan = self._plans.get(message.DESCRIPTOR.full_name)
        if plan is None:
            plan = self._plans[message.DESCRIPTOR.full_name] = self._plan(message.DESCRIPTOR)
        result: dict[str, Any] = {}
        # ListFields yields only the fields on the wire (and non-empty repeated ones), in
        # field-number order, which for Kubernetes types is also their Go declaration order.
        for field, value in message.ListFields():
            json_name, convert = plan[field.number]
            converted = convert(value)
            if json_name is None:
                result.update(converted)
            elif converted is not None:
                result[json_name] = converted
        return result

    def _plan(self, message: Descriptor) -> dict[int, tuple[str | None, _Converter]]:
        plan: dict[int, tuple[str | None, _Converter]] = {}
        for field in message.fields:
            key = (message.name, field.name)
            json_name = None if key in _INLINE_FIELDS else _RENAMED_FIELDS.get(key, field.name)
            keeps_zero = key in _POINTER_SCALARS
            plan[field.number] = (json_name, _identity if keeps_zero else self._field_converter(field))
        return plan

    def _field_converter(self, field: FieldDescriptor) -> _Converter:
        from google.protobuf.descriptor import FieldDescriptor

        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value_converter = self._value_converter(field.message_type.fields_by_name["value"])
            return lambda entries: {_text(key): value_converter(value) for key, value in entries.items()}
        if field.is_repeated:
            item_converter = self._value_converter(field)
            return lambda items: [item_converter(item) for item in items]
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            return self._value_converter(field)
        if field.type == FieldDescriptor.TYPE_BYTES:
            return lambda value: _base64(value) if value else None
        if field.type == FieldDescriptor.TYPE_STRING:
            return lambda value: _text(value) if value else None
        return lambda value: value if value else None

    def _value_converter(self, field: FieldDescriptor) -> _Converter:
        """Convert one value of ``field``: a list item, a map value, or a singular message."""
        from google.protobuf.descriptor import FieldDescriptor

        if field.type == FieldDescriptor.TYPE_BYTES:
            return _base64
        if field.type == FieldDescriptor.TYPE_STRING:
            return _text
        if field.type != FieldDescriptor.TYPE_MESSAGE:
            return _identity
        full_name = field.message_type.full_name
        special = _SPECIAL_MESSAGES.get(full_name)
        if special is not None:
            return special
        if field.message_type.name in _STRING_SLICES:
            return lambda wrapper: [_text(item) for item in wrapper.items]
        return self._message_to_dict


def _identity(value: Any) -> Any:
    return value


def _text(value: str | bytes) -> str:
    """A proto2 string field, which the protobuf runtime hands over as bytes when it is not UTF-8.

    Go keeps such bytes in a string and its JSON encoder writes U+FFFD for each invalid one.
    """
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _base64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _time(message: Any) -> str | None:
    # metav1.Time marshals its zero value as an empty message, and Go's JSON for it is null.
    if not message.ListFields():
        return None
    # Go keeps only whole seconds: Time.Unmarshal drops nanos, and JSON is second precision.
    return _timestamp(message.seconds, 0).isoformat(timespec="seconds") + "Z"


def _micro_time(message: Any) -> str | None:
    if not message.ListFields():
        return None
    return _timestamp(message.seconds, message.nanos).isoformat(timespec="microseconds") + "Z"


def _timestamp(seconds: int, nanos: int) -> datetime.datetime:
    """A naive UTC datetime, so that isoformat writes no offset and pads years below 1000."""
    try:
        return _EPOCH + datetime.timedelta(seconds=seconds, microseconds=nanos // 1000)
    except OverflowError as err:
        raise ProtobufDecodeError(f"timestamp out of range: {seconds}s {nanos}ns") from err


def _int_or_string(message: Any) -> int | str:
    if message.type == 0:
        return message.intVal
    if message.type == 1:
        return _text(message.strVal)
    raise ProtobufDecodeError(f"impossible IntOrString.Type: {message.type}")


def _quantity(message: Any) -> str:
    # Go clients always write the canonical string; a message without one is the zero Quantity.
    return _text(message.string) if message.HasField("string") else "0"


def _raw_json(field: str) -> _Converter:
    def convert(message: Any) -> Any:
        raw: bytes = getattr(message, field)
        if not raw:
            return None
        try:
            return json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
            raise ProtobufDecodeError(
                f"{message.DESCRIPTOR.name}.{field} does not hold JSON: {err} (starts with {raw[:16]!r})"
            ) from err

    return convert


# The apimachinery types whose Go JSON form is not their struct. metav1.Duration would belong
# here too, but no field of a built-in type has that type.
_SPECIAL_MESSAGES: dict[str, _Converter] = {
    "k8s.io.apimachinery.pkg.apis.meta.v1.Time": _time,
    "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime": _micro_time,
    "k8s.io.apimachinery.pkg.util.intstr.IntOrString": _int_or_string,
    "k8s.io.apimachinery.pkg.api.resource.Quantity": _quantity,
    "k8s.io.apimachinery.pkg.runtime.RawExtension": _raw_json("raw"),
    "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1": _raw_json("Raw"),
}
