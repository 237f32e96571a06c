"""Profile one workload at the Cascade installed in *this* interpreter.

Runs inside a Cascade environment (stdlib + Cascade), started by
``cascade-bench profile``::

    python envtools/profile_workload.py WORKLOAD N OUT.prof

Exit 3 when the workload does not exist at this Cascade, 1 when it fails.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the suite's checkout

from benchmarks import _profiling


def main(argv: list[str]) -> int:
    workload, n, out = argv[0], int(argv[1]), argv[2]
    try:
        stats = _profiling.capture(workload, n)
    except NotImplementedError as exc:
        print(f"{workload}: {exc}", file=sys.stderr)
        return 3
    except Exception as exc:  # noqa: BLE001 - one line for the host side
        print(f"{workload} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    stats.dump_stats(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
