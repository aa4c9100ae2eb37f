"""CRDs through the API, in process: conditions, routes and discovery, custom resource semantics, cleanup."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from crd_manifests import crd_manifest

from fakeapi.server.instance import FakeAPIServer, Response

CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
WIDGETS = "/apis/example.com/v1/namespaces/default/widgets"
MERGE = {"Content-Type": "application/merge-patch+json"}
TABLE = {"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}
AGGREGATED = {"Accept": "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"}

WIDGET_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string"},
                "replicas": {"type": "integer", "default": 1},
                "size": {"type": "integer", "maximum": 10},
                "color": {"type": "string", "enum": ["red", "blue"], "default": "red"},
                "selector": {"type": "string"},
            },
        },
        "status": {"type": "object", "properties": {"replicas": {"type": "integer"}, "phase": {"type": "string"}}},
    },
}


def widget_crd(**overrides: Any) -> dict[str, Any]:
    crd = crd_manifest(
        "Widget",
        schema=copy.deepcopy(WIDGET_SCHEMA),
        names={"shortNames": ["wd"], "categories": ["all"]},
        subresources={
            "status": {},
            "scale": {
                "specReplicasPath": ".spec.replicas",
                "statusReplicasPath": ".status.replicas",
                "labelSelectorPath": ".spec.selector",
            },
        },
        additionalPrinterColumns=[
            {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
            {"name": "Color", "type": "string", "jsonPath": ".spec.color"},
            {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
        ],
        selectableFields=[{"jsonPath": ".spec.color"}],
    )
    crd["spec"].update(overrides)
    return crd


def widget(name: str = "w1", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": name},
        "spec": {"name": name, **spec},
    }


@pytest.fixture
def server(fakeapi: Any) -> FakeAPIServer:
    server: FakeAPIServer = fakeapi.server
    return server


def ok(response: Response, status: int = 200) -> Any:
    assert response.status == status, response.body.decode()
    return response.json()


def create_crd(server: FakeAPIServer, crd: dict[str, Any] | None = None) -> dict[str, Any]:
    return ok(server.request("POST", CRDS, crd or widget_crd()), 201)  # type: ignore[no-any-return]


def test_create_sets_defaults_and_the_controllers_establish_it(server: FakeAPIServer) -> None:
    created = create_crd(server)
    assert created["spec"]["names"]["singular"] == "widget"
    assert created["spec"]["names"]["listKind"] == "WidgetList"
    assert created["spec"]["conversion"] == {"strategy": "None"}
    assert created["metadata"]["generation"] == 1
    # The response is the object as first stored: the controllers have not written the status yet.
    assert created["status"] == {"acceptedNames": {"plural": "", "kind": ""}, "storedVersions": ["v1"]}

    crd = ok(server.request("GET", f"{CRDS}/widgets.example.com"))
    assert crd["status"]["acceptedNames"] == {
        "plural": "widgets",
        "singular": "widget",
        "shortNames": ["wd"],
        "kind": "Widget",
        "listKind": "WidgetList",
        "categories": ["all"],
    }
    conditions = {c["type"]: c for c in crd["status"]["conditions"]}
    assert conditions["NamesAccepted"]["status"] == "True"
    assert conditions["NamesAccepted"]["reason"] == "NoConflicts"
    assert conditions["Established"]["status"] == "True"
    assert conditions["Established"]["reason"] == "InitialNamesAccepted"


def test_watchers_see_the_status_writes(server: FakeAPIServer) -> None:
    revision = int(ok(server.request("GET", CRDS))["metadata"]["resourceVersion"])
    create_crd(server)
    watch = server.storage.watch("apiextensions.k8s.io/customresourcedefinitions", None, revision)
    events = [watch.next_event(1.0) for _ in range(3)]
    watch.stop()
    assert [e.type for e in events if e is not None] == ["ADDED", "MODIFIED", "MODIFIED"]
    last = events[-1]
    assert last is not None
    assert [c["type"] for c in last.object["status"]["conditions"]] == ["NamesAccepted", "Established"]


def test_discovery_legacy_and_aggregated(server: FakeAPIServer) -> None:
    create_crd(server)
    resources = ok(server.request("GET", "/apis/example.com/v1"))["resources"]
    assert resources[0] == {
        "name": "widgets",
        "singularName": "widget",
        "namespaced": True,
        "kind": "Widget",
        "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        "shortNames": ["wd"],
        "categories": ["all"],
    }
    assert [r["name"] for r in resources] == ["widgets", "widgets/scale", "widgets/status"]
    groups = ok(server.request("GET", "/apis"))["groups"]
    assert {"name": "example.com", "versions": [{"groupVersion": "example.com/v1", "version": "v1"}],
            "preferredVersion": {"groupVersion": "example.com/v1", "version": "v1"}} in groups  # fmt: skip
    aggregated = ok(server.request("GET", "/apis", headers=AGGREGATED))["items"]
    example = next(g for g in aggregated if g["metadata"]["name"] == "example.com")
    resource = example["versions"][0]["resources"][0]
    assert resource["resource"] == "widgets"
    assert resource["scope"] == "Namespaced"
    assert [s["subresource"] for s in resource["subresources"]] == ["scale", "status"]


def test_custom_resource_create_defaults_prunes_and_keeps_type_meta(server: FakeAPIServer) -> None:
    create_crd(server)
    body = widget(size=3)
    body["spec"]["unknown"] = True
    body["status"] = {"phase": "ignored"}
    created = ok(server.request("POST", WIDGETS, body), 201)
    assert created["apiVersion"] == "example.com/v1"
    assert created["kind"] == "Widget"
    assert created["spec"] == {"name": "w1", "size": 3, "replicas": 1, "color": "red"}
    assert "status" not in created
    assert created["metadata"]["generation"] == 1
    listed = ok(server.request("GET", WIDGETS))
    assert listed["kind"] == "WidgetList"
    assert listed["items"][0]["kind"] == "Widget"
    assert listed["items"][0]["apiVersion"] == "example.com/v1"


def test_unknown_fields_follow_field_validation(server: FakeAPIServer) -> None:
    create_crd(server)
    body = widget()
    body["spec"]["shape"] = "round"
    body["metadata"]["bogus"] = 1
    strict = server.request("POST", WIDGETS, body, query="fieldValidation=Strict")
    assert strict.status == 400
    assert strict.json()["message"].endswith(
        'strict decoding error: unknown field "metadata.bogus", unknown field "spec.shape"'
    )
    warned = server.request("POST", WIDGETS, body, query="fieldValidation=Warn")
    assert warned.status == 201
    assert ("Warning", '299 - "unknown field \\"spec.shape\\""') in warned.headers


def test_invalid_custom_resource_is_a_422_with_every_error(server: FakeAPIServer) -> None:
    create_crd(server)
    body = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "bad"}}
    body["spec"] = {"size": 20, "color": "pink"}
    response = server.request("POST", WIDGETS, body)
    assert response.status == 422
    status = response.json()
    assert status["message"] == (
        'Widget.example.com "bad" is invalid: [spec.size: Invalid value: 20: spec.size in body should be less than '
        'or equal to 10, spec.color: Unsupported value: "pink": supported values: "red", "blue", spec.name: Required value]'
    )
    assert status["details"]["causes"] == [
        {"reason": "FieldValueInvalid", "message": "Invalid value: 20: spec.size in body should be less than or equal to 10", "field": "spec.size"},
        {"reason": "FieldValueNotSupported", "message": 'Unsupported value: "pink": supported values: "red", "blue"', "field": "spec.color"},
        {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.name"},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ({"name": {"a": 1}}, "json: cannot unmarshal object into Go struct field ObjectMeta.name of type string"),
        (
            {"name": "w1", "ownerReferences": ["x"]},
            "json: cannot unmarshal string into Go struct field ObjectMeta.ownerReferences of type v1.OwnerReference",
        ),
        ([1], "json: cannot unmarshal array into Go value of type v1.ObjectMeta"),
    ],
)
def test_custom_resource_metadata_is_decoded_as_object_meta(server: FakeAPIServer, metadata: Any, message: str) -> None:
    # The rest of a custom resource is unstructured; its metadata is a Go ObjectMeta upstream.
    create_crd(server)
    response = server.request("POST", WIDGETS, {**widget(), "metadata": metadata})
    assert (response.status, response.json()["message"]) == (400, message)


def test_a_patch_cannot_store_malformed_metadata(server: FakeAPIServer) -> None:
    create_crd(server)
    ok(server.request("POST", WIDGETS, widget()), 201)
    patch = {"metadata": {"ownerReferences": [{"uid": 7}]}}
    response = server.request("PATCH", f"{WIDGETS}/w1", patch, headers=MERGE)
    # A patched object that does not decode is an Invalid "patch" field upstream (patch.go).
    assert (response.status, response.json()["details"]["causes"][0]["field"]) == (422, "patch")
    assert ok(server.request("GET", f"{WIDGETS}/w1"))["metadata"].get("ownerReferences") is None


def test_update_needs_a_resource_version_and_spec_changes_bump_generation(server: FakeAPIServer) -> None:
    create_crd(server)
    created = ok(server.request("POST", WIDGETS, widget()), 201)
    unconditional = server.request("PUT", f"{WIDGETS}/w1", widget(size=2))
    assert unconditional.status == 422
    assert unconditional.json()["message"] == (
        'widgets.example.com "w1" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update'
    )
    body = widget(size=2)
    body["metadata"]["resourceVersion"] = created["metadata"]["resourceVersion"]
    updated = ok(server.request("PUT", f"{WIDGETS}/w1", body))
    assert updated["metadata"]["generation"] == 2
    labelled = ok(server.request("PATCH", f"{WIDGETS}/w1", {"metadata": {"labels": {"a": "b"}}}, headers=MERGE))
    assert labelled["metadata"]["generation"] == 2


def test_status_subresource(server: FakeAPIServer) -> None:
    create_crd(server)
    ok(server.request("POST", WIDGETS, widget()), 201)
    main = ok(server.request("PATCH", f"{WIDGETS}/w1", {"status": {"phase": "Main"}}, headers=MERGE))
    assert "status" not in main
    patch = {"status": {"phase": "Ready"}, "spec": {"size": 9}, "metadata": {"labels": {"x": "y"}}}
    status = ok(server.request("PATCH", f"{WIDGETS}/w1/status", patch, headers=MERGE))
    assert status["status"] == {"phase": "Ready"}
    assert "size" not in status["spec"]
    assert "labels" not in status["metadata"]
    assert status["metadata"]["generation"] == 1
    invalid = server.request("PATCH", f"{WIDGETS}/w1/status", {"status": {"replicas": "many"}}, headers=MERGE)
    assert invalid.status == 422
    assert (
        'status.replicas: Invalid value: "string": status.replicas in body must be of type integer: "string"'
        in (invalid.json()["message"])
    )


def test_scale_subresource(server: FakeAPIServer) -> None:
    create_crd(server)
    ok(server.request("POST", WIDGETS, widget(replicas=2, selector="app=w")), 201)
    scale = ok(server.request("GET", f"{WIDGETS}/w1/scale"))
    assert scale["apiVersion"] == "autoscaling/v1"
    assert scale["kind"] == "Scale"
    assert scale["spec"] == {"replicas": 2}
    assert scale["status"] == {"replicas": 0, "selector": "app=w"}
    scaled = ok(server.request("PATCH", f"{WIDGETS}/w1/scale", {"spec": {"replicas": 5}}, headers=MERGE))
    assert scaled["spec"] == {"replicas": 5}
    obj = ok(server.request("GET", f"{WIDGETS}/w1"))
    assert obj["spec"]["replicas"] == 5
    assert obj["metadata"]["generation"] == 2
    negative = server.request("PATCH", f"{WIDGETS}/w1/scale", {"spec": {"replicas": -1}}, headers=MERGE)
    assert negative.status == 422
    assert negative.json()["message"] == (
        'Scale.autoscaling "w1" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0'
    )


def test_delete_returns_the_object_and_field_selectors(server: FakeAPIServer) -> None:
    create_crd(server)
    ok(server.request("POST", WIDGETS, widget("red")), 201)
    ok(server.request("POST", WIDGETS, widget("blue", color="blue")), 201)
    selected = ok(server.request("GET", WIDGETS, query="fieldSelector=spec.color%3Dblue"))
    assert [i["metadata"]["name"] for i in selected["items"]] == ["blue"]
    unknown = server.request("GET", WIDGETS, query="fieldSelector=spec.size%3D1")
    assert unknown.status == 400
    assert unknown.json()["message"] == "field label not supported: spec.size"
    deleted = ok(server.request("DELETE", f"{WIDGETS}/red"))
    assert deleted["kind"] == "Widget"
    assert deleted["metadata"]["name"] == "red"


def test_printer_columns_in_tables(server: FakeAPIServer) -> None:
    create_crd(server)
    ok(server.request("POST", WIDGETS, widget(size=4)), 201)
    table = ok(server.request("GET", WIDGETS, headers=TABLE))
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Size", "Color", "Age"]
    assert [c["type"] for c in table["columnDefinitions"]] == ["string", "integer", "string", "date"]
    cells = table["rows"][0]["cells"]
    assert cells[:3] == ["w1", 4, "red"]
    assert cells[3].endswith("s")
    assert table["rows"][0]["object"]["kind"] == "PartialObjectMetadata"


def test_default_columns_are_name_and_age(server: FakeAPIServer) -> None:
    crd = widget_crd()
    del crd["spec"]["versions"][0]["additionalPrinterColumns"]
    create_crd(server, crd)
    ok(server.request("POST", WIDGETS, widget()), 201)
    table = ok(server.request("GET", f"{WIDGETS}/w1", headers=TABLE))
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Age"]


def test_several_versions_share_one_storage(server: FakeAPIServer) -> None:
    v1beta1 = {
        "name": "v1beta1",
        "served": True,
        "storage": False,
        "schema": {"openAPIV3Schema": copy.deepcopy(WIDGET_SCHEMA)},
    }
    crd = widget_crd()
    crd["spec"]["versions"].append(v1beta1)
    create_crd(server, crd)
    ok(server.request("POST", "/apis/example.com/v1beta1/namespaces/default/widgets", {**widget(), "apiVersion": "example.com/v1beta1"}), 201)  # fmt: skip
    as_v1 = ok(server.request("GET", f"{WIDGETS}/w1"))
    assert as_v1["apiVersion"] == "example.com/v1"
    raw, _ = server.storage.get_list("example.com/widgets")
    assert raw[0]["apiVersion"] == "example.com/v1"
    group = ok(server.request("GET", "/apis/example.com"))
    assert group["preferredVersion"]["version"] == "v1"
    assert [v["version"] for v in group["versions"]] == ["v1", "v1beta1"]


def test_cluster_scoped_resources(server: FakeAPIServer) -> None:
    create_crd(server, widget_crd(scope="Cluster"))
    created = ok(server.request("POST", "/apis/example.com/v1/widgets", widget()), 201)
    assert "namespace" not in created["metadata"]
    assert server.request("GET", f"{WIDGETS}").status == 404


def test_names_conflicting_with_another_crd_are_not_accepted(server: FakeAPIServer) -> None:
    create_crd(server)
    other = widget_crd(names={"plural": "gizmos", "kind": "Gizmo", "shortNames": ["wd"]})
    other["metadata"]["name"] = "gizmos.example.com"
    create_crd(server, other)
    crd = ok(server.request("GET", f"{CRDS}/gizmos.example.com"))
    conditions = {c["type"]: c for c in crd["status"]["conditions"]}
    assert conditions["NamesAccepted"] == {
        "type": "NamesAccepted",
        "status": "False",
        "lastTransitionTime": conditions["NamesAccepted"]["lastTransitionTime"],
        "reason": "ShortNamesConflict",
        "message": '"wd" is already in use',
    }
    assert conditions["Established"]["reason"] == "NotAccepted"
    assert "shortNames" not in crd["status"]["acceptedNames"]
    # Serving follows NamesAccepted only; the other names were accepted.
    assert crd["status"]["acceptedNames"]["plural"] == "gizmos"


def test_names_of_builtin_resources_are_not_accepted(server: FakeAPIServer) -> None:
    crd = widget_crd(group="apps", names={"plural": "deployments", "kind": "Deployment"})
    crd["metadata"]["name"] = "deployments.apps"
    response = server.request("POST", CRDS, crd)
    assert response.status == 422
    assert response.json()["message"].endswith(
        'spec.group: Invalid value: "apps": should be a domain with at least one dot'
    )


def test_deleting_the_crd_deletes_its_instances_first(server: FakeAPIServer) -> None:
    create_crd(server)
    ok(server.request("POST", WIDGETS, widget("plain")), 201)
    held = widget("held")
    held["metadata"]["finalizers"] = ["example.com/hold"]
    ok(server.request("POST", WIDGETS, held), 201)
    marked = ok(server.request("DELETE", f"{CRDS}/widgets.example.com"))
    assert marked["metadata"]["deletionTimestamp"]
    assert marked["metadata"]["finalizers"] == ["customresourcecleanup.apiextensions.k8s.io"]
    assert marked["status"]["conditions"][-1]["reason"] == "InstanceDeletionPending"
    # The instance with a finalizer holds the CRD back.
    crd = ok(server.request("GET", f"{CRDS}/widgets.example.com"))
    terminating = next(c for c in crd["status"]["conditions"] if c["type"] == "Terminating")
    assert terminating["reason"] == "InstanceDeletionInProgress"
    assert server.request("GET", f"{WIDGETS}/plain").status == 404
    assert ok(server.request("GET", f"{WIDGETS}/held"))["metadata"]["deletionTimestamp"]
    refused = server.request("POST", WIDGETS, widget("late"))
    assert refused.status == 405
    assert refused.json()["message"] == "create not allowed while custom resource definition is terminating"
    verbs = ok(server.request("GET", "/apis/example.com/v1"))["resources"][0]["verbs"]
    assert verbs == ["delete", "deletecollection", "get", "list", "watch"]
    # Releasing the instance lets the finalizer finish: the CRD and its routes go.
    ok(server.request("PATCH", f"{WIDGETS}/held", {"metadata": {"finalizers": None}}, headers=MERGE))
    assert server.request("GET", f"{CRDS}/widgets.example.com").status == 404
    assert server.request("GET", "/apis/example.com/v1").status == 404
    assert server.request("GET", WIDGETS).status == 404


def test_reset_removes_custom_resource_routes(fakeapi: Any) -> None:
    server: FakeAPIServer = fakeapi.server
    create_crd(server)
    assert server.request("GET", "/apis/example.com/v1").status == 200
    server.reset()
    assert server.request("GET", "/apis/example.com/v1").status == 404
    assert "example.com" not in json.dumps(ok(server.request("GET", "/apis")))


def test_managed_fields_and_server_side_apply(server: FakeAPIServer) -> None:
    create_crd(server)
    created = ok(server.request("POST", WIDGETS, widget(size=1), query="fieldManager=tester"), 201)
    assert [(m["manager"], m["operation"]) for m in created["metadata"]["managedFields"]] == [("tester", "Update")]
    body = json.dumps(widget("applied", size=2)).encode()
    applied = server.request(
        "PATCH",
        f"{WIDGETS}/applied",
        body,
        query="fieldManager=kubectl",
        headers={"Content-Type": "application/apply-patch+yaml"},
    )
    assert applied.status == 201, applied.body.decode()
    fields = applied.json()["metadata"]["managedFields"][0]
    assert (fields["manager"], fields["operation"]) == ("kubectl", "Apply")
    assert fields["fieldsV1"]["f:spec"] == {"f:name": {}, "f:size": {}}


class _Published:
    def __init__(self) -> None:
        self.definitions: dict[Any, dict[str, Any]] = {}
        self.v3_definitions: dict[Any, dict[str, Any]] = {}

    def set_definitions(self, gv: Any, definitions: Any, v3_definitions: Any = None) -> None:
        self.definitions[gv] = dict(definitions)
        self.v3_definitions[gv] = dict(v3_definitions or definitions)

    def remove_definitions(self, gv: Any) -> None:
        self.definitions.pop(gv, None)
        self.v3_definitions.pop(gv, None)


def test_openapi_definitions_are_published_per_group_version(server: FakeAPIServer) -> None:
    assert server.apiextensions is not None
    published = _Published()
    handler = server.apiextensions.handler
    # Put back afterwards: the session server's own publisher serves /openapi to the tests after this one.
    previous, handler.openapi = handler.openapi, published
    try:
        create_crd(server)
        (gv,) = published.definitions
        widget_def = published.definitions[gv]["com.example.v1.Widget"]
        assert widget_def["x-kubernetes-group-version-kind"] == [
            {"group": "example.com", "kind": "Widget", "version": "v1"}
        ]
        assert widget_def["properties"]["metadata"] == {
            "$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
        }
        assert widget_def["properties"]["spec"]["properties"]["size"] == {"type": "integer", "maximum": 10}
        items = published.definitions[gv]["com.example.v1.WidgetList"]["properties"]["items"]
        assert items["items"] == {"$ref": "#/definitions/com.example.v1.Widget"}
        ok(server.request("DELETE", f"{CRDS}/widgets.example.com"))
        assert published.definitions == {}
    finally:
        handler.openapi = previous


def test_requests_to_a_deprecated_version_are_warned(server: FakeAPIServer) -> None:
    # customresource_handler.go: a deprecated version's deprecationWarning, or defaultDeprecationWarning
    # naming the highest served version that is newer and not deprecated (v2alpha1 is older than v1beta1).
    def version(name: str, **extra: Any) -> dict[str, Any]:
        schema = {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}
        return {"name": name, "served": True, "storage": name == "v1", "schema": schema, **extra}

    crd = crd_manifest("Old", "dep.example.com")
    crd["spec"]["versions"] = [
        version("v1"),
        version("v1beta1", deprecated=True),
        version("v1alpha1", deprecated=True, deprecationWarning="v1alpha1 is gone soon"),
        version("v2alpha1"),
    ]
    create_crd(server, crd)

    def warnings(method: str, version: str, body: Any = None) -> list[str]:
        path = f"/apis/dep.example.com/{version}/namespaces/default/olds"
        return [value for name, value in server.request(method, path, body).headers if name == "Warning"]

    assert warnings("GET", "v1") == warnings("GET", "v2alpha1") == []
    deprecated = '299 - "dep.example.com/v1beta1 Old is deprecated; use dep.example.com/v1 Old"'
    assert warnings("GET", "v1beta1") == [deprecated]
    created = {"apiVersion": "dep.example.com/v1beta1", "kind": "Old", "metadata": {"name": "o"}}
    assert warnings("POST", "v1beta1", created) == [deprecated]
    assert warnings("GET", "v1alpha1") == ['299 - "v1alpha1 is gone soon"']


def test_a_read_in_another_version_is_defaulted_as_stored_not_as_served(server: FakeAPIServer) -> None:
    # The storage codec defaults with the schema of the version an object was stored in
    # (unstructuredDefaulter); the conversion to the version asked for only prunes (schemaCoercingConverter).
    def version(name: str, properties: dict[str, Any]) -> dict[str, Any]:
        spec = {"type": "object", "properties": properties}
        schema = {"openAPIV3Schema": {"type": "object", "properties": {"spec": spec}}}
        return {"name": name, "served": True, "storage": name == "v1", "schema": schema}

    crd = crd_manifest("Dial", "rd.example.com")
    crd["spec"]["versions"] = [
        version("v1", {"mode": {"type": "string", "default": "fromV1"}}),
        version(
            "v1beta1",
            {"mode": {"type": "string", "default": "fromV1beta1"}, "extra": {"type": "string", "default": "betaOnly"}},
        ),
    ]
    create_crd(server, crd)
    dials = "/apis/rd.example.com/{}/namespaces/default/dials"
    body = {"apiVersion": "rd.example.com/v1", "kind": "Dial", "metadata": {"name": "d"}, "spec": {}}
    assert ok(server.request("POST", dials.format("v1"), body), 201)["spec"] == {"mode": "fromV1"}
    assert ok(server.request("GET", f"{dials.format('v1beta1')}/d"))["spec"] == {"mode": "fromV1"}
    assert [i["spec"] for i in ok(server.request("GET", dials.format("v1beta1")))["items"]] == [{"mode": "fromV1"}]
