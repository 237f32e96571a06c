"""Profile one workload at the Cascade installed in *this* interpreter.

Runs inside a Cascade environment (stdlib + Cascade), started by
``cascade-bench profile``::

    python envtools/profile_workload.py WORKLOAD N OUT.prof

Exit 3 when the workload does not exist at this Cascade, 4 when no Cascade is
installed here, 1 when it fails.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

CHECKOUT = str(Path(__file__).resolve().parents[1])  # the suite's checkout
sys.path.insert(0, CHECKOUT)

from benchmarks import _profiling  # noqa: E402

# Cascade comes from this interpreter's environment only: the checkout holds asv's
# mirror of the repository as ./cascade, which would import as an empty namespace.
sys.path[:] = [p for p in sys.path if p not in (CHECKOUT, "")]
NO_CASCADE = 4


def main(argv: list[str]) -> int:
    workload, n, out = argv[0], int(argv[1]), argv[2]
    spec = importlib.util.find_spec("cascade")
    if spec is None or spec.origin in (None, "namespace"):
        print(f"no Cascade is installed for {sys.executable}", file=sys.stderr)
        return NO_CASCADE
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
