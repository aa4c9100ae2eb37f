"""The real client tools (kubectl, helm) that ``scripts/fetch_kube_tools.py`` installs in ``.tools/bin``.

A test that needs one is skipped when it is not installed; a runner fails the test loudly when
the tool exits non-zero, unless called with ``check=False``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
TOOLS_BIN = REPO_ROOT / ".tools" / "bin"

ToolRunner = Callable[..., subprocess.CompletedProcess[str]]


def tool_path(name: str) -> Path:
    """Where the tool ``name`` is installed; skips the test when it is not."""
    path = TOOLS_BIN / name
    if not path.exists():
        pytest.skip(f"{name} is not installed: run `python scripts/fetch_kube_tools.py`")
    return path


def tool_runner(name: str, env: dict[str, str], *leading: str) -> ToolRunner:
    """A function running the tool ``name`` with ``leading`` arguments first; it fails loudly unless check=False."""
    binary = tool_path(name)

    def run(
        *args: str, input: str | None = None, check: bool = True, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        cmd = [str(binary), *leading, *args]
        result = subprocess.run(cmd, input=input, capture_output=True, text=True, env=env, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"{name} {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result

    return run
