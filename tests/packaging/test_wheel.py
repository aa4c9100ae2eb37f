"""The project as a downstream user gets it: a wheel built from the repository, installed elsewhere.

The wheel is installed with ``--no-deps`` into a fresh virtual environment that sees this
interpreter's site-packages (``--system-site-packages``): a clean install of the declared
dependencies from the package index takes about a minute, too long for every test run. The venv's
own site-packages comes first on its path, so ``fakeapi`` and the plugin's entry point are the
wheel's, which the downstream suite checks before it uses the fixture.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]

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


def _readme_first_test() -> str:
    """The first test the README shows a new user, as they would copy it."""
    readme = (REPOSITORY / "README.md").read_text()
    section = readme[readme.index("## Add it to your project") :]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built as ``pip wheel`` builds it (isolated, from pyproject.toml)."""
    out = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(REPOSITORY)], check=True)
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


def test_a_downstream_suite_runs_with_the_installed_plugin(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--python", str(python)]
    subprocess.run([*pip, "install", "--quiet", "--no-deps", str(wheel)], check=True)
    project = tmp_path / "downstream"
    (project / "tests").mkdir(parents=True)
    (project / "tests" / "test_installed.py").write_text(DOWNSTREAM_TEST)
    (project / "tests" / "test_first.py").write_text(_readme_first_test())
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 passed" in result.stdout
