"""How to see what happened when a test failed: the trace file fakeapi leaves for it.

A test that uses the ``fakeapi`` fixture and fails leaves one HTML file,
``test-results/<test>/fakeapi-trace.html`` in pytest's working directory, and the failure report
says where. Open it in a browser (it needs no server and no network, so a CI artefact works):
one timeline of every request the cluster answered (verb, object, user agent, code, latency,
field manager, request and response bodies, injected faults), every watch event it sent, every
controller enqueue, every object change and pod or node transition, and the test's phases and
failed assertion. Pick a moment to see the cluster as it was then; pick an object to see its
versions, which request made each, and the diff between them; filter by namespace, kind, name,
user agent, verb or code.

``--fakeapi-trace=on`` keeps a trace of every test, ``off`` none; the default,
``retain-on-failure``, renders one only for a failing test (recording is always on and cheap, so a
passing test pays nothing). ``--fakeapi-trace-dir`` puts them elsewhere. Both are also ini keys
(``fakeapi_trace``, ``fakeapi_trace_dir``) and environment variables (``FAKEAPI_TRACE``,
``FAKEAPI_TRACE_DIR``).

The failing test here is ``failing_scaler.py`` beside this file, run in a scratch project with
pytester so that this how-to passes while showing the real report and trace (in a process of its own, as
you would run pytest).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fakeapi.testing.trace import read_html

FAILING_TEST = (Path(__file__).parent / "failing_scaler.py").read_text()
TRACE = Path("test-results") / "test_failing_scaler.py-test_the_scaler_follows_its_settings" / "fakeapi-trace.html"


def test_a_failing_test_leaves_a_trace_and_says_where(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_failing_scaler=FAILING_TEST)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(failed=1)
    trace = pytester.path / TRACE
    result.stdout.fnmatch_lines(["*- fakeapi trace -*", str(trace)])

    document = read_html(trace)
    (cluster,) = document["clusters"]
    # The test's phases and the assertion that failed.
    assert [phase["name"] for phase in document["test"]["phases"]] == ["setup", "call", "teardown"]
    assert document["test"]["failure"]["message"].startswith("assert 2 == 3")
    # Every request of the controller, with its user agent, field manager and bodies.
    (scale,) = [r for r in cluster["requests"] if r["subresource"] == "scale"]
    assert (scale["verb"], scale["name"], scale["code"], scale["fieldManager"]) == ("patch", "web", 200, "scaler")
    assert scale["userAgent"].startswith("OpenAPI-Generator/")
    assert json.loads(scale["requestBody"]["text"]) == {"spec": {"replicas": 2}}
    # The Deployment's versions, each naming the request that made it: seeded with 1 replica, 2 after the scaler's patch.
    versions = [v for v in cluster["versions"] if v["key"] == "apps/deployments/default/web"]
    assert versions[0]["object"]["spec"]["replicas"] == 1
    (scaled,) = [v for v in versions if v["req"] == scale["seq"]]
    assert scaled["object"]["spec"]["replicas"] == 2
    assert scale["revisions"] == [scaled["rev"]]
    # What the simulated cluster did next: the ReplicaSet controller's pods, bound and running.
    assert any(
        v["object"]["kind"] == "Pod" and v["object"]["status"].get("phase") == "Running" for v in cluster["versions"]
    )


def test_a_passing_test_leaves_none_unless_asked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "def test_fine(fakeapi):\n    fakeapi.seed({'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': 'a'}})\n"
    )
    pytester.runpytest_subprocess().assert_outcomes(passed=1)
    assert not (pytester.path / "test-results").exists()

    pytester.runpytest_subprocess("--fakeapi-trace=on").assert_outcomes(passed=1)
    (trace,) = (pytester.path / "test-results").glob("*/fakeapi-trace.html")
    assert read_html(trace)["test"]["outcome"] == "passed"
