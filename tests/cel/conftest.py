"""One base environment for the library tests (building one costs milliseconds)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fakeapi.cel.environment.base import Environment
from fakeapi.cel.errors import CELError

Evaluate = Callable[[str], Any]


@pytest.fixture(scope="session")
def base_env() -> Environment:
    return Environment({"self": "dyn"})


@pytest.fixture
def evaluate(base_env: Environment) -> Evaluate:
    """Compile and run an expression over no variables: its value, or the CEL error's text."""

    def run(expression: str) -> Any:
        try:
            return base_env.compile(expression).eval({})
        except CELError as exc:
            return exc.message

    return run
