"""The benchmark modules: discoverable without Cascade, one class per workload."""

from __future__ import annotations

import subprocess
import sys

from asvtools import PROJECT
from cascade_bench import suite
from cascade_bench.steps import SeriesKey


def test_modules_import_without_cascade() -> None:
    # asv discovers benchmarks in whatever commit is installed; discovery must not
    # depend on Cascade being importable (or on its API era).
    code = (
        "import sys; sys.modules['cascade'] = None\n"
        "import benchmarks.loops, benchmarks.calls\n"
        "print('ok')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_every_workload_is_timed_and_profiled() -> None:
    workloads = set(suite.eras().WORKLOAD_FAMILY)
    for module in ("loops", "calls"):
        mod = suite._benchmark_module(module)
        found = {
            getattr(cls, "workload", "")
            for name, cls in vars(mod).items()
            if isinstance(cls, type) and not name.startswith("_")
        }
        assert workloads <= found, (module, workloads - found)
    assert SeriesKey("loops.HeavyJumpLoop.time_loop", ()).workload == "heavy_jump_loop"
    assert SeriesKey("calls.VMCountdown.track_calls_per_iteration", ()).workload == "vm_countdown"
    assert SeriesKey("loops.ImperativeCountdown.time_loop", ()).workload is None
