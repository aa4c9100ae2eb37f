"""The quantity library: cases from apiserver/pkg/cel/library/quantity.go's examples and quantity_test.go."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cel.conftest import Evaluate


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("isQuantity('1.3G')", True),
        ("isQuantity('1.3Gi')", True),
        ("isQuantity('1,3G')", False),
        ("isQuantity('10000k')", True),
        ("isQuantity('200K')", False),
        ("isQuantity('Three')", False),
        ("isQuantity('Mi')", False),
        ("quantity('50k') == quantity('50000')", True),
        ("quantity('1') == quantity('1000m')", True),
        ("quantity('50M').isGreaterThan(quantity('50k'))", True),
        ("quantity('50k').isLessThan(quantity('50M'))", True),
        ("quantity('200M').compareTo(quantity('0.2G'))", 0),
        ("quantity('50M').compareTo(quantity('50Mi'))", -1),
        ("quantity('50Mi').compareTo(quantity('50M'))", 1),
        ("quantity('50k').add(quantity('20')) == quantity('50.02k')", True),
        ("quantity('50k').add(20) == quantity('50020')", True),
        ("quantity('50k').sub(quantity('20')) == quantity('49.98k')", True),
        ("quantity('50k').sub(20) == quantity('49980')", True),
        ("quantity('50k').mul(2) == quantity('100k')", True),
        ("quantity('50k').divInt(3) == quantity('16666')", True),
        ("quantity('50k').asInteger()", 50000),
        ("quantity('50k').isInteger()", True),
        ("quantity('50m').isInteger()", False),
        ("quantity('50m').asInteger()", "cannot convert value to integer"),
        ("quantity('9999999999999999999999999999999999999G').asInteger()", "cannot convert value to integer"),
        ("quantity('50.703k').asApproximateFloat()", 50703.0),
        ("sign(quantity('-50k'))", -1),
        ("sign(quantity('0'))", 0),
        ("quantity('1').divInt(0)", "division by zero error"),
        ("type(quantity('1')) == kubernetes.Quantity", True),
    ],
)
def test_quantity(evaluate: Evaluate, expression: str, expected: Any) -> None:
    assert evaluate(expression) == expected


def test_a_malformed_quantity_is_an_error(evaluate: Evaluate) -> None:
    assert evaluate("quantity('Three')").startswith("quantities must match the regular expression")
