"""IntOrString values scaled against a total (k8s.io/apimachinery/pkg/util/intstr/intstr.go).

Rolling updates size their steps with ``maxUnavailable`` / ``maxSurge``: either an absolute
number or a percentage of the desired count, rounded up or down as the caller asks.
"""

from __future__ import annotations


def get_scaled_value_from_int_or_percent(value: int | str | None, total: int, round_up: bool) -> int:
    """GetScaledValueFromIntOrPercent: ``value`` itself, or its percentage of ``total``.

    None counts as zero (a nil pointer upstream); a string that is not ``<int>%`` raises ValueError.
    Integer arithmetic instead of Go's float64 ceil/floor: the same result without float error.
    """
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    if not value.endswith("%"):
        raise ValueError(f"invalid value for IntOrString: invalid type: string is not a percentage: {value!r}")
    if not value[:-1].lstrip("-").isdigit():
        raise ValueError(f"invalid value for IntOrString: invalid value {value!r}")
    scaled = int(value[:-1]) * total
    return -(-scaled // 100) if round_up else scaled // 100
