"""A server without admission policies never imports them or the CEL runtime; the first policy does."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

# The scripts import the checkout's fakeapi, as the tests do.
REPO_ROOT = Path(__file__).resolve().parents[3]

SCRIPT = textwrap.dedent(
    """
    import sys
    from fakeapi.server.instance import FakeAPIServer, ServerConfig

    LAZY = ("fakeapi.admission.plugin.policy", "fakeapi.admission.plugin.cel", "fakeapi.cel", "cel_expr_python")

    def loaded():
        return sorted(name for name in LAZY if name in sys.modules)

    server = FakeAPIServer(ServerConfig(controllers=["*", "-scheduler", "-kubelet"]))
    server.settle()
    server.request("POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "plain"}})
    print("bare", loaded())
    policy = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": "p"},
        "spec": {
            "matchConstraints": {
                "resourceRules": [
                    {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["configmaps"]}
                ]
            },
            "validations": [{"expression": "object.metadata.name != 'forbidden'"}],
        },
    }
    path = "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies"
    assert server.request("POST", path, policy).status == 201
    print("stored", loaded())
    binding = {"metadata": {"name": "p"}, "spec": {"policyName": "p", "validationActions": ["Deny"]}}
    assert server.request("POST", path.replace("policies", "policybindings"), binding).status == 201
    refused = server.request("POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "forbidden"}})
    print("enforced", refused.status, loaded())
    """
)


def test_the_policy_plugins_load_with_the_first_policy() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120, check=True
    )
    bare, stored, enforced = result.stdout.splitlines()
    assert bare == "bare []"
    # Storing a policy compiles its expressions (write-time validation loads CEL) and only puts the
    # plugins' placeholders in the chain (the server is not started, so the status controller has not
    # type-checked it yet): the first request they see loads the plugins.
    assert stored == "stored ['cel_expr_python', 'fakeapi.admission.plugin.cel', 'fakeapi.cel']"
    everything = "['cel_expr_python', 'fakeapi.admission.plugin.cel', 'fakeapi.admission.plugin.policy', 'fakeapi.cel']"
    assert enforced == f"enforced 422 {everything}"
