"""IntOrString values scaled against a total (k8s.io/apimachinery/pkg/util/intstr/intstr.go).

Rolling updates size their steps with ``maxUnavailable`` / ``maxSurge``: either an absolute
number or a percentage of the desired count, rounded up or down as the caller asks.
"""

from __future__ import annotations

import math


def get_scaled_value_from_int_or_percent(value: int | str | None, total: int, round_up: bool) -> int:
    """GetScaledValueFromIntOrPercent: ``value`` itself, or its percentage of ``total``.

    None counts as zero (a nil pointer upstream); a string that is not ``<int>%`` raises ValueError.
    """
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    if not value.endswith("%"):
        raise ValueError("invalid value for IntOrString: invalid type: string is not a percentage")
    if not value[:-1].lstrip("-").isdigit():
        raise ValueError(f"invalid value {value!r}: not an integer percentage")
    scaled = int(value[:-1]) * total / 100
    return math.ceil(scaled) if round_up else math.floor(scaled)
