"""Plugin statuses and the plugin shapes the scheduler runs (pkg/scheduler/framework/interface.go).

A filter answers None when the node fits, otherwise a :class:`Status` whose code says whether
preempting other pods could help (``Unschedulable``) or not (``UnschedulableAndUnresolvable``)
and whose reasons are the strings the FitError message counts per node.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from fakeapi.scheduler.framework.types import NodeInfo
from fakeapi.storage.interfaces import Object

# framework.MaxNodeScore: every score plugin's result is normalised to 0..100.
MAX_NODE_SCORE = 100


class Code(Enum):
    """fwk.Code (the ones a filter returns)."""

    UNSCHEDULABLE = "Unschedulable"
    UNSCHEDULABLE_AND_UNRESOLVABLE = "UnschedulableAndUnresolvable"


@dataclass(frozen=True)
class Status:
    """fwk.Status of a failed filter: a code and the reasons, in the order the plugin found them."""

    code: Code
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def unresolvable(cls, *reasons: str) -> Status:
        return cls(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, reasons)


class FilterPlugin(Protocol):
    """framework.FilterPlugin: can ``pod`` run on the node?"""

    name: str

    def filter(self, pod: Object, node_info: NodeInfo) -> Status | None: ...


class ScorePlugin(Protocol):
    """framework.ScorePlugin with its ScoreExtensions: raw scores per node, then normalised to 0..100."""

    name: str
    weight: int

    def score(self, pod: Object, node_info: NodeInfo) -> int: ...

    def normalize(self, scores: dict[str, int]) -> dict[str, int]: ...


def default_normalize_score(scores: dict[str, int], reverse: bool) -> dict[str, int]:
    """helper.DefaultNormalizeScore: scale to 0..100 by the highest score; ``reverse`` turns high into low."""
    highest = max(scores.values(), default=0)
    if highest == 0:
        return {name: MAX_NODE_SCORE if reverse else 0 for name in scores}
    result = {}
    for name, value in scores.items():
        scaled = MAX_NODE_SCORE * value // highest
        result[name] = MAX_NODE_SCORE - scaled if reverse else scaled
    return result
