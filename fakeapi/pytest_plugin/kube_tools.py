"""The real kubectl and helm, run against a test's cluster: what the ``kubectl`` and ``helm`` fixtures hand out.

Neither is a Python package, so the plugin cannot depend on them: a binary is found as a shell
finds it, on ``PATH``, unless ``FAKEAPI_KUBECTL`` / ``FAKEAPI_HELM`` name one (a pinned version, a
checkout's own copy). A test that needs one that is not there is skipped with where to get it,
so the rest of a suite still runs on a machine without it.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

# Long enough for `rollout status` or `helm install --wait` on a slow machine; short enough that a
# command waiting for something that never comes fails its test instead of stalling the suite.
DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class Tool:
    """A client binary the plugin runs, and where a user gets it."""

    name: str
    install: str

    @property
    def env_var(self) -> str:
        return "FAKEAPI_" + self.name.upper()


KUBECTL = Tool("kubectl", "https://kubernetes.io/docs/tasks/tools/")
HELM = Tool("helm", "https://helm.sh/docs/intro/install/")


def find_tool(tool: Tool) -> Path:
    """The binary to run for ``tool``: ``$FAKEAPI_<NAME>`` (a path, or a name looked up on PATH), else PATH.

    Skips the calling test when there is none.
    """
    named = os.environ.get(tool.env_var)
    found = shutil.which(named or tool.name)
    if found is None:
        if named:
            pytest.skip(
                f"{tool.name} not found: {tool.env_var}={named} names no executable file (a path, or a name on PATH)"
            )
        pytest.skip(f"{tool.name} is not on PATH: install it ({tool.install}) or set {tool.env_var} to its path")
    # Absolute, so that a test that changes directory (monkeypatch.chdir, pytester) still finds it.
    return Path(found).absolute()


@dataclass(frozen=True)
class ToolRunner:
    """Runs one tool against one cluster: ``kubectl("get", "pods")`` returns the finished process.

    The output is text (``.stdout``, ``.stderr``); a non-zero exit fails the test with the tool's
    stderr unless the call says ``check=False``. ``input=`` is the tool's standard input
    (``kubectl("apply", "-f", "-", input=manifest)``). For a process the test drives itself
    (``kubectl logs -f``, ``port-forward``), ``subprocess.Popen(kubectl.command(...), env=kubectl.env)``.
    """

    binary: Path
    env: dict[str, str]
    timeout: float = DEFAULT_TIMEOUT

    def command(self, *args: str) -> list[str]:
        """The command line that runs the tool with ``args``."""
        return [str(self.binary), *args]

    def __call__(
        self, *args: str, input: str | None = None, check: bool = True, timeout: float | None = None
    ) -> subprocess.CompletedProcess[str]:
        __tracebackhide__ = True
        result = subprocess.run(
            self.command(*args),
            input=input,
            # Without input, end of file at once: under `pytest -s` a tool reading stdin waited on the terminal.
            stdin=subprocess.DEVNULL if input is None else None,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=self.timeout if timeout is None else timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"{self.binary.name} {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result

    def with_env(self, **variables: str) -> ToolRunner:
        """The same runner with more environment variables (``KUBECTL_REMOTE_COMMAND_WEBSOCKETS="false"``)."""
        return dataclasses.replace(self, env={**self.env, **variables})


def kubectl_runner(kubeconfig: str | os.PathLike[str], home: Path) -> ToolRunner:
    """kubectl for the cluster of ``kubeconfig``, its home and discovery cache under ``home``.

    kubectl caches discovery per host and port, and every test's cluster listens on the same one:
    a cache shared between tests would show one test the API groups and CRDs of another.
    """
    env = {**os.environ, "KUBECONFIG": os.fspath(kubeconfig), "HOME": str(home), "KUBECACHEDIR": str(home / "cache")}
    return ToolRunner(find_tool(KUBECTL), env)


def helm_runner(kubeconfig: str | os.PathLike[str], home: Path) -> ToolRunner:
    """helm for the cluster of ``kubeconfig``, its home, cache, config and data under ``home``.

    The HELM_*_HOME variables win over XDG_*_HOME, which a user's environment may set: repositories
    and plugins a user added, and the test's own, stay apart.
    """
    env = {
        **os.environ,
        "KUBECONFIG": os.fspath(kubeconfig),
        "HOME": str(home),
        "HELM_CACHE_HOME": str(home / "cache"),
        "HELM_CONFIG_HOME": str(home / "config"),
        "HELM_DATA_HOME": str(home / "data"),
    }
    return ToolRunner(find_tool(HELM), env)
