"""Consistency checks of the built-in resource table, and a cross-check of its kinds against the
Kubernetes 1.37 JSON schemas shipped by the ``kubernetes-validate`` package."""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from importlib import resources

import pytest

from fakeapi.apimachinery.schema import GroupVersion, GroupVersionKind
from fakeapi.registry.builtin_resources import BUILTIN_RESOURCES, FIELD_LABEL_NAMESPACE_UNSUPPORTED
from fakeapi.registry.resource_spec import ALL_VERBS, ResourceSpec

# Kinds that discovery reports but that have no schema: the options types of the connect
# subresources (exec, attach, portforward, proxy) are query parameters, not bodies.
VIRTUAL_KINDS = frozenset(
    GroupVersionKind("", "v1", kind)
    for kind in (
        "NodeProxyOptions",
        "PodAttachOptions",
        "PodExecOptions",
        "PodPortForwardOptions",
        "PodProxyOptions",
        "ServiceProxyOptions",
    )
)

# The group-versions the table must cover, in install order (core first, then apiextensions and
# kube-aggregator's apiregistration, the servers chained around kube-apiserver's own groups).
EXPECTED_GROUP_VERSIONS = (
    GroupVersion("", "v1"),
    GroupVersion("authentication.k8s.io", "v1"),
    GroupVersion("authorization.k8s.io", "v1"),
    GroupVersion("autoscaling", "v2"),
    GroupVersion("autoscaling", "v1"),
    GroupVersion("batch", "v1"),
    GroupVersion("certificates.k8s.io", "v1"),
    GroupVersion("coordination.k8s.io", "v1"),
    GroupVersion("discovery.k8s.io", "v1"),
    GroupVersion("networking.k8s.io", "v1"),
    GroupVersion("node.k8s.io", "v1"),
    GroupVersion("policy", "v1"),
    GroupVersion("rbac.authorization.k8s.io", "v1"),
    GroupVersion("scheduling.k8s.io", "v1"),
    GroupVersion("storage.k8s.io", "v1"),
    GroupVersion("flowcontrol.apiserver.k8s.io", "v1"),
    GroupVersion("apps", "v1"),
    GroupVersion("admissionregistration.k8s.io", "v1"),
    GroupVersion("events.k8s.io", "v1"),
    GroupVersion("apiextensions.k8s.io", "v1"),
    GroupVersion("apiregistration.k8s.io", "v1"),
)

CLUSTER_SCOPED_CORE = frozenset({"componentstatuses", "namespaces", "nodes", "persistentvolumes"})

# Kinds of the schema that are not resources of their own group-version.
NOT_RESOURCES = frozenset(
    {
        GroupVersionKind("autoscaling", "v1", "Scale"),  # the scale subresource
        GroupVersionKind("policy", "v1", "Eviction"),  # pods/eviction
        GroupVersionKind("authentication.k8s.io", "v1", "TokenRequest"),  # serviceaccounts/token
    }
)

SPEC_IDS = [f"{s.group or 'core'}/{s.version}/{s.resource}" for s in BUILTIN_RESOURCES]


@cache
def schema_gvks() -> frozenset[GroupVersionKind]:
    """The API kinds the kubernetes-validate v1.37 definitions carry a group-version-kind for.

    The apimachinery meta kinds (DeleteOptions, WatchEvent, Status, ...) are left out: the
    schema tags them with every group-version although no resource serves them.
    """
    path = resources.files("kubernetes_validate").joinpath(
        "kubernetes-json-schema", "v1.37.0-local", "_definitions.json"
    )
    definitions = json.loads(path.read_text(encoding="utf-8"))["$defs"]
    return frozenset(
        GroupVersionKind(gvk["group"], gvk["version"], gvk["kind"])
        for name, definition in definitions.items()
        if not name.startswith("io.k8s.apimachinery.")
        for gvk in definition.get("x-kubernetes-group-version-kind", ())
    )


def test_group_version_resources_are_unique() -> None:
    counts = Counter(spec.gvr for spec in BUILTIN_RESOURCES)
    assert [gvr for gvr, n in counts.items() if n > 1] == []


def test_kinds_are_unique_within_a_group_version() -> None:
    counts = Counter(spec.gvk for spec in BUILTIN_RESOURCES)
    assert [gvk for gvk, n in counts.items() if n > 1] == []


def test_every_expected_group_version_is_served_in_install_order() -> None:
    order = list(dict.fromkeys(spec.group_version for spec in BUILTIN_RESOURCES))
    assert order == list(EXPECTED_GROUP_VERSIONS)


@pytest.mark.parametrize("spec", BUILTIN_RESOURCES, ids=SPEC_IDS)
def test_names_are_lowercase(spec: ResourceSpec) -> None:
    assert spec.resource == spec.resource.lower()
    assert "/" not in spec.resource
    assert spec.singular_name == spec.singular_name.lower()
    assert all(name == name.lower() for name in spec.short_names)
    assert all(sub.name == sub.name.lower() and "/" not in sub.name for sub in spec.subresources)


@pytest.mark.parametrize("spec", BUILTIN_RESOURCES, ids=SPEC_IDS)
def test_verbs_are_known_and_sorted(spec: ResourceSpec) -> None:
    assert spec.verbs, "discovery needs at least one verb"
    assert set(spec.verbs) <= set(ALL_VERBS)
    assert list(spec.verbs) == sorted(spec.verbs)
    for sub in spec.subresources:
        assert sub.verbs
        assert set(sub.verbs) <= set(ALL_VERBS) - {"list", "watch", "deletecollection"}
        assert list(sub.verbs) == sorted(sub.verbs)


@pytest.mark.parametrize("spec", BUILTIN_RESOURCES, ids=SPEC_IDS)
def test_subresource_names_are_unique(spec: ResourceSpec) -> None:
    names = [sub.name for sub in spec.subresources]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("spec", BUILTIN_RESOURCES, ids=SPEC_IDS)
def test_selectable_fields_leave_out_the_metadata_defaults(spec: ResourceSpec) -> None:
    assert not {"metadata.name", "metadata.namespace"} & spec.selectable_fields.keys()


def test_short_names_are_unique_within_a_group_version() -> None:
    by_gv = Counter((spec.group_version, name) for spec in BUILTIN_RESOURCES for name in spec.short_names)
    assert [key for key, n in by_gv.items() if n > 1] == []


def test_core_scopes() -> None:
    core = {spec.resource: spec.namespaced for spec in BUILTIN_RESOURCES if spec.group == ""}
    assert {name for name, namespaced in core.items() if not namespaced} == CLUSTER_SCOPED_CORE


def test_exceptions_to_the_default_verbs() -> None:
    odd = {spec.resource: spec.verbs for spec in BUILTIN_RESOURCES if spec.verbs != ALL_VERBS}
    assert odd.pop("componentstatuses") == ("get", "list")
    assert odd.pop("namespaces") == ("create", "delete", "get", "list", "patch", "update", "watch")
    # Everything else that differs is create-only: bindings and the review APIs.
    assert set(odd) == {
        "bindings",
        "tokenreviews",
        "selfsubjectreviews",
        "subjectaccessreviews",
        "selfsubjectaccessreviews",
        "selfsubjectrulesreviews",
        "localsubjectaccessreviews",
    }
    assert set(odd.values()) == {("create",)}


def test_namespace_restricted_field_selectors_name_served_resources() -> None:
    served = {spec.group_resource for spec in BUILTIN_RESOURCES}
    assert served >= FIELD_LABEL_NAMESPACE_UNSUPPORTED


def test_every_core_kind_with_a_schema_is_served() -> None:
    served = {spec.gvk for spec in BUILTIN_RESOURCES} | {
        sub.kind for spec in BUILTIN_RESOURCES for sub in spec.subresources if sub.kind
    }
    core = {gvk for gvk in schema_gvks() if gvk.group == "" and not gvk.kind.endswith("List")}
    assert core - served == set()


@pytest.mark.parametrize("spec", BUILTIN_RESOURCES, ids=SPEC_IDS)
def test_kind_has_a_schema(spec: ResourceSpec) -> None:
    assert spec.gvk in schema_gvks()
    if "list" in spec.verbs:
        assert GroupVersionKind(spec.group, spec.version, spec.list_kind) in schema_gvks()


@pytest.mark.parametrize("spec", BUILTIN_RESOURCES, ids=SPEC_IDS)
def test_subresource_kinds_have_a_schema(spec: ResourceSpec) -> None:
    for sub in spec.subresources:
        if sub.kind is None:
            continue
        assert sub.kind != spec.gvk, f"{sub.name}: kind is only set when it differs"
        if sub.kind in VIRTUAL_KINDS:
            assert sub.kind not in schema_gvks(), f"{sub.kind} has a schema now: drop it from VIRTUAL_KINDS"
        else:
            assert sub.kind in schema_gvks()


def test_every_v1_kind_of_the_served_group_versions_is_in_the_table() -> None:
    served_gvs = set(EXPECTED_GROUP_VERSIONS)
    served = {spec.gvk for spec in BUILTIN_RESOURCES}
    expected = {
        gvk
        for gvk in schema_gvks()
        if gvk.group_version in served_gvs and not gvk.kind.endswith("List") and gvk not in NOT_RESOURCES
    }
    assert expected - served == set()
