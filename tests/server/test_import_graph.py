"""The start-up budget as a check of the import graph: a bare start imports only what it needs.

Issue 16 asks for ``fakeapi serve`` to be ready within twice the time of a canned-response floor
process (``benchmarks/scale.py`` measures both). Times vary with the machine; what a start imports
does not, so the budget is kept here: the modules a bare start (construct, bootstrap, start, first
request) must not import, each loaded on its first use instead, and a ceiling on how many of
fakeapi's own modules it may import. A fresh interpreter runs each case, so nothing another test
imported counts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# What a bare start leaves alone, and what first needs it.
LOADED_ON_FIRST_USE = {
    "fakeapi.endpoints.handlers.printers": "the first Table (kubectl get)",
    "fakeapi.endpoints.handlers.patch": "the first patch",
    "fakeapi.apimachinery.jsonpatch": "the first JSON patch",
    "fakeapi.apimachinery.mergepatch": "the first merge patch",
    "fakeapi.apimachinery.strategicpatch": "the first strategic merge patch",
    "fakeapi.apiextensions.validation": "the first CRD written",
    "fakeapi.endpoints.openapi.builder": "the first /openapi/v2",
    "fakeapi.endpoints.openapi.builder3": "the first /openapi/v3",
    "fakeapi.endpoints.openapi.routes": "the first OpenAPI document",
    "fakeapi.apimachinery.protobuf": "the first protobuf body",
    "google.protobuf": "the first protobuf body",
    "re2": "the first CRD pattern",
    "fakeapi.admission.podsecurity.checks": "the first pod in a namespace with a Pod Security level",
}
# Subsystems that must load on first use wherever they live (prefixes of module names).
SUBSYSTEMS_ON_FIRST_USE = (
    "fakeapi.cel",
    "fakeapi.admission.plugin.cel",
    "fakeapi.admission.plugin.policy",
    "fakeapi.admission.plugin.webhook.mutating",
    "fakeapi.admission.plugin.webhook.validating",
    "fakeapi.util.webhook",
    "fakeapi.apiextensions.conversion.webhook_converter",
    "fakeapi.testing.trace",
)
# fakeapi modules a bare start imports today: 295, the workload simulation and the controllers and
# admission plugins on by default included (the webhooks added the configurations' validation, the
# HPA's v1/v2 conversion and the small modules that install the webhook plugins on first use; the
# bootstrap's pods, Services and ConfigMaps need their validation, every write the kinds' table;
# PersistentVolumeClaimResize is one of the default admission chain's plugins; so is PodSecurity,
# whose namespace labels every pod create reads: 298; and kube-apiserver's system namespaces
# controller, one of its own loops: 299).
# Raise it only for a module every start needs.
FAKEAPI_MODULES_CEILING = 299

BARE_START = """
import json, sys
from fakeapi import FakeAPIServer, ServerConfig
server = FakeAPIServer(ServerConfig()).start()
assert server.request("GET", "/readyz").status == 200
before = sorted(sys.modules)
{use}
print(json.dumps({{"before": before, "after": sorted(sys.modules)}}))
server.stop()
"""

FIRST_USES = """
CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {"group": "example.com", "scope": "Namespaced",
             "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
             "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
                 "type": "object", "properties": {"spec": {"type": "object", "properties": {
                     "name": {"type": "string", "pattern": "^[a-z]+$"}}}}}}}]},
}
table = "application/json;as=Table;v=v1;g=meta.k8s.io"
assert server.request("GET", "/api/v1/namespaces", headers={"Accept": table}).status == 200
assert server.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CRD).status == 201
patch = {"Content-Type": "application/strategic-merge-patch+json"}
assert server.request("PATCH", "/api/v1/namespaces/default", {"metadata": {"labels": {"a": "b"}}}, headers=patch).status == 200
patch = {"Content-Type": "application/json-patch+json"}
assert server.request("PATCH", "/api/v1/namespaces/default", [{"op": "add", "path": "/metadata/labels/c", "value": "d"}], headers=patch).status == 200
patch = {"Content-Type": "application/merge-patch+json"}
assert server.request("PATCH", "/api/v1/namespaces/default", {"metadata": {"labels": {"e": "f"}}}, headers=patch).status == 200
restricted = {"apiVersion": "v1", "kind": "Namespace",
              "metadata": {"name": "locked", "labels": {"pod-security.kubernetes.io/enforce": "restricted"}}}
assert server.request("POST", "/api/v1/namespaces", restricted).status == 201
pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "i"}]}}
assert server.request("POST", "/api/v1/namespaces/locked/pods", pod).status == 403
assert server.request("GET", "/openapi/v2", headers={"Accept": "application/json"}).status == 200
assert server.request("GET", "/openapi/v3/api/v1").status == 200
import time
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    created = server.request("POST", "/apis/example.com/v1/namespaces/default/widgets",
                             {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"name": "abc"}})
    if created.status == 201:
        break
    time.sleep(0.05)
assert created.status == 201, created.body
# Not a valid protobuf message: refused, but only after the decoder was loaded to read it.
proto = {"Content-Type": "application/vnd.kubernetes.protobuf"}
assert server.request("POST", "/api/v1/namespaces/default/configmaps", b"k8s" + bytes(1) + b"junk", headers=proto).status == 400
"""


def run_start(use: str = "") -> tuple[set[str], set[str]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(
        [sys.executable, "-c", BARE_START.format(use=use)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    modules = json.loads(done.stdout.splitlines()[-1])
    return set(modules["before"]), set(modules["after"])


def test_a_bare_start_imports_only_what_it_needs() -> None:
    imported, _ = run_start()

    eager = {name: why for name, why in LOADED_ON_FIRST_USE.items() if name in imported}
    assert not eager, f"imported by a bare start, though only needed from: {eager}"
    assert not [name for name in imported if name.startswith(SUBSYSTEMS_ON_FIRST_USE)]
    own = sorted(name for name in imported if name == "fakeapi" or name.startswith("fakeapi."))
    assert len(own) <= FAKEAPI_MODULES_CEILING, f"{len(own)} fakeapi modules imported by a bare start"


def test_each_deferred_module_loads_on_its_first_use() -> None:
    before, after = run_start(FIRST_USES)

    loaded = {name for name in LOADED_ON_FIRST_USE if name in after and name not in before}
    assert loaded == set(LOADED_ON_FIRST_USE)
