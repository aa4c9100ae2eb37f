"""Tests for the schema registry: decode errors, required fields and unknown fields of built-in kinds."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from fakeapi.apimachinery import field
from fakeapi.apimachinery.openapi_schemas import SchemaRegistry, ValidationResult
from fakeapi.apimachinery.schema import GroupVersionKind

CONFIGMAP = GroupVersionKind("", "v1", "ConfigMap")
SECRET = GroupVersionKind("", "v1", "Secret")
POD = GroupVersionKind("", "v1", "Pod")
SERVICE = GroupVersionKind("", "v1", "Service")
DEPLOYMENT = GroupVersionKind("apps", "v1", "Deployment")
LEASE = GroupVersionKind("coordination.k8s.io", "v1", "Lease")
CRD = GroupVersionKind("apiextensions.k8s.io", "v1", "CustomResourceDefinition")

QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
NO_ERRORS = ValidationResult([], [])


@pytest.fixture(scope="module")
def registry() -> SchemaRegistry:
    return SchemaRegistry.for_version("1.37")


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "image": "nginx:1.27",
                            "ports": [{"containerPort": 80, "protocol": "TCP"}],
                            "env": [{"name": "MODE", "value": "prod"}],
                            "resources": {
                                "limits": {"cpu": "500m", "memory": "128Mi"},
                                "requests": {"cpu": 0.1},
                            },
                            "readinessProbe": {"httpGet": {"path": "/", "port": "http"}},
                        },
                        {"name": "sidecar", "image": "busybox", "command": ["sleep", "3600"]},
                    ],
                    "terminationGracePeriodSeconds": 30,
                },
            },
        },
    }


def pod() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "annotations": {"any/key": "v"}},
        "spec": {"containers": [{"name": "c", "image": "busybox"}], "restartPolicy": "Never"},
    }


def crd() -> dict[str, Any]:
    schema = {
        "type": "object",
        "properties": {"spec": {"type": "object", "properties": {"size": {"type": "integer", "default": 1}}}},
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"plural": "widgets", "kind": "Widget"},
            "scope": "Namespaced",
            "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": schema}}],
        },
    }


# ----- loading and lookup


def test_for_version_is_loaded_once(registry: SchemaRegistry) -> None:
    assert SchemaRegistry.for_version("1.37") is registry


def test_unknown_version_raises() -> None:
    with pytest.raises(LookupError, match=r"Kubernetes 0\.1"):
        SchemaRegistry.for_version("0.1")


def test_definition_for_known_kinds(registry: SchemaRegistry) -> None:
    found = registry.definition_for(CONFIGMAP)
    assert found is not None
    name, schema = found
    assert name == "io.k8s.api.core.v1.ConfigMap"
    assert schema is registry.definitions[name]
    assert set(schema["properties"]) >= {"apiVersion", "kind", "metadata", "data", "binaryData", "immutable"}
    deployment_definition = registry.definition_for(DEPLOYMENT)
    assert deployment_definition is not None
    assert deployment_definition[0] == "io.k8s.api.apps.v1.Deployment"


def test_definitions_are_the_raw_defs(registry: SchemaRegistry) -> None:
    assert len(registry.definitions) == 862
    containers = registry.definitions["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["items"] == {"$ref": "#/$defs/io.k8s.api.core.v1.Container"}
    with pytest.raises(TypeError):
        registry.definitions["x"] = {}  # type: ignore[index]


def test_unknown_gvk(registry: SchemaRegistry) -> None:
    widget = GroupVersionKind("example.com", "v1", "Widget")
    assert registry.definition_for(widget) is None
    assert registry.definition_for(GroupVersionKind("apps", "v2", "Deployment")) is None
    assert registry.validate({"spec": "anything"}, widget) == NO_ERRORS
    assert registry.decode({"spec": {"foo": 1}}, widget).unknown_fields == []
    # A custom resource's metadata is still an ObjectMeta.
    assert registry.decode({"metadata": {"labels": []}}, widget).type_errors == [
        "json: cannot unmarshal array into Go struct field ObjectMeta.labels of type map[string]string"
    ]


def test_validate_can_prune_what_the_kind_does_not_have(registry: SchemaRegistry) -> None:
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "typo": 1}, "data": {"a": "1"}, "x": 2}
    assert registry.validate(obj, CONFIGMAP, prune=True) == NO_ERRORS
    assert obj == {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}}


def test_validate_prunes_nulls_into_go_zero_values(registry: SchemaRegistry) -> None:
    # encoding/json leaves a null struct field at its zero value (omitted, or written as the zero by
    # the Go encoder), and makes a null string, number, Quantity or struct in a list or map its zero.
    obj = pod()
    obj["metadata"] |= {"labels": None, "annotations": {"a": None}}
    container = obj["spec"]["containers"][0]
    container |= {"args": [None, "x"], "env": [{"name": "E", "value": None}], "ports": [None]}
    container["resources"] = {"limits": {"cpu": None}}
    obj["spec"] |= {"nodeSelector": {"k": None}, "activeDeadlineSeconds": None}
    assert registry.validate(obj, POD, prune=True).type_errors == []
    assert "labels" not in obj["metadata"]
    assert obj["metadata"]["annotations"] == {"a": ""}
    assert container["args"] == ["", "x"]
    assert container["env"] == [{"name": "E"}]
    assert container["ports"] == [{}]
    assert container["resources"] == {"limits": {"cpu": "0"}}
    assert obj["spec"]["nodeSelector"] == {"k": ""}
    assert "activeDeadlineSeconds" not in obj["spec"]


# ----- valid objects


def test_valid_objects_pass(registry: SchemaRegistry) -> None:
    configmap = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}}
    for obj, gvk in ((configmap, CONFIGMAP), (deployment(), DEPLOYMENT), (pod(), POD), (crd(), CRD)):
        assert registry.validate(obj, gvk) == NO_ERRORS
        assert registry.decode(obj, gvk).unknown_fields == []


def test_validation_does_not_modify_the_object(registry: SchemaRegistry) -> None:
    obj = deployment()
    obj["spec"]["template"]["spec"]["containers"].append(None)
    before = copy.deepcopy(obj)
    registry.validate(obj, DEPLOYMENT)
    registry.decode(obj, DEPLOYMENT)
    assert obj == before


# ----- required fields


def test_container_without_name_is_required_error(registry: SchemaRegistry) -> None:
    obj = pod()
    del obj["spec"]["containers"][0]["name"]
    result = registry.validate(obj, POD)
    assert result.type_errors == []
    assert result.field_errors == [field.required("spec.containers[0].name", "")]
    assert str(result.field_errors[0]) == "spec.containers[0].name: Required value"


def test_every_missing_field_is_reported(registry: SchemaRegistry) -> None:
    obj = deployment()
    del obj["spec"]["selector"]
    del obj["spec"]["template"]["spec"]["containers"][0]["name"]
    del obj["spec"]["template"]["spec"]["containers"][1]["name"]
    obj["spec"]["template"]["spec"]["containers"][0]["env"].append({"value": "x"})
    assert registry.validate(obj, DEPLOYMENT).field_errors == [
        field.required("spec.selector", ""),
        field.required("spec.template.spec.containers[0].name", ""),
        field.required("spec.template.spec.containers[0].env[1].name", ""),
        field.required("spec.template.spec.containers[1].name", ""),
    ]


def test_required_field_set_to_null(registry: SchemaRegistry) -> None:
    obj = pod()
    obj["spec"]["containers"][0]["name"] = None
    assert registry.validate(obj, POD).field_errors == [field.required("spec.containers[0].name", "")]


def test_null_list_element_is_a_zero_struct(registry: SchemaRegistry) -> None:
    obj = pod()
    obj["spec"]["containers"].append(None)
    assert registry.validate(obj, POD).field_errors == [field.required("spec.containers[1].name", "")]


def test_required_field_inside_a_map_value(registry: SchemaRegistry) -> None:
    obj = crd()
    spec_schema = obj["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    spec_schema["x-kubernetes-validations"] = [{"message": "no rule"}]
    assert registry.validate(obj, CRD).field_errors == [
        field.required("spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule", "")
    ]


# ----- decode (type) errors


def test_string_for_an_integer(registry: SchemaRegistry) -> None:
    obj = deployment()
    obj["spec"]["replicas"] = "3"
    assert registry.validate(obj, DEPLOYMENT) == ValidationResult(
        ["json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"], []
    )


@pytest.mark.parametrize(
    ("replicas", "value"),
    [(True, "bool"), (1.5, "number 1.5"), (2.0, "number 2.0"), (1 << 31, "number 2147483648"), ([], "array")],
)
def test_values_that_are_no_int32(registry: SchemaRegistry, replicas: Any, value: str) -> None:
    obj = deployment()
    obj["spec"]["replicas"] = replicas
    assert registry.validate(obj, DEPLOYMENT).type_errors == [
        f"json: cannot unmarshal {value} into Go struct field DeploymentSpec.spec.replicas of type int32"
    ]


def test_int64_takes_large_integers(registry: SchemaRegistry) -> None:
    obj = pod()
    obj["spec"]["activeDeadlineSeconds"] = 1 << 40
    assert registry.validate(obj, POD) == NO_ERRORS
    obj["spec"]["activeDeadlineSeconds"] = 1 << 63
    assert registry.validate(obj, POD).type_errors == [
        "json: cannot unmarshal number 9223372036854775808 into Go struct field "
        "PodSpec.spec.activeDeadlineSeconds of type int64"
    ]


def test_go_paths_name_struct_fields_only(registry: SchemaRegistry) -> None:
    # The texts kube-apiserver gave in helm and kubectl bug reports for these mistakes.
    obj = deployment()
    spec = obj["spec"]["template"]["spec"]
    spec["containers"][1]["env"] = [{"name": "PORT", "value": 8080}]
    spec["imagePullSecrets"] = ["regcred"]
    spec["tolerations"] = {"key": "k"}
    spec["volumes"] = [{"name": "cache", "emptyDir": "{}"}]
    assert registry.validate(obj, DEPLOYMENT).type_errors == [
        "json: cannot unmarshal number into Go struct field EnvVar.spec.template.spec.containers.env.value "
        "of type string",
        "json: cannot unmarshal string into Go struct field PodSpec.spec.template.spec.imagePullSecrets "
        "of type v1.LocalObjectReference",
        "json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.tolerations "
        "of type []v1.Toleration",
        "json: cannot unmarshal string into Go struct field Volume.spec.template.spec.volumes.emptyDir "
        "of type v1.EmptyDirVolumeSource",
    ]


def test_top_level_fields_and_booleans(registry: SchemaRegistry) -> None:
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "immutable": "yes", "data": []}
    assert registry.validate(obj, CONFIGMAP).type_errors == [
        "json: cannot unmarshal string into Go struct field ConfigMap.immutable of type bool",
        "json: cannot unmarshal array into Go struct field ConfigMap.data of type map[string]string",
    ]


def test_type_errors_and_required_errors_are_separate(registry: SchemaRegistry) -> None:
    obj = pod()
    obj["spec"]["containers"][0]["image"] = 7
    del obj["spec"]["containers"][0]["name"]
    result = registry.validate(obj, POD)
    assert result.type_errors == [
        "json: cannot unmarshal number into Go struct field Container.spec.containers.image of type string"
    ]
    assert result.field_errors == [field.required("spec.containers[0].name", "")]


def test_no_unknown_fields_inside_a_mistyped_value(registry: SchemaRegistry) -> None:
    obj = pod()
    obj["spec"]["containers"][0]["securityContext"] = [{"bogus": 1}]
    assert registry.decode(obj, POD).unknown_fields == []


# ----- custom decoders: IntOrString, Quantity, Time, []byte


def test_int_or_string(registry: SchemaRegistry) -> None:
    service: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "s"},
        "spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 81, "targetPort": "http"}]},
    }
    assert registry.validate(service, SERVICE) == NO_ERRORS
    service["spec"]["ports"][1]["targetPort"] = True
    assert registry.validate(service, SERVICE).type_errors == [
        "json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type int32"
    ]
    service["spec"]["ports"][1]["targetPort"] = 1.5
    assert registry.validate(service, SERVICE).type_errors == [
        "json: cannot unmarshal number 1.5 into Go struct field ServicePort.spec.ports.targetPort of type int32"
    ]


def test_error_returned_by_a_custom_decoder_comes_first(registry: SchemaRegistry) -> None:
    # Go saves the replicas error and goes on, but IntOrString's UnmarshalJSON error aborts decoding
    # and is the one reported.
    obj = deployment()
    obj["spec"]["replicas"] = "2"
    obj["spec"]["strategy"]["rollingUpdate"]["maxSurge"] = {"percent": 25}
    assert registry.validate(obj, DEPLOYMENT).type_errors == [
        "json: cannot unmarshal object into Go struct field "
        "RollingUpdateDeployment.spec.strategy.rollingUpdate.maxSurge of type int32",
        "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32",
    ]


@pytest.mark.parametrize(
    ("quantity", "error"),
    [
        ("100m", None),
        (" 1Gi ", None),
        (2, None),
        (0.5, None),
        ("1e3", None),
        ("abc", QUANTITY_FORMAT_ERROR),
        ("1Gx", QUANTITY_FORMAT_ERROR),
        ("", QUANTITY_FORMAT_ERROR),
        (True, QUANTITY_FORMAT_ERROR),
        ({"cpu": 1}, QUANTITY_FORMAT_ERROR),
        ("5e", "unable to parse quantity's suffix"),
        ("5Qi", QUANTITY_FORMAT_ERROR),
        (".Ei", "unable to parse numeric part of quantity"),
    ],
)
def test_quantity(registry: SchemaRegistry, quantity: Any, error: str | None) -> None:
    obj = pod()
    obj["spec"]["containers"][0]["resources"] = {"limits": {"memory": quantity}}
    assert registry.validate(obj, POD).type_errors == ([] if error is None else [error])


def test_resource_list_of_the_wrong_shape(registry: SchemaRegistry) -> None:
    obj = pod()
    obj["spec"]["containers"][0]["resources"] = {"requests": ["cpu"]}
    assert registry.validate(obj, POD).type_errors == [
        "json: cannot unmarshal array into Go struct field "
        "ResourceRequirements.spec.containers.resources.requests of type v1.ResourceList"
    ]


@pytest.mark.parametrize(
    ("timestamp", "error"),
    [
        ("2025-01-02T03:04:05Z", None),
        ("2025-01-02T03:04:05.123456+01:00", None),
        (
            "2025-01-02 03:04:05",
            'parsing time "2025-01-02 03:04:05" as "2006-01-02T15:04:05Z07:00": cannot parse " 03:04:05" as "T"',
        ),
        (
            "2025-01-02T03:04:05",
            'parsing time "2025-01-02T03:04:05" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00"',
        ),
        ("2025-13-02T03:04:05Z", 'parsing time "2025-13-02T03:04:05Z": month out of range'),
        ("2025-02-29T03:04:05Z", 'parsing time "2025-02-29T03:04:05Z": day out of range'),
        ("2025-01-02T03:04:05Zjunk", 'parsing time "2025-01-02T03:04:05Zjunk": extra text: "junk"'),
        (
            "soon",
            'parsing time "soon" as "2006-01-02T15:04:05Z07:00": cannot parse "soon" as "2006"',
        ),
    ],
)
def test_time(registry: SchemaRegistry, timestamp: str, error: str | None) -> None:
    obj = pod()
    obj["metadata"]["deletionTimestamp"] = timestamp
    assert registry.validate(obj, POD).type_errors == ([] if error is None else [error])


def test_time_of_the_wrong_type(registry: SchemaRegistry) -> None:
    obj = pod()
    obj["metadata"]["creationTimestamp"] = 1700000000
    assert registry.validate(obj, POD).type_errors == [
        "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp of type string"
    ]


def test_micro_time_wants_six_fraction_digits(registry: SchemaRegistry) -> None:
    lease: dict[str, Any] = {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "l"},
        "spec": {"holderIdentity": "me", "renewTime": "2025-01-02T03:04:05.000000Z"},
    }
    assert registry.validate(lease, LEASE) == NO_ERRORS
    lease["spec"]["renewTime"] = "2025-01-02T03:04:05Z"
    assert registry.validate(lease, LEASE).type_errors == [
        'parsing time "2025-01-02T03:04:05Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"'
    ]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ("aGVsbG8=", None),
        ("aGVs\nbG8=", None),
        ("hello", "illegal base64 data at input byte 4"),
        ("abc", "illegal base64 data at input byte 0"),
        ("aGk=x", "illegal base64 data at input byte 4"),
        (5, "json: cannot unmarshal number into Go struct field Secret.data of type []uint8"),
    ],
)
def test_secret_data_is_base64(registry: SchemaRegistry, data: Any, error: str | None) -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"key": data}}
    assert registry.validate(secret, SECRET).type_errors == ([] if error is None else [error])


# ----- null and maps


def test_nullable_fields(registry: SchemaRegistry) -> None:
    obj = deployment()
    obj["metadata"]["labels"] = None
    obj["spec"]["replicas"] = None
    obj["spec"]["strategy"] = None
    obj["spec"]["template"]["spec"]["containers"][0]["ports"] = None
    obj["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"] = None
    assert registry.validate(obj, DEPLOYMENT) == NO_ERRORS


def test_maps_take_any_key_and_check_values(registry: SchemaRegistry) -> None:
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "labels": {"app.kubernetes.io/name": "x"}, "annotations": {"n": 1}},
        "data": {"strange key.txt": "v", "other": True},
    }
    assert registry.decode(configmap, CONFIGMAP).unknown_fields == []
    assert registry.validate(configmap, CONFIGMAP).type_errors == [
        "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.annotations of type string",
        "json: cannot unmarshal bool into Go struct field ConfigMap.data of type string",
    ]


# ----- unknown fields


def test_unknown_fields_with_nested_paths(registry: SchemaRegistry) -> None:
    obj = deployment()
    obj["bar"] = 1
    obj["metadata"]["labelz"] = {}
    obj["spec"]["foo"] = {"nested": True}
    obj["spec"]["template"]["spec"]["containers"][1]["imagePullPolicyx"] = "Always"
    obj["spec"]["template"]["spec"]["containers"][0]["ports"][0]["Name"] = "http"
    # In body order, as Go's decoder meets them; "Name" is unknown because decoding is case-sensitive.
    assert registry.decode(obj, DEPLOYMENT).unknown_fields == [
        "metadata.labelz",
        "spec.template.spec.containers[0].ports[0].Name",
        "spec.template.spec.containers[1].imagePullPolicyx",
        "spec.foo",
        "bar",
    ]
    assert registry.validate(obj, DEPLOYMENT) == NO_ERRORS


def test_unknown_fields_under_map_values_use_dotted_keys(registry: SchemaRegistry) -> None:
    obj = crd()
    spec_schema = obj["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    spec_schema["typo"] = "object"
    spec_schema["default"] = {"anything": {"goes": [1, "x"]}}
    assert registry.decode(obj, CRD).unknown_fields == ["spec.versions[0].schema.openAPIV3Schema.properties.spec.typo"]


def test_raw_fields_take_anything(registry: SchemaRegistry) -> None:
    obj = pod()
    obj["metadata"]["managedFields"] = [
        {
            "manager": "kubectl",
            "operation": "Update",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:data": {".": {}}},
        }
    ]
    assert registry.decode(obj, POD).unknown_fields == []
    assert registry.validate(obj, POD) == NO_ERRORS


def test_empty_structs_have_no_fields(registry: SchemaRegistry) -> None:
    obj = crd()
    obj["spec"]["versions"][0]["subresources"] = {"status": {"enabled": True}}
    assert registry.decode(obj, CRD).unknown_fields == ["spec.versions[0].subresources.status.enabled"]


def test_unknown_fields_stop_at_one_hundred(registry: SchemaRegistry) -> None:
    obj = pod()
    obj["spec"].update({f"x{i}": i for i in range(150)})
    unknown = registry.decode(obj, POD).unknown_fields
    assert len(unknown) == 100
    assert unknown[0] == "spec.x0"
    assert unknown[-1] == "spec.x99"
