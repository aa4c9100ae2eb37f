"""Tests for fakeapi.apimachinery.protobuf: Kubernetes protobuf bodies to JSON-form dicts.

Bodies are built the way client-go builds them, with messages from the same packaged descriptor
set. Go's encoder writes every non-pointer field even when it is zero; the tests set such fields
explicitly where that matters, which makes the Python encoder put them on the wire too.
"""

from __future__ import annotations

import datetime
import functools
import importlib.resources
import json
import re
from typing import Any

import jsonschema
import pytest
from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import FieldDescriptor
from protobuf_bodies import PREFIX, new_message, protobuf_body, unknown_envelope

from fakeapi.apimachinery import protobuf
from fakeapi.apimachinery.protobuf import ProtobufDecodeError, decode_object

CORE = "k8s.io.api.core.v1"
META = "k8s.io.apimachinery.pkg.apis.meta.v1"


def _seconds(rfc3339: str) -> int:
    return int(datetime.datetime.fromisoformat(rfc3339).timestamp())


def test_configmap() -> None:
    cm = new_message(f"{CORE}.ConfigMap")
    cm.metadata.name = "settings"
    cm.metadata.namespace = "default"
    cm.metadata.labels["app"] = "web"
    cm.metadata.creationTimestamp.seconds = _seconds("2025-01-02T03:04:05+00:00")
    cm.data["mode"] = "fast"
    cm.data["empty"] = ""

    assert decode_object(protobuf_body("v1", "ConfigMap", cm)) == {
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "metadata": {
            "name": "settings",
            "namespace": "default",
            "creationTimestamp": "2025-01-02T03:04:05Z",
            "labels": {"app": "web"},
        },
        "data": {"mode": "fast", "empty": ""},
    }


def test_zero_values_that_go_writes_are_omitted() -> None:
    # What `kubectl create configmap c` sends: gogo writes ObjectMeta's non-pointer fields and
    # the zero creationTimestamp (an empty message) even though nothing set them.
    cm = new_message(f"{CORE}.ConfigMap")
    meta = cm.metadata
    meta.name = "c"
    meta.generateName = meta.namespace = meta.selfLink = meta.uid = meta.resourceVersion = ""
    meta.generation = 0
    meta.creationTimestamp.SetInParent()

    assert decode_object(protobuf_body("v1", "ConfigMap", cm)) == {
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "metadata": {"name": "c"},
    }


def test_pointer_fields_whose_zero_means_something_keep_it() -> None:
    # `kubectl create deployment idle --replicas=0`: unset would be defaulted to 1.
    deployment = new_message("k8s.io.api.apps.v1.Deployment")
    deployment.metadata.name = "idle"
    deployment.spec.replicas = 0
    deployment.spec.minReadySeconds = 0  # a non-pointer zero, which gogo writes too
    deployment.spec.template.spec.terminationGracePeriodSeconds = 0
    deployment.spec.template.spec.enableServiceLinks = False

    spec = decode_object(protobuf_body("apps/v1", "Deployment", deployment))["spec"]
    assert spec == {
        "replicas": 0,
        "template": {"spec": {"terminationGracePeriodSeconds": 0, "enableServiceLinks": False}},
    }


def test_the_pointer_scalar_table_names_scalar_fields_that_exist() -> None:
    messages = {}
    for file in descriptor_pb2.FileDescriptorSet.FromString(
        importlib.resources.files("fakeapi.apimachinery").joinpath("k8s_descriptors.binpb").read_bytes()
    ).file:
        for message in file.message_type:
            messages.setdefault(message.name, []).append({f.name: f for f in message.field})
    for message_name, field_name in protobuf._POINTER_SCALARS:
        assert message_name in messages, message_name
        for fields in messages[message_name]:
            field = fields.get(field_name)
            assert field is not None, (message_name, field_name)
            assert field.type != descriptor_pb2.FieldDescriptorProto.TYPE_MESSAGE, (message_name, field_name)


def test_secret_bytes_are_base64() -> None:
    secret = new_message(f"{CORE}.Secret")
    secret.metadata.name = "creds"
    secret.data["password"] = b"s3cr\xff"
    secret.data["none"] = b""
    secret.stringData["user"] = "admin"
    secret.type = "Opaque"

    assert decode_object(protobuf_body("v1", "Secret", secret)) == {
        "kind": "Secret",
        "apiVersion": "v1",
        "metadata": {"name": "creds"},
        "data": {"password": "czNjcv8=", "none": ""},
        "stringData": {"user": "admin"},
        "type": "Opaque",
    }


def test_namespace() -> None:
    namespace = new_message(f"{CORE}.Namespace")
    namespace.metadata.name = "team-a"
    namespace.spec.finalizers.append("kubernetes")
    namespace.status.phase = "Active"

    assert decode_object(protobuf_body("v1", "Namespace", namespace)) == {
        "kind": "Namespace",
        "apiVersion": "v1",
        "metadata": {"name": "team-a"},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def test_deployment() -> None:
    deployment = new_message("k8s.io.api.apps.v1.Deployment")
    deployment.metadata.name = "web"
    spec = deployment.spec
    spec.replicas = 3
    spec.selector.matchLabels["app"] = "web"
    spec.template.metadata.labels["app"] = "web"
    container = spec.template.spec.containers.add()
    container.name = "nginx"
    container.image = "nginx:1.27"
    container.resources.requests["cpu"].string = "250m"
    container.resources.requests["memory"].string = "64Mi"
    container.resources.limits["cpu"].SetInParent()
    rolling = spec.strategy.rollingUpdate
    rolling.maxSurge.type = 1
    rolling.maxSurge.strVal = "25%"
    rolling.maxUnavailable.type = 0
    rolling.maxUnavailable.intVal = 1
    deployment.status.SetInParent()

    assert decode_object(protobuf_body("apps/v1", "Deployment", deployment)) == {
        "kind": "Deployment",
        "apiVersion": "apps/v1",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {
                            "name": "nginx",
                            "image": "nginx:1.27",
                            "resources": {
                                "limits": {"cpu": "0"},
                                "requests": {"cpu": "250m", "memory": "64Mi"},
                            },
                        }
                    ]
                },
            },
            "strategy": {"rollingUpdate": {"maxUnavailable": 1, "maxSurge": "25%"}},
        },
        "status": {},
    }


def test_pod_with_time_containers_and_inline_structs() -> None:
    pod = new_message(f"{CORE}.Pod")
    pod.metadata.name = "web-0"
    # Go's Time keeps whole seconds only.
    pod.metadata.creationTimestamp.seconds = _seconds("2025-01-02T03:04:05+00:00")
    pod.metadata.creationTimestamp.nanos = 999_000_000
    pod.metadata.deletionGracePeriodSeconds = 30
    spec = pod.spec
    for name in ("app", "sidecar"):
        container = spec.containers.add()
        container.name = name
        container.image = f"{name}:latest"
    app = spec.containers[0]
    app.command.extend(["/bin/app", ""])
    port = app.ports.add()
    port.containerPort = 8080
    port.protocol = "TCP"
    env = app.env.add()
    env.name = "MODE"
    env.valueFrom.configMapKeyRef.localObjectReference.name = "settings"
    env.valueFrom.configMapKeyRef.key = "mode"
    app.readinessProbe.handler.httpGet.path = "/healthz"
    app.readinessProbe.handler.httpGet.port.type = 1
    app.readinessProbe.handler.httpGet.port.strVal = "http"
    app.readinessProbe.periodSeconds = 5
    app.securityContext.runAsNonRoot = True
    volume = spec.volumes.add()
    volume.name = "config"
    volume.volumeSource.configMap.localObjectReference.name = "settings"
    volume.volumeSource.configMap.defaultMode = 0o644
    spec.restartPolicy = "Always"

    decoded = decode_object(protobuf_body("v1", "Pod", pod))

    assert decoded["metadata"] == {
        "name": "web-0",
        "creationTimestamp": "2025-01-02T03:04:05Z",
        "deletionGracePeriodSeconds": 30,
    }
    assert decoded["spec"] == {
        "volumes": [{"name": "config", "configMap": {"name": "settings", "defaultMode": 420}}],
        "containers": [
            {
                "name": "app",
                "image": "app:latest",
                "command": ["/bin/app", ""],
                "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                "env": [{"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "mode"}}}],
                "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 5},
                "securityContext": {"runAsNonRoot": True},
            },
            {"name": "sidecar", "image": "sidecar:latest"},
        ],
        "restartPolicy": "Always",
    }


@pytest.mark.parametrize("api_version", ["meta.k8s.io/v1", "v1", "apps/v1"])
def test_delete_options(api_version: str) -> None:
    # metav1.AddToGroupVersion registers DeleteOptions in every group version; client-go sends
    # it with the version of the resource being deleted.
    options = new_message(f"{META}.DeleteOptions")
    options.gracePeriodSeconds = 30
    options.preconditions.uid = "0d5f9a4e"
    options.propagationPolicy = "Foreground"
    options.dryRun.append("All")

    assert decode_object(protobuf_body(api_version, "DeleteOptions", options)) == {
        "kind": "DeleteOptions",
        "apiVersion": api_version,
        "gracePeriodSeconds": 30,
        "preconditions": {"uid": "0d5f9a4e"},
        "propagationPolicy": "Foreground",
        "dryRun": ["All"],
    }


def test_micro_time() -> None:
    lease = new_message("k8s.io.api.coordination.v1.Lease")
    lease.metadata.name = "leader"
    lease.spec.holderIdentity = "pod-a"
    lease.spec.leaseDurationSeconds = 15
    lease.spec.renewTime.seconds = _seconds("2025-01-02T03:04:05+00:00")
    lease.spec.renewTime.nanos = 123_456_789
    lease.spec.acquireTime.seconds = _seconds("2025-01-02T03:04:00+00:00")

    assert decode_object(protobuf_body("coordination.k8s.io/v1", "Lease", lease))["spec"] == {
        "holderIdentity": "pod-a",
        "leaseDurationSeconds": 15,
        "acquireTime": "2025-01-02T03:04:00.000000Z",
        "renewTime": "2025-01-02T03:04:05.123456Z",
    }


def test_raw_extension_and_fields_v1() -> None:
    revision = new_message("k8s.io.api.apps.v1.ControllerRevision")
    revision.metadata.name = "web-1"
    entry = revision.metadata.managedFields.add()
    entry.manager = "kubectl"
    entry.operation = "Update"
    entry.fieldsType = "FieldsV1"
    entry.fieldsV1.Raw = b'{"f:data":{}}'
    revision.data.raw = b'{"spec":{"template":{"$patch":"replace"}}}'
    revision.revision = 1

    decoded = decode_object(protobuf_body("apps/v1", "ControllerRevision", revision))

    assert decoded["metadata"]["managedFields"] == [
        {"manager": "kubectl", "operation": "Update", "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {}}}
    ]
    assert decoded["data"] == {"spec": {"template": {"$patch": "replace"}}}
    assert decoded["revision"] == 1


def test_empty_raw_extension_is_omitted() -> None:
    revision = new_message("k8s.io.api.apps.v1.ControllerRevision")
    revision.data.raw = b""

    assert "data" not in decode_object(protobuf_body("apps/v1", "ControllerRevision", revision))


def test_named_string_slices_are_lists() -> None:
    review = new_message("k8s.io.api.authorization.v1.SubjectAccessReview")
    review.spec.user = "jane"
    review.spec.extra["scopes"].items.extend(["read", "write"])
    review.spec.resourceAttributes.verb = "get"
    review.spec.resourceAttributes.resource = "pods"

    assert decode_object(protobuf_body("authorization.k8s.io/v1", "SubjectAccessReview", review))["spec"] == {
        "resourceAttributes": {"verb": "get", "resource": "pods"},
        "user": "jane",
        "extra": {"scopes": ["read", "write"]},
    }


def test_fields_whose_protobuf_name_differs_from_the_json_name() -> None:
    config = new_message("k8s.io.api.admissionregistration.v1.ValidatingWebhookConfiguration")
    config.metadata.name = "policy"
    webhook = config.Webhooks.add()
    webhook.name = "check.example.com"
    rule = webhook.rules.add()
    rule.operations.append("CREATE")
    rule.rule.apiGroups.append("")
    rule.rule.resources.append("pods")
    ingress_class = new_message("k8s.io.api.networking.v1.IngressClass")
    ingress_class.spec.parameters.aPIGroup = "example.com"
    ingress_class.spec.parameters.kind = "Params"

    webhooks = decode_object(protobuf_body("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", config))
    ingress = decode_object(protobuf_body("networking.k8s.io/v1", "IngressClass", ingress_class))

    assert webhooks["webhooks"] == [
        {
            "name": "check.example.com",
            "rules": [{"operations": ["CREATE"], "apiGroups": [""], "resources": ["pods"]}],
        }
    ]
    assert ingress["spec"] == {"parameters": {"apiGroup": "example.com", "kind": "Params"}}


@pytest.mark.parametrize(
    ("api_version", "kind", "type_name"),
    [
        ("v1", "Service", f"{CORE}.Service"),
        ("apps/v1", "StatefulSet", "k8s.io.api.apps.v1.StatefulSet"),
        ("batch/v1", "CronJob", "k8s.io.api.batch.v1.CronJob"),
        ("rbac.authorization.k8s.io/v1", "ClusterRole", "k8s.io.api.rbac.v1.ClusterRole"),
        ("flowcontrol.apiserver.k8s.io/v1", "FlowSchema", "k8s.io.api.flowcontrol.v1.FlowSchema"),
        (
            "internal.apiserver.k8s.io/v1alpha1",
            "StorageVersion",
            "k8s.io.api.apiserverinternal.v1alpha1.StorageVersion",
        ),
        ("events.k8s.io/v1", "Event", "k8s.io.api.events.v1.Event"),
        ("v1", "Event", f"{CORE}.Event"),
        ("v1", "ConfigMapList", f"{CORE}.ConfigMapList"),
        ("meta.k8s.io/v1", "PartialObjectMetadata", f"{META}.PartialObjectMetadata"),
    ],
)
def test_group_version_kind_to_message(api_version: str, kind: str, type_name: str) -> None:
    obj = new_message(type_name)
    obj.metadata.resourceVersion = "7"

    assert decode_object(protobuf_body(api_version, kind, obj)) == {
        "kind": kind,
        "apiVersion": api_version,
        "metadata": {"resourceVersion": "7"},
    }


def _configmap_raw() -> bytes:
    cm = new_message(f"{CORE}.ConfigMap")
    cm.metadata.name = "c"
    return cm.SerializeToString()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty data"),
        (b'{"kind":"ConfigMap"}', "does not appear to be a protobuf message"),
        (b"k8s\x01" + unknown_envelope("v1", "ConfigMap", b""), "does not appear to be a protobuf message"),
        (PREFIX, "empty body"),
        (PREFIX + unknown_envelope("v1", "ConfigMap", _configmap_raw())[:-3], "runtime.Unknown"),
        (PREFIX + unknown_envelope("v1", "ConfigMap", _configmap_raw()[:-1]), "v1, Kind=ConfigMap"),
        (PREFIX + unknown_envelope("v1", "", _configmap_raw()), "'Kind' is missing"),
        (PREFIX + unknown_envelope("", "ConfigMap", _configmap_raw()), "'apiVersion' is missing"),
        (PREFIX + unknown_envelope("v1", "Widget", b""), 'no kind "Widget" is registered for version "v1"'),
        (PREFIX + unknown_envelope("v2", "ConfigMap", b""), 'no kind "ConfigMap" is registered for version "v2"'),
        (
            PREFIX + unknown_envelope("apiextensions.k8s.io/v1", "CustomResourceDefinition", b""),
            'no kind "CustomResourceDefinition" is registered for version "apiextensions.k8s.io/v1"',
        ),
        (
            PREFIX + unknown_envelope("apps.example.com/v1", "Deployment", b""),
            'no kind "Deployment" is registered for version "apps.example.com/v1"',
        ),
    ],
)
def test_undecodable_bodies(body: bytes, message: str) -> None:
    with pytest.raises(ProtobufDecodeError, match=re.escape(message)):
        decode_object(body)


def test_impossible_int_or_string_type() -> None:
    service = new_message(f"{CORE}.Service")
    port = service.spec.ports.add()
    port.port = 80
    port.targetPort.type = 2

    with pytest.raises(ProtobufDecodeError, match=r"impossible IntOrString\.Type: 2"):
        decode_object(protobuf_body("v1", "Service", service))


def test_raw_extension_that_is_not_json() -> None:
    revision = new_message("k8s.io.api.apps.v1.ControllerRevision")
    revision.data.raw = b"k8s\x00\x0a\x02"

    with pytest.raises(ProtobufDecodeError, match=r"RawExtension\.raw does not hold JSON"):
        decode_object(protobuf_body("apps/v1", "ControllerRevision", revision))


# The JSON schema of every type a 1.37 server serves, with additionalProperties: false.
_SCHEMA_DIR = "kubernetes-json-schema/v1.37.0-local-strict"
# Values the schema accepts for the apimachinery types with a custom JSON form.
_SPECIAL_FILL = {
    f"{META}.Time": lambda m: setattr(m, "seconds", 1),
    f"{META}.MicroTime": lambda m: setattr(m, "seconds", 1),
    "k8s.io.apimachinery.pkg.util.intstr.IntOrString": lambda m: setattr(m, "intVal", 1),
    "k8s.io.apimachinery.pkg.api.resource.Quantity": lambda m: setattr(m, "string", "1"),
    "k8s.io.apimachinery.pkg.runtime.RawExtension": lambda m: setattr(m, "raw", b"{}"),
    f"{META}.FieldsV1": lambda m: setattr(m, "Raw", b"{}"),
}
_SCALAR_FILL = {
    FieldDescriptor.TYPE_STRING: "x",
    FieldDescriptor.TYPE_BOOL: True,
    FieldDescriptor.TYPE_BYTES: b"x",
}


def _fill(message: Any, outer: frozenset[str] = frozenset()) -> None:
    """Set every field of ``message``, recursively, to a value that is not the zero value.

    A field holding a message type that encloses it (scheduling's CompositePodGroupTemplate
    nests itself) is left unset.
    """
    name = message.DESCRIPTOR.full_name
    special = _SPECIAL_FILL.get(name)
    if special is not None:
        special(message)
        return
    outer |= {name}
    for field in message.DESCRIPTOR.fields:
        container = getattr(message, field.name)
        value_type = field.message_type
        if value_type is not None and value_type.full_name in outer:
            continue
        if value_type is not None and value_type.GetOptions().map_entry:
            value_field = value_type.fields_by_name["value"]
            if value_field.message_type is None:
                container["k"] = _SCALAR_FILL.get(value_field.type, 1)
            else:
                _fill(container["k"], outer)
        elif value_type is not None:
            _fill(container.add() if field.is_repeated else container, outer)
        elif field.is_repeated:
            container.append(_SCALAR_FILL.get(field.type, 1))
        else:
            setattr(message, field.name, _SCALAR_FILL.get(field.type, 1))


@functools.cache
def _schema_definitions() -> dict[str, Any]:
    schemas = importlib.resources.files("kubernetes_validate").joinpath(_SCHEMA_DIR)
    definitions: dict[str, Any] = json.loads(schemas.joinpath("_definitions.json").read_text())["$defs"]
    return definitions


def test_every_served_kind_matches_the_openapi_schema() -> None:
    """Every field of every served kind lands under its JSON name, with its JSON shape.

    This keeps the inline, rename and named-slice tables complete: a field the decoder names
    wrongly is an additional property, which the strict schema rejects, and a wrong shape fails
    its type. Enum values and formats are not checked: they say nothing about names and shapes.
    """
    definitions = _schema_definitions()
    validator_class = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"enum": None, "format": None})
    decoded_kinds, undecodable, failures = 0, set(), []
    for definition, schema in definitions.items():
        full_name = "k8s.io." + definition.removeprefix("io.k8s.")
        for gvk in schema.get("x-kubernetes-group-version-kind", []):
            api_version = f"{gvk['group']}/{gvk['version']}".removeprefix("/")
            try:
                obj = new_message(full_name)
            except KeyError:
                undecodable.add(definition)
                continue
            _fill(obj)
            decoded = decode_object(protobuf_body(api_version, gvk["kind"], obj))
            decoded_kinds += 1
            assert (decoded.pop("apiVersion"), decoded.pop("kind")) == (api_version, gvk["kind"])
            # Not validated with the rest: WatchEvent's schema has no apiVersion or kind.
            validator = validator_class({"$ref": f"#/$defs/{definition}", "$defs": definitions})
            errors = [
                f"{'/'.join(map(str, err.absolute_path))}: {err.message}" for err in validator.iter_errors(decoded)
            ]
            if errors:
                failures.append((api_version, gvk["kind"], errors[:5]))
    assert failures == []
    assert decoded_kinds > 300
    # CRDs and APIServices do have protobuf forms upstream, but their .proto files are not in
    # the k8s-proto set, so the server cannot decode them.
    assert {name.rsplit(".", 1)[1] for name in undecodable} == {
        "CustomResourceDefinition",
        "CustomResourceDefinitionList",
        "APIService",
        "APIServiceList",
    }


def test_strings_that_are_not_utf8_are_decoded_as_go_writes_them() -> None:
    # Go keeps the bytes and its JSON encoder writes U+FFFD for each invalid one. The raw message
    # is ConfigMap{metadata (field 1): ObjectMeta{name (field 1): "\xff"}}, written by hand since
    # the Python encoder refuses such a string.
    raw = b"\x0a\x03" + b"\x0a\x01\xff"
    assert decode_object(PREFIX + unknown_envelope("v1", "ConfigMap", raw))["metadata"] == {"name": "\ufffd"}
