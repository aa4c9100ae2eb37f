"""The semver library (semverlib.go, semver_test.go) and cel-go's sets extension (ext/sets.go, sets_test.go)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cel.conftest import Evaluate


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("isSemver('1.0.0')", True),
        ("isSemver('v1.0')", False),
        ("isSemver('v1.0', true)", True),
        ("isSemver('1.0.0-rc.1+build')", True),
        ("isSemver('01.0.0')", False),
        ("semver('1.2.3').major()", 1),
        ("semver('1.2.3').minor()", 2),
        ("semver('1.2.3').patch()", 3),
        ("semver('v01.02', true).compareTo(semver('1.2.0'))", 0),
        ("semver('1.2.3').isGreaterThan(semver('1.2.2'))", True),
        ("semver('1.2.3').isLessThan(semver('1.10.0'))", True),
        ("semver('1.0.0-alpha').isLessThan(semver('1.0.0'))", True),
        ("semver('1.0.0-alpha.1').isLessThan(semver('1.0.0-alpha.beta'))", True),
        ("semver('1.0.0') == semver('1.0.0')", True),
        ("sets.contains([1, 2, 3, 4], [2, 3])", True),
        ("sets.contains([1, 2, 3], [4])", False),
        ("sets.contains([], [])", True),
        ("sets.equivalent([1, 2, 3], [3, 2, 1, 1])", True),
        ("sets.equivalent([1], [1.0])", True),
        ("sets.intersects([1], [1, 2])", True),
        ("sets.intersects([1], [])", False),
    ],
)
def test_semver_and_sets(evaluate: Evaluate, expression: str, expected: Any) -> None:
    assert evaluate(expression) == expected
