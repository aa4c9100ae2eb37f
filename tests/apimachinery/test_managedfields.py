"""managedFields and server-side apply: field sets, ownership, conflicts, pruning, the wire.

Expected values follow sigs.k8s.io/structured-merge-diff (fieldpath, typed, merge) and
k8s.io/apimachinery/pkg/util/managedfields/internal (the manager chain, conflict.go). The last
part drives the same through the server's PATCH, PUT and subresource endpoints.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.managedfields import FieldManager, FieldManagerFactory, fieldmanager
from fakeapi.apimachinery.managedfields.fieldpath import (
    FieldPathError,
    FieldSet,
    deserialize_element,
    element_order,
    field_element,
    index_element,
    key_element,
    path_string,
    value_element,
)
from fakeapi.apimachinery.managedfields.schema import ASSOCIATIVE, ATOMIC, DEDUCED
from fakeapi.apimachinery.managedfields.typed import compare, merge, remove_items, to_field_set
from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.apimachinery.schema import GroupVersionKind
from fakeapi.controllers.manager import without_simulation
from fakeapi.endpoints.handlers.patch import supported_patch_types

# Tests here write Deployment status by hand: no deployment controller writes it meanwhile.
pytestmark = pytest.mark.fakeapi(controllers=without_simulation())

CONFIGMAP = GroupVersionKind("", "v1", "ConfigMap")
DEPLOYMENT = GroupVersionKind("apps", "v1", "Deployment")
T0, T1, T2 = "2025-01-02T03:04:05Z", "2025-01-02T03:04:06Z", "2025-01-02T03:04:07Z"


@pytest.fixture(scope="module")
def factory() -> FieldManagerFactory:
    return FieldManagerFactory(SchemaRegistry.for_version("1.37"))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The time managedFields entries get: the first item of the list (tests move it on)."""
    now = [T0]
    monkeypatch.setattr(fieldmanager, "now_rfc3339", lambda: now[0])
    yield now


@pytest.fixture
def configmaps(factory: FieldManagerFactory) -> FieldManager:
    return factory.for_kind(CONFIGMAP, status_subresource=False)


@pytest.fixture
def deployments(factory: FieldManagerFactory) -> FieldManager:
    return factory.for_kind(DEPLOYMENT, status_subresource=True)


def _cm(data: dict[str, str] | None = None, **meta: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", **meta}}
    if data is not None:
        obj["data"] = data
    return obj


def _deployment(images: dict[str, str], replicas: int = 1) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": n, "image": i} for n, i in images.items()]},
            },
        },
    }


def _created(manager: FieldManager, obj: dict[str, Any], by: str) -> dict[str, Any]:
    manager.update(None, obj, by)
    obj["metadata"]["uid"] = "uid-1"
    return obj


def _entries(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{e['manager']}/{e['operation']}": e for e in obj["metadata"].get("managedFields", [])}


def _status_of(call: Any) -> dict[str, Any]:
    with pytest.raises(errors.StatusError) as caught:
        call()
    status: dict[str, Any] = caught.value.status
    return status


# -- field paths and sets ---------------------------------------------------------------------


def test_fields_v1_round_trip_keeps_members_children_and_order() -> None:
    document = {
        "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
        "f:spec": {
            "f:containers": {
                'k:{"name":"nginx"}': {".": {}, "f:image": {}, "f:name": {}},
            },
            "f:finalizers": {'v:"a"': {}, "v:1": {}},
            "f:args": {"i:0": {}},
        },
    }
    fields = FieldSet.from_fields_v1(document)
    assert fields.has((field_element("metadata"), field_element("labels")))
    assert fields.has((field_element("spec"), field_element("containers"), key_element({"name": "nginx"})))
    encoded = fields.to_fields_v1()
    assert encoded == document
    # Field names sort first, then keys, values (numbers before strings) and indexes.
    assert list(encoded["f:spec"]) == ["f:args", "f:containers", "f:finalizers"]
    assert list(encoded["f:spec"]["f:finalizers"]) == ["v:1", 'v:"a"']


def test_keys_serialize_sorted_and_html_escaped_as_go_does() -> None:
    fields = FieldSet.of((key_element({"protocol": "TCP", "containerPort": 80}),), (value_element("<a&b>"),))
    assert list(fields.to_fields_v1()) == [
        'k:{"containerPort":80,"protocol":"TCP"}',
        'v:"\\u003ca\\u0026b\\u003e"',
    ]


def test_path_strings_are_those_of_conflict_messages() -> None:
    path = (field_element("spec"), field_element("containers"), key_element({"name": "c"}), field_element("image"))
    assert path_string(path) == '.spec.containers[name="c"].image'
    assert path_string((field_element("ports"), key_element({"containerPort": 80, "protocol": "TCP"}))) == (
        '.ports[containerPort=80,protocol="TCP"]'
    )
    assert path_string((field_element("finalizers"), value_element("a"), index_element(2))) == '.finalizers[="a"][2]'


def test_element_order_and_bad_elements() -> None:
    elements = [index_element(0), value_element("a"), key_element({"k": 1}), field_element("z"), value_element(2)]
    assert sorted(elements, key=element_order) == [
        field_element("z"),
        key_element({"k": 1}),
        value_element(2),
        value_element("a"),
        index_element(0),
    ]
    with pytest.raises(FieldPathError, match=r"^missing colon: xyz$"):
        deserialize_element("xyz")
    # Elements of an unknown kind are skipped, as upstream's reader does.
    assert FieldSet.from_fields_v1({"x:1": {}, "f:a": {}}).to_fields_v1() == {"f:a": {}}


def test_set_operations() -> None:
    a = FieldSet.of((field_element("x"),), (field_element("y"), field_element("z")))
    b = FieldSet.of((field_element("y"),), (field_element("y"), field_element("z")))
    assert a.intersection(b).to_fields_v1() == {"f:y": {"f:z": {}}}
    assert a.difference(b).to_fields_v1() == {"f:x": {}}
    # A member of the other set removes the whole subtree only in a recursive difference.
    assert a.recursive_difference(FieldSet.of((field_element("y"),))).to_fields_v1() == {"f:x": {}}
    assert a.union(b).to_fields_v1() == {"f:x": {}, "f:y": {".": {}, "f:z": {}}}


# -- types from the schemas -------------------------------------------------------------------


def test_list_and_map_types_come_from_the_schema_extensions(factory: FieldManagerFactory) -> None:
    spec = factory.type_of(GroupVersionKind("", "v1", "Pod")).resolve().map
    assert spec is not None
    pod_spec = spec.fields["spec"].resolve().map
    assert pod_spec is not None
    containers = pod_spec.fields["containers"].resolve().list
    assert containers is not None and (containers.relationship, containers.keys) == (ASSOCIATIVE, ("name",))
    container = containers.element.resolve().map
    assert container is not None
    ports = container.fields["ports"].resolve().list
    # x-kubernetes-list-map-keys wins over the patch merge key.
    assert ports is not None and ports.keys == ("containerPort", "protocol")
    args = container.fields["args"].resolve().list
    assert args is not None and args.relationship == ATOMIC
    meta = spec.fields["metadata"].resolve().map
    assert meta is not None
    finalizers = meta.fields["finalizers"].resolve().list
    assert finalizers is not None and (finalizers.relationship, finalizers.keys) == (ASSOCIATIVE, ())
    selector = factory.type_of(DEPLOYMENT).resolve().map
    assert selector is not None
    deployment_spec = selector.fields["spec"].resolve().map
    assert deployment_spec is not None
    label_selector = deployment_spec.fields["selector"].resolve().map
    assert label_selector is not None and label_selector.relationship == ATOMIC
    assert factory.type_of(GroupVersionKind("example.com", "v1", "Widget")) is DEDUCED


def test_port_keys_use_the_protocol_default(factory: FieldManagerFactory) -> None:
    fields = to_field_set(_deployment({"c": "i"}), factory.type_of(DEPLOYMENT))
    pod = {"spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80}]}]}}
    fields = to_field_set(pod, factory.type_of(GroupVersionKind("", "v1", "Pod")))
    assert (
        'k:{"containerPort":80,"protocol":"TCP"}'
        in fields.to_fields_v1()["f:spec"]["f:containers"]['k:{"name":"c"}']["f:ports"]
    )


def test_merge_compare_and_remove(factory: FieldManagerFactory) -> None:
    tref = factory.type_of(DEPLOYMENT)
    live = _deployment({"a": "1", "b": "1", "c": "1"})
    config = _deployment({"c": "2", "a": "1"})
    merged = merge(live, config, tref)
    # Items both have keep the configuration's relative order; the live-only one stays before them.
    assert [(c["name"], c["image"]) for c in merged["spec"]["template"]["spec"]["containers"]] == [
        ("b", "1"),
        ("c", "2"),
        ("a", "1"),
    ]
    comparison = compare(live, merged, tref)
    assert [path_string(p) for p in comparison.modified.iterate()] == ['.spec.template.spec.containers[name="c"].image']
    assert comparison.added.empty() and comparison.removed.empty()
    removed = remove_items(
        merged, FieldSet.of((field_element("spec"), field_element("template"), field_element("spec"))), tref
    )
    assert "spec" not in removed["spec"]["template"]


# -- Update -----------------------------------------------------------------------------------


def test_create_records_an_update_entry(configmaps: FieldManager, clock: list[str]) -> None:
    obj = _cm({"a": "1"}, labels={"app": "x"})
    configmaps.update(None, obj, "kubectl-create")
    assert obj["metadata"]["managedFields"] == [
        {
            "manager": "kubectl-create",
            "operation": "Update",
            "apiVersion": "v1",
            "time": T0,
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:data": {".": {}, "f:a": {}}, "f:metadata": {"f:labels": {".": {}, "f:app": {}}}},
        }
    ]


def test_create_compares_with_the_zero_object(deployments: FieldManager, clock: list[str]) -> None:
    obj = _created(deployments, _deployment({"nginx": "nginx:1"}), "kubectl-create")
    fields = obj["metadata"]["managedFields"][0]["fieldsV1"]
    # Value structs (spec, template...) and required lists exist in the zero object: no "." for them.
    assert "." not in fields["f:spec"]
    assert "." not in fields["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert fields["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"nginx"}'] == {
        ".": {},
        "f:image": {},
        "f:name": {},
    }


def test_update_moves_ownership_and_times_move_only_on_change(configmaps: FieldManager, clock: list[str]) -> None:
    live = _created(configmaps, _cm({"a": "1", "b": "2"}), "creator")
    clock[0] = T1
    new = _cm({"a": "9", "b": "2"}, uid="uid-1", managedFields=live["metadata"]["managedFields"])
    configmaps.update(live, new, "editor")
    entries = _entries(new)
    assert entries["creator/Update"]["fieldsV1"] == {"f:data": {".": {}, "f:b": {}}}
    assert entries["creator/Update"]["time"] == T0
    assert entries["editor/Update"]["fieldsV1"] == {"f:data": {"f:a": {}}}
    assert entries["editor/Update"]["time"] == T1
    # Nothing changes: nobody's entry or time moves.
    clock[0] = T2
    again = json.loads(json.dumps(new))
    configmaps.update(new, again, "editor")
    assert again["metadata"]["managedFields"] == new["metadata"]["managedFields"]
    # A manager that loses all its fields loses its entry; the creator still owns the map itself.
    last = _cm({"a": "0", "b": "0"}, uid="uid-1")
    configmaps.update(again, last, "")
    entries = _entries(last)
    assert sorted(entries) == ["creator/Update", "unknown/Update"]
    assert entries["creator/Update"]["fieldsV1"] == {"f:data": {}}


def test_request_managed_fields_reset_or_replace_the_live_ones(configmaps: FieldManager, clock: list[str]) -> None:
    live = _created(configmaps, _cm({"a": "1"}), "creator")
    reset = _cm({"a": "1"}, uid="uid-1", managedFields=[])
    configmaps.update(live, reset, "editor")
    assert "managedFields" not in reset["metadata"]
    status = configmaps.for_subresource("status", None)
    ignored = _cm({"a": "1"}, uid="uid-1", managedFields=[])
    status.update(live, ignored, "editor")
    assert ignored["metadata"]["managedFields"] == live["metadata"]["managedFields"]


def test_objects_nobody_tracked_stay_untracked_until_applied(configmaps: FieldManager, clock: list[str]) -> None:
    live = _cm({"a": "1"}, uid="uid-1")
    new = _cm({"a": "2"}, uid="uid-1")
    configmaps.update(live, new, "editor")
    assert "managedFields" not in new["metadata"]
    applied = configmaps.apply(live, _cm({"b": "1"}), "tool", force=False)
    assert sorted(_entries(applied)) == ["before-first-apply/Update", "tool/Apply"]
    assert _entries(applied)["before-first-apply/Update"]["fieldsV1"] == {"f:data": {".": {}, "f:a": {}}}


def test_more_than_ten_update_managers_merge_into_ancient_changes(configmaps: FieldManager, clock: list[str]) -> None:
    obj = _created(configmaps, _cm({"k0": "v"}), "m0")
    for i in range(1, 11):
        clock[0] = f"2025-01-02T03:05:{i:02d}Z"
        new = json.loads(json.dumps(obj))
        new["data"][f"k{i}"] = "v"
        configmaps.update(obj, new, f"m{i}")
        obj = new
    entries = _entries(obj)
    assert len(entries) == 10
    assert "m0/Update" not in entries and "m1/Update" not in entries
    assert entries["ancient-changes/Update"]["fieldsV1"] == {"f:data": {".": {}, "f:k0": {}, "f:k1": {}}}


# -- Apply ------------------------------------------------------------------------------------


def test_conflict_with_an_update_manager(configmaps: FieldManager, clock: list[str]) -> None:
    live = _created(configmaps, _cm({"key": "a"}), "helm")
    status = _status_of(lambda: configmaps.apply(live, _cm({"key": "b"}), "kubectl", force=False))
    assert status == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'Apply failed with 1 conflict: conflict with "helm" using v1: .data.key',
        "reason": "Conflict",
        "details": {
            "causes": [
                {"reason": "FieldManagerConflict", "message": 'conflict with "helm" using v1', "field": ".data.key"}
            ]
        },
        "code": 409,
    }


def test_conflicts_are_grouped_by_manager(configmaps: FieldManager, clock: list[str]) -> None:
    live = _created(configmaps, _cm({"a": "1", "b": "1"}), "zed")
    live = configmaps.apply(live, _cm({"c": "1", "d": "1"}), "alpha", force=False)
    status = _status_of(
        lambda: configmaps.apply(live, _cm({"a": "2", "b": "2", "c": "2", "d": "2"}), "beta", force=False)
    )
    assert status["message"] == (
        "Apply failed with 4 conflicts: "
        'conflicts with "alpha":\n- .data.c\n- .data.d\n'
        'conflicts with "zed" using v1:\n- .data.a\n- .data.b'
    )
    assert [c["field"] for c in status["details"]["causes"]] == [".data.c", ".data.d", ".data.a", ".data.b"]


def test_force_takes_ownership(configmaps: FieldManager, clock: list[str]) -> None:
    live = _created(configmaps, _cm({"key": "a", "other": "x"}), "helm")
    clock[0] = T1
    result = configmaps.apply(live, _cm({"key": "b"}), "kubectl", force=True)
    assert result["data"] == {"key": "b", "other": "x"}
    entries = _entries(result)
    assert entries["kubectl/Apply"] == {
        "manager": "kubectl",
        "operation": "Apply",
        "apiVersion": "v1",
        "time": T1,
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:data": {"f:key": {}}},
    }
    assert entries["helm/Update"]["fieldsV1"] == {"f:data": {".": {}, "f:other": {}}}
    # Apply entries sort before Update entries.
    assert [e["operation"] for e in result["metadata"]["managedFields"]] == ["Apply", "Update"]


def test_same_value_is_shared_and_survives_one_owner_leaving(configmaps: FieldManager, clock: list[str]) -> None:
    live = configmaps.apply(_cm(), _cm({"key": "a"}), "one", force=False)
    live = configmaps.apply(live, _cm({"key": "a"}), "two", force=False)
    assert sorted(_entries(live)) == ["one/Apply", "two/Apply"]
    live = configmaps.apply(live, _cm({}), "one", force=False)
    assert live["data"] == {"key": "a"}
    live = configmaps.apply(live, _cm({}), "two", force=False)
    assert "data" not in live


def test_fields_no_longer_applied_are_pruned(configmaps: FieldManager, clock: list[str]) -> None:
    live = configmaps.apply(None, _cm({"a": "1", "b": "2"}, labels={"x": "y"}), "tool", force=False)
    live["metadata"]["uid"] = "uid-1"
    result = configmaps.apply(live, _cm({"a": "1"}), "tool", force=False)
    assert result["data"] == {"a": "1"}
    assert "labels" not in result["metadata"]
    assert _entries(result)["tool/Apply"]["fieldsV1"] == {"f:data": {"f:a": {}}}


def test_a_no_op_apply_keeps_object_and_time(configmaps: FieldManager, clock: list[str]) -> None:
    live = configmaps.apply(None, _cm({"a": "1"}), "tool", force=False)
    clock[0] = T2
    again = configmaps.apply(live, _cm({"a": "1"}), "tool", force=False)
    assert again == live


def test_apply_refuses_managed_fields_other_kinds_and_unknown_fields(
    configmaps: FieldManager, clock: list[str]
) -> None:
    status = _status_of(lambda: configmaps.apply(None, _cm({}, managedFields=[]), "tool", force=False))
    assert (status["code"], status["reason"], status["message"]) == (
        400,
        "BadRequest",
        "metadata.managedFields must be nil",
    )
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "c"}}
    status = _status_of(lambda: configmaps.apply(None, secret, "tool", force=False))
    assert status["message"] == "invalid object type: /v1, Kind=Secret"
    bogus = {**_cm({}, namespace="ns"), "bogus": 1}
    status = _status_of(lambda: configmaps.apply(None, bogus, "tool", force=False))
    assert status["code"] == 500 and "reason" not in status
    assert status["message"] == (
        "failed to create typed patch object (ns/c; /v1, Kind=ConfigMap): .bogus: field not declared in schema"
    )


def test_duplicate_keys_in_an_applied_list_are_refused(deployments: FieldManager, clock: list[str]) -> None:
    config = _deployment({"a": "1"})
    config["spec"]["template"]["spec"]["containers"].append({"name": "a", "image": "2"})
    status = _status_of(lambda: deployments.apply(None, config, "tool", force=False))
    assert status["message"].endswith('.spec.template.spec.containers: duplicate entries for key [name="a"]')


def test_status_at_the_main_endpoint_is_not_owned(deployments: FieldManager, clock: list[str]) -> None:
    config = {**_deployment({"a": "1"}), "status": {"replicas": 5}}
    result = deployments.apply(None, config, "tool", force=False)
    assert "f:status" not in result["metadata"]["managedFields"][0]["fieldsV1"]


def test_kubectl_takes_over_what_client_side_apply_set(configmaps: FieldManager, clock: list[str]) -> None:
    last_applied = json.dumps(_cm({"a": "1"}))
    annotations = {fieldmanager.LAST_APPLIED_ANNOTATION: last_applied}
    live = _created(configmaps, _cm({"a": "1"}, annotations=annotations), "kubectl-client-side-apply")
    # Another manager gets no such allowance.
    assert _status_of(lambda: configmaps.apply(live, _cm({"a": "2"}), "other", force=False))["code"] == 409
    result = configmaps.apply(live, _cm({"a": "2"}), "kubectl", force=False)
    assert result["data"] == {"a": "2"}
    assert _entries(result)["kubectl/Apply"]["fieldsV1"] == {"f:data": {"f:a": {}}}
    # The annotation follows kubectl's applies (sorted keys, final newline).
    assert result["metadata"]["annotations"][fieldmanager.LAST_APPLIED_ANNOTATION] == (
        '{"apiVersion":"v1","data":{"a":"2"},"kind":"ConfigMap","metadata":{"name":"c"}}\n'
    )


# -- through the server -----------------------------------------------------------------------

CM_PATH = "/api/v1/namespaces/default/configmaps"
APPLY = "application/apply-patch+yaml"


def _request(fakeapi: Any, method: str, path: str, body: Any = None, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    response = fakeapi.server.request(method, path, body, **kwargs)
    return response.status, response.json()


def _apply(fakeapi: Any, path: str, body: str, query: str = "fieldManager=tool") -> tuple[int, dict[str, Any]]:
    return _request(fakeapi, "PATCH", path, body.encode(), query=query, headers={"Content-Type": APPLY})


CM_YAML = """apiVersion: v1
kind: ConfigMap
metadata:
  name: app
data:
  key: value
"""


def test_apply_creates_then_updates_and_a_no_op_keeps_the_version(fakeapi: Any) -> None:
    code, created = _apply(fakeapi, f"{CM_PATH}/app", CM_YAML)
    assert code == 201
    assert created["metadata"]["namespace"] == "default"
    assert created["metadata"]["managedFields"][0]["manager"] == "tool"
    code, same = _apply(fakeapi, f"{CM_PATH}/app", CM_YAML)
    assert code == 200
    assert same["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    code, changed = _apply(fakeapi, f"{CM_PATH}/app", CM_YAML.replace("value", "other"))
    assert code == 200 and changed["data"] == {"key": "other"}
    assert int(changed["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])


def test_apply_wipes_system_fields_and_checks_uid_and_version(fakeapi: Any) -> None:
    body = CM_YAML.replace("  name: app\n", "  name: app\n  creationTimestamp: '2000-01-01T00:00:00Z'\n")
    code, created = _apply(fakeapi, f"{CM_PATH}/app", body)
    assert code == 201 and created["metadata"]["creationTimestamp"] != "2000-01-01T00:00:00Z"
    code, status = _apply(fakeapi, f"{CM_PATH}/other", CM_YAML.replace("name: app", "name: other\n  uid: u-1"))
    assert (code, status["message"]) == (
        409,
        'Operation cannot be fulfilled on configmaps "other": uid mismatch: the provided object specified uid u-1, '
        "and no existing object was found",
    )
    code, status = _apply(fakeapi, f"{CM_PATH}/app", CM_YAML.replace("name: app", "name: app\n  resourceVersion: '1'"))
    assert code == 409 and status["reason"] == "Conflict"


def test_apply_options_are_validated(fakeapi: Any) -> None:
    code, status = _apply(fakeapi, f"{CM_PATH}/app", CM_YAML, query="")
    assert (code, status["message"]) == (
        422,
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    )
    code, status = _request(
        fakeapi,
        "PATCH",
        f"{CM_PATH}/app",
        b"{}",
        query="force=true",
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert (code, status["message"]) == (
        422,
        'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
    )
    code, status = _request(fakeapi, "PATCH", f"{CM_PATH}/app", b"{}", headers={"Content-Type": "text/plain"})
    assert (code, status["message"]) == (
        415,
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, "
        "application/apply-patch+yaml",
    )


def test_strategic_merge_patch_is_offered_for_built_in_kinds_only() -> None:
    schemas = SchemaRegistry.for_version("1.37")
    custom = SimpleNamespace(schemas=schemas, kind=GroupVersionKind("example.com", "v1", "Widget"))
    assert supported_patch_types(custom) == [  # type: ignore[arg-type]
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/apply-patch+yaml",
    ]


def test_apply_strict_refuses_duplicate_keys(fakeapi: Any) -> None:
    body = CM_YAML + "  key: again\n"
    code, status = _apply(fakeapi, f"{CM_PATH}/app", body, query="fieldManager=tool&fieldValidation=Strict")
    assert (code, status["message"]) == (
        400,
        "error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n"
        '  line 7: key "key" already set in map',
    )


def test_an_apply_body_in_json_is_read_as_its_yaml_would_be(fakeapi: Any) -> None:
    # helm and client-go send apply bodies as JSON; they are read without the YAML parser, to the same object.
    as_json = json.dumps(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "app", "labels": {"on": "yes"}, "annotations": {"at": "2024-01-01T00:00:00Z"}},
            "data": {"key": "value", "empty": "", "text": "é\n\u2028"},
        }
    )
    code, from_json = _apply(fakeapi, f"{CM_PATH}/app", as_json)
    assert code == 201
    code, from_yaml = _apply(fakeapi, f"{CM_PATH}/other", yaml.safe_dump(json.loads(as_json.replace("app", "other"))))
    assert code == 201
    for applied in (from_json, from_yaml):
        assert applied["metadata"]["labels"] == {"on": "yes"}
        assert applied["metadata"]["annotations"] == {"at": "2024-01-01T00:00:00Z"}
        assert applied["data"] == {"key": "value", "empty": "", "text": "é\n\u2028"}
    assert (
        from_json["metadata"]["managedFields"][0]["fieldsV1"] == from_yaml["metadata"]["managedFields"][0]["fieldsV1"]
    )


def test_a_json_apply_body_with_a_duplicate_key_is_refused_with_its_line(fakeapi: Any) -> None:
    body = '{"apiVersion": "v1", "kind": "ConfigMap",\n"metadata": {"name": "app"},\n"data": {"key": "a", "key": "b"}}'
    code, status = _apply(fakeapi, f"{CM_PATH}/app", body, query="fieldManager=tool&fieldValidation=Strict")
    assert (code, status["message"]) == (
        400,
        "error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n"
        '  line 3: key "key" already set in map',
    )
    code, applied = _apply(fakeapi, f"{CM_PATH}/app", body, query="fieldManager=tool&fieldValidation=Ignore")
    assert code == 201 and applied["data"] == {"key": "b"}


def test_patches_record_update_entries_and_subresources_their_own(fakeapi: Any) -> None:
    deployment = _deployment({"nginx": "nginx:1"})
    deployment["metadata"]["namespace"] = "default"
    path = "/apis/apps/v1/namespaces/default/deployments"
    code, _ = _request(fakeapi, "POST", path, deployment, headers={"User-Agent": "kubectl-create/v1.37.0 (linux)"})
    assert code == 201
    code, patched = _request(
        fakeapi,
        "PATCH",
        f"{path}/web",
        b'{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:2"}]}}}}',
        headers={"Content-Type": "application/strategic-merge-patch+json", "User-Agent": "kubectl-patch/v1.37.0"},
    )
    assert code == 200
    entries = _entries(patched)
    assert entries["kubectl-patch/Update"]["fieldsV1"] == {
        "f:spec": {"f:template": {"f:spec": {"f:containers": {'k:{"name":"nginx"}': {"f:image": {}}}}}}
    }
    code, scaled = _request(
        fakeapi,
        "PATCH",
        f"{path}/web/scale",
        b'{"spec":{"replicas":3}}',
        headers={"Content-Type": "application/merge-patch+json", "User-Agent": "kubectl/v1.37.0"},
    )
    assert code == 200 and scaled["spec"]["replicas"] == 3
    code, current = _request(fakeapi, "GET", f"{path}/web")
    scale_entry = next(e for e in current["metadata"]["managedFields"] if e.get("subresource") == "scale")
    assert scale_entry["manager"] == "kubectl"
    assert scale_entry["fieldsV1"] == {"f:spec": {"f:replicas": {}}}
    status_body = {**current, "status": {"replicas": 3}}
    code, updated = _request(fakeapi, "PUT", f"{path}/web/status", status_body, headers={"User-Agent": "ctrl/1"})
    assert code == 200
    status_entry = next(e for e in updated["metadata"]["managedFields"] if e.get("subresource") == "status")
    # The status was already there ({}, as Go writes a struct): only the replicas are new.
    assert (status_entry["manager"], status_entry["fieldsV1"]) == ("ctrl", {"f:status": {"f:replicas": {}}})


def test_main_endpoint_apply_ignores_status_and_status_apply_only_status(fakeapi: Any) -> None:
    path = "/apis/apps/v1/namespaces/default/deployments/web"
    config = _deployment({"nginx": "nginx:1"})
    code, created = _apply(fakeapi, path, json.dumps({**config, "status": {"replicas": 7}}))
    # The applied status is dropped; what is left is the empty status Go always writes.
    assert code == 201 and created["status"] == {}
    status_config = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "status": {"replicas": 2},
    }
    status_config["spec"] = {"replicas": 9}
    code, updated = _apply(fakeapi, f"{path}/status", json.dumps(status_config), query="fieldManager=ctrl")
    assert code == 200
    assert updated["status"] == {"replicas": 2}
    assert updated["spec"]["replicas"] == 1
    entry = next(e for e in updated["metadata"]["managedFields"] if e["manager"] == "ctrl")
    assert (entry["operation"], entry["subresource"], entry["fieldsV1"]) == (
        "Apply",
        "status",
        {"f:status": {"f:replicas": {}}},
    )


def test_strict_unknown_field_in_a_merge_patch_is_unprocessable(fakeapi: Any) -> None:
    fakeapi.seed({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app", "namespace": "default"}})
    code, status = _request(
        fakeapi,
        "PATCH",
        f"{CM_PATH}/app",
        b'{"bogus":1}',
        query="fieldValidation=Strict",
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert code == 422 and status["reason"] == "Invalid"
    assert status["message"].startswith(
        ' "" is invalid: patch: Invalid value: "{\\"apiVersion\\":\\"v1\\",\\"bogus\\":1,'
    )
    assert status["message"].endswith('": strict decoding error: unknown field "bogus"')


def test_apply_to_scale_sets_replicas_and_the_parent_records_it(fakeapi: Any) -> None:
    deployment = _deployment({"nginx": "nginx:1"})
    deployment["metadata"]["namespace"] = "default"
    fakeapi.seed(deployment)
    path = "/apis/apps/v1/namespaces/default/deployments/web"
    scale = {"apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": {"name": "web"}, "spec": {"replicas": 4}}
    code, applied = _apply(fakeapi, f"{path}/scale", json.dumps(scale), query="fieldManager=hpa")
    assert (code, applied["kind"], applied["spec"]["replicas"]) == (200, "Scale", 4)
    code, current = _request(fakeapi, "GET", path)
    entry = next(e for e in current["metadata"]["managedFields"] if e["manager"] == "hpa")
    assert (entry["subresource"], entry["fieldsV1"]) == ("scale", {"f:spec": {"f:replicas": {}}})
