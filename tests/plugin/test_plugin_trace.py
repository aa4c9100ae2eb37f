"""--fakeapi-trace: which tests leave a trace file, where it goes, how the failure report names it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fakeapi.testing.trace import read_html

FAILING = """
def test_fails(fakeapi):
    fakeapi.seed({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})
    assert False, "the test's own failure"
"""
PASSING = """
def test_passes(fakeapi):
    fakeapi.seed({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})
"""
WITHOUT_CLUSTER = """
def test_without_a_cluster():
    assert False
"""


def _traces(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("fakeapi-trace.html"))


def test_by_default_only_a_failing_test_leaves_a_trace_named_in_its_report(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_failing=FAILING, test_passing=PASSING, test_plain=WITHOUT_CLUSTER)
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=2)
    trace = pytester.path / "test-results" / "test_failing.py-test_fails" / "fakeapi-trace.html"
    assert _traces(pytester.path) == [str(trace.relative_to(pytester.path))]
    result.stdout.fnmatch_lines(["*fakeapi: *trace=retain-on-failure*", "*- fakeapi trace -*", str(trace)])
    document = read_html(trace)
    assert document["test"]["outcome"] == "failed"
    assert document["test"]["failure"]["message"].startswith("AssertionError: the test's own failure")
    assert document["test"]["failure"]["location"].endswith("test_failing.py:3")


def test_on_keeps_every_test_with_a_cluster_off_none(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_failing=FAILING, test_passing=PASSING)
    pytester.runpytest("--fakeapi-trace=on").assert_outcomes(passed=1, failed=1)
    assert _traces(pytester.path) == [
        "test-results/test_failing.py-test_fails/fakeapi-trace.html",
        "test-results/test_passing.py-test_passes/fakeapi-trace.html",
    ]

    off = pytester.runpytest("--fakeapi-trace=off", "--fakeapi-trace-dir=elsewhere")
    off.assert_outcomes(passed=1, failed=1)
    assert not (pytester.path / "elsewhere").exists()
    assert "fakeapi trace" not in off.stdout.str()


def test_ini_and_environment_with_the_command_line_winning(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_failing=FAILING)
    pytester.makeini("[pytest]\nfakeapi_trace = off\n")
    monkeypatch.setenv("FAKEAPI_TRACE", "on")
    monkeypatch.setenv("FAKEAPI_TRACE_DIR", "artefacts")
    pytester.runpytest().assert_outcomes(failed=1)
    assert _traces(pytester.path) == []  # the ini file comes before the environment

    pytester.runpytest("--fakeapi-trace=retain-on-failure").assert_outcomes(failed=1)
    assert _traces(pytester.path) == ["artefacts/test_failing.py-test_fails/fakeapi-trace.html"]


def test_the_folder_is_relative_to_where_pytest_runs_not_where_the_test_went(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os

        def test_moves_and_fails(fakeapi, tmp_path):
            os.chdir(tmp_path)
            assert False
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(failed=1)
    assert _traces(pytester.path) == [
        "test-results/test_the_folder_is_relative_to_where_pytest_runs_not_where_the_test_went.py-test_moves_and_fails/fakeapi-trace.html"
    ]


def test_a_failing_teardown_names_the_trace_in_its_own_report(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture
        def breaks_at_teardown(fakeapi):
            yield
            raise RuntimeError("teardown broke")

        def test_body_passes(breaks_at_teardown):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    (trace,) = (pytester.path / "test-results").rglob("fakeapi-trace.html")
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_body_passes*", "*- fakeapi trace -*", str(trace)])
    document = read_html(trace)
    assert document["test"]["failure"]["phase"] == "teardown"
    assert [p["outcome"] for p in document["test"]["phases"]] == ["passed", "passed", "failed"]


def test_several_clusters_are_several_parts_of_one_trace(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_two_clusters(fakeapi_factory):
            east, west = fakeapi_factory(), fakeapi_factory()
            east.seed({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "east"}})
            assert False
        """
    )
    pytester.runpytest().assert_outcomes(failed=1)
    (trace,) = (pytester.path / "test-results").rglob("fakeapi-trace.html")
    clusters = read_html(trace)["clusters"]
    assert len(clusters) == 2
    assert all(c["name"].startswith("https://127.0.0.1:") for c in clusters)
    east_only = [v for v in clusters[0]["versions"] if v["name"] == "east"]
    assert east_only and not [v for v in clusters[1]["versions"] if v["name"] == "east"]


def test_an_unknown_mode_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_failing=FAILING)
    result = pytester.runpytest("--fakeapi-trace=sometimes")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--fakeapi-trace (or fakeapi_trace, FAKEAPI_TRACE): 'sometimes' is not one of off, on, retain-on-failure*"]
    )


def test_a_passing_test_never_loads_the_trace_viewer(pytester: pytest.Pytester) -> None:
    """Rendering happens only when a trace is kept (in a process of its own: this one has loaded the viewer)."""
    pytester.makepyfile(
        test_passing=PASSING
        + """
def test_the_viewer_is_not_loaded():
    import sys
    assert "fakeapi.testing.trace" not in sys.modules
"""
    )
    pytester.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=2)


def test_a_bare_server_start_does_not_load_the_trace_viewer() -> None:
    code = (
        "import sys\n"
        "from fakeapi import FakeAPIServer, ServerConfig\n"
        "with FakeAPIServer(ServerConfig(port=0)) as server:\n"
        "    server.request('GET', '/api/v1/namespaces')\n"
        "print(sorted(m for m in sys.modules if m.startswith('fakeapi.testing.trace')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert result.stdout.strip() == "[]"
