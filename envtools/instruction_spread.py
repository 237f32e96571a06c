"""Print how well instruction counts repeat, and what they cost, at the installed Cascade.

Runs with an environment's Python (stdlib + Cascade), like ``profiling_overhead.py``::

    .asv/env/<hash>/bin/python envtools/instruction_spread.py [REPEATS]

Counts every ``instructions.*`` loop (its workload and its ``n``) REPEATS times
(default 2), exactly as their shared ``setup_cache`` does (one valgrind process for
all of them), every other time in reverse order, and prints the counts, their
largest relative difference, and the seconds each count of all loops took: what
the instruction benchmarks add to one commit, asv's own process start-ups aside.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import _instructions, instructions


def _loops() -> list[tuple[str, str, int]]:
    """(class, workload, n) of every ``instructions.*`` benchmark, as its cache counts it."""
    return [(cls.__name__, *cls.loop(n)) for cls, n in instructions._selected(
        instructions._counted_classes())]  # fmt: skip


def main(repeats: int = 2) -> int:
    print(f"{sys.executable}: every loop counted {repeats} times, in one valgrind process each")
    print(f"{'benchmark':24s} {'n':>5s} {'instructions/iteration':>24s} {'spread':>8s}")
    loops = _loops()
    plan = [(workload, n) for _, workload, n in loops]
    rounds, seconds = [], []
    for i in range(repeats):
        start = time.perf_counter()
        # every other repeat in reverse: a count must not depend on the plan's order
        rounds.append(_instructions.measure_all(plan if i % 2 == 0 else plan[::-1]))
        seconds.append(time.perf_counter() - start)
    for name, workload, n in loops:
        outcomes = [r[(workload, n)] for r in rounds]
        if not all(isinstance(o, _instructions.Instructions) for o in outcomes):
            print(
                f"{name:24s} {n:5d} {type(outcomes[0]).__name__.lower()}: {outcomes[0].reason[:50]}"
            )
            continue
        values = [o.per_iteration for o in outcomes]
        spread = (max(values) - min(values)) / min(values)
        shown = " / ".join(f"{v:.1f}" for v in values)
        print(f"{name:24s} {n:5d} {shown:>24s} {spread:8.3%}")
    print("one count of every loop: " + ", ".join(f"{s:.1f} s" for s in seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:2])))
