"""Which functions changed between two profiles of the same workload, per iteration."""

from __future__ import annotations

import pstats
from dataclasses import dataclass

from .model import FunctionDiff
from .profiles import Bytecodes, FuncCost, FuncKey, is_cascade, per_iteration

ZERO = FuncCost(0.0, 0.0, 0.0, 0.0)
EVENT_LOOP_TURN = ("asyncio/base_events.py", "_run_once")
THREAD_HANDOFF = ("concurrent/futures/thread.py", "submit")
MIN_SHARE = 0.005  # a row under half a percent of the change explains nothing


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
    before: pstats.Stats, after: pstats.Stats, n: int, signal: str
) -> tuple[list[FuncChange], list[str]]:
    """Every change, ranked (Cascade's functions first; ``top`` cuts the table), and
    notes on runtime frames.

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
    return changes, _notes(b, a)


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


def rank_by_bytecodes(
    functions: list[FunctionDiff], before: Bytecodes, after: Bytecodes, limit: int = 10
) -> list[FunctionDiff]:
    """The function table ordered by each function's share of the change in
    bytecodes executed per iteration: deterministic, unlike own time. Every bytecode
    is charged to exactly one function (stdlib callees to the Cascade function that
    called them; the rest, like the event loop, to themselves), so a share is of the
    gross change, the sum of every function's change in absolute value, and lies in
    [-100 %, +100 %]. Rows that account for under half a percent are left out.
    cProfile's columns are kept where the function has them."""
    keys = set(before) | set(after)
    delta = {k: after.get(k, (0, 0))[1] - before.get(k, (0, 0))[1] for k in keys}
    gross = sum(abs(d) for d in delta.values())
    by_key = {(f.file, f.function): f for f in functions}
    rows = []
    for key in keys:
        share = delta[key] / gross if gross else None
        if abs(delta[key]) < 0.005 or (share is not None and abs(share) < MIN_SHARE):
            continue
        charged_b, charged_a = before.get(key, (0, 0))[1], after.get(key, (0, 0))[1]
        known = by_key.get(key) or _bare(by_key, key)
        pairs = (known.calls, known.primitive_calls, known.own, known.cumulative) if known else (
            (0.0, 0.0),) * 4  # fmt: skip
        rows.append(
            FunctionDiff(
                file=key[0],
                function=key[1],
                cascade=is_cascade(key),
                calls=pairs[0],
                primitive_calls=pairs[1],
                own=pairs[2],
                cumulative=pairs[3],
                bytecodes=(charged_b, charged_a),
                share=share,
            )
        )
    rows.sort(key=lambda f: (not f.cascade, -abs(f.bytecodes[1] - f.bytecodes[0]), f.label))
    return top(rows, limit)


def top(functions: list[FunctionDiff], limit: int = 10) -> list[FunctionDiff]:
    """The first ``limit`` rows of an already ranked table, Cascade's functions first."""
    cascade = [f for f in functions if f.cascade][:limit]
    return cascade + [f for f in functions if not f.cascade][: max(0, limit - len(cascade))]


def _bare(by_key: dict[tuple[str, str], FunctionDiff], key: tuple[str, str]) -> FunctionDiff | None:
    """cProfile names a function without its class; match on the last name part."""
    name = key[1].rsplit(".", 1)[-1]
    return by_key.get((key[0], name))
