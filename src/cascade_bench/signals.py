"""The signals the suite measures: one table that every stage and view reads.

A signal is one benchmark module of the suite (``benchmarks/<module>.py``), one
benchmark method per class, one unit, and whether it is exact (deterministic:
compared commit to commit) or timed (noisy: asv's step detection, then side by side).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Signal:
    name: str  # what findings call it: "time", "calls", "instructions"
    module: str  # benchmark module: "loops", "calls", "instructions"
    method: str  # the benchmark method of every class in that module
    unit: str  # unit of a finding's before and after
    exact: bool  # deterministic: every change beyond the threshold is a step
    words: str  # what a person reads: "wall time", "calls", "instructions"

    @property
    def threshold_key(self) -> str:
        """The ``regressions_thresholds`` regex of asv.conf.json for this signal."""
        return rf"{re.escape(self.module)}\."


TIME = Signal("time", "loops", "time_loop", "seconds", False, "wall time")
CALLS = Signal("calls", "calls", "track_calls_per_iteration", "calls/iteration", True, "calls")
INSTRUCTIONS = Signal(
    "instructions", "instructions", "track_instructions_per_iteration",
    "instructions/iteration", True, "instructions",
)  # fmt: skip
ALL = (TIME, CALLS, INSTRUCTIONS)
NAMES = tuple(s.name for s in ALL)
BY_NAME = {s.name: s for s in ALL}
BY_MODULE = {s.module: s for s in ALL}
EXACT = tuple(s.name for s in ALL if s.exact)
# Order of signals when one workload moved in several: the exact cost first.
DISPLAY_ORDER = ("instructions", "time", "calls")

# The series blame looks at by default: one method per signal module. asv matches
# --bench against "name(params)" too, hence the optional parameter part.
DEFAULT_SERIES = (
    "^(" + "|".join(rf"{s.module}\..*\.{s.method}" for s in ALL) + r")(\(.*\))?$"
)


def ratio(before: float, after: float) -> float | None:
    """``after / before``, the one ratio rule: None from a zero (or negative) base,
    where no ratio says how far a series moved."""
    return after / before if before > 0 else None
