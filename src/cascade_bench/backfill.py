"""Which old commit a night back-fills next: pure logic over the first-parent line.

Back-fill measures the middle of the largest unmeasured gap (a stepped run, one
commit at a time), but only where the workloads live:

- a measured commit at which every Cascade workload is n/a predates them all: it
  and everything before it are never chosen, nor is the gap after it (the series
  start there; blame narrows where, measuring only what that question needs);
- the gap before the oldest measured commit, which may hold such commits, is
  bisected only once every later gap is measured: by then at most one pick can
  land before the workloads, and the rule above closes that side.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .results import SKIPPED, Point
from .steps import SeriesKey


def without_workloads(points: Iterable[Point]) -> set[str]:
    """Commits at which every Cascade workload series is n/a (none exists yet)."""
    seen: dict[str, bool] = {}
    for p in points:
        if SeriesKey(p.benchmark, p.params).workload is None:
            continue  # the Cascade-free floor says nothing about workloads
        seen[p.commit] = seen.get(p.commit, True) and p.value == SKIPPED
    return {c for c, none in seen.items() if none}


def next_commit(order: list[str], measured: set[str], before_workloads: set[str]) -> str | None:
    """The next commit to back-fill, or None when nothing is left where workloads live.

    ``order``: the first-parent line, oldest first; ``before_workloads``: measured
    commits with no workload (``without_workloads``)."""
    position = {c: i for i, c in enumerate(order)}
    known = sorted(position[c] for c in measured if c in position)
    floor = max((position[c] for c in before_workloads if c in position), default=-1)
    interior, leading = [], []
    for a, b in zip([-1, *known], known, strict=False):
        if b - a <= 1 or b <= floor or (a == floor and floor >= 0):
            continue
        (leading if a == -1 else interior).append((a, b))
    for gaps in (interior, leading):
        if gaps:
            a, b = max(gaps, key=lambda g: (g[1] - g[0], -g[0]))
            return order[(a + b) // 2 if a >= 0 else b // 2]
    if not known:  # nothing measured at all: start in the middle
        return order[len(order) // 2] if order else None
    return None


@dataclass
class Backfilled:
    """What back-fill measured: commits in order, those with no workload among
    them, and the seconds it took."""

    commits: list[str] = field(default_factory=list)
    without_workloads: list[str] = field(default_factory=list)
    seconds: float = 0.0
    budget: float = 0.0

    def line(self) -> str:
        """Where the budget went, for the summary."""
        live = len(self.commits) - len(self.without_workloads)
        return (f"Back-filled {len(self.commits)} older commit(s) in {self.seconds:.0f} s "
                f"(until {self.budget:.0f} s into the night; blame narrows with the rest of "
                f"the budget): {live} with workloads, {len(self.without_workloads)} before any "
                "workload (n/a).")  # fmt: skip
