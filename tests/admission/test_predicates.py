"""The predicates webhooks and admission policies match requests with.

Cases after apiserver/pkg/admission/plugin/webhook/predicates/rules/rules_test.go,
namespace/matcher_test.go and object/matcher_test.go.
"""

from __future__ import annotations

from typing import Any

import pytest

from fakeapi.admission.interfaces import CREATE, DELETE, UPDATE, Attributes
from fakeapi.admission.plugin.webhook.predicates.namespace import NamespaceMatcher
from fakeapi.admission.plugin.webhook.predicates.object import object_selector_matches
from fakeapi.admission.plugin.webhook.predicates.rules import (
    is_exempt_admission_configuration_resource,
    rule_matches,
)
from fakeapi.admission.reader import StoreReader
from fakeapi.apimachinery import errors
from fakeapi.apimachinery.schema import GroupVersionKind, GroupVersionResource
from fakeapi.endpoints.request import RequestContext, RequestInfo


def attributes(
    operation: str = CREATE,
    resource: str = "pods",
    group: str = "",
    version: str = "v1",
    subresource: str = "",
    namespace: str = "default",
    obj: dict[str, Any] | None = None,
    old: dict[str, Any] | None = None,
    kind: str = "Pod",
) -> Attributes:
    context = RequestContext(RequestInfo("/", "create"))
    return Attributes(
        operation,
        GroupVersionKind(group, version, kind),
        GroupVersionResource(group, version, resource),
        subresource,
        namespace,
        "name",
        obj,
        old,
        context,
    )


def rule(**fields: Any) -> dict[str, Any]:
    return {"operations": ["*"], "apiGroups": ["*"], "apiVersions": ["*"], "resources": ["*"], **fields}


@pytest.mark.parametrize(
    ("given", "request_attributes", "matches"),
    [
        # Groups and versions: exact or "*".
        (rule(apiGroups=["apps"]), attributes(group="apps", resource="deployments"), True),
        (rule(apiGroups=["apps"]), attributes(group="batch", resource="jobs"), False),
        (rule(apiVersions=["v1beta1"]), attributes(), False),
        (rule(apiGroups=[""], apiVersions=["v1"]), attributes(), True),
        # Operations.
        (rule(operations=["CREATE"]), attributes(operation=UPDATE), False),
        (rule(operations=["UPDATE", "DELETE"]), attributes(operation=DELETE), True),
        # Resources and subresources.
        (rule(resources=["pods"]), attributes(subresource="status"), False),
        (rule(resources=["pods/status"]), attributes(subresource="status"), True),
        (rule(resources=["pods/*"]), attributes(subresource="exec"), True),
        # "*" as subresource matches the empty one too (rules.go compares sub == "*" first).
        (rule(resources=["pods/*"]), attributes(), True),
        (rule(resources=["*/status"]), attributes(resource="deployments", subresource="status"), True),
        (rule(resources=["*/status"]), attributes(resource="deployments"), False),
        (rule(resources=["*"]), attributes(subresource="status"), False),
        (rule(resources=["*/*"]), attributes(subresource="status"), True),
        # Scope: a namespace object counts as cluster-scoped.
        (rule(scope="Namespaced"), attributes(), True),
        (rule(scope="Namespaced"), attributes(resource="nodes", namespace=""), False),
        (rule(scope="Namespaced"), attributes(resource="namespaces", namespace="team"), False),
        (rule(scope="Cluster"), attributes(resource="namespaces", namespace="team"), True),
        (rule(scope="Cluster"), attributes(resource="nodes", namespace=""), True),
        (rule(scope="Cluster"), attributes(), False),
        (rule(scope="*"), attributes(), True),
    ],
)
def test_rules(given: dict[str, Any], request_attributes: Attributes, matches: bool) -> None:
    assert rule_matches(given, request_attributes) is matches


def test_webhook_configurations_are_exempt() -> None:
    for kind in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
        assert is_exempt_admission_configuration_resource(
            attributes(group="admissionregistration.k8s.io", kind=kind, namespace="")
        )
    assert not is_exempt_admission_configuration_resource(
        attributes(group="admissionregistration.k8s.io", kind="ValidatingAdmissionPolicy", namespace="")
    )


class _Namespaces:
    """A Store-shaped stand-in holding namespaces by name."""

    key_prefix = "namespaces"

    def __init__(self, **labels: dict[str, str]) -> None:
        self.storage = self
        self._objects = {name: {"metadata": {"name": name, "labels": value}} for name, value in labels.items()}

    def key_func(self, namespace: str, name: str) -> str:
        return name

    def get(self, key: str) -> dict[str, Any] | None:
        return self._objects.get(key)


def test_namespace_selector() -> None:
    matcher = NamespaceMatcher(StoreReader({("", "v1", "namespaces"): _Namespaces(prod={"env": "prod"}, dev={})}))
    prod_only = {"matchLabels": {"env": "prod"}}
    assert matcher.matches(prod_only, attributes(namespace="prod"))
    assert not matcher.matches(prod_only, attributes(namespace="dev"))
    assert matcher.matches({}, attributes(namespace="dev"))
    # Cluster-scoped requests other than namespaces are never exempted.
    assert matcher.matches(prod_only, attributes(resource="nodes", namespace=""))
    # A namespace being created is matched by its own labels, not by what is stored.
    created = {"metadata": {"name": "new", "labels": {"env": "prod"}}}
    assert matcher.matches(prod_only, attributes(resource="namespaces", namespace="new", obj=created))
    exists = {"key": "env", "operator": "Exists"}
    with pytest.raises(errors.StatusError) as missing:
        matcher.matches({"matchExpressions": [exists]}, attributes(namespace="gone"))
    assert missing.value.code == 404
    assert missing.value.message == 'namespaces "gone" not found'


def test_object_selector_matches_the_new_or_the_old_object() -> None:
    selector = {"matchLabels": {"app": "web"}}
    web = {"metadata": {"labels": {"app": "web"}}}
    db = {"metadata": {"labels": {"app": "db"}}}
    assert object_selector_matches(selector, attributes(obj=web))
    assert object_selector_matches(selector, attributes(operation=UPDATE, obj=db, old=web))
    assert not object_selector_matches(selector, attributes(obj=db))
    assert not object_selector_matches(selector, attributes(operation=DELETE))
    assert object_selector_matches(None, attributes(operation=DELETE))
