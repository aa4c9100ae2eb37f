"""A bare server imports neither fakeapi.cel nor the CEL runtime; the first CRD with rules imports both."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

# The scripts import the checkout's fakeapi, as the tests do.
REPO_ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import sys

    from fakeapi import FakeAPIServer, ServerConfig

    def loaded():
        return sorted(m for m in ("fakeapi.cel", "cel_expr_python") if m in sys.modules)

    with FakeAPIServer(ServerConfig(port=0)) as server:
        server.request("GET", "/api/v1/namespaces/default")
        without = {"type": "object", "properties": {"spec": {"type": "object", "properties": {"a": {"type": "string"}}}}}
        crd = {
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "plains.lazy.example.com"},
            "spec": {
                "group": "lazy.example.com",
                "scope": "Namespaced",
                "names": {"plural": "plains", "kind": "Plain"},
                "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": without}}],
            },
        }
        server.seed(crd)
        print("bare", loaded())
        with_rules = {**without, "x-kubernetes-validations": [{"rule": "has(self.spec)"}]}
        crd["metadata"]["name"] = "ruled.lazy.example.com"
        crd["spec"]["names"] = {"plural": "ruled", "kind": "Ruled"}
        crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"] = with_rules
        server.seed(crd)
        print("rules", loaded())
    """
)


def test_cel_is_imported_by_the_first_crd_with_rules_only() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120, check=True
    )
    assert result.stdout.splitlines() == ["bare []", "rules ['cel_expr_python', 'fakeapi.cel']"]
