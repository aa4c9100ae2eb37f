"""How to test a kopf operator: kopf's own KopfRunner runs it against the test's cluster.

``fakeapi_kubeconfig_env`` points ``KUBECONFIG`` at the cluster, which is where ``kopf run``
looks; ``--standalone`` skips kopf's peering objects and ``--namespace`` keeps it to one
namespace. Wait for what the operator does through the audit log (a request of kopf's user
agent), then read the result back; KopfRunner re-raises what the operator raised when it ends.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fakeapi.pytest_plugin.plugin import FakeAPI

kopf_testing = pytest.importorskip("kopf.testing")

OPERATOR = Path(__file__).with_name("greeting_operator.py")
TIMEOUT = 30.0


def test_the_operator_greets_a_labelled_configmap(fakeapi_kubeconfig_env: FakeAPI) -> None:
    fakeapi = fakeapi_kubeconfig_env
    args = ["run", "--standalone", "--namespace=default", str(OPERATOR)]
    with kopf_testing.KopfRunner(args, timeout=60) as runner:
        fakeapi.seed(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "visitor", "labels": {"greet": "yes"}}}
        )
        fakeapi.audit.assert_requested(
            "patch", "configmaps", name="visitor", user_agent="kopf", code=200, timeout=TIMEOUT
        )

    assert runner.exception is None and runner.exit_code == 0
    assert fakeapi.get("v1", "ConfigMap", "visitor")["data"] == {"greeting": "hello visitor"}
