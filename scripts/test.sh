#!/usr/bin/env bash
# The project's test command: linter, type checker, then the tests in parallel.
set -euo pipefail
cd "$(dirname "$0")/.."
ruff check .
ruff format --check .
mypy
python3 -m pytest -n 2 -q "$@"
