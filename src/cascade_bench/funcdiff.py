"""Which functions changed between two profiles of the same workload, per iteration."""

from __future__ import annotations

import pstats
from dataclasses import dataclass

from .profiles import FuncCost, FuncKey, is_cascade, per_iteration

ZERO = FuncCost(0.0, 0.0, 0.0, 0.0)
EVENT_LOOP_TURN = ("asyncio/base_events.py", "_run_once")
THREAD_HANDOFF = ("concurrent/futures/thread.py", "submit")


@dataclass(frozen=True)
class FuncChange:
    key: FuncKey
    line: int  # first line in the newer profile (to find the class it belongs to)
    before: FuncCost
    after: FuncCost

    @property
    def cascade(self) -> bool:
        return is_cascade(self.key)

    def growth(self, signal: str) -> float:
        """How much this function explains of the step, for ranking."""
        if signal == "calls":
            return abs(self.after.calls - self.before.calls)
        # Own time first: it points at the function doing the new work;
        # cumulative time and calls break ties among callers.
        return abs(self.after.own - self.before.own) + 0.1 * abs(
            self.after.cumulative - self.before.cumulative
        )


def _first_lines(stats: pstats.Stats) -> dict[FuncKey, int]:
    from .profiles import short_file

    return {(short_file(f), name): line for (f, line, name) in stats.stats}


def diff(
    before: pstats.Stats, after: pstats.Stats, n: int, signal: str, limit: int = 10
) -> tuple[list[FuncChange], list[str]]:
    """Ranked changes (Cascade's functions first) and notes on runtime frames.

    Stdlib frames are not culprits; they are reported as the cost they carry,
    e.g. "+2.00 event-loop turns per iteration"."""
    b, a = per_iteration(before, n), per_iteration(after, n)
    lines = {**_first_lines(before), **_first_lines(after)}
    changes = [
        FuncChange(k, lines.get(k, 0), b.get(k, ZERO), a.get(k, ZERO)) for k in set(a) | set(b)
    ]
    changes = [c for c in changes if c.growth(signal) > 0 and c.key[0] != "<built-in>"]
    # Ties (equal growth) in name order: the same profiles always give the same table.
    changes.sort(key=lambda c: (not c.cascade, -c.growth(signal), c.key))
    cascade = [c for c in changes if c.cascade][:limit]
    others = [c for c in changes if not c.cascade][: max(0, limit - len(cascade))]
    return cascade + others, _notes(b, a)


def _notes(b: dict[FuncKey, FuncCost], a: dict[FuncKey, FuncCost]) -> list[str]:
    notes = []
    for key, what in (
        (EVENT_LOOP_TURN, "event-loop turns"),
        (THREAD_HANDOFF, "thread-pool hand-offs"),
    ):
        delta = a.get(key, ZERO).calls - b.get(key, ZERO).calls
        if abs(delta) >= 0.01:
            notes.append(f"{delta:+.2f} {what} per iteration ({key[0]}:{key[1]})")
    return notes
