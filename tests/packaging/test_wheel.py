"""The project as a downstream user gets it: a wheel built from the repository, installed elsewhere.

The wheel is installed with ``--no-deps`` into a fresh virtual environment that sees this
interpreter's site-packages (``--system-site-packages``): a clean install of the declared
dependencies from the package index takes about a minute, too long for every test run. The venv's
own site-packages comes first on its path, so ``fakeapi`` and the plugin's entry point are the
wheel's, which the downstream suite checks before it uses the fixture. The README's tests run
there too, as a user would copy them; those that take the kubectl fixture find kubectl on PATH.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from fakeapi.pytest_plugin.kube_tools import KUBECTL, find_tool

REPOSITORY = Path(__file__).resolve().parents[2]
# What a checkout holds besides its sources: history, fetched tools, build and test output, caches.
NOT_SOURCES = (".git", ".tools", "build", "*.egg-info", "test-results", "__pycache__", ".mypy_cache", ".ruff_cache")

DOWNSTREAM_TEST = """
import sys
from importlib import metadata, resources
from pathlib import Path

import fakeapi


def test_fakeapi_comes_from_the_wheel():
    assert Path(fakeapi.__file__).is_relative_to(sys.prefix)
    (entry_point,) = [e for e in metadata.entry_points(group="pytest11", name="fakeapi") if e.dist.name == "fakeapi-k8s"]
    assert entry_point.value == "fakeapi.pytest_plugin.plugin"
    assert Path(sys.modules[entry_point.value].__file__).is_relative_to(sys.prefix)


def test_package_data_is_installed():
    fixtures = resources.files("fakeapi.fixtures")
    assert fixtures.joinpath("bootstrap", "00-namespaces.yaml").is_file()
    assert fixtures.joinpath("kind", "static-pods", "etcd.yaml").is_file()


def test_the_trace_viewer_is_installed():
    viewer = resources.files("fakeapi.testing.trace").joinpath("viewer")
    assert all(viewer.joinpath(name).is_file() for name in ("viewer.html", "viewer.css", "viewer.js"))


def test_a_first_test(fakeapi):
    fakeapi.seed({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"a": "1"}})
    assert fakeapi.get("v1", "ConfigMap", "settings")["data"] == {"a": "1"}
"""


def _readme_tests(*, kubectl: bool) -> list[str]:
    """The tests the README shows a user, as they would copy them: those that take the kubectl fixture, or the others."""
    readme = (REPOSITORY / "README.md").read_text()
    blocks = [block for block in re.findall(r"```python\n(.*?)```", readme, re.DOTALL) if "def test_" in block]
    return [block for block in blocks if bool(re.search(r"def test_\w+\([^)]*\bkubectl\b", block)) is kubectl]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built as ``pip wheel`` builds it (isolated, from pyproject.toml)."""
    out = tmp_path_factory.mktemp("wheel")
    # setuptools builds in the source tree (build/, *.egg-info): two xdist workers building from the
    # checkout at once broke each other's build, so each builds from a copy of its own.
    source = tmp_path_factory.mktemp("source") / "fakeapi"
    shutil.copytree(REPOSITORY, source, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(source)], check=True)
    (built,) = out.glob("fakeapi_k8s-*.whl")
    return built


def test_the_wheel_holds_one_package_and_its_data(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names if not name.startswith("fakeapi_k8s-")} == {"fakeapi"}
    for data in (
        "fakeapi/py.typed",
        "fakeapi/apimachinery/k8s_descriptors.binpb",
        "fakeapi/endpoints/openapi/gnostic_descriptors.binpb",
        "fakeapi/fixtures/bootstrap/00-namespaces.yaml",
        "fakeapi/fixtures/kind/10-coredns.yaml",
        "fakeapi/fixtures/kind/static-pods/kube-apiserver.yaml",
        "fakeapi/pytest_plugin/plugin.py",
        "fakeapi/testing/trace/viewer/viewer.html",
        "fakeapi/testing/trace/viewer/viewer.css",
        "fakeapi/testing/trace/viewer/viewer.js",
    ):
        assert data in names


@pytest.fixture(scope="module")
def downstream_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a fresh virtual environment with the wheel installed."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--python", str(python)]
    subprocess.run([*pip, "install", "--quiet", "--no-deps", str(wheel)], check=True)
    return python


def _run_downstream(python: Path, project: Path, tests: dict[str, str], env: dict[str, str]) -> str:
    """Run ``tests`` (file name -> source) as a project of their own; returns pytest's output once all passed."""
    (project / "tests").mkdir(parents=True)
    for name, source in tests.items():
        (project / "tests" / name).write_text(source)
    # The checkout must not shadow the wheel.
    env = {key: value for key, value in env.items() if key != "PYTHONPATH"}
    result = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_a_downstream_suite_runs_with_the_installed_plugin(downstream_python: Path, tmp_path: Path) -> None:
    readme = {f"test_readme_{index}.py": source for index, source in enumerate(_readme_tests(kubectl=False))}
    output = _run_downstream(
        downstream_python, tmp_path / "downstream", {"test_installed.py": DOWNSTREAM_TEST, **readme}, dict(os.environ)
    )
    assert f"{4 + len(readme)} passed" in output  # DOWNSTREAM_TEST's four and the README's


@pytest.mark.kubectl
def test_the_readme_s_kubectl_tests_run_with_the_installed_plugin(downstream_python: Path, tmp_path: Path) -> None:
    # kubectl is found as on a user's machine: on PATH, with no FAKEAPI_KUBECTL.
    kubectl = find_tool(KUBECTL)
    env = {key: value for key, value in os.environ.items() if key != KUBECTL.env_var}
    env["PATH"] = f"{kubectl.parent}{os.pathsep}{env['PATH']}"
    tests = {f"test_readme_kubectl_{index}.py": source for index, source in enumerate(_readme_tests(kubectl=True))}
    output = _run_downstream(downstream_python, tmp_path / "downstream", tests, env)
    assert f"{len(tests)} passed" in output
