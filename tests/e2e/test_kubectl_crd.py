"""Real kubectl 1.37 against CustomResourceDefinitions and their custom resources.

Apply a CRD, wait for it to be Established, use its resources through their plural, short
name and category, see the printer columns, get a 422 with the field path for an invalid
object, patch the status subresource, scale, and delete the CRD with its instances.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from crd_manifests import crd_manifest

pytestmark = pytest.mark.kubectl

Kubectl = Callable[..., subprocess.CompletedProcess[str]]

CRD_YAML = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.e2e.example.com
spec:
  group: e2e.example.com
  scope: Namespaced
  names:
    plural: gadgets
    singular: gadget
    kind: Gadget
    shortNames: [gdg]
    categories: [all]
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
    additionalPrinterColumns:
    - name: Color
      type: string
      jsonPath: .spec.color
    - name: Replicas
      type: integer
      jsonPath: .spec.replicas
    - name: Phase
      type: string
      jsonPath: .status.phase
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size:
                type: integer
                maximum: 10
              color:
                type: string
                enum: [red, blue]
                default: red
              replicas:
                type: integer
                default: 1
          status:
            type: object
            properties:
              phase:
                type: string
              replicas:
                type: integer
"""

GADGET_YAML = """
apiVersion: e2e.example.com/v1
kind: Gadget
metadata:
  name: {name}
  namespace: default
spec:
  size: {size}
"""


def _json(result: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(result.stdout)


def _apply_crd(kubectl: Kubectl) -> None:
    result = kubectl("apply", "--validate=false", "-f", "-", input=CRD_YAML)
    assert result.stdout.strip() == "customresourcedefinition.apiextensions.k8s.io/gadgets.e2e.example.com created"
    waited = kubectl("wait", "--for=condition=Established", "crd/gadgets.e2e.example.com", "--timeout=10s")
    assert (
        waited.stdout.strip() == "customresourcedefinition.apiextensions.k8s.io/gadgets.e2e.example.com condition met"
    )


def test_custom_resource_lifecycle(kubectl: Kubectl) -> None:
    _apply_crd(kubectl)
    created = kubectl("apply", "--validate=false", "-f", "-", input=GADGET_YAML.format(name="g1", size=3))
    assert created.stdout.strip() == "gadget.e2e.example.com/g1 created"

    obj = _json(kubectl("get", "gadget", "g1", "-o", "json"))
    assert obj["apiVersion"] == "e2e.example.com/v1"
    assert obj["spec"] == {"size": 3, "color": "red", "replicas": 1}
    assert obj["metadata"]["generation"] == 1

    table = kubectl("get", "gadgets").stdout.splitlines()
    assert table[0].split() == ["NAME", "COLOR", "REPLICAS", "PHASE"]
    assert table[1].split() == ["g1", "red", "1"]

    patched = kubectl(
        "patch", "gadget", "g1", "--subresource=status", "--type", "merge", "-p", '{"status":{"phase":"Ready"}}'
    )
    assert patched.stdout.strip() == "gadget.e2e.example.com/g1 patched"
    assert kubectl("get", "gdg").stdout.splitlines()[1].split() == ["g1", "red", "1", "Ready"]
    assert _json(kubectl("get", "gadget", "g1", "-o", "json"))["metadata"]["generation"] == 1

    scaled = kubectl("scale", "gadget/g1", "--replicas=4")
    assert scaled.stdout.strip() == "gadget.e2e.example.com/g1 scaled"
    obj = _json(kubectl("get", "gadget", "g1", "-o", "json"))
    assert obj["spec"]["replicas"] == 4
    assert obj["metadata"]["generation"] == 2

    assert "gadget.e2e.example.com/g1" in kubectl("get", "all", "-o", "name").stdout.split()


def test_invalid_custom_resource_is_rejected(kubectl: Kubectl) -> None:
    _apply_crd(kubectl)
    result = kubectl("apply", "--validate=false", "-f", "-", input=GADGET_YAML.format(name="big", size=20), check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        'The Gadget "big" is invalid: spec.size: Invalid value: 20: spec.size in body should be less than or equal to 10'
    )
    # --validate=false sends fieldValidation=Ignore: unknown fields are pruned without a word.
    pruned = kubectl(
        "apply", "--validate=false", "-f", "-", input=GADGET_YAML.format(name="odd", size=1) + "  shape: round\n"
    )
    assert pruned.stderr == ""
    assert _json(kubectl("get", "gadget", "odd", "-o", "json"))["spec"] == {"size": 1, "color": "red", "replicas": 1}


def test_api_resources_and_crd_deletion(kubectl: Kubectl) -> None:
    _apply_crd(kubectl)
    kubectl("apply", "--validate=false", "-f", "-", input=GADGET_YAML.format(name="g2", size=2))
    rows = [line.split() for line in kubectl("api-resources", "--api-group=e2e.example.com").stdout.splitlines()]
    assert rows[0] == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    assert rows[1] == ["gadgets", "gdg", "e2e.example.com/v1", "true", "Gadget"]

    deleted = kubectl("delete", "crd", "gadgets.e2e.example.com", "--timeout=10s")
    assert deleted.stdout.strip() == 'customresourcedefinition.apiextensions.k8s.io "gadgets.e2e.example.com" deleted'
    missing = kubectl("get", "crd", "gadgets.e2e.example.com", check=False)
    assert missing.returncode == 1
    assert "NotFound" in missing.stderr or "not found" in missing.stderr
    gone = kubectl("get", "gadgets", check=False)
    assert gone.returncode == 1
    assert "the server could not find the requested resource" in gone.stderr
    # The instances went with the CRD: a new CRD of the same name starts empty.
    _apply_crd(kubectl)
    empty = kubectl("get", "gadgets")
    assert empty.stderr.strip() == "No resources found in default namespace."


# One CRD keeping unknown fields at its root, one below a declared property.
PRESERVING_CRDS = yaml.safe_dump_all(
    [
        crd_manifest("Foo", "company.com"),
        crd_manifest(
            "Nested",
            "company.com",
            schema={
                "type": "object",
                "properties": {
                    "spec": {
                        "type": "object",
                        "x-kubernetes-preserve-unknown-fields": True,
                        "properties": {"a": {"type": "string"}},
                    }
                },
            },
        ),
    ]
)


def test_a_list_of_resources_that_keep_unknown_fields_passes_client_side_validation(kubectl: Kubectl) -> None:
    # kubectl validates a List against /openapi/v2, where a schema that keeps unknown fields lists no
    # properties (ToStructuralOpenAPIV2, buildKubeNative) or kubectl would refuse every other field
    # (test/cmd/crd.sh, hack/testdata/CRD/multi-crd-list.yaml).
    kubectl("apply", "-f", "-", input=PRESERVING_CRDS)
    kubectl("wait", "--for=condition=Established", "crd/foos.company.com", "crd/nesteds.company.com")
    items = [
        {"apiVersion": "company.com/v1", "kind": "Foo", "metadata": {"name": "test-list"}, "otherField": "x"},
        {"apiVersion": "company.com/v1", "kind": "Nested", "metadata": {"name": "n"}, "spec": {"a": "1", "b": 2}},
    ]
    kubectl("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    assert kubectl("get", "foos", "-o", "jsonpath={.items[*].metadata.name}").stdout == "test-list"
    v2 = json.loads(kubectl("get", "--raw", "/openapi/v2").stdout)["definitions"]
    assert v2["com.company.v1.Foo"] == {
        "type": "object",
        "x-kubernetes-group-version-kind": [{"group": "company.com", "kind": "Foo", "version": "v1"}],
    }
    assert v2["com.company.v1.Nested"]["properties"]["spec"] == {"x-kubernetes-preserve-unknown-fields": True}
    # The v3 documents keep the whole schema.
    v3 = json.loads(kubectl("get", "--raw", "/openapi/v3/apis/company.com/v1").stdout)["components"]["schemas"]
    assert v3["com.company.v1.Nested"]["properties"]["spec"]["properties"] == {"a": {"type": "string"}}
