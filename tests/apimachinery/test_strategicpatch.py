"""Strategic merge patch against the built-in schemas: merge keys, directives, ordering, errors.

Expected results follow k8s.io/apimachinery/pkg/util/strategicpatch (patch.go and its tests):
lists with patch strategy ``merge`` merge by their key, primitive merge lists union, other lists
and atomic fields are replaced, and items the patch adds go before the live ones unless
``$setElementOrder`` says otherwise.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.apimachinery.schema import GroupVersionKind
from fakeapi.apimachinery.strategicpatch import PatchSchema, StrategicMergePatchError, strategic_merge_patch

DEPLOYMENT = GroupVersionKind("apps", "v1", "Deployment")
POD = GroupVersionKind("", "v1", "Pod")


@pytest.fixture(scope="module")
def registry() -> SchemaRegistry:
    return SchemaRegistry.for_version("1.37")


def _deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web", "tier": "front"}, "finalizers": ["a", "b"]},
        "spec": {
            "replicas": 1,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "nginx",
                            "image": "nginx:1",
                            "args": ["-a", "-b"],
                            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                            "ports": [{"containerPort": 80, "name": "http"}],
                        },
                        {"name": "side", "image": "busybox"},
                    ],
                    "volumes": [{"name": "data", "emptyDir": {}}],
                }
            },
        },
    }


def _patch(registry: SchemaRegistry, patch: dict[str, Any], obj: dict[str, Any] | None = None) -> dict[str, Any]:
    schema = PatchSchema.for_kind(registry, DEPLOYMENT)
    assert schema is not None
    return strategic_merge_patch(copy.deepcopy(obj or _deployment()), copy.deepcopy(patch), schema)


def _containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    containers: list[dict[str, Any]] = obj["spec"]["template"]["spec"]["containers"]
    return containers


def _error(registry: SchemaRegistry, patch: dict[str, Any], obj: dict[str, Any] | None = None) -> dict[str, Any]:
    with pytest.raises(StrategicMergePatchError) as caught:
        _patch(registry, patch, obj)
    status: dict[str, Any] = caught.value.to_status_error().status
    return status


# -- merge keys -------------------------------------------------------------------------------


def test_containers_merge_by_name_and_keep_the_others(registry: SchemaRegistry) -> None:
    result = _patch(registry, {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:2"}]}}}})
    nginx, side = _containers(result)
    assert nginx["image"] == "nginx:2"
    assert nginx["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    assert side == {"name": "side", "image": "busybox"}


def test_env_merges_by_name_inside_a_merged_container(registry: SchemaRegistry) -> None:
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "env": [{"name": "B", "value": "9"}]}]}}}}
    assert _containers(_patch(registry, patch))[0]["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "9"}]


def test_ports_merge_by_container_port(registry: SchemaRegistry) -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {"containers": [{"name": "nginx", "ports": [{"containerPort": 80, "protocol": "TCP"}]}]}
            }
        }
    }
    assert _containers(_patch(registry, patch))[0]["ports"] == [
        {"containerPort": 80, "name": "http", "protocol": "TCP"}
    ]


def test_pod_conditions_merge_by_type(registry: SchemaRegistry) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "status": {"conditions": [{"type": "Ready", "status": "False"}, {"type": "Initialized", "status": "True"}]},
    }
    schema = PatchSchema.for_kind(registry, POD)
    assert schema is not None
    result = strategic_merge_patch(pod, {"status": {"conditions": [{"type": "Ready", "status": "True"}]}}, schema)
    assert result["status"]["conditions"] == [
        {"type": "Ready", "status": "True"},
        {"type": "Initialized", "status": "True"},
    ]


def test_lists_without_merge_strategy_are_replaced(registry: SchemaRegistry) -> None:
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "args": ["-c"]}]}}}}
    assert _containers(_patch(registry, patch))[0]["args"] == ["-c"]


def test_primitive_merge_list_is_a_union(registry: SchemaRegistry) -> None:
    # finalizers: patch strategy merge without a merge key; the patch's items come first.
    assert _patch(registry, {"metadata": {"finalizers": ["c", "a"]}})["metadata"]["finalizers"] == ["c", "a", "b"]


def test_maps_merge_and_null_deletes(registry: SchemaRegistry) -> None:
    result = _patch(registry, {"metadata": {"labels": {"tier": None, "env": "prod"}}, "spec": {"replicas": 3}})
    assert result["metadata"]["labels"] == {"app": "web", "env": "prod"}
    assert result["spec"]["replicas"] == 3


def test_nulls_inside_an_added_value_are_dropped(registry: SchemaRegistry) -> None:
    result = _patch(registry, {"metadata": {"annotations": {"a": "1", "b": None}}})
    assert result["metadata"]["annotations"] == {"a": "1"}


# -- ordering ---------------------------------------------------------------------------------


def test_new_item_goes_first_without_set_element_order(registry: SchemaRegistry) -> None:
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "new", "image": "x"}]}}}}
    assert [c["name"] for c in _containers(_patch(registry, patch))] == ["new", "nginx", "side"]


def test_set_element_order_decides_the_order(registry: SchemaRegistry) -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "side"}, {"name": "new"}, {"name": "nginx"}],
                    "containers": [{"name": "new", "image": "x"}],
                }
            }
        }
    }
    result = _patch(registry, patch)
    assert [c["name"] for c in _containers(result)] == ["side", "new", "nginx"]
    assert "$setElementOrder/containers" not in result["spec"]["template"]["spec"]


def test_set_element_order_of_a_primitive_list(registry: SchemaRegistry) -> None:
    patch = {"metadata": {"$setElementOrder/finalizers": ["b", "c", "a"], "finalizers": ["c"]}}
    assert _patch(registry, patch)["metadata"]["finalizers"] == ["b", "c", "a"]


def test_set_element_order_that_contradicts_the_patch_fails(registry: SchemaRegistry) -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "nginx"}],
                    "containers": [{"name": "side", "image": "y"}],
                }
            }
        }
    }
    status = _error(registry, patch)
    assert status["code"] == 500
    assert status["message"] == (
        "The order in patch list:\n[map[image:y name:side]]\n doesn't match $setElementOrder list:\n[map[name:nginx]]\n"
    )


# -- directives -------------------------------------------------------------------------------


def test_patch_delete_removes_a_list_item(registry: SchemaRegistry) -> None:
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "$patch": "delete"}]}}}}
    assert [c["name"] for c in _containers(_patch(registry, patch))] == ["side"]


def test_patch_replace_in_a_list_replaces_it(registry: SchemaRegistry) -> None:
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "only", "image": "x"}, {"$patch": "replace"}]}}}}
    assert _containers(_patch(registry, patch)) == [{"name": "only", "image": "x"}]


def test_patch_replace_on_a_map_replaces_it(registry: SchemaRegistry) -> None:
    result = _patch(registry, {"metadata": {"labels": {"$patch": "replace", "new": "1"}}})
    assert result["metadata"]["labels"] == {"new": "1"}


def test_patch_delete_on_a_map_empties_it(registry: SchemaRegistry) -> None:
    assert _patch(registry, {"spec": {"strategy": {"$patch": "delete"}}})["spec"]["strategy"] == {}


def test_directives_in_an_added_value_are_removed(registry: SchemaRegistry) -> None:
    result = _patch(registry, {"metadata": {"annotations": {"x": {"$patch": "delete"}, "y": "1"}}})
    assert result["metadata"]["annotations"] == {"y": "1"}


def test_patch_merge_is_refused_on_maps_and_in_lists(registry: SchemaRegistry) -> None:
    status = _error(registry, {"spec": {"strategy": {"$patch": "merge"}}})
    assert (status["code"], status["message"]) == (500, "unknown patch type: merge in map: map[$patch:merge]")
    status = _error(registry, {"spec": {"template": {"spec": {"containers": [{"name": "a", "$patch": "merge"}]}}}})
    assert status["message"] == "merging lists cannot yet be specified in the patch"


def test_retain_keys_clears_the_fields_it_does_not_list(registry: SchemaRegistry) -> None:
    result = _patch(registry, {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}})
    assert result["spec"]["strategy"] == {"type": "Recreate"}


def test_retain_keys_must_list_every_field_the_patch_sets(registry: SchemaRegistry) -> None:
    status = _error(registry, {"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {}}}})
    assert (status["code"], status["reason"], status["message"]) == (
        400,
        "BadRequest",
        "invalid patch format of retainKeys",
    )


def test_retain_keys_on_a_volume_item(registry: SchemaRegistry) -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "volumes": [{"name": "data", "$retainKeys": ["name", "configMap"], "configMap": {"name": "c"}}]
                }
            }
        }
    }
    assert _patch(registry, patch)["spec"]["template"]["spec"]["volumes"] == [
        {"name": "data", "configMap": {"name": "c"}}
    ]


def test_delete_from_primitive_list(registry: SchemaRegistry) -> None:
    assert _patch(registry, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}})["metadata"]["finalizers"] == [
        "b"
    ]


def test_delete_from_primitive_list_without_a_list_name_is_a_bad_request(registry: SchemaRegistry) -> None:
    status = _error(registry, {"metadata": {"$deleteFromPrimitiveList": ["a"]}})
    assert (status["code"], status["message"]) == (400, "invalid patch format of primitive list")


# -- errors -----------------------------------------------------------------------------------


def test_list_of_lists_is_unprocessable(registry: SchemaRegistry) -> None:
    obj = _deployment()
    obj["metadata"]["finalizers"] = []
    status = _error(registry, {"metadata": {"finalizers": [["a"]]}}, obj)
    assert status == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "the server rejected our request due to an error in our request",
        "reason": "Invalid",
        "code": 422,
    }


def test_item_without_merge_key(registry: SchemaRegistry) -> None:
    status = _error(registry, {"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}})
    assert status["message"] == "map: map[image:x] does not contain declared merge key: name"
    assert "reason" not in status


def test_mixed_item_types(registry: SchemaRegistry) -> None:
    status = _error(registry, {"metadata": {"finalizers": [1]}})
    assert status["message"] == "list element types are not identical: [[a b] [1]]"


def test_unknown_field_in_both_is_an_error_of_the_struct(registry: SchemaRegistry) -> None:
    obj = _deployment()
    obj["spec"]["bogus"] = {"a": 1}
    status = _error(registry, {"spec": {"bogus": {"b": 2}}}, obj)
    assert status["message"] == 'unable to find api field in struct DeploymentSpec for the json field "bogus"'


def test_unknown_field_only_in_the_patch_is_taken_as_is(registry: SchemaRegistry) -> None:
    # The typed decoding after the merge is what refuses it.
    assert _patch(registry, {"spec": {"bogus": 1}})["spec"]["bogus"] == 1


def test_kinds_without_schema_have_no_patch_schema(registry: SchemaRegistry) -> None:
    assert PatchSchema.for_kind(registry, GroupVersionKind("example.com", "v1", "Widget")) is None
