"""Print how much cProfile slows each workload, measured side by side.

Runs with an environment's Python (stdlib + Cascade)::

    .asv/env/<hash>/bin/python envtools/profiling_overhead.py [N] [PAIRS]

Alternates unprofiled and profiled runs of every workload that exists at the
installed commit (fresh engine each, warm process) and prints the median of the
per-pair ratios: noise on this machine hits both halves of a pair alike.
"""

from __future__ import annotations

import cProfile
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import _eras, _workloads


def _timed(name: str, n: int, profiled: bool) -> float:
    loop = _workloads.prepare(name, n)
    profiler = cProfile.Profile() if profiled else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    loop.run()
    if profiler:
        profiler.disable()
    return time.perf_counter() - start


def main(n: int = 1000, pairs: int = 5) -> None:
    print(f"{'workload':26s} {'plain':>10s} {'profiled':>10s} {'ratio':>6s}  (median of {pairs})")
    for name in _eras.WORKLOAD_FAMILY:
        try:
            _workloads.warm_up(name)
        except NotImplementedError:
            continue
        plain, prof, ratios = [], [], []
        for _ in range(pairs):
            a, b = _timed(name, n, False), _timed(name, n, True)
            plain.append(a)
            prof.append(b)
            ratios.append(b / a)
        print(
            f"{name:26s} {statistics.median(plain) * 1e3:8.1f}ms "
            f"{statistics.median(prof) * 1e3:8.1f}ms {statistics.median(ratios):6.2f}"
        )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
