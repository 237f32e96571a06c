"""Print how well instruction counts repeat, and what they cost, at the installed Cascade.

Runs with an environment's Python (stdlib + Cascade), like ``profiling_overhead.py``::

    .asv/env/<hash>/bin/python envtools/instruction_spread.py [REPEATS]

Measures every ``instructions.*`` benchmark (its workload and its ``n``) REPEATS
times (default 2), exactly as its ``setup_cache`` does, and prints the counts, their
largest relative difference, and the seconds one measurement took: the sum of the
first column is what the instruction benchmarks add to one commit, asv's own
process start-ups aside.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import _instructions, instructions


def _classes() -> list[tuple[str, str, int]]:
    found = []
    for name, cls in vars(instructions).items():
        if isinstance(cls, type) and hasattr(cls, "setup_cache") and not name.startswith("_"):
            workload = cls.workload or _instructions.FLOOR  # the floor has no Cascade workload
            found += [(name, workload, n) for n in cls.params]
    return found


def main(repeats: int = 2) -> int:
    print(f"{sys.executable}: {repeats} measurements each")
    print(f"{'benchmark':24s} {'n':>5s} {'instructions/iteration':>24s} {'spread':>8s} {'s':>6s}")
    total = 0.0
    for name, workload, n in _classes():
        values, seconds = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            outcome = _instructions.measure(workload, n)
            seconds.append(time.perf_counter() - start)
            if not isinstance(outcome, _instructions.Instructions):
                values = [f"{type(outcome).__name__.lower()}: {outcome.reason}"]
                break
            values.append(outcome.per_iteration)
        total += seconds[0]
        if isinstance(values[0], str):
            print(f"{name:24s} {n:5d} {values[0][:60]:>24s} {'':>8s} {seconds[0]:6.1f}")
            continue
        spread = (max(values) - min(values)) / min(values)
        shown = " / ".join(f"{v:.1f}" for v in values)
        print(f"{name:24s} {n:5d} {shown:>24s} {spread:8.3%} {seconds[0]:6.1f}")
    print(f"one measurement of every benchmark: {total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:2])))
