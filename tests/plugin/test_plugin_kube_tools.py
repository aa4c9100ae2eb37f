"""The ``kubectl`` and ``helm`` fixtures: which binary they run, against which cluster, and the skip without one.

The runner's own behaviour is checked with a stand-in script on PATH, so it is tested on a machine
without kubectl too; the real kubectl then shows the fixture reaches the test's cluster (helm's
tests are in tests/e2e).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from fakeapi.pytest_plugin.kube_tools import HELM, KUBECTL, Tool, ToolRunner, find_tool, kubectl_runner
from fakeapi.pytest_plugin.plugin import FakeAPI

# Prints its arguments, standard input and the variables the runner sets; exits with $EXIT_CODE. It runs
# with only its own directory on PATH, hence /bin/cat.
STAND_IN = """#!/bin/sh
echo "args: $*"
echo "stdin: $(/bin/cat)"
echo "KUBECONFIG=$KUBECONFIG HOME=$HOME KUBECACHEDIR=$KUBECACHEDIR"
echo "complaint" >&2
exit "${EXIT_CODE:-0}"
"""


def _stand_in(directory: Path, name: str) -> Path:
    directory.mkdir(exist_ok=True)
    script = directory / name
    script.write_text(STAND_IN)
    script.chmod(0o755)
    return script


@pytest.fixture
def stand_in_kubectl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in kubectl, the only one on PATH."""
    script = _stand_in(tmp_path / "bin", "kubectl")
    monkeypatch.delenv(KUBECTL.env_var, raising=False)
    monkeypatch.setenv("PATH", str(script.parent))
    return script


def test_the_binary_is_found_on_path(stand_in_kubectl: Path) -> None:
    assert find_tool(KUBECTL) == stand_in_kubectl


def test_the_variable_wins_over_path(stand_in_kubectl: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pinned = _stand_in(tmp_path / "pinned", "kubectl-1.37")
    monkeypatch.setenv(KUBECTL.env_var, str(pinned))
    assert find_tool(KUBECTL) == pinned
    # A bare name is looked up on PATH, as a shell would.
    monkeypatch.setenv("PATH", f"{stand_in_kubectl.parent}:{pinned.parent}")
    monkeypatch.setenv(KUBECTL.env_var, "kubectl-1.37")
    assert find_tool(KUBECTL) == pinned


def test_a_relative_path_is_made_absolute(stand_in_kubectl: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The runner must still find it after the test changes directory.
    monkeypatch.chdir(stand_in_kubectl.parent.parent)
    monkeypatch.setenv(KUBECTL.env_var, "./bin/kubectl")
    assert find_tool(KUBECTL) == stand_in_kubectl


def test_the_runner_runs_against_its_kubeconfig_with_a_home_of_its_own(stand_in_kubectl: Path, tmp_path: Path) -> None:
    kubectl = kubectl_runner(tmp_path / "kubeconfig", tmp_path / "home")
    result = kubectl("get", "pods", "-o", "name", input="some yaml")
    assert result.stdout.splitlines() == [
        "args: get pods -o name",
        "stdin: some yaml",
        f"KUBECONFIG={tmp_path / 'kubeconfig'} HOME={tmp_path / 'home'} KUBECACHEDIR={tmp_path / 'home' / 'cache'}",
    ]
    assert result.stderr == "complaint\n"
    # Without input, the tool reads an empty stdin, never the terminal.
    assert kubectl("version").stdout.splitlines()[1] == "stdin: "
    assert kubectl.command("logs", "-f", "web") == [str(stand_in_kubectl), "logs", "-f", "web"]


def test_a_failure_fails_the_test_with_the_tool_s_stderr_unless_check_is_false(
    stand_in_kubectl: Path, tmp_path: Path
) -> None:
    failing = kubectl_runner(tmp_path / "kubeconfig", tmp_path).with_env(EXIT_CODE="3")
    with pytest.raises(AssertionError, match=r"^kubectl get pods failed \(3\):\ncomplaint\n$"):
        failing("get", "pods")
    assert failing("get", "pods", check=False).returncode == 3


def test_a_command_that_outlives_its_timeout_fails() -> None:
    sleeper = ToolRunner(Path("/bin/sleep"), {}, timeout=0.2)
    with pytest.raises(subprocess.TimeoutExpired):
        sleeper("5")
    assert sleeper("0", timeout=5).returncode == 0


@pytest.mark.parametrize("tool", [KUBECTL, HELM], ids=lambda tool: tool.name)
def test_a_test_without_the_binary_is_skipped_saying_where_to_get_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tool: Tool
) -> None:
    monkeypatch.delenv(tool.env_var, raising=False)
    monkeypatch.setenv("PATH", str(pytester.mkdir("empty")))
    pytester.makepyfile(f"def test_it({tool.name}):\n    raise AssertionError('ran without {tool.name}')\n")
    result = pytester.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        [f"SKIPPED * {tool.name} is not on PATH: install it ({tool.install}) or set {tool.env_var} to its path"]
    )


def test_a_variable_naming_no_binary_skips_saying_so(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = pytester.path / "tools" / "kubectl"
    monkeypatch.setenv(KUBECTL.env_var, str(missing))
    pytester.makepyfile("def test_it(kubectl):\n    raise AssertionError('ran without kubectl')\n")
    result = pytester.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        [f"SKIPPED * kubectl not found: FAKEAPI_KUBECTL={missing} names no executable file (a path, or a name on PATH)"]
    )


def test_each_test_gets_a_home_of_its_own(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    # Stand-ins are enough: what is checked is the environment the fixtures give.
    for name in ("kubectl", "helm"):
        _stand_in(pytester.path / "bin", name)
    monkeypatch.setenv("PATH", str(pytester.path / "bin"))
    for tool in (KUBECTL, HELM):
        monkeypatch.delenv(tool.env_var, raising=False)
    pytester.makepyfile(
        """
        HOMES = []

        def test_first(kubectl, helm):
            HOMES.extend([kubectl.env["HOME"], helm.env["HOME"]])

        def test_second(kubectl, helm):
            HOMES.extend([kubectl.env["HOME"], helm.env["HOME"]])
            assert len(set(HOMES)) == 4
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


# -- the real kubectl (tests/conftest.py names the one in .tools/bin) ------------------------------


@pytest.mark.kubectl
def test_kubectl_sees_the_test_s_cluster(fakeapi: FakeAPI, kubectl: ToolRunner, tmp_path: Path) -> None:
    fakeapi.seed({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "seeded"}})
    assert kubectl("get", "configmap", "seeded", "-o", "name").stdout == "configmap/seeded\n"
    kubectl("create", "configmap", "made", "--from-literal=a=1")
    assert fakeapi.get("v1", "ConfigMap", "made")["data"] == {"a": "1"}
    # Its discovery cache is in its own home, not in the user's nor in the test's tmp_path.
    home = Path(kubectl.env["HOME"])
    assert (home / "cache" / "discovery").is_dir()
    assert not home.is_relative_to(tmp_path) and list(tmp_path.iterdir()) == []
